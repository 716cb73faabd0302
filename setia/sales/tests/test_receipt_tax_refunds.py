"""The cash rounding step is at most Rp 1.000; PPN added to prices that exclude it is a line of
the sum on the till and every receipt (and is told as included when prices include it); refunds
are listed on the order page and on the receipts, which claim no points or cashback that a
refund took back."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from setia.catalog.models import Product
from setia.conftest import Business, client_for
from setia.core.money import format_rupiah
from setia.loyalty.models import CashbackRule
from setia.loyalty.services import membership
from setia.sales.forms import SalesSettingsForm
from setia.sales.models import Order, Refund, SalesSettings
from setia.sales.services import receipts
from setia.sales.services.checkout import LineIn, PaymentIn, checkout
from setia.sales.services.refunds import order_refund
from setia.sales.tests.conftest import till_form

pytestmark = pytest.mark.django_db


def _web(user: object) -> Client:
    web = client_for(user)  # type: ignore[arg-type]
    web.cookies["django_language"] = "en"
    return web


def _plain(html: str) -> str:
    """The page's text: no tags, one space between words, thousands grouped with dots."""
    text = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text).replace("&nbsp;", " ").replace("\u2212", "-")
    text = re.sub(r"(\d),(\d{3})", r"\1.\2", re.sub(r"(\d),(\d{3})", r"\1.\2", text))
    return re.sub(r"\s+", " ", text)


def _settings_data(**changes: str) -> dict:
    return {
        "tax_registered": "on",
        "ppn_percent": "11",
        "prices_include_tax": "on",
        "cash_rounding": "100",
        "receipt_footer": "",
        "opens_at": "09:00",
        "closes_at": "20:00",
        "closed_days": [],
        **changes,
    }


# --- 1. the cash rounding step ------------------------------------------------------------


def test_the_settings_refuse_a_cash_rounding_step_above_1000_at_its_field(business: Business, shop: dict) -> None:
    web = _web(business.owner)
    refused = web.post(reverse("sales:settings"), _settings_data(cash_rounding="10000000"))
    assert refused.status_code == 200
    message = "Round cash to at most Rp 1.000 (the usual steps are 100, 500 and 1.000)."
    assert refused.context["form"].errors["cash_rounding"] == [message]
    assert message in refused.content.decode()
    assert SalesSettings.objects.get().cash_rounding == 100  # nothing saved
    assert not SalesSettingsForm(_settings_data(cash_rounding="1001"), instance=SalesSettings.objects.get()).is_valid()
    for step in ("1000", "500", "0"):
        assert web.post(reverse("sales:settings"), _settings_data(cash_rounding=step)).status_code == 302, step
        assert SalesSettings.objects.get().cash_rounding == int(step)


# --- 2. PPN added to prices without it ----------------------------------------------------

TILL_TOTALS = "Subtotal Rp 195.000 PPN 12% Rp 23.400 Cash rounding Rp 100"
RECEIPT_TOTALS = "Subtotal Rp 195.000 PPN 12% Rp 23.400 Cash rounding Rp 100 Total Rp 218.500"


@pytest.fixture
def prices_without_ppn(shop: dict) -> Product:
    SalesSettings.objects.filter(pk=1).update(
        tax_registered=True, prices_include_tax=False, ppn_percent=Decimal(12), cash_rounding=500
    )
    return Product.objects.create(name="Vitamin rambut", price=45_000, category=shop["hair"])


def test_ppn_added_to_prices_is_a_line_of_the_sum_on_the_till_and_every_receipt(
    business: Business, shop: dict, prices_without_ppn: Product
) -> None:
    web = _web(business.cashier_a)
    form = till_form(business, shop["creambath"], prices_without_ppn)
    till = web.post(reverse("sales:cashier"), form, headers={"HX-Request": "true"}).content.decode()
    totals = _plain(till[till.index('data-testid="totals"') : till.index('data-testid="to-pay"') + 200])
    # 195.000 + 23.400 + 100 = 218.500
    assert TILL_TOTALS in totals and "To pay Rp 218.500" in totals, totals
    assert "incl. PPN" not in totals
    assert web.post(reverse("sales:cashier"), {**form, "action": "pay"}).status_code == 302
    order = Order.objects.get()
    assert (order.subtotal, order.tax_total, order.rounding, order.total) == (195_000, 23_400, 100, 218_500)
    assert receipts.tax_added(order)
    # A receipt reprinted after the setting changed still tells this sale as it was made.
    SalesSettings.objects.filter(pk=1).update(prices_include_tax=True)
    for size in ("58", "80", "a4"):
        page = _plain(web.get(reverse("sales:order_receipt", args=[order.pk]) + f"?size={size}").content.decode())
        assert RECEIPT_TOTALS in page, (size, page)
        assert "incl. PPN" not in page, size
    text = _plain(receipts.receipt_text(order).replace("\n", " | "))
    assert "Subtotal: Rp 195.000 | PPN 12%: Rp 23.400 | Cash rounding: Rp 100 | Total: Rp 218.500 |" in text, text
    assert "incl. PPN" not in text
    detail = _plain(web.get(reverse("sales:order_detail", args=[order.pk])).content.decode())
    assert "PPN 12% Rp 23.400 Cash rounding Rp 100 Total Rp 218.500" in detail and "incl. PPN" not in detail


