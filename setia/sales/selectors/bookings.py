"""Reads of bookings for whoever manages them (the trip board's and the appointment calendar's
capability, `bookings.manage`): trips and appointments in the actor's branches, filtered, in the
order they happen (earliest first, as the board and the calendar show them)."""

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from setia.accounts.models import Branch, User
from setia.accounts.selectors import branch_scope, require
from setia.core.errors import NotFoundError, field_not_found
from setia.sales.models import Appointment, Trip

# Keyset order of the lists: by the booked time, the id breaking ties.
TRIP_ORDER = ("pickup_at", "id")
APPOINTMENT_ORDER = ("starts_at", "id")


def _day_start(day: dt.date) -> dt.datetime | None:
    """The start of a business-local day, or None for a day at the very ends of the calendar
    (0001-01-01, 9999-12-31) whose start cannot be stored in UTC: there is no bound at that end."""
    try:
        start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
        start.astimezone(dt.UTC)
    except OverflowError:
        return None
    return start


def _on_days(queryset: QuerySet[Any], field: str, first: dt.date | None, last: dt.date | None) -> QuerySet[Any]:
    """`queryset` with `field` on the business-local days `first`..`last` (both included)."""
    if first is not None and (start := _day_start(first)) is not None:
        queryset = queryset.filter(**{f"{field}__gte": start})
    if last is not None and last < dt.date.max and (end := _day_start(last + dt.timedelta(days=1))) is not None:
        queryset = queryset.filter(**{f"{field}__lt": end})
    return queryset


def visible_trips(actor: User) -> QuerySet[Trip]:
    require(actor, "bookings.manage")
    return branch_scope(actor).filter(Trip.objects.select_related("order"), field="order__branch")


def _filtered(
    bookings: QuerySet[Any],
    *,
    status: str,
    person: tuple[str, int | None],
    customer_id: int | None,
    branch_id: int | None,
    when: str,
    date_from: dt.date | None,
    date_to: dt.date | None,
    order: tuple[str, str],
) -> QuerySet[Any]:
    """A list's filters, the same for trips and appointments: `person` is who serves (the driver,
    the stylist) as (field, id); `when` the booked time's field, bounded by local days."""
    if status:
        bookings = bookings.filter(status=status)
    field, person_id = person
    if person_id is not None:
        bookings = bookings.filter(**{field: person_id})
    if customer_id is not None:
        bookings = bookings.filter(order__customer_id=customer_id)
    if branch_id is not None:
        bookings = bookings.filter(order__branch_id=branch_id)
    return _on_days(bookings, when, date_from, date_to).order_by(*order)


def _branch_seen(actor: User, branch_id: int | None) -> None:
    """A branch filter naming a branch that does not exist or that the actor may not see is refused
    at its field (as the members list does), not answered with an empty list."""
    if branch_id is not None and (
        not branch_scope(actor).allows(branch_id) or not Branch.objects.filter(pk=branch_id).exists()
    ):
        raise field_not_found("branch_id")


def trip_list(
    *,
    actor: User,
    status: str = "",
    driver_id: int | None = None,
    customer_id: int | None = None,
    branch_id: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[Trip]:
    """Trips of the actor's branches; `date_from`/`date_to` bound the pick-up's local day."""
    trips = visible_trips(actor)
    _branch_seen(actor, branch_id)
    return _filtered(
        trips,
        status=status,
        person=("driver_id", driver_id),
        customer_id=customer_id,
        branch_id=branch_id,
        when="pickup_at",
        date_from=date_from,
        date_to=date_to,
        order=TRIP_ORDER,
    )


def trip_get(*, actor: User, pk: int) -> Trip:
    trip = visible_trips(actor).filter(pk=pk).first()
    if trip is None:
        raise NotFoundError(_("Trip not found."))
    return trip


def visible_appointments(actor: User) -> QuerySet[Appointment]:
    require(actor, "bookings.manage")
    appointments = Appointment.objects.select_related("order", "service", "staff")
    return branch_scope(actor).filter(appointments, field="order__branch")


def appointment_list(
    *,
    actor: User,
    status: str = "",
    staff_id: int | None = None,
    customer_id: int | None = None,
    branch_id: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[Appointment]:
    """Appointments of the actor's branches; `date_from`/`date_to` bound the start's local day."""
    appointments = visible_appointments(actor)
    _branch_seen(actor, branch_id)
    return _filtered(
        appointments,
        status=status,
        person=("staff_id", staff_id),
        customer_id=customer_id,
        branch_id=branch_id,
        when="starts_at",
        date_from=date_from,
        date_to=date_to,
        order=APPOINTMENT_ORDER,
    )


def appointment_get(*, actor: User, pk: int) -> Appointment:
    appointment = visible_appointments(actor).filter(pk=pk).first()
    if appointment is None:
        raise NotFoundError(_("Appointment not found."))
    return appointment


def staff_in_scope(*, actor: User, pk: int) -> User | None:
    """A member of staff the actor may name on a booking: one of the branches the actor sees
    (anyone for an owner). Whether she takes appointments there is the booking's rule."""
    return branch_scope(actor).filter(User.objects.filter(pk=pk), field="branch").first()
