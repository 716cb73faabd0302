"""The walk-through's fixes in a browser: typing another place on the trip form chooses it, the
board takes a fare typed with thousands dots and paid by QRIS, and the driver list fits a phone."""

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone

from setia.conftest import Business, browser_sign_in
from setia.customers.models import Address
from setia.sales.models import Payment, Trip
from setia.sales.services import bookings
from setia.sales.services.drivers import driver_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_typing_another_place_chooses_it_and_books_it(
    page: Any, live_server: Any, business: Business, shop: dict
) -> None:
    customer = shop["customer"]
    home = Address.objects.create(customer=customer, line="Jl. Kemang Raya 5", landmark="pagar hijau")
    browser_sign_in(page, live_server.url, "cashier_a")
    page.goto(f"{live_server.url}/trips/new/?customer={customer.pk}")
    assert page.locator(f"#addr{home.pk}").is_checked()
    page.get_by_test_id("other-place").fill("Mall Kota Kasablanka")
    assert page.get_by_test_id("other-place-choice").is_checked()
    page.fill("#landmark", "lobi utara")
    page.get_by_test_id("save-trip").click()
    page.wait_for_url(re.compile(r".*/trips/\?day=\d{4}-\d\d-\d\d&branch=\d+$"))  # the trip's day and branch
    trip = Trip.objects.get()
    assert (trip.pickup_text, trip.landmark, trip.pickup_address_id) == ("Mall Kota Kasablanka", "lobi utara", None)


def test_the_board_completes_a_fare_with_dots_paid_by_qris(
    page: Any, live_server: Any, business: Business, shop: dict
) -> None:
    trip = bookings.trip_book(
        actor=business.cashier_a,
        customer=shop["customer"],
        branch=business.branch_a,
        pickup_at=timezone.now() + dt.timedelta(minutes=20),
        pickup_text="Jl. Melati No. 12",
    )
    bookings.trip_assign(actor=business.cashier_a, trip=trip, driver_name="Pak Budi")
    browser_sign_in(page, live_server.url, "cashier_a")
    day = timezone.localtime(trip.pickup_at).date().isoformat()  # twenty minutes on may be tomorrow
    page.goto(f"{live_server.url}/trips/?day={day}")
    card = page.get_by_test_id("trips-assigned").get_by_test_id("trip")
    card.get_by_test_id("fare").fill("87.650")
    card.get_by_test_id("fare-method").select_option("qris")
    card.get_by_test_id("complete").click()
    page.get_by_test_id("trips-completed").get_by_test_id("trip-paid").wait_for()
    trip.refresh_from_db()
    (payment,) = trip.order.payments.all()
    assert (trip.status, trip.fare, payment.method, payment.amount) == (
        "completed",
        87_650,
        Payment.Method.QRIS,
        87_650,
    )


def test_the_driver_list_fits_a_phone(page: Any, live_server: Any, business: Business) -> None:
    for name, plate in (("Bu Euis Nurhasanah", "D 1311 DZ"), ("Pak Dadang", "D 1208 NU"), ("Pak Ujang", "B 7773 DLJ")):
        driver_create(
            actor=business.owner,
            name=name,
            phone="0812-3456-7890",
            vehicle_plate=plate,
            vehicle_description="Toyota Innova, hitam",
            branch=business.branch_a,
        )
    browser_sign_in(page, live_server.url, "manager")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/trips/drivers/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for button in page.get_by_test_id("toggle-driver").all():
        box = button.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    row = page.get_by_test_id("driver").filter(has_text="Pak Dadang")
    assert "D 1208 NU" in row.inner_text()  # the plate under the name
