"""Merging customers with memberships; the nightly job; `manage.py loyalty_check`."""

from collections.abc import Callable
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum

from setia.conftest import Business
from setia.customers.merge import customers_merge
from setia.customers.models import Customer
from setia.loyalty.models import LedgerCheck, Membership, PointsEntry, Referral, Voucher, VoucherCode, WalletEntry
from setia.loyalty.services import ledger
from setia.loyalty.tasks import loyalty_nightly
from setia.loyalty.tests.conftest import at

pytestmark = pytest.mark.django_db


def _sum(member: Membership) -> int:
    return int(PointsEntry.objects.filter(membership=member).aggregate(total=Sum("points"))["total"] or 0)


def test_merging_moves_the_only_membership_to_the_survivor(
    business: Business, join: Callable[..., Membership], make_customer: Callable[..., Customer]
) -> None:
    survivor = make_customer("Maya Sari")
    old = join("Maya S.")
    ledger.points_post(membership=old, kind=PointsEntry.Kind.BONUS, points=30)
    customers_merge(actor=business.manager, survivor=survivor, merged=old.customer)
    old.refresh_from_db()
    assert old.customer_id == survivor.pk and old.points_balance == 30
    assert Customer.objects.get(pk=survivor.pk).member_number == old.number


def test_merging_two_members_moves_balances_with_a_pair_of_entries_keeping_expiry(
    business: Business, join: Callable[..., Membership]
) -> None:
    kept, old = join("Maya Sari"), join("Maya S.")
    ledger.points_post(membership=kept, kind=PointsEntry.Kind.BONUS, points=10, expires_at=at("2027-01-01"))
    ledger.points_post(
        membership=old, kind=PointsEntry.Kind.EARN, points=100, at=at("2026-01-01"), expires_at=at("2027-01-01")
    )
    ledger.points_post(
        membership=old, kind=PointsEntry.Kind.EARN, points=50, at=at("2026-02-01"), expires_at=at("2027-02-01")
    )
    ledger.points_post(membership=old, kind=PointsEntry.Kind.REDEEM, points=-120, at=at("2026-03-01"))
    ledger.points_adjust(actor=business.owner, membership=old, points=5, reason="goodwill")
    ledger.wallet_post(membership=old, kind=WalletEntry.Kind.CASHBACK, amount=7_000)
    friend = join("Friend", referral_code=old.referral_code)
    code = VoucherCode.objects.create(
        voucher=Voucher.objects.create(name="V", kind="amount", value=1), code="MAYA1", customer=old.customer
    )
    customers_merge(actor=business.manager, survivor=kept.customer, merged=old.customer)
    kept.refresh_from_db()
    old.refresh_from_db()
    assert (old.points_balance, old.wallet_balance, old.status) == (0, 0, Membership.Status.CANCELLED)
    assert (kept.points_balance, kept.wallet_balance) == (45, 7_000)
    assert _sum(kept) == 45 and _sum(old) == 0 and ledger.ledger_mismatches() == []
    moved_in = PointsEntry.objects.filter(membership=kept, source=f"loyalty.merge:{old.pk}").order_by("id")
    # What is left of the second lot keeps its expiry date; the adjustment stays without one.
    assert [(e.kind, e.points, e.expires_at) for e in moved_in] == [
        ("bonus", 30, at("2027-02-01")),
        ("adjust", 5, None),
    ]
    assert Referral.objects.get(referee=friend).referrer == kept
    code.refresh_from_db()
    assert code.customer == kept.customer
    assert ledger.points_expire_due(now=at("2027-02-02")) == 40  # 10 of her own + the 30 moved


def test_nightly_job_expires_gives_birthday_points_reviews_tiers_and_checks(
    programme: object, join: Callable[..., Membership]
) -> None:
    member = join("Ayu")
    ledger.points_post(membership=member, kind="earn", points=10, at=at("2020-01-01"), expires_at=at("2021-01-01"))
    result = loyalty_nightly.call()
    assert result == {"expired": 10, "birthdays": 0, "upgraded": 0, "downgraded": 0, "mismatches": 0}
    assert LedgerCheck.objects.get().ok


def test_loyalty_check_command_lists_mismatches_and_exits_1(join: Callable[..., Membership]) -> None:
    member = join("Ayu")
    out = StringIO()
    call_command("loyalty_check", stdout=out)
    assert out.getvalue().startswith("OK: 1 memberships")
    Membership.objects.filter(pk=member.pk).update(points_balance=9)
    out = StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("loyalty_check", stdout=out)
    assert failed.value.returncode == 1
    assert out.getvalue() == f"{member.number} (membership {member.pk}) points: balance 9, ledger 0\n"


def test_schedule_runs_the_loyalty_job_nightly() -> None:
    from config.schedule import SCHEDULE

    job = next(j for j in SCHEDULE if j.key == "loyalty_nightly")
    assert job.task_path == "setia.loyalty.tasks.loyalty_nightly" and job.cron == "30 1 * * *"
