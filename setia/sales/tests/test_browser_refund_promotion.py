"""A manager takes back the treatment that made the shampoo free: the refund card lists both
(the free one too), the refund is the treatment less the shampoo she keeps and says why, and when
the shampoo follows the rest comes back — everything paid, in all."""

from typing import Any

import pytest

from setia.accounts.models import Branch
from setia.catalog.models import Category, Product
from setia.conftest import browser_sign_in, make_user
from setia.customers.models import Customer
from setia.loyalty.models import LoyaltySettings, Promotion
from setia.sales.models import Order, SalesSettings
from setia.sales.services.checkout import LineIn, PaymentIn, checkout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_taking_back_the_treatment_that_made_the_shampoo_free(page: Any, live_server: Any) -> None:
    branch = Branch.objects.create(name="Salon Cantik Kemang", code="kmg")
    cashier = make_user("kasir", "cashier", branch, first_name="Sari")
    make_user("manajer", "manager", branch, first_name="Lestari")
    SalesSettings.objects.create(pk=1)
    LoyaltySettings.objects.create(pk=1)
    hair = Category.objects.create(name="Perawatan rambut")
    creambath = Product.objects.create(kind="service", name="Creambath", price=150_000, category=hair)
    shampoo = Product.objects.create(name="Sampo", price=45_500, category=hair)
    Promotion.objects.create(
        name="Creambath + Sampo", kind=Promotion.Kind.BUY_X_GET_Y, product=creambath, reward_product=shampoo
    )
    ayu = Customer.objects.create(name="Ayu Lestari", search_name="ayu lestari", home_branch=branch)
    order, _created = checkout(
        actor=cashier,
        branch=branch,
        customer=ayu,
        lines=[LineIn(product_id=creambath.pk), LineIn(product_id=shampoo.pk)],
        payments=[PaymentIn("qris", 150_000)],
    )
    base = live_server.url
    browser_sign_in(page, base, "manajer")
    page.goto(f"{base}/orders/{order.pk}/")
    rows = page.get_by_test_id("refund-line")
    assert rows.count() == 2  # the free shampoo can be taken back too
    rows.filter(has_text="Creambath").locator("input").fill("1")
    page.locator("#refund-reason").fill("Kulit kepala iritasi")
    page.get_by_test_id("refund-form").locator("button").click()
    # Less than the creambath's price: she sees the amount and why before it is recorded.
    preview = page.get_by_test_id("refund-preview")
    preview.wait_for()
    assert preview.inner_text().splitlines() == [
        "Pengembalian dana menjadi Rp 104.500.",
        "Dikurangi Rp 45.500: Creambath + Sampo tidak berlaku lagi untuk barang yang tetap dibawa",
    ]
    assert page.get_by_test_id("order-refund").count() == 0
    assert page.locator("#refund-reason").input_value() == "Kulit kepala iritasi"  # what she typed is kept
    page.get_by_test_id("refund-confirm").click()
    first = page.get_by_test_id("order-refund").first
    first.wait_for()
    assert first.get_by_test_id("refund-amount").inner_text() == "\u2212Rp 104.500"
    assert first.get_by_test_id("refund-promotions-lost").inner_text() == (
        "Dikurangi Rp 45.500: Creambath + Sampo tidak berlaku lagi untuk barang yang tetap dibawa"
    )
    assert page.get_by_test_id("paid-after-refunds").inner_text() == "Rp 45.500"
    # She brings the shampoo back as well: the Rp 45.500 kept back comes back with it.
    page.get_by_test_id("refund-line").filter(has_text="Sampo").locator("input").fill("1")
    page.locator("#refund-reason").fill("Sampo juga dikembalikan")
    page.get_by_test_id("refund-form").locator("button").click()
    page.get_by_test_id("order-refund").nth(1).wait_for()
    second = page.get_by_test_id("order-refund").nth(1)
    assert second.get_by_test_id("refund-amount").inner_text() == "\u2212Rp 45.500"
    assert "Termasuk Rp 45.500" in second.get_by_test_id("refund-promotions-lost").inner_text()
    assert page.get_by_test_id("refund-form").count() == 0  # nothing left to refund
    order.refresh_from_db()
    assert (order.refunded_total, order.status) == (150_000, Order.Status.REFUNDED)
