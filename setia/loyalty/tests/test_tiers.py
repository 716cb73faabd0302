"""Tier qualification: upgrades at purchase, periodic re-evaluation up and down, with a reason."""

import datetime as dt
from collections.abc import Callable

import pytest

from setia.accounts.models import Branch
from setia.conftest import Business
from setia.loyalty.models import Membership, QualifyingActivity, Tier, TierChange
from setia.loyalty.services.purchases import purchase_recorded, purchase_refunded
from setia.loyalty.services.tiers import tiers_reevaluate
from setia.loyalty.tests.conftest import at

pytestmark = pytest.mark.django_db


def test_a_purchase_that_qualifies_upgrades_at_once_with_the_reason(
    tiers: dict[str, Tier], join: Callable[..., Membership]
) -> None:
    member = join("Ayu")
    purchase_recorded(actor=None, customer=member.customer, source="s:1", paid=3_000_000, lines=[], at=at("2026-03-02"))
    member.refresh_from_db()
    assert member.tier == tiers["silver"]
    purchase_recorded(actor=None, customer=member.customer, source="s:2", paid=2_500_000, lines=[], at=at("2026-03-03"))
    member.refresh_from_db()
    assert member.tier == tiers["gold"]
    change = TierChange.objects.get(membership=member)
    assert (change.from_tier, change.to_tier, change.spend, change.visits) == (
        tiers["silver"],
        tiers["gold"],
        5_500_000,
        2,
    )
    assert change.reason_text == "Rp 5,500,000 and 2 visits in the last 365 days: Gold"
    # Dated at the purchase that lifted her (one recorded later too: an import, the demo's history).
    assert change.created_at == member.tier_since == at("2026-03-03")


def test_reevaluation_downgrades_when_the_window_has_passed_and_counts_refunds(
    tiers: dict[str, Tier], join: Callable[..., Membership]
) -> None:
    ayu, bunga = join("Ayu"), join("Bunga")
    purchase_recorded(actor=None, customer=ayu.customer, source="s:1", paid=6_000_000, lines=[], at=at("2026-01-05"))
    purchase_recorded(actor=None, customer=bunga.customer, source="s:2", paid=6_000_000, lines=[], at=at("2026-01-05"))
    purchase_refunded(
        actor=None,
        customer=bunga.customer,
        source="s:2",
        refund_amount=2_000_000,
        refunded_share=1 / 3,
        at=at("2026-01-06"),
    )
    assert tiers_reevaluate(today=dt.date(2026, 6, 1)) == {"upgraded": 0, "downgraded": 1}
    ayu.refresh_from_db()
    bunga.refresh_from_db()
    assert (ayu.tier, bunga.tier) == (tiers["gold"], tiers["silver"])
    assert tiers_reevaluate(today=dt.date(2026, 6, 1)) == {"upgraded": 0, "downgraded": 0}
    assert tiers_reevaluate(today=dt.date(2027, 1, 6)) == {"upgraded": 0, "downgraded": 1}
    ayu.refresh_from_db()
    assert ayu.tier == tiers["silver"]
    last = TierChange.objects.filter(membership=ayu).first()
    assert last is not None and last.reason_text == "Rp 0 and 0 visits in the last 365 days: Silver"
    assert QualifyingActivity.objects.filter(membership=bunga).count() == 2


def test_a_member_who_falls_out_of_every_tier_is_told_her_figures_against_the_lowest(
    tiers: dict[str, Tier], join: Callable[..., Membership]
) -> None:
    from django.utils import translation

    tiers["silver"].min_visits = 2  # Silver now needs two visits in its window (a year)
    tiers["silver"].save()
    ayu = join("Ayu")
    for day in ("2026-01-05", "2026-01-06"):
        purchase_recorded(actor=None, customer=ayu.customer, source=f"s:{day}", paid=150_000, lines=[], at=at(day))
    purchase_recorded(actor=None, customer=ayu.customer, source="s:late", paid=90_000, lines=[], at=at("2026-09-01"))
    assert tiers_reevaluate(today=dt.date(2027, 1, 10)) == {"upgraded": 0, "downgraded": 1}
    ayu.refresh_from_db()
    assert ayu.tier is None
    change = TierChange.objects.filter(membership=ayu).first()
    assert change is not None and (change.from_tier, change.to_tier) == (tiers["silver"], None)
    assert (change.spend, change.visits) == (90_000, 1)
    assert change.reason_text == "Rp 90,000 and 1 visits in the last 365 days: below Silver"
    with translation.override("id"):
        assert change.reason_text == "Rp 90.000 dan 1 kunjungan dalam 365 hari terakhir: di bawah Silver"


