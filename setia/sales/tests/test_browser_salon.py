"""The beauty-salon story at the counter: a first-time visitor joins and gets a card, buys a
treatment and earns points; a week later she brings a friend with her referral code; the
friend buys; both are rewarded; after her third friend she has a free-treatment voucher and
uses it."""

import re
from pathlib import Path
from typing import Any

import pytest

from setia.accounts.models import Branch
from setia.catalog.models import Category, Product
from setia.conftest import browser_sign_in, make_user
from setia.customers.models import Customer
from setia.loyalty.models import LoyaltySettings, Membership, Tier, Voucher
from setia.loyalty.services import membership, vouchers
from setia.sales.models import Order
from setia.sales.services.checkout import LineIn, PaymentIn, checkout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _new_customer(page: Any, base: str, name: str, phone: str) -> None:
    page.goto(f"{base}/customers/new/?phone={phone}")
    form = page.get_by_test_id("customer-form")
    form.locator("#id_name").fill(name)
    form.get_by_role("button", name="Simpan").click()
    page.wait_for_url(re.compile(r".*/customers/\d+/$"))


def _join(page: Any, referral_code: str = "") -> str:
    page.get_by_test_id("loyalty-join").click()
    if referral_code:
        page.locator("#id_referral_code").fill(referral_code)
    page.get_by_test_id("join-submit").click()
    page.wait_for_url(re.compile(r".*/customers/\d+/$"))
    return str(page.get_by_test_id("membership-panel").get_by_test_id("card-number").inner_text())


def _buy_creambath(page: Any) -> None:
    page.get_by_test_id("new-sale").click()
    page.wait_for_url(re.compile(r".*/cashier/\?customer=\d+$"))
    page.wait_for_load_state()
    page.get_by_test_id("find-product").fill("creamb")
    page.get_by_test_id("product-choice").filter(has_text="Creambath").click()
    page.get_by_test_id("cart-line").filter(has_text="Creambath").wait_for()
    page.get_by_test_id("pay").click()
    page.wait_for_url(re.compile(r".*/orders/\d+/$"))


