"""What analytics contributes to lower apps: the scores panel on the customer's 360° page and the
merge handler. Registered from `AnalyticsConfig.ready`."""

from typing import Any

from django.http import HttpRequest

from setia.analytics import selectors
from setia.analytics.models import AnalyticsSettings, CustomerScore, CustomerScoreSnapshot
from setia.customers import merge, panels
from setia.customers.models import Customer


def _scores_panel(request: HttpRequest, customer: Customer) -> dict[str, Any] | None:
    if not request.user.has_capability("analytics.view"):  # type: ignore[union-attr]
        return None
    return selectors.customer_scores(request.user, customer)


def _merge_scores(survivor: Customer, merged: Customer, actor: Any) -> None:
    # Orders move to the survivor without a save, which the incremental extract cannot see: the
    # next refresh re-reads every order. The merged customer's scores go; the survivor's are
    # recomputed by that refresh.
    AnalyticsSettings.objects.get_or_create(pk=1)
    AnalyticsSettings.objects.filter(pk=1).update(full_extract_required=True)
    CustomerScore.objects.filter(customer=merged).delete()
    CustomerScoreSnapshot.objects.filter(customer=merged).delete()


def register() -> None:
    panels.register_panel(panels.Panel("analytics.scores", "analytics/panels/scores.html", _scores_panel, "side", 30))
    merge.register_merge_handler("analytics", _merge_scores)
