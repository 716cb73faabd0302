"""Sales figures: pipeline, forecast, win rate, sales cycle, proposals, leads by source.

Every function takes (start, end, branch_id=None, owner_id=None) — the period as dates, both
days included, in the business time zone — and returns plain data (dicts, lists, ints, Decimal
percentages). Everything is counted and summed by the database (one aggregate query each); no
function loops over rows. `branch_ids` narrows to the branches an actor may see (None: all).

Definitions (docs/user/sales-figures.md):
- open pipeline: opportunities open now, by stage; the period does not apply (it is a snapshot).
- weighted value: sum(value * probability) / 100, each opportunity's own probability.
- forecast: open opportunities whose expected close falls in the period, by month.
- win rate: won / (won + lost) among opportunities closed in the period.
- sales cycle: average days from creation to winning, for those won in the period.
- proposals: quotes sent in the period; quotes accepted (answered "accepted") in the period.
- leads by source: leads created in the period, and how many of those are converted.
- discounts by kind: what the sales of the period (paid, not wholly refunded: by business date)
  gave as member (tier) discounts, promotions and vouchers; orders recorded without the split
  (older and imported ones) count under "not by kind". The owner filter does not apply (a sale
  has no owner).
"""

import datetime as dt
from collections.abc import Collection
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Avg, Count, F, FloatField, Func, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from setia.accounts.models import Branch
from setia.accounts.selectors import branch_scope, require
from setia.core.errors import ApplicationError, NotFoundError
from setia.sales.models import Lead, Opportunity, Order, Quote, Stage
from setia.sales.selectors import SALE_STATUSES


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00, the day after end 00:00) in the business time zone."""
    first = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    after = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    return first, after


def _narrow(
    queryset: QuerySet[Any],
    branch_id: int | None,
    owner_id: int | None,
    branch_ids: Collection[int] | None,
) -> QuerySet[Any]:
    if branch_ids is not None:
        queryset = queryset.filter(branch_id__in=list(branch_ids))
    if branch_id is not None:
        queryset = queryset.filter(branch_id=branch_id)
    if owner_id is not None:
        queryset = queryset.filter(owner_id=owner_id)
    return queryset


def percent(part: int, whole: int) -> Decimal | None:
    """`part` of `whole` in percent with one decimal, or None when there is nothing to divide."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


WEIGHTED = Coalesce(Sum(F("value") * F("probability")), 0)


def pipeline_by_stage(
    start: dt.date,
    end: dt.date,
    branch_id: int | None = None,
    owner_id: int | None = None,
    *,
    branch_ids: Collection[int] | None = None,
) -> list[dict[str, Any]]:
    """Open opportunities now, per stage of every active pipeline (stages with none included):
    `[{pipeline, stage_id, stage, count, value, weighted}]` in pipeline and stage order."""
    opportunities = _narrow(Opportunity.objects.filter(status=Opportunity.Status.OPEN), branch_id, owner_id, branch_ids)
    totals = {
        row["stage_id"]: row
        for row in opportunities.values("stage_id")
        .order_by()
        .annotate(n=Count("id"), amount=Coalesce(Sum("value"), 0), weighted_sum=WEIGHTED)
    }
    stages = Stage.objects.filter(Q(active=True, pipeline__active=True) | Q(pk__in=list(totals))).select_related(
        "pipeline"
    )
    rows = []
    for stage in stages.order_by("pipeline__position", "pipeline_id", "position", "id"):
        found = totals.get(stage.pk, {})
        rows.append(
            {
                "pipeline": stage.pipeline.name,
                "stage_id": stage.pk,
                "stage": stage.name,
                "count": int(found.get("n", 0)),
                "value": int(found.get("amount", 0)),
                "weighted": int(found.get("weighted_sum", 0)) // 100,
            }
        )
    return rows


