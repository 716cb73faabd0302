"""Reads of the opportunity pipeline through the actor's branch scope: the board (columns with
their first cards and totals over every card), lists, one opportunity with its history, and the
configured pipelines and lost reasons."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from setia.accounts.models import User
from setia.accounts.selectors import branch_scope, require
from setia.core.errors import NotFoundError
from setia.sales.models import LostReason, Opportunity, OpportunityLine, Pipeline, Stage, StageChange

CARDS_PER_COLUMN = 50
CARD_FIELDS = (
    "id",
    "title",
    "value",
    "probability",
    "expected_close",
    "position",
    "stage_id",
    "version",
    "customer__id",
    "customer__name",
    "owner__id",
    "owner__username",
    "owner__first_name",
    "owner__last_name",
)


def visible_opportunities(actor: User) -> QuerySet[Opportunity]:
    require(actor, "opportunities.view")
    return branch_scope(actor).filter(Opportunity.objects.all(), field="branch")


def opportunity_get(*, actor: User, pk: int) -> Opportunity:
    opportunity = (
        visible_opportunities(actor)
        .select_related(
            "customer", "pipeline", "stage", "owner", "branch", "lead", "lost_reason", "order", "created_by"
        )
        .prefetch_related(
            Prefetch("lines", queryset=OpportunityLine.objects.select_related("product")),
            Prefetch(
                "stage_changes",
                queryset=StageChange.objects.select_related("from_stage", "to_stage", "changed_by").order_by(
                    "changed_at", "id"
                ),
            ),
        )
        .filter(pk=pk)
        .first()
    )
    if opportunity is None:
        raise NotFoundError(_("Opportunity not found."))
    return opportunity


def opportunity_list(
    *,
    actor: User,
    pipeline_id: int | None = None,
    stage_id: int | None = None,
    status: str = "",
    owner_id: int | None = None,
    branch_id: int | None = None,
    customer_id: int | None = None,
    close_from: dt.date | None = None,
    close_to: dt.date | None = None,
    query: str = "",
) -> QuerySet[Opportunity]:
    opportunities = visible_opportunities(actor).select_related("customer", "stage", "owner", "branch")
    if pipeline_id:
        opportunities = opportunities.filter(pipeline_id=pipeline_id)
    if stage_id:
        opportunities = opportunities.filter(stage_id=stage_id)
    if status:
        opportunities = opportunities.filter(status=status)
    if owner_id:
        opportunities = opportunities.filter(owner_id=owner_id)
    if branch_id:
        opportunities = opportunities.filter(branch_id=branch_id)
    if customer_id:
        opportunities = opportunities.filter(customer_id=customer_id)
    if close_from:
        opportunities = opportunities.filter(expected_close__gte=close_from)
    if close_to:
        opportunities = opportunities.filter(expected_close__lte=close_to)
    query = query.strip()
    if query:
        opportunities = opportunities.filter(Q(title__icontains=query) | Q(customer__name__icontains=query))
    return opportunities


@dataclass
class Column:
    stage: Stage
    cards: list[Opportunity] = field(default_factory=list)
    count: int = 0
    total: int = 0
    weighted: int = 0

    @property
    def more(self) -> bool:
        return self.count > len(self.cards)


@dataclass
class Board:
    pipeline: Pipeline
    columns: list[Column]
    today: dt.date

    @property
    def count(self) -> int:
        return sum(column.count for column in self.columns)

    @property
    def total(self) -> int:
        return sum(column.total for column in self.columns)

    @property
    def weighted(self) -> int:
        return sum(column.weighted for column in self.columns)


def _board_queryset(
    actor: User, pipeline: Pipeline, owner_id: int | None, branch_id: int | None
) -> QuerySet[Opportunity]:
    opportunities = visible_opportunities(actor).filter(pipeline=pipeline, status=Opportunity.Status.OPEN)
    if owner_id:
        opportunities = opportunities.filter(owner_id=owner_id)
    if branch_id:
        opportunities = opportunities.filter(branch_id=branch_id)
    return opportunities


def _totals(opportunities: QuerySet[Opportunity]) -> dict[int, dict[str, int]]:
    rows = (
        opportunities.order_by()
        .values("stage_id")
        .annotate(
            count=Count("id"),
            total=Coalesce(Sum("value"), 0),
            weighted=Coalesce(Sum(F("value") * F("probability") / 100), 0),
        )
    )
    return {
        row["stage_id"]: {"count": row["count"], "total": int(row["total"]), "weighted": int(row["weighted"])}
        for row in rows
    }


def column_totals(
    *, actor: User, pipeline: Pipeline, owner_id: int | None = None, branch_id: int | None = None
) -> dict[int, dict[str, int]]:
    """Per stage id: count, sum of values and sum of weighted values (each card's
    value * probability / 100, rounded down) of every open opportunity — one GROUP BY query."""
    return _totals(_board_queryset(actor, pipeline, owner_id, branch_id))


def _cards(queryset: QuerySet[Opportunity]) -> QuerySet[Opportunity]:
    return queryset.select_related("customer", "owner").only(*CARD_FIELDS)


def _dress(cards: Any, today: dt.date) -> list[Opportunity]:
    """What a card shows, worked out once per card rather than in the template."""
    dressed = []
    for card in cards:
        card.overdue = bool(card.expected_close and card.expected_close < today)
        card.owner_name = (card.owner.get_full_name() or card.owner.get_username()) if card.owner_id else ""
        dressed.append(card)
    return dressed


def pipeline_board(
    *,
    actor: User,
    pipeline: Pipeline,
    owner_id: int | None = None,
    branch_id: int | None = None,
    per_column: int = CARDS_PER_COLUMN,
) -> Board:
    """The board: one column per active stage with its first `per_column` cards (one query,
    numbered per stage in SQL) and totals over all its cards (one GROUP BY query)."""
    stages = list(pipeline.stages.filter(active=True).order_by("position", "id"))
    opportunities = _board_queryset(actor, pipeline, owner_id, branch_id)
    totals = _totals(opportunities)
    cards = (
        _cards(opportunities)
        .annotate(rank=Window(RowNumber(), partition_by=[F("stage_id")], order_by=[F("position"), F("id")]))
        .filter(rank__lte=per_column)
        .order_by("stage_id", "position", "id")
    )
    today = timezone.localdate()
    columns = {}
    for stage in stages:
        figures = totals.get(stage.pk, {})
        columns[stage.pk] = Column(
            stage=stage,
            count=figures.get("count", 0),
            total=figures.get("total", 0),
            weighted=figures.get("weighted", 0),
        )
    for card in _dress(cards, today):
        column = columns.get(card.stage_id)
        if column is not None:
            column.cards.append(card)
    return Board(pipeline=pipeline, columns=list(columns.values()), today=today)


def column_cards(
    *,
    actor: User,
    stage: Stage,
    owner_id: int | None = None,
    branch_id: int | None = None,
    after: tuple[int, int] | None = None,
    size: int = CARDS_PER_COLUMN,
) -> list[Opportunity]:
    """The next cards of a column after the card at (position, id): the board's "show more"."""
    cards = _cards(_board_queryset(actor, stage.pipeline, owner_id, branch_id).filter(stage=stage))
    if after is not None:
        position, pk = after
        cards = cards.filter(Q(position__gt=position) | Q(position=position, id__gt=pk))
    return _dress(cards.order_by("position", "id")[:size], timezone.localdate())


