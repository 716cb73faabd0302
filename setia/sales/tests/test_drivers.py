"""The taxi's driver list: plates and phones checked and normalised, the list page per persona,
assigning a trip from the list (name and plate kept on the trip as assigned), busy drivers marked
but still choosable, the trip board's driver filter and trips-of-the-day count, and refusals that
name the field and change nothing."""

import datetime as dt
import html
import re
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from setia.accounts.models import Branch
from setia.conftest import PERSONAS, Business, client_for, persona_user
from setia.core.errors import ApplicationError, PermissionDeniedError
from setia.core.models import AuditEvent
from setia.customers.models import Customer
from setia.sales.models import Driver, Trip
from setia.sales.selectors.drivers import assign_choices, busy_with, trip_counts
from setia.sales.services import bookings
from setia.sales.services.drivers import driver_create, driver_set_active, driver_update, normalize_plate


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _driver(
    business: Business, name: str = "Pak Joko", plate: str = "B 1234 XYZ", branch: Branch | None = None
) -> Driver:
    return driver_create(
        actor=business.owner,
        name=name,
        phone="0812-3456-7890",
        vehicle_plate=plate,
        vehicle_description="Toyota Avanza, putih",
        branch=branch or business.branch_a,
    )


def _tomorrow_at(minutes: int) -> dt.datetime:
    """Tomorrow 09:00 (local) plus `minutes`: the trips of these tests share a day whatever the time."""
    nine = dt.datetime.combine(timezone.localdate() + dt.timedelta(days=1), dt.time(9))
    return timezone.make_aware(nine) + dt.timedelta(minutes=minutes)


def _trip(business: Business, customer: Customer, minutes: int = 60, branch: Branch | None = None) -> Trip:
    return bookings.trip_book(
        actor=business.owner,
        customer=customer,
        branch=branch or business.branch_a,
        pickup_at=_tomorrow_at(minutes),
        pickup_text="Jl. Melati No. 12",
        destination="Stasiun Gambir",
    )


# --- The model and its service --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("B 1234 XYZ", "B 1234 XYZ"),
        ("b1234xyz", "B 1234 XYZ"),
        ("  d-7-ab ", "D 7 AB"),
        ("AB  12.C", "AB 12 C"),
        ("B 1234", "B 1234"),
    ],
)
def test_plates_are_stored_upper_case_with_single_spaces(typed: str, stored: str) -> None:
    assert normalize_plate(typed) == stored


@pytest.mark.parametrize("typed", ["", "1234 XYZ", "B 0123 XY", "B 12345 XY", "ABC 1 X", "B 1234 WXYZ", "B 12 3 X"])
def test_malformed_plates_are_refused_naming_the_field(typed: str) -> None:
    with pytest.raises(ApplicationError) as error:
        normalize_plate(typed)
    assert list(error.value.extra) == ["vehicle_plate"]


def test_a_driver_is_saved_normalised_and_audited(business: Business) -> None:
    driver = driver_create(
        actor=business.cashier_a,
        name="  Pak   Joko ",
        phone="0812-3456-7890",
        vehicle_plate="b1234xyz",
        vehicle_description="Toyota Avanza, putih",
        branch=business.branch_a,
    )
    driver.refresh_from_db()
    assert (driver.name, driver.phone, driver.vehicle_plate, driver.branch_id, driver.is_active) == (
        "Pak Joko",
        "+6281234567890",
        "B 1234 XYZ",
        business.branch_a.pk,
        True,
    )
    event = AuditEvent.objects.get(object_type="sales.driver", object_id=str(driver.pk))
    assert (event.action, event.changes["vehicle_plate"], event.branch_id) == (
        "create",
        [None, "B 1234 XYZ"],
        business.branch_a.pk,
    )


def test_bad_driver_input_names_every_field_and_saves_nothing(business: Business) -> None:
    with pytest.raises(ApplicationError) as error:
        driver_create(actor=business.cashier_a, name=" ", phone="12", vehicle_plate="1234", branch=business.branch_a)
    assert sorted(error.value.extra) == ["name", "phone", "vehicle_plate"]
    # Another branch than her own, and a name already on the branch's list.
    with pytest.raises(ApplicationError) as error:
        driver_create(
            actor=business.cashier_a,
            name="Pak Joko",
            phone="0812 3456 7890",
            vehicle_plate="D 1 A",
            branch=business.branch_b,
        )
    assert list(error.value.extra) == ["branch"]
    _driver(business)
    with pytest.raises(ApplicationError) as error:
        driver_create(
            actor=business.cashier_a,
            name="pak joko",
            phone="0813 1111 2222",
            vehicle_plate="B 9 Z",
            branch=business.branch_a,
        )
    assert error.value.extra["name"] == [
        "Pak Joko is already on the list of Kemang: add a surname or initial to tell them apart."
    ]
    with pytest.raises(PermissionDeniedError):
        driver_create(
            actor=business.analyst,
            name="Pak Asep",
            phone="0812 3456 7890",
            vehicle_plate="B 2 A",
            branch=business.branch_a,
        )
    assert list(Driver.objects.values_list("name", flat=True)) == ["Pak Joko"]


