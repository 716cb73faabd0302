"""Up-sell and cross-sell promotions on a cart, and their suggestions."""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from setia.loyalty.cart import CartLine
from setia.loyalty.models import Membership, Promotion, VoucherCode
from setia.loyalty.services import promotions, vouchers
from setia.loyalty.services.purchases import purchase_recorded
from setia.loyalty.tests.conftest import at

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 9)


def line(product: Any, quantity: int, price: int | None = None) -> CartLine:
    return CartLine(product.pk, product.category_id, quantity, price or product.price, name=product.name)


def test_buy_x_get_y_free(catalogue: dict[str, Any]) -> None:
    cut, shampoo = catalogue["cut"], catalogue["shampoo"]
    Promotion.objects.create(name="Cut+sampo", kind=Promotion.Kind.BUY_X_GET_Y, product=cut, reward_product=shampoo)
    outcome = promotions.promotions_apply(lines=[line(cut, 2), line(shampoo, 3)], on=TODAY)
    assert outcome.line_discounts == {1: 160_000} and outcome.applied == ["Cut+sampo"]
    missing = promotions.promotions_apply(lines=[line(cut, 1)], on=TODAY)
    assert missing.discount == 0
    assert missing.suggestions == ["Add Sampo: it is free with Potong rambut (Cut+sampo)."]
    only_y = promotions.promotions_apply(lines=[line(shampoo, 1)], on=TODAY)
    assert only_y.suggestions == ["Add Potong rambut and Sampo is free (Cut+sampo)."]
    # Both in the sale and the shampoo free: nothing more to suggest ("one more cut and a shampoo
    # is free" read as if the free shampoo had not been given).
    both = promotions.promotions_apply(lines=[line(cut, 1), line(shampoo, 1)], on=TODAY)
    assert both.line_discounts == {1: 80_000} and both.suggestions == []


def test_buy_two_get_y_suggests_the_second(catalogue: dict[str, Any]) -> None:
    cut, shampoo = catalogue["cut"], catalogue["shampoo"]
    Promotion.objects.create(
        name="2 cut", kind=Promotion.Kind.BUY_X_GET_Y, product=cut, reward_product=shampoo, quantity=2
    )
    one = promotions.promotions_apply(lines=[line(cut, 1), line(shampoo, 1)], on=TODAY)
    assert one.discount == 0 and one.suggestions == ["One more Potong rambut and Sampo is free (2 cut)."]
    two = promotions.promotions_apply(lines=[line(cut, 2), line(shampoo, 1)], on=TODAY)
    assert two.line_discounts == {1: 80_000} and two.suggestions == []


def test_buy_a_book_get_a_book_and_buy_n_get_one(catalogue: dict[str, Any]) -> None:
    book, mani = catalogue["book"], catalogue["mani"]
    Promotion.objects.create(name="Book", kind=Promotion.Kind.BUY_X_GET_Y, product=book, reward_product=book)
    Promotion.objects.create(name="4+1", kind=Promotion.Kind.BUY_N_GET_ONE, product=mani, quantity=4)
    one_book = promotions.promotions_apply(lines=[line(book, 1)], on=TODAY)
    assert one_book.discount == 0 and one_book.suggestions == ["Add one more Buku: it is free (Book)."]
    assert promotions.promotions_apply(lines=[line(book, 3)], on=TODAY).line_discounts == {0: 50_000}
    assert promotions.promotions_apply(lines=[line(mani, 5)], on=TODAY).line_discounts == {0: 100_000}
    assert promotions.promotions_apply(lines=[line(mani, 4)], on=TODAY).suggestions == [
        "Add one more Manikur: it is free (4+1)."
    ]


def test_bundle_price_uses_the_prices_on_the_sale(catalogue: dict[str, Any]) -> None:
    cut, cream = catalogue["cut"], catalogue["cream"]
    Promotion.objects.create(
        name="Hair day", kind=Promotion.Kind.BUNDLE, product=cut, reward_product=cream, bundle_price=300_000
    )
    outcome = promotions.promotions_apply(lines=[line(cut, 1), line(cream, 1, 180_000)], on=TODAY)
    assert outcome.line_discounts == {1: 30_000}  # 150.000 + 180.000 - 300.000
    alone = promotions.promotions_apply(lines=[line(cut, 1)], on=TODAY)
    assert alone.suggestions == ["Add Creambath: together they cost Rp 300,000 (Hair day)."]


def test_inactive_or_out_of_dates_promotions_do_nothing(catalogue: dict[str, Any]) -> None:
    book = catalogue["book"]
    Promotion.objects.create(name="Off", kind=Promotion.Kind.BUY_N_GET_ONE, product=book, is_active=False)
    Promotion.objects.create(
        name="Later", kind=Promotion.Kind.BUY_N_GET_ONE, product=book, starts_on=dt.date(2026, 4, 1)
    )
    assert promotions.promotions_apply(lines=[line(book, 4)], on=TODAY).discount == 0


def test_next_one_discounted_gives_the_buyer_a_personal_code_valid_for_its_days(
    catalogue: dict[str, Any], join: Callable[..., Membership]
) -> None:
    disk = catalogue["shampoo"]
    Promotion.objects.create(
        name="Next sampo",
        kind=Promotion.Kind.NEXT_DISCOUNT,
        product=disk,
        discount_percent=Decimal(25),
        next_valid_days=30,
    )
    member = join("Ayu")
    assert promotions.promotions_apply(lines=[line(disk, 1)], on=TODAY, customer_id=member.customer_id).suggestions == [
        "Buying Sampo gives 25% off the next one (Next sampo)."
    ]
    # Not for a walk-in or a customer who is not a member: her code would be a member's.
    assert promotions.promotions_apply(lines=[line(disk, 1)], on=TODAY).suggestions == [
        "Members get 25% off the next Sampo (Next sampo): choose her, or offer her the card."
    ]
    rewards = purchase_recorded(
        actor=None, customer=member.customer, source="sale:1", paid=80_000, lines=[line(disk, 1)], at=at("2026-03-09")
    )
    code = VoucherCode.objects.get()
    assert rewards.codes == [code.code] and code.customer == member.customer
    assert code.valid_until == at("2026-04-08", 23).replace(minute=59, second=59)
    result = vouchers.voucher_evaluate(
        code=code.code, customer=member.customer, lines=[line(disk, 1), line(catalogue["cut"], 1)], at=at("2026-03-20")
    )
    assert result.line_discounts == {0: 20_000}
    purchase_recorded(
        actor=None, customer=member.customer, source="sale:1", paid=80_000, lines=[line(disk, 1)], at=at("2026-03-09")
    )
    assert VoucherCode.objects.count() == 1
