"""What activities contribute to the customers app: calls, meetings, tasks and notes on the 360°
timeline, an "Activities" panel (open ones and an add form), and activities moved by a merge."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from setia.accounts.models import staff_name
from setia.core.sql import db_datetime, latest_per_customer
from setia.customers import merge, panels, timeline
from setia.customers.models import Customer
from setia.sales.models import Activity

ICONS = {"call": "telephone", "meeting": "people", "task": "check2-square", "note": "sticky"}


def _activity_entry(
    kind: str,
    subject: str,
    body: str,
    done_at: dt.datetime | None,
    due_at: dt.datetime | None,
    outcome: str,
    assigned_to: str | None,
    at: dt.datetime,
    author: str | None,
) -> timeline.Entry:
    """`assigned_to`: the assignee's name when it is not the author; `author`: the author's name."""
    details = []
    if kind == Activity.Kind.NOTE:
        details.append(body[:200])
    else:
        if done_at is not None:
            details.append(_("done"))
        elif due_at is not None:
            details.append(_("due %(when)s") % {"when": _local(due_at)})
        if outcome:
            details.append(outcome)
        if assigned_to is not None:
            details.append(_("for %(name)s") % {"name": assigned_to})
    return timeline.Entry(
        at=at,
        kind="activity",
        icon=ICONS.get(kind, "check2-square"),
        title=f"{str(Activity.Kind(kind).label).capitalize()}: {subject}",
        detail=" · ".join(part for part in details if part),
        actor=author or "",
    )


def _activities_source(customer: Customer, before: dt.datetime | None, limit: int) -> list[timeline.Entry]:
    activities = Activity.objects.filter(customer=customer).select_related("created_by", "assigned_to")
    if before is not None:
        activities = activities.filter(created_at__lt=before)
    return [
        _activity_entry(
            activity.kind,
            activity.subject,
            activity.body,
            activity.done_at,
            activity.due_at,
            activity.outcome,
            str(activity.assigned_to)
            if activity.assigned_to is not None and activity.assigned_to_id != activity.created_by_id
            else None,
            activity.created_at,
            str(activity.created_by) if activity.created_by else None,
        )
        for activity in activities.order_by("-created_at", "-id")[:limit]
    ]


def _activities_interactions(customer_ids: list[int], limit: int) -> dict[int, list[timeline.Entry]]:
    """`_activities_source` for several customers in one query (the caller lookup's hot path)."""
    part = (
        "SELECT customer_id, id, kind, subject, body, done_at, due_at, outcome, assigned_to_id, created_by_id,"
        " first_name, last_name, assigned_username, created_at, author_first, author_last, author FROM"
        " (SELECT a.customer_id, a.id, a.kind, a.subject, a.body, a.done_at, a.due_at, a.outcome,"
        " a.assigned_to_id, a.created_by_id, s.first_name, s.last_name, s.username AS assigned_username,"
        " a.created_at, c.first_name AS author_first, c.last_name AS author_last, c.username AS author"
        " FROM sales_activity a LEFT JOIN accounts_user s ON s.id = a.assigned_to_id"
        " LEFT JOIN accounts_user c ON c.id = a.created_by_id"
        " WHERE a.customer_id = %s ORDER BY a.created_at DESC, a.id DESC LIMIT %s) t{n}"
    )
    found: dict[int, list[timeline.Entry]] = {pk: [] for pk in customer_ids}
    rows = latest_per_customer(part, customer_ids, limit, at=13)
    for row in rows:
        (customer_id, _pk, kind, subject, body, done_at, due_at, outcome, assigned_id, author_id) = row[:10]
        first_name, last_name, assigned_username, at, author_first, author_last, author = row[10:]
        assigned_to = None
        if assigned_id is not None and assigned_id != author_id:
            assigned_to = staff_name(first_name, last_name, assigned_username)
        if author is not None:
            author = staff_name(author_first, author_last, author)
        found[customer_id].append(
            _activity_entry(
                kind,
                subject,
                body,
                db_datetime(done_at),
                db_datetime(due_at),
                outcome,
                assigned_to,
                db_datetime(at),
                author,
            )
        )
    return found


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
    timeline.register_source("activities", _activities_source, interaction=True, batch=_activities_interactions)
    merge.register_merge_handler("activities", _move_activities)
    panels.register_panel(
        panels.Panel("sales.activities", "sales/activities/_panel.html", _activities_panel, "main", 15)
    )