def test_editing_a_driver_leaves_assigned_trips_as_they_were(business: Business, shop: dict) -> None:
    driver = _driver(business)
    trip = bookings.trip_assign(actor=business.cashier_a, trip=_trip(business, shop["customer"]), driver_id=driver.pk)
    driver_update(
        actor=business.cashier_a,
        driver=driver,
        name="Pak Joko Susilo",
        phone="0812 3456 7890",
        vehicle_plate="B 5678 ABC",
        vehicle_description="Toyota Vios",
        branch=business.branch_a,
    )
    trip.refresh_from_db()
    driver.refresh_from_db()
    assert (driver.name, driver.vehicle_plate) == ("Pak Joko Susilo", "B 5678 ABC")
    assert (trip.driver_id, trip.driver_name, trip.vehicle) == (driver.pk, "Pak Joko", "B 1234 XYZ")
    with pytest.raises(ApplicationError) as error:
        driver_update(
            actor=business.cashier_a,
            driver=driver,
            name="Pak Joko Susilo",
            phone="0812 3456 7890",
            vehicle_plate="B-12345",
            branch=business.branch_a,
        )
    assert list(error.value.extra) == ["vehicle_plate"]
    driver.refresh_from_db()
    assert driver.vehicle_plate == "B 5678 ABC"
    with pytest.raises(ApplicationError):  # branch B's cashier does not see branch A's drivers
        driver_set_active(actor=business.cashier_b, driver=driver, active=False)
    assert Driver.objects.get(pk=driver.pk).is_active


def test_a_driver_with_trips_to_drive_is_not_moved_to_another_branch(business: Business, shop: dict) -> None:
    driver = _driver(business)
    trip = bookings.trip_assign(actor=business.owner, trip=_trip(business, shop["customer"]), driver_id=driver.pk)
    edit = {
        "name": driver.name,
        "phone": "0812 3456 7890",
        "vehicle_plate": driver.vehicle_plate,
        "vehicle_description": driver.vehicle_description,
    }
    with pytest.raises(ApplicationError) as refused:
        driver_update(actor=business.owner, driver=driver, branch=business.branch_b, **edit)
    at = f"{trip.order.number} at "
    assert list(refused.value.extra) == ["branch"]
    message = refused.value.extra["branch"][0]
    assert message.startswith(f"Pak Joko still has a trip to drive for {business.branch_a.name}: {at}")
    assert message.endswith(
        f"Assign it to another driver (or cancel it) before moving the driver to {business.branch_b.name}."
    )
    assert Driver.objects.get(pk=driver.pk).branch_id == business.branch_a.pk
    driver_update(actor=business.owner, driver=driver, branch=business.branch_a, **edit)  # staying: fine
    bookings.trip_cancel(actor=business.owner, trip=trip, reason="Pelanggan batal")
    moved = driver_update(actor=business.owner, driver=driver, branch=business.branch_b, **edit)
    assert moved.branch_id == business.branch_b.pk


# --- Assigning a trip -----------------------------------------------------------------------------


def test_assigning_a_driver_copies_her_name_and_plate(business: Business, shop: dict) -> None:
    driver = _driver(business)
    trip = bookings.trip_assign(actor=business.cashier_a, trip=_trip(business, shop["customer"]), driver_id=driver.pk)
    trip.refresh_from_db()
    assert (trip.status, trip.driver_id, trip.driver_name, trip.vehicle) == (
        "assigned",
        driver.pk,
        "Pak Joko",
        "B 1234 XYZ",
    )
    event = AuditEvent.objects.filter(message="Trip assigned").get()
    assert event.changes == {
        "driver": [None, driver.pk],
        "driver_name": ["", "Pak Joko"],
        "vehicle": ["", "B 1234 XYZ"],
    }


