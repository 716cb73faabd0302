"""The loyalty API's lists — members, vouchers, a voucher's codes — and issuing codes: paging,
filters, branch scope, permissions per persona and bad input, each refused at its field."""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from setia.accounts import roles
from setia.accounts.services import api_key_create, business_settings_update
from setia.conftest import PERSONAS, Business, persona_user
from setia.customers.models import Customer, CustomerPhone
from setia.loyalty import api as loyalty_api
from setia.loyalty.models import Membership, PointsEntry, Tier, TierChange, Voucher, VoucherCode, WalletEntry
from setia.loyalty.services import ledger, vouchers
from setia.loyalty.services import membership as membership_services
from setia.loyalty.tests.conftest import lapsed_lot

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    """The API as `user`'s key sees it, answering in English (messages are matched in English)."""
    headers = {"Accept-Language": "en"}
    if user is not None:
        headers["Authorization"] = f"Bearer {api_key_create(actor=user, name='t')[1]}"
    return Client(headers=headers)


def _only_field(response: Any, field: str) -> None:
    """A 400 that names exactly `field`, in `extra` and at the start of `message`."""
    assert response.status_code == 400, response.content
    body = response.json()
    assert list(body["extra"]) == [field], body
    assert body["message"].startswith(f"{field}: ") or body["message"] == body["extra"][field][0], body


@pytest.fixture
def people(
    business: Business,
    tiers: dict[str, Tier],
    make_customer: Callable[..., Customer],
    catalogue: dict[str, Any],
) -> dict[str, Any]:
    """Ayu (Silver) and Bunga (Gold) of branch A, Citra of branch B (members, joined in that
    order), Dewi of branch A (not a member); two vouchers, one with codes for Ayu and for Citra."""

    def member(name: str, branch: Any) -> Membership:
        return membership_services.membership_join(
            actor=business.owner, customer=make_customer(name, branch=branch), branch=branch
        )

    ayu = member("Ayu Lestari", business.branch_a)
    CustomerPhone.objects.create(customer=ayu.customer, number="+6281234567890", is_primary=True)
    bunga = member("Bunga Citra", business.branch_a)
    Membership.objects.filter(pk=bunga.pk).update(tier=tiers["gold"])
    citra = member("Citra Dewi", business.branch_b)
    dewi = make_customer("Dewi Sartika", branch=business.branch_a)
    hemat = vouchers.voucher_create(actor=business.owner, name="Hemat", kind=Voucher.Kind.AMOUNT, value=10_000)
    lama = vouchers.voucher_create(
        actor=business.owner,
        name="Lama",
        kind=Voucher.Kind.PERCENT,
        value=15,
        max_discount=50_000,
        min_spend=100_000,
        usage_limit=500,
        per_customer_limit=None,
        is_active=False,
        valid_until=timezone.now() + dt.timedelta(days=30),
        products=[catalogue["cut"]],
        categories=[catalogue["hair"]],
        tiers=[tiers["gold"], tiers["platinum"]],
    )
    for_ayu = vouchers.codes_issue(actor=business.owner, voucher=hemat, customer=ayu.customer, code="AYU1")[0]
    for_citra = vouchers.codes_issue(actor=business.owner, voucher=hemat, customer=citra.customer, code="CITRA1")[0]
    anyone = vouchers.codes_issue(actor=business.owner, voucher=hemat, code="HEMAT10", max_uses=None)[0]
    return {
        "ayu": ayu,
        "bunga": bunga,
        "citra": citra,
        "dewi": dewi,
        "hemat": hemat,
        "lama": lama,
        "codes": {"ayu": for_ayu, "citra": for_citra, "anyone": anyone},
    }


