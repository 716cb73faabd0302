"""The taxi story, as the call-centre agent lives it: the phone rings, the caller's card pops
up, one click repeats the last trip with its pick-up address and landmark, a driver is
chosen from the branch's list (her plate comes with her) and the trip completes with its fare."""

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone

from setia.accounts.models import User
from setia.core.tests.test_browser_shell import sign_in
from setia.customers.models import Address, Customer
from setia.customers.services import telephony_event_receive
from setia.demo.services import seed_demo
from setia.sales.models import Driver, Trip
from setia.sales.services import bookings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_ringing_repeat_last_trip_assign_complete(page: Any, live_server: Any) -> None:
    seed_demo(profile="taxi", seed=1, customers=12)
    agent = User.objects.get(username="agent")
    admin = User.objects.get(username="admin")
    # A caller without a member card: the fare is then what she pays (a member's tier discount aside).
    caller = (
        Customer.objects.filter(home_branch=agent.branch, phones__isnull=False, membership__isnull=True)
        .distinct()
        .first()
    )
    assert caller is not None and agent.branch is not None
    Trip.objects.filter(order__customer=caller).delete()
    # The demo's upcoming trips of the pool leave its drivers free (which of them the demo assigns
    # depends on its random choices; "busy" is tested in test_drivers).
    Trip.objects.filter(order__branch=agent.branch, status=Trip.Status.ASSIGNED).update(driver=None)
    home = Address.objects.create(
        customer=caller, line="Jl. Melati No. 12", landmark="rumah pagar biru, sebelah masjid"
    )
    earlier = bookings.trip_book(
        actor=agent,
        customer=caller,
        branch=agent.branch,
        pickup_at=timezone.now() + dt.timedelta(minutes=5),
        pickup_address=home,
        destination="Stasiun Gambir",
    )
    joko = Driver.objects.filter(branch=agent.branch, is_active=True).order_by("pk").first()
    assert joko is not None
    bookings.trip_assign(actor=agent, trip=earlier, driver_id=joko.pk)
    bookings.trip_complete(actor=agent, trip=earlier, fare=64_000)

    sign_in(page, live_server.url, "agent")
    page.wait_for_timeout(1000)  # the page has started listening for calls
    phone = caller.phones.get().number
    telephony_event_receive(actor=admin, event="ringing", caller=phone.lstrip("+"), agent_username="agent")
    card = page.get_by_test_id("screen-pop")
    card.get_by_test_id("caller-name").wait_for(timeout=3000)
    assert card.get_by_test_id("caller-name").inner_text() == caller.name
    assert "Jl. Melati No. 12" in card.get_by_test_id("caller-actions").inner_text()

    card.get_by_test_id("repeat-last-trip").click()
    page.wait_for_url(re.compile(r".*/trips/\?day=\d{4}-\d\d-\d\d&branch=\d+$"))  # the trip's day and branch
    booked = page.get_by_test_id("trips-booked").get_by_test_id("trip").filter(has_text=caller.name)
    assert booked.get_by_test_id("trip-pickup").inner_text() == "Jl. Melati No. 12"
    assert booked.get_by_test_id("trip-landmark").inner_text() == "rumah pagar biru, sebelah masjid"

    # The pool's active drivers are the choices (the earlier trip is completed: nobody is busy).
    choose = booked.get_by_test_id("driver-select")
    options = choose.locator("option").all_inner_texts()[1:]
    listed = Driver.objects.filter(branch=agent.branch, is_active=True).order_by("name", "pk")
    assert options == [f"{d.name} · {d.vehicle_plate}" for d in listed]
    driver = listed.last()
    assert driver is not None
    choose.select_option(str(driver.pk))
    booked.get_by_test_id("assign").click()
    assigned = page.get_by_test_id("trips-assigned").get_by_test_id("trip").filter(has_text=caller.name)
    assigned.get_by_test_id("fare").fill("72000")
    assigned.get_by_test_id("complete").click()
    done = (
        page.get_by_test_id("trips-completed")
        .get_by_test_id("trip")
        .filter(has_text="Jl. Melati No. 12")
        .filter(has_text=f"{driver.name} {driver.vehicle_plate}")
    )
    assert done.get_by_test_id("trip-paid").inner_text() == "Rp 72.000"
    assert "selesai: Rp 72.000 dibayar" in (page.locator("#toasts").text_content() or "")
    trip = Trip.objects.exclude(pk=earlier.pk).get(order__customer=caller)
    assert (trip.status, trip.fare, trip.landmark, trip.order.total, trip.driver_id, trip.vehicle) == (
        "completed",
        72_000,
        "rumah pagar biru, sebelah masjid",
        72_000,
        driver.pk,
        driver.vehicle_plate,
    )
