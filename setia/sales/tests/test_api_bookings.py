"""The bookings API (`setia/sales/api/bookings.py`): trips and appointments listed (filters, local
days, keyset pages), read and cancelled, appointments booked and checked out — within the caller's
branches, with the trip board's capability, bad input refused naming the field and changing
nothing."""

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from setia.accounts.models import User
from setia.accounts.services import api_key_create
from setia.conftest import Business, make_user
from setia.core.models import AuditEvent
from setia.customers.models import Customer
from setia.sales.api import bookings as bookings_api
from setia.sales.models import Appointment, Order, Trip
from setia.sales.services import bookings
from setia.sales.services.drivers import driver_create

pytestmark = pytest.mark.django_db


class Api:
    """A system holding `user`'s API key, reading the answers in English."""

    def __init__(self, user: User | None) -> None:
        self.client = Client()
        self.client.cookies["django_language"] = "en"
        self.headers = {"Authorization": f"Bearer {api_key_create(actor=user, name='dispatch')[1]}"} if user else {}

    def get(self, path: str) -> Any:
        response = self.client.get(f"/api/v1{path}", headers=self.headers)
        assert response.status_code < 500, response.content
        return response

    def post(self, path: str, body: object) -> Any:
        response = self.client.post(f"/api/v1{path}", body, content_type="application/json", headers=self.headers)
        assert response.status_code < 500, response.content
        return response


