"""Bookings ahead of time: taxi trips (booked -> assigned -> completed/cancelled, the fare
filled in on completion) and salon appointments (a service with a staff member in a slot,
checked out into a paid order)."""

import datetime as dt
import secrets
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from setia.accounts.models import Branch, User
from setia.accounts.selectors import branch_scope, require
from setia.catalog.models import Product
from setia.core.audit import audit_log
from setia.core.errors import ApplicationError
from setia.core.texts import Message
from setia.customers.models import Address, Customer
from setia.sales.models import Appointment, Driver, Order, Payment, Trip
from setia.sales.selectors.appointments import (
    APPOINTMENT_ROLES,
    BOOKING_AHEAD,
    BOOKING_PAST,
    OCCUPYING,
    appointment_staff,
    opening_hours,
    stylist_still_there,
    takes_appointments,
    team_can_take,
)
from setia.sales.services import checkout as checkout_service
from setia.sales.services.checkout import LineIn, PaymentIn

# A trip is completed once driven: from an hour before its pick-up (a driver early at the door) on.
# Completing it earlier would count tomorrow's fare as paid today.
COMPLETE_EARLY = dt.timedelta(hours=1)


# What a trip's texts may hold (its columns' lengths): longer is refused, never cut.
TRIP_TEXT_LIMITS: dict[str, int] = {
    name: getattr(Trip._meta.get_field(name), "max_length", None) or 0
    for name in ("pickup_text", "landmark", "destination", "driver_name", "vehicle")
}


def _aware(at: dt.datetime) -> dt.datetime:
    """A time given without its zone (an API client's "2026-12-02T17:00:00") is the business's
    local time."""
    return timezone.make_aware(at) if timezone.is_naive(at) else at


def _error(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, {field: [message]})


def _booking_time(at: dt.datetime, *, field: str, past: str, ahead: str) -> dt.datetime:
    """`at` as an aware time, or refused naming `field`: more than `BOOKING_PAST` back (`past`) or
    more than `BOOKING_AHEAD` ahead (`ahead`)."""
    at, now = _aware(at), timezone.now()
    if at < now - BOOKING_PAST:
        raise _error(field, past)
    if at > now + BOOKING_AHEAD:
        raise _error(field, ahead)
    return at


def _trip_text(value: str | None, field: str) -> str:
    """A trip's text field, trimmed, or refused naming `field` when longer than the trip keeps
    (it is never cut short: a cut address sends the car to the wrong door)."""
    text = (value or "").strip()
    limit = TRIP_TEXT_LIMITS[field]
    if len(text) > limit:
        label = {
            "pickup_text": _("the pick-up place"),
            "landmark": _("the landmark notes"),
            "destination": _("the destination"),
            "driver_name": _("the driver's name"),
            "vehicle": _("the number plate"),
        }[field]
        message = _("Shorten %(field)s to at most %(limit)s characters (%(count)s now).")
        raise _error(field, message % {"field": label, "count": len(text), "limit": limit})
    return text


def _when(at: dt.datetime) -> str:
    return date_format(timezone.localtime(at), "SHORT_DATETIME_FORMAT")


def _booking_order(
    *,
    actor: User,
    customer: Customer,
    branch: Branch,
    kind: str,
    channel: str,
    at: dt.datetime,
    address: Address | None = None,
) -> Order:
    if not branch_scope(actor).allows(branch.pk) or not branch.is_active:
        raise _error("branch", _("You cannot book for this branch."))
    if customer.merged_into_id or not branch_scope(actor).allows(customer.home_branch_id):
        raise _error("customer", _("Customer not found."))
    order = Order.objects.create(
        number=f"TMP-{secrets.token_hex(10)}",
        kind=kind,
        customer=customer,
        branch=branch,
        channel=channel,
        status=Order.Status.BOOKED,
        placed_at=at,
        business_date=timezone.localtime(at).date(),
        service_address=address,
        created_by=actor,
    )
    prefix = "TRIP" if kind == Order.Kind.TRIP else "APPT"
    order.number = f"{prefix}-{order.pk:07d}"
    order.save(update_fields=["number"])
    return order


