"""Taking back items that brought a sale to a voucher's minimum spend: the items kept lose their
share of the voucher ("Rp 30.000 off from Rp 180.000" — she returns the shampoo and keeps a
Rp 150.000 creambath: the refund is the shampoo less what the voucher took off the creambath), and
it all comes back when the rest follows."""

from typing import Any

import pytest

from setia.conftest import Business
from setia.core.errors import ApplicationError
from setia.loyalty.models import Promotion, Voucher
from setia.loyalty.services import vouchers
from setia.sales.models import Order, OrderLine
from setia.sales.services import refunds
from setia.sales.services.checkout import LineIn, PaymentIn, checkout, quote
from setia.sales.services.receipts import refund_lines

CREAMBATH, SHAMPOO = 150_000, 45_500


def _voucher(business: Business, code: str, **fields: Any) -> Voucher:
    voucher = vouchers.voucher_create(actor=business.owner, **fields)
    vouchers.codes_issue(actor=business.owner, voucher=voucher, code=code)
    return voucher


def _sale_due(business: Business, shop: dict, code: str, *lines: tuple[str, int]) -> Order:
    due = quote(
        branch=business.branch_a,
        customer=shop["customer"],
        lines=[LineIn(product_id=shop[name].pk, quantity=quantity) for name, quantity in lines],
        voucher_code=code,
    )
    order, _created = checkout(
        actor=business.cashier_a,
        branch=business.branch_a,
        customer=shop["customer"],
        lines=[LineIn(product_id=shop[name].pk, quantity=quantity) for name, quantity in lines],
        payments=[PaymentIn("qris", due.to_pay)],
        voucher_code=code,
    )
    return order


def _line(order: Order, name: str) -> OrderLine:
    return order.lines.get(description=name)


def test_keeping_less_than_the_minimum_spend_takes_the_kept_items_share_of_the_voucher(
    business: Business, shop: dict
) -> None:
    _voucher(business, "HEMAT30", name="Hemat 30rb", kind=Voucher.Kind.AMOUNT, value=30_000, min_spend=180_000)
    order = _sale_due(business, shop, "HEMAT30", ("creambath", 1), ("shampoo", 1))
    assert (order.voucher_discount, order.total) == (30_000, CREAMBATH + SHAMPOO - 30_000)
    creambath, shampoo = _line(order, "Creambath"), _line(order, "Sampo")
    assert creambath.discount + shampoo.discount == 30_000 and creambath.discount > 0 and shampoo.discount > 0
    refund = refunds.order_refund(actor=business.manager, order=order, reason="Batal", lines={shampoo.pk: 1})
    # The creambath alone (Rp 150.000) is short of Rp 180.000: it is paid at its full price now.
    assert (refund.amount, refund.promotions_lost, refund.promotions_note) == (
        shampoo.total - creambath.discount,
        creambath.discount,
        "voucher Hemat 30rb",
    )
    order.refresh_from_db()
    [shown] = refund_lines(order)
    assert shown.promotions_text == (
        f"Less Rp {creambath.discount:,}: voucher Hemat 30rb no longer applies to the items kept"
    )
    # The creambath follows: what was kept back comes back with it, and the order is refunded in full.
    last = refunds.order_refund(actor=business.manager, order=order, reason="Batal", lines={creambath.pk: 1})
    assert (last.amount, last.promotions_lost) == (creambath.total + creambath.discount, -creambath.discount)
    order.refresh_from_db()
    assert (order.refunded_total, order.status) == (order.total, Order.Status.REFUNDED)


