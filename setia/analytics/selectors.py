"""Reads for the analytics page and the 360° panel. Analytics figures are business-wide; they need
the `analytics.view` capability (owner, manager, marketing, analyst)."""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, ExpressionWrapper, F, FloatField, Max, Min, Q
from django.utils import timezone

from setia.accounts.selectors import require
from setia.analytics import loyalty_index, rfm
from setia.analytics.models import (
    AnalyticsRun,
    AnalyticsSettings,
    AssociationRule,
    ClvFit,
    CustomerScore,
    CustomerScoreSnapshot,
)
from setia.catalog.models import Category
from setia.customers.models import Customer
from setia.customers.selectors import visible_customers
from setia.sales.models import Order, OrderLine


def analytics_settings() -> AnalyticsSettings:
    return AnalyticsSettings.objects.get_or_create(pk=1)[0]


def current_run(actor: Any) -> AnalyticsRun | None:
    require(actor, "analytics.view")
    return AnalyticsRun.objects.first()


def overview(actor: Any) -> dict[str, Any]:
    """What the analytics page shows: the latest finished refresh's figures and fit."""
    require(actor, "analytics.view")
    latest = AnalyticsRun.objects.filter(status=AnalyticsRun.Status.DONE).first()
    figures = latest.figures if latest else {}
    fit_id = figures.get("fit_id")
    fit = ClvFit.objects.filter(pk=int(fit_id)).first() if fit_id else None
    counts = {(cell["r"], cell["fm"]): cell for cell in figures.get("grid", [])}
    grid = [
        {
            "r": r,
            "cells": [
                {
                    "fm": fm,
                    "segment": rfm.GRID[(r, fm)],
                    "label": rfm.segment_label(rfm.GRID[(r, fm)]),
                    "customers": counts.get((r, fm), {}).get("customers", 0),
                    "revenue": counts.get((r, fm), {}).get("revenue", 0),
                }
                for fm in range(1, 6)
            ],
        }
        for r in range(5, 0, -1)
    ]
    segments = [
        {
            **row,
            "label": rfm.segment_label(row["segment"]),
            "meaning": str(rfm.SEGMENTS[row["segment"]][1]),
            "action": str(rfm.SEGMENTS[row["segment"]][2]),
        }
        for row in figures.get("segments", [])
        if row["segment"] in rfm.SEGMENTS
    ]
    movement = [
        {
            **row,
            "from_label": rfm.segment_label(row["from"]) if row["from"] else "",
            "to_label": rfm.segment_label(row["to"]),
        }
        for row in figures.get("movement", [])
        if row["from"] != row["to"]
    ]
    return {
        "run": latest,
        "figures": figures,
        "grid": grid,
        "segments": segments,
        "movement": movement[:30],
        "cohorts": cohort_tables(figures.get("cohorts", [])),
        "fit": fit,
        "settings": analytics_settings(),
    }


COHORT_MONTHS = 12  # months since acquisition shown (offsets 0-11), as computed by the engine


def _shade(value: float, top: float) -> dict[str, Any]:
    """A heat-map cell's shading: the background's alpha (0.05-0.85, as a CSS number string so that
    number localization cannot turn the point into a comma) and whether the text must be white."""
    share = value / top if top > 0 else 0.0
    alpha = 0.05 + 0.8 * min(1.0, max(0.0, share)) if value > 0 else 0.0
    return {"alpha": f"{alpha:.2f}", "dark": alpha > 0.55}


def cohort_tables(cohorts: list[dict[str, Any]]) -> dict[str, Any]:
    """The two cohort heat maps from a run's figures: retention (% of the cohort who bought in each
    month since acquisition) and revenue per cohort customer in each month. A month that has not
    begun yet is `None` (an empty cell); an empty cohort has no cells."""
    rows = []
    for cohort in cohorts:
        size = cohort["customers"]
        months = {cell["offset"]: cell for cell in cohort["months"]}
        retention: list[dict[str, Any] | None] = []
        revenue: list[dict[str, Any] | None] = []
        for offset in range(COHORT_MONTHS):
            cell = months.get(offset)
            if cell is None or not size:
                retention.append(None)
                revenue.append(None)
                continue
            retention.append({"percent": round(100 * cell["customers"] / size), "customers": cell["customers"]})
            revenue.append({"per_customer": round(cell["revenue"] / size), "total": cell["revenue"]})
        rows.append(
            {
                "month": dt.date.fromisoformat(cohort["month"]),
                "customers": size,
                "retention": retention,
                "revenue": revenue,
            }
        )
    top_revenue = max((c["per_customer"] for row in rows for c in row["revenue"] if c), default=0)
    for row in rows:
        for cell in row["retention"]:
            if cell:
                cell.update(_shade(cell["percent"], 100))
        for cell in row["revenue"]:
            if cell:
                cell.update(_shade(cell["per_customer"], top_revenue))
    return {
        "rows": rows,
        "offsets": list(range(COHORT_MONTHS)),
        "any": any(row["customers"] for row in rows),
    }