# --- Taxi trips -------------------------------------------------------------------------------


@transaction.atomic
def trip_book(
    *,
    actor: User,
    customer: Customer,
    branch: Branch,
    pickup_at: dt.datetime | None,
    pickup_address: Address | None = None,
    pickup_text: str = "",
    landmark: str = "",
    destination: str = "",
) -> Trip:
    """Book a trip, from a saved address (`pickup_address`) or from another place typed
    (`pickup_text`), not both: with both (a saved address left chosen while another place was
    typed) nothing is guessed, the typed place is refused naming `pickup_text` — unless it is the
    address's own text. With a saved address, its text and landmark notes are copied onto the trip
    (a later edit of the address does not move a booked car) and the address is marked used.

    The pick-up may be up to an hour back (`BOOKING_PAST`: the caller who rang late, the car sent
    at once) and up to a year ahead (`BOOKING_AHEAD`); anything else (or none) is a slip of the
    date, refused naming `pickup_at`. Texts longer than the trip keeps are refused naming their
    field, never cut. Every field wrong is named at once; nothing is written then."""
    return _trip_book(
        actor=actor,
        customer=customer,
        branch=branch,
        pickup_at=pickup_at,
        pickup_address=pickup_address,
        pickup_text=pickup_text,
        landmark=landmark,
        destination=destination,
        one_place=True,
    )


def _trip_book(
    *,
    actor: User,
    customer: Customer,
    branch: Branch,
    pickup_at: dt.datetime | None,
    pickup_address: Address | None,
    pickup_text: str = "",
    landmark: str = "",
    destination: str = "",
    one_place: bool,
) -> Trip:
    """`trip_book`; without `one_place` a saved address may come with a text of its own: a
    repeated trip keeps the text its address had then, even if the address was edited since."""
    require(actor, "bookings.manage")
    errors: dict[str, list[str]] = {}
    if pickup_address is not None:
        if pickup_address.customer_id != customer.pk:
            raise _error("pickup_address", _("The address belongs to another customer."))
        typed = " ".join((pickup_text or "").split())
        if one_place and typed and typed != " ".join(str(pickup_address).split()):
            errors["pickup_text"] = [_("Choose a saved address or enter another place, not both.")]
        pickup_text = pickup_text or str(pickup_address)
        landmark = landmark or pickup_address.landmark
    texts: dict[str, str] = {}
    for field, value in (("pickup_text", pickup_text), ("landmark", landmark), ("destination", destination)):
        try:
            texts[field] = _trip_text(value, field)
        except ApplicationError as error:
            errors.setdefault(field, error.extra[field])
    if "pickup_text" not in errors and not texts["pickup_text"]:
        errors["pickup_text"] = [_("Enter the pick-up address.")]
    if pickup_at is None:
        errors["pickup_at"] = [_("Enter the pick-up time.")]
    else:
        try:
            pickup_at = _booking_time(
                pickup_at,
                field="pickup_at",
                past=_("The pick-up time is in the past."),
                ahead=_("The pick-up time is more than a year ahead: check the date."),
            )
        except ApplicationError as error:
            errors.update(error.extra)
    if errors or pickup_at is None:
        raise ApplicationError(next(iter(errors.values()))[0], errors)
    order = _booking_order(
        actor=actor,
        customer=customer,
        branch=branch,
        kind=Order.Kind.TRIP,
        channel=Order.Channel.PHONE,
        at=timezone.now(),
        address=pickup_address,
    )
    trip = Trip.objects.create(
        order=order,
        pickup_at=pickup_at,
        pickup_address=pickup_address,
        pickup_text=texts["pickup_text"],
        landmark=texts["landmark"],
        destination=texts["destination"],
    )
    if pickup_address is not None:
        Address.objects.filter(pk=pickup_address.pk).update(last_used_at=timezone.now())
    audit_log(
        actor=actor,
        action="create",
        instance=order,
        subject=customer,
        branch_id=branch.pk,
        changes={"pickup_text": [None, trip.pickup_text], "pickup_at": [None, pickup_at.isoformat()]},
        message=Message(gettext_noop("Trip booked")),
    )
    return trip


