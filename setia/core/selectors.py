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


def job_overview(
    *, actor: Any, now: dt.datetime, job: str = "", failed: bool = False, limit: int = 50
) -> dict[str, Any]:
    """The jobs page: each scheduled job with how often it runs, its next slot and its last run;
    and the latest runs — of one job (`job`, its task's path) or all, the failed ones only or
    all — each named for a person, with the jobs to choose from by name."""
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    _require(actor, "jobs.view")
    labels = task_labels()
    schedule = [
        {
            "job": scheduled,
            "when": cron_text(scheduled.cron),
            "next_slot": next_slot(scheduled.cron, now),
            "last": DBTaskResult.objects.filter(task_path=scheduled.task_path).order_by("-enqueued_at").first(),
        }
        for scheduled in load_schedule()
    ]
    runs = DBTaskResult.objects.order_by("-enqueued_at")
    if job:
        runs = runs.filter(task_path=job)
    if failed:
        runs = runs.filter(status=TaskResultStatus.FAILED)
    results = list(runs[:limit])
    for result in results:
        result.label = labels.get(result.task_path, "")  # type: ignore[attr-defined]
    choices = sorted(((path, str(label)) for path, label in labels.items()), key=lambda choice: choice[1])
    return {"schedule": schedule, "results": results, "jobs": choices, "job": job, "failed": failed}
