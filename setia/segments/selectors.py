"""Reads of segments and their members. Segments belong to the whole business; members are
shown within the actor's branch scope (`customers.selectors.visible_customers`)."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from setia.accounts.models import User
from setia.accounts.selectors import require
from setia.core.errors import NotFoundError
from setia.customers.models import Customer
from setia.customers.selectors import visible_customers
from setia.segments.models import Segment, SegmentMember


def segment_list(*, actor: User, query: str = "", kind: str = "", archived: bool = False) -> QuerySet[Segment]:
    require(actor, "segments.view")
    segments = Segment.objects.filter(archived_at__isnull=not archived).select_related("created_by")
    if query:
        segments = segments.filter(name__icontains=query)
    if kind in Segment.Kind.values:
        segments = segments.filter(kind=kind)
    return segments.order_by("name", "id")


def segment_get(*, actor: User, pk: int) -> Segment:
    require(actor, "segments.view")
    segment = Segment.objects.select_related("created_by").filter(pk=pk).first()
    if segment is None:
        raise NotFoundError(_("Segment not found."))
    return segment


def segment_members(*, actor: User, segment: Segment) -> QuerySet[SegmentMember]:
    """Current members the actor may see, with their customer (for keyset pages on joined_at, id)."""
    require(actor, "segments.view")
    return SegmentMember.objects.filter(
        segment=segment, left_at__isnull=True, customer_id__in=visible_customers(actor).values("pk")
    ).select_related("customer", "customer__home_branch")


def member_customers(*, actor: User, segment: Segment) -> QuerySet[Customer]:
    """The current members as customers the actor may see (for export)."""
    require(actor, "segments.view")
    ids = SegmentMember.objects.filter(segment=segment, left_at__isnull=True).values("customer_id")
    return visible_customers(actor).filter(pk__in=ids)


@dataclass
class HistoryEvent:
    at: dt.datetime
    event: str  # "joined" or "left"
    customer: Customer


def segment_history(*, actor: User, segment: Segment, limit: int = 50) -> list[HistoryEvent]:
    """The latest joins and leaves, newest first (two indexed reads, merged)."""
    require(actor, "segments.view")
    visible = visible_customers(actor).values("pk")
    rows = SegmentMember.objects.filter(segment=segment, customer_id__in=visible).select_related("customer")
    joined = rows.order_by("-joined_at", "-id")[:limit]
    left = rows.filter(left_at__isnull=False).order_by("-left_at", "-id")[:limit]
    events: list[HistoryEvent] = [HistoryEvent(row.joined_at, "joined", row.customer) for row in joined]
    events += [HistoryEvent(row.left_at, "left", row.customer) for row in left if row.left_at]
    events.sort(key=lambda event: event.at, reverse=True)
    return events[:limit]


def customer_segments(*, actor: User, customer: Customer) -> list[Segment]:
    """The segments a customer is currently in (for other apps' pages)."""
    require(actor, "segments.view")
    ids: Any = SegmentMember.objects.filter(customer=customer, left_at__isnull=True).values("segment_id")
    return list(Segment.objects.filter(pk__in=ids, archived_at__isnull=True).order_by("name"))