def last_trip(customer: Customer) -> Trip | None:
    """Her latest trip booked that was not cancelled: what "repeat last trip" books again (a
    booking called off — a wrong address, say — is not repeated)."""
    return (
        Trip.objects.select_related("order", "pickup_address")
        .filter(order__customer=customer)
        .exclude(status=Trip.Status.CANCELLED)
        .order_by("-order__placed_at", "-pk")
        .first()
    )


def open_trip(customer: Customer) -> Trip | None:
    """Her next trip not yet done (booked or assigned), if any: the caller card says so before
    another is booked."""
    return (
        Trip.objects.select_related("order")
        .filter(order__customer=customer, status__in=[Trip.Status.BOOKED, Trip.Status.ASSIGNED])
        .order_by("pickup_at", "pk")
        .first()
    )


@transaction.atomic
def trip_repeat_last(*, actor: User, customer: Customer, branch: Branch, pickup_at: dt.datetime | None = None) -> Trip:
    """One click from the caller card: the last trip's pick-up (or the most recently used
    address when there was no trip yet), picked up now."""
    previous = last_trip(customer)
    pickup_at = pickup_at or timezone.now() + dt.timedelta(minutes=10)
    if previous is not None:
        return _trip_book(
            one_place=False,
            actor=actor,
            customer=customer,
            branch=branch,
            pickup_at=pickup_at,
            pickup_address=previous.pickup_address
            if previous.pickup_address and previous.pickup_address.customer_id == customer.pk
            else None,
            pickup_text=previous.pickup_text,
            landmark=previous.landmark,
            destination=previous.destination,
        )
    address = customer.addresses.order_by("-last_used_at", "-created_at").first()
    if address is None:
        raise _error(
            "pickup_text",
            _("%(name)s has no trip or address yet: enter the pick-up address.") % {"name": customer.name},
        )
    return trip_book(actor=actor, customer=customer, branch=branch, pickup_at=pickup_at, pickup_address=address)


def _locked_trip(actor: User, trip: Trip) -> Trip:
    require(actor, "bookings.manage")
    locked = (
        Trip.objects.select_for_update(of=("self",))
        .select_related("order", "order__customer", "order__branch")
        .get(pk=trip.pk)
    )
    if not branch_scope(actor).allows(locked.order.branch_id):
        raise ApplicationError(_("Trip not found."))
    return locked


@transaction.atomic
def trip_assign(
    *, actor: User, trip: Trip, driver_id: int | None = None, driver_name: str = "", vehicle: str = ""
) -> Trip:
    """Send a driver from the list (`driver_id`): an active driver of the trip's branch, her name
    and plate copied onto the trip as assigned. A name without an id (the API, a branch without a
    driver list yet) is matched against the branch's list; where the branch has drivers, a name not
    on it is refused. A name sent with an id must be that driver's (else which one was meant is not
    guessed: refused naming `driver_name`). A `vehicle` given is the plate she drives today (her
    own car in the garage), else her listed plate. A booked trip is assigned, an assigned one
    reassigned. A driver busy on another trip then is still allowed: the dispatcher may know
    better (the trip board says so)."""
    trip = _locked_trip(actor, trip)
    if trip.status not in (Trip.Status.BOOKED, Trip.Status.ASSIGNED):
        raise _error("status", _("Only booked or assigned trips can be assigned."))
    branch = trip.order.branch
    listed = Driver.objects.filter(branch=branch, is_active=True)
    typed_name = _trip_text(" ".join((driver_name or "").split()), "driver_name")
    typed_plate = _trip_text(" ".join((vehicle or "").split()), "vehicle")
    driver: Driver | None
    if driver_id is not None:
        driver = Driver.objects.select_related("branch").filter(pk=driver_id).first()
        if driver is None or not driver.is_active:
            raise _error("driver", _("Choose an active driver from the list."))
        if driver.branch_id != branch.pk:
            raise _error(
                "driver",
                _("%(driver)s drives for %(home)s, not for %(branch)s.")
                % {"driver": driver.name, "home": driver.branch.name, "branch": branch.name},
            )
        if typed_name and typed_name.casefold() != driver.name.casefold():
            raise _error(
                "driver_name",
                _("The driver chosen is %(driver)s, not %(name)s: send one of them.")
                % {"driver": driver.name, "name": typed_name},
            )
        name, plate = driver.name, typed_plate or driver.vehicle_plate
    else:
        name = typed_name
        if not name:
            raise _error("driver", _("Choose the driver."))
        matches = list(listed.filter(name__iexact=name)[:2])
        driver = matches[0] if len(matches) == 1 else None
        if driver is None and listed.exists():
            raise _error(
                "driver_name",
                _("%(name)s is not on the driver list of %(branch)s.") % {"name": name, "branch": branch.name},
            )
        if driver is not None:
            name, plate = driver.name, typed_plate or driver.vehicle_plate
        else:
            plate = typed_plate
    before = {"driver": trip.driver_id, "driver_name": trip.driver_name, "vehicle": trip.vehicle}
    trip.driver = driver
    trip.driver_name, trip.vehicle = name, plate
    trip.status, trip.assigned_at = Trip.Status.ASSIGNED, timezone.now()
    trip.save()
    after = {"driver": trip.driver_id, "driver_name": trip.driver_name, "vehicle": trip.vehicle}
    audit_log(
        actor=actor,
        action="update",
        instance=trip.order,
        subject=trip.order.customer,
        branch_id=trip.order.branch_id,
        changes={key: [before[key], after[key]] for key in after if before[key] != after[key]},
        message=Message(gettext_noop("Trip assigned")),
    )
    return trip


