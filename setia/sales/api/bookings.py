"""Bookings over the API, for a taxi dispatch app or a salon's booking site: trips (book, list,
read, assign a driver, complete with the fare, cancel) and appointments (book, list, read, cancel
or mark a no-show, check out). The same services as the trip board and the appointment calendar,
with the same capability (`bookings.manage`); the lists run in the order things happen, earliest
first, keyset paged."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.responses import Status

from setia.accounts.selectors import require
from setia.catalog.models import Product
from setia.core.errors import ApplicationError, NotFoundError, field_not_found
from setia.core.pagination import api_page
from setia.core.schemas import ERRORS
from setia.customers.models import Address
from setia.customers.selectors import customer_get
from setia.sales import selectors
from setia.sales.api.orders import _actor, _branch, order_out
from setia.sales.models import Appointment, Trip
from setia.sales.schemas import OrderOut, TripAssignIn, TripCompleteIn, TripIn, TripOut
from setia.sales.schemas.bookings import (
    AppointmentCancelIn,
    AppointmentCheckoutIn,
    AppointmentIn,
    AppointmentOut,
    AppointmentPage,
    TripCancelIn,
    TripPage,
)
from setia.sales.selectors import bookings as booking_selectors
from setia.sales.services import bookings, checkout

router = Router(tags=["bookings"])

PAGE_SIZE = 100

# The pick-up (or start) days a list is limited to: business-local dates, both included.
DATE_FROM = Query(None, alias="from", description="First day (business-local date, e.g. 2026-12-24), included")
DATE_TO = Query(None, alias="to", description="Last day (business-local date), included")


def _status(value: str, choices: list[str]) -> str:
    """A status filter, refused naming the field when it is none of `choices` (an empty list would
    read as "none of them")."""
    if value and value not in choices:
        message = _("Choose one of: %(choices)s.") % {"choices": ", ".join(choices)}
        raise ApplicationError(f"status: {message}", {"status": [message]})
    return value


def _days(date_from: dt.date | None, date_to: dt.date | None) -> None:
    if date_from is not None and date_to is not None and date_to < date_from:
        message = _("Enter a day on or after the first day, %(first)s.") % {"first": date_from.isoformat()}
        raise ApplicationError(f"to: {message}", {"to": [message]})


# --- Taxi trips ----------------------------------------------------------------------------------


def trip_out(trip: Trip) -> dict[str, Any]:
    return {
        "id": trip.pk,
        "order_id": trip.order_id,
        "number": trip.order.number,
        "customer_id": trip.order.customer_id,
        "branch_id": trip.order.branch_id,
        "status": trip.status,
        "pickup_at": trip.pickup_at.astimezone(dt.UTC),  # as every time the API gives: UTC
        "pickup_text": trip.pickup_text,
        "landmark": trip.landmark,
        "destination": trip.destination,
        "driver_id": trip.driver_id,
        "driver_name": trip.driver_name,
        "vehicle": trip.vehicle,
        "fare": trip.fare,
        # `trip_cancel` keeps the reason as the order's note.
        "cancel_reason": trip.order.note if trip.status == Trip.Status.CANCELLED else "",
    }


@router.post("/trips", response={201: TripOut, **ERRORS}, summary="Book a taxi trip")
def create_trip(request: HttpRequest, payload: TripIn) -> Status[dict[str, Any]]:
    actor = _actor(request)
    try:
        customer = customer_get(actor=actor, pk=payload.customer_id)
    except NotFoundError as error:  # a reference in the body: named at its field, as elsewhere
        raise field_not_found("customer_id") from error
    address = None
    if payload.pickup_address_id is not None:
        address = Address.objects.filter(pk=payload.pickup_address_id, customer=customer).first()
        if address is None:
            raise field_not_found("pickup_address_id")
    trip = bookings.trip_book(
        actor=actor,
        customer=customer,
        branch=_branch(payload.branch_id),
        pickup_at=payload.pickup_at,
        pickup_address=address,
        pickup_text=payload.pickup_text,
        landmark=payload.landmark,
        destination=payload.destination,
    )
    return Status(201, trip_out(trip))


@router.get(
    "/trips", response={200: TripPage, **ERRORS}, summary="Trips, earliest pick-up first (keyset paged, 100 a page)"
)
def list_trips(
    request: HttpRequest,
    status: str = "",
    driver_id: int | None = None,
    customer_id: int | None = None,
    branch_id: int | None = None,
    date_from: dt.date | None = DATE_FROM,
    date_to: dt.date | None = DATE_TO,
    after: str = "",
) -> dict[str, Any]:
    _days(date_from, date_to)
    trips = booking_selectors.trip_list(
        actor=_actor(request),
        status=_status(status, Trip.Status.values),
        driver_id=driver_id,
        customer_id=customer_id,
        branch_id=branch_id,
        date_from=date_from,
        date_to=date_to,
    )
    page = api_page(trips, order=booking_selectors.TRIP_ORDER, cursor=after, size=PAGE_SIZE)
    return {"items": [trip_out(trip) for trip in page.rows], "next_cursor": page.next_cursor}


@router.get("/trips/{trip_id}", response={200: TripOut, **ERRORS}, summary="One trip")
def get_trip(request: HttpRequest, trip_id: int) -> dict[str, Any]:
    return trip_out(booking_selectors.trip_get(actor=_actor(request), pk=trip_id))


@router.post("/trips/{trip_id}/assign", response={200: TripOut, **ERRORS}, summary="Assign a driver")
def assign_trip(request: HttpRequest, trip_id: int, payload: TripAssignIn) -> dict[str, Any]:
    actor = _actor(request)
    trip = bookings.trip_assign(actor=actor, trip=booking_selectors.trip_get(actor=actor, pk=trip_id), **payload.dict())
    return trip_out(trip)


@router.post("/trips/{trip_id}/complete", response={200: TripOut, **ERRORS}, summary="Complete a trip with its fare")
def complete_trip(request: HttpRequest, trip_id: int, payload: TripCompleteIn) -> dict[str, Any]:
    actor = _actor(request)
    trip = bookings.trip_complete(
        actor=actor, trip=booking_selectors.trip_get(actor=actor, pk=trip_id), **payload.dict()
    )
    return trip_out(trip)


@router.post("/trips/{trip_id}/cancel", response={200: TripOut, **ERRORS}, summary="Cancel a trip not yet completed")
def cancel_trip(request: HttpRequest, trip_id: int, payload: TripCancelIn) -> dict[str, Any]:
    actor = _actor(request)
    trip = bookings.trip_cancel(
        actor=actor, trip=booking_selectors.trip_get(actor=actor, pk=trip_id), reason=payload.reason.strip()
    )
    return trip_out(booking_selectors.trip_get(actor=actor, pk=trip.pk))  # the order as cancelled, with its note


# --- Salon appointments --------------------------------------------------------------------------


def appointment_out(appointment: Appointment) -> dict[str, Any]:
    order, staff = appointment.order, appointment.staff
    return {
        "id": appointment.pk,
        "order_id": appointment.order_id,
        "number": order.number,
        "customer_id": order.customer_id,
        "branch_id": order.branch_id,
        "status": appointment.status,
        "service_id": appointment.service_id,
        "service_name": appointment.service.name,
        "staff_id": appointment.staff_id,
        "staff_name": (staff.get_full_name() or staff.username) if staff is not None else "",
        "starts_at": appointment.starts_at.astimezone(dt.UTC),
        "ends_at": appointment.ends_at.astimezone(dt.UTC),
        "total": order.total if appointment.status == Appointment.Status.COMPLETED else None,
    }


@router.post("/appointments", response={201: AppointmentOut, **ERRORS}, summary="Book a salon appointment")
def create_appointment(request: HttpRequest, payload: AppointmentIn) -> Status[dict[str, Any]]:
    actor = _actor(request)
    # Refused for want of the capability before the body's references are looked up.
    require(actor, "bookings.manage")
    try:
        customer = customer_get(actor=actor, pk=payload.customer_id)
    except NotFoundError as error:
        raise field_not_found("customer_id") from error
    branch = _branch(payload.branch_id)
    service = Product.objects.filter(pk=payload.service_id).first()
    if service is None:
        raise field_not_found("service_id")
    staff = None
    if payload.staff_id is not None:
        staff = booking_selectors.staff_in_scope(actor=actor, pk=payload.staff_id)
        if staff is None:
            raise field_not_found("staff_id")
    try:
        appointment = bookings.appointment_book(
            actor=actor, customer=customer, branch=branch, service=service, starts_at=payload.starts_at, staff=staff
        )
    except ApplicationError as error:
        # The service names the catalogue's product `service`; the body names it by its id.
        error.extra = {("service_id" if key == "service" else key): value for key, value in error.extra.items()}
        raise
    return Status(201, appointment_out(appointment))  # its order, service and staff as just written


@router.get(
    "/appointments",
    response={200: AppointmentPage, **ERRORS},
    summary="Appointments, earliest first (keyset paged, 100 a page)",
)
def list_appointments(
    request: HttpRequest,
    status: str = "",
    staff_id: int | None = None,
    customer_id: int | None = None,
    branch_id: int | None = None,
    date_from: dt.date | None = DATE_FROM,
    date_to: dt.date | None = DATE_TO,
    after: str = "",
) -> dict[str, Any]:
    _days(date_from, date_to)
    appointments = booking_selectors.appointment_list(
        actor=_actor(request),
        status=_status(status, Appointment.Status.values),
        staff_id=staff_id,
        customer_id=customer_id,
        branch_id=branch_id,
        date_from=date_from,
        date_to=date_to,
    )
    page = api_page(appointments, order=booking_selectors.APPOINTMENT_ORDER, cursor=after, size=PAGE_SIZE)
    return {"items": [appointment_out(a) for a in page.rows], "next_cursor": page.next_cursor}


@router.get("/appointments/{appointment_id}", response={200: AppointmentOut, **ERRORS}, summary="One appointment")
def get_appointment(request: HttpRequest, appointment_id: int) -> dict[str, Any]:
    return appointment_out(booking_selectors.appointment_get(actor=_actor(request), pk=appointment_id))


@router.post(
    "/appointments/{appointment_id}/cancel",
    response={200: AppointmentOut, **ERRORS},
    summary="Cancel a booked appointment, or record that she did not come",
)
def cancel_appointment(request: HttpRequest, appointment_id: int, payload: AppointmentCancelIn) -> dict[str, Any]:
    actor = _actor(request)
    appointment = booking_selectors.appointment_get(actor=actor, pk=appointment_id)
    bookings.appointment_cancel(actor=actor, appointment=appointment, no_show=payload.no_show)
    return appointment_out(booking_selectors.appointment_get(actor=actor, pk=appointment_id))


@router.post(
    "/appointments/{appointment_id}/checkout",
    response={200: OrderOut, **ERRORS},
    summary="Check out a booked appointment: its service is paid (like POST /orders/{id}/pay) and earns",
)
def checkout_appointment(request: HttpRequest, appointment_id: int, payload: AppointmentCheckoutIn) -> dict[str, Any]:
    actor = _actor(request)
    order = bookings.appointment_checkout(
        actor=actor,
        appointment=booking_selectors.appointment_get(actor=actor, pk=appointment_id),
        payments=[checkout.PaymentIn(**payment.dict()) for payment in payload.payments],
        voucher_code=payload.voucher_code,
        points=payload.points,
        cashback=payload.cashback,
    )
    return order_out(selectors.order_get(actor=actor, pk=order.pk))
