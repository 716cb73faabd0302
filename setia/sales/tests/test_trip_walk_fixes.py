"""What a walk through the taxi story found, fixed: the trip form's pick-up is a saved address or
another place (never both, silently one of them), days and booking times out of range are refused
or fall back to today (never a 500), texts too long are refused naming their field (never cut),
the board reads a fare as people type it and asks how it was paid, a trip is completed once driven,
assigning says what can be assigned and never ignores a driver's name that disagrees, and a driver
with trips still to drive is not deactivated. Every refusal changes nothing."""

import datetime as dt
import html
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from setia.accounts.services import api_key_create
from setia.conftest import Business, client_for
from setia.core.errors import ApplicationError
from setia.core.models import AuditEvent
from setia.customers.models import Address, Customer
from setia.sales.models import Appointment, Driver, Order, Payment, Trip
from setia.sales.services import bookings
from setia.sales.services.drivers import driver_create, driver_set_active

pytestmark = pytest.mark.django_db


def _web(business: Business) -> Client:
    web = client_for(business.cashier_a)
    web.cookies["django_language"] = "en"
    return web


def _api(business: Business) -> Client:
    _record, key = api_key_create(actor=business.cashier_a, name="dispatch")
    client = Client(headers={"Authorization": f"Bearer {key}"})
    client.cookies["django_language"] = "en"
    return client


def _page(response: object) -> str:
    return html.unescape(response.content.decode())  # type: ignore[attr-defined]


def _driver(business: Business, name: str = "Pak Joko", plate: str = "B 1234 XYZ") -> Driver:
    return driver_create(
        actor=business.owner, name=name, phone="0812-3456-7890", vehicle_plate=plate, branch=business.branch_a
    )


def _trip(business: Business, customer: Customer, at: dt.datetime | None = None) -> Trip:
    return bookings.trip_book(
        actor=business.cashier_a,
        customer=customer,
        branch=business.branch_a,
        pickup_at=at or timezone.now() + dt.timedelta(minutes=30),
        pickup_text="Jl. Melati No. 12",
        destination="Stasiun Gambir",
    )


def _tomorrow_at_nine() -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(timezone.localdate() + dt.timedelta(days=1), dt.time(9)))


def _form(customer: Customer, business: Business, **fields: str) -> dict[str, object]:
    at = timezone.localtime() + dt.timedelta(minutes=20)
    return {
        "customer": customer.pk,
        "branch": business.branch_a.pk,
        "pickup_at": at.strftime("%Y-%m-%dT%H:%M"),
        "pickup_address": "",
        "pickup_text": "",
        "landmark": "",
        "destination": "",
        **fields,
    }


# --- 1. A saved address or another place, not both ---------------------------------------------


def test_typing_another_place_while_a_saved_address_is_checked_is_refused_keeping_the_text(
    business: Business, shop: dict
) -> None:
    customer = shop["customer"]
    home = Address.objects.create(customer=customer, line="Jl. Kemang Raya 5", landmark="pagar hijau")
    web = _web(business)
    form = _form(customer, business, pickup_address=str(home.pk), pickup_text="Mall Kota Kasablanka", landmark="lobi")
    page = _page(web.post(reverse("sales:trip_new"), form))
    assert 'data-testid="pickup_text-error">Choose a saved address or enter another place, not both.<' in page
    assert 'value="Mall Kota Kasablanka"' in page and 'value="lobi"' in page  # what she typed stays
    assert f'id="addr{home.pk}" value="{home.pk}" checked' in page  # and what she chose
    assert 'data-testid="form-errors"' not in page  # said once, under its field
    assert Trip.objects.count() == 0 and Order.objects.count() == 0
    # With a time out of range too, both are said at once.
    response = web.post(reverse("sales:trip_new"), {**form, "pickup_at": "9999-12-31T23:59"})
    assert response.context["errors"] == {
        "pickup_text": ["Choose a saved address or enter another place, not both."],
        "pickup_at": ["The pick-up time is more than a year ahead: check the date."],
    }
    assert Trip.objects.count() == 0 and Order.objects.count() == 0
    # "Another place" chosen: the typed place is booked, without the saved address.
    web.post(reverse("sales:trip_new"), {**form, "pickup_address": ""})
    trip = Trip.objects.get()
    assert (trip.pickup_text, trip.landmark, trip.pickup_address_id) == ("Mall Kota Kasablanka", "lobi", None)