def _ms(moment: dt.datetime | None) -> dt.datetime | None:
    """A time as the API writes it: to the millisecond."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000) if moment else None


def _numbers(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["number"] for item in response.json()["items"]]


# --- GET /members -----------------------------------------------------------------------------


def test_members_are_listed_newest_card_first_in_the_shape_of_one_member(
    business: Business, people: dict[str, Any], tiers: dict[str, Tier], make_customer: Callable[..., Customer]
) -> None:
    ledger.points_post(membership=people["ayu"], kind=PointsEntry.Kind.BONUS, points=120)
    lapsed_lot(people["ayu"], 20)  # past its date: in the balance, not in what the points pay
    ledger.points_post(
        membership=people["bunga"],
        kind=PointsEntry.Kind.EARN,
        points=30,
        expires_at=timezone.now() + dt.timedelta(days=10),
    )
    ledger.wallet_post(membership=people["bunga"], kind=WalletEntry.Kind.TOP_UP, amount=7_500)
    earlier = timezone.now() - dt.timedelta(days=2)
    for when, reason in ((earlier, "Older reason"), (timezone.now(), "Rp 6.000.000 spent: Gold")):
        TierChange.objects.create(
            membership=people["bunga"], to_tier=tiers["gold"], created_at=when, spend=0, visits=0, reason=reason
        )
    eka = membership_services.membership_join(
        actor=business.owner, customer=make_customer("Eka"), referral_code=people["ayu"].referral_code
    )
    client = _client(business.owner)
    body = client.get("/api/v1/members").json()
    names = ("eka", "citra", "bunga", "ayu")
    assert [item["number"] for item in body["items"]] == [{**people, "eka": eka}[n].number for n in names]
    assert body["next_cursor"] is None
    for item in body["items"]:
        assert item == client.get(f"/api/v1/members/{item['customer_id']}").json()
    ayu = body["items"][3]
    assert (ayu["customer_id"], ayu["tier"], ayu["points"], ayu["points_lapsed"], ayu["points_value"]) == (
        people["ayu"].customer_id,
        "Silver",
        140,
        20,
        12_000,
    )
    bunga = body["items"][2]
    assert (bunga["tier"], bunga["tier_reason"], bunga["points_expiring_soon"], bunga["cashback"]) == (
        "Gold",
        "Rp 6.000.000 spent: Gold",
        30,
        7_500,
    )
    assert ayu["tier_reason"] is None and ayu["points_expiring_soon"] == 0
    assert body["items"][0]["referred_by"] == people["ayu"].number


def test_members_are_keyset_paged(business: Business, people: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loyalty_api, "PAGE_SIZE", 2)
    client = _client(business.owner)
    first = client.get("/api/v1/members").json()
    assert [item["number"] for item in first["items"]] == [people["citra"].number, people["bunga"].number]
    assert first["next_cursor"]
    second = client.get("/api/v1/members", {"after": first["next_cursor"]}).json()
    assert [item["number"] for item in second["items"]] == [people["ayu"].number]
    assert second["next_cursor"] is None
    # Filters and paging together: the cursor continues the filtered list.
    in_a = client.get("/api/v1/members", {"branch_id": business.branch_a.pk}).json()
    assert [item["number"] for item in in_a["items"]] == [people["bunga"].number, people["ayu"].number]
    assert in_a["next_cursor"] is None


def test_members_filter_by_tier_branch_and_search(business: Business, people: dict[str, Any], tiers: Any) -> None:
    client = _client(business.owner)
    numbers = {name: people[name].number for name in ("ayu", "bunga", "citra")}
    assert _numbers(client.get("/api/v1/members", {"tier": tiers["gold"].pk})) == [numbers["bunga"]]
    gold = client.get("/api/v1/members", {"tier": tiers["gold"].pk}).json()["items"][0]
    assert (gold["tier"], gold["tier_id"]) == ("Gold", tiers["gold"].pk)  # the id the filter takes
    assert _numbers(client.get("/api/v1/members", {"tier": tiers["silver"].pk})) == [numbers["citra"], numbers["ayu"]]
    assert _numbers(client.get("/api/v1/members", {"tier": tiers["platinum"].pk})) == []
    assert _numbers(client.get("/api/v1/members", {"branch_id": business.branch_b.pk})) == [numbers["citra"]]
    both = {"branch_id": business.branch_a.pk, "tier": tiers["silver"].pk}
    assert _numbers(client.get("/api/v1/members", both)) == [numbers["ayu"]]
    # q: a name (any words, any order, any case), a card number, a phone in any form.
    assert _numbers(client.get("/api/v1/members", {"q": "citra"})) == [numbers["citra"], numbers["bunga"]]
    assert _numbers(client.get("/api/v1/members", {"q": "lestari AYU"})) == [numbers["ayu"]]
    assert _numbers(client.get("/api/v1/members", {"q": numbers["citra"].lower()})) == [numbers["citra"]]
    assert _numbers(client.get("/api/v1/members", {"q": "0812-3456-7890"})) == [numbers["ayu"]]
    assert _numbers(client.get("/api/v1/members", {"q": "Dewi Sartika"})) == []  # a customer, not a member
    assert _numbers(client.get("/api/v1/members", {"q": " "})) == [numbers["citra"], numbers["bunga"], numbers["ayu"]]


def test_members_updated_since_counts_balance_and_tier_changes(
    business: Business, people: dict[str, Any], tiers: Any
) -> None:
    long_ago = timezone.now() - dt.timedelta(days=30)
    Membership.objects.update(updated_at=long_ago, tier_since=long_ago)
    PointsEntry.objects.update(created_at=long_ago)
    since = timezone.now() - dt.timedelta(days=1)
    client = _client(business.owner)
    assert _numbers(client.get("/api/v1/members", {"updated_since": since.isoformat()})) == []
    # Points (a conditional UPDATE of the balance, leaving updated_at alone) and cashback.
    ledger.points_post(membership=people["ayu"], kind=PointsEntry.Kind.BONUS, points=5)
    ledger.wallet_post(membership=people["citra"], kind=WalletEntry.Kind.TOP_UP, amount=5_000)
    assert Membership.objects.get(pk=people["ayu"].pk).updated_at == long_ago
    found = _numbers(client.get("/api/v1/members", {"updated_since": since.isoformat()}))
    assert found == [people["citra"].number, people["ayu"].number]
    # A tier change (the nightly re-evaluation moves tier_since).
    Membership.objects.filter(pk=people["bunga"].pk).update(tier=tiers["platinum"], tier_since=timezone.now())
    found = _numbers(client.get("/api/v1/members", {"updated_since": since.isoformat()}))
    assert found == [people["citra"].number, people["bunga"].number, people["ayu"].number]
    # Nothing since a moment after all that; a time without an offset is local time.
    later = timezone.localtime(timezone.now() + dt.timedelta(minutes=1)).replace(tzinfo=None)
    assert _numbers(client.get("/api/v1/members", {"updated_since": later.isoformat()})) == []
    # A date alone is midnight, local time.
    today = timezone.localdate().isoformat()
    assert len(_numbers(client.get("/api/v1/members", {"updated_since": today}))) == 3
    # Since the year 1: everyone (not an error converting it to UTC).
    assert len(_numbers(client.get("/api/v1/members", {"updated_since": "0001-01-01T00:00:00"}))) == 3


def test_members_are_those_of_customers_the_caller_may_see(business: Business, people: dict[str, Any]) -> None:
    a = [people["bunga"].number, people["ayu"].number]
    assert _numbers(_client(business.cashier_a).get("/api/v1/members")) == a
    assert _numbers(_client(business.manager).get("/api/v1/members")) == a
    assert _numbers(_client(business.cashier_b).get("/api/v1/members")) == [people["citra"].number]
    # Another branch's member is not found by her card number, nor by naming her branch.
    cashier_a = _client(business.cashier_a)
    assert _numbers(cashier_a.get("/api/v1/members", {"q": people["citra"].number})) == []
    _only_field(cashier_a.get("/api/v1/members", {"branch_id": business.branch_b.pk}), "branch_id")
    # A merged-away or archived customer's card is not listed.
    Customer.objects.filter(pk=people["bunga"].customer_id).update(archived_at=timezone.now())
    assert _numbers(cashier_a.get("/api/v1/members")) == [people["ayu"].number]
    # Where branches share customers, everyone's members are listed.
    business_settings_update(actor=business.owner, share_customers_across_branches=True)
    assert _numbers(_client(business.cashier_a).get("/api/v1/members")) == [people["citra"].number, a[1]]


def test_the_members_list_costs_the_same_queries_for_any_page_size(
    business: Business, people: dict[str, Any], make_customer: Callable[..., Customer]
) -> None:
    for number in range(6):
        member = membership_services.membership_join(actor=business.owner, customer=make_customer(f"Extra {number}"))
        ledger.points_post(membership=member, kind=PointsEntry.Kind.BONUS, points=10 + number)
    client = _client(business.owner)
    client.get("/api/v1/members")  # the key's first use is recorded once

    def queries(size: int) -> int:
        """The fewer of two tries: the rate limiter takes a block of request numbers now and then."""
        counts = []
        for _try in range(2):
            with CaptureQueriesContext(connection) as captured:
                response = client.get("/api/v1/members", {"q": "extra"} if size == 6 else {"q": "ayu"})
            assert len(response.json()["items"]) == size
            counts.append(len(captured))
        return min(counts)

    assert queries(1) == queries(6)


# --- GET /vouchers, /vouchers/{id} ------------------------------------------------------------


def test_vouchers_are_listed_with_their_limits_and_targets(
    business: Business, people: dict[str, Any], tiers: Any, catalogue: dict[str, Any]
) -> None:
    client = _client(business.cashier_a)
    body = client.get("/api/v1/vouchers").json()
    assert [item["name"] for item in body["items"]] == ["Lama", "Hemat"] and body["next_cursor"] is None
    lama = people["lama"]
    assert body["items"][0] == {
        "id": lama.pk,
        "name": "Lama",
        "kind": "percent",
        "value": 15,
        "max_discount": 50_000,
        "free_product_id": None,
        "min_spend": 100_000,
        "valid_from": None,
        "valid_until": body["items"][0]["valid_until"],
        "usage_limit": 500,
        "per_customer_limit": None,
        "times_used": 0,
        "product_ids": [catalogue["cut"].pk],
        "category_ids": [catalogue["hair"].pk],
        "tier_ids": sorted([tiers["gold"].pk, tiers["platinum"].pk]),
        "segment_id": None,
        "is_active": False,
        "created_at": body["items"][0]["created_at"],
    }
    assert dt.datetime.fromisoformat(body["items"][0]["valid_until"]) == _ms(lama.valid_until)
    assert client.get(f"/api/v1/vouchers/{lama.pk}").json() == body["items"][0]
    hemat = client.get(f"/api/v1/vouchers/{people['hemat'].pk}").json()
    assert (hemat["kind"], hemat["value"], hemat["per_customer_limit"], hemat["is_active"]) == (
        "amount",
        10_000,
        1,
        True,
    )
    assert hemat["product_ids"] == hemat["category_ids"] == hemat["tier_ids"] == []
    assert [v["name"] for v in client.get("/api/v1/vouchers", {"active": "true"}).json()["items"]] == ["Hemat"]
    assert [v["name"] for v in client.get("/api/v1/vouchers", {"active": "false"}).json()["items"]] == ["Lama"]


def test_vouchers_are_keyset_paged(business: Business, people: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    vouchers.voucher_create(actor=business.owner, name="Baru", kind=Voucher.Kind.PERCENT, value=Decimal(5))
    monkeypatch.setattr(loyalty_api, "PAGE_SIZE", 2)
    client = _client(business.owner)
    first = client.get("/api/v1/vouchers").json()
    second = client.get("/api/v1/vouchers", {"after": first["next_cursor"]}).json()
    assert [v["name"] for v in first["items"]] == ["Baru", "Lama"]
    assert [v["name"] for v in second["items"]] == ["Hemat"] and second["next_cursor"] is None


# --- GET /vouchers/{id}/codes -----------------------------------------------------------------


def test_codes_are_listed_newest_first_with_their_customer(business: Business, people: dict[str, Any]) -> None:
    hemat = people["hemat"]
    VoucherCode.objects.filter(code="AYU1").update(valid_until=timezone.now() + dt.timedelta(days=3), uses=1)
    body = _client(business.owner).get(f"/api/v1/vouchers/{hemat.pk}/codes").json()
    assert [c["code"] for c in body["items"]] == ["HEMAT10", "CITRA1", "AYU1"] and body["next_cursor"] is None
    assert [c["customer_id"] for c in body["items"]] == [None, people["citra"].customer_id, people["ayu"].customer_id]
    assert [c["personal"] for c in body["items"]] == [False, True, True]
    assert [(c["uses"], c["max_uses"]) for c in body["items"]] == [(0, None), (0, 1), (1, 1)]
    ayu = body["items"][2]
    code = VoucherCode.objects.get(code="AYU1")
    assert dt.datetime.fromisoformat(ayu["valid_until"]) == _ms(code.valid_until)
    assert dt.datetime.fromisoformat(ayu["expires_at"]) == _ms(code.valid_until)
    assert dt.datetime.fromisoformat(ayu["issued_at"]) == _ms(code.issued_at)
    assert body["items"][0]["valid_until"] is None and body["items"][0]["expires_at"] is None


def test_a_code_of_another_branch_s_customer_shows_no_customer(business: Business, people: dict[str, Any]) -> None:
    path = f"/api/v1/vouchers/{people['hemat'].pk}/codes"
    for user in (business.cashier_a, business.manager):
        items = {c["code"]: c for c in _client(user).get(path).json()["items"]}
        assert items["CITRA1"]["customer_id"] is None and items["CITRA1"]["personal"] is True
        assert items["AYU1"]["customer_id"] == people["ayu"].customer_id
    items = {c["code"]: c for c in _client(business.cashier_b).get(path).json()["items"]}
    assert items["CITRA1"]["customer_id"] == people["citra"].customer_id and items["AYU1"]["customer_id"] is None


def test_codes_are_keyset_paged(business: Business, people: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loyalty_api, "PAGE_SIZE", 2)
    client = _client(business.owner)
    path = f"/api/v1/vouchers/{people['hemat'].pk}/codes"
    first = client.get(path).json()
    second = client.get(path, {"after": first["next_cursor"]}).json()
    assert [c["code"] for c in first["items"]] == ["HEMAT10", "CITRA1"]
    assert [c["code"] for c in second["items"]] == ["AYU1"] and second["next_cursor"] is None


# --- POST /vouchers/{id}/codes ----------------------------------------------------------------


def _issue(user: Any, voucher: Voucher, body: dict[str, Any]) -> Any:
    return _client(user).post(f"/api/v1/vouchers/{voucher.pk}/codes", body, content_type="application/json")


def test_one_code_of_your_choice_is_issued(business: Business, people: dict[str, Any]) -> None:
    until = (timezone.now() + dt.timedelta(days=10)).replace(microsecond=0)
    response = _issue(
        business.manager, people["lama"], {"code": " welcome-10 ", "max_uses": None, "valid_until": until.isoformat()}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["count"] == 1 and [c["code"] for c in body["items"]] == ["WELCOME-10"]
    code = VoucherCode.objects.get(code="WELCOME-10")
    assert (code.voucher_id, code.customer_id, code.max_uses, code.valid_until) == (
        people["lama"].pk,
        None,
        None,
        until,
    )
    assert body["items"][0] == {
        "id": code.pk,
        "code": "WELCOME-10",
        "customer_id": None,
        "personal": False,
        "uses": 0,
        "max_uses": None,
        "issued_at": body["items"][0]["issued_at"],
        "valid_until": body["items"][0]["valid_until"],
        "expires_at": body["items"][0]["valid_until"],  # the voucher ends later
    }
    assert dt.datetime.fromisoformat(body["items"][0]["valid_until"]) == until
    # Sent in Jakarta time, answered in UTC as every time of the API.
    local = timezone.localtime(until + dt.timedelta(days=1)).replace(tzinfo=None).isoformat()
    later = _issue(business.manager, people["lama"], {"code": "WELCOME-11", "valid_until": local}).json()["items"][0]
    assert later["valid_until"].endswith("Z") and later["expires_at"].endswith("Z")
    assert dt.datetime.fromisoformat(later["valid_until"]) == until + dt.timedelta(days=1)


def test_many_random_codes_are_issued_for_one_customer(business: Business, people: dict[str, Any]) -> None:
    before = VoucherCode.objects.count()
    body = {"count": 5, "prefix": "ramadan", "customer_id": people["ayu"].customer_id}
    response = _issue(business.manager, people["hemat"], body)
    assert response.status_code == 201, response.content
    issued = response.json()
    assert issued["count"] == 5 and VoucherCode.objects.count() == before + 5
    codes = VoucherCode.objects.filter(code__in=[c["code"] for c in issued["items"]])
    assert codes.count() == 5
    assert {(c.voucher_id, c.customer_id, c.max_uses) for c in codes} == {
        (people["hemat"].pk, people["ayu"].customer_id, 1)
    }
    assert all(c["code"].startswith("RAMADAN-") and len(c["code"]) == len("RAMADAN-") + 8 for c in issued["items"])
    assert {c["customer_id"] for c in issued["items"]} == {people["ayu"].customer_id}
    # And the list shows them.
    listed = _client(business.manager).get(f"/api/v1/vouchers/{people['hemat'].pk}/codes").json()["items"]
    assert {c["code"] for c in issued["items"]} <= {c["code"] for c in listed}
    # Without a count: one random code for anyone.
    one = _issue(business.owner, people["hemat"], {}).json()
    assert one["count"] == 1 and one["items"][0]["customer_id"] is None and len(one["items"][0]["code"]) == 8


def test_a_code_that_exists_is_refused_and_nothing_is_issued(business: Business, people: dict[str, Any]) -> None:
    before = list(VoucherCode.objects.order_by("pk").values_list("code", "voucher_id", "customer_id"))
    for code in ("HEMAT10", "hemat10", " Ayu1 "):
        response = _issue(business.owner, people["lama"], {"code": code})
        _only_field(response, "code")
        assert "already exists" in response.json()["message"]
    assert list(VoucherCode.objects.order_by("pk").values_list("code", "voucher_id", "customer_id")) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"count": 0}, "count"),
        ({"count": -2}, "count"),
        ({"count": 10_001}, "count"),
        ({"count": "many"}, "count"),
        ({"count": 10**16}, "count"),
        ({"code": "ONE", "count": 3}, "count"),
        ({"code": "TWO WORDS"}, "code"),
        ({"code": "X" * 33}, "code"),
        ({"code": 12}, "code"),
        ({"prefix": "RAMA DAN", "count": 2}, "prefix"),
        ({"prefix": "P" * 13, "count": 2}, "prefix"),
        ({"customer_id": 999_999}, "customer_id"),
        ({"customer_id": "citra"}, "customer_id"),
        ({"max_uses": 0}, "max_uses"),
        ({"max_uses": -1}, "max_uses"),
        ({"valid_until": "yesterday"}, "valid_until"),
        ({"valid_until": "2020-01-01T00:00:00+07:00"}, "valid_until"),
        ({"qty": 5}, "qty"),
    ],
)
def test_issuing_refuses_bad_input_at_its_field(
    business: Business, people: dict[str, Any], body: dict[str, Any], field: str
) -> None:
    before = VoucherCode.objects.count()
    _only_field(_issue(business.owner, people["hemat"], body), field)
    assert VoucherCode.objects.count() == before


def test_issuing_for_another_branch_s_customer_is_refused_at_customer_id(
    business: Business, people: dict[str, Any]
) -> None:
    before = VoucherCode.objects.count()
    _only_field(_issue(business.manager, people["hemat"], {"customer_id": people["citra"].customer_id}), "customer_id")
    assert VoucherCode.objects.count() == before


def test_issuing_refuses_a_body_that_is_not_json(business: Business, people: dict[str, Any]) -> None:
    response = _client(business.owner).post(
        f"/api/v1/vouchers/{people['hemat'].pk}/codes", "{count: 3", content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["message"] == "The request body is not valid JSON."


# --- Bad input of the reads -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"tier": "gold"}, "tier"),
        ({"tier": "999999"}, "tier"),
        ({"branch_id": "kemang"}, "branch_id"),
        ({"branch_id": "999999"}, "branch_id"),
        ({"updated_since": "last week"}, "updated_since"),
        ({"updated_since": "2026-02-30"}, "updated_since"),
        ({"q": "x" * 101}, "q"),
    ],
)
def test_the_members_list_refuses_bad_filters_at_their_field(
    business: Business, people: dict[str, Any], query: dict[str, str], field: str
) -> None:
    _only_field(_client(business.owner).get("/api/v1/members", query), field)


def test_the_vouchers_list_refuses_a_bad_active_filter(business: Business, people: dict[str, Any]) -> None:
    _only_field(_client(business.owner).get("/api/v1/vouchers", {"active": "maybe"}), "active")


@pytest.mark.parametrize("path", ["/api/v1/vouchers/{id}", "/api/v1/vouchers/{id}/codes"])
def test_an_unknown_voucher_is_404(business: Business, people: dict[str, Any], path: str) -> None:
    client = _client(business.owner)
    response = client.get(path.format(id=999_999))
    assert response.status_code == 404 and response.json()["message"] == "Voucher not found."
    _only_field(client.get(path.format(id="hemat")), "voucher_id")
    assert client.get(path.format(id=10**20)).status_code in (400, 404)


def test_issuing_codes_of_an_unknown_voucher_is_404(business: Business, people: dict[str, Any]) -> None:
    before = VoucherCode.objects.count()
    response = _client(business.owner).post(
        "/api/v1/vouchers/999999/codes", {"count": 2}, content_type="application/json"
    )
    assert response.status_code == 404 and VoucherCode.objects.count() == before


# --- Personas and permissions -----------------------------------------------------------------

READS = [
    "/api/v1/members",
    "/api/v1/vouchers",
    "/api/v1/vouchers/{hemat}",
    "/api/v1/vouchers/{hemat}/codes",
]


@pytest.mark.parametrize("path", READS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_reads_per_persona(business: Business, people: dict[str, Any], path: str, persona: str) -> None:
    user = persona_user(business, persona)
    response = _client(user).get(path.format(hemat=people["hemat"].pk))
    assert response.status_code == (401 if user is None else 200)


@pytest.mark.parametrize("path", READS)
def test_reads_need_loyalty_view(
    business: Business, people: dict[str, Any], path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    capabilities = {**roles.CAPABILITIES, "loyalty.view": roles.ALL_ROLES - {roles.Role.CASHIER}}
    monkeypatch.setattr(roles, "CAPABILITIES", capabilities)
    response = _client(business.cashier_a).get(path.format(hemat=people["hemat"].pk))
    assert response.status_code == 403
    assert response.json()["message"] == "You do not have permission to do this."
    assert _client(business.manager).get(path.format(hemat=people["hemat"].pk)).status_code == 200


def test_the_members_list_needs_customers_view_too(
    business: Business, people: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    capabilities = {**roles.CAPABILITIES, "customers.view": roles.ALL_ROLES - {roles.Role.CASHIER}}
    monkeypatch.setattr(roles, "CAPABILITIES", capabilities)
    assert _client(business.cashier_a).get("/api/v1/members").status_code == 403


@pytest.mark.parametrize("persona", [*PERSONAS, "analyst"])
def test_issuing_codes_needs_loyalty_manage(business: Business, people: dict[str, Any], persona: str) -> None:
    user = business.analyst if persona == "analyst" else persona_user(business, persona)
    before = VoucherCode.objects.count()
    # The refusal comes first, whatever else the body says (an unknown customer here).
    response = _issue(user, people["hemat"], {"count": 2, "customer_id": 999_999} if persona != "owner" else {})
    expected = {"anonymous": 401, "manager": 201, "owner": 201}.get(persona, 403)
    if persona == "manager":
        expected = 400  # may issue: so the unknown customer is what is refused
    assert response.status_code == expected, response.content
    assert VoucherCode.objects.count() == before + (1 if persona == "owner" else 0)
