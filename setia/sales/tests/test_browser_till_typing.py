"""The till recalculates after each change; what the cashier types while that answer is on its way
is kept (the answer does not swap the fields back), and leaving the field prices it."""

import re
import time
from typing import Any

import pytest

from setia.accounts.models import Branch
from setia.catalog.models import Category, Product
from setia.conftest import browser_sign_in, make_user
from setia.customers.models import Customer, CustomerPhone
from setia.loyalty.models import LoyaltySettings, PointsEntry
from setia.loyalty.services import ledger, membership
from setia.sales.models import Order, SalesSettings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_typing_during_a_recalculation_is_kept(page: Any, live_server: Any) -> None:
    branch = Branch.objects.create(name="Salon Cantik Kemang", code="kmg")
    cashier = make_user("kasir", "cashier", branch, first_name="Sari")
    SalesSettings.objects.create(pk=1, cash_rounding=1)
    LoyaltySettings.objects.create(pk=1)
    hair = Category.objects.create(name="Perawatan rambut")
    Product.objects.create(kind="service", name="Potong rambut", price=85_000, category=hair)
    bunga = Customer.objects.create(name="Bunga Citra", search_name="bunga citra", home_branch=branch)
    CustomerPhone.objects.create(customer=bunga, number="+6281211112222")
    member = membership.membership_join(actor=cashier, customer=bunga)
    ledger.points_post(membership=member, kind=PointsEntry.Kind.ADJUST, points=100, reason="Saldo awal")
    base = live_server.url
    browser_sign_in(page, base, "kasir")
    page.goto(f"{base}/cashier/?customer={bunga.pk}")
    page.get_by_test_id("find-product").fill("potong")
    page.get_by_test_id("find-product").press("Enter")
    page.get_by_test_id("product-choice").filter(has_text="Potong rambut").click()
    page.get_by_test_id("cart-line").filter(has_text="Potong rambut").wait_for()

    # Recalculations answer slowly (a busy server): each waits a second and a half.
    def slow(route: Any) -> None:
        if route.request.method == "POST" and "action=recalculate" in (route.request.post_data or ""):
            time.sleep(1.5)
        route.continue_()

    page.route(re.compile(r".*/cashier/$"), slow)
    # Choose QRIS, then type the amount at once: the answer to the choice comes while typing.
    page.get_by_test_id("payment-row").locator("select").select_option("qris")
    amount = page.get_by_test_id("pay-amount")
    amount.click()
    amount.press_sequentially("85000", delay=120)
    page.wait_for_timeout(2500)  # the answer has come and gone
    assert amount.input_value() == "85000"
    # Points right after: typed while the amount's answer is on its way.
    page.get_by_test_id("pay-points").click()  # leaving the amount asks for a recalculation
    page.wait_for_timeout(700)  # it has left (after its 400 ms pause) when the points are typed
    page.get_by_test_id("pay-points").press_sequentially("30", delay=150)
    page.wait_for_timeout(2500)
    assert page.get_by_test_id("pay-points").input_value() == "30"
    page.unroute(re.compile(r".*/cashier/$"))
    page.get_by_test_id("pay-points").press("Tab")  # leaving it prices the points
    page.get_by_text("Paid with points").or_(page.get_by_text("Dibayar dengan poin")).wait_for()
    assert page.get_by_test_id("to-pay").inner_text() == "Rp 82.000"
    page.get_by_test_id("pay-amount").fill("82000")
    page.get_by_test_id("pay-amount").press("Tab")
    page.wait_for_timeout(800)
    page.get_by_test_id("pay").click()
    page.wait_for_url(re.compile(r".*/orders/\d+/$"))
    order = Order.objects.get()
    assert order.total == 85_000
    assert sorted((p.method, p.amount) for p in order.payments.all()) == [("points", 3_000), ("qris", 82_000)]