def _day(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _utc(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _trip(business: Business, customer: Customer, at: dt.datetime, branch: Any = None) -> Trip:
    return bookings.trip_book(
        actor=business.owner,
        customer=customer,
        branch=branch or business.branch_a,
        pickup_at=at,
        pickup_text="Jl. Melati No. 12",
        destination="Stasiun Gambir",
    )


def _appointment(
    business: Business, shop: dict, customer: Customer, at: dt.datetime, staff: User | None, branch: Any = None
) -> Appointment:
    return bookings.appointment_book(
        actor=business.owner,
        customer=customer,
        branch=branch or business.branch_a,
        service=shop["creambath"],
        starts_at=at,
        staff=staff,
    )


@pytest.fixture
def other(business: Business) -> Customer:
    """Branch B's customer (branches do not share customers by default)."""
    return Customer.objects.create(name="Dewi Lestari", search_name="dewi lestari", home_branch=business.branch_b)


@pytest.fixture
def trips(business: Business, shop: dict, other: Customer) -> dict[str, Trip]:
    """Branch A: three trips over two days (one just after midnight, local time); branch B: one."""
    return {
        "a_early": _trip(business, shop["customer"], _at(_day(1), 0, 30)),
        "a_late": _trip(business, shop["customer"], _at(_day(1), 18)),
        "a_next_day": _trip(business, shop["customer"], _at(_day(2), 9)),
        "b": _trip(business, other, _at(_day(1), 10), business.branch_b),
    }


@pytest.fixture
def appointments(business: Business, shop: dict, other: Customer) -> dict[str, Appointment]:
    """Branch A: Sari's two (two days) and one with any staff member; branch B: Rina's."""
    return {
        "sari": _appointment(business, shop, shop["customer"], _at(_day(1), 10), business.cashier_a),
        "anyone": _appointment(business, shop, shop["customer"], _at(_day(1), 12), None),
        "sari_next_day": _appointment(business, shop, shop["customer"], _at(_day(2), 11), business.cashier_a),
        "b": _appointment(business, shop, other, _at(_day(1), 10), business.cashier_b, business.branch_b),
    }


def _time_has_come(appointment: Appointment) -> None:
    """The appointment began a few minutes ago (so whether she came is known)."""
    starts = timezone.now() - dt.timedelta(minutes=5)
    Appointment.objects.filter(pk=appointment.pk).update(
        starts_at=starts, ends_at=starts + (appointment.ends_at - appointment.starts_at)
    )


def _ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def _extra(response: Any) -> list[str]:
    return list(response.json()["extra"])


# --- Trips: list, filters, pages --------------------------------------------------------------------


def test_trips_are_listed_by_pick_up_time_with_every_field(business: Business, shop: dict, trips: dict) -> None:
    answer = Api(business.owner).get("/trips")
    body = answer.json()
    assert _ids(answer) == [trips[k].pk for k in ("a_early", "b", "a_late", "a_next_day")]
    assert body["next_cursor"] is None
    trip = trips["a_late"]
    assert body["items"][2] == {
        "id": trip.pk,
        "order_id": trip.order_id,
        "number": f"TRIP-{trip.order_id:07d}",
        "customer_id": shop["customer"].pk,
        "branch_id": business.branch_a.pk,
        "status": "booked",
        "pickup_at": _utc(_at(_day(1), 18)),
        "pickup_text": "Jl. Melati No. 12",
        "landmark": "",
        "destination": "Stasiun Gambir",
        "driver_id": None,
        "driver_name": "",
        "vehicle": "",
        "fare": None,
        "cancel_reason": "",
    }


def test_trips_are_filtered_by_status_driver_customer_and_branch(
    business: Business, shop: dict, trips: dict, other: Customer
) -> None:
    driver = driver_create(
        actor=business.owner,
        name="Pak Joko",
        phone="0812-3456-7890",
        vehicle_plate="B 1234 XYZ",
        branch=business.branch_a,
    )
    bookings.trip_assign(actor=business.owner, trip=trips["a_late"], driver_id=driver.pk)
    bookings.trip_cancel(actor=business.owner, trip=trips["a_next_day"], reason="Sudah naik ojek")
    api = Api(business.owner)
    assert _ids(api.get("/trips?status=assigned")) == [trips["a_late"].pk]
    assert _ids(api.get("/trips?status=booked")) == [trips["a_early"].pk, trips["b"].pk]
    assert _ids(api.get(f"/trips?driver_id={driver.pk}")) == [trips["a_late"].pk]
    assert _ids(api.get(f"/trips?customer_id={other.pk}")) == [trips["b"].pk]
    assert _ids(api.get(f"/trips?branch_id={business.branch_b.pk}")) == [trips["b"].pk]
    assert _ids(api.get(f"/trips?branch_id={business.branch_a.pk}&status=cancelled")) == [trips["a_next_day"].pk]
    assert _ids(api.get("/trips?driver_id=999999")) == []


def test_the_days_are_the_business_s_local_days(business: Business, trips: dict) -> None:
    """00:30 in Jakarta is the evening before in UTC: it still belongs to its local day."""
    api = Api(business.owner)
    tomorrow, after = _day(1).isoformat(), _day(2).isoformat()
    assert _ids(api.get(f"/trips?from={tomorrow}&to={tomorrow}")) == [trips[k].pk for k in ("a_early", "b", "a_late")]
    assert _ids(api.get(f"/trips?to={_day(0).isoformat()}")) == []
    assert _ids(api.get(f"/trips?from={after}")) == [trips["a_next_day"].pk]
    assert _ids(api.get(f"/trips?from={tomorrow}&to={after}&branch_id={business.branch_a.pk}")) == [
        trips[k].pk for k in ("a_early", "a_late", "a_next_day")
    ]
    # The calendar's very ends are no bound at all (never a 500).
    assert len(_ids(api.get("/trips?from=0001-01-01&to=9999-12-31"))) == 4


def test_trips_are_keyset_paged(business: Business, shop: dict, trips: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bookings_api, "PAGE_SIZE", 2)
    api, seen, cursor, pages = Api(business.owner), [], "", 0
    while True:
        body = api.get(f"/trips?after={cursor}").json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        if body["next_cursor"] is None:
            break
        cursor = body["next_cursor"]
    assert pages == 2
    assert seen == [trips[k].pk for k in ("a_early", "b", "a_late", "a_next_day")]
    # Filters hold across pages; an unreadable cursor is refused at `after` (not the first page
    # again, which would page a program for ever).
    first = api.get(f"/trips?branch_id={business.branch_a.pk}").json()
    assert [i["id"] for i in first["items"]] == [trips["a_early"].pk, trips["a_late"].pk]
    second = api.get(f"/trips?branch_id={business.branch_a.pk}&after={first['next_cursor']}").json()
    assert ([i["id"] for i in second["items"]], second["next_cursor"]) == ([trips["a_next_day"].pk], None)
    broken = api.get("/trips?after=not-a-cursor")
    assert broken.status_code == 400 and list(broken.json()["extra"]) == ["after"]


def test_the_lists_queries_do_not_grow_with_their_rows(
    business: Business, shop: dict, trips: dict, appointments: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    from config.api import STAFF_THROTTLE

    # The rate limiter takes request numbers from the database in blocks: not counted here.
    monkeypatch.setattr(STAFF_THROTTLE, "allow_request", lambda request: True)
    api = Api(business.owner)
    api.get("/trips")  # the key's first use is recorded once

    def queries(path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get(path).status_code == 200
        return len(captured.captured_queries)

    few = {path: queries(path) for path in ("/trips", "/appointments")}
    for hour in (13, 14, 15):
        _trip(business, shop["customer"], _at(_day(3), hour))
        _appointment(business, shop, shop["customer"], _at(_day(3), hour), business.manager)
    assert {path: queries(path) for path in few} == few


# --- Trips: one, cancel ---------------------------------------------------------------------------


def test_one_trip_is_read_and_cancelled_with_its_reason(business: Business, shop: dict, trips: dict) -> None:
    trip = trips["a_late"]
    api = Api(business.cashier_a)
    assert api.get(f"/trips/{trip.pk}").json()["pickup_at"] == _utc(_at(_day(1), 18))
    answer = api.post(f"/trips/{trip.pk}/cancel", {"reason": "  Pelanggan membatalkan  "})
    assert answer.status_code == 200, answer.content
    assert (answer.json()["status"], answer.json()["cancel_reason"]) == ("cancelled", "Pelanggan membatalkan")
    trip.refresh_from_db()
    order = Order.objects.get(pk=trip.order_id)
    assert (trip.status, order.status, order.note) == ("cancelled", "cancelled", "Pelanggan membatalkan")
    assert AuditEvent.objects.filter(object_id=str(order.pk), message="Pelanggan membatalkan").count() == 1
    assert api.get(f"/trips/{trip.pk}").json()["cancel_reason"] == "Pelanggan membatalkan"
    # Without a reason (the body's only field may be left out).
    assert api.post(f"/trips/{trips['a_early'].pk}/cancel", {}).json()["cancel_reason"] == ""


def test_an_assigned_trip_may_be_cancelled_a_completed_or_cancelled_one_not(
    business: Business, shop: dict, trips: dict
) -> None:
    api = Api(business.cashier_a)
    assigned = bookings.trip_assign(actor=business.owner, trip=trips["a_late"], driver_name="Pak Budi")
    assert api.post(f"/trips/{assigned.pk}/cancel", {"reason": "Mobil mogok"}).json()["status"] == "cancelled"
    again = api.post(f"/trips/{assigned.pk}/cancel", {"reason": "Lagi"})
    assert (again.status_code, again.json()["extra"]) == (
        400,
        {"status": ["Only a trip not yet completed can be cancelled."]},
    )
    assert Order.objects.get(pk=assigned.order_id).note == "Mobil mogok"

    early = bookings.trip_assign(actor=business.owner, trip=trips["a_early"], driver_name="Pak Budi")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: early.pickup_at)  # driven
        bookings.trip_complete(actor=business.owner, trip=early, fare=50_000)
    refused = api.post(f"/trips/{early.pk}/cancel", {"reason": "Salah pesan"})
    assert (refused.status_code, _extra(refused)) == (400, ["status"])
    early.refresh_from_db()
    order = Order.objects.get(pk=early.order_id)
    assert (early.status, early.fare, order.status, order.note) == ("completed", 50_000, "fulfilled", "")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "x" * 256}, "reason"),  # longer than the order keeps: refused, never cut
        ({"reason": 12}, "reason"),
        ({"why": "Batal"}, "why"),
    ],
)
def test_a_bad_cancel_body_is_refused_naming_the_field(business: Business, trips: dict, body: dict, field: str) -> None:
    refused = Api(business.cashier_a).post(f"/trips/{trips['a_late'].pk}/cancel", body)
    assert (refused.status_code, _extra(refused)) == (400, [field])
    assert Trip.objects.get(pk=trips["a_late"].pk).status == "booked"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=lost", "status"),
        ("driver_id=pak-joko", "driver_id"),
        ("customer_id=1.5", "customer_id"),
        ("branch_id=kemang", "branch_id"),
        ("from=2026-13-45", "from"),
        ("to=tomorrow", "to"),
    ],
)
def test_bad_trip_filters_are_refused_naming_the_field(business: Business, query: str, field: str) -> None:
    refused = Api(business.owner).get(f"/trips?{query}")
    assert (refused.status_code, _extra(refused)) == (400, [field])