def forecast_by_month(
    start: dt.date,
    end: dt.date,
    branch_id: int | None = None,
    owner_id: int | None = None,
    *,
    branch_ids: Collection[int] | None = None,
) -> list[dict[str, Any]]:
    """Open opportunities expected to close in the period, by month: `[{month (first day),
    count, value, weighted}]`, every month of the period listed."""
    opportunities = _narrow(
        Opportunity.objects.filter(status=Opportunity.Status.OPEN, expected_close__gte=start, expected_close__lte=end),
        branch_id,
        owner_id,
        branch_ids,
    )
    by_month = {
        _as_date(row["month"]): row
        for row in opportunities.annotate(month=TruncMonth("expected_close"))
        .values("month")
        .order_by()
        .annotate(n=Count("id"), amount=Coalesce(Sum("value"), 0), weighted_sum=WEIGHTED)
    }
    rows = []
    month = start.replace(day=1)
    while month <= end:
        found = by_month.get(month, {})
        rows.append(
            {
                "month": month,
                "count": int(found.get("n", 0)),
                "value": int(found.get("amount", 0)),
                "weighted": int(found.get("weighted_sum", 0)) // 100,
            }
        )
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return rows


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def win_rate(
    start: dt.date,
    end: dt.date,
    branch_id: int | None = None,
    owner_id: int | None = None,
    *,
    branch_ids: Collection[int] | None = None,
) -> dict[str, Any]:
    """`{won, lost, won_value, rate}` for opportunities closed in the period; rate in percent."""
    first, after = _bounds(start, end)
    closed = _narrow(
        Opportunity.objects.filter(
            status__in=[Opportunity.Status.WON, Opportunity.Status.LOST], closed_at__gte=first, closed_at__lt=after
        ),
        branch_id,
        owner_id,
        branch_ids,
    )
    totals = closed.aggregate(
        won=Count("id", filter=Q(status=Opportunity.Status.WON)),
        lost=Count("id", filter=Q(status=Opportunity.Status.LOST)),
        won_value=Coalesce(Sum("value", filter=Q(status=Opportunity.Status.WON)), 0),
    )
    won, lost = int(totals["won"]), int(totals["lost"])
    return {"won": won, "lost": lost, "won_value": int(totals["won_value"]), "rate": percent(won, won + lost)}


def sales_cycle(
    start: dt.date,
    end: dt.date,
    branch_id: int | None = None,
    owner_id: int | None = None,
    *,
    branch_ids: Collection[int] | None = None,
) -> dict[str, Any]:
    """`{won, average_days}`: days from creation to winning, averaged over those won in the
    period (one decimal; None when none were won)."""
    first, after = _bounds(start, end)
    won = _narrow(
        Opportunity.objects.filter(status=Opportunity.Status.WON, closed_at__gte=first, closed_at__lt=after),
        branch_id,
        owner_id,
        branch_ids,
    )
    totals = won.aggregate(won=Count("id"), average=Avg(DaysBetween("created_at", "closed_at")))
    average = totals["average"]
    days = None
    if average is not None:
        days = Decimal(str(average)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return {"won": int(totals["won"]), "average_days": days}


class DaysBetween(Func):
    """Days (with fractions) from the first timestamp to the second, computed in SQL. Django's
    own timestamp subtraction calls back into Python for every row on SQLite; julianday() does
    not."""

    output_field = FloatField()
    arity = 2

    def _parts(self, compiler: Any) -> tuple[str, str, tuple[Any, ...]]:
        first_sql, first_params = compiler.compile(self.source_expressions[0])
        second_sql, second_params = compiler.compile(self.source_expressions[1])
        return first_sql, second_sql, (*second_params, *first_params)

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, tuple[Any, ...]]:
        first, second, params = self._parts(compiler)
        return f"(julianday({second}) - julianday({first}))", params

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, tuple[Any, ...]]:
        first, second, params = self._parts(compiler)
        return f"(EXTRACT(EPOCH FROM ({second} - {first})) / 86400.0)", params


def proposals(
    start: dt.date,
    end: dt.date,
    branch_id: int | None = None,
    owner_id: int | None = None,
    *,
    branch_ids: Collection[int] | None = None,
) -> dict[str, Any]:
    """`{sent, sent_value, accepted, accepted_value, rate}`: quotes sent in the period, quotes
    accepted in the period, and accepted as a percentage of sent."""
    first, after = _bounds(start, end)
    quotes = _narrow(
        Quote.objects.filter(
            Q(sent_at__gte=first, sent_at__lt=after)
            | Q(status=Quote.Status.ACCEPTED, decided_at__gte=first, decided_at__lt=after)
        ),
        branch_id,
        owner_id,
        branch_ids,
    )
    sent = Q(sent_at__gte=first, sent_at__lt=after)
    accepted = Q(status=Quote.Status.ACCEPTED, decided_at__gte=first, decided_at__lt=after)
    totals = quotes.aggregate(
        sent=Count("id", filter=sent),
        sent_value=Coalesce(Sum("total", filter=sent), 0),
        accepted=Count("id", filter=accepted),
        accepted_value=Coalesce(Sum("total", filter=accepted), 0),
    )
    result = {name: int(value) for name, value in totals.items()}
    return {**result, "rate": percent(result["accepted"], result["sent"])}


