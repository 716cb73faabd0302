"""What analytics contributes to lower apps: the scores and next-best-offer panels on the
customer's 360° page, the offers at the cashier and the merge handler. Registered from
`AnalyticsConfig.ready`."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from setia.analytics import rfm, selectors
from setia.analytics.models import AnalyticsSettings, CustomerScore, CustomerScoreSnapshot
from setia.customers import merge, panels
from setia.customers.models import Customer
from setia.sales import offers


def _scores_panel(request: HttpRequest, customer: Customer) -> dict[str, Any] | None:
    if not request.user.has_capability("analytics.view"):  # type: ignore[union-attr]
        return None
    return selectors.customer_scores(request.user, customer)


def reason(offer: dict[str, Any]) -> str:
    """The sentence that explains an offer (its rule, in words)."""
    values = {"product": offer["because"].name, "percent": offer["confidence_percent"]}
    if offer["kind"] == "sequence":
        return _("%(percent)s%% of those who bought %(product)s bought it later") % values
    if offer["in_cart"]:
        return _("Often bought with %(product)s (in %(percent)s%% of the orders with it)") % values
    return (
        _("Often bought with %(product)s, which this customer bought before (in %(percent)s%% of the orders with it)")
        % values
    )


def _offers_panel(request: HttpRequest, customer: Customer) -> dict[str, Any] | None:
    found = selectors.next_best_offers(customer.pk)
    if not found:
        return None
    return {
        "offers": [{**offer, "reason": reason(offer)} for offer in found],
        "can_see_rules": request.user.has_capability("analytics.view"),  # type: ignore[union-attr]
    }


def _cashier_offers(customer: Customer | None, cart: list[int]) -> list[offers.Offer]:
    found = selectors.next_best_offers(customer.pk if customer else None, cart)
    return [offers.Offer(product=offer["product"], reason=reason(offer)) for offer in found]


def _merge_scores(survivor: Customer, merged: Customer, actor: Any) -> None:
    # Orders move to the survivor without a save, which the incremental extract cannot see: the
    # next refresh re-reads every order. The merged customer's scores go; the survivor's are
    # recomputed by that refresh.
    AnalyticsSettings.objects.get_or_create(pk=1)
    AnalyticsSettings.objects.filter(pk=1).update(full_extract_required=True)
    CustomerScore.objects.filter(customer=merged).delete()
    CustomerScoreSnapshot.objects.filter(customer=merged).delete()


def _win_back_panel(request: HttpRequest) -> dict[str, Any]:
    """The home page's "Customers to win back"."""
    from django.utils import timezone

    rows = selectors.win_back(request.user)
    today = timezone.localdate()
    return {
        "rows": [
            {"score": row, "label": rfm.segment_label(row.rfm_segment), "days": (today - row.last_purchase).days}
            for row in rows
        ],
        "scored": selectors.has_scores(),
    }


def register() -> None:
    from setia.core.dashboard import Panel as HomePanel
    from setia.core.dashboard import register_panel as register_home_panel

    register_home_panel(
        HomePanel("win_back", "analytics/panels/home_win_back.html", _win_back_panel, 30, "analytics.view")
    )
    panels.register_panel(panels.Panel("analytics.scores", "analytics/panels/scores.html", _scores_panel, "side", 30))
    panels.register_panel(panels.Panel("analytics.offers", "analytics/panels/offers.html", _offers_panel, "side", 25))
    offers.register_offer_source("analytics.next_best_offer", _cashier_offers)
    merge.register_merge_handler("analytics", _merge_scores)