def test_a_typed_name_is_matched_against_the_list(business: Business, shop: dict) -> None:
    driver = _driver(business)
    trip = bookings.trip_assign(
        actor=business.cashier_a, trip=_trip(business, shop["customer"]), driver_name="pak joko"
    )
    assert (trip.driver_id, trip.driver_name, trip.vehicle) == (driver.pk, "Pak Joko", "B 1234 XYZ")
    # A branch without a driver list yet still takes a typed name (and plate) as before.
    other = bookings.trip_assign(
        actor=business.owner,
        trip=_trip(business, shop["customer"], branch=business.branch_b),
        driver_name="Pak Budi",
        vehicle="D 1 A",
    )
    assert (other.driver_id, other.driver_name, other.vehicle) == (None, "Pak Budi", "D 1 A")


def test_unknown_inactive_or_other_branch_drivers_are_refused(business: Business, shop: dict) -> None:
    trip = _trip(business, shop["customer"])
    gone = _driver(business, name="Pak Slamet", plate="B 2 SL")
    driver_set_active(actor=business.owner, driver=gone, active=False)
    dago = _driver(business, name="Pak Asep", plate="D 3 AS", branch=business.branch_b)
    _driver(business)
    refusals = [
        ({"driver_id": 999_999}, "driver", "Choose an active driver from the list."),
        ({"driver_id": gone.pk}, "driver", "Choose an active driver from the list."),
        ({"driver_id": dago.pk}, "driver", "Pak Asep drives for Dago, not for Kemang."),
        ({"driver_name": "Pak Typo"}, "driver_name", "Pak Typo is not on the driver list of Kemang."),
        ({}, "driver", "Choose the driver."),
    ]
    for arguments, field, message in refusals:
        with pytest.raises(ApplicationError) as error:
            bookings.trip_assign(actor=business.cashier_a, trip=trip, **arguments)  # type: ignore[arg-type]
        assert error.value.extra == {field: [message]}, arguments
    trip.refresh_from_db()
    assert (trip.status, trip.driver_id, trip.driver_name, trip.vehicle) == ("booked", None, "", "")
    assert not AuditEvent.objects.filter(message="Trip assigned").exists()


def test_a_driver_on_an_overlapping_trip_is_busy_but_still_choosable(business: Business, shop: dict) -> None:
    joko, sri = _driver(business), _driver(business, name="Bu Sri", plate="B 7 SRI")
    first = bookings.trip_assign(
        actor=business.cashier_a, trip=_trip(business, shop["customer"], 60), driver_id=joko.pk
    )
    soon = _trip(business, shop["customer"], 100)  # 40 minutes after the first pick-up
    later = _trip(business, shop["customer"], 180)  # two hours after it
    choices = assign_choices([soon, later])
    assert [(c.driver.name, c.busy_with) for c in choices[soon.pk]] == [("Bu Sri", None), ("Pak Joko", first)]
    assert [(c.driver.name, c.busy_with) for c in choices[later.pk]] == [("Bu Sri", None), ("Pak Joko", None)]
    again = bookings.trip_assign(actor=business.cashier_a, trip=soon, driver_id=joko.pk)
    assert (again.status, again.driver_id, busy_with(again)) == ("assigned", joko.pk, first)
    assert busy_with(bookings.trip_assign(actor=business.cashier_a, trip=later, driver_id=sri.pk)) is None
    # A completed trip keeps nobody busy (completed once driven: at its pick-up time tomorrow).
    with mock.patch("django.utils.timezone.now", return_value=first.pickup_at):
        bookings.trip_complete(actor=business.cashier_a, trip=first, fare=50_000)
    assert busy_with(Trip.objects.get(pk=soon.pk)) is None


