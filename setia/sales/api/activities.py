"""Activities through the API: list (your own by default), create, complete."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status

from setia.accounts.models import User
from setia.core.errors import ApplicationError
from setia.core.pagination import api_page
from setia.sales.models import Activity
from setia.sales.schemas.activities import ActivityCompleteIn, ActivityIn, ActivityOut, ActivityPage
from setia.sales.selectors import activities as selectors
from setia.sales.services import activities as services

router = Router(tags=["activities"])


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def activity_out(activity: Activity) -> dict[str, Any]:
    fields = {name: getattr(activity, name) for name in ActivityOut.model_fields if name != "details"}
    fields["details"] = activity.body
    return fields


@router.get("/activities", response=ActivityPage, summary="Activities: yours by default (keyset paged, newest first)")
def list_activities(
    request: HttpRequest,
    assigned_to_id: int | None = None,
    everyone: bool = False,
    status: str = "open",
    kind: str = "",
    customer_id: int | None = None,
    lead_id: int | None = None,
    opportunity_id: int | None = None,
    due_from: dt.datetime | None = None,
    due_until: dt.datetime | None = None,
    after: str = "",
) -> dict[str, Any]:
    """`status`: open (default), done or all. `everyone=true`: every activity you may see, not
    only those assigned to you. `due_from`/`due_until` bound the due time."""
    if status not in ("open", "done", "all"):
        raise ApplicationError("status: choose open, done or all", {"status": ["choose open, done or all"]})
    if kind and kind not in Activity.Kind.values:
        raise ApplicationError(
            "kind: choose call, meeting, task or note", {"kind": ["choose call, meeting, task or note"]}
        )
    activities = selectors.activity_list(
        actor=_actor(request),
        assigned_to_id=assigned_to_id,
        everyone=everyone,
        status=status,
        kind=kind,
        customer_id=customer_id,
        lead_id=lead_id,
        opportunity_id=opportunity_id,
        due_from=due_from,
        due_until=due_until,
    )
    page = api_page(activities, order=("-created_at", "-id"), cursor=after, size=100)
    return {"items": [activity_out(a) for a in page.rows], "next_cursor": page.next_cursor}


@router.post("/activities", response={201: ActivityOut}, summary="Create an activity")
def create_activity(request: HttpRequest, payload: ActivityIn) -> Status[dict[str, Any]]:
    activity = services.activity_create(actor=_actor(request), **payload.dict())
    return Status(201, activity_out(activity))


@router.get("/activities/{activity_id}", response=ActivityOut, summary="One activity")
def get_activity(request: HttpRequest, activity_id: int) -> dict[str, Any]:
    return activity_out(selectors.activity_get(actor=_actor(request), pk=activity_id))


@router.post("/activities/{activity_id}/complete", response=ActivityOut, summary="Mark an activity done")
def complete_activity(request: HttpRequest, activity_id: int, payload: ActivityCompleteIn) -> dict[str, Any]:
    actor = _actor(request)
    activity = selectors.activity_get(actor=actor, pk=activity_id)
    return activity_out(services.activity_complete(actor=actor, activity=activity, outcome=payload.outcome))
