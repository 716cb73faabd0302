"""The points and cashback ledgers: posting, adjusting, paying, refunds, FIFO expiry, the check."""

from collections.abc import Callable

import pytest
from django.utils import translation

from setia.conftest import Business
from setia.core.errors import ApplicationError, PermissionDeniedError
from setia.core.money import format_rupiah
from setia.loyalty.models import LedgerCheck, LoyaltySettings, Membership, PointsEntry, WalletEntry
from setia.loyalty.services import ledger
from setia.loyalty.services.purchases import pay_with_cashback, pay_with_points, purchase_recorded, purchase_refunded
from setia.loyalty.tests.conftest import at

pytestmark = pytest.mark.django_db


def _balances(membership: Membership) -> tuple[int, int]:
    membership.refresh_from_db()
    return membership.points_balance, membership.wallet_balance


def test_a_debit_beyond_the_balance_is_refused_and_changes_nothing(join: Callable[..., Membership]) -> None:
    member = join("Ayu")
    ledger.points_post(membership=member, kind=PointsEntry.Kind.BONUS, points=40)
    with pytest.raises(ApplicationError, match="Not enough points") as refused, translation.override("en"):
        ledger.points_post(membership=member, kind=PointsEntry.Kind.REDEEM, points=-41)
    assert refused.value.extra == {"points": ["Not enough points: 41 needed, and the balance is 40."]}
    assert _balances(member) == (40, 0)
    assert PointsEntry.objects.filter(membership=member).count() == 1
    with pytest.raises(ApplicationError):
        ledger.points_post(membership=member, kind=PointsEntry.Kind.BONUS, points=0)


def test_a_repeated_unique_key_is_recorded_once(join: Callable[..., Membership]) -> None:
    member = join("Ayu")
    first = ledger.points_post(membership=member, kind=PointsEntry.Kind.BONUS, points=10, unique_key="k1")
    again = ledger.points_post(membership=member, kind=PointsEntry.Kind.BONUS, points=10, unique_key="k1")
    assert first.pk == again.pk and _balances(member) == (10, 0)


def test_adjusting_needs_a_reason_and_the_role(business: Business, join: Callable[..., Membership]) -> None:
    member = join("Ayu")
    with pytest.raises(PermissionDeniedError):
        ledger.points_adjust(actor=business.cashier_a, membership=member, points=10, reason="goodwill")
    with pytest.raises(ApplicationError, match="reason") as no_reason:
        ledger.points_adjust(actor=business.manager, membership=member, points=10, reason="  ")
    assert "reason" in no_reason.value.extra
    assert not PointsEntry.objects.filter(membership=member).exists()
    entry = ledger.points_adjust(actor=business.manager, membership=member, points=25, reason="Complaint #12")
    assert (entry.kind, entry.points, entry.balance_after, entry.reason, entry.actor) == (
        "adjust",
        25,
        25,
        "Complaint #12",
        business.manager,
    )
    ledger.points_adjust(actor=business.owner, membership=member, points=-5, reason="Typo")
    with pytest.raises(ApplicationError, match="Not enough"):
        ledger.points_adjust(actor=business.owner, membership=member, points=-21, reason="Too much")
    assert _balances(member) == (20, 0)
    ledger.wallet_adjust(actor=business.owner, membership=member, amount=5_000, reason="Refund of a deposit")
    assert _balances(member) == (20, 5_000)


def test_paying_with_points_and_cashback(business: Business, join: Callable[..., Membership]) -> None:
    member = join("Ayu")
    ledger.points_post(membership=member, kind=PointsEntry.Kind.BONUS, points=300)
    ledger.wallet_post(membership=member, kind=WalletEntry.Kind.CASHBACK, amount=20_000)
    assert pay_with_points(actor=business.cashier_a, membership=member, points=250, source="sale:1") == 25_000
    pay_with_cashback(actor=business.cashier_a, membership=member, amount=15_000, source="sale:1")
    # Retrying the same sale does not spend twice.
    assert pay_with_points(actor=business.cashier_a, membership=member, points=250, source="sale:1") == 25_000
    assert _balances(member) == (50, 5_000)
    with pytest.raises(ApplicationError, match="Not enough points"):
        pay_with_points(actor=business.cashier_a, membership=member, points=51, source="sale:2")
    with pytest.raises(ApplicationError, match="Not enough cashback") as refused, translation.override("en"):
        pay_with_cashback(actor=business.cashier_a, membership=member, amount=5_001, source="sale:2")
    needed, balance = format_rupiah(5_001), format_rupiah(5_000)
    assert refused.value.message == f"Not enough cashback: {needed} needed, and the balance is {balance}."
    with pytest.raises(PermissionDeniedError):
        pay_with_points(actor=business.analyst, membership=member, points=1, source="sale:3")
    assert _balances(member) == (50, 5_000)


