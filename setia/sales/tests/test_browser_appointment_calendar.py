"""The receptionist books from the calendar: Dewi has nothing booked tomorrow but still has her
column; a click on her free 14:00 opens the form with Dewi and the time filled in, the customer
is found by her phone number, and the appointment shows in Dewi's column."""

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from setia.conftest import Business, browser_sign_in, make_user
from setia.customers.models import CustomerPhone
from setia.sales.models import Appointment
from setia.sales.services import bookings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("test-results")


def test_the_receptionist_books_a_free_stylist_from_the_calendar(
    page: Any, live_server: Any, business: Business, shop: dict
) -> None:
    dewi = make_user("dewi", "sales", business.branch_a, first_name="Dewi")
    CustomerPhone.objects.create(customer=shop["customer"], number="+6281234567890", is_primary=True)
    day = timezone.localdate() + dt.timedelta(days=1)
    bookings.appointment_book(  # Sari is booked at 10:00; Dewi has nothing yet
        actor=business.cashier_a,
        customer=shop["customer"],
        branch=business.branch_a,
        service=shop["creambath"],
        starts_at=timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0))),
        staff=business.cashier_a,
    )

    browser_sign_in(page, live_server.url, "cashier_a")

    page.goto(f"{live_server.url}/appointments/?day={day.isoformat()}")
    columns = page.get_by_test_id("staff-column")
    assert [name.strip() for name in columns.locator(".card-header").all_inner_texts()] == ["Dewi", "Lestari", "Sari"]
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "appointment-calendar.png"), full_page=True)

    # "Book" without a customer: the form says so, nothing is booked.
    page.get_by_test_id("book").click()
    page.wait_for_url(re.compile(r".*/appointments/new/\?.*"))
    page.locator("#service").select_option(str(shop["creambath"].pk))
    page.get_by_test_id("book-submit").click()
    page.get_by_test_id("customer-error").wait_for()
    assert Appointment.objects.count() == 1

    page.goto(f"{live_server.url}/appointments/?day={day.isoformat()}")
    dewi_column = page.locator(f'[data-testid="staff-column"][data-staff="{dewi.pk}"]')
    dewi_column.get_by_test_id("free-slot").filter(has_text="14:00").click()
    page.wait_for_url(re.compile(r".*/appointments/new/\?.*"))
    assert page.locator("#staff").input_value() == str(dewi.pk)
    assert page.locator("#starts_at").input_value() == f"{day.isoformat()}T14:00"
    page.get_by_test_id("find-customer").fill("0812 3456 7890")
    choice = page.get_by_test_id("customer-choice")
    choice.wait_for()
    assert choice.is_checked()
    assert "Siti Rahma" in page.locator("#customer-choices").inner_text()
    page.screenshot(path=str(SHOTS / "appointment-form.png"), full_page=True)
    page.locator("#service").select_option(str(shop["creambath"].pk))
    page.get_by_test_id("book-submit").click()
    page.wait_for_url(re.compile(rf".*/appointments/\?day={day.isoformat()}&branch=\d+$"))

    booked = dewi_column.get_by_test_id("appointment")
    assert booked.count() == 1
    assert "14:00\u201315:00" in booked.inner_text() and "Siti Rahma" in booked.inner_text()
    assert "14:00" not in dewi_column.get_by_test_id("free-slot").all_inner_texts()
    page.screenshot(path=str(SHOTS / "appointment-calendar-booked.png"), full_page=True)

    # Booking from her page (the customer chosen already) at 21:00, after closing: refused under
    # the time, and her name sits inside the form, not beside it.
    page.goto(f"{live_server.url}/appointments/new/?customer={shop['customer'].pk}")
    page.locator("#service").select_option(str(shop["creambath"].pk))
    page.locator("#starts_at").fill(f"{day.isoformat()}T21:00")
    page.get_by_test_id("book-submit").click()
    page.locator("#starts_at ~ .invalid-feedback").wait_for()
    assert page.get_by_test_id("form-errors").count() == 0  # said once, under the time
    assert "09:00" in page.locator("#starts_at ~ .invalid-feedback").inner_text()
    chosen = page.get_by_test_id("chosen-customer").bounding_box()
    form = page.get_by_test_id("appointment-form").bounding_box()
    assert chosen and form and chosen["x"] + chosen["width"] <= form["x"] + form["width"] + 1
    assert chosen["height"] < 60  # one line: name, phone and "Change"
    assert Appointment.objects.count() == 2
    page.goto(f"{live_server.url}/appointments/?day={day.isoformat()}")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: Book stays within reach
    assert page.get_by_test_id("book").is_visible()
    page.screenshot(path=str(SHOTS / "appointment-calendar-phone.png"))
    appointment = Appointment.objects.get(staff=dewi)
    assert (appointment.order.customer_id, timezone.localtime(appointment.starts_at).hour) == (shop["customer"].pk, 14)
