"""Bookings: the taxi trip board (book, repeat the last trip, assign, complete, cancel) and the salon's
appointment calendar (book, check out at the till, cancel, no-show)."""

import datetime as dt
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from setia.accounts.decorators import staff_view
from setia.accounts.models import User
from setia.catalog.models import Product
from setia.core.errors import ApplicationError, NotFoundError
from setia.core.money import format_rupiah
from setia.core.pagination import parse_id
from setia.customers.selectors import customer_get, held_elsewhere, phone_prefix, search_customers
from setia.sales import selectors
from setia.sales.models import Appointment, Payment, Trip
from setia.sales.selectors import drivers as driver_selectors
from setia.sales.selectors.appointments import appointment_calendar, appointment_staff, book_at, opening_hours
from setia.sales.services import bookings, checkout
from setia.sales.services.checkout import PaymentIn
from setia.sales.views.orders import _actor, _amount, _branch, _branch_for, _branches

# --- Trips ---------------------------------------------------------------------------------------


# The days the trip board and the appointment calendar page through: twenty years either way of
# today. A day beyond (9999-12-31, 0001-01-01: a typed address) has no bookings — they are made up to
# a year ahead — and near the calendar's ends the day before or after cannot even be reckoned.
SHOWN_YEARS = 20


def _day(request: HttpRequest) -> dt.date:
    """The `day` asked for; today when there is none, it does not read, or it is out of range
    (then saying so)."""
    today = timezone.localdate()
    value = request.GET.get("day") or ""
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return today
    if abs(day.year - today.year) > SHOWN_YEARS:
        messages.warning(
            request,
            _("%(day)s is too far from today: showing today. Days up to %(years)s years either way are shown.")
            % {"day": value[:10], "years": SHOWN_YEARS},
        )
        return today
    return day