def test_an_unknown_status_names_the_choices_and_a_range_backwards_names_to(business: Business) -> None:
    api = Api(business.owner)
    status = api.get("/trips?status=lost").json()
    assert status["extra"] == {"status": ["Choose one of: booked, assigned, completed, cancelled."]}
    backwards = api.get(f"/trips?from={_day(2).isoformat()}&to={_day(1).isoformat()}")
    assert (backwards.status_code, backwards.json()["extra"]) == (
        400,
        {"to": [f"Enter a day on or after the first day, {_day(2).isoformat()}."]},
    )


def test_an_unknown_or_malformed_trip_id_is_404_or_400(business: Business, trips: dict) -> None:
    api = Api(business.owner)
    assert api.get("/trips/999999").status_code == 404
    assert api.get("/trips/999999").json()["message"] == "Trip not found."
    assert api.post("/trips/999999/cancel", {"reason": "x"}).status_code == 404
    malformed = api.get("/trips/abc")
    assert (malformed.status_code, _extra(malformed)) == (400, ["trip_id"])


def test_the_moved_trip_endpoints_answer_as_before(business: Business, shop: dict) -> None:
    api = Api(business.cashier_a)
    booked = api.post(
        "/trips",
        {
            "customer_id": shop["customer"].pk,
            "branch_id": business.branch_a.pk,
            "pickup_at": _at(_day(1), 17).isoformat(),
            "pickup_text": "Jl. Melati No. 12",
        },
    )
    assert booked.status_code == 201, booked.content
    trip = booked.json()
    assert (trip["status"], trip["branch_id"], trip["cancel_reason"]) == ("booked", business.branch_a.pk, "")
    assigned = api.post(f"/trips/{trip['id']}/assign", {"driver_name": "Pak Budi", "vehicle": "B 1 AB"})
    assert (assigned.status_code, assigned.json()["driver_name"], assigned.json()["vehicle"]) == (
        200,
        "Pak Budi",
        "B 1 AB",
    )
    driven = _at(_day(1), 17)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: driven)
        completed = api.post(f"/trips/{trip['id']}/complete", {"fare": 87_650, "method": "qris"})
    assert (completed.status_code, completed.json()["status"], completed.json()["fare"]) == (200, "completed", 87_650)