def test_member_card_referrals_and_the_free_treatment(page: Any, live_server: Any) -> None:
    branch = Branch.objects.create(name="Salon Cantik Kemang", code="kmg")
    cashier = make_user("kasir", "cashier", branch, first_name="Sari")
    owner = make_user("pemilik", "owner", first_name="Nur")
    hair = Category.objects.create(name="Perawatan rambut")
    Product.objects.create(kind="service", name="Creambath", price=150_000, category=hair, duration_minutes=60)
    Tier.objects.create(name="Silver", rank=0)
    free = vouchers.voucher_create(
        actor=owner,
        name="Gratis creambath",
        kind=Voucher.Kind.FREE_ITEM,
        free_product=Product.objects.get(name="Creambath"),
        per_customer_limit=None,
    )
    LoyaltySettings.objects.create(
        pk=1,
        card_prefix="SCK",
        referrer_points=50,
        referee_points=20,
        referral_trigger=LoyaltySettings.ReferralTrigger.FIRST_PURCHASE,
        referral_threshold=3,
        referral_threshold_voucher=free,
    )
    base = live_server.url
    browser_sign_in(page, base, "kasir")

    # First visit: Ayu joins, gets her card, and buys a creambath.
    _new_customer(page, base, "Ayu Lestari", "081311112222")
    card = _join(page)
    assert re.fullmatch(r"SCK\d{8}", card)
    panel = page.get_by_test_id("membership-panel")
    assert panel.get_by_test_id("member-qr").locator("svg").count() == 1
    referral_code = panel.get_by_test_id("referral-code").inner_text().strip()
    link = panel.get_by_test_id("referral-link").get_attribute("href")
    _buy_creambath(page)
    assert page.get_by_test_id("order-total").inner_text() == "Rp 150.000"
    assert page.get_by_test_id("points-earned").inner_text() == "15"
    ayu = Customer.objects.get(name="Ayu Lestari")

    # She sends Bunga her link; Bunga opens it on her own phone, without signing in.
    assert link == f"{base}/r/{referral_code}/"
    phone = page.context.browser.new_context(viewport={"width": 390, "height": 844})
    invite = phone.new_page()
    invite.goto(link)
    assert "Ayu mengundang Anda menjadi anggota" in invite.get_by_test_id("referral-invite").inner_text()
    assert "Lestari" not in invite.content()  # only her first name
    shown_code = invite.get_by_test_id("invite-code").inner_text().strip()
    phone.close()

    # A week later she brings Bunga, who joins with the code from the link and buys.
    _new_customer(page, base, "Bunga Citra", "081322223333")
    _join(page, shown_code)
    _buy_creambath(page)
    page.goto(f"{base}/customers/{Customer.objects.get(name='Bunga Citra').pk}/")
    assert page.get_by_test_id("membership-panel").get_by_test_id("points-balance").inner_text() == "35"  # 15 + 20
    page.goto(f"{base}/customers/{ayu.pk}/")
    panel = page.get_by_test_id("membership-panel")
    assert panel.get_by_test_id("points-balance").inner_text() == "65"  # 15 + 50
    assert "Bunga Citra" in panel.get_by_test_id("referral-tree").inner_text()

    # Two more friends join with her code and buy (recorded at the counter the same way).
    for name in ("Citra Dewi", "Dian Sastro"):
        friend = Customer.objects.create(name=name, search_name=name.lower(), home_branch=branch)
        membership.membership_join(actor=cashier, customer=friend, referral_code=referral_code)
        checkout(
            actor=cashier,
            branch=branch,
            customer=friend,
            lines=[LineIn(product_id=Product.objects.get(name="Creambath").pk)],
            payments=[PaymentIn("qris", 150_000)],
        )

    # After the third friend, Ayu has a free creambath voucher, and uses it.
    page.goto(f"{base}/customers/{ayu.pk}/")
    code = page.get_by_test_id("membership-panel").get_by_test_id("member-code").first.inner_text().strip()
    assert code
    # At the counter she shows her card: scanning it types the card number into the search.
    page.locator('[data-nav="cashier"]').click()
    page.get_by_test_id("find-customer").fill(card)
    page.get_by_test_id("customer-choice").filter(has_text="Ayu Lestari").click()
    page.get_by_test_id("member-badge").wait_for()
    assert card in page.get_by_test_id("member-badge").inner_text()
    assert page.get_by_test_id("customer-choice").count() == 0  # the search results closed
    page.get_by_test_id("find-product").fill("creamb")
    page.get_by_test_id("product-choice").filter(has_text="Creambath").click()
    page.get_by_test_id("cart-line").filter(has_text="Creambath").wait_for()
    # More points than she has: the bill stays, the field says why, "Pay" waits.
    to_pay = page.get_by_test_id("to-pay").inner_text()
    page.get_by_test_id("pay-points").fill("99999")
    page.get_by_test_id("pay-points").press("Tab")
    page.get_by_test_id("points-error").wait_for()
    assert page.get_by_test_id("to-pay").inner_text() == to_pay != "Rp 0"
    assert "Rp 150.000" in page.get_by_test_id("cart-lines").inner_text() and page.get_by_test_id("pay").is_disabled()
    page.get_by_test_id("pay-points").fill("")
    page.get_by_test_id("pay-points").press("Tab")
    page.get_by_test_id("points-error").wait_for(state="detached")
    page.get_by_test_id("member-voucher").filter(has_text="Gratis creambath").click()
    page.get_by_test_id("voucher-discount").wait_for()
    assert page.get_by_test_id("to-pay").inner_text() == "Rp 0"
    # The voucher is named once, with the totals, not under the line.
    assert "Gratis: Creambath" in page.get_by_test_id("voucher-label").inner_text()
    assert "Gratis:" not in page.get_by_test_id("cart-lines").inner_text()
    page.screenshot(path="test-results/till-member-voucher.png", full_page=True)
    page.get_by_test_id("pay").click()
    page.wait_for_url(re.compile(r".*/orders/\d+/$"))
    assert page.get_by_test_id("order-total").inner_text() == "Rp 0"
    last = Order.objects.filter(customer=ayu).order_by("-pk").first()
    assert last is not None and last.voucher_code and last.discount_total == 150_000
    assert Membership.objects.get(customer=ayu).points_balance == 15 + 3 * 50