def customer_scores(actor: Any, customer: Customer) -> dict[str, Any] | None:
    """One customer's scores with the loyalty index explained, component by component."""
    require(actor, "analytics.view")
    score = CustomerScore.objects.filter(customer=customer).first()
    if score is None:
        return {"score": None}
    active = loyalty_index.weights(
        breadth=Category.objects.filter(is_active=True).count() >= 2, staying=score.prob_alive is not None
    )
    total = sum(active.values())
    components = []
    for name, (weight, label, trait) in loyalty_index.COMPONENTS.items():
        value = getattr(score, f"loyalty_{name}")
        counted = name in active
        components.append(
            {
                "name": name,
                "label": label,
                "trait": trait,
                "value": value,
                "weight": weight,
                "counted": counted,
                "share": round(100 * weight / total) if counted else 0,
                "points": round(weight * value / total, 1) if counted else 0,
            }
        )
    previous = (
        CustomerScoreSnapshot.objects.filter(customer=customer, date__lt=timezone.localdate(score.computed_at))
        .order_by("-date")
        .first()
    )
    return {
        "score": score,
        "segment_label": rfm.segment_label(score.rfm_segment),
        "segment_meaning": rfm.SEGMENTS.get(score.rfm_segment, ("", "", ""))[1],
        "previous_segment": rfm.segment_label(previous.rfm_segment) if previous else "",
        "components": components,
        # As the engine counts it: the active categories, up to the target.
        "breadth_target": min(Category.objects.filter(is_active=True).count(), loyalty_index.BREADTH_TARGET),
        "referral_target": loyalty_index.REFERRAL_TARGET,
        "churn_percent": round(100 * score.churn_risk) if score.churn_risk is not None else None,
    }


CLV_BUCKETS = 8  # bars of the lifetime value histogram
CHURN_LIST_SIZE = 20
CHURN_LIST_THRESHOLD = 0.5  # churn risk from which a valuable customer is listed