def leads_by_source(
    start: dt.date,
    end: dt.date,
    branch_id: int | None = None,
    owner_id: int | None = None,
    *,
    branch_ids: Collection[int] | None = None,
) -> dict[str, Any]:
    """Leads created in the period by source, and how many of them have been converted:
    `{rows: [{source_id, source, leads, converted, rate}], leads, converted, rate}`; most
    leads first, then by name; leads without a source (source_id None, source "") last.
    """
    first, after = _bounds(start, end)
    leads = _narrow(Lead.objects.filter(created_at__gte=first, created_at__lt=after), branch_id, owner_id, branch_ids)
    converted = Q(converted_at__isnull=False) | Q(status=Lead.Status.CONVERTED)
    grouped = (
        leads.values("source_id", "source__name")
        .order_by()
        .annotate(leads=Count("id"), converted=Count("id", filter=converted))
        .order_by("-leads", F("source__name").asc(nulls_last=True))
    )
    rows = [
        {
            "source_id": row["source_id"],
            "source": row["source__name"] or "",
            "leads": int(row["leads"]),
            "converted": int(row["converted"]),
            "rate": percent(int(row["converted"]), int(row["leads"])),
        }
        for row in grouped
    ]
    total = sum(row["leads"] for row in rows)
    total_converted = sum(row["converted"] for row in rows)
    return {"rows": rows, "leads": total, "converted": total_converted, "rate": percent(total_converted, total)}


def discounts_by_kind(
    start: dt.date,
    end: dt.date,
    branch_id: int | None = None,
    owner_id: int | None = None,
    *,
    branch_ids: Collection[int] | None = None,
) -> dict[str, Any]:
    """What the sales of the period gave in discounts, by kind: `{rows: [{kind, amount, sales,
    share}], total, gross, sales}` — rows for member (tier) discounts, promotions, vouchers and
    `unsplit` (orders recorded with a total only), `sales` the number of sales with that kind,
    `share` its percentage of the gross sales (before discounts). One aggregate query; sales
    have no owner, so `owner_id` does not narrow them."""
    orders = _narrow(
        Order.objects.filter(business_date__gte=start, business_date__lte=end, status__in=SALE_STATUSES),
        branch_id,
        None,
        branch_ids,
    )
    split = F("member_discount") + F("promotion_discount") + F("voucher_discount")
    totals = orders.aggregate(
        gross=Coalesce(Sum("subtotal"), 0),
        total=Coalesce(Sum("discount_total"), 0),
        member=Coalesce(Sum("member_discount"), 0),
        promotions=Coalesce(Sum("promotion_discount"), 0),
        vouchers=Coalesce(Sum("voucher_discount"), 0),
        member_sales=Count("id", filter=Q(member_discount__gt=0)),
        promotion_sales=Count("id", filter=Q(promotion_discount__gt=0)),
        voucher_sales=Count("id", filter=Q(voucher_discount__gt=0)),
        unsplit_sales=Count("id", filter=Q(discount_total__gt=split)),
        sales=Count("id"),
    )
    values = {name: int(value) for name, value in totals.items()}
    unsplit = values["total"] - values["member"] - values["promotions"] - values["vouchers"]
    rows = [
        {"kind": kind, "amount": amount, "sales": values[f"{prefix}_sales"], "share": percent(amount, values["gross"])}
        for kind, prefix, amount in (
            ("member", "member", values["member"]),
            ("promotions", "promotion", values["promotions"]),
            ("vouchers", "voucher", values["vouchers"]),
            ("unsplit", "unsplit", unsplit),
        )
    ]
    return {
        "rows": rows,
        "total": values["total"],
        "gross": values["gross"],
        "sales": values["sales"],
        "share": percent(values["total"], values["gross"]),
    }


def overview(
    start: dt.date,
    end: dt.date,
    branch_id: int | None = None,
    owner_id: int | None = None,
    *,
    branch_ids: Collection[int] | None = None,
) -> dict[str, Any]:
    """Every figure of the page for one period and filter."""
    args = (start, end, branch_id, owner_id)
    stages = pipeline_by_stage(*args, branch_ids=branch_ids)
    return {
        "start": start,
        "end": end,
        "pipeline": stages,
        "pipeline_total": {
            "count": sum(row["count"] for row in stages),
            "value": sum(row["value"] for row in stages),
            "weighted": sum(row["weighted"] for row in stages),
        },
        "forecast": forecast_by_month(*args, branch_ids=branch_ids),
        "win_rate": win_rate(*args, branch_ids=branch_ids),
        "sales_cycle": sales_cycle(*args, branch_ids=branch_ids),
        "proposals": proposals(*args, branch_ids=branch_ids),
        "leads": leads_by_source(*args, branch_ids=branch_ids),
        "discounts": discounts_by_kind(*args, branch_ids=branch_ids),
    }


def figures_for(
    *, actor: Any, start: dt.date, end: dt.date, branch_id: int | None = None, owner_id: int | None = None
) -> dict[str, Any]:
    """The overview as `actor` may see it: `sales.figures`, and only their branches' records."""
    require(actor, "sales.figures")
    if end < start:
        raise ApplicationError(_("The end date is before the start date."), {"end": [_("Before the start date.")]})
    scope = branch_scope(actor)
    if branch_id is not None and (not scope.allows(branch_id) or not Branch.objects.filter(pk=branch_id).exists()):
        raise NotFoundError(_("Branch not found."))
    return overview(start, end, branch_id, owner_id, branch_ids=None if scope.all_branches else scope.branch_ids)