def test_paying_with_points_can_be_turned_off(
    business: Business, programme: LoyaltySettings, join: Callable[..., Membership]
) -> None:
    member = join("Ayu")
    ledger.points_post(membership=member, kind=PointsEntry.Kind.BONUS, points=300)
    programme.point_value = 0
    programme.save()
    with pytest.raises(ApplicationError, match="turned off"):
        pay_with_points(actor=business.cashier_a, membership=member, points=10, source="sale:1")
    assert _balances(member) == (300, 0)


def test_refunds_take_back_the_share_earned_cumulatively_and_never_below_zero(
    business: Business, programme: LoyaltySettings, join: Callable[..., Membership]
) -> None:
    member = join("Ayu")
    rewards = purchase_recorded(
        actor=None, customer=member.customer, source="sale:1", paid=1_000_000, lines=[], at=at("2026-03-02")
    )
    assert rewards.points == 100
    taken = purchase_refunded(
        actor=business.manager,
        customer=member.customer,
        source="sale:1",
        refund_amount=250_000,
        refunded_share=0.25,
        at=at("2026-03-03"),
    )
    assert taken == (25, 0) and _balances(member) == (75, 0)
    # She spends 60 of the rest; the full refund can only take back what is left.
    pay_with_points(actor=business.cashier_a, membership=member, points=60, source="sale:2")
    taken = purchase_refunded(
        actor=business.manager,
        customer=member.customer,
        source="sale:1",
        refund_amount=750_000,
        refunded_share=1.0,
        at=at("2026-03-04"),
    )
    assert taken == (15, 0) and _balances(member) == (0, 0)
    # A second full refund finds nothing more to take.
    assert purchase_refunded(
        actor=None, customer=member.customer, source="sale:1", refund_amount=0, refunded_share=1.0, at=at("2026-03-05")
    ) == (0, 0)
    assert list(
        PointsEntry.objects.filter(membership=member, kind="reverse").order_by("id").values_list("points", flat=True)
    ) == [-25, -15]


def _lot(member: Membership, points: int, day: str, expires: str) -> None:
    ledger.points_post(membership=member, kind=PointsEntry.Kind.EARN, points=points, at=at(day), expires_at=at(expires))


def test_expiry_takes_the_unused_part_of_lots_past_their_date_oldest_first(join: Callable[..., Membership]) -> None:
    member = join("Ayu")
    _lot(member, 100, "2025-01-10", "2026-01-10")
    _lot(member, 50, "2025-06-10", "2026-06-10")
    ledger.points_post(membership=member, kind=PointsEntry.Kind.REDEEM, points=-30, at=at("2025-07-01"))
    ledger.points_post(membership=member, kind=PointsEntry.Kind.ADJUST, points=10, at=at("2025-07-02"))
    # 30 redeemed came out of the oldest lot: 70 of it is left to expire.
    assert ledger.points_expiring_soon(days=30, now=at("2025-12-20")) == {member.pk: 70}
    assert ledger.points_expire_due(now=at("2026-01-11")) == 70
    assert ledger.points_expire_due(now=at("2026-01-11", 18)) == 0  # the same day again: nothing
    assert _balances(member)[0] == 60
    assert ledger.points_expiring_soon(days=180, now=at("2026-01-12")) == {member.pk: 50}
    assert ledger.points_expire_due(now=at("2026-06-11")) == 50
    assert _balances(member)[0] == 10  # the adjustment never expires
    assert ledger.points_expire_due(now=at("2027-06-11")) == 0
    expired = PointsEntry.objects.filter(membership=member, kind="expire").order_by("id")
    assert list(expired.values_list("points", flat=True)) == [-70, -50]


def test_the_nightly_expiry_leaves_the_foreign_key_checks_on_for_what_the_caller_writes_next(
    join: Callable[..., Membership],
) -> None:
    """On PostgreSQL the nightly run skips the per-row checks of its own entries only."""
    from django.db import IntegrityError, connection, transaction

    member = join("Ayu")
    _lot(member, 100, "2025-01-10", "2026-01-10")
    with transaction.atomic():  # a caller's transaction (the demo's history runs it inside one)
        assert ledger.points_expire_due(now=at("2026-01-11")) == 100
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SHOW session_replication_role")
                assert cursor.fetchone()[0] == "origin"
    assert _balances(member)[0] == 0
    with pytest.raises(IntegrityError), transaction.atomic():  # and the checks still refuse a bad row
        PointsEntry.objects.create(
            membership_id=member.pk + 1_000, kind="bonus", points=1, balance_after=1, unique_key="x"
        )
        connection.check_constraints()