# --- Appointments: list, one --------------------------------------------------------------------


def test_appointments_are_listed_by_start_with_every_field(business: Business, shop: dict, appointments: dict) -> None:
    answer = Api(business.owner).get("/appointments")
    assert _ids(answer) == [appointments[k].pk for k in ("sari", "b", "anyone", "sari_next_day")]
    sari = appointments["sari"]
    assert answer.json()["items"][0] == {
        "id": sari.pk,
        "order_id": sari.order_id,
        "number": f"APPT-{sari.order_id:07d}",
        "customer_id": shop["customer"].pk,
        "branch_id": business.branch_a.pk,
        "status": "booked",
        "service_id": shop["creambath"].pk,
        "service_name": "Creambath",
        "staff_id": business.cashier_a.pk,
        "staff_name": "Sari",
        "starts_at": _utc(_at(_day(1), 10)),
        "ends_at": _utc(_at(_day(1), 11)),
        "total": None,
    }
    assert answer.json()["items"][2]["staff_name"] == ""


def test_appointments_are_filtered_and_paged(
    business: Business, shop: dict, appointments: dict, other: Customer, monkeypatch: pytest.MonkeyPatch
) -> None:
    Appointment.objects.filter(pk=appointments["anyone"].pk).update(status="no_show")  # she did not come
    api = Api(business.owner)
    tomorrow = _day(1).isoformat()
    assert _ids(api.get(f"/appointments?staff_id={business.cashier_a.pk}")) == [
        appointments["sari"].pk,
        appointments["sari_next_day"].pk,
    ]
    assert _ids(api.get("/appointments?status=no_show")) == [appointments["anyone"].pk]
    assert _ids(api.get(f"/appointments?customer_id={other.pk}")) == [appointments["b"].pk]
    assert _ids(api.get(f"/appointments?branch_id={business.branch_a.pk}&from={tomorrow}&to={tomorrow}")) == [
        appointments["sari"].pk,
        appointments["anyone"].pk,
    ]
    assert _ids(api.get(f"/appointments?from={_day(2).isoformat()}")) == [appointments["sari_next_day"].pk]
    monkeypatch.setattr(bookings_api, "PAGE_SIZE", 3)
    first = api.get("/appointments").json()
    second = api.get(f"/appointments?after={first['next_cursor']}").json()
    assert [i["id"] for i in first["items"] + second["items"]] == [
        appointments[k].pk for k in ("sari", "b", "anyone", "sari_next_day")
    ]
    assert second["next_cursor"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=done", "status"),
        ("staff_id=sari", "staff_id"),
        ("customer_id=x", "customer_id"),
        ("branch_id=x", "branch_id"),
        ("from=24-12-2026", "from"),
        ("to=2026-02-30", "to"),
    ],
)
def test_bad_appointment_filters_are_refused_naming_the_field(business: Business, query: str, field: str) -> None:
    refused = Api(business.owner).get(f"/appointments?{query}")
    assert (refused.status_code, _extra(refused)) == (400, [field])


