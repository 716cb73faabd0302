"""Vouchers: kinds, minimum spend, validity, limits per code and per customer, tiers, product
restrictions, bulk codes."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from setia.conftest import Business
from setia.core.errors import ApplicationError, PermissionDeniedError
from setia.customers.models import Customer
from setia.loyalty.cart import CartLine
from setia.loyalty.models import Membership, Tier, Voucher, VoucherCode, VoucherUse
from setia.loyalty.services import vouchers
from setia.loyalty.tests.conftest import at

pytestmark = pytest.mark.django_db
NOW = at("2026-03-09")


@pytest.fixture
def cart(catalogue: dict[str, Any]) -> list[CartLine]:
    cut, shampoo = catalogue["cut"], catalogue["shampoo"]
    return [
        CartLine(cut.pk, cut.category_id, 1, 150_000, name=cut.name),
        CartLine(shampoo.pk, None, 2, 80_000, name=shampoo.name),
    ]


def _voucher(business: Business, code: str = "HEMAT", max_uses: int | None = 1, **fields: Any) -> VoucherCode:
    fields.setdefault("name", "Hemat")
    fields.setdefault("kind", Voucher.Kind.AMOUNT)
    fields.setdefault("value", 50_000)
    fields.setdefault("per_customer_limit", None)
    restrict = {key: fields.pop(key) for key in ("products", "categories", "tiers") if key in fields}
    voucher = vouchers.voucher_create(actor=business.owner, **restrict, **fields)
    return vouchers.codes_issue(actor=business.owner, voucher=voucher, code=code, max_uses=max_uses)[0]


def _evaluate(code: str, customer: Customer | None, lines: list[CartLine], when: dt.datetime = NOW) -> int:
    return vouchers.voucher_evaluate(code=code, customer=customer, lines=lines, at=when).discount


def test_amount_percent_and_free_item(business: Business, catalogue: dict[str, Any], cart: list[CartLine]) -> None:
    _voucher(business, "AMOUNT")
    _voucher(business, "PERCENT", kind=Voucher.Kind.PERCENT, value=10, max_discount=20_000)
    _voucher(business, "PERCENT5", kind=Voucher.Kind.PERCENT, value=5)
    _voucher(business, "FREE", kind=Voucher.Kind.FREE_ITEM, value=0, free_product=catalogue["shampoo"])
    assert _evaluate("amount", None, cart) == 50_000
    assert _evaluate("PERCENT", None, cart) == 20_000  # 10% of 310.000 capped
    result = vouchers.voucher_evaluate(code="PERCENT5", customer=None, lines=cart, at=NOW)
    assert result.discount == 15_500 and result.line_discounts == {0: 7_500, 1: 8_000}
    free = vouchers.voucher_evaluate(code="FREE", customer=None, lines=cart, at=NOW)
    assert (free.discount, free.line_discounts) == (80_000, {1: 80_000})
    with pytest.raises(ApplicationError, match="Add Sampo"):
        _evaluate("FREE", None, cart[:1])


def test_invalid_definitions_are_refused(business: Business) -> None:
    with pytest.raises(ApplicationError, match="between 1 and 100"):
        vouchers.voucher_create(actor=business.owner, name="Bad", kind=Voucher.Kind.PERCENT, value=120)
    with pytest.raises(ApplicationError, match="free item"):
        vouchers.voucher_create(actor=business.owner, name="Bad", kind=Voucher.Kind.FREE_ITEM)
    with pytest.raises(PermissionDeniedError):
        vouchers.voucher_create(actor=business.cashier_a, name="Mine", kind=Voucher.Kind.AMOUNT, value=1)
    assert not Voucher.objects.exists()


def test_minimum_spend_and_validity(business: Business, cart: list[CartLine]) -> None:
    _voucher(business, "MIN", min_spend=400_000)
    _voucher(business, "WINDOW", valid_from=at("2026-03-01"), valid_until=at("2026-03-31"))
    with pytest.raises(ApplicationError, match=r"at least Rp 400,000"):
        _evaluate("MIN", None, cart)
    assert _evaluate("WINDOW", None, cart) == 50_000
    with pytest.raises(ApplicationError, match="not valid yet"):
        _evaluate("WINDOW", None, cart, at("2026-02-28"))
    with pytest.raises(ApplicationError, match="expired"):
        _evaluate("WINDOW", None, cart, at("2026-04-01"))
    with pytest.raises(ApplicationError, match="does not exist"):
        _evaluate("NOPE", None, cart)


def test_a_code_expiring_before_its_voucher(business: Business, cart: list[CartLine]) -> None:
    code = _voucher(business, "SHORT")
    VoucherCode.objects.filter(pk=code.pk).update(valid_until=at("2026-03-05"))
    with pytest.raises(ApplicationError, match="expired"):
        _evaluate("SHORT", None, cart)


def test_per_code_per_voucher_and_per_customer_limits(
    business: Business, cart: list[CartLine], join: Callable[..., Membership]
) -> None:
    ayu, bunga = join("Ayu").customer, join("Bunga").customer
    _voucher(business, "ONCE")
    vouchers.voucher_redeem(code="ONCE", customer=ayu, lines=cart, source="sale:1", at=NOW)
    with pytest.raises(ApplicationError, match="already been used"):
        vouchers.voucher_redeem(code="ONCE", customer=bunga, lines=cart, source="sale:2", at=NOW)
    shared = _voucher(business, "SHARED", max_uses=None, per_customer_limit=1, usage_limit=2)
    vouchers.voucher_redeem(code="SHARED", customer=ayu, lines=cart, source="sale:3", at=NOW)
    with pytest.raises(ApplicationError, match="Ayu has already used"):
        vouchers.voucher_redeem(code="SHARED", customer=ayu, lines=cart, source="sale:4", at=NOW)
    with pytest.raises(ApplicationError, match="for members"):
        vouchers.voucher_redeem(code="SHARED", customer=None, lines=cart, source="sale:4", at=NOW)
    vouchers.voucher_redeem(code="SHARED", customer=bunga, lines=cart, source="sale:5", at=NOW)
    cici = join("Cici").customer
    with pytest.raises(ApplicationError, match="used up"):
        vouchers.voucher_redeem(code="SHARED", customer=cici, lines=cart, source="sale:6", at=NOW)
    shared.voucher.refresh_from_db()
    assert shared.voucher.times_used == 2
    assert VoucherUse.objects.filter(code__code="SHARED").count() == 2
    assert VoucherCode.objects.get(code="ONCE").uses == 1


def test_personal_codes_belong_to_their_customer(
    business: Business, cart: list[CartLine], join: Callable[..., Membership]
) -> None:
    ayu, bunga = join("Ayu").customer, join("Bunga").customer
    voucher = vouchers.voucher_create(actor=business.owner, name="Birthday", kind=Voucher.Kind.AMOUNT, value=25_000)
    code = vouchers.codes_issue(actor=business.owner, voucher=voucher, customer=ayu)[0]
    with pytest.raises(ApplicationError, match="another customer"):
        _evaluate(code.code, bunga, cart)
    assert _evaluate(code.code, ayu, cart) == 25_000
    assert vouchers.codes_for_customer(ayu) == [code]
    assert vouchers.codes_for_customer(bunga) == []


def test_tier_targeting_and_product_or_category_restriction(
    business: Business,
    catalogue: dict[str, Any],
    cart: list[CartLine],
    tiers: dict[str, Tier],
    join: Callable[..., Membership],
) -> None:
    silver = join("Ayu")
    gold = join("Bunga")
    Membership.objects.filter(pk=gold.pk).update(tier=tiers["gold"])
    _voucher(business, "GOLD", tiers=[tiers["gold"]])
    with pytest.raises(ApplicationError, match="only for members of Gold"):
        _evaluate("GOLD", silver.customer, cart)
    with pytest.raises(ApplicationError, match="for members of Gold: choose the customer first"):
        _evaluate("GOLD", None, cart)
    assert _evaluate("GOLD", gold.customer, cart) == 50_000
    _voucher(business, "HAIR", kind=Voucher.Kind.PERCENT, value=20, categories=[catalogue["hair"]])
    result = vouchers.voucher_evaluate(code="HAIR", customer=None, lines=cart, at=NOW)
    assert (result.discount, result.line_discounts) == (30_000, {0: 30_000})
    _voucher(business, "NAILS", categories=[catalogue["nails"]])
    with pytest.raises(ApplicationError, match="Nothing in this sale qualifies"):
        _evaluate("NAILS", None, cart)
    _voucher(business, "SHAMPOO", value=500_000, products=[catalogue["shampoo"]])
    assert _evaluate("SHAMPOO", None, cart) == 160_000  # never more than the items it applies to


def test_bulk_codes_are_distinct_prefixed_and_limited(business: Business) -> None:
    voucher = vouchers.voucher_create(actor=business.owner, name="Flyer", kind=Voucher.Kind.AMOUNT, value=10_000)
    codes = vouchers.codes_issue(actor=business.owner, voucher=voucher, count=500, prefix="ramadan")
    assert len(codes) == 500 == len({c.code for c in codes}) == VoucherCode.objects.filter(voucher=voucher).count()
    assert all(c.code.startswith("RAMADAN-") and len(c.code) == 16 for c in codes)
    for prefix, field in (("ramadan 26", "code_prefix"), ("promo!", "code_prefix")):
        with pytest.raises(ApplicationError, match="Prefix may hold only letters") as refused:
            vouchers.codes_issue(actor=business.owner, voucher=voucher, count=5, prefix=prefix)
        assert field in refused.value.extra
    with pytest.raises(ApplicationError, match="The code may hold only letters") as refused:
        vouchers.codes_issue(actor=business.owner, voucher=voucher, code="HEMAT 10")
    assert "code" in refused.value.extra
    dashed = vouchers.codes_issue(actor=business.owner, voucher=voucher, count=2, prefix="LEBARAN-")
    assert all(c.code.startswith("LEBARAN-") and c.code[8:].isalnum() for c in dashed)
    VoucherCode.objects.filter(pk__in=[c.pk for c in dashed]).delete()
    with pytest.raises(ApplicationError, match="between 1 and"):
        vouchers.codes_issue(actor=business.owner, voucher=voucher, count=0)
    with pytest.raises(ApplicationError, match="already exists"):
        vouchers.codes_issue(actor=business.owner, voucher=voucher, code=codes[0].code)
    with pytest.raises(PermissionDeniedError):
        vouchers.codes_issue(actor=business.cashier_a, voucher=voucher, count=5)
    assert VoucherCode.objects.count() == 500


def test_a_code_issued_elsewhere_between_the_check_and_the_write_is_refused_not_a_crash(business: Business) -> None:
    """Two managers issuing the same chosen code at once (or random codes colliding): the second
    finds it taken only when writing — refused naming the field, nothing issued."""
    from unittest import mock

    from django.db.models import QuerySet

    voucher = vouchers.voucher_create(actor=business.owner, name="Flyer", kind=Voucher.Kind.AMOUNT, value=10_000)
    taken = vouchers.codes_issue(actor=business.owner, voucher=voucher, code="HEMAT10")[0]
    with mock.patch.object(QuerySet, "exists", return_value=False), pytest.raises(ApplicationError) as refused:
        vouchers.codes_issue(actor=business.owner, voucher=voucher, code="hemat10")
    assert refused.value.extra == {"code": ["The code HEMAT10 already exists."]}
    with (
        mock.patch.object(vouchers, "_new_code", side_effect=["HEMAT10", "FRESH1"]),
        mock.patch.object(QuerySet, "values_list", return_value=[]),
        pytest.raises(ApplicationError) as clashed,
    ):
        vouchers.codes_issue(actor=business.owner, voucher=voucher, count=2)
    assert list(clashed.value.extra) == ["count"]
    assert list(VoucherCode.objects.values_list("pk", flat=True)) == [taken.pk]


def test_system_codes_are_issued_once_per_key(business: Business, join: Callable[..., Membership]) -> None:
    ayu = join("Ayu").customer
    voucher = Voucher.objects.create(name="Thanks", kind=Voucher.Kind.AMOUNT, value=10_000)
    first = vouchers.code_issue_system(voucher=voucher, customer=ayu, unique_key="event:1", reason="x")
    again = vouchers.code_issue_system(voucher=voucher, customer=ayu, unique_key="event:1", reason="x")
    assert first.pk == again.pk and VoucherCode.objects.count() == 1


def test_a_voucher_never_takes_more_off_a_line_than_it_costs() -> None:
    """A voucher split over a sale with a free item (Rp 0 left after its promotion) put the
    rounding's leftover Rupiah on the free line: -Rp 2. Each share now stays within its line,
    and the shares add up to the discount, over random carts."""
    import random

    from setia.loyalty.services.vouchers import _spread

    lines = [
        CartLine(1, None, 1, 150_000, 0, "Creambath"),
        CartLine(2, None, 1, 200_000, 0, "Hair spa"),
        CartLine(3, None, 1, 95_000, 0, "Manicure"),
        CartLine(4, None, 1, 45_000, 45_000, "Vitamin rambut"),  # free with the hair spa
    ]
    shares = _spread(10_000, lines, [0, 1, 2, 3])
    assert shares[3] == 0 and sum(shares.values()) == 10_000
    rng = random.Random(5)
    for _ in range(2_000):
        cart = [CartLine(n, None, rng.randint(1, 3), rng.choice([0, 5_000, 45_000, 99_999]), 0, "") for n in range(5)]
        cart = [CartLine(c.product_id, None, c.quantity, c.unit_price, rng.randint(0, c.gross), "") for c in cart]
        indexes = [n for n in range(5) if rng.random() < 0.8] or [0]
        total = rng.randint(0, sum(cart[n].amount for n in indexes))
        shares = _spread(total, cart, indexes)
        assert sum(shares.values()) == total
        assert all(0 <= shares[n] <= cart[n].amount for n in indexes)


def test_codes_are_not_issued_already_expired(business: Business) -> None:
    from django.utils import timezone

    voucher = vouchers.voucher_create(actor=business.owner, name="Diskon", kind=Voucher.Kind.AMOUNT, value=20_000)
    past = timezone.now() - dt.timedelta(days=31)
    with pytest.raises(ApplicationError) as refused:
        vouchers.codes_issue(actor=business.owner, voucher=voucher, code="KADALUWARSA1", valid_until=past)
    assert "valid_until" in refused.value.extra and not VoucherCode.objects.exists()
    later = timezone.now() + dt.timedelta(days=30)
    (code,) = vouchers.codes_issue(actor=business.owner, voucher=voucher, code="BERLAKU1", valid_until=later)
    assert code.valid_until == later


# --- Refusals at the till that say what to do (the salon walk, second round) ------------------


def _refusal(code: str, customer: Customer | None, lines: list[CartLine]) -> str:
    with pytest.raises(ApplicationError) as refused:
        _evaluate(code, customer, lines)
    assert list(refused.value.extra) == ["voucher_code"]
    return refused.value.message


def test_a_personal_code_at_a_walk_in_sale_asks_for_the_customer_first(
    business: Business, cart: list[CartLine], join: Callable[..., Membership]
) -> None:
    ayu, bunga = join("Ayu").customer, join("Bunga").customer
    voucher = vouchers.voucher_create(actor=business.owner, name="Facial", kind=Voucher.Kind.AMOUNT, value=20_000)
    vouchers.codes_issue(actor=business.owner, voucher=voucher, code="FACIAL20", customer=ayu)
    assert _refusal("FACIAL20", None, cart) == "The voucher FACIAL20 is personal: choose the customer first."
    assert _refusal("FACIAL20", bunga, cart) == "The voucher FACIAL20 belongs to another customer."
    assert _evaluate("FACIAL20", ayu, cart) == 20_000


def test_a_tier_voucher_names_the_tiers_it_is_for(
    business: Business, cart: list[CartLine], tiers: dict[str, Tier], join: Callable[..., Membership]
) -> None:
    silver = join("Ayu").customer
    _voucher(business, "RAMBUT25", tiers=[tiers["platinum"], tiers["gold"]])
    assert _refusal("RAMBUT25", silver, cart) == "The voucher RAMBUT25 is only for members of Gold, Platinum."
    assert _refusal("RAMBUT25", None, cart) == (
        "The voucher RAMBUT25 is for members of Gold, Platinum: choose the customer first."
    )


def test_a_voucher_for_some_items_names_them_before_its_minimum_spend(
    business: Business, catalogue: dict[str, Any], cart: list[CartLine]
) -> None:
    """Nothing it applies to is in the cart: it says what it applies to, not the minimum spend
    the cart (Rp 310.000) is also short of."""
    _voucher(
        business,
        "RAMBUT25",
        min_spend=500_000,
        products=[catalogue["mani"], catalogue["book"]],
        categories=[catalogue["nails"]],
    )
    assert _refusal("RAMBUT25", None, cart) == (
        "Nothing in this sale qualifies for the voucher RAMBUT25: it is for Buku, Manikur, category Kuku."
    )
    _voucher(business, "SAMPO", min_spend=500_000, kind=Voucher.Kind.FREE_ITEM, value=0, free_product=catalogue["mani"])
    assert _refusal("SAMPO", None, cart) == "Add Manikur to the sale to use this voucher."
    mani = catalogue["mani"]
    with_nails = [*cart, CartLine(mani.pk, mani.category_id, 1, 100_000, name=mani.name)]
    assert _refusal("RAMBUT25", None, with_nails) == "The voucher RAMBUT25 needs a purchase of at least Rp 500,000."


def test_the_minimum_spend_refusal_says_it_counts_after_the_member_discount(
    business: Business, catalogue: dict[str, Any]
) -> None:
    """The till passes each line less the member discount and promotions: Rp 105.000 of hair
    with 10% off is Rp 94.500, short of Rp 100.000 — the refusal says after what."""
    _voucher(business, "HEMAT", min_spend=100_000)
    cut = catalogue["cut"]
    discounted = [CartLine(cut.pk, cut.category_id, 1, 105_000, discount=10_500, name=cut.name)]
    assert _refusal("HEMAT", None, discounted) == (
        "The voucher HEMAT needs a purchase of at least Rp 100,000 after the member discount and promotions; "
        "this sale comes to Rp 94,500 after them."
    )


def test_issuing_several_codes_with_one_own_code_or_too_many_at_once_is_refused(business: Business) -> None:
    voucher = vouchers.voucher_create(actor=business.owner, name="Flyer", kind=Voucher.Kind.AMOUNT, value=10_000)
    with pytest.raises(ApplicationError, match="a code of your choice is one code") as refused:
        vouchers.codes_issue(actor=business.owner, voucher=voucher, count=3, code="DUA")
    assert list(refused.value.extra) == ["count"]
    with pytest.raises(ApplicationError, match=r"between 1 and 10,000 at a time") as refused:
        vouchers.codes_issue(actor=business.owner, voucher=voucher, count=100_000)
    assert list(refused.value.extra) == ["count"]
    assert not VoucherCode.objects.exists()
    assert len(vouchers.codes_issue(actor=business.owner, voucher=voucher, count=10_000)) == 10_000