def test_ppn_included_in_prices_is_told_after_the_total(business: Business, shop: dict) -> None:
    """PPN 11% included (the shop's default): the total is the prices, and the PPN in it is told."""
    web = _web(business.cashier_a)
    form = till_form(business, shop["creambath"])
    till = _plain(web.post(reverse("sales:cashier"), form, headers={"HX-Request": "true"}).content.decode())
    assert "incl. PPN 11% Rp 14.865" in till
    order, _ = checkout(
        actor=business.cashier_a,
        branch=business.branch_a,
        customer=None,
        lines=[LineIn(product_id=shop["creambath"].pk)],
        payments=[PaymentIn("cash", 150_000)],
    )
    assert (order.total, order.tax_total) == (150_000, 14_865) and not receipts.tax_added(order)
    for size in ("58", "a4"):
        page = _plain(web.get(reverse("sales:order_receipt", args=[order.pk]) + f"?size={size}").content.decode())
        assert "Total Rp 150.000 incl. PPN 11% Rp 14.865" in page, size
    assert "Total: Rp 150.000\nincl. PPN 11%: Rp 14.865" in _plain_lines(receipts.receipt_text(order))


def _plain_lines(text: str) -> str:
    return re.sub(r"(\d),(\d{3})", r"\1.\2", re.sub(r"(\d),(\d{3})", r"\1.\2", text))


# --- 3. refunds on the receipts and the order page -----------------------------------------


@pytest.fixture
def member_sale(business: Business, shop: dict) -> Order:
    """Creambath (Rp 150.000) for a member: 15 points and Rp 15.000 cashback earned."""
    CashbackRule.objects.create(name="10% kembali", percent=Decimal(10), max_amount=100_000, returning_only=False)
    membership.membership_join(actor=business.cashier_a, customer=shop["customer"])
    order, _ = checkout(
        actor=business.cashier_a,
        branch=business.branch_a,
        customer=shop["customer"],
        lines=[LineIn(product_id=shop["creambath"].pk), LineIn(product_id=shop["shampoo"].pk)],
        payments=[PaymentIn("transfer", 195_500)],
    )
    assert (order.total, order.points_earned, order.cashback_earned) == (195_500, 19, 19_550)
    return order


def _refund_at(refund: Refund, hour_utc: int) -> None:
    Refund.objects.filter(pk=refund.pk).update(created_at=dt.datetime(2026, 5, 12, hour_utc, 3, tzinfo=dt.UTC))


def test_receipts_show_a_partial_then_a_full_refund_and_what_was_taken_back(
    business: Business, member_sale: Order
) -> None:
    web = _web(business.manager)
    url = reverse("sales:order_receipt", args=[member_sale.pk])
    before = _plain(web.get(url + "?size=58").content.decode())
    assert "You earned 19 points" in before and "Refunded" not in before

    first = order_refund(actor=business.manager, order=member_sale, reason="Sampo bocor", amount=10_000)
    _refund_at(first, 7)  # 14:03 in Jakarta
    member_sale.refresh_from_db()
    for size in ("58", "80", "a4"):
        page = _plain(web.get(url + f"?size={size}").content.decode())
        reason = " Sampo bocor" if size == "a4" else ""  # the A4 has room for the reason
        assert f"Refunded 12/05/2026 14:03{reason} -Rp 10.000" in page, (size, page)
        assert "Paid after refunds Rp 185.500" in page, size
        # 19 x 10.000 / 195.500 rounds to 1 point; 10% of the cashback's Rp 19.550 share is Rp 1.000
        assert "Points earned: 19, taken back with the refund: 1" in page, size
        assert "Cashback earned: Rp 19.550, taken back with the refund: Rp 1.000" in page, size
        assert "You earned" not in page, size
    text = _plain_lines(receipts.receipt_text(member_sale))
    assert "Refunded:\n" in text and ": -Rp 10.000\nPaid after refunds: Rp 185.500" in text, text
    assert "Points earned: 19, taken back with the refund: 1" in text

    second = order_refund(actor=business.manager, order=member_sale, reason="Batal semua", amount=185_500)
    _refund_at(second, 8)
    member_sale.refresh_from_db()
    assert member_sale.status == Order.Status.REFUNDED
    for size in ("58", "80", "a4"):
        page = _plain(web.get(url + f"?size={size}").content.decode())
        why = (" Sampo bocor", " Batal semua") if size == "a4" else ("", "")
        assert f"12/05/2026 14:03{why[0]} -Rp 10.000 12/05/2026 15:03{why[1]} -Rp 185.500 " in page, (size, page)
        assert "Paid after refunds Rp 0" in page, size
        assert "Points earned: 19, taken back with the refund: 19" in page, size
        assert "Cashback earned: Rp 19.550, taken back with the refund: Rp 19.550" in page, size
        assert "You earned" not in page, size
    text = _plain_lines(receipts.receipt_text(member_sale))
    assert "Paid after refunds: Rp 0" in text and "-Rp 185.500" in text
    assert "Points earned: 19\n" not in text + "\n" and "taken back with the refund: Rp 19.550" in text