def test_an_unknown_appointment_is_404(business: Business, appointments: dict) -> None:
    api = Api(business.owner)
    for answer in (
        api.get("/appointments/999999"),
        api.post("/appointments/999999/cancel", {}),
        api.post("/appointments/999999/checkout", {"payments": [{"method": "cash", "amount": 150_000}]}),
    ):
        assert (answer.status_code, answer.json()["message"]) == (404, "Appointment not found.")
    assert (api.get("/appointments/x").status_code, _extra(api.get("/appointments/x"))) == (400, ["appointment_id"])
    assert api.get(f"/appointments/{appointments['b'].pk}").json()["staff_name"] == "Rina"


# --- Appointments: book -----------------------------------------------------------------------------


def _booking(business: Business, shop: dict, **changes: object) -> dict:
    body: dict = {
        "customer_id": shop["customer"].pk,
        "branch_id": business.branch_a.pk,
        "service_id": shop["creambath"].pk,
        "starts_at": _at(_day(1), 15).isoformat(),
        "staff_id": business.cashier_a.pk,
    }
    return {key: value for key, value in {**body, **changes}.items() if value is not None}


def test_an_appointment_is_booked(business: Business, shop: dict) -> None:
    local = _at(_day(1), 15).strftime("%Y-%m-%dT%H:%M:%S")  # without a zone: the business's local time
    answer = Api(business.cashier_a).post("/appointments", _booking(business, shop, starts_at=local))
    assert answer.status_code == 201, answer.content
    appointment = Appointment.objects.get()
    assert answer.json() == {
        "id": appointment.pk,
        "order_id": appointment.order_id,
        "number": f"APPT-{appointment.order_id:07d}",
        "customer_id": shop["customer"].pk,
        "branch_id": business.branch_a.pk,
        "status": "booked",
        "service_id": shop["creambath"].pk,
        "service_name": "Creambath",
        "staff_id": business.cashier_a.pk,
        "staff_name": "Sari",
        "starts_at": _utc(_at(_day(1), 15)),
        "ends_at": _utc(_at(_day(1), 16)),
        "total": None,
    }
    assert (appointment.order.status, appointment.order.created_by) == ("booked", business.cashier_a)
    # With any staff member.
    anyone = Api(business.cashier_a).post("/appointments", _booking(business, shop, staff_id=None))
    assert (anyone.status_code, anyone.json()["staff_id"], anyone.json()["staff_name"]) == (201, None, "")


