from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status

from setia.accounts.models import User
from setia.core.pagination import api_page
from setia.segments import selectors, services
from setia.segments.models import Segment
from setia.segments.schemas import CountOut, DefinitionIn, MemberPage, SegmentIn, SegmentOut, SegmentPage

router = Router(tags=["segments"])


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def segment_out(segment: Segment) -> dict[str, Any]:
    """A segment read through `selectors` (its `member_count` is the count the caller may see)."""
    return {
        "id": segment.pk,
        "name": segment.name,
        "description": segment.description,
        "kind": segment.kind,
        "definition": segment.definition,
        "member_count": segment.visible_member_count,
        "evaluated_at": segment.evaluated_at,
        "created_by": segment.created_by.get_username() if segment.created_by else None,
        "created_at": segment.created_at,
        "archived": segment.archived_at is not None,
    }


@router.get("/segments", response=SegmentPage, summary="Segments, by name (keyset pages)")
def list_segments(
    request: HttpRequest, q: str = "", kind: str = "", archived: bool = False, after: str = "", limit: int = 50
) -> dict[str, Any]:
    segments = selectors.segment_list(actor=_actor(request), query=q[:100], kind=kind, archived=archived)
    page = api_page(segments, order=("name", "id"), cursor=after, size=max(1, min(limit, 200)))
    return {"items": [segment_out(segment) for segment in page.rows], "next_cursor": page.next_cursor}


@router.post("/segments/count", response=CountOut, summary="Count the customers a definition selects")
def count_segment(request: HttpRequest, payload: DefinitionIn) -> dict[str, int]:
    return {"count": services.segment_count(payload.definition, actor=_actor(request))}


@router.get("/segments/{segment_id}", response=SegmentOut, summary="One segment")
def get_segment(request: HttpRequest, segment_id: int) -> dict[str, Any]:
    return segment_out(selectors.segment_get(actor=_actor(request), pk=segment_id))


@router.post("/segments", response={201: SegmentOut}, summary="Create a segment (dynamic: evaluated at once)")
def create_segment(request: HttpRequest, payload: SegmentIn) -> Status:
    actor = _actor(request)
    segment = services.segment_create(
        actor=actor,
        name=payload.name,
        description=payload.description,
        kind=payload.kind,
        definition=payload.definition,
    )
    return Status(201, segment_out(selectors.segment_get(actor=actor, pk=segment.pk)))


@router.get("/segments/{segment_id}/members", response=MemberPage, summary="Current members (keyset pages)")
def list_members(request: HttpRequest, segment_id: int, after: str = "", limit: int = 100) -> dict[str, Any]:
    actor = _actor(request)
    segment = selectors.segment_get(actor=actor, pk=segment_id)
    members = selectors.segment_members(actor=actor, segment=segment)
    page = api_page(members, order=("customer_id",), cursor=after, size=max(1, min(limit, 1000)))
    return {
        "items": [
            {"customer_id": row.customer_id, "name": row.customer.name, "joined_at": row.joined_at} for row in page.rows
        ],
        "next_cursor": page.next_cursor,
    }
