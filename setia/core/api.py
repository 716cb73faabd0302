import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from setia.core import selectors
from setia.core.pagination import api_page

router = Router(tags=["audit"])


class AuditEventOut(Schema):
    id: int
    created_at: dt.datetime
    actor_id: int | None
    actor_label: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    changes: dict[str, Any]
    message: str  # in the key owner's language where the system wrote it

    @staticmethod
    def resolve_message(event: Any) -> str:
        return str(event.message_text)


class AuditPage(Schema):
    items: list[AuditEventOut]
    next_cursor: str | None


@router.get("/audit-events", response=AuditPage, summary="The audit trail, newest first (owners only)")
def list_audit_events(
    request: HttpRequest, object_type: str = "", object_id: str = "", action: str = "", after: str = ""
) -> dict[str, Any]:
    events = selectors.audit_event_list(actor=request.user, object_type=object_type, object_id=object_id, action=action)
    page = api_page(events, order=("-created_at", "-id"), cursor=after, size=100)
    return {"items": page.rows, "next_cursor": page.next_cursor}
