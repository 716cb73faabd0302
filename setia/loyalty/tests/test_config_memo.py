"""The loyalty configuration a sale reads, remembered per process (setia/loyalty/services/config.py):
a change made here is seen at once, one made elsewhere within MEMO_SECONDS, and nothing read
inside a transaction is remembered. These tests commit, as a server process does."""

from collections.abc import Iterator

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from setia.core import memo
from setia.loyalty.models import CashbackRule, EarnRule, LoyaltySettings, Tier
from setia.loyalty.services import config

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    now = [1000.0]
    monkeypatch.setattr(memo.time, "monotonic", lambda: now[0])
    yield now


def test_warm_reads_once_then_a_sale_reads_nothing(db: None) -> None:
    Tier.objects.create(name="Silver", rank=0)
    config.warm()
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        config.warm()
    assert [q for q in queries.captured_queries if "loyalty_" in q["sql"]] == []


def test_a_change_here_is_seen_at_once(db: None) -> None:
    config.warm()
    assert config.earn_rules() == [] and config.cashback_rules() == []
    rule = EarnRule.objects.create(name="Double", kind=EarnRule.Kind.MULTIPLIER, multiplier=2)
    assert config.earn_rules() == [rule]
    rule.is_active = False
    rule.save()
    assert config.earn_rules() == []
    CashbackRule.objects.create(name="5%", percent=5)
    assert [r.name for r in config.cashback_rules()] == ["5%"]
    settings_row = LoyaltySettings.objects.get(pk=1)
    settings_row.point_value = 250
    settings_row.save()
    assert config.settings().point_value == 250
    Tier.objects.create(name="Gold", rank=1)
    Tier.objects.create(name="Silver", rank=0)
    assert [t.name for t in config.tiers_highest_first()] == ["Gold", "Silver"]


def test_a_change_elsewhere_is_seen_within_memo_seconds(db: None, clock: list[float], settings: object) -> None:
    settings.MEMO_SECONDS = 5  # type: ignore[attr-defined]
    config.warm()
    EarnRule.objects.bulk_create([EarnRule(name="Elsewhere", kind=EarnRule.Kind.MULTIPLIER, multiplier=3)])  # no signal
    assert config.earn_rules() == []
    clock[0] += 6
    assert [r.name for r in config.earn_rules()] == ["Elsewhere"]


def test_nothing_read_inside_a_transaction_is_remembered(db: None) -> None:
    with transaction.atomic():
        EarnRule.objects.create(name="Rolled back", kind=EarnRule.Kind.MULTIPLIER, multiplier=2)
        assert [r.name for r in config.earn_rules()] == ["Rolled back"]
        transaction.set_rollback(True)
    assert config.earn_rules() == []