def test_the_board_marks_a_busy_driver_and_assigns_from_the_list(business: Business, shop: dict) -> None:
    joko, sri = _driver(business), _driver(business, name="Bu Sri", plate="B 7 SRI")
    first = bookings.trip_assign(actor=business.owner, trip=_trip(business, shop["customer"], 60), driver_id=joko.pk)
    soon = _trip(business, shop["customer"], 90)
    web = english(client_for(business.cashier_a))
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    board = web.get(reverse("sales:trips") + f"?day={tomorrow.isoformat()}").content.decode()
    assert f'data-busy="{first.order.number}"' in board
    pickup = timezone.localtime(first.pickup_at).strftime("%H:%M")
    assert f"Pak Joko · B 1234 XYZ — busy: {first.order.number} at {pickup}" in html.unescape(board)
    done = web.post(
        reverse("sales:trip_action", args=[soon.pk, "assign"]),
        {"driver": joko.pk, "board_driver": joko.pk},
        follow=True,
    )
    page = html.unescape(done.content.decode())
    assert f"Trip {soon.order.number} assigned to Pak Joko." in page
    assert f"Pak Joko is also on trip {first.order.number} at {pickup}." in page
    assert done.redirect_chain[-1][0].endswith(f"&driver={joko.pk}")
    soon.refresh_from_db()
    assert (soon.driver_id, soon.driver_name, soon.vehicle) == (joko.pk, "Pak Joko", "B 1234 XYZ")
    # A refusal is shown, nothing changes.
    other = _trip(business, shop["customer"], 300)
    refused = web.post(reverse("sales:trip_action", args=[other.pk, "assign"]), {"driver": ""}, follow=True)
    assert "Choose the driver." in refused.content.decode()
    assert Trip.objects.get(pk=other.pk).status == "booked" and sri.trips.count() == 0


def test_the_board_filters_by_driver_and_counts_her_trips_of_the_day(business: Business, shop: dict) -> None:
    joko, sri = _driver(business), _driver(business, name="Bu Sri", plate="B 7 SRI")
    dago = _driver(business, name="Pak Asep", plate="D 3 AS", branch=business.branch_b)
    for minutes in (30, 150):
        bookings.trip_assign(actor=business.owner, trip=_trip(business, shop["customer"], minutes), driver_id=joko.pk)
    cancelled = bookings.trip_assign(
        actor=business.owner, trip=_trip(business, shop["customer"], 240), driver_id=joko.pk
    )
    bookings.trip_cancel(actor=business.owner, trip=cancelled)
    bookings.trip_assign(actor=business.owner, trip=_trip(business, shop["customer"], 45), driver_id=sri.pk)
    today = timezone.localdate() + dt.timedelta(days=1)
    assert trip_counts(driver_ids=[joko.pk, sri.pk, dago.pk], day=today) == {joko.pk: 2, sri.pk: 1}
    web = english(client_for(business.cashier_a))
    page = web.get(reverse("sales:trips") + f"?day={today.isoformat()}&driver={joko.pk}").content.decode()
    assert re.findall(r'data-testid="trip-driver">.*?</i>([^<]+)</div>', page) == ["Pak Joko B 1234 XYZ"] * 3
    summary = re.search(r'data-testid="driver-trips-count">([^<]+)<', page)
    assert summary is not None and summary.group(1) == "2 trips this day"
    assert "Pak Joko · B 1234 XYZ (2)" in page and "Bu Sri · B 7 SRI (1)" in page
    assert "Pak Asep" not in page  # branch B's driver is not hers to see
    # Another branch's driver in the address is ignored: the whole board is shown.
    whole = web.get(reverse("sales:trips") + f"?day={today.isoformat()}&driver={dago.pk}").content.decode()
    assert whole.count('data-testid="trip"') == 4 and 'data-testid="driver-summary"' not in whole


def test_the_board_queries_do_not_grow_with_its_trips(business: Business, shop: dict) -> None:
    drivers = [_driver(business, name=f"Pak {name}", plate=f"B {n + 1} A") for n, name in enumerate("ABC")]
    web = client_for(business.cashier_a)

    def board_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            day = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
            assert web.get(reverse("sales:trips") + f"?day={day}").status_code == 200
        return len(queries)

    bookings.trip_assign(actor=business.owner, trip=_trip(business, shop["customer"], 30), driver_id=drivers[0].pk)
    few = board_queries()
    for index in range(6):
        trip = _trip(business, shop["customer"], 40 + index * 20)
        bookings.trip_assign(actor=business.owner, trip=trip, driver_id=drivers[index % 3].pk)
    assert board_queries() == few


# --- The driver list page, per persona ------------------------------------------------------------