def test_expiry_never_takes_points_already_spent(join: Callable[..., Membership]) -> None:
    member = join("Ayu")
    _lot(member, 100, "2025-01-10", "2026-01-10")
    ledger.points_post(membership=member, kind=PointsEntry.Kind.REDEEM, points=-100, at=at("2025-02-01"))
    _lot(member, 40, "2025-03-01", "2026-03-01")
    assert ledger.points_expire_due(now=at("2026-01-11")) == 0
    assert ledger.points_expiring_soon(days=60, now=at("2026-01-11")) == {member.pk: 40}


def test_points_past_their_date_are_expired_before_she_pays_with_points(
    business: Business, programme: LoyaltySettings, join: Callable[..., Membership]
) -> None:
    """The nightly expiry has not run since her oldest lot's date: those points are not spendable,
    and paying expires them first (the history shows the expiry, then the payment)."""
    member = join("Ayu")
    _lot(member, 100, "2025-01-10", "2026-01-10")
    _lot(member, 50, "2025-06-10", "2026-06-10")
    member.refresh_from_db()
    assert ledger.points_lapsed(member, now=at("2026-01-09")) == 0
    assert ledger.points_lapsed(member, now=at("2026-01-11")) == 100
    assert ledger.points_standing(member, now=at("2026-01-11")) == ledger.PointsStanding(spendable=50, lapsed=100)
    # More than she may spend: refused, and nothing (not even the expiry) is written.
    with pytest.raises(ApplicationError, match="Not enough points"):
        pay_with_points(actor=business.cashier_a, membership=member, points=60, source="sale:1", at=at("2026-01-11"))
    assert _balances(member) == (150, 0)
    assert not PointsEntry.objects.filter(membership=member, kind="expire").exists()
    assert pay_with_points(actor=business.cashier_a, membership=member, points=40, source="sale:2", at=at("2026-01-11"))
    entries = PointsEntry.objects.filter(membership=member).order_by("id")
    assert [(entry.kind, entry.points, entry.balance_after) for entry in entries][2:] == [
        ("expire", -100, 50),
        ("redeem", -40, 10),
    ]
    assert _balances(member) == (10, 0)
    # The night's run finds nothing more to take; the younger lot's rest expires in its time.
    assert ledger.points_expire_due(now=at("2026-01-12")) == 0
    assert ledger.points_expire_due(now=at("2026-06-11")) == 10
    assert ledger.ledger_mismatches() == []


def test_a_reward_is_not_paid_for_with_points_past_their_date(
    business: Business, programme: LoyaltySettings, join: Callable[..., Membership]
) -> None:
    from setia.loyalty.models import Reward
    from setia.loyalty.services.rewards import reward_redeem

    member = join("Ayu")
    _lot(member, 100, "2025-01-10", "2026-01-10")
    _lot(member, 30, "2025-06-10", "2099-06-10")
    member.refresh_from_db()
    towel = Reward.objects.create(name="Towel", points_cost=50, stock=3)
    with pytest.raises(ApplicationError, match="30 can be used; 100 are past their date") as refused:
        reward_redeem(actor=business.cashier_a, membership=member, reward=towel)
    assert "reward" in refused.value.extra
    towel.refresh_from_db()
    assert towel.stock == 3 and _balances(member) == (130, 0)
    assert not PointsEntry.objects.filter(membership=member, kind="expire").exists()
    comb = Reward.objects.create(name="Comb", points_cost=20)
    reward_redeem(actor=business.cashier_a, membership=member, reward=comb)
    assert list(
        PointsEntry.objects.filter(membership=member, points__lt=0).order_by("id").values_list("kind", "points")
    ) == [
        ("expire", -100),
        ("redeem", -20),
    ]
    assert _balances(member) == (10, 0)


def test_ledger_check_finds_a_balance_that_differs_from_its_ledger(
    business: Business, join: Callable[..., Membership]
) -> None:
    good, bad = join("Ayu"), join("Bunga")
    ledger.points_post(membership=good, kind=PointsEntry.Kind.BONUS, points=10)
    ledger.points_post(membership=bad, kind=PointsEntry.Kind.BONUS, points=10)
    assert ledger.ledger_mismatches() == []
    Membership.objects.filter(pk=bad.pk).update(points_balance=15, wallet_balance=7)
    result = ledger.ledger_check(actor=business.owner)
    assert result.checked == 2 and not result.ok
    assert result.mismatches == [
        {"membership_id": bad.pk, "number": bad.number, "kind": "points", "balance": 15, "ledger": 10},
        {"membership_id": bad.pk, "number": bad.number, "kind": "cashback", "balance": 7, "ledger": 0},
    ]
    with pytest.raises(PermissionDeniedError):
        ledger.ledger_check(actor=business.cashier_a)
    assert LedgerCheck.objects.count() == 1
