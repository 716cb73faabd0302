import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from setia.core.errors import PermissionDeniedError
from setia.core.models import AuditEvent
from setia.core.scheduler import cron_text, load_schedule, next_slot, task_labels


def _require(actor: Any, capability: str) -> None:
    if not getattr(actor, "is_authenticated", False) or not actor.has_capability(capability):
        raise PermissionDeniedError(_("You do not have permission to do this."))


def audit_event_list(
    *,
    actor: Any,
    object_type: str = "",
    object_id: str = "",
    actor_id: int | None = None,
    action: str = "",
    query: str = "",
) -> QuerySet[AuditEvent]:
    _require(actor, "audit.view")
    events = AuditEvent.objects.select_related("actor")
    if object_type:
        events = events.filter(object_type=object_type)
    if object_id:
        events = events.filter(object_id=object_id)
    if actor_id:
        events = events.filter(actor_id=actor_id)
    if action:
        events = events.filter(action=action)
    if query:
        events = events.filter(object_repr__icontains=query)
    return events


def recent_activity(*, actor: Any, limit: int = 8) -> list[AuditEvent]:
    """The home page's latest events: what was done, not who came and went (sign-ins and sign-outs
    stay on the trail; failed sign-ins show, as a warning)."""
    events = audit_event_list(actor=actor).exclude(action__in=[AuditEvent.Action.LOGIN, AuditEvent.Action.LOGOUT])
    return list(events.order_by("-created_at", "-id")[:limit])


def audit_object_types() -> list[str]:
    return list(AuditEvent.objects.order_by().values_list("object_type", flat=True).distinct())


def job_overview(*, actor: Any, now: dt.datetime, limit: int = 50) -> dict[str, Any]:
    """The jobs page: each scheduled job with how often it runs, its next slot and its last run;
    and the latest runs of any job, each named for a person."""
    from django_tasks_db.models import DBTaskResult

    _require(actor, "jobs.view")
    labels = task_labels()
    schedule = [
        {
            "job": job,
            "when": cron_text(job.cron),
            "next_slot": next_slot(job.cron, now),
            "last": DBTaskResult.objects.filter(task_path=job.task_path).order_by("-enqueued_at").first(),
        }
        for job in load_schedule()
    ]
    results = list(DBTaskResult.objects.order_by("-enqueued_at")[:limit])
    for result in results:
        result.label = labels.get(result.task_path, "")  # type: ignore[attr-defined]
    return {"schedule": schedule, "results": results}