@pytest.mark.parametrize("persona", [*PERSONAS, "analyst"])
def test_driver_pages_by_persona(business: Business, persona: str) -> None:
    kemang = _driver(business)
    user = business.analyst if persona == "analyst" else persona_user(business, persona)
    web = english(client_for(user))
    pages = [
        reverse("sales:driver_list"),
        reverse("sales:driver_create"),
        reverse("sales:driver_edit", args=[kemang.pk]),
    ]
    new = {
        "name": "Bu Sri",
        "phone": "0813 2222 3333",
        "vehicle_plate": "b 7 sri",
        "vehicle_description": "",
        "branch": business.branch_a.pk,
    }
    added = web.post(pages[1], new)
    toggled = web.post(reverse("sales:driver_active", args=[kemang.pk]))
    responses = [web.get(url) for url in pages]
    if user is None:
        for response in [*responses, added, toggled]:
            assert response.status_code == 302 and "/accounts/login" in response["Location"]
    elif persona == "analyst":
        assert [r.status_code for r in [*responses, added, toggled]] == [403] * 5
    elif persona == "other_branch_front_office":
        # Her own branch's drivers only: branch A is not hers to add to, its driver not found.
        assert [r.status_code for r in responses] == [200, 200, 404]
        assert added.status_code == 200 and 'data-field-error="branch"' in added.content.decode()
        assert toggled.status_code == 404
        assert "Pak Joko" not in responses[0].content.decode()
    else:
        assert [r.status_code for r in responses] == [200, 200, 200]
        assert added.status_code == 302 and toggled.status_code == 302
        assert "Pak Joko" in responses[0].content.decode()
        assert Driver.objects.get(name="Bu Sri").vehicle_plate == "B 7 SRI"
    kemang.refresh_from_db()
    changed = persona in ("same_branch_front_office", "manager", "owner")
    assert kemang.is_active is not changed
    assert Driver.objects.filter(name="Bu Sri").exists() is changed


def test_the_driver_form_shows_each_refusal_under_its_field(business: Business) -> None:
    web = english(client_for(business.manager))
    response = web.post(
        reverse("sales:driver_create"),
        {"name": "Pak Joko", "phone": "12", "vehicle_plate": "1234 XYZ", "branch": business.branch_a.pk},
    )
    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert 'data-field-error="vehicle_plate">“1234 XYZ” is not a number plate: write it like B 1234 XYZ.' in page
    assert 'data-field-error="phone">' in page
    assert not Driver.objects.exists()


def test_the_driver_list_searches_and_filters(business: Business, shop: dict) -> None:
    joko = _driver(business)
    _driver(business, name="Bu Sri", plate="B 7 SRI")
    gone = _driver(business, name="Pak Slamet", plate="B 2 SL")
    driver_set_active(actor=business.owner, driver=gone, active=False)
    soon = bookings.trip_book(
        actor=business.owner,
        customer=shop["customer"],
        branch=business.branch_a,
        pickup_at=timezone.now() + dt.timedelta(minutes=5),
        pickup_text="Jl. Melati No. 12",
    )
    bookings.trip_assign(actor=business.owner, trip=soon, driver_id=joko.pk)
    web = english(client_for(business.manager))

    def names(query: str) -> list[str]:
        page = web.get(reverse("sales:driver_list") + query).content.decode()
        return [name.strip() for name in re.findall(r'<tr data-testid="driver"[^>]*>\s*<td>([^<]+)', page)]

    assert names("") == ["Bu Sri", "Pak Joko"]
    assert names("?q=1234") == ["Pak Joko"]
    assert names("?status=inactive") == ["Pak Slamet"]
    assert names("?status=all&branch=" + str(business.branch_b.pk)) == []
    page = web.get(reverse("sales:driver_list") + "?q=joko").content.decode()
    count = re.search(r'data-testid="driver-trips-today">(\d+)<', page)
    expected = 1 if timezone.localtime(Trip.objects.get().pickup_at).date() == timezone.localdate() else 0
    assert count is not None and int(count.group(1)) == expected


def test_the_api_assigns_a_driver_from_the_list_by_id(business: Business, shop: dict) -> None:
    from setia.accounts.services import api_key_create

    driver = _driver(business)
    other = _driver(business, name="Pak Dedi", plate="D 4321 AB", branch=business.branch_b)
    trip = _trip(business, shop["customer"])
    _record, key = api_key_create(actor=business.cashier_a, name="dispatch")
    api = Client(headers={"Authorization": f"Bearer {key}"})
    refused = api.post(f"/api/v1/trips/{trip.pk}/assign", {"driver_id": other.pk}, content_type="application/json")
    assert refused.status_code == 400 and "driver_id" in refused.json()["extra"]
    trip.refresh_from_db()
    assert (trip.status, trip.driver_id) == ("booked", None)
    done = api.post(f"/api/v1/trips/{trip.pk}/assign", {"driver_id": driver.pk}, content_type="application/json")
    assert done.status_code == 200, done.content
    body = done.json()
    assert (body["status"], body["driver_id"], body["driver_name"], body["vehicle"]) == (
        "assigned",
        driver.pk,
        "Pak Joko",
        "B 1234 XYZ",
    )
