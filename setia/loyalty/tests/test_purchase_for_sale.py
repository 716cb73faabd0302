"""A sale's purchase (`purchase_recorded(new_source=True)` under `lock_for_sale`, its writes sent
in one batch) gives exactly what the general path gives: points, cashback for returning members,
tier upgrades, the referral reward at the first purchase, and the same ledger rows."""

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction

from setia.core import statements
from setia.core.errors import ApplicationError
from setia.loyalty.cart import CartLine
from setia.loyalty.models import (
    CashbackRule,
    EarnRule,
    LoyaltySettings,
    Membership,
    PointsEntry,
    QualifyingActivity,
    Referral,
    Tier,
    TierChange,
    WalletEntry,
)
from setia.loyalty.services.purchases import lock_for_sale, purchase_recorded
from setia.loyalty.tests.conftest import at

pytestmark = pytest.mark.django_db

MONDAY = at("2026-03-09")


def _rows(member: Membership, prefix: str) -> dict[str, Any]:
    member.refresh_from_db()

    def plain(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        return re.sub(r"referral:\d+", "referral:<n>", value.replace(prefix, "<sale>"))

    def listed(queryset: Any, *fields: str) -> list[tuple[Any, ...]]:
        return [tuple(plain(v) for v in row) for row in queryset.order_by("id").values_list(*fields)]

    return {
        "member": (member.points_balance, member.wallet_balance, member.tier_id),
        "points": listed(
            PointsEntry.objects.filter(membership=member),
            "kind",
            "points",
            "balance_after",
            "source",
            "unique_key",
            "reason",
        ),
        "wallet": listed(
            WalletEntry.objects.filter(membership=member), "kind", "amount", "balance_after", "source", "reason"
        ),
        "tiers": listed(
            TierChange.objects.filter(membership=member), "from_tier_id", "to_tier_id", "spend", "visits", "created_at"
        ),
        "qualifying": listed(
            QualifyingActivity.objects.filter(membership=member), "occurred_on", "amount", "visits", "source"
        ),
        "referral": list(Referral.objects.filter(referee=member).values_list("status", flat=True)),
    }


def _for_sale(member: Membership, source: str, paid: int, lines: list[CartLine]) -> tuple[int, int, list[str]]:
    with transaction.atomic():
        membership, _also = lock_for_sale(member.customer)
        writes = statements.Batch()
        rewards = purchase_recorded(
            actor=None,
            customer=member.customer,
            source=source,
            paid=paid,
            lines=lines,
            at=MONDAY,
            membership=membership,
            new_source=True,
            batch=writes,
        )
        writes.run()
    return rewards.points, rewards.cashback, rewards.explanation


def test_a_sale_earns_what_the_general_path_earns(
    programme: LoyaltySettings,
    tiers: dict[str, Tier],
    catalogue: dict[str, Any],
    join: Callable[..., Membership],
) -> None:
    programme.referral_trigger = LoyaltySettings.ReferralTrigger.FIRST_PURCHASE
    programme.referrer_points, programme.referee_points = 50, 25
    programme.save()
    Tier.objects.filter(pk=tiers["gold"].pk).update(min_spend=500_000)
    EarnRule.objects.create(name="Nails bonus", kind=EarnRule.Kind.CATEGORY, category=catalogue["nails"], points=3)
    CashbackRule.objects.create(name="Back again", percent=Decimal(10), max_amount=20_000, returning_only=True)
    mani = catalogue["mani"]
    lines = [CartLine(mani.pk, mani.category_id, 2, 100_000, name=mani.name)]
    general = join("Ayu", referral_code=join("Sari").referral_code)
    for_sale = join("Bunga", referral_code=join("Rina").referral_code)
    assert Referral.objects.filter(status=Referral.Status.JOINED).count() == 2
    for number, paid in enumerate((200_000, 150_000, 400_000), start=1):
        expected = purchase_recorded(
            actor=None, customer=general.customer, source=f"g:{number}", paid=paid, lines=lines, at=MONDAY
        )
        got = _for_sale(for_sale, f"s:{number}", paid, lines)
        assert got == (expected.points, expected.cashback, expected.explanation), number
    assert _rows(for_sale, "s:") == _rows(general, "g:")
    rows = _rows(for_sale, "s:")
    # First purchase: the referral reward; second and third: cashback; third: Gold.
    assert rows["referral"] == [Referral.Status.REWARDED]
    assert [row[:2] for row in rows["tiers"]] == [(tiers["silver"].pk, tiers["gold"].pk)]
    assert [row[1] for row in rows["wallet"]] == [15_000, 20_000]
    assert rows["member"][2] == tiers["gold"].pk
    earned = PointsEntry.objects.filter(membership=for_sale, kind="earn")
    assert set(earned.values_list("created_at", "expires_at")) == {(MONDAY, at("2027-03-09"))}


def test_a_balance_moved_behind_the_sale_refuses_it_and_writes_nothing(
    programme: LoyaltySettings, join: Callable[..., Membership]
) -> None:
    member = join("Ayu")
    with pytest.raises(ApplicationError, match="balance changed"), transaction.atomic():
        membership, _also = lock_for_sale(member.customer)
        assert membership is not None
        membership.points_balance += 7  # as if read before another sale moved it
        writes = statements.Batch()
        purchase_recorded(
            actor=None,
            customer=member.customer,
            source="sale:1",
            paid=100_000,
            lines=[],
            at=MONDAY,
            membership=membership,
            new_source=True,
            batch=writes,
        )
        writes.run()
    member.refresh_from_db()
    assert member.points_balance == 0
    assert not PointsEntry.objects.filter(membership=member).exists()
    assert not QualifyingActivity.objects.filter(membership=member).exists()
