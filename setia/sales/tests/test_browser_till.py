"""The till as a cashier works it: she splits a payment, types both amounts and clicks "Pay"
straight away. The amounts fall short: the refusal stays under "Pay" (the recalculation that the
last field's change had queued no longer redraws the bill without it), and nothing is sold;
corrected, the sale goes through."""

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from setia.accounts.models import Branch
from setia.catalog.models import Product
from setia.conftest import browser_sign_in, make_user
from setia.sales.models import Order, SalesSettings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_short_split_payment_keeps_its_message_until_corrected(page: Any, live_server: Any) -> None:
    branch = Branch.objects.create(name="Dago", code="dgo")
    make_user("kasir", "cashier", branch, first_name="Rina")
    SalesSettings.objects.create(pk=1)
    Product.objects.create(kind="service", name="Lulur", price=180_000)
    base = live_server.url
    browser_sign_in(page, base, "kasir")
    page.goto(f"{base}/cashier/")
    page.get_by_placeholder(re.compile("Produk|Product")).fill("Lulur")
    page.get_by_test_id("product-choice").first.click()
    expect(page.get_by_test_id("cart-line")).to_have_count(1)
    page.get_by_role("button", name=re.compile(r"bagi pembayaran|split the payment")).click()
    amounts = page.locator("input[name=pay_amount]")
    expect(amounts).to_have_count(2)
    page.locator("select[name=pay_method]").nth(1).select_option("cash")
    amounts.nth(0).fill("100000")
    amounts.nth(1).fill("50000")
    page.get_by_test_id("pay").click()  # at once: the last field's change is still pending
    error = page.get_by_test_id("cashier-error")
    expect(error).to_contain_text("30.000")
    page.wait_for_timeout(1500)  # past the recalculation's delay
    expect(error).to_be_visible()
    assert Order.objects.count() == 0
    amounts.nth(1).fill("80000")
    page.get_by_test_id("pay").click()
    page.wait_for_url(re.compile(r".*/orders/\d+/$"))
    assert Order.objects.get().total == 180_000
