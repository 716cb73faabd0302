"""Real threads against PostgreSQL (run by `make test-postgres`): balances and single-use codes
hold under simultaneous use."""

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import close_old_connections, connection
from django.db.models import Sum
from django.utils import translation

from setia.catalog.models import Product
from setia.conftest import Business
from setia.core.errors import ApplicationError
from setia.loyalty.cart import CartLine
from setia.loyalty.models import Membership, PointsEntry, Reward, RewardRedemption, Voucher, VoucherUse
from setia.loyalty.services import ledger, vouchers
from setia.loyalty.services.purchases import pay_with_points
from setia.loyalty.services.rewards import reward_redeem

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]

# PostgreSQL allows 100 connections on these machines and other suites share it: 100 attempts
# are made by 25 threads released together, each making its attempts back to back.
THREADS = 25


def _postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.fail("concurrency tests run on PostgreSQL (make test-postgres)")


def _race(attempts: int, attempt: Callable[[int], None]) -> list[str]:
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []

    def worker(first: int) -> None:
        try:
            translation.activate("en")  # messages compared in English; each thread has its own language
            barrier.wait()
            for number in range(first, attempts, THREADS):
                try:
                    attempt(number)
                    outcomes.append("ok")
                except ApplicationError as error:
                    outcomes.append(f"refused: {error.message}")
        finally:
            close_old_connections()

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(worker, range(THREADS)))
    return outcomes


def _ledger_sum(membership: Membership) -> int:
    return int(PointsEntry.objects.filter(membership=membership).aggregate(total=Sum("points"))["total"] or 0)


def test_100_simultaneous_point_payments_on_a_balance_for_50(
    business: Business, join: Callable[..., Membership]
) -> None:
    _postgres()
    member = join("Ayu")
    ledger.points_post(membership=member, kind=PointsEntry.Kind.BONUS, points=50)

    def pay(number: int) -> None:
        pay_with_points(
            actor=business.cashier_a, membership=Membership.objects.get(pk=member.pk), points=1, source=f"sale:{number}"
        )

    outcomes = _race(100, pay)
    assert outcomes.count("ok") == 50 and len(outcomes) == 100
    assert all(o.startswith("refused: Not enough points") for o in outcomes if o != "ok")
    member.refresh_from_db()
    assert member.points_balance == 0 == _ledger_sum(member)
    assert PointsEntry.objects.filter(membership=member, kind="redeem").count() == 50
    assert not PointsEntry.objects.filter(balance_after__lt=0).exists()


def test_simultaneous_payments_expire_points_past_their_date_once(
    business: Business, join: Callable[..., Membership], monkeypatch: pytest.MonkeyPatch
) -> None:
    """100 of her points passed their date and the nightly expiry has not run: 100 payments of a
    point at once, against the 100 she may spend, all go through, and the 100 past their date
    are expired once (without the member's lock two payments could both count them, and the
    second be refused or expire them again)."""
    from setia.loyalty.tests.conftest import lapsed_lot

    _postgres()
    member = join("Ayu")
    lapsed_lot(member, 100)
    ledger.points_post(membership=member, kind=PointsEntry.Kind.BONUS, points=100)
    counted = ledger.points_lapsed

    def slow_count(membership: Membership, **kwargs: Any) -> int:  # widen the window between count and write
        due = counted(membership, **kwargs)
        time.sleep(0.02)
        return due

    monkeypatch.setattr(ledger, "points_lapsed", slow_count)

    def pay(number: int) -> None:
        pay_with_points(
            actor=business.cashier_a, membership=Membership.objects.get(pk=member.pk), points=1, source=f"sale:{number}"
        )

    assert _race(100, pay) == ["ok"] * 100
    member.refresh_from_db()
    assert member.points_balance == 0 == _ledger_sum(member)
    assert list(PointsEntry.objects.filter(membership=member, kind="expire").values_list("points", flat=True)) == [-100]
    assert not PointsEntry.objects.filter(balance_after__lt=0).exists()


def test_rewards_with_stock_are_given_no_more_than_stock_and_points_allow(
    business: Business, join: Callable[..., Membership]
) -> None:
    _postgres()
    member = join("Ayu")
    ledger.points_post(membership=member, kind=PointsEntry.Kind.BONUS, points=1_000)
    reward = Reward.objects.create(name="Hair mask", points_cost=10, stock=30)

    def take(_number: int) -> None:
        reward_redeem(actor=business.cashier_a, membership=Membership.objects.get(pk=member.pk), reward=reward)

    outcomes = _race(100, take)
    assert outcomes.count("ok") == 30
    reward.refresh_from_db()
    member.refresh_from_db()
    assert reward.stock == 0 and RewardRedemption.objects.count() == 30
    assert member.points_balance == 700 == _ledger_sum(member)


def test_a_single_use_code_used_from_two_tills_at_once_succeeds_once(
    business: Business, join: Callable[..., Membership]
) -> None:
    _postgres()
    product = Product.objects.create(name="Creambath", price=200_000)
    voucher = vouchers.voucher_create(
        actor=business.owner, name="Hemat", kind=Voucher.Kind.AMOUNT, value=50_000, per_customer_limit=None
    )
    vouchers.codes_issue(actor=business.owner, voucher=voucher, code="SEKALI")
    customers = [join("Ayu").customer, join("Bunga").customer]
    barrier = threading.Barrier(2)
    outcomes: list[Any] = []

    def use(index: int) -> None:
        try:
            translation.activate("en")
            barrier.wait()
            lines = [CartLine(product.pk, None, 1, 200_000)]
            outcomes.append(
                vouchers.voucher_redeem(code="SEKALI", customer=customers[index], lines=lines, source=f"sale:{index}")
            )
        except ApplicationError as error:
            outcomes.append(error.message)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=use, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(type(o).__name__ for o in outcomes) == ["VoucherResult", "str"]
    assert [o for o in outcomes if isinstance(o, str)] == ["The voucher SEKALI has already been used."]
    voucher.refresh_from_db()
    assert voucher.times_used == 1 and VoucherUse.objects.count() == 1