def test_the_trip_form_chooses_another_place_as_it_is_typed(business: Business, shop: dict) -> None:
    Address.objects.create(customer=shop["customer"], line="Jl. Kemang Raya 5")
    page = _web(business).get(reverse("sales:trip_new") + f"?customer={shop['customer'].pk}").content.decode()
    assert 'data-other-place="addr-other"' in page and "js/trip-pickup.js" in page
    # No maxlength: a longer text is refused saying so, never cut by the browser.
    assert 'name="pickup_text" value=""' in page and "maxlength" not in page.split('name="pickup_text"')[1][:80]


def test_the_api_refuses_a_saved_address_with_another_place(business: Business, shop: dict) -> None:
    customer = shop["customer"]
    home = Address.objects.create(customer=customer, line="Jl. Kemang Raya 5")
    body = {
        "customer_id": customer.pk,
        "branch_id": business.branch_a.pk,
        "pickup_at": (timezone.now() + dt.timedelta(minutes=30)).isoformat(),
        "pickup_address_id": home.pk,
        "pickup_text": "Mall Kota Kasablanka",
    }
    api = _api(business)
    refused = api.post("/api/v1/trips", body, content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["extra"] == {"pickup_text": ["Choose a saved address or enter another place, not both."]}
    assert Trip.objects.count() == 0
    # The address's own text with its id is no conflict.
    same = api.post("/api/v1/trips", {**body, "pickup_text": "Jl. Kemang Raya 5"}, content_type="application/json")
    assert same.status_code == 201 and Trip.objects.get().pickup_address_id == home.pk


def _trip_from(business: Business, home: Address) -> Trip:
    """Her trip from a saved address of hers, half an hour on."""
    return bookings.trip_book(
        actor=business.cashier_a,
        customer=home.customer,
        branch=business.branch_a,
        pickup_at=timezone.now() + dt.timedelta(minutes=30),
        pickup_address=home,
    )


def test_repeating_a_trip_keeps_its_text_though_the_address_was_edited_since(business: Business, shop: dict) -> None:
    customer = shop["customer"]
    home = Address.objects.create(customer=customer, line="Jl. Kemang Raya 5")
    _trip_from(business, home)
    Address.objects.filter(pk=home.pk).update(line="Jl. Kemang Raya 5A")
    again = bookings.trip_repeat_last(actor=business.cashier_a, customer=customer, branch=business.branch_a)
    assert (again.pickup_text, again.pickup_address_id) == ("Jl. Kemang Raya 5", home.pk)


# --- 2. Days and booking times out of range --------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/trips/?day=9999-12-31",
        "/trips/?day=0001-01-01",
        "/appointments/?day=9999-12-31",
        "/appointments/?day=0001-01-01",
    ],
)
def test_a_day_out_of_range_shows_today_and_says_so(business: Business, shop: dict, path: str) -> None:
    response = _web(business).get(path)
    assert response.status_code == 200
    assert response.context["day"] == timezone.localdate()
    day = path.rsplit("=", 1)[1]
    assert f"{day} is too far from today: showing today." in _page(response)


def test_a_day_within_twenty_years_is_shown_as_asked(business: Business, shop: dict) -> None:
    day = timezone.localdate() - dt.timedelta(days=365 * 5)
    response = _web(business).get(f"/trips/?day={day.isoformat()}")
    assert response.context["day"] == day and "too far from today" not in _page(response)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("9999-12-31T23:59", "The pick-up time is more than a year ahead: check the date."),
        ("0001-01-01T00:00", "The pick-up time is in the past."),
        ("", "Enter the pick-up time."),
    ],
)
def test_the_trip_form_refuses_a_pick_up_out_of_range_under_its_field(
    business: Business, shop: dict, typed: str, message: str
) -> None:
    form = _form(shop["customer"], business, pickup_at=typed, pickup_text="Jl. Melati No. 12")
    page = _page(_web(business).post(reverse("sales:trip_new"), form))
    assert f'data-testid="pickup_at-error">{message}<' in page and 'value="Jl. Melati No. 12"' in page
    assert Trip.objects.count() == 0 and Order.objects.count() == 0


