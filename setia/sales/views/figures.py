"""The sales figures page: KPI cards, pipeline by stage and forecast by month (charts), leads by
source, for a period preset or custom dates, a branch and an owner."""

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from setia.accounts.decorators import staff_view
from setia.accounts.models import Branch, User
from setia.accounts.selectors import branch_scope
from setia.core.navigation import Section
from setia.core.pagination import parse_id
from setia.sales.services import figures

PERIODS = [
    ("last_30_days", gettext_lazy("Last 30 days")),
    ("this_month", gettext_lazy("This month")),
    ("last_month", gettext_lazy("Last month")),
    ("this_quarter", gettext_lazy("This quarter")),
    ("this_year", gettext_lazy("This year")),
    ("custom", gettext_lazy("Custom")),
]


def period_dates(period: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of a preset period containing `today` (the last 30 days end today)."""
    if period == "last_30_days":
        return today - dt.timedelta(days=29), today
    if period == "last_month":
        end = today.replace(day=1) - dt.timedelta(days=1)
        return end.replace(day=1), end
    if period == "this_quarter":
        first_month = (today.month - 1) // 3 * 3 + 1
        start = today.replace(month=first_month, day=1)
        next_quarter = (start + dt.timedelta(days=95)).replace(day=1)
        return start, next_quarter - dt.timedelta(days=1)
    if period == "this_year":
        return today.replace(month=1, day=1), today.replace(month=12, day=31)
    start = today.replace(day=1)
    return start, (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        return None


def _choices(actor: User) -> tuple[list[Branch], list[User]]:
    scope = branch_scope(actor)
    branches = scope.filter(Branch.objects.filter(is_active=True), field="pk").order_by("name")
    owners = User.objects.filter(is_active=True).order_by("first_name", "username")
    if not scope.all_branches:
        owners = owners.filter(branch__in=scope.branch_ids)
    return list(branches), [user for user in owners[:500] if user.has_capability("opportunities.view")]


@staff_view("sales.figures")
def sales_figures(request: HttpRequest) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    today = timezone.localdate()
    # The last 30 days by default: "this month" is empty on its first day.
    period = request.GET.get("period", "last_30_days")
    if period not in dict(PERIODS):
        period = "last_30_days"
    errors: dict[str, str] = {}
    start, end = period_dates(period, today)
    if period == "custom":
        custom_start, custom_end = _date(request.GET.get("start", "")), _date(request.GET.get("end", ""))
        if custom_start is None:
            errors["start"] = _("Enter a date.")
        if custom_end is None:
            errors["end"] = _("Enter a date.")
        if custom_start and custom_end:
            if custom_end < custom_start:
                errors["end"] = _("Before the start date.")
            elif (custom_end - custom_start).days > 3660:
                errors["end"] = _("Choose at most ten years.")
            else:
                start, end = custom_start, custom_end
    branch_id = parse_id(request.GET.get("branch"))
    owner_id = parse_id(request.GET.get("owner"))
    # A branch outside the actor's scope is a 404 (the error middleware answers it).
    data = figures.figures_for(actor=actor, start=start, end=end, branch_id=branch_id, owner_id=owner_id)
    branches, owners = _choices(actor)
    context: dict[str, Any] = {
        "nav_key": "sales_figures",
        "periods": PERIODS,
        "period": period,
        "start": start,
        "end": end,
        "branches": branches,
        "owners": owners,
        "branch_id": branch_id,
        "owner_id": owner_id,
        "errors": errors,
        "data": data,
        "charts": {
            "pipeline": {
                "labels": [f"{row['pipeline']} · {row['stage']}" for row in data["pipeline"]],
                "value": [row["value"] for row in data["pipeline"]],
                "weighted": [row["weighted"] for row in data["pipeline"]],
                "count": [row["count"] for row in data["pipeline"]],
            },
            "forecast": {
                "labels": [row["month"].strftime("%m/%Y") for row in data["forecast"]],
                "value": [row["value"] for row in data["forecast"]],
                "weighted": [row["weighted"] for row in data["forecast"]],
            },
            "labels": {"value": _("Value"), "weighted": _("Weighted"), "count": _("Opportunities")},
        },
    }
    return render(request, "sales/figures/figures.html", context)


urlpatterns: list[URLPattern] = [path("sales/figures/", sales_figures, name="figures")]
NAVIGATION: list[Section] = [
    Section("sales_figures", gettext_lazy("Sales figures"), "sales:figures", "graph-up", 60, "sales.figures")
]