def _refused(business: Business, shop: dict, body: dict, user: User | None = None) -> dict:
    answer = Api(user or business.cashier_a).post("/appointments", body)
    assert answer.status_code == 400, answer.content
    assert not Appointment.objects.exists() and not Order.objects.exists()
    return answer.json()


def test_missing_or_mistyped_booking_fields_are_named(business: Business, shop: dict) -> None:
    missing = _refused(business, shop, {"branch_id": business.branch_a.pk})
    assert missing["extra"] == {
        "customer_id": ["This field is required."],
        "service_id": ["This field is required."],
        "starts_at": ["This field is required."],
    }
    assert _refused(business, shop, _booking(business, shop, starts_at="besok jam 3"))["extra"] == {
        "starts_at": ["Enter a date and time, e.g. 2026-12-24T15:00:00+07:00."]
    }
    assert list(_refused(business, shop, _booking(business, shop, service_id="12"))["extra"]) == ["service_id"]
    assert list(_refused(business, shop, _booking(business, shop, stylist="Sari"))["extra"]) == ["stylist"]


def test_references_that_name_no_record_are_refused_at_their_field(
    business: Business, shop: dict, other: Customer
) -> None:
    for field, value in (
        ("customer_id", 999_999),
        ("customer_id", other.pk),  # another branch's customer: not one the cashier may see
        ("branch_id", 999_999),
        ("service_id", 999_999),
        ("staff_id", 999_999),
        ("staff_id", business.cashier_b.pk),  # another branch's staff
    ):
        assert _refused(business, shop, _booking(business, shop, **{field: value}))["extra"] == {field: ["not found"]}


def test_the_booking_rules_refuse_naming_the_request_s_field(business: Business, shop: dict) -> None:
    shampoo = _refused(business, shop, _booking(business, shop, service_id=shop["shampoo"].pk))
    assert shampoo["extra"] == {"service_id": ["Choose an active service."]}
    past = _refused(
        business, shop, _booking(business, shop, starts_at=(timezone.now() - dt.timedelta(hours=2)).isoformat())
    )
    assert past["extra"] == {"starts_at": ["The appointment time is in the past."]}
    closed = _refused(business, shop, _booking(business, shop, starts_at=_at(_day(1), 21).isoformat()))
    assert closed["extra"] == {"starts_at": ["Opening hours are 09:00 to 20:00: choose a time within them."]}
    analyst = _refused(business, shop, _booking(business, shop, staff_id=business.analyst.pk), business.owner)
    assert analyst["extra"] == {"staff_id": ["analyst does not take appointments."]}
    rina = _refused(business, shop, _booking(business, shop, staff_id=business.cashier_b.pk), business.owner)
    assert rina["extra"] == {"staff_id": ["Rina does not work at Kemang."]}
    # Branch B is not one the cashier of branch A books for.
    elsewhere = _refused(business, shop, _booking(business, shop, branch_id=business.branch_b.pk, staff_id=None))
    assert elsewhere["extra"] == {"branch_id": ["You cannot book for this branch."]}


def test_a_staff_member_is_not_booked_twice_at_once(business: Business, shop: dict) -> None:
    api = Api(business.cashier_a)
    assert api.post("/appointments", _booking(business, shop)).status_code == 201
    overlapping = api.post("/appointments", _booking(business, shop, starts_at=_at(_day(1), 15, 30).isoformat()))
    assert (overlapping.status_code, _extra(overlapping)) == (400, ["starts_at"])
    assert Appointment.objects.count() == 1


# --- Appointments: cancel, no-show, check out ---------------------------------------------------------


