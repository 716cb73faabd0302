"""Property test: any sequence of earning, redeeming, expiring, refund reversals and adjustments
keeps the ledger's invariants."""

import datetime as dt
from collections.abc import Callable

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from setia.conftest import Business
from setia.core.errors import ApplicationError
from setia.loyalty.models import Membership, PointsEntry
from setia.loyalty.services import ledger
from setia.loyalty.tests.conftest import at

pytestmark = pytest.mark.django_db

operation = st.one_of(
    st.tuples(st.just("earn"), st.integers(1, 500)),
    st.tuples(st.just("redeem"), st.integers(1, 600)),
    st.tuples(st.just("expire"), st.just(0)),
    st.tuples(st.just("refund"), st.integers(1, 100)),  # percent of a purchase's points, cumulative
    st.tuples(st.just("adjust"), st.integers(-300, 300).filter(bool)),
)
steps = st.lists(st.tuples(operation, st.integers(0, 200)), min_size=1, max_size=25)


class Lots:
    """An independent FIFO model: each debit uses the oldest points first — but a refund's reversal
    uses its own sale's lot first; expiry may take only what is left of lots past their date."""

    def __init__(self) -> None:
        self.lots: list[list] = []  # [expires_at or None, points left, source]

    def add(self, points: int, expires: dt.datetime | None, source: str = "") -> None:
        self.lots.append([expires, points, source])

    def debit(self, points: int, only_expired_at: dt.datetime | None = None, source: str = "") -> None:
        own = [lot for lot in self.lots if source and lot[2] == source]
        for lot in own + self.lots:
            if only_expired_at is not None and (lot[0] is None or lot[0] > only_expired_at):
                continue
            used = min(lot[1], points)
            lot[1] -= used
            points -= used
        assert points == 0, "the model ran out of points: the ledger let a debit exceed the balance"

    def unused_expired(self, now: dt.datetime) -> int:
        return sum(left for expires, left, _source in self.lots if expires is not None and expires <= now)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
def test_any_sequence_keeps_the_ledger_invariants(
    steps: list[tuple[tuple[str, int], int]], business: Business, join: Callable[..., Membership]
) -> None:
    member = join()
    model = Lots()
    now = at("2024-01-01")
    sales: list[str] = []
    for (kind, amount), days in steps:
        now += dt.timedelta(days=days)
        before = Membership.objects.get(pk=member.pk).points_balance
        try:
            if kind == "earn":
                source = f"sale:{member.pk}:{len(sales)}"
                sales.append(source)
                expires = now + dt.timedelta(days=365)
                ledger.points_post(
                    membership=member, kind="earn", points=amount, source=source, at=now, expires_at=expires
                )
                model.add(amount, expires, source)
            elif kind == "redeem":
                ledger.points_post(membership=member, kind="redeem", points=-amount, at=now)
                model.debit(amount)
            elif kind == "expire":
                due = model.unused_expired(now)
                expired = ledger.points_expire_due(now=now, membership_ids=[member.pk])
                assert 0 <= expired <= due
                model.debit(expired, only_expired_at=now)
            elif kind == "refund" and sales:
                taken = ledger.points_reverse_source(
                    membership=member, source=sales[-1], refunded_share=amount / 100, actor=None, reason="refund"
                )
                assert 0 <= taken <= before
                if taken:
                    model.debit(taken, source=sales[-1])
            elif kind == "adjust":
                ledger.points_adjust(actor=business.owner, membership=member, points=amount, reason="property")
                if amount > 0:
                    model.add(amount, None)
                else:
                    model.debit(-amount)
        except ApplicationError:
            assert kind in ("redeem", "adjust")
            assert Membership.objects.get(pk=member.pk).points_balance == before  # a refusal changes nothing
        member.refresh_from_db()
        total = PointsEntry.objects.filter(membership=member).aggregate(total=Sum("points"))["total"] or 0
        assert member.points_balance == total >= 0
        assert member.points_balance == sum(left for _expires, left, _source in model.lots)
    assert not ledger.ledger_mismatches()
