"""Reads of segments and their members. Segments belong to the whole business; members, and the
counts of members, are shown within the actor's branch scope
(`customers.selectors.visible_customers`, `accounts.selectors.branch_scope`)."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import F, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from setia.accounts.models import User
from setia.accounts.selectors import branch_scope, require
from setia.core.errors import NotFoundError
from setia.customers.models import Customer
from setia.customers.selectors import visible_customers
from setia.segments.models import Segment, SegmentBranchCount, SegmentMember


def with_member_count(actor: User, segments: QuerySet[Segment]) -> QuerySet[Segment]:
    """`visible_member_count` on each segment: the stored count of current members for an actor who
    sees every branch; for one limited to some branches, the stored members who are live customers
    of those branches (the sum of their `SegmentBranchCount` rows, one unique-index read per segment)."""
    scope = branch_scope(actor)
    count: Any
    if scope.all_branches:
        count = F("member_count")
    elif not scope.branch_ids:
        count = Value(0, output_field=IntegerField())
    else:
        in_scope = (
            SegmentBranchCount.objects.filter(segment=OuterRef("pk"), branch_id__in=sorted(scope.branch_ids))
            .order_by()
            .values("segment")
            .annotate(total=Sum("members"))
            .values("total")
        )
        count = Coalesce(Subquery(in_scope), Value(0), output_field=IntegerField())
    # By keyword unpacking: the name is declared on the model (for readers), which the type
    # checker's plugin would otherwise take for a clash with the annotation.
    return segments.annotate(**{"visible_member_count": count})


def segment_list(*, actor: User, query: str = "", kind: str = "", archived: bool = False) -> QuerySet[Segment]:
    """Segments by name, each with the count of members the actor may see (`visible_member_count`)."""
    require(actor, "segments.view")
    segments = Segment.objects.filter(archived_at__isnull=not archived).select_related("created_by")
    segments = with_member_count(actor, segments)
    if query:
        segments = segments.filter(name__icontains=query)
    if kind in Segment.Kind.values:
        segments = segments.filter(kind=kind)
    return segments.order_by("name", "id")


def segment_get(*, actor: User, pk: int) -> Segment:
    """One segment, with the count of members the actor may see (`visible_member_count`)."""
    require(actor, "segments.view")
    segment = with_member_count(actor, Segment.objects.select_related("created_by")).filter(pk=pk).first()
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
class EvaluationFigures:
    joined: int
    left: int
    members: int


def evaluation_figures(*, actor: User, pk: int, joined: int, left: int, members: int) -> EvaluationFigures:
    """What the latest evaluation of segment `pk` changed, as the actor may see it: the figures as
    given for an actor who sees every branch; otherwise the stays that began and ended at that
    evaluation (stamped with its time: two indexed ranges of the segment's stays) among the
    customers the actor sees, and their branches' stored count."""
    if branch_scope(actor).all_branches:
        return EvaluationFigures(joined, left, members)
    segment = segment_get(actor=actor, pk=pk)
    if segment.evaluated_at is None:
        return EvaluationFigures(0, 0, segment.visible_member_count)
    stays = SegmentMember.objects.filter(segment=segment, customer_id__in=visible_customers(actor).values("pk"))
    return EvaluationFigures(
        joined=stays.filter(joined_at=segment.evaluated_at).count(),
        left=stays.filter(left_at=segment.evaluated_at).count(),
        members=segment.visible_member_count,
    )


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