def test_an_appointment_is_cancelled_or_marked_a_no_show_once(
    business: Business, shop: dict, appointments: dict
) -> None:
    api = Api(business.cashier_a)
    cancelled = api.post(f"/appointments/{appointments['sari'].pk}/cancel", {"no_show": False})
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    # Whether she came is known from her time on: before it, "did not come" is refused.
    anyone = appointments["anyone"]
    early = api.post(f"/appointments/{anyone.pk}/cancel", {"no_show": True})
    assert (early.status_code, _extra(early)) == (400, ["no_show"])
    assert early.json()["message"].startswith("The appointment is at ")
    assert Appointment.objects.get(pk=anyone.pk).status == "booked"
    _time_has_come(anyone)
    no_show = api.post(f"/appointments/{anyone.pk}/cancel", {"no_show": True})
    assert (no_show.status_code, no_show.json()["status"]) == (200, "no_show")
    assert Order.objects.get(pk=appointments["anyone"].order_id).status == "cancelled"
    again = api.post(f"/appointments/{appointments['sari'].pk}/cancel", {"no_show": True})
    assert (again.status_code, again.json()["extra"]) == (400, {"status": ["This appointment is already closed."]})
    assert Appointment.objects.get(pk=appointments["sari"].pk).status == "cancelled"
    # The freed time may be booked again.
    rebooked = api.post("/appointments", _booking(business, shop, starts_at=_at(_day(1), 10).isoformat()))
    assert rebooked.status_code == 201, rebooked.content


@pytest.mark.parametrize(("body", "field"), [({"no_show": "perhaps"}, "no_show"), ({"noshow": True}, "noshow")])
def test_a_bad_cancel_of_an_appointment_is_refused(
    business: Business, appointments: dict, body: dict, field: str
) -> None:
    refused = Api(business.cashier_a).post(f"/appointments/{appointments['sari'].pk}/cancel", body)
    assert (refused.status_code, _extra(refused)) == (400, [field])
    assert Appointment.objects.get(pk=appointments["sari"].pk).status == "booked"


def test_an_appointment_is_checked_out_once(business: Business, shop: dict, appointments: dict) -> None:
    api = Api(business.cashier_a)
    sari = appointments["sari"]
    paid = api.post(f"/appointments/{sari.pk}/checkout", {"payments": [{"method": "cash", "amount": 200_000}]})
    assert paid.status_code == 200, paid.content
    order = paid.json()
    assert (order["id"], order["status"], order["total"]) == (sari.order_id, "fulfilled", 150_000)
    assert [(line["product_id"], line["staff_id"], line["total"]) for line in order["lines"]] == [
        (shop["creambath"].pk, business.cashier_a.pk, 150_000)
    ]
    assert order["payments"] == [
        {"method": "cash", "amount": 150_000, "reference": "", "tendered": 200_000, "change": 50_000}
    ]
    read = api.get(f"/appointments/{sari.pk}").json()
    assert (read["status"], read["total"]) == ("completed", 150_000)
    again = api.post(f"/appointments/{sari.pk}/checkout", {"payments": [{"method": "cash", "amount": 150_000}]})
    assert (again.status_code, again.json()["extra"]) == (400, {"status": ["This appointment is already closed."]})
    cancel = api.post(f"/appointments/{sari.pk}/cancel", {})
    assert (cancel.status_code, _extra(cancel)) == (400, ["status"])
    assert Order.objects.get(pk=sari.order_id).payments.count() == 1


@pytest.mark.parametrize(
    ("payments", "field"),
    [
        ([], "payments"),
        ([{"method": "cash", "amount": 100_000}], "payments"),  # short of what is due
        ([{"method": "bitcoin", "amount": 150_000}], "payments[1].method"),
        ([{"method": "cash", "amount": "150.000"}], "payments[1].amount"),
    ],
)
def test_a_bad_check_out_is_refused_naming_the_field(
    business: Business, appointments: dict, payments: list, field: str
) -> None:
    sari = appointments["sari"]
    refused = Api(business.cashier_a).post(f"/appointments/{sari.pk}/checkout", {"payments": payments})
    assert (refused.status_code, _extra(refused)) == (400, [field])
    sari.refresh_from_db()
    assert (sari.status, sari.order.status, sari.order.payments.count()) == ("booked", "booked", 0)


# --- Who may: capability and branches -----------------------------------------------------------------


