"""The taxi's driver list (under Trips): list, add, edit, deactivate. Thin: parse, call a service or
selector, render."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from setia.accounts.decorators import staff_view
from setia.accounts.models import Branch, User
from setia.accounts.selectors import branch_scope
from setia.core.errors import ApplicationError
from setia.core.forms import add_application_error
from setia.core.pagination import keyset_page, parse_id
from setia.sales.forms.drivers import DriverForm
from setia.sales.models import Driver
from setia.sales.selectors import drivers as selectors
from setia.sales.services import drivers as services

PAGE_SIZE = 50
STATUSES = {"active": True, "inactive": False, "all": None}


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _branches(actor: User) -> list[Branch]:
    return list(branch_scope(actor).filter(Branch.objects.filter(is_active=True), field="pk").order_by("name"))


@staff_view("bookings.manage")
def driver_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    status = request.GET.get("status", "active")
    status = status if status in STATUSES else "active"
    query = request.GET.get("q", "").strip()[:100]
    branch_id = parse_id(request.GET.get("branch"))
    drivers = selectors.driver_list(actor=actor, branch_id=branch_id, active=STATUSES[status], query=query)
    page = keyset_page(drivers, order=("name", "id"), cursor=request.GET.get("after", ""), size=PAGE_SIZE)
    today = timezone.localdate()
    counts = selectors.trip_counts(driver_ids=[driver.pk for driver in page.rows], day=today)
    query_string = request.GET.copy()
    query_string.pop("after", None)
    context: dict[str, Any] = {
        "nav_key": "trips",
        "page": page,
        "rows": [(driver, counts.get(driver.pk, 0)) for driver in page.rows],
        "today": today,
        "query": query,
        "status": status,
        "branch_id": branch_id,
        "branches": _branches(actor),
        "query_string": query_string.urlencode(),
        "filtered": bool(query or branch_id) or status != "active",
    }
    return render(request, "sales/drivers.html", context)


def _driver_form(request: HttpRequest, driver: Driver | None) -> HttpResponse:
    actor = _actor(request)
    branches = _branches(actor)
    initial: dict[str, Any] = {"branch": actor.branch_id}
    if driver is not None:
        initial = {
            "name": driver.name,
            "phone": driver.phone,
            "vehicle_plate": driver.vehicle_plate,
            "vehicle_description": driver.vehicle_description,
            "branch": driver.branch_id,
        }
        if not any(branch.pk == driver.branch_id for branch in branches):
            branches.append(driver.branch)  # her branch was closed: still shown, not chosen anew
    form = DriverForm(request.POST or None, branches=branches, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if driver is None:
                saved = services.driver_create(actor=actor, **form.values())
                messages.success(request, _("%(name)s added to the drivers.") % {"name": saved.name})
            else:
                saved = services.driver_update(actor=actor, driver=driver, **form.values())
                messages.success(request, _("Changes to %(name)s saved.") % {"name": saved.name})
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            return redirect("sales:driver_list")
    return render(request, "sales/driver_form.html", {"nav_key": "trips", "form": form, "driver": driver})


@staff_view("bookings.manage")
def driver_create(request: HttpRequest) -> HttpResponse:
    return _driver_form(request, None)


@staff_view("bookings.manage")
def driver_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _driver_form(request, selectors.driver_get(actor=_actor(request), pk=pk))


@require_POST
@staff_view("bookings.manage")
def driver_active(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    driver = selectors.driver_get(actor=actor, pk=pk)
    active = not driver.is_active
    try:
        services.driver_set_active(actor=actor, driver=driver, active=active)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        message = (
            _("%(name)s is back on the driver list.")
            if active
            else _("%(name)s deactivated: no longer offered for trips; past trips keep the name.")
        )
        messages.success(request, message % {"name": driver.name})
    return redirect("sales:driver_list")


urlpatterns: list[URLPattern] = [
    path("trips/drivers/", driver_list, name="driver_list"),
    path("trips/drivers/new/", driver_create, name="driver_create"),
    path("trips/drivers/<int:pk>/", driver_edit, name="driver_edit"),
    path("trips/drivers/<int:pk>/active/", driver_active, name="driver_active"),
]