def pipeline_list(*, actor: User, include_inactive: bool = False) -> list[Pipeline]:
    require(actor, "opportunities.view")
    pipelines = Pipeline.objects.all() if include_inactive else Pipeline.objects.filter(active=True)
    stages = Stage.objects.order_by("position", "id")
    if not include_inactive:
        stages = stages.filter(active=True)
    return list(pipelines.order_by("position", "id").prefetch_related(Prefetch("stages", queryset=stages)))


def pipeline_get(*, actor: User, pk: int | None) -> Pipeline | None:
    """An active pipeline by id; without an id (or an unknown one) the first active pipeline; None
    while the business has none (a read never makes one: `services.pipeline.pipeline_setup` does,
    on a POST)."""
    require(actor, "opportunities.view")
    if pk:
        found = Pipeline.objects.filter(pk=pk, active=True).first()
        if found is not None:
            return found
    return Pipeline.objects.filter(active=True).order_by("position", "id").first()


def pipeline_config_get(*, actor: User, pk: int) -> Pipeline:
    require(actor, "sales.configure")
    pipeline = Pipeline.objects.filter(pk=pk).first()
    if pipeline is None:
        raise NotFoundError(_("Pipeline not found."))
    return pipeline


def stage_config_get(*, actor: User, pk: int) -> Stage:
    require(actor, "sales.configure")
    stage = Stage.objects.select_related("pipeline").filter(pk=pk).first()
    if stage is None:
        raise NotFoundError(_("Stage not found."))
    return stage


def stage_open_counts(*, actor: User) -> dict[int, int]:
    """Open opportunities per stage (all branches): the configuration page's "in use" figures."""
    require(actor, "sales.configure")
    rows = (
        Opportunity.objects.filter(status=Opportunity.Status.OPEN)
        .order_by()
        .values("stage_id")
        .annotate(count=Count("id"))
    )
    return {row["stage_id"]: row["count"] for row in rows}


def lost_reason_list(*, actor: User, include_inactive: bool = False) -> list[LostReason]:
    require(actor, "opportunities.view")
    reasons = LostReason.objects.all() if include_inactive else LostReason.objects.filter(active=True)
    return list(reasons.order_by("position", "name"))


def lost_reason_config_get(*, actor: User, pk: int) -> LostReason:
    require(actor, "sales.configure")
    reason = LostReason.objects.filter(pk=pk).first()
    if reason is None:
        raise NotFoundError(_("Lost reason not found."))
    return reason


def owner_filter_choices(*, actor: User) -> list[User]:
    """The owners the board and the list filter by: those who may own opportunities, and anyone
    deactivated since who still owns open ones the actor may see (to find them and hand them over)."""
    people = owner_choices(actor=actor)
    still_owning = visible_opportunities(actor).filter(status=Opportunity.Status.OPEN).values("owner")
    gone = User.objects.filter(is_active=False, pk__in=still_owning).order_by("first_name", "username")
    return people + list(gone)


def owner_choices(*, actor: User, keep: User | None = None) -> list[User]:
    """Staff who may own opportunities (active, with the pipeline capability), and `keep` (the
    owner of the opportunity being edited) when she no longer is one: editing keeps her."""
    require(actor, "opportunities.view")
    from setia.accounts.roles import CAPABILITIES

    roles = CAPABILITIES["opportunities.view"]
    people = list(User.objects.filter(is_active=True, role__in=roles).order_by("first_name", "username"))
    return people if keep is None or keep in people else [*people, keep]