def clv_histogram(buckets: int = CLV_BUCKETS) -> list[dict[str, Any]]:
    """Customers per predicted-value range: `buckets` equal ranges from the lowest to the highest
    predicted value (the last one includes the highest), counted by the database in one query."""
    scored = CustomerScore.objects.filter(predicted_value__isnull=False)
    bounds = scored.aggregate(low=Min("predicted_value"), high=Max("predicted_value"))
    low, high = bounds["low"], bounds["high"]
    if low is None or high is None:
        return []
    width = max(1, -(-(high - low + 1) // buckets))  # ceiling division: the ranges cover low..high
    ranges = [(low + i * width, low + (i + 1) * width) for i in range(buckets)]
    counts = scored.aggregate(
        **{
            f"b{i}": Count("pk", filter=Q(predicted_value__gte=start, predicted_value__lt=end))
            for i, (start, end) in enumerate(ranges)
        }
    )
    return [{"start": start, "end": end - 1, "customers": counts[f"b{i}"]} for i, (start, end) in enumerate(ranges)]


def churn_risks(actor: Any, limit: int = CHURN_LIST_SIZE) -> list[CustomerScore]:
    """The valuable customers most at risk: churn risk of at least 50%, ordered by the value at
    stake (predicted value times churn risk), among the customers the actor may see."""
    stake = ExpressionWrapper(F("predicted_value") * F("churn_risk"), output_field=FloatField())
    visible = visible_customers(actor).values("pk")
    rows: list[CustomerScore] = [
        *CustomerScore.objects.filter(
            predicted_value__isnull=False, churn_risk__gte=CHURN_LIST_THRESHOLD, customer_id__in=visible
        )
        .annotate(at_stake=stake)
        .select_related("customer")
        .order_by("-at_stake", "-predicted_value", "customer_id")[:limit]
    ]
    for row in rows:  # at most `limit` rows: whole rupiah for display
        row.at_stake = round(row.at_stake)  # type: ignore[attr-defined]
    return rows


# Segments of customers who bought well before and have gone quiet: the ones to win back.
WIN_BACK_SEGMENTS = (rfm.CANNOT_LOSE, rfm.AT_RISK, rfm.ABOUT_TO_SLEEP)


def has_scores() -> bool:
    """Whether a refresh has scored any customer yet (an empty list then means "nobody to show",
    not "not computed")."""
    return CustomerScore.objects.exists()


def win_back(actor: Any, limit: int = 5) -> list[CustomerScore]:
    """The customers of the win-back segments who spent the most with the business, among those
    the actor may see (from the latest refresh's scores)."""
    require(actor, "analytics.view")
    return list(
        CustomerScore.objects.filter(
            rfm_segment__in=WIN_BACK_SEGMENTS, customer_id__in=visible_customers(actor).values("pk")
        )
        .select_related("customer")
        .order_by("-historic_value", "customer_id")[:limit]
    )


def dashboard(actor: Any) -> dict[str, Any]:
    """The "Pelanggan" dashboard: segment sizes and revenue from the latest finished refresh, the
    lifetime value distribution, the customers most at risk, the strongest cross-sell rules and
    the cross-/up-sell ratios (aggregates only)."""
    require(actor, "analytics.view")
    latest = AnalyticsRun.objects.filter(status=AnalyticsRun.Status.DONE).first()
    figures = latest.figures if latest else {}
    segments = [
        {
            "segment": row["segment"],
            "label": rfm.segment_label(row["segment"]),
            "customers": row["customers"],
            "revenue": row["revenue"],
        }
        for row in figures.get("segments", [])
        if row["segment"] in rfm.SEGMENTS
    ]
    histogram = clv_histogram() if latest else []
    return {
        "run": latest,
        "figures": figures,
        "segments": segments,
        "histogram": histogram,
        "churn": churn_risks(actor) if latest else [],
        "churn_threshold": round(100 * CHURN_LIST_THRESHOLD),
        "cohorts": cohort_tables(figures.get("cohorts", [])),
        "rules": top_rules(actor) if latest else [],
        "ratios": ratio_view(figures.get("ratios")),
    }


def ratio_view(ratios: dict[str, Any] | None) -> dict[str, Any] | None:
    """A run's cross-/up-sell ratios for display: percentages and the period as dates."""
    if not ratios:
        return None
    percent = {
        name: round(100 * ratios[name], 1) if ratios.get(name) is not None else None
        for name in ("cross_sell_ratio", "up_sell_ratio")
    }
    return {
        **ratios,
        **{f"{name}_percent": value for name, value in percent.items()},
        "start_date": dt.date.fromisoformat(ratios["start"]),
        "end_date": dt.date.fromisoformat(ratios["end"]),
    }


# --- Cross-sell rules and next best offers --------------------------------------------------------

RULE_SORTS = {
    "lift": ("-lift", "-confidence", "id"),
    "confidence": ("-confidence", "-lift", "id"),
    "support": ("-support", "-lift", "id"),
}
OFFERS = 3


def rules_query(
    actor: Any, *, kind: str = "", product_id: int | None = None, sort: str = "lift", min_lift: float | None = None
) -> Any:
    """The cross-sell rules of the latest refresh, filtered: kind, a product on either side, a
    minimum lift; sorted by lift, confidence or support (strongest first)."""
    require(actor, "analytics.view")
    rules = AssociationRule.objects.select_related("antecedent", "consequent")
    if kind in AssociationRule.Kind.values:
        rules = rules.filter(kind=kind)
    if product_id:
        rules = rules.filter(Q(antecedent_id=product_id) | Q(consequent_id=product_id))
    if min_lift is not None:
        rules = rules.filter(lift__gte=min_lift)
    return rules.order_by(*RULE_SORTS.get(sort, RULE_SORTS["lift"]))


def top_rules(actor: Any, limit: int = 10) -> list[AssociationRule]:
    """The strongest rules for the dashboard: highest lift among those whose products are on sale."""
    require(actor, "analytics.view")
    return list(
        AssociationRule.objects.filter(antecedent__is_active=True, consequent__is_active=True)
        .select_related("antecedent", "consequent")
        .order_by("-lift", "-confidence", "id")[:limit]
    )


def products_bought(customer_id: int) -> set[int]:
    """The products a customer has bought (paid orders, lines not wholly refunded)."""
    paid = (Order.Status.FULFILLED, Order.Status.PARTLY_REFUNDED)
    return set(
        OrderLine.objects.filter(
            order__customer_id=customer_id,
            order__status__in=paid,
            product_id__isnull=False,
            quantity__gt=F("refunded_quantity"),
        )
        .values_list("product_id", flat=True)
        .distinct()
    )


def next_best_offers(customer_id: int | None, cart: Iterable[int] = (), limit: int = OFFERS) -> list[dict[str, Any]]:
    """What to offer a customer next, explained by the rule behind each offer: products she has not
    bought (and that are not in the cart) that the buyers of her products, or of the cart's
    products, most often bought — later (sequence rules from her history) or in the same order
    (basket rules from her history and from the cart). One offer per product, from its most
    confident rule (then highest lift); products not on sale are never offered. No capability
    check: the callers (the 360° page, the cashier) already decide who sees a customer."""
    bought = products_bought(customer_id) if customer_id else set()
    in_cart = {int(product) for product in cart}
    if not bought and not in_cart:
        return []
    rules = (
        AssociationRule.objects.filter(
            Q(antecedent_id__in=bought) | Q(antecedent_id__in=in_cart, kind=AssociationRule.Kind.BASKET),
            consequent__is_active=True,
        )
        .exclude(consequent_id__in=bought | in_cart)
        .select_related("antecedent", "consequent")
        .order_by("-confidence", "-lift", "consequent__name", "id")[:200]
    )
    offers: dict[int, dict[str, Any]] = {}
    for rule in rules:
        if rule.consequent_id in offers:
            continue
        offers[rule.consequent_id] = {
            "product": rule.consequent,
            "because": rule.antecedent,
            "kind": rule.kind,
            "in_cart": rule.antecedent_id in in_cart and rule.antecedent_id not in bought,
            "confidence": rule.confidence,
            "confidence_percent": round(100 * rule.confidence),
            "lift": round(rule.lift, 2),
        }
        if len(offers) == limit:
            break
    return list(offers.values())
