"""What a server process remembers about API keys and access settings (setia/core/memo.py): used
for a few seconds, dropped at once when this process changes the rows, and never filled inside a
transaction. These tests commit (transaction=True), as a server process does."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from setia.accounts.models import ApiKey, BusinessSettings
from setia.accounts.selectors import ACCESS_SETTINGS, API_KEYS, api_key_user, branch_scope
from setia.accounts.services import api_key_create, api_key_revoke, business_settings_update, staff_update
from setia.conftest import Business
from setia.core import memo

pytestmark = pytest.mark.django_db(transaction=True)


def _me(key: str) -> Any:
    return Client().get("/api/v1/me", headers={"Authorization": f"Bearer {key}"})


def _key_queries(key: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert _me(key).status_code == 200
    return sum('"accounts_apikey"' in query["sql"] for query in queries.captured_queries)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """The memo's clock, moved by hand."""
    now = [1000.0]
    monkeypatch.setattr(memo.time, "monotonic", lambda: now[0])
    yield now


def test_a_key_is_read_once_then_remembered(business: Business) -> None:
    _record, key = api_key_create(actor=business.cashier_a, name="POS")
    assert _key_queries(key) >= 1
    assert _key_queries(key) == 0


def test_each_request_gets_its_own_copy_of_the_user(business: Business) -> None:
    _record, key = api_key_create(actor=business.cashier_a, name="POS")
    first = api_key_user(key)
    second = api_key_user(key)
    assert first is not None and second is not None
    assert first == second and first is not second


def test_revoking_a_key_takes_effect_at_once_in_this_process(business: Business) -> None:
    record, key = api_key_create(actor=business.cashier_a, name="POS")
    assert _me(key).status_code == 200
    api_key_revoke(actor=business.cashier_a, api_key=record)
    assert _me(key).status_code == 401


def test_deactivating_the_user_takes_effect_at_once(business: Business) -> None:
    _record, key = api_key_create(actor=business.cashier_a, name="POS")
    assert _me(key).status_code == 200
    staff_update(actor=business.owner, staff=business.cashier_a, is_active=False)
    assert _me(key).status_code == 401


def test_a_role_change_is_seen_at_once(business: Business) -> None:
    _record, key = api_key_create(actor=business.cashier_a, name="POS")
    assert "staff.view" not in _me(key).json()["capabilities"]
    staff_update(actor=business.owner, staff=business.cashier_a, role="manager")
    assert "staff.view" in _me(key).json()["capabilities"]


def test_a_change_from_another_process_is_seen_after_memo_seconds(
    business: Business, clock: list[float], settings: Any
) -> None:
    settings.MEMO_SECONDS = 5
    _record, key = api_key_create(actor=business.cashier_a, name="POS")
    assert _me(key).status_code == 200
    # Another process revokes it: no signal reaches this one.
    ApiKey.objects.filter(name="POS").update(revoked_at="2026-01-01T00:00:00Z")
    clock[0] += 4
    assert _me(key).status_code == 200
    clock[0] += 2
    assert _me(key).status_code == 401


def test_memo_seconds_zero_reads_every_time(business: Business, settings: Any) -> None:
    settings.MEMO_SECONDS = 0
    _record, key = api_key_create(actor=business.cashier_a, name="POS")
    assert _key_queries(key) >= 1
    assert _key_queries(key) >= 1


def test_nothing_is_remembered_from_inside_a_transaction(business: Business) -> None:
    _record, key = api_key_create(actor=business.cashier_a, name="POS")
    with transaction.atomic():
        assert api_key_user(key) is not None
    assert API_KEYS._entries == {}
    assert api_key_user(key) is not None
    assert len(API_KEYS._entries) == 1


def test_sharing_customers_across_branches_takes_effect_at_once(business: Business) -> None:
    assert not branch_scope(business.cashier_a).all_branches
    assert ACCESS_SETTINGS._entries  # remembered
    business_settings_update(actor=business.owner, share_customers_across_branches=True)
    assert branch_scope(business.cashier_a).all_branches


def test_access_settings_changed_elsewhere_are_seen_after_memo_seconds(
    business: Business, clock: list[float], settings: Any
) -> None:
    settings.MEMO_SECONDS = 5
    assert not branch_scope(business.cashier_a).all_branches
    # Another process saves the setting (no signal reaches this one).
    BusinessSettings.objects.bulk_create([BusinessSettings(pk=1, share_customers_across_branches=True)])
    assert not branch_scope(business.cashier_a).all_branches
    clock[0] += 6
    assert branch_scope(business.cashier_a).all_branches
