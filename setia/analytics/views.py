"""The "Pelanggan analytics" page: refresh with progress, RFM grid and segments, movement, the
lifetime value fit and its hold-out check; the analytics settings; the cross-sell rules page and
the "Pelanggan" dashboard."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from setia.accounts.decorators import staff_view
from setia.analytics import selectors
from setia.analytics.forms import AnalyticsSettingsForm
from setia.analytics.models import AssociationRule
from setia.analytics.services.runs import analytics_refresh_request
from setia.analytics.services.settings import analytics_settings_update
from setia.catalog.models import Product
from setia.core.errors import ApplicationError
from setia.core.forms import add_application_error
from setia.core.pagination import keyset_page, parse_id

# The refresh's steps (services/engine.py) in words, for its progress and timings.
STEP_LABELS = {
    "extract": gettext_lazy("reading purchases"),
    "rfm": gettext_lazy("RFM scores"),
    "clv_fit": gettext_lazy("fitting the lifetime value model"),
    "clv_predict": gettext_lazy("predicting lifetime values"),
    "loyalty": gettext_lazy("loyalty index"),
    "cohorts": gettext_lazy("cohorts"),
    "rules": gettext_lazy("cross-sell rules"),
    "write_back": gettext_lazy("saving the scores"),
    "snapshots": gettext_lazy("score history"),
    "segments": gettext_lazy("segments"),
    "total": gettext_lazy("total"),
}


def _status_context(request: HttpRequest) -> dict[str, Any]:
    run = selectors.current_run(request.user)
    return {"current": run, "working": bool(run and run.working), "step_labels": STEP_LABELS}


def _charts(data: dict[str, Any]) -> dict[str, Any]:
    fit = data["fit"]
    quality = fit.quality.get("by_frequency", []) if fit else []
    return {
        "labels": {
            "customers": _("Customers"),
            "revenue": _("Revenue in the window"),
            "actual": _("Actual"),
            "predicted": _("Predicted"),
            "frequency": _("Repeat purchases in the calibration window"),
            "per_customer": _("Per customer, hold-out"),  # the axis is short: the text above says the rest
        },
        "segments": {
            "labels": [row["label"] for row in data["segments"]],
            "customers": [row["customers"] for row in data["segments"]],
            "revenue": [row["revenue"] for row in data["segments"]],
        },
        "quality": {
            "labels": [row["label"] for row in quality],
            "actual": [row["actual"] for row in quality],
            "predicted": [row["predicted"] for row in quality],
        },
    }


@staff_view("analytics.view")
def home(request: HttpRequest) -> HttpResponse:
    data = selectors.overview(request.user)
    context = {"nav_key": "analytics", **data, **_status_context(request), "charts": _charts(data)}
    return render(request, "analytics/home.html", context)


@staff_view("analytics.view")
def status(request: HttpRequest) -> HttpResponse:
    context = _status_context(request)
    response = render(request, "analytics/home.html#status", context)
    previous = request.GET.get("watching")
    if previous and not context["working"]:
        # The refresh being watched has finished: reload the page so its figures show.
        response["HX-Refresh"] = "true"
    return response


@require_POST
@staff_view("analytics.run")
def refresh(request: HttpRequest) -> HttpResponse:
    analytics_refresh_request(actor=request.user)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "analytics/home.html#status", _status_context(request))
    messages.success(request, _("The refresh has been queued."))
    return redirect("analytics:home")


@staff_view("analytics.run")
def settings_edit(request: HttpRequest) -> HttpResponse:
    data = selectors.overview(request.user)
    form = AnalyticsSettingsForm(request.POST or None, instance=data["settings"])
    if request.method == "POST" and form.is_valid():
        try:
            analytics_settings_update(actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Analytics settings saved. They apply from the next refresh."))
            return redirect("analytics:home")
    return render(request, "analytics/settings.html", {"nav_key": "analytics", "form": form})


@staff_view("analytics.view")
def dashboard(request: HttpRequest) -> HttpResponse:
    """The "Pelanggan" dashboard: segments, the lifetime value distribution and the churn list."""
    data = selectors.dashboard(request.user)
    charts = {
        "labels": {"customers": _("Customers"), "revenue": _("Revenue in the window")},
        "segments": {
            "labels": [row["label"] for row in data["segments"]],
            "customers": [row["customers"] for row in data["segments"]],
            "revenue": [row["revenue"] for row in data["segments"]],
        },
        "clv": {
            "starts": [row["start"] for row in data["histogram"]],
            "ends": [row["end"] for row in data["histogram"]],
            "customers": [row["customers"] for row in data["histogram"]],
        },
    }
    context = {"nav_key": "analytics", **data, "charts": charts}
    return render(request, "analytics/dashboard.html", context)


RULES_PAGE = 50


def _min_lift(value: str) -> float | None:
    try:
        number = float(value.replace(",", "."))
    except ValueError:
        return None
    return number if 0 <= number < 1_000_000 else None


@staff_view("analytics.view")
def rules(request: HttpRequest) -> HttpResponse:
    """The cross-sell rules for the marketer: filter by kind and product, sort by lift, confidence
    or support, and turn a rule into a promotion."""
    kind = request.GET.get("kind", "")
    product_id = parse_id(request.GET.get("product"))
    sort = request.GET.get("sort", "lift")
    sort = sort if sort in selectors.RULE_SORTS else "lift"
    min_lift = _min_lift(request.GET.get("min_lift", ""))
    found = selectors.rules_query(request.user, kind=kind, product_id=product_id, sort=sort, min_lift=min_lift)
    page = keyset_page(found, order=selectors.RULE_SORTS[sort], cursor=request.GET.get("after", ""), size=RULES_PAGE)
    query = request.GET.copy()
    query.pop("after", None)
    context = {
        "nav_key": "analytics",
        "page": page,
        "kinds": AssociationRule.Kind.choices,
        "kind": kind,
        "products": Product.objects.filter(is_active=True).order_by("name", "id").only("id", "name"),
        "product_id": product_id,
        "sort": sort,
        "sorts": [("lift", _("lift")), ("confidence", _("confidence")), ("support", _("support"))],
        "min_lift": request.GET.get("min_lift", ""),
        "min_lift_invalid": bool(request.GET.get("min_lift")) and min_lift is None,
        "query_string": query.urlencode(),
        "can_promote": request.user.has_capability("loyalty.manage"),  # type: ignore[union-attr]
        "settings": selectors.analytics_settings(),
    }
    return render(request, "analytics/rules.html", context)