def test_keeping_enough_for_the_minimum_spend_refunds_the_price_paid(business: Business, shop: dict) -> None:
    _voucher(business, "HEMAT30", name="Hemat 30rb", kind=Voucher.Kind.AMOUNT, value=30_000, min_spend=180_000)
    order = _sale_due(business, shop, "HEMAT30", ("creambath", 1), ("shampoo", 2))
    shampoo = _line(order, "Sampo")
    refund = refunds.order_refund(actor=business.manager, order=order, reason="Batal", lines={shampoo.pk: 1})
    # Rp 195.500 kept still reaches Rp 180.000.
    assert (refund.amount, refund.promotions_lost, refund.promotions_note) == (shampoo.total // 2, 0, "")


def test_a_voucher_without_a_minimum_spend_stays_on_the_items_kept(business: Business, shop: dict) -> None:
    _voucher(business, "DISKON10", name="Diskon 10%", kind=Voucher.Kind.PERCENT, value=10)
    order = _sale_due(business, shop, "DISKON10", ("creambath", 1), ("shampoo", 1))
    shampoo = _line(order, "Sampo")
    refund = refunds.order_refund(actor=business.manager, order=order, reason="Batal", lines={shampoo.pk: 1})
    assert (refund.amount, refund.promotions_lost) == (shampoo.total, 0)


def test_a_minimum_spend_raised_since_the_sale_leaves_the_items_kept_as_they_were(
    business: Business, shop: dict
) -> None:
    voucher = _voucher(
        business, "HEMAT30", name="Hemat 30rb", kind=Voucher.Kind.AMOUNT, value=30_000, min_spend=180_000
    )
    order = _sale_due(business, shop, "HEMAT30", ("creambath", 1), ("shampoo", 1))
    Voucher.objects.filter(pk=voucher.pk).update(min_spend=500_000)  # the sale itself would not qualify now
    shampoo = _line(order, "Sampo")
    refund = refunds.order_refund(actor=business.manager, order=order, reason="Batal", lines={shampoo.pk: 1})
    assert (refund.amount, refund.promotions_lost) == (shampoo.total, 0)


def test_a_promotion_and_a_voucher_lost_together_are_both_taken_off(business: Business, shop: dict) -> None:
    Promotion.objects.create(
        name="Creambath + Sampo",
        kind=Promotion.Kind.BUY_X_GET_Y,
        product=shop["creambath"],
        reward_product=shop["shampoo"],
    )
    _voucher(business, "HEMAT20", name="Hemat 20rb", kind=Voucher.Kind.AMOUNT, value=20_000, min_spend=100_000)
    order = _sale_due(business, shop, "HEMAT20", ("creambath", 1), ("shampoo", 2))
    assert (order.promotion_discount, order.voucher_discount) == (SHAMPOO, 20_000)
    creambath, shampoo = _line(order, "Creambath"), _line(order, "Sampo")
    shampoo_voucher_share = shampoo.discount - SHAMPOO  # the line's discount less the free shampoo
    assert shampoo_voucher_share > 0
    refund = refunds.order_refund(actor=business.manager, order=order, reason="Batal", lines={creambath.pk: 1})
    # Two shampoos kept: neither is free any more, and Rp 91.000 is short of the voucher's Rp 100.000.
    assert (refund.amount, refund.promotions_lost, refund.promotions_note) == (
        creambath.total - SHAMPOO - shampoo_voucher_share,
        SHAMPOO + shampoo_voucher_share,
        "Creambath + Sampo, voucher Hemat 20rb",
    )
    last = refunds.order_refund(actor=business.manager, order=order, reason="Batal", lines={shampoo.pk: 2})
    order.refresh_from_db()
    assert last.amount == 2 * SHAMPOO
    assert (order.refunded_total, order.status) == (order.total, Order.Status.REFUNDED)


def test_nothing_left_to_refund_names_the_voucher(business: Business, shop: dict) -> None:
    _voucher(business, "HEMAT", name="Hemat besar", kind=Voucher.Kind.AMOUNT, value=100_000, min_spend=190_000)
    order = _sale_due(business, shop, "HEMAT", ("creambath", 1), ("shampoo", 1))
    creambath, shampoo = _line(order, "Creambath"), _line(order, "Sampo")
    assert creambath.discount > shampoo.total  # the creambath's share of the voucher is more than the shampoo paid
    with pytest.raises(ApplicationError) as refused:
        refunds.order_refund(actor=business.manager, order=order, reason="Batal", lines={shampoo.pk: 1})
    assert refused.value.extra["lines"] == [
        f"Nothing to refund: these items are worth Rp {shampoo.total:,}, and without them what the customer keeps "
        f"no longer gets voucher Hemat besar (Rp {creambath.discount:,}). Take them back together with the rest, "
        "or refund an amount."
    ]


def test_items_returned_one_by_one_give_back_every_rupiah_paid(business: Business, shop: dict) -> None:
    # Rp 10.000 off three shampoos: Rp 126.500 for the line, which three does not divide.
    _voucher(business, "HEMAT10", name="Hemat 10rb", kind=Voucher.Kind.AMOUNT, value=10_000)
    order = _sale_due(business, shop, "HEMAT10", ("shampoo", 3))
    shampoo = _line(order, "Sampo")
    assert shampoo.total == 3 * SHAMPOO - 10_000 == order.total
    amounts = [
        refunds.order_refund(actor=business.manager, order=order, reason="Batal", lines={shampoo.pk: 1}).amount
        for _ in range(3)
    ]
    assert amounts == [42_166, 42_167, 42_167]
    order.refresh_from_db()
    assert (order.refunded_total, order.status) == (order.total, Order.Status.REFUNDED)


def test_the_voucher_kept_back_comes_back_to_the_rupiah(business: Business, shop: dict) -> None:
    # Rp 10.000 off from Rp 100.000 over three shampoos (Rp 136.500): each carries Rp 3.333 of it,
    # and one of them the extra rupiah.
    _voucher(business, "HEMAT10", name="Hemat 10rb", kind=Voucher.Kind.AMOUNT, value=10_000, min_spend=100_000)
    order = _sale_due(business, shop, "HEMAT10", ("shampoo", 3))
    shampoo = _line(order, "Sampo")
    first = refunds.order_refund(actor=business.manager, order=order, reason="Batal", lines={shampoo.pk: 2})
    # Rp 45.500 kept is short of Rp 100.000: the one kept pays its full price.
    assert first.amount == shampoo.total - SHAMPOO
    last = refunds.order_refund(actor=business.manager, order=order, reason="Batal", lines={shampoo.pk: 1})
    assert last.amount == SHAMPOO
    order.refresh_from_db()
    assert (order.refunded_total, order.status) == (order.total, Order.Status.REFUNDED)


def test_a_voucher_changed_between_refunds_still_gives_back_everything_paid(business: Business, shop: dict) -> None:
    voucher = _voucher(
        business, "HEMAT30", name="Hemat 30rb", kind=Voucher.Kind.AMOUNT, value=30_000, min_spend=180_000
    )
    order = _sale_due(business, shop, "HEMAT30", ("creambath", 1), ("shampoo", 1))
    creambath, shampoo = _line(order, "Creambath"), _line(order, "Sampo")
    first = refunds.order_refund(actor=business.manager, order=order, reason="Batal", lines={shampoo.pk: 1})
    assert first.promotions_lost == creambath.discount
    Voucher.objects.filter(pk=voucher.pk).update(min_spend=300_000)  # raised since: the sale would not qualify now
    last = refunds.order_refund(actor=business.manager, order=order, reason="Batal", lines={creambath.pk: 1})
    assert (last.amount, last.promotions_lost, last.promotions_note) == (
        creambath.total + creambath.discount,
        -creambath.discount,
        "voucher Hemat 30rb",
    )
    order.refresh_from_db()
    assert (order.refunded_total, order.status) == (order.total, Order.Status.REFUNDED)


def test_a_promotion_switched_off_between_refunds_still_gives_back_everything_paid(
    business: Business, shop: dict
) -> None:
    promotion = Promotion.objects.create(
        name="Creambath + Sampo",
        kind=Promotion.Kind.BUY_X_GET_Y,
        product=shop["creambath"],
        reward_product=shop["shampoo"],
    )
    order = _sale_due(business, shop, "", ("creambath", 1), ("shampoo", 1))
    creambath, shampoo = _line(order, "Creambath"), _line(order, "Sampo")
    first = refunds.order_refund(actor=business.manager, order=order, reason="Batal", lines={creambath.pk: 1})
    assert (first.amount, first.promotions_lost) == (CREAMBATH - SHAMPOO, SHAMPOO)
    Promotion.objects.filter(pk=promotion.pk).update(is_active=False)
    last = refunds.order_refund(actor=business.manager, order=order, reason="Batal", lines={shampoo.pk: 1})
    assert (last.amount, last.promotions_note) == (SHAMPOO, "Creambath + Sampo")
    order.refresh_from_db()
    assert (order.refunded_total, order.status) == (CREAMBATH, Order.Status.REFUNDED)