def test_the_till_keeps_the_bill_on_a_wrong_amount_and_gives_change(page: Any, live_server: Any) -> None:
    """A wrong amount (more points than she has, a negative cash amount) leaves the bill as it
    was, marks the field and holds "Pay"; cash over the amount due shows the change, which the
    order page and the receipts repeat. The A4 receipt is a document; on a phone the empty till
    does not point "to the left"."""
    from setia.accounts.models import BusinessSettings
    from setia.sales.models import Payment, SalesSettings

    branch = Branch.objects.create(name="Salon Cantik Kemang", code="kmg", address="Jl. Kemang Raya 8, Jakarta")
    make_user("kasir", "cashier", branch, first_name="Sari")
    BusinessSettings.objects.update_or_create(
        pk=1, defaults={"name": "Salon Cantik", "address": "Jl. Kemang Raya 8", "tax_id": "01.234.567.8-901.000"}
    )
    SalesSettings.objects.create(pk=1, cash_rounding=1)
    LoyaltySettings.objects.create(pk=1)
    hair = Category.objects.create(name="Perawatan rambut")
    Product.objects.create(kind="service", name="Paket rambut", price=164_250, category=hair)
    Product.objects.create(name="Sampo", price=45_500, category=hair)
    base = live_server.url
    browser_sign_in(page, base, "kasir")
    page.goto(f"{base}/cashier/")
    for name in ("Paket rambut", "Sampo"):
        page.get_by_test_id("find-product").fill(name[:5])
        page.get_by_test_id("find-product").press("Enter")  # searches now (not after a late answer)
        page.get_by_test_id("product-choice").filter(has_text=name).click()
        page.get_by_test_id("cart-line").filter(has_text=name).wait_for()
    page.get_by_test_id("find-product").fill("")
    page.get_by_test_id("product-choice").first.wait_for(state="detached")
    cart = page.get_by_test_id("cart-lines")
    assert "Rp 209.750" in page.get_by_test_id("to-pay").inner_text()
    # A negative cash amount, confirmed with Enter: the row is marked, the bill stays, no row is added.
    amount = page.get_by_test_id("pay-amount")
    amount.fill("-300")
    amount.press("Enter")
    page.get_by_test_id("payment-error").wait_for()
    assert page.get_by_test_id("payment-row").count() == 1
    assert page.get_by_test_id("cart-line").count() == 2
    assert "Rp 164.250" in cart.inner_text() and "Rp 45.500" in cart.inner_text()
    assert page.get_by_test_id("to-pay").inner_text() == "Rp 209.750"
    assert page.get_by_test_id("pay").is_disabled()
    shots = Path("test-results")
    shots.mkdir(exist_ok=True)
    page.screenshot(path=str(shots / "till-wrong-amount.png"), full_page=True)
    # Rp 300.000 in cash: the change before paying.
    page.get_by_test_id("pay-amount").fill("300000")
    page.get_by_test_id("pay-amount").press("Tab")
    page.get_by_test_id("change").filter(has_text="Rp 90.250").wait_for()
    # Tab from the amount lands on "+ split the payment": leaving the field only recalculates.
    page.wait_for_timeout(800)
    assert page.get_by_test_id("payment-row").count() == 1
    # Likewise from "Served by" to the line's remove button: the line stays.
    page.get_by_test_id("cart-line").first.locator("select").select_option(label="Sari")
    page.get_by_test_id("cart-line").first.locator("select").press("Tab")
    page.wait_for_timeout(800)
    assert page.get_by_test_id("cart-line").count() == 2
    assert page.get_by_test_id("payment-error").count() == 0 and page.get_by_test_id("pay").is_enabled()
    page.screenshot(path=str(shots / "till-change.png"), full_page=True)
    page.get_by_test_id("pay").click()
    page.wait_for_url(re.compile(r".*/orders/\d+/$"))
    assert page.get_by_test_id("cash-received").inner_text() == "Rp 300.000"
    assert page.get_by_test_id("change").inner_text() == "Rp 90.250"
    order = Order.objects.get()
    assert list(Payment.objects.filter(order=order).values_list("amount", "tendered")) == [(209_750, 300_000)]
    for size in ("a4", "80"):
        page.goto(f"{base}/orders/{order.pk}/receipt/?size={size}")
        receipt = page.get_by_test_id("receipt")
        assert "Rp 90.250" in receipt.inner_text() and "Rp 300.000" in receipt.inner_text()
        page.screenshot(path=str(shots / f"receipt-{size}.png"), full_page=True)
    page.goto(f"{base}/orders/{order.pk}/receipt/?size=a4")
    assert "01.234.567.8-901.000" in page.get_by_test_id("tax-id").inner_text()
    assert page.get_by_test_id("receipt-lines").locator("tbody tr").count() == 2
    page.emulate_media(media="print")
    assert page.get_by_role("button").count() == 0 or not page.get_by_role("button").first.is_visible()
    page.emulate_media(media="screen")
    # On a phone the order's lines fit the screen: price and discount under the item, the amount in view.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/orders/{order.pk}/")
    lines = page.get_by_test_id("order-lines")
    assert lines.evaluate("table => table.scrollWidth <= table.parentElement.clientWidth")
    amount = lines.locator("tbody tr").first.locator("td").last.bounding_box()
    assert amount is not None and amount["x"] + amount["width"] <= 390
    assert page.get_by_test_id("line-price-phone").first.is_visible()
    assert "Rp" in page.get_by_test_id("line-price-phone").first.inner_text()
    page.screenshot(path=str(shots / "order-phone.png"), full_page=True)
    # On a phone the items are above the cart: the empty till says nothing about "the left".
    page.goto(f"{base}/cashier/")
    empty = page.get_by_test_id("cart-lines").inner_text()
    assert "kiri" not in empty and "left" not in empty
    page.screenshot(path=str(shots / "till-phone.png"), full_page=True)
