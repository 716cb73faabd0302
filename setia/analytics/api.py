"""The analytics API: a customer's scores and next best offers, the cross-sell rules, the latest
refresh's figures, and starting a refresh. Thin: selectors and services do the work."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router
from ninja.responses import Status

from setia.accounts.models import User
from setia.accounts.selectors import require
from setia.analytics import selectors
from setia.analytics.integration import reason
from setia.analytics.models import AnalyticsRun, AssociationRule
from setia.analytics.schemas import OffersOut, RulePage, RunOut, ScoresOut, SummaryOut
from setia.analytics.services import rules
from setia.analytics.services.runs import analytics_refresh_request
from setia.catalog.models import Product
from setia.core.errors import ApplicationError, NotFoundError
from setia.core.pagination import api_page, parse_id
from setia.customers.selectors import customer_get

router = Router(tags=["analytics"])

SCORE_FIELDS = (
    "recency_days",
    "frequency",
    "monetary",
    "r_score",
    "f_score",
    "m_score",
    "historic_value",
    "predicted_purchases",
    "predicted_value",
    "prob_alive",
    "churn_risk",
    "loyalty_index",
)


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _product(product: Product) -> dict[str, Any]:
    return {"id": product.pk, "name": product.name, "price": product.price}


def _run(run: AnalyticsRun) -> dict[str, Any]:
    fields = ("status", "trigger", "progress", "step", "created_at", "started_at", "finished_at", "error")
    return {"id": run.pk, **{name: getattr(run, name) for name in fields}}


@router.get("/analytics/customers/{customer_id}", response=ScoresOut, summary="A customer's scores, explained")
def customer_scores(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    actor = _actor(request)
    require(actor, "analytics.view")
    customer = customer_get(actor=actor, pk=customer_id)
    data = selectors.customer_scores(actor, customer) or {}
    score = data.get("score")
    if score is None:
        return {"customer_id": customer.pk, "scored": False}
    return {
        "customer_id": customer.pk,
        "scored": True,
        "computed_at": score.computed_at,
        "rfm_segment": score.rfm_segment,
        "rfm_segment_label": str(data["segment_label"]),
        **{name: getattr(score, name) for name in SCORE_FIELDS},
        "loyalty_components": [
            {key: component[key] for key in ("name", "value", "weight", "counted", "points")}
            for component in data["components"]
        ],
    }


@router.get("/analytics/customers/{customer_id}/offers", response=OffersOut, summary="Next best offers for a customer")
def customer_offers(request: HttpRequest, customer_id: int, cart: str = "") -> dict[str, Any]:
    """`cart`: product ids already in the basket, comma-separated (they are not offered, and their
    bought-together rules count)."""
    customer = customer_get(actor=_actor(request), pk=customer_id)
    in_cart = [pk for pk in (parse_id(part.strip()) for part in cart.split(",")[:100]) if pk]
    found = selectors.next_best_offers(customer.pk, in_cart)
    return {
        "customer_id": customer.pk,
        "items": [
            {
                "product": _product(offer["product"]),
                "because": _product(offer["because"]),
                "kind": offer["kind"],
                "confidence": round(offer["confidence"], 4),
                "lift": offer["lift"],
                "reason": reason(offer),
            }
            for offer in found
        ],
    }


@router.get("/analytics/rules", response=RulePage, summary="Cross-sell rules of the latest refresh (keyset pages)")
def list_rules(
    request: HttpRequest,
    kind: str = "",
    product: int | None = None,
    sort: str = "lift",
    min_lift: float | None = None,
    after: str = "",
    limit: int = 50,
) -> dict[str, Any]:
    for name, value, allowed in (
        ("kind", kind, AssociationRule.Kind.values),
        ("sort", sort, list(selectors.RULE_SORTS)),
    ):
        if value and value not in allowed:
            message = _("%(field)s: choose one of %(choices)s.") % {"field": name, "choices": ", ".join(allowed)}
            raise ApplicationError(message, extra={name: [message]})
    found = selectors.rules_query(_actor(request), kind=kind, product_id=product, sort=sort, min_lift=min_lift)
    page = api_page(found, order=selectors.RULE_SORTS[sort], cursor=after, size=max(1, min(limit, 200)))
    return {
        "items": [
            {
                "id": rule.pk,
                "kind": rule.kind,
                "antecedent": _product(rule.antecedent),
                "consequent": _product(rule.consequent),
                **{name: getattr(rule, name) for name in rules.FIGURES},
            }
            for rule in page.rows
        ],
        "next_cursor": page.next_cursor,
    }


@router.get("/analytics/summary", response=SummaryOut, summary="The latest finished refresh and its figures")
def summary(request: HttpRequest) -> dict[str, Any]:
    data = selectors.overview(_actor(request))
    run = data["run"]
    return {"run": _run(run) if run else None, "figures": data["figures"]}


@router.post("/analytics/refresh", response={202: RunOut}, summary="Queue a refresh (or return the one under way)")
def refresh(request: HttpRequest) -> Status:
    return Status(202, _run(analytics_refresh_request(actor=_actor(request))))


@router.get("/analytics/runs/{run_id}", response=RunOut, summary="A refresh's status and progress")
def get_run(request: HttpRequest, run_id: int) -> dict[str, Any]:
    require(_actor(request), "analytics.view")
    run = AnalyticsRun.objects.filter(pk=run_id).first()
    if run is None:
        raise NotFoundError(_("Refresh not found."))
    return _run(run)
