"""What activities contribute to the customers app: calls, meetings, tasks and notes on the 360°
timeline, an "Activities" panel (open ones and an add form), and activities moved by a merge."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from setia.customers import merge, panels, timeline
from setia.customers.models import Customer
from setia.sales.models import Activity

ICONS = {"call": "telephone", "meeting": "people", "task": "check2-square", "note": "sticky"}


def _activities_source(customer: Customer, before: dt.datetime | None, limit: int) -> list[timeline.Entry]:
    activities = Activity.objects.filter(customer=customer).select_related("created_by", "assigned_to")
    if before is not None:
        activities = activities.filter(created_at__lt=before)
    entries = []
    for activity in activities.order_by("-created_at", "-id")[:limit]:
        details = []
        if activity.kind == Activity.Kind.NOTE:
            details.append(activity.body[:200])
        else:
            if activity.done_at is not None:
                details.append(_("done"))
            elif activity.due_at is not None:
                details.append(_("due %(when)s") % {"when": _local(activity.due_at)})
            if activity.outcome:
                details.append(activity.outcome)
            if activity.assigned_to is not None and activity.assigned_to_id != activity.created_by_id:
                details.append(_("for %(name)s") % {"name": str(activity.assigned_to)})
        entries.append(
            timeline.Entry(
                at=activity.created_at,
                kind="activity",
                icon=ICONS.get(activity.kind, "check2-square"),
                title=f"{activity.get_kind_display().capitalize()}: {activity.subject}",
                detail=" · ".join(part for part in details if part),
                actor=activity.created_by.get_username() if activity.created_by else "",
            )
        )
    return entries


def _local(value: dt.datetime) -> str:
    from django.utils import formats, timezone

    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")


def _move_activities(survivor: Customer, merged: Customer, actor: Any) -> None:
    Activity.objects.filter(customer=merged).update(customer=survivor)


def _activities_panel(request: HttpRequest, customer: Customer) -> dict[str, Any] | None:
    if not request.user.has_capability("activities.use"):  # type: ignore[union-attr]
        return None
    from setia.sales.views.activities import record_context

    return record_context(request, "customer", customer.pk)


def register() -> None:
    timeline.register_source("activities", _activities_source, interaction=True)
    merge.register_merge_handler("activities", _move_activities)
    panels.register_panel(
        panels.Panel("sales.activities", "sales/activities/_panel.html", _activities_panel, "main", 15)
    )