@transaction.atomic
def trip_complete(*, actor: User, trip: Trip, fare: int, method: str = Payment.Method.CASH) -> Trip:
    """The trip is done: its fare becomes the order's one line and payment (`method`: one of the
    cashier's money methods), and earns as a sale. Not before it is driven: a trip whose pick-up is
    more than `COMPLETE_EARLY` (an hour) away is refused naming `pickup_at` (tomorrow's fare is not
    paid today)."""
    trip = _locked_trip(actor, trip)
    if trip.status == Trip.Status.COMPLETED:
        raise _error("status", _("This trip is already completed."))
    if trip.status == Trip.Status.CANCELLED:
        raise _error("status", _("This trip was cancelled."))
    if trip.status != Trip.Status.ASSIGNED:
        raise _error("status", _("Assign a driver before completing the trip."))
    if trip.pickup_at > timezone.now() + COMPLETE_EARLY:
        message = _("The pick-up is at %(time)s: complete the trip once it has been driven.")
        raise _error("pickup_at", message % {"time": _when(trip.pickup_at)})
    if not isinstance(fare, int) or fare <= 0:
        raise _error("fare", _("Enter the fare (more than zero)."))
    if fare > checkout_service.MAX_PRICE:
        raise _error("fare", _("The fare is too large."))
    if method not in checkout_service.MONEY_METHODS:
        raise _error("method", _("Choose how the fare was paid."))
    order = trip.order
    if trip.destination:
        description = _("Trip: %(from)s → %(to)s") % {"from": trip.pickup_text[:80], "to": trip.destination[:80]}
    else:
        description = _("Trip from %(from)s") % {"from": trip.pickup_text[:80]}
    order.status = Order.Status.FULFILLED
    order.placed_at = timezone.now()
    order.business_date = timezone.localdate()
    order.save(update_fields=["status", "placed_at", "business_date"])
    lines = [LineIn(quantity=1, unit_price=fare, description=description)]
    # The fare is the meter's price; a member pays it less her tier's discount, exactly (the
    # driver hands back no change on money he was never given).
    priced = checkout_service.quote(branch=order.branch, customer=order.customer, lines=lines, exact_method=method)
    payment = checkout_service.exact_payment(priced, method)
    checkout_service.complete_booking(actor=actor, order=order, lines=lines, payments=[payment])
    trip.fare, trip.status, trip.completed_at = fare, Trip.Status.COMPLETED, timezone.now()
    trip.save()
    return trip