def test_another_branch_s_bookings_are_not_seen_read_or_changed(
    business: Business, shop: dict, trips: dict, appointments: dict
) -> None:
    rina = Api(business.cashier_b)
    assert _ids(rina.get("/trips")) == [trips["b"].pk]
    # A branch she may not see (or none at all) is refused at the filter, as the members list does.
    for branch_id in (business.branch_a.pk, 99_999):
        for path in ("/trips", "/appointments"):
            refused = rina.get(f"{path}?branch_id={branch_id}")
            assert refused.status_code == 400 and refused.json()["extra"] == {"branch_id": ["not found"]}
    assert _ids(rina.get(f"/trips?customer_id={shop['customer'].pk}")) == []
    assert _ids(rina.get("/appointments")) == [appointments["b"].pk]
    assert _ids(rina.get(f"/appointments?staff_id={business.cashier_a.pk}")) == []
    trip, appointment = trips["a_late"], appointments["sari"]
    for answer in (
        rina.get(f"/trips/{trip.pk}"),
        rina.post(f"/trips/{trip.pk}/cancel", {"reason": "x"}),
        rina.get(f"/appointments/{appointment.pk}"),
        rina.post(f"/appointments/{appointment.pk}/cancel", {}),
        rina.post(f"/appointments/{appointment.pk}/checkout", {"payments": [{"method": "cash", "amount": 150_000}]}),
    ):
        assert answer.status_code == 404, answer.content
    assert Trip.objects.get(pk=trip.pk).status == "booked"
    assert Appointment.objects.get(pk=appointment.pk).status == "booked"
    # The manager of branch A sees branch A; the owner every branch.
    assert _ids(Api(business.manager).get("/trips")) == [trips[k].pk for k in ("a_early", "a_late", "a_next_day")]
    assert len(_ids(Api(business.owner).get("/appointments"))) == 4


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("cashier", True),
        ("call_agent", True),
        ("manager", True),
        ("owner", True),
        ("sales", False),  # sells, but manages no bookings (the trip board and calendar say the same)
        ("service_agent", False),
        ("marketing", False),
        ("analyst", False),
    ],
)
def test_every_endpoint_needs_the_bookings_capability(
    business: Business, shop: dict, trips: dict, appointments: dict, role: str, allowed: bool
) -> None:
    user = make_user(f"{role}_x", role, business.branch_a, first_name="Uji")
    if role == "manager":
        user.managed_branches.set([business.branch_a])
    api = Api(user)
    trip, sari, anyone = trips["a_late"], appointments["sari"], appointments["anyone"]
    _time_has_come(anyone)
    answers = {
        "list trips": api.get("/trips"),
        "trip": api.get(f"/trips/{trip.pk}"),
        "cancel trip": api.post(f"/trips/{trip.pk}/cancel", {"reason": "Batal"}),
        "list appointments": api.get("/appointments"),
        "appointment": api.get(f"/appointments/{sari.pk}"),
        "book": api.post("/appointments", _booking(business, shop, staff_id=None)),
        "cancel appointment": api.post(f"/appointments/{anyone.pk}/cancel", {"no_show": True}),
        "check out": api.post(
            f"/appointments/{sari.pk}/checkout", {"payments": [{"method": "cash", "amount": 150_000}]}
        ),
    }
    expected = {"book": 201} if allowed else {}
    assert {name: answer.status_code for name, answer in answers.items()} == {
        name: expected.get(name, 200 if allowed else 403) for name in answers
    }
    if not allowed:
        assert {answer.json()["message"] for answer in answers.values()} == {"You do not have permission to do this."}
        assert Trip.objects.get(pk=trip.pk).status == "booked"
        assert Appointment.objects.filter(status="booked").count() == 4


def test_without_a_key_every_endpoint_is_401(business: Business, trips: dict, appointments: dict) -> None:
    api = Api(None)
    for answer in (
        api.get("/trips"),
        api.get(f"/trips/{trips['a_late'].pk}"),
        api.post(f"/trips/{trips['a_late'].pk}/cancel", {}),
        api.get("/appointments"),
        api.get(f"/appointments/{appointments['sari'].pk}"),
        api.post("/appointments", {}),
        api.post(f"/appointments/{appointments['sari'].pk}/cancel", {}),
        api.post(f"/appointments/{appointments['sari'].pk}/checkout", {}),
    ):
        assert answer.status_code == 401, answer.content
    assert Trip.objects.get(pk=trips["a_late"].pk).status == "booked"