@pytest.mark.parametrize(
    ("pickup_at", "field_message"),
    [
        ("2099-01-01", "The pick-up time is more than a year ahead: check the date."),
        ("9999-12-31T23:59:00+07:00", "The pick-up time is more than a year ahead: check the date."),
        ("0001-01-01T00:00:00+07:00", "The pick-up time is in the past."),
    ],
)
def test_the_api_refuses_a_pick_up_out_of_range(
    business: Business, shop: dict, pickup_at: str, field_message: str
) -> None:
    body = {
        "customer_id": shop["customer"].pk,
        "branch_id": business.branch_a.pk,
        "pickup_at": pickup_at,
        "pickup_text": "Jl. Melati No. 12",
    }
    refused = _api(business).post("/api/v1/trips", body, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["extra"] == {"pickup_at": [field_message]}
    assert Trip.objects.count() == 0 and Order.objects.count() == 0


def test_a_pick_up_up_to_a_year_ahead_or_an_hour_back_is_booked(business: Business, shop: dict) -> None:
    customer = shop["customer"]
    ahead = _trip(business, customer, timezone.now() + dt.timedelta(days=364))
    back = _trip(business, customer, timezone.now() - dt.timedelta(minutes=50))
    assert Trip.objects.filter(pk__in=[ahead.pk, back.pk]).count() == 2
    with pytest.raises(ApplicationError) as error:
        _trip(business, customer, timezone.now() + dt.timedelta(days=366))
    assert list(error.value.extra) == ["pickup_at"]


def test_an_appointment_more_than_a_year_ahead_is_refused_under_its_field(business: Business, shop: dict) -> None:
    web = _web(business)
    form = {
        "customer": shop["customer"].pk,
        "branch": business.branch_a.pk,
        "service": shop["creambath"].pk,
        "starts_at": "9999-12-31T10:00",
    }
    response = web.post(reverse("sales:appointment_new"), form)
    assert response.status_code == 200
    message = "The appointment time is more than a year ahead: check the date."
    assert message in _page(response) and response.context["errors"] == {"starts_at": [message]}
    assert Appointment.objects.count() == 0 and Order.objects.count() == 0
    with pytest.raises(ApplicationError) as error:
        bookings.appointment_book(
            actor=business.cashier_a,
            customer=shop["customer"],
            branch=business.branch_a,
            service=shop["creambath"],
            starts_at=timezone.now() + dt.timedelta(days=400),
        )
    assert error.value.extra == {"starts_at": [message]}


# --- 3 and 10. The board's fare, as typed here, and how it was paid -------------------------------


def test_the_board_takes_a_fare_with_thousands_dots_and_the_payment_method(business: Business, shop: dict) -> None:
    trip = _trip(business, shop["customer"])
    bookings.trip_assign(actor=business.cashier_a, trip=trip, driver_name="Pak Budi")
    web = _web(business)
    day = timezone.localtime(trip.pickup_at).date().isoformat()  # half an hour on may be tomorrow
    board = web.get(reverse("sales:trips") + f"?day={day}").content.decode()
    assert 'type="text" inputmode="numeric"' in board and 'type="number" min="1" name="fare"' not in board
    assert '<option value="cash" selected>Cash</option>' in board and '<option value="qris">QRIS</option>' in board
    assert '<option value="points"' not in board  # not money the driver takes
    web.post(reverse("sales:trip_action", args=[trip.pk, "complete"]), {"fare": "87.650", "method": "qris"})
    trip.refresh_from_db()
    (payment,) = trip.order.payments.all()
    assert (trip.status, trip.fare, trip.order.total, payment.method, payment.amount) == (
        "completed",
        87_650,
        87_650,
        Payment.Method.QRIS,
        87_650,  # not rounded as cash would be
    )


def test_a_fare_that_does_not_read_is_refused_naming_the_trip_and_the_field(business: Business, shop: dict) -> None:
    trip = _trip(business, shop["customer"])
    bookings.trip_assign(actor=business.cashier_a, trip=trip, driver_name="Pak Budi")
    web = _web(business)
    url = reverse("sales:trip_action", args=[trip.pk, "complete"])
    page = _page(web.post(url, {"fare": "87,65", "method": "cash"}, follow=True))
    number = trip.order.number
    assert f"Trip {number}: Fare: “87,65” is not a whole number; type e.g. 150000 or 150.000." in page
    page = _page(web.post(url, {"fare": "50000", "method": "bitcoin"}, follow=True))
    assert f"Trip {number}: Choose how the fare was paid." in page
    trip.refresh_from_db()
    assert (trip.status, trip.fare, trip.order.total, trip.order.payments.count()) == ("assigned", None, 0, 0)


# --- 4. Texts too long are refused, never cut ---------------------------------------------------


@pytest.mark.parametrize(
    ("field", "length", "message"),
    [
        ("pickup_text", 5000, "pickup_text: Enter at most 255 characters."),
        ("landmark", 256, "landmark: Enter at most 255 characters."),
        ("destination", 300, "destination: Enter at most 255 characters."),
    ],
)
def test_the_api_refuses_a_trip_text_too_long_naming_it(
    business: Business, shop: dict, field: str, length: int, message: str
) -> None:
    body = {
        "customer_id": shop["customer"].pk,
        "branch_id": business.branch_a.pk,
        "pickup_at": (timezone.now() + dt.timedelta(minutes=30)).isoformat(),
        "pickup_text": "Jl. Melati No. 12",
        field: "x" * length,
    }
    refused = _api(business).post("/api/v1/trips", body, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["message"] == message
    assert list(refused.json()["extra"]) == [field]
    assert Trip.objects.count() == 0 and Order.objects.count() == 0


def test_the_service_refuses_texts_too_long_all_at_once(business: Business, shop: dict) -> None:
    with pytest.raises(ApplicationError) as error:
        bookings.trip_book(
            actor=business.cashier_a,
            customer=shop["customer"],
            branch=business.branch_a,
            pickup_at=timezone.now() + dt.timedelta(minutes=30),
            pickup_text="x" * 256,
            landmark="y" * 300,
        )
    assert error.value.extra == {
        "pickup_text": ["Shorten the pick-up place to at most 255 characters (256 now)."],
        "landmark": ["Shorten the landmark notes to at most 255 characters (300 now)."],
    }
    assert Trip.objects.count() == 0 and Order.objects.count() == 0


def test_the_trip_form_refuses_another_place_too_long_under_its_field(business: Business, shop: dict) -> None:
    typed = "Jl. Melati " * 30  # 330 characters (the box stops at 255; a pasted or forged post does not)
    form = _form(shop["customer"], business, pickup_text=typed)
    page = _page(_web(business).post(reverse("sales:trip_new"), form))
    assert 'data-testid="pickup_text-error">Shorten the pick-up place to at most 255 characters (329 now).<' in page
    assert Trip.objects.count() == 0 and Order.objects.count() == 0


def test_assigning_refuses_a_name_or_plate_too_long(business: Business, shop: dict) -> None:
    trip = _trip(business, shop["customer"])
    api = _api(business)
    url = f"/api/v1/trips/{trip.pk}/assign"
    long_name = api.post(url, {"driver_name": "B" * 101}, content_type="application/json")
    long_plate = api.post(url, {"driver_name": "Pak Budi", "vehicle": "B" * 51}, content_type="application/json")
    assert (long_name.status_code, list(long_name.json()["extra"])) == (400, ["driver_name"])
    assert (long_plate.status_code, list(long_plate.json()["extra"])) == (400, ["vehicle"])
    with pytest.raises(ApplicationError) as error:
        bookings.trip_assign(actor=business.cashier_a, trip=trip, driver_name="Pak Budi", vehicle="B" * 51)
    assert error.value.extra == {"vehicle": ["Shorten the number plate to at most 50 characters (51 now)."]}
    trip.refresh_from_db()
    assert (trip.status, trip.driver_name, trip.vehicle) == ("booked", "", "")


# --- 6. A driver with trips to drive is not deactivated --------------------------------------


def _at(trip: Trip) -> str:
    return f"{trip.order.number} at {date_format(timezone.localtime(trip.pickup_at), 'SHORT_DATETIME_FORMAT')}"


def test_a_driver_with_trips_to_drive_is_not_deactivated_and_the_refusal_names_them(
    business: Business, shop: dict
) -> None:
    joko, sri = _driver(business), _driver(business, name="Bu Sri", plate="B 7 SRI")
    customer = shop["customer"]
    soon = bookings.trip_assign(actor=business.cashier_a, trip=_trip(business, customer), driver_id=joko.pk)
    tomorrow = bookings.trip_assign(
        actor=business.cashier_a, trip=_trip(business, customer, _tomorrow_at_nine()), driver_id=joko.pk
    )
    # An older trip still "assigned" (driven, its fare not entered yet) does not count.
    driven = bookings.trip_assign(actor=business.cashier_a, trip=_trip(business, customer), driver_id=joko.pk)
    Trip.objects.filter(pk=driven.pk).update(pickup_at=timezone.now() - dt.timedelta(hours=3))
    web = client_for(business.manager)  # signing in is audited too
    web.cookies["django_language"] = "en"
    audits = AuditEvent.objects.count()
    page = _page(web.post(reverse("sales:driver_active", args=[joko.pk]), follow=True))
    assert (
        f"Pak Joko still has 2 trips to drive: {_at(soon)}, {_at(tomorrow)}. "
        "Assign them to other drivers (or cancel them) first."
    ) in page
    joko.refresh_from_db()
    assert joko.is_active and AuditEvent.objects.count() == audits
    # One sent with Bu Sri instead, the other cancelled: Pak Joko may go.
    bookings.trip_assign(actor=business.cashier_a, trip=soon, driver_id=sri.pk)
    with pytest.raises(ApplicationError) as error:
        driver_set_active(actor=business.manager, driver=joko, active=False)
    message = f"Pak Joko still has a trip to drive: {_at(tomorrow)}. Assign it to another driver (or cancel it) first."
    assert (error.value.message, error.value.extra) == (message, {"is_active": [message]})
    bookings.trip_cancel(actor=business.cashier_a, trip=tomorrow)
    assert driver_set_active(actor=business.manager, driver=joko, active=False).is_active is False
    assert AuditEvent.objects.filter(object_type="sales.driver", action="archive").count() == 1


def test_a_refusal_names_five_trips_and_counts_the_rest(business: Business, shop: dict) -> None:
    joko = _driver(business)
    numbers = []
    for hour in range(7):
        trip = _trip(business, shop["customer"], _tomorrow_at_nine() + dt.timedelta(hours=hour))
        numbers.append(bookings.trip_assign(actor=business.cashier_a, trip=trip, driver_id=joko.pk).order.number)
    with pytest.raises(ApplicationError) as error:
        driver_set_active(actor=business.owner, driver=joko, active=False)
    message = error.value.message
    assert message.startswith("Pak Joko still has 7 trips to drive: ") and " and 2 more. " in message
    assert all(number in message for number in numbers[:5]) and numbers[5] not in message


# --- 7. Completed once driven --------------------------------------------------------------


def test_a_trip_is_not_completed_before_it_is_driven(business: Business, shop: dict) -> None:
    trip = _trip(business, shop["customer"], _tomorrow_at_nine())
    bookings.trip_assign(actor=business.cashier_a, trip=trip, driver_name="Pak Budi")
    refused = _api(business).post(
        f"/api/v1/trips/{trip.pk}/complete", {"fare": 50_000, "method": "qris"}, content_type="application/json"
    )
    assert refused.status_code == 400 and list(refused.json()["extra"]) == ["pickup_at"]
    assert refused.json()["message"].startswith("The pick-up is at ")
    assert refused.json()["message"].endswith(": complete the trip once it has been driven.")
    page = _page(
        _web(business).post(reverse("sales:trip_action", args=[trip.pk, "complete"]), {"fare": "50000"}, follow=True)
    )
    assert f"Trip {trip.order.number}: The pick-up is at " in page
    trip.refresh_from_db()
    assert (trip.status, trip.fare, trip.order.status, trip.order.total) == ("assigned", None, "booked", 0)
    assert Payment.objects.count() == 0
    # From an hour before the pick-up on, it is completed.
    with mock.patch("django.utils.timezone.now", return_value=trip.pickup_at - dt.timedelta(minutes=59)):
        done = bookings.trip_complete(actor=business.cashier_a, trip=trip, fare=50_000)
    assert (done.status, done.fare) == ("completed", 50_000)


# --- 8 and 9. Assigning ------------------------------------------------------------------


def test_a_completed_trip_is_not_assigned_and_the_message_says_what_can_be(business: Business, shop: dict) -> None:
    trip = _trip(business, shop["customer"])
    bookings.trip_assign(actor=business.cashier_a, trip=trip, driver_name="Pak Budi")
    bookings.trip_complete(actor=business.cashier_a, trip=trip, fare=50_000)
    refused = _api(business).post(
        f"/api/v1/trips/{trip.pk}/assign", {"driver_name": "Pak Joko"}, content_type="application/json"
    )
    assert refused.status_code == 400
    assert refused.json()["extra"] == {"status": ["Only booked or assigned trips can be assigned."]}
    trip.refresh_from_db()
    assert trip.driver_name == "Pak Budi"


def test_a_driver_name_that_disagrees_with_the_driver_id_is_refused(business: Business, shop: dict) -> None:
    joko, _sri = _driver(business), _driver(business, name="Bu Sri", plate="B 7 SRI")
    trip = _trip(business, shop["customer"])
    api = _api(business)
    url = f"/api/v1/trips/{trip.pk}/assign"
    refused = api.post(url, {"driver_id": joko.pk, "driver_name": "Bu Sri"}, content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["extra"] == {"driver_name": ["The driver chosen is Pak Joko, not Bu Sri: send one of them."]}
    trip.refresh_from_db()
    assert (trip.status, trip.driver_id, trip.driver_name) == ("booked", None, "")
    # Her own name (as typed) with her id, and the plate she drives today.
    agreed = api.post(
        url, {"driver_id": joko.pk, "driver_name": "pak  joko", "vehicle": "B 9 LAIN"}, content_type="application/json"
    )
    assert agreed.status_code == 200
    assert (agreed.json()["driver_id"], agreed.json()["driver_name"], agreed.json()["vehicle"]) == (
        joko.pk,
        "Pak Joko",
        "B 9 LAIN",
    )


def test_repeating_the_last_trip_skips_a_booking_that_was_cancelled(business: Business, shop: dict) -> None:
    customer = shop["customer"]
    home = Address.objects.create(customer=customer, line="Jl. Kemang Raya 5", landmark="pagar hijau")
    _trip_from(business, home)
    wrong = bookings.trip_book(
        actor=business.cashier_a,
        customer=customer,
        branch=business.branch_a,
        pickup_at=timezone.now() + dt.timedelta(minutes=40),
        pickup_text="ALAMAT SALAH - Jl. Keliru 1",
    )
    bookings.trip_cancel(actor=business.cashier_a, trip=wrong, reason="Salah alamat")
    again = bookings.trip_repeat_last(actor=business.cashier_a, customer=customer, branch=business.branch_a)
    assert (again.pickup_text, again.landmark) == ("Jl. Kemang Raya 5", "pagar hijau")


def test_a_trip_cancelled_on_the_board_keeps_why(business: Business, shop: dict) -> None:
    trip = _trip(business, shop["customer"])
    web = _web(business)
    day = timezone.localtime(trip.pickup_at).date().isoformat()
    assert 'data-testid="cancel-reason"' in web.get(reverse("sales:trips") + f"?day={day}").content.decode()
    web.post(reverse("sales:trip_action", args=[trip.pk, "cancel"]), {"reason": "Pelanggan batal, salah alamat"})
    trip.refresh_from_db()
    assert trip.status == "cancelled"
    page = web.get(reverse("sales:order_detail", args=[trip.order_id])).content.decode()
    assert 'data-testid="order-note"' in page and "Pelanggan batal, salah alamat" in page