def test_visits_qualify_too(tiers: dict[str, Tier], join: Callable[..., Membership]) -> None:
    regular = Tier.objects.create(name="Regular", rank=5, min_visits=3, window_days=90)
    member = join("Ayu")
    for day in (1, 2, 3):
        QualifyingActivity.objects.create(membership=member, occurred_on=dt.date(2026, 3, day), amount=50_000)
    assert tiers_reevaluate(today=dt.date(2026, 3, 4)) == {"upgraded": 1, "downgraded": 0}
    member.refresh_from_db()
    assert member.tier == regular


def _many_members(count: int, branch: Branch) -> list[Membership]:
    from setia.customers.models import Customer

    customers = Customer.objects.bulk_create(
        [Customer(name=f"Anggota {n}", search_name=f"anggota {n}", home_branch=branch) for n in range(count)]
    )
    return Membership.objects.bulk_create(
        [Membership(customer=c, number=f"M{c.pk:08d}", referral_code=f"R{c.pk:08d}") for c in customers]
    )


def test_the_nightly_run_moves_many_members_at_once_each_with_its_reason(
    tiers: dict[str, Tier], business: Business
) -> None:
    """Over a thousand moves: on PostgreSQL the foreign keys are checked for the whole run (the
    per-row checks skipped), the result the same as member by member."""
    from django.db import connection

    from setia.core.bulk import row_checks_skippable

    members = _many_members(1_300, business.branch_a)
    QualifyingActivity.objects.bulk_create(
        [
            QualifyingActivity(membership=m, occurred_on=dt.date(2026, 3, 1), amount=amount, visits=2)
            for m, amount in zip(members, [6_000_000, 25_000_000, 100_000] * 500, strict=False)
        ]
    )
    Membership.objects.filter(pk=members[2].pk).update(tier=tiers["platinum"])  # falls to Silver
    if connection.vendor == "postgresql":
        assert row_checks_skippable(Membership, TierChange)  # the path this test is for
    moved = tiers_reevaluate(today=dt.date(2026, 6, 1))
    assert moved == {"upgraded": 867 + 433 - 1, "downgraded": 1}
    by_tier = dict(Membership.objects.values_list("pk", "tier__name"))
    assert [by_tier[m.pk] for m in members[:6]] == ["Gold", "Platinum", "Silver", "Gold", "Platinum", "Silver"]
    assert TierChange.objects.count() == 1_300
    change = TierChange.objects.get(membership=members[1])
    assert (change.from_tier, change.to_tier, change.spend, change.visits) == (None, tiers["platinum"], 25_000_000, 2)
    assert change.reason_text == "Rp 25,000,000 and 2 visits in the last 365 days: Platinum"
    fell = TierChange.objects.get(membership=members[2])
    assert (fell.from_tier, fell.to_tier) == (tiers["platinum"], tiers["silver"])
    assert tiers_reevaluate(today=dt.date(2026, 6, 1)) == {"upgraded": 0, "downgraded": 0}


@pytest.mark.django_db(transaction=True)
def test_a_move_of_a_member_who_is_gone_is_refused_and_nothing_is_written(
    tiers: dict[str, Tier], business: Business
) -> None:
    from django.db import IntegrityError
    from django.utils import timezone

    from setia.loyalty.services.tiers import _write_moves

    members = _many_members(1_100, business.branch_a)
    gone = max(m.pk for m in members) + 1_000
    ids = [m.pk for m in members] + [gone]
    changes: list[tuple[int, int | None, int | None, int, int, str, str | None]] = [
        (pk, None, tiers["gold"].pk, 6_000_000, 2, "r", None) for pk in ids
    ]
    with pytest.raises(IntegrityError):
        _write_moves({tiers["gold"].pk: ids}, changes, timezone.now())
    assert not TierChange.objects.exists()
    assert not Membership.objects.filter(tier=tiers["gold"]).exists()


def test_a_tier_s_rule_reads_spend_or_visits(programme: object) -> None:
    from django.utils import translation

    from setia.loyalty.services.tiers import tier_rule

    both = Tier(name="Gold", rank=1, min_spend=2_000_000, min_visits=6)
    with translation.override("en"):
        assert tier_rule(both) == "Rp 2,000,000 spent or 6 visits"
        assert tier_rule(Tier(name="Bronze", rank=1, min_visits=1)) == "1 visit"
        assert tier_rule(Tier(name="Silver", rank=1, min_spend=500_000)) == "Rp 500,000 spent"
        assert tier_rule(Tier(name="Entry", rank=0)) == "every member"
    # The rule it describes: either is enough.
    from setia.loyalty.services.tiers import _qualifies

    assert _qualifies(both, 2_000_000, 0) and _qualifies(both, 0, 6) and not _qualifies(both, 1_999_999, 5)
