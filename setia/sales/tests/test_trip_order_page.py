"""A trip's order page says when the car picks her up, and a cancelled trip says it was cancelled
and why (not "no items yet (booked)")."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from setia.conftest import Business, client_for
from setia.sales.services import bookings


def test_the_pick_up_time_and_a_cancellation_show_on_the_order_page(business: Business, shop: dict) -> None:
    pickup = (timezone.localtime() + dt.timedelta(days=1)).replace(hour=9, minute=30, second=0, microsecond=0)
    trip = bookings.trip_book(
        actor=business.cashier_a,
        customer=shop["customer"],
        branch=business.branch_a,
        pickup_at=pickup,
        pickup_text="Stasiun Manggarai pintu selatan",
    )
    web = client_for(business.cashier_a)
    web.cookies["django_language"] = "en"
    url = reverse("sales:order_detail", args=[trip.order_id])
    page = web.get(url).content.decode()
    shown = page.split('data-testid="trip-pickup-at">')[1].split("</span>")[0]
    assert shown.startswith("<i") and "Pick-up" in shown and "9:30" in shown
    assert "No items yet (booked)." in page
    bookings.trip_cancel(actor=business.cashier_a, trip=trip, reason="Pelanggan batal, sudah dapat taksi lain")
    page = web.get(url).content.decode()
    assert "No items: the booking was cancelled." in page and "No items yet" not in page
    assert "Why it was cancelled: Pelanggan batal, sudah dapat taksi lain" in page