@transaction.atomic
def trip_cancel(*, actor: User, trip: Trip, reason: str = "") -> Trip:
    trip = _locked_trip(actor, trip)
    if trip.status not in (Trip.Status.BOOKED, Trip.Status.ASSIGNED):
        raise _error("status", _("Only a trip not yet completed can be cancelled."))
    trip.status = Trip.Status.CANCELLED
    trip.save(update_fields=["status"])
    Order.objects.filter(pk=trip.order_id).update(status=Order.Status.CANCELLED, note=reason[:255])
    audit_log(
        actor=actor,
        action="update",
        instance=trip.order,
        subject=trip.order.customer,
        branch_id=trip.order.branch_id,
        changes={"status": ["booked", "cancelled"]},
        message=reason or Message(gettext_noop("Trip cancelled")),
    )
    return trip


# --- Salon appointments -------------------------------------------------------------------------


@transaction.atomic
def appointment_book(
    *,
    actor: User,
    customer: Customer | None,
    branch: Branch,
    service: Product | None,
    starts_at: dt.datetime | None,
    staff: User | None = None,
) -> Appointment:
    """Book `service` for `customer` at `starts_at` with `staff` (None: any staff member). Each of
    customer, service and time left out is named, all at once; nothing is written then. The time
    may be up to an hour back and up to a year ahead (`BOOKING_PAST`, `BOOKING_AHEAD`), within the
    branch's opening hours."""
    require(actor, "bookings.manage")
    if customer is None or service is None or starts_at is None:
        missing = {
            field: [message]
            for field, message, value in (
                ("customer", _("Choose the customer."), customer),
                ("service", _("Choose the service."), service),
                ("starts_at", _("Enter the time."), starts_at),
            )
            if value is None
        }
        raise ApplicationError(next(iter(missing.values()))[0], missing)
    if service.kind != Product.Kind.SERVICE or not service.is_active:
        raise _error("service", _("Choose an active service."))
    if not service.all_branches and not service.branches.filter(pk=branch.pk).exists():
        raise _error(
            "service", _("%(service)s is not offered at %(branch)s.") % {"service": service.name, "branch": branch.name}
        )
    starts_at = _booking_time(
        starts_at,
        field="starts_at",
        past=_("The appointment time is in the past."),
        ahead=_("The appointment time is more than a year ahead: check the date."),
    )
    hours, local = opening_hours(branch), timezone.localtime(starts_at)
    if not hours.open_on(local.date()):
        message = _("%(branch)s is closed on %(weekday)s: choose another day.")
        raise _error("starts_at", message % {"branch": branch.name, "weekday": WEEKDAYS[local.weekday()]})
    if not hours.opens <= local.time() < hours.closes:
        message = _("Opening hours are %(opens)s to %(closes)s: choose a time within them.")
        times = {"opens": hours.opens.strftime("%H:%M"), "closes": hours.closes.strftime("%H:%M")}
        raise _error("starts_at", message % times)
    ends_at = starts_at + dt.timedelta(minutes=service.duration_minutes or 60)
    if staff is not None:
        if staff.branch_id != branch.pk and staff.role in APPOINTMENT_ROLES:
            raise _error("staff", _("%(staff)s does not work at %(branch)s.") % {"staff": staff, "branch": branch.name})
        if not takes_appointments(staff, branch):
            name = staff.get_full_name() or staff.username
            raise _error("staff", _("%(staff)s does not take appointments.") % {"staff": name})
    # Lock the rows of the staff who take appointments here (in one order), so two receptionists
    # cannot book the same staff member, nor the last free one with "any staff", at once.
    team = list(
        User.objects.select_for_update()
        .filter(pk__in=appointment_staff(branch=branch).values("pk"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if staff is not None:
        clash = Appointment.objects.filter(
            staff=staff, status__in=OCCUPYING, starts_at__lt=ends_at, ends_at__gt=starts_at
        ).exists()
        if clash:
            raise _error("starts_at", _("%(staff)s already has an appointment at that time.") % {"staff": staff})
    if team and not team_can_take(
        branch=branch, team=team, start=starts_at, end=ends_at, staff_id=staff.pk if staff else None
    ):
        # Each appointment booked with any staff member needs one of them free for its whole time.
        # A branch with nobody who takes appointments books "any staff" freely.
        message = _(
            "Nobody is free for the whole time from %(start)s to %(end)s: every staff member has an appointment "
            "then, those booked with any staff member included. Choose another time or a shorter service."
        )
        times = {"start": f"{timezone.localtime(starts_at):%H:%M}", "end": f"{timezone.localtime(ends_at):%H:%M}"}
        raise _error("starts_at", message % times)
    order = _booking_order(
        actor=actor,
        customer=customer,
        branch=branch,
        kind=Order.Kind.APPOINTMENT,
        channel=Order.Channel.OUTLET,
        at=timezone.now(),
    )
    appointment = Appointment.objects.create(
        order=order, service=service, staff=staff, starts_at=starts_at, ends_at=ends_at
    )
    audit_log(
        actor=actor,
        action="create",
        instance=order,
        subject=customer,
        branch_id=branch.pk,
        changes={"service": [None, service.name], "starts_at": [None, starts_at.isoformat()]},
        message=Message(gettext_noop("Appointment booked")),
    )
    return appointment


@transaction.atomic
def appointment_checkout(
    *,
    actor: User,
    appointment: Appointment,
    payments: list[PaymentIn],
    extra_lines: list[LineIn] | None = None,
    voucher_code: str = "",
    points: int = 0,
    cashback: int = 0,
    lines: list[LineIn] | None = None,
) -> Order:
    """The customer leaves: the service (and anything else she takes) is paid and earns.
    `lines` (the cashier screen's sale): the whole sale, which must hold the appointment's
    service; otherwise the service with `extra_lines`."""
    require(actor, "orders.create")
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("order", "order__customer", "order__branch", "service")
        .get(pk=appointment.pk)
    )
    if not branch_scope(actor).allows(appointment.order.branch_id):
        raise ApplicationError(_("Appointment not found."))
    if appointment.status != Appointment.Status.BOOKED:
        raise _error("status", _("This appointment is already closed."))
    if lines is None:
        problem = appointment_checkout_problem(appointment)
        if problem is not None:
            raise _error(*problem)
        service = LineIn(product_id=appointment.service_id, quantity=1, staff_id=appointment.staff_id)
        lines = [service, *(extra_lines or [])]
    elif not any(line.product_id == appointment.service_id for line in lines):
        message = _("Keep %(service)s in the sale: it is the appointment's service.")
        raise _error("lines", message % {"service": appointment.service.name})
    order = appointment.order
    order.status = Order.Status.FULFILLED
    order.placed_at = timezone.now()
    order.business_date = timezone.localdate()
    order.save(update_fields=["status", "placed_at", "business_date"])
    checkout_service.complete_booking(
        actor=actor,
        order=order,
        lines=lines,
        payments=payments,
        voucher_code=voucher_code,
        points=points,
        cashback=cashback,
    )
    appointment.status = Appointment.Status.COMPLETED
    appointment.save(update_fields=["status"])
    return order


def appointment_checkout_problem(appointment: Appointment) -> tuple[str, str] | None:
    """Why the appointment cannot be checked out as booked — its service switched off or no longer
    offered at the branch, its staff member gone from the branch since the booking — as (field,
    message); None when it can. The cashier screen can still check out the last case, with who
    served the service chosen again."""
    service, branch = appointment.service, appointment.order.branch
    if not service.is_active:
        message = _(
            "%(service)s was switched off in the catalogue after this booking: switch it on again to check "
            "out, or cancel the appointment."
        )
        return "service", message % {"service": service.name}
    if not service.all_branches and not service.branches.filter(pk=branch.pk).exists():
        message = _(
            "%(service)s is no longer offered at %(branch)s: offer it there again in the catalogue to check "
            "out, or cancel the appointment."
        )
        return "service", message % {"service": service.name, "branch": branch.name}
    staff = appointment.staff
    if staff is not None and stylist_still_there(appointment) is None:
        message = _(
            "%(staff)s no longer works at %(branch)s: check out on the cashier screen and choose who served "
            "%(service)s."
        )
        name = staff.get_full_name() or staff.username
        return "staff", message % {"staff": name, "branch": branch.name, "service": service.name}
    return None


def till_can_check_out(problem: tuple[str, str] | None) -> bool:
    """Whether the cashier screen can check out an appointment with `problem`
    (`appointment_checkout_problem`): only a stylist gone from the branch is settled there, by
    choosing who served; a service switched off or no longer offered would be refused there too."""
    return problem is None or problem[0] == "staff"


def bookings_left_at(branch: Branch) -> str:
    """What stands in the way of closing `branch`: its appointments still booked and its trips not
    completed or cancelled (they would drop out of every calendar and list of open branches), as
    the sentence to show; "" when there are none."""
    appointments = Appointment.objects.filter(order__branch=branch, status=Appointment.Status.BOOKED)
    trips = Trip.objects.filter(order__branch=branch, status__in=(Trip.Status.BOOKED, Trip.Status.ASSIGNED))
    counted = [
        (found.count(), found.order_by(at).values_list(at, flat=True).first())
        for found, at in ((appointments, "starts_at"), (trips, "pickup_at"))
    ]
    (open_appointments, first_appointment), (open_trips, first_trip) = counted
    if not open_appointments and not open_trips:
        return ""
    parts = []
    if open_appointments:
        parts.append(
            ngettext("%(count)s booked appointment", "%(count)s booked appointments", open_appointments)
            % {"count": open_appointments}
        )
    if open_trips:
        parts.append(ngettext("%(count)s open trip", "%(count)s open trips", open_trips) % {"count": open_trips})
    what = parts[0] if len(parts) == 1 else _("%(first)s and %(second)s") % {"first": parts[0], "second": parts[1]}
    first = min(at for at in (first_appointment, first_trip) if at is not None)
    message = _(
        "%(branch)s still has %(what)s (the first on %(first)s): check them out, complete or cancel them "
        "before closing it."
    )
    return message % {"branch": branch.name, "what": what, "first": _when(first)}


def appointment_amounts_due(appointments: list[Appointment]) -> dict[int, tuple[int, Decimal]]:
    """For each booked appointment that can be checked out as booked (`appointment_checkout_problem`):
    (what the customer pays for the service today, the member discount % in it), priced as the
    checkout will price it (her tier's discount, promotions), so the calendar's quick check-out
    asks for the right amount."""
    due: dict[int, tuple[int, Decimal]] = {}
    for appointment in appointments:
        if appointment.status != Appointment.Status.BOOKED or appointment_checkout_problem(appointment):
            continue
        priced = checkout_service.quote(
            branch=appointment.order.branch,
            customer=appointment.order.customer,
            lines=[LineIn(product_id=appointment.service_id, quantity=1, staff_id=appointment.staff_id)],
        )
        due[appointment.pk] = (priced.due, priced.member_discount_percent)
    return due


@transaction.atomic
def appointment_cancel(*, actor: User, appointment: Appointment, no_show: bool = False) -> Appointment:
    require(actor, "bookings.manage")
    appointment = Appointment.objects.select_for_update(of=("self",)).select_related("order").get(pk=appointment.pk)
    if not branch_scope(actor).allows(appointment.order.branch_id):
        raise ApplicationError(_("Appointment not found."))
    if appointment.status != Appointment.Status.BOOKED:
        raise _error("status", _("This appointment is already closed."))
    if no_show and not appointment.started:
        message = _(
            "The appointment is at %(time)s: whether the customer came is known from then on. To call it off "
            "before, cancel it."
        )
        raise _error("no_show", message % {"time": _when(appointment.starts_at)})
    appointment.status = Appointment.Status.NO_SHOW if no_show else Appointment.Status.CANCELLED
    appointment.save(update_fields=["status"])
    Order.objects.filter(pk=appointment.order_id).update(status=Order.Status.CANCELLED)
    audit_log(
        actor=actor,
        action="update",
        instance=appointment.order,
        subject=appointment.order.customer,
        branch_id=appointment.order.branch_id,
        changes={"status": ["booked", appointment.status]},
    )
    return appointment