@staff_view("bookings.manage")
def trips(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    day = _day(request)
    branch_id = parse_id(request.GET.get("branch"))
    drivers = list(driver_selectors.driver_list(actor=actor, branch_id=branch_id))
    driver = next((d for d in drivers if d.pk == parse_id(request.GET.get("driver"))), None)
    rows = list(
        driver_selectors.trips_of_day(
            actor=actor, day=day, branch_id=branch_id, driver_id=driver.pk if driver else None
        )
    )
    columns = [(status, label, [t for t in rows if t.status == status]) for status, label in Trip.Status.choices]
    counts = driver_selectors.trip_counts(driver_ids=[d.pk for d in drivers], day=day)
    choices = driver_selectors.assign_choices(rows)
    for trip in rows:
        trip.driver_choices = choices.get(trip.pk, [])  # type: ignore[attr-defined]
    context = {
        "nav_key": "trips",
        "day": day,
        "is_today": day == timezone.localdate(),
        "previous": day - dt.timedelta(days=1),
        "next": day + dt.timedelta(days=1),
        "columns": columns,
        "branches": _branches(actor),
        "branch_id": branch_id,
        "drivers": [(d, counts.get(d.pk, 0)) for d in drivers if d.is_active or counts.get(d.pk) or d == driver],
        "driver": driver,
        "driver_trips": counts.get(driver.pk, 0) if driver else 0,
        "methods": _money_methods(),
    }
    return render(request, "sales/trips.html", context)


def _money_methods() -> list[tuple[str, str]]:
    """How a fare or a service is paid, as the cashier takes it (cash first)."""
    return [(value, str(label)) for value, label in Payment.Method.choices if value in checkout.MONEY_METHODS]


@staff_view("bookings.manage")
def trip_new(request: HttpRequest) -> HttpResponseBase:
    actor = _actor(request)
    data = request.POST if request.method == "POST" else request.GET
    customer_id = parse_id(data.get("customer"))
    if customer_id is None:
        # A trip is booked for a caller: find her by her phone number first.
        messages.info(request, _("Find the customer by her phone number, then book her trip from her card."))
        return redirect("customers:calls")
    customer = customer_get(actor=actor, pk=customer_id)
    branch = _branch_for(actor, data.get("branch"), customer)
    addresses = list(customer.addresses.all())
    error = None
    if request.method == "POST":
        chosen = data.get("pickup_address", "")
        address = next((a for a in addresses if a.pk == parse_id(chosen)), None)
        try:
            # The saved address chosen and the other place as typed: the service refuses the two together.
            trip = bookings.trip_book(
                actor=actor,
                customer=customer,
                branch=branch,
                pickup_at=_local_time(data.get("pickup_at")),
                pickup_address=address,
                pickup_text=data.get("pickup_text", ""),
                landmark=data.get("landmark", ""),
                destination=data.get("destination", ""),
            )
        except ApplicationError as failure:
            error = failure
        else:
            messages.success(request, _("Trip %(number)s booked.") % {"number": trip.order.number})
            return redirect(_board_of(trip))
    else:
        chosen = str(addresses[0].pk) if addresses else ""
    default_time = timezone.localtime() + dt.timedelta(minutes=15)
    context = {
        "nav_key": "trips",
        "customer": customer,
        "branch": branch,
        "branches": _branches(actor),
        "addresses": addresses,
        "chosen_address": chosen,
        "data": data,
        # Shown once: under the field it names, else at the top.
        "error": error if error and not set(error.extra) & _TRIP_FIELDS else None,
        "errors": error.extra if error else {},
        "default_time": default_time.strftime("%Y-%m-%dT%H:%M"),
        "limits": bookings.TRIP_TEXT_LIMITS,
    }
    return render(request, "sales/trip_form.html", context)


_TRIP_FIELDS = {"pickup_at", "pickup_address", "pickup_text", "landmark", "destination"}


@require_POST
@staff_view("bookings.manage")
def trip_repeat(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = _actor(request)
    customer = customer_get(actor=actor, pk=customer_id)
    booked = bookings.open_trip(customer)
    try:
        trip = bookings.trip_repeat_last(
            actor=actor, customer=customer, branch=_branch_for(actor, request.POST.get("branch"), customer)
        )
    except ApplicationError as failure:
        messages.error(request, failure.message)
        return redirect(f"{reverse('sales:trip_new')}?customer={customer.pk}")
    messages.success(
        request,
        _("Trip %(number)s booked: pick-up at %(place)s.") % {"number": trip.order.number, "place": trip.pickup_text},
    )
    if booked is not None:
        messages.warning(
            request,
            _("%(name)s also has trip %(number)s on %(time)s: cancel one if she booked twice.")
            % {
                "name": customer.name,
                "number": booked.order.number,
                "time": date_format(timezone.localtime(booked.pickup_at), "SHORT_DATETIME_FORMAT"),
            },
        )
    return redirect(_board_of(trip))


def _board_of(trip: Trip) -> str:
    """The trip board of the trip's branch and day: where it is assigned next."""
    board = {"day": timezone.localtime(trip.pickup_at).date().isoformat(), "branch": str(trip.order.branch_id)}
    return f"{reverse('sales:trips')}?{urlencode(board)}"


@require_POST
@staff_view("bookings.manage")
def trip_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    actor = _actor(request)
    trip = selectors.trip_get(actor=actor, pk=pk)
    number = trip.order.number
    if action not in ("assign", "complete", "cancel"):
        raise NotFoundError(_("Unknown action."))
    try:
        if action == "assign":
            # A driver from the list; a typed name only where the branch has no driver list yet.
            trip = bookings.trip_assign(
                actor=actor,
                trip=trip,
                driver_id=parse_id(request.POST.get("driver")),
                driver_name=request.POST.get("driver_name", ""),
                vehicle=request.POST.get("vehicle", ""),
            )
            done = _("Trip %(number)s assigned to %(driver)s.") % {"number": number, "driver": trip.driver_name}
            other = driver_selectors.busy_with(trip)
            if other is not None:
                messages.warning(
                    request,
                    _("%(driver)s is also on trip %(other)s at %(time)s.")
                    % {
                        "driver": trip.driver_name,
                        "other": other.order.number,
                        "time": timezone.localtime(other.pickup_at).strftime("%H:%M"),
                    },
                )
        elif action == "complete":
            trip = bookings.trip_complete(
                actor=actor,
                trip=trip,
                fare=_amount(request.POST.get("fare"), _("Fare")),
                method=request.POST.get("method", "cash"),
            )
            done = _("Trip %(number)s completed: %(fare)s paid.") % {
                "number": number,
                "fare": format_rupiah(trip.order.total),
            }
        else:
            bookings.trip_cancel(actor=actor, trip=trip, reason=request.POST.get("reason", ""))
            done = _("Trip %(number)s cancelled.") % {"number": number}
    except ApplicationError as failure:
        # The board holds many trips: the message says which one it is about.
        messages.error(request, _("Trip %(number)s: %(reason)s") % {"number": number, "reason": failure.message})
    else:
        messages.success(request, done)
    # Back to the board as it was filtered (branch, driver), on the trip's day.
    board = {"day": timezone.localtime(trip.pickup_at).date().isoformat()}
    for name in ("branch", "driver"):
        if chosen := parse_id(request.POST.get(f"board_{name}")):
            board[name] = str(chosen)
    return redirect(f"{reverse('sales:trips')}?{urlencode(board)}")


# --- Appointments -----------------------------------------------------------------------------


@staff_view("bookings.manage")
def appointments(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    day = _day(request)
    branch = _branch(actor, request.GET.get("branch"))
    staff_id = parse_id(request.GET.get("staff"))
    calendar = appointment_calendar(actor=actor, branch=branch, day=day, staff_id=staff_id)
    for appointment, (amount, percent) in _with_due(calendar.appointments):
        appointment.amount_due, appointment.member_percent = amount, percent  # type: ignore[attr-defined]
    for appointment in calendar.appointments:
        if appointment.status == Appointment.Status.BOOKED:
            problem = bookings.appointment_checkout_problem(appointment)
            appointment.checkout_problem = problem[1] if problem else ""  # type: ignore[attr-defined]
            appointment.till_can_take = bookings.till_can_check_out(problem)  # type: ignore[attr-defined]
    context = {
        "nav_key": "appointments",
        "day": day,
        "previous": day - dt.timedelta(days=1),
        "next": day + dt.timedelta(days=1),
        "branch": branch,
        "branches": _branches(actor),
        "calendar": calendar,
        "staff_id": staff_id,
        "methods": _money_methods(),
    }
    return render(request, "sales/appointments.html", context)


def _with_due(rows: list[Appointment]) -> list[tuple[Appointment, tuple[int, Decimal]]]:
    due = bookings.appointment_amounts_due(rows)
    return [(row, due[row.pk]) for row in rows if row.pk in due]


_BOOKING_FIELDS = ("branch", "service", "staff", "starts_at")


def _booking_query(data: Any, **extra: str) -> str:
    """The booking form's choices so far (without the customer) as a query string: for "Change"
    customer and for coming back from the new-customer form."""
    values = {key: data.get(key, "") for key in _BOOKING_FIELDS} | extra
    return urlencode({key: value for key, value in values.items() if value})


def _customer_choices(actor: User, data: Any) -> dict[str, Any]:
    """Customers found by what the receptionist typed (phone in any form, card number or name,
    among those she may see), and the link to add someone new who comes back to this booking."""
    find = data.get("find", "").strip()
    found = search_customers(actor=actor, query=find, limit=8) if len(find) >= 2 else []
    is_phone = bool(phone_prefix(find))
    back = f"{reverse('sales:appointment_new')}?{_booking_query(data)}"
    new_customer = {"phone" if is_phone else "name": find[:200]} if find else {}
    return {
        "found": found,
        "find": find,
        "elsewhere": held_elsewhere(actor=actor, phone=find) if is_phone and not found else "",
        "new_customer_url": f"{reverse('customers:create')}?{urlencode({**new_customer, 'next': back})}",
    }


@staff_view("bookings.manage")
def appointment_new(request: HttpRequest) -> HttpResponseBase:
    actor = _actor(request)
    data = request.POST if request.method == "POST" else request.GET
    customer_id = parse_id(data.get("customer"))
    customer = customer_get(actor=actor, pk=customer_id) if customer_id else None
    branch = _branch_for(actor, data.get("branch"), customer)
    services = Product.objects.filter(kind=Product.Kind.SERVICE, is_active=True).order_by("name")
    error = None
    if request.method == "POST":
        staff_id = parse_id(data.get("staff"))
        staff = User.objects.filter(pk=staff_id).first() if staff_id else None
        try:
            if staff_id and staff is None:
                raise ApplicationError(_("Choose the staff member."), {"staff": [_("Choose the staff member.")]})
            appointment = bookings.appointment_book(
                actor=actor,
                customer=customer,
                branch=branch,
                service=services.filter(pk=parse_id(data.get("service")) or 0).first(),
                starts_at=_local_time(data.get("starts_at")),
                staff=staff,
            )
        except ApplicationError as failure:
            error = failure
        else:
            messages.success(request, _("Appointment booked."))
            day = timezone.localtime(appointment.starts_at).date().isoformat()
            return redirect(f"{reverse('sales:appointments')}?day={day}&branch={branch.pk}")
    context = {
        "nav_key": "appointments",
        "customer": customer,
        "branch": branch,
        "branches": _branches(actor),
        "services": services,
        "staff": appointment_staff(branch=branch),
        "data": data,
        # Shown once: under the field it names, else at the top.
        "error": error if error and not set(error.extra) & {"customer", "service", "staff", "starts_at"} else None,
        "errors": error.extra if error else {},
        "change_customer": _booking_query(data),
        "default_time": book_at(timezone.localdate(), opening_hours(branch)),
        **(_customer_choices(actor, data) if customer is None else {}),
    }
    return render(request, "sales/appointment_form.html", context)


@staff_view("bookings.manage")
def appointment_customers(request: HttpRequest) -> HttpResponse:
    """The booking form's customer search, as you type: choices named `customer`."""
    context = _customer_choices(_actor(request), request.GET)
    return render(request, "sales/appointment_form.html#customer-choices", context)


def _local_time(value: str | None) -> dt.datetime | None:
    try:
        return timezone.make_aware(dt.datetime.fromisoformat(value or ""))
    except ValueError:
        return None


@require_POST
@staff_view("bookings.manage")
def appointment_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    actor = _actor(request)
    appointment = selectors.appointment_get(actor=actor, pk=pk)
    if action not in ("checkout", "cancel", "no_show"):
        raise NotFoundError(_("Unknown action."))
    try:
        if action == "checkout":
            order = bookings.appointment_checkout(
                actor=actor,
                appointment=appointment,
                payments=[
                    PaymentIn(
                        method=request.POST.get("method", "cash"),
                        amount=_amount(request.POST.get("amount"), _("Amount received")),
                    )
                ],
                voucher_code=request.POST.get("voucher_code", ""),
            )
            messages.success(request, _("Appointment %(number)s paid.") % {"number": order.number})
            return redirect("sales:order_detail", pk=order.pk)
        bookings.appointment_cancel(actor=actor, appointment=appointment, no_show=action == "no_show")
        done = (
            _("%(time)s %(customer)s did not come: recorded; the time is free again.")
            if action == "no_show"
            else _("%(time)s %(customer)s: appointment cancelled; the time is free again.")
        )
        customer = appointment.order.customer
        when = f"{timezone.localtime(appointment.starts_at):%H:%M}"
        messages.success(request, done % {"time": when, "customer": customer.name if customer else ""})
    except ApplicationError as failure:
        messages.error(request, failure.message)
    return redirect(
        f"{reverse('sales:appointments')}?day={timezone.localtime(appointment.starts_at).date().isoformat()}&branch={appointment.order.branch_id}"
    )