def test_the_order_page_lists_each_refund_with_when_who_why_and_which_lines(
    business: Business, member_sale: Order
) -> None:
    shampoo = member_sale.lines.get(description="Sampo")
    by_line = order_refund(actor=business.manager, order=member_sale, reason="Sampo bocor", lines={shampoo.pk: 1})
    _refund_at(by_line, 7)
    rest = order_refund(actor=business.owner, order=member_sale, reason="Pelanggan batal", amount=150_000)
    _refund_at(rest, 8)
    html = _web(business.manager).get(reverse("sales:order_detail", args=[member_sale.pk])).content.decode()
    items = re.findall(r'<li class="list-group-item small" data-testid="order-refund">(.*?)</li>', html, re.S)
    assert len(items) == 2
    first, second = (_plain(item) for item in items)
    assert "14:03" in first and "-Rp 45.500" in first and "Sampo bocor" in first, first
    assert "by Lestari" in first and "1 x Sampo" in first, first
    assert "15:03" in second and "-Rp 150.000" in second and "Pelanggan batal" in second and "by Nur" in second
    totals = _plain(html[html.index('data-testid="order-totals"') :])
    assert "Refunded Rp 195.500 Paid after refunds Rp 0" in totals
    assert "Points taken back -19" in totals and "Cashback taken back -Rp 19.550" in totals


def test_items_taken_back_give_back_what_was_paid_with_ppn_added_and_cash_rounding(
    business: Business, shop: dict, prices_without_ppn: Product
) -> None:
    from setia.sales.services.checkout import LineIn, PaymentIn, checkout
    from setia.sales.services.refunds import order_refund

    order, _created = checkout(
        actor=business.cashier_a,
        branch=business.branch_a,
        customer=None,
        lines=[LineIn(product_id=shop["creambath"].pk), LineIn(product_id=prices_without_ppn.pk)],
        payments=[PaymentIn("cash", 218_500)],
    )
    assert order.total == 218_500  # 195.000 of items + 23.400 PPN + 100 rounding
    vitamin = order.lines.get(product=prices_without_ppn)
    first = order_refund(actor=business.manager, order=order, reason="Batal", lines={vitamin.pk: 1})
    assert first.amount == 45_000 * 218_500 // 195_000  # its share of what was paid: Rp 50.423
    creambath = order.lines.get(product=shop["creambath"])
    last = order_refund(actor=business.manager, order=order, reason="Batal", lines={creambath.pk: 1})
    assert first.amount + last.amount == 218_500
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED


def test_a_sale_rounded_down_in_cash_is_refunded_item_by_item(business: Business, shop: dict) -> None:
    from setia.sales.services.checkout import LineIn, PaymentIn, checkout
    from setia.sales.services.refunds import order_refund

    SalesSettings.objects.filter(pk=1).update(cash_rounding=100)
    odd = Product.objects.create(name="Jepit rambut", price=45_040, category=shop["hair"])
    order, _created = checkout(
        actor=business.cashier_a,
        branch=business.branch_a,
        customer=None,
        lines=[LineIn(product_id=odd.pk)],
        payments=[PaymentIn("cash", 45_000)],
    )
    assert order.total == 45_000 and order.lines.get().total == 45_040
    refund = order_refund(actor=business.manager, order=order, reason="Batal", lines={order.lines.get().pk: 1})
    assert refund.amount == 45_000


def test_what_a_refund_of_items_loses_of_a_promotion_is_told_in_what_was_paid_with_ppn_added(
    business: Business, shop: dict, prices_without_ppn: Product
) -> None:
    from setia.loyalty.models import Promotion
    from setia.sales.api.orders import order_out

    Promotion.objects.create(
        name="Creambath + Sampo",
        kind=Promotion.Kind.BUY_X_GET_Y,
        product=shop["creambath"],
        reward_product=shop["shampoo"],
    )
    order, _created = checkout(
        actor=business.cashier_a,
        branch=business.branch_a,
        customer=None,
        lines=[LineIn(product_id=shop["creambath"].pk), LineIn(product_id=shop["shampoo"].pk)],
        payments=[PaymentIn("qris", 168_000)],
    )
    assert order.total == 168_000  # 150.000 of items (the shampoo free) + 12% PPN
    creambath = order.lines.get(product=shop["creambath"])
    refund = order_refund(actor=business.manager, order=order, reason="Batal", lines={creambath.pk: 1})
    # The creambath is worth 168.000 of what was paid; the shampoo kept loses its 45.500 (50.960 with PPN).
    assert refund.amount == 117_040
    order.refresh_from_db()
    [line] = receipts.refund_lines(order)
    less = format_rupiah(50_960)
    assert line.promotions_text == f"Less {less}: Creambath + Sampo no longer applies to the items kept"
    assert refund.amount + 50_960 == order.total
    [out] = order_out(Order.objects.get(pk=order.pk))["refunds"]
    assert (out["amount"], out["promotions_lost"]) == (117_040, 50_960)
