"""What a purchase earns: base points, product/category extras, tier and weekend multipliers,
cashback for returning customers, birthday points."""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from setia.loyalty.cart import CartLine
from setia.loyalty.models import CashbackRule, EarnRule, LoyaltySettings, Membership, PointsEntry, Tier, WalletEntry
from setia.loyalty.services.purchases import birthday_bonus, cashback_for, points_for, purchase_recorded
from setia.loyalty.tests.conftest import at

pytestmark = pytest.mark.django_db

SATURDAY, MONDAY = at("2026-03-07"), at("2026-03-09")


def _lines(catalogue: dict[str, Any]) -> list[CartLine]:
    cut, mani = catalogue["cut"], catalogue["mani"]
    return [
        CartLine(cut.pk, cut.category_id, 2, 150_000, name=cut.name),
        CartLine(mani.pk, mani.category_id, 1, 100_000, name=mani.name),
    ]


def test_base_rule_counts_whole_steps_of_the_amount_paid(
    programme: LoyaltySettings, join: Callable[..., Membership]
) -> None:
    member = join("Ayu")
    assert points_for(membership=member, lines=[], paid=399_999, at=MONDAY)[0] == 39
    programme.spend_unit, programme.points_per_unit = 25_000, 2
    assert points_for(membership=member, lines=[], paid=100_000, at=MONDAY, config=programme)[0] == 8


def test_product_and_category_extras_then_tier_and_weekend_multipliers(
    programme: LoyaltySettings,
    tiers: dict[str, Tier],
    catalogue: dict[str, Any],
    join: Callable[..., Membership],
) -> None:
    member = join("Ayu")
    EarnRule.objects.create(name="Cut bonus", kind=EarnRule.Kind.PRODUCT, product=catalogue["cut"], points=5)
    EarnRule.objects.create(name="Nails bonus", kind=EarnRule.Kind.CATEGORY, category=catalogue["nails"], points=3)
    EarnRule.objects.create(name="Weekend", kind=EarnRule.Kind.MULTIPLIER, multiplier=Decimal(2), weekdays="6,7")
    EarnRule.objects.create(
        name="Old", kind=EarnRule.Kind.PRODUCT, product=catalogue["cut"], points=99, is_active=False
    )
    EarnRule.objects.create(
        name="Past", kind=EarnRule.Kind.PRODUCT, product=catalogue["cut"], points=99, ends_on=dt.date(2026, 1, 1)
    )
    lines = _lines(catalogue)
    # 400.000 paid: 40 base + 2x5 + 1x3 = 53 on a Monday.
    points, how = points_for(membership=member, lines=lines, paid=400_000, at=MONDAY)
    assert points == 53 and len(how) == 3
    assert points_for(membership=member, lines=lines, paid=400_000, at=SATURDAY)[0] == 106
    member.tier = tiers["gold"]  # x2 more
    assert points_for(membership=member, lines=lines, paid=400_000, at=SATURDAY)[0] == 212
    member.tier = Tier(name="Odd", rank=9, points_multiplier=Decimal("1.5"))
    assert points_for(membership=member, lines=lines, paid=400_000, at=MONDAY)[0] == 79  # 53 x 1.5, rounded down


def test_a_recorded_purchase_earns_points_once_with_an_expiry(
    programme: LoyaltySettings, join: Callable[..., Membership]
) -> None:
    member = join("Ayu")
    for _ in range(2):
        rewards = purchase_recorded(
            actor=None, customer=member.customer, source="sale:7", paid=250_000, lines=[], at=MONDAY
        )
    assert rewards.points == 25
    entry = PointsEntry.objects.get(membership=member)
    assert (entry.kind, entry.points, entry.source, entry.expires_at) == ("earn", 25, "sale:7", at("2027-03-09"))
    member.refresh_from_db()
    assert member.points_balance == 25 and member.qualifying.count() == 1
    history = purchase_recorded(
        actor=None, customer=member.customer, source="sale:8", paid=250_000, lines=[], at=MONDAY, apply_rewards=False
    )
    assert history.points == 0 and member.qualifying.count() == 2


def test_cashback_for_returning_customers_only(programme: LoyaltySettings, join: Callable[..., Membership]) -> None:
    member = join("Ayu")
    CashbackRule.objects.create(name="10% back", percent=Decimal(10), min_spend=100_000, max_amount=30_000)
    assert cashback_for(membership=member, paid=200_000, at=MONDAY) == (0, "")  # no earlier purchase
    first = purchase_recorded(actor=None, customer=member.customer, source="sale:1", paid=200_000, lines=[], at=MONDAY)
    assert first.cashback == 0
    second = purchase_recorded(actor=None, customer=member.customer, source="sale:2", paid=250_000, lines=[], at=MONDAY)
    assert second.cashback == 25_000
    third = purchase_recorded(actor=None, customer=member.customer, source="sale:3", paid=900_000, lines=[], at=MONDAY)
    assert third.cashback == 30_000  # capped
    fourth = purchase_recorded(actor=None, customer=member.customer, source="sale:4", paid=99_999, lines=[], at=MONDAY)
    assert fourth.cashback == 0  # under the minimum
    member.refresh_from_db()
    assert member.wallet_balance == 55_000
    assert list(WalletEntry.objects.filter(membership=member).order_by("id").values_list("amount", flat=True)) == [
        25_000,
        30_000,
    ]
    # Her timeline says what the purchases earned, in the reader's language.
    from django.utils import translation

    from setia.customers.timeline import timeline_for

    with translation.override("id"):
        titles = [entry.title for entry in timeline_for(member.customer) if entry.kind == "loyalty"]
    assert "Cashback didapat: +Rp 30.000" in titles and "Cashback didapat: +Rp 25.000" in titles
    with translation.override("en"):
        titles = [entry.title for entry in timeline_for(member.customer) if entry.kind == "loyalty"]
    assert "Cashback earned: +Rp 30,000" in titles


def test_birthday_points_once_a_year_and_on_28_february_for_29_february(
    programme: LoyaltySettings, join: Callable[..., Membership]
) -> None:
    programme.birthday_points = 20
    programme.save()
    ayu = join("Ayu", birthday=dt.date(1990, 3, 9))
    leap = join("Bunga", birthday=dt.date(1992, 2, 29))
    join("Citra", birthday=dt.date(1990, 3, 10))
    assert birthday_bonus(today=dt.date(2026, 3, 9)) == 1
    assert birthday_bonus(today=dt.date(2026, 3, 9)) == 0
    assert birthday_bonus(today=dt.date(2026, 2, 28)) == 1
    ayu.refresh_from_db()
    leap.refresh_from_db()
    assert (ayu.points_balance, leap.points_balance) == (20, 20)
