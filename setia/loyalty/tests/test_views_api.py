"""Loyalty pages and API endpoints per persona, and what they do."""

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from setia.accounts.models import User
from setia.accounts.services import api_key_create
from setia.conftest import PERSONAS, Business, client_for, make_user, persona_user
from setia.core.money import format_rupiah
from setia.customers.models import Customer
from setia.loyalty.models import (
    LedgerCheck,
    LoyaltySettings,
    Membership,
    PointsEntry,
    Programme,
    Referral,
    Reward,
    Tier,
    TierChange,
    Voucher,
    VoucherCode,
    VoucherUse,
)
from setia.loyalty.services import ledger, vouchers

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(
    business: Business,
    tiers: dict[str, Tier],
    catalogue: dict[str, Any],
    join: Callable[..., Membership],
    make_customer: Callable[..., Customer],
) -> dict[str, int]:
    member = join("Ayu")  # a customer of branch A
    ledger.points_post(membership=member, kind=PointsEntry.Kind.BONUS, points=120)
    voucher = vouchers.voucher_create(actor=business.owner, name="Hemat", kind=Voucher.Kind.AMOUNT, value=10_000)
    vouchers.codes_issue(actor=business.owner, voucher=voucher, code="HEMAT10", max_uses=None)
    programme = Programme.objects.create(name="Come back", kind="recovery", goal="Win back", starts_on="2026-01-01")
    Reward.objects.create(name="Hair mask", points_cost=100, stock=3)
    return {
        "member": member.customer_id,
        "stranger": make_customer("Bunga").pk,
        "voucher": voucher.pk,
        "programme": programme.pk,
        "tier": tiers["gold"].pk,
    }


VIEW = [302, 200, 200, 200, 200]  # loyalty.view is every role's; other-branch staff see the rules
MEMBER = [302, 404, 200, 200, 200]  # a member's pages follow customer visibility
MANAGE = [302, 403, 403, 200, 200]
ADJUST = [302, 403, 403, 200, 200]
PAGES = [
    ("/loyalty/", VIEW),
    ("/loyalty/settings/", VIEW),
    ("/loyalty/check/", VIEW),
    ("/loyalty/join/?ref=NOPE", VIEW),
    *[(f"/loyalty/{slug}/", VIEW) for slug in ("tiers", "earn-rules", "cashback", "rewards", "vouchers")],
    *[(f"/loyalty/{slug}/", VIEW) for slug in ("promotions", "value-propositions", "programmes")],
    *[
        (f"/loyalty/{slug}/new/", MANAGE)
        for slug in ("tiers", "earn-rules", "cashback", "rewards", "vouchers", "promotions")
    ],
    ("/loyalty/value-propositions/new/", MANAGE),
    ("/loyalty/programmes/new/", MANAGE),
    ("/loyalty/tiers/{tier}/edit/", MANAGE),
    ("/loyalty/vouchers/{voucher}/", VIEW),
    ("/loyalty/vouchers/{voucher}/codes.csv", MANAGE),
    ("/loyalty/programmes/{programme}/", VIEW),
    ("/loyalty/members/{member}/ledger/", MEMBER),
    ("/loyalty/members/{member}/card/", MEMBER),
    ("/loyalty/members/{member}/adjust/", [302, 403, 403, 200, 200]),
    ("/loyalty/members/{member}/reward/", [302, 404, 200, 200, 200]),
    ("/loyalty/members/{stranger}/join/", [302, 404, 200, 200, 200]),
    ("/customers/{member}/", [302, 404, 200, 200, 200]),
    ("/loyalty/nothing/", [302, 404, 404, 404, 404]),
]


@pytest.mark.parametrize(("path", "statuses"), PAGES, ids=[p for p, _ in PAGES])
@pytest.mark.parametrize("persona_index", range(len(PERSONAS)), ids=PERSONAS)
def test_pages_per_persona(
    business: Business, records: dict[str, int], path: str, statuses: list[int], persona_index: int
) -> None:
    response = client_for(persona_user(business, PERSONAS[persona_index])).get(path.format(**records))
    assert response.status_code == statuses[persona_index]


def test_the_rules_in_short_name_cashback_and_referral_rewards(business: Business, records: dict[str, int]) -> None:
    import datetime as dt
    from decimal import Decimal

    from setia.loyalty.models import CashbackRule

    client = client_for(business.owner)
    client.cookies["django_language"] = "en"
    page = client.get("/loyalty/").content.decode()
    assert "No cashback rule is in force." in page and "Referrals earn no reward yet." in page
    CashbackRule.objects.create(name="Kembali", percent=Decimal(10), min_spend=100_000, max_amount=30_000)
    CashbackRule.objects.create(name="Lama", percent=Decimal(5), ends_on=dt.date(2020, 1, 1))  # over
    LoyaltySettings.objects.filter(pk=1).update(referrer_points=50, referee_points=20, referral_trigger="sign_up")
    page = client.get("/loyalty/").content.decode()
    cashback = page.split('data-testid="rules-cashback">')[1].split("</p>")[0]
    assert "Cashback “Kembali”: 10% of purchases from Rp 100,000 (at most Rp 30,000) for returning customers." in (
        cashback
    )
    assert "Lama" not in cashback
    CashbackRule.objects.filter(name="Kembali").update(min_spend=0, max_amount=None, returning_only=False)
    page = client.get("/loyalty/").content.decode()
    assert "Cashback “Kembali”: 10% of every purchase." in page
    referral = page.split('data-testid="rules-referral">')[1].split("</p>")[0]
    assert "Referral, rewarded when the friend joins: 50 points for the member, 20 for the friend." in referral


def test_the_analyst_sees_but_cannot_enrol(business: Business, records: dict[str, int]) -> None:
    client = client_for(business.analyst)
    assert client.get("/loyalty/").status_code == 200
    assert client.get(f"/loyalty/members/{records['stranger']}/join/").status_code == 403
    assert client.post("/loyalty/settings/", {"card_prefix": "X"}).status_code == 403


POSTS = [
    ("/loyalty/settings/", {"card_prefix": "ZZ"}),
    ("/loyalty/check/", {}),
    ("/loyalty/tiers/new/", {"name": "Diamond", "rank": 9}),
    ("/loyalty/vouchers/{voucher}/", {"count": 5}),
    ("/loyalty/members/{member}/adjust/", {"balance": "points", "amount": 5, "reason": "x"}),
]


@pytest.mark.parametrize(("path", "data"), POSTS, ids=[p for p, _ in POSTS])
@pytest.mark.parametrize("persona", ["anonymous", "other_branch_front_office", "same_branch_front_office"])
def test_front_office_cannot_change_the_programme(
    business: Business, records: dict[str, int], path: str, data: dict[str, Any], persona: str
) -> None:
    response = client_for(persona_user(business, persona)).post(path.format(**records), data)
    assert response.status_code in (302, 403) if persona == "anonymous" else response.status_code == 403
    assert LoyaltySettings.objects.get().card_prefix == "SLN"
    assert not LedgerCheck.objects.exists() and not Tier.objects.filter(name="Diamond").exists()
    assert VoucherCode.objects.count() == 1
    assert Membership.objects.get(customer_id=records["member"]).points_balance == 120


def test_settings_are_saved_and_errors_shown_on_their_field(business: Business, records: dict[str, int]) -> None:
    client = client_for(business.manager)
    data = {
        "card_prefix": " kmg ",
        "spend_unit": 5000,
        "points_per_unit": 1,
        "point_value": 50,
        "points_expire_months": 6,
        "expiry_notice_days": 14,
        "sign_up_points": 10,
        "birthday_points": 0,
        "referral_trigger": "sign_up",
        "referrer_points": 100,
        "referee_points": 50,
        "referral_threshold": 3,
        "referral_threshold_voucher": records["voucher"],
    }
    response = client.post("/loyalty/settings/", data)
    assert response.status_code == 302
    config = LoyaltySettings.objects.get()
    assert (config.card_prefix, config.spend_unit, config.referral_threshold_voucher_id) == (
        "KMG",
        5000,
        records["voucher"],
    )
    bad = client.post("/loyalty/settings/", {**data, "referral_threshold": 0})
    assert bad.status_code == 200 and 'data-field-error="referral_threshold"' in bad.content.decode()
    assert LoyaltySettings.objects.get().referral_threshold == 3


def test_vouchers_created_with_restrictions_codes_issued_in_bulk_and_downloaded(
    business: Business, records: dict[str, int], catalogue: dict[str, Any], tiers: dict[str, Tier]
) -> None:
    client = client_for(business.owner)
    response = client.post(
        "/loyalty/vouchers/new/",
        {
            "name": "Gold hair",
            "kind": "percent",
            "value": 15,
            "min_spend": 100_000,
            "per_customer_limit": 1,
            "tiers": [tiers["gold"].pk],
            "categories": [catalogue["hair"].pk],
            "is_active": "on",
        },
    )
    voucher = Voucher.objects.get(name="Gold hair")
    assert response.status_code == 302 and response["Location"] == f"/loyalty/vouchers/{voucher.pk}/"
    assert list(voucher.tiers.all()) == [tiers["gold"]] and list(voucher.categories.all()) == [catalogue["hair"]]
    bad = client.post("/loyalty/vouchers/new/", {"name": "Bad", "kind": "percent", "value": 150, "min_spend": 0})
    assert bad.status_code == 200 and Voucher.objects.filter(name="Bad").count() == 0
    response = client.post(f"/loyalty/vouchers/{voucher.pk}/", {"count": 25, "code_prefix": "gold", "max_uses": 1})
    assert response.status_code == 302
    assert VoucherCode.objects.filter(voucher=voucher, code__startswith="GOLD").count() == 25
    download = client.get(f"/loyalty/vouchers/{voucher.pk}/codes.csv")
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode())))  # type: ignore[attr-defined]
    assert rows[0] == ["Kode", "Maks. pemakaian", "Terpakai", "ID pelanggan", "Pelanggan", "Berlaku sampai"]
    assert len(rows) == 26 and rows[1][1:] == ["1", "0", "", "", ""]
    # With an end to the voucher, its codes end then too: the CSV says so, as the page does.
    ends = timezone.now() + dt.timedelta(days=30)
    Voucher.objects.filter(pk=voucher.pk).update(valid_until=ends)
    download = client.get(f"/loyalty/vouchers/{voucher.pk}/codes.csv")
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode())))  # type: ignore[attr-defined]
    assert {row[5] for row in rows[1:]} == {timezone.localtime(ends).isoformat()}
    page = client.get(f"/loyalty/vouchers/{voucher.pk}/").content.decode()
    assert page.count("<code>GOLD-") == 25
    spaced = client.post(f"/loyalty/vouchers/{voucher.pk}/", {"count": 5, "code_prefix": "gold 26", "max_uses": 1})
    assert spaced.status_code == 200 and VoucherCode.objects.filter(voucher=voucher).count() == 25
    assert "Awalan hanya boleh berisi huruf, angka, dan tanda hubung" in spaced.content.decode()  # Indonesian


def test_codes_for_one_customer_are_issued_by_her_card_or_phone_number(
    business: Business, records: dict[str, int], join: Callable[..., Membership]
) -> None:
    from setia.customers.models import CustomerPhone

    voucher = Voucher.objects.get(pk=records["voucher"])
    ayu = Membership.objects.get(customer_id=records["member"])
    CustomerPhone.objects.create(customer_id=records["member"], number="+6281299990000", is_primary=True)
    client = client_for(business.owner)
    client.cookies["django_language"] = "en"
    url = f"/loyalty/vouchers/{voucher.pk}/"
    by_card = client.post(url, {"count": 1, "code": "AYU1", "customer": ayu.number.lower()})
    by_phone = client.post(url, {"count": 1, "code": "AYU2", "customer": "0812-9999-0000"})
    assert by_card.status_code == by_phone.status_code == 302
    owners = dict(VoucherCode.objects.filter(code__in=["AYU1", "AYU2"]).values_list("code", "customer_id"))
    assert owners == {"AYU1": records["member"], "AYU2": records["member"]}
    nobody = client.post(url, {"count": 1, "code": "NOBODY", "customer": "0899-0000-0000"})
    assert nobody.status_code == 200 and 'data-field-error="customer"' in nobody.content.decode()
    assert "No customer with this card number, phone number or customer number." in nobody.content.decode()
    # A family phone names nobody in particular: her card number does.
    bela = join("Bela")
    CustomerPhone.objects.create(customer=bela.customer, number="+6281299990000", is_primary=True)
    shared = client.post(url, {"count": 1, "code": "FAMILY", "customer": "081299990000"})
    assert "Several customers share this phone number" in shared.content.decode()
    # Refused: no code written.
    assert not VoucherCode.objects.filter(code__in=["NOBODY", "FAMILY"]).exists()


def test_lists_search_empty_state_and_pages(business: Business, programme: LoyaltySettings) -> None:
    client = client_for(business.owner)
    assert 'data-testid="empty-state"' in client.get("/loyalty/rewards/").content.decode()
    Reward.objects.bulk_create([Reward(name=f"Reward {n:03d}", points_cost=n + 1) for n in range(60)])
    first = client.get("/loyalty/rewards/")
    assert first.content.decode().count('data-testid="config-row"') == 50 and first.context["page"].next_cursor
    second = client.get(f"/loyalty/rewards/?after={first.context['page'].next_cursor}")
    assert second.content.decode().count('data-testid="config-row"') == 10
    found = client.get("/loyalty/rewards/?q=reward 05")
    assert found.content.decode().count('data-testid="config-row"') == 10


def test_programme_results_panel(business: Business, records: dict[str, int], tiers: dict[str, Tier]) -> None:
    programme = Programme.objects.get(pk=records["programme"])
    programme.tiers.set([tiers["silver"]])
    programme.vouchers.set([records["voucher"]])
    programme.cost = 100_000
    programme.save()
    code = VoucherCode.objects.get(code="HEMAT10")
    VoucherUse.objects.create(code=code, customer_id=records["member"], discount=10_000)
    page = client_for(business.owner).get(f"/loyalty/programmes/{programme.pk}/")
    results = page.context["results"]
    assert (results.members_reached, results.voucher_redemptions, results.cost, results.revenue) == (
        1,
        1,
        110_000,
        0,  # sales measures the participants' revenue (no orders here)
    )
    assert 'data-testid="revenue-not-measured"' not in page.content.decode()


def test_a_referral_programme_counts_the_friends_its_members_brought(
    business: Business, records: dict[str, int], join: Callable[..., Membership]
) -> None:
    ayu = Membership.objects.get(customer_id=records["member"])
    programme = Programme.objects.create(name="Ajak teman", kind="referral", goal="Friends", starts_on="2026-01-01")
    recovery = Programme.objects.get(pk=records["programme"])
    join("Bela", referral_code=ayu.referral_code)
    join("Citra", referral_code=ayu.referral_code)
    Referral.objects.filter(referee__customer__name="Citra").update(status=Referral.Status.REWARDED)
    page = client_for(business.owner).get(f"/loyalty/programmes/{programme.pk}/")
    results = page.context["results"]
    assert (results.friends_brought, results.friends_rewarded) == (2, 1)
    html = page.content.decode()
    assert 'data-testid="friends-brought">2<' in html and 'data-testid="friends-rewarded">1<' in html
    other = client_for(business.owner).get(f"/loyalty/programmes/{recovery.pk}/")
    assert other.context["results"].friends_brought is None  # a recovery programme: not its measure
    assert 'data-testid="friends-brought"' not in other.content.decode()


def test_the_360_page_shows_the_membership_panel(business: Business, records: dict[str, int]) -> None:
    member = Membership.objects.get(customer_id=records["member"])
    html = client_for(business.manager).get(f"/customers/{records['member']}/").content.decode()
    assert 'data-testid="membership-panel"' in html and member.number in html and "<svg" in html
    assert f"/r/{member.referral_code}/" in html
    assert 'data-testid="loyalty-adjust"' in html and 'data-testid="loyalty-join"' not in html
    cashier = client_for(business.cashier_a).get(f"/customers/{records['member']}/").content.decode()
    assert 'data-testid="loyalty-adjust"' not in cashier and 'data-testid="redeem-reward"' in cashier
    stranger = client_for(business.cashier_a).get(f"/customers/{records['stranger']}/").content.decode()
    assert 'data-testid="loyalty-join"' in stranger


def test_joining_adjusting_and_rewarding_from_the_member_pages(business: Business, records: dict[str, int]) -> None:
    client = client_for(business.manager)
    response = client.post(f"/loyalty/members/{records['stranger']}/join/", {"referral_code": "NOPE"})
    assert response.status_code == 200 and 'data-field-error="referral_code"' in response.content.decode()
    assert not Membership.objects.filter(customer_id=records["stranger"]).exists()
    joined = client.post(f"/loyalty/members/{records['stranger']}/join/", {})
    assert joined.status_code == 302, joined.context["form"].errors
    assert Membership.objects.filter(customer_id=records["stranger"]).exists()
    too_much = client.post(
        f"/loyalty/members/{records['member']}/adjust/", {"balance": "points", "amount": -500, "reason": "oops"}
    )
    assert too_much.status_code == 200 and 'data-field-error="amount"' in too_much.content.decode()
    client.post(f"/loyalty/members/{records['member']}/adjust/", {"balance": "points", "amount": -20, "reason": "typo"})
    reward = Reward.objects.get()
    # A reward beyond her points says how many more she needs (she has 100).
    Reward.objects.filter(pk=reward.pk).update(points_cost=130)
    client.cookies["django_language"] = "en"
    form = client.get(f"/loyalty/members/{records['member']}/reward/").content.decode()
    assert "30 more points needed" in form
    refused = client.post(f"/loyalty/members/{records['member']}/reward/", {"reward": reward.pk})
    assert "Not enough points: 130 needed, and the balance is 100." in refused.content.decode()
    Reward.objects.filter(pk=reward.pk).update(points_cost=100)
    assert client.post(f"/loyalty/members/{records['member']}/reward/", {"reward": reward.pk}).status_code == 302
    member = Membership.objects.get(customer_id=records["member"])
    reward.refresh_from_db()
    assert (member.points_balance, reward.stock) == (0, 2)
    timeline = client.get(f"/customers/{records['member']}/").context["timeline"]
    loyalty = [e for e in timeline if e.kind == "loyalty"][:2]
    assert [(e.icon, e.title.endswith(points)) for e, points in zip(loyalty, (": -100", ": -20"), strict=True)] == [
        ("bag-check", True),
        ("sliders", True),
    ]
    # The audit trail's entries read in words: the reward by its name, the adjustment by its balance.
    audit = [(e.title, e.detail) for e in timeline if e.kind == "audit"][:2]
    assert audit == [
        (f"created reward given {reward.name}", f"{reward.name} for 100 points"),
        (f"updated membership {member.number}", "points"),
    ], audit


def test_the_check_page_runs_the_check(business: Business, records: dict[str, int]) -> None:
    client = client_for(business.owner)
    assert client.post("/loyalty/check/").status_code == 302
    assert LedgerCheck.objects.get().ok
    assert "bi-check-circle-fill" in client.get("/loyalty/check/").content.decode()


# --- API ------------------------------------------------------------------------------------


def _headers(user: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key_create(actor=user, name='t')[1]}"} if user else {}


API_READS = [
    ("/api/v1/members/{member}", [401, 404, 200, 200, 200]),
    ("/api/v1/members/{member}/ledger", [401, 404, 200, 200, 200]),
    ("/api/v1/members/{stranger}", [401, 404, 404, 404, 404]),
]


@pytest.mark.parametrize(("path", "statuses"), API_READS, ids=[p for p, _ in API_READS])
@pytest.mark.parametrize("persona_index", range(len(PERSONAS)), ids=PERSONAS)
def test_api_reads_per_persona(
    business: Business, records: dict[str, int], path: str, statuses: list[int], persona_index: int
) -> None:
    response = Client().get(path.format(**records), headers=_headers(persona_user(business, PERSONAS[persona_index])))
    assert response.status_code == statuses[persona_index]


@pytest.mark.parametrize("persona_index", range(len(PERSONAS)), ids=PERSONAS)
def test_api_join_per_persona(business: Business, records: dict[str, int], persona_index: int) -> None:
    client = Client(headers=_headers(persona_user(business, PERSONAS[persona_index])))
    response = client.post("/api/v1/members", {"customer_id": records["stranger"]}, content_type="application/json")
    assert response.status_code == [401, 404, 201, 201, 201][persona_index]
    assert Membership.objects.filter(customer_id=records["stranger"]).exists() == (persona_index >= 2)


@pytest.mark.parametrize("persona_index", range(len(PERSONAS)), ids=PERSONAS)
def test_api_voucher_check_per_persona(business: Business, records: dict[str, int], persona_index: int) -> None:
    client = Client(headers=_headers(persona_user(business, PERSONAS[persona_index])))
    body = {"code": "hemat10", "lines": [{"quantity": 2, "unit_price": 50_000}]}
    response = client.post("/api/v1/vouchers/check", body, content_type="application/json")
    assert response.status_code == [401, 200, 200, 200, 200][persona_index]


def test_api_member_join_ledger_and_voucher_check(business: Business, records: dict[str, int]) -> None:
    client = Client(headers=_headers(business.manager))
    ayu = Membership.objects.get(customer_id=records["member"])
    member = client.get(f"/api/v1/members/{records['member']}").json()
    assert member["number"] == ayu.number and member["points"] == 120 and member["points_value"] == 12_000
    assert member["tier"] == "Silver" and member["cashback"] == 0
    joined = client.post(
        "/api/v1/members",
        {"customer_id": records["stranger"], "referral_code": ayu.referral_code},
        content_type="application/json",
    )
    assert joined.status_code == 201 and joined.json()["referred_by"] == ayu.number
    again = client.post("/api/v1/members", {"customer_id": records["stranger"]}, content_type="application/json")
    assert again.status_code == 400 and list(again.json()["extra"]) == ["customer_id"]
    ledger_page = client.get(f"/api/v1/members/{records['member']}/ledger").json()
    assert [(e["kind"], e["points"], e["balance_after"]) for e in ledger_page["items"]] == [("bonus", 120, 120)]
    ok = client.post(
        "/api/v1/vouchers/check",
        {"code": "hemat10", "customer_id": records["member"], "lines": [{"quantity": 2, "unit_price": 50_000}]},
        content_type="application/json",
    ).json()
    assert ok == {
        "valid": True,
        "code": "HEMAT10",
        "discount": 10_000,
        "line_discounts": {"1": 10_000},  # lines counted from 1, as in messages
        "message": "Hemat",
    }
    refused = client.post(
        "/api/v1/vouchers/check", {"code": "NOPE", "lines": [{"unit_price": 1}]}, content_type="application/json"
    ).json()
    assert refused["valid"] is False and refused["discount"] == 0 and "NOPE" in refused["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "hemat10", "lines": []}, "lines"),
        ({"code": "", "lines": [{"unit_price": 1}]}, "code"),
        ({"code": "hemat10", "lines": [{"quantity": 0, "unit_price": 50_000}]}, "lines[1].quantity"),
        ({"code": "hemat10", "lines": [{"unit_price": 1}, {"quantity": -3, "unit_price": 1}]}, "lines[2].quantity"),
        ({"code": "hemat10", "lines": [{"unit_price": -180_000}]}, "lines[1].unit_price"),
        ({"code": "hemat10", "lines": [{"unit_price": 180_000, "discount": 500_000}]}, "lines[1].discount"),
        ({"code": "hemat10", "lines": [{"unit_price": 180_000, "discount": -1}]}, "lines[1].discount"),
        ({"code": "hemat10", "lines": [{"product_id": 99_999, "unit_price": 1}]}, "lines[1].product_id"),
        ({"code": "hemat10", "lines": [{"category_id": 99_999, "unit_price": 1}]}, "lines[1].category_id"),
        ({"code": "hemat10", "customer_id": 99_999, "lines": [{"unit_price": 1}]}, "customer_id"),
    ],
)
def test_api_voucher_check_refuses_bad_lines_at_their_field(
    business: Business, records: dict[str, int], body: dict[str, Any], field: str
) -> None:
    client = Client(headers=_headers(business.manager))
    response = client.post("/api/v1/vouchers/check", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert list(response.json()["extra"]) == [field] and response.json()["message"].startswith(f"{field}: ")


def test_api_voucher_check_counts_a_product_in_its_own_category(
    business: Business, records: dict[str, int], catalogue: dict[str, Any]
) -> None:
    """A voucher for hair services: a hair product's line counts even when the caller names another
    category; a line naming the hair category without a product counts too."""
    voucher = Voucher.objects.create(name="Rambut", kind=Voucher.Kind.PERCENT, value=10)
    voucher.categories.set([catalogue["hair"]])
    VoucherCode.objects.create(code="RAMBUT10", voucher=voucher)
    product = catalogue["cut"]
    client = Client(headers=_headers(business.manager))
    lines = [{"product_id": product.pk, "category_id": catalogue["nails"].pk, "unit_price": 100_000}]
    body = {"code": "rambut10", "customer_id": records["member"], "lines": lines}
    ok = client.post("/api/v1/vouchers/check", body, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["valid"] is True, ok.json()["message"]
    assert ok.json()["line_discounts"] == {"1": 10_000}


def test_a_promotion_form_shows_each_kind_its_fields_and_buy_x_get_y_defaults_y_to_x(
    business: Business, records: dict[str, int], catalogue: dict[str, Any]
) -> None:
    from setia.loyalty.models import Promotion

    client = client_for(business.owner)
    form = client.get("/loyalty/promotions/new/").content.decode()
    assert 'name="bundle_price"' in form and 'data-show-for-kind="bundle"' in form
    assert 'data-show-for-kind="next_discount"' in form  # discount % and days: that kind only
    product = next(value for value in catalogue.values() if hasattr(value, "price"))
    saved = client.post(
        "/loyalty/promotions/new/",
        {"name": "Beli 2 gratis 1", "kind": "buy_x_get_y", "product": product.pk, "quantity": 2, "is_active": "on"},
    )
    assert saved.status_code == 302, saved.context["form"].errors
    promotion = Promotion.objects.get(name="Beli 2 gratis 1")
    assert promotion.reward_product_id == product.pk  # Y empty: X itself
    bundle = client.post(
        "/loyalty/promotions/new/",
        {"name": "Paket", "kind": "bundle", "product": product.pk, "quantity": 1, "bundle_price": 100_000},
    )
    assert bundle.status_code == 200 and 'data-field-error="reward_product"' in bundle.content.decode()


def test_an_empty_list_of_choices_on_a_programme_form_says_so(business: Business, records: dict[str, int]) -> None:
    from setia.customers.models import Tag

    client = client_for(business.owner)
    client.cookies["django_language"] = "en"
    form = client.get("/loyalty/programmes/new/").content.decode()
    tags = form.split(">Target tags<")[1].split('<div class="mb-3')[0]
    assert not Tag.objects.exists() and "None to choose from yet." in tags
    Tag.objects.create(name="VIP", kind="label")
    form = client.get("/loyalty/programmes/new/").content.decode()
    assert "None to choose from yet." not in form.split(">Target tags<")[1].split('<div class="mb-3')[0]


def test_the_overview_counts_active_members_only(
    business: Business, tiers: dict[str, Tier], join: Callable[..., Membership]
) -> None:
    from setia.loyalty import selectors

    members = [join(f"Anggota {n}") for n in range(3)]
    Membership.objects.filter(pk__in=[m.pk for m in members]).update(tier=tiers["gold"], points_balance=1_500)
    Membership.objects.filter(pk=members[0].pk).update(status=Membership.Status.CANCELLED)
    overview = selectors.overview()
    assert (overview.members, overview.points) == (2, 3_000)
    assert {tier.name: count for tier, count in overview.tiers} == {"Silver": 0, "Gold": 2, "Platinum": 0}
    client = client_for(business.owner)
    client.cookies["django_language"] = "en"
    totals = (
        client.get("/loyalty/").content.decode().split('data-testid="loyalty-totals">')[1].split("</div>\n</div>")[0]
    )
    assert ">2</div>" in totals and ">3,000</div>" in totals


def test_the_programme_page_names_its_target_segment(business: Business, records: dict[str, int]) -> None:
    from setia.segments.models import Segment

    programme = Programme.objects.get(pk=records["programme"])
    html = client_for(business.owner).get(f"/loyalty/programmes/{programme.pk}/").content.decode()
    assert 'data-testid="programme-target"' in html and 'data-testid="programme-segment"' not in html
    segment = Segment.objects.create(name="Lama tidak datang", definition={"match": "all", "conditions": []})
    programme.segment = segment
    programme.save()
    html = client_for(business.owner).get(f"/loyalty/programmes/{programme.pk}/").content.decode()
    target = html.split('data-testid="programme-segment">')[1].split("</dd>")[0]
    assert f'href="/segments/{segment.pk}/"' in target and "Lama tidak datang" in target
    cashier = client_for(business.cashier_a).get(f"/loyalty/programmes/{programme.pk}/")  # no segments pages
    shown = cashier.content.decode().split('data-testid="programme-segment">')[1].split("</dd>")[0]
    assert "Lama tidak datang" in shown and "href" not in shown


def test_a_value_proposition_is_aimed_at_segments(business: Business, tiers: dict[str, Tier]) -> None:
    from setia.loyalty.models import ValueProposition
    from setia.segments.models import Segment

    loyal = Segment.objects.create(name="Pelanggan setia", definition={"match": "all", "conditions": []})
    archived = Segment.objects.create(name="Lama", definition={"match": "all", "conditions": []})
    Segment.objects.filter(pk=archived.pk).update(archived_at="2026-01-01T00:00:00Z")
    client = client_for(make_user("pemasaran", "marketing"))
    client.cookies["django_language"] = "en"
    form = client.get("/loyalty/value-propositions/new/").content.decode()
    assert "Pelanggan setia" in form and ">Lama<" not in form  # archived segments are not offered
    data = {"name": "Hemat sebagai member", "kind": "financial", "description": "Diskon", "segments": [loyal.pk]}
    response = client.post("/loyalty/value-propositions/new/", data)
    assert response.status_code == 302
    proposition = ValueProposition.objects.get(name="Hemat sebagai member")
    assert list(proposition.segments.all()) == [loyal]
    refused = client.post("/loyalty/value-propositions/new/", {**data, "name": "Lain", "segments": [archived.pk]})
    assert refused.status_code == 200 and not ValueProposition.objects.filter(name="Lain").exists()
    assert "segments" in refused.context["form"].errors
    ValueProposition.objects.create(name="Berbagi", kind="spiritual").tiers.set([tiers["gold"]])
    listing = client.get("/loyalty/value-propositions/").content.decode()
    assert "Pelanggan setia" in listing and "Gold" in listing
    ValueProposition.objects.create(name="Untuk semua", kind="emotional")
    assert "everyone" in client.get("/loyalty/value-propositions/").content.decode()


def test_ledger_references_name_the_referral_and_the_reward(
    business: Business, records: dict[str, int], join: Callable[..., Membership]
) -> None:
    from setia.core.references import resolve
    from setia.loyalty.models import Reward

    ayu = Membership.objects.get(customer_id=records["member"])
    friend = join("Bela", referral_code=ayu.referral_code)
    referral = Referral.objects.get(referee=friend)
    reward = Reward.objects.create(name="Masker gratis", points_cost=100)
    with translation.override("en"):
        found = resolve([f"loyalty.referral:{referral.pk}", f"loyalty.reward:{reward.pk}", "loyalty.birthday:2026"])
    assert found[f"loyalty.referral:{referral.pk}"].label == f"Referral: {ayu.customer.name} brought Bela"
    assert found[f"loyalty.reward:{reward.pk}"].label == "Reward: Masker gratis"
    assert found["loyalty.birthday:2026"].label == "Birthday 2026"


def test_the_caller_lookup_and_card_show_the_members_tier_and_points(
    business: Business, records: dict[str, int], tiers: dict[str, Tier]
) -> None:
    from setia.customers.models import CustomerPhone

    CustomerPhone.objects.create(customer_id=records["member"], number="+6281169645669", is_primary=True)
    CustomerPhone.objects.create(customer_id=records["stranger"], number="+6281169645670", is_primary=True)
    Membership.objects.filter(customer_id=records["member"]).update(tier=tiers["gold"])
    client = Client()
    found = client.get("/api/v1/customers/lookup?phone=0811-6964-5669", headers=_headers(business.owner)).json()
    assert (found["customers"][0]["tier"], found["customers"][0]["points"]) == ("Gold", 120)
    stranger = client.get("/api/v1/customers/lookup?phone=0811-6964-5670", headers=_headers(business.owner)).json()
    assert (stranger["customers"][0]["tier"], stranger["customers"][0]["points"]) == (None, None)  # not a member
    card = client_for(business.cashier_a).get("/calls/lookup/?phone=0811-6964-5669").content.decode()
    assert 'data-testid="caller-tier">Gold<' in card and "120" in card.split('data-testid="caller-membership"')[1]
    other = client_for(business.cashier_a).get("/calls/lookup/?phone=0811-6964-5670").content.decode()
    assert 'data-testid="caller-membership"' not in other


def test_the_reasons_the_system_writes_read_in_each_readers_language(
    business: Business, programme: LoyaltySettings, join: Callable[..., Membership]
) -> None:
    """Written while the cashier works in Indonesian (the welcome points, a sale's points through
    checkout, a reward), read in English and in Indonesian: on the ledger page, the 360° page's
    loyalty panel and the API (in the key owner's language). A reason a person typed stays as typed."""
    from setia.catalog.models import Product
    from setia.loyalty.services import rewards
    from setia.sales.services.checkout import LineIn, PaymentIn, checkout

    programme.sign_up_points = 20
    programme.save()
    product = Product.objects.create(name="Creambath", price=150_000)
    reward = Reward.objects.create(name="Masker rambut", points_cost=10)
    with translation.override("id"):
        sari = join("Sari")
        checkout(
            actor=business.cashier_a,
            branch=business.branch_a,
            customer=sari.customer,
            lines=[LineIn(product_id=product.pk, quantity=1)],
            payments=[PaymentIn("cash", 150_000)],
        )
        rewards.reward_redeem(actor=business.cashier_a, membership=sari, reward=reward)
        ledger.points_adjust(actor=business.owner, membership=sari, points=5, reason="Purchase")
    english = ["Purchase", "Reward: Masker rambut", "Purchase", "Welcome points for joining"]
    indonesian = ["Purchase", "Hadiah: Masker rambut", "Pembelian", "Poin selamat datang karena bergabung"]
    entries = list(PointsEntry.objects.filter(membership=sari).order_by("-created_at", "-id"))
    assert [entry.kind for entry in entries] == ["adjust", "redeem", "earn", "bonus"]
    for language, expected in (("en", english), ("id", indonesian)):
        with translation.override(language):
            assert [entry.reason_text for entry in entries] == expected
        client = client_for(business.manager)
        client.cookies["django_language"] = language
        page = client.get(f"/loyalty/members/{sari.customer_id}/ledger/")
        assert page.status_code == 200
        cells = re.findall(r'<td data-testid="ledger-reason">(.*?)</td>', page.content.decode())
        # The reason first; a source that says the same (the reward) is not said a second time.
        reasons = [re.sub(r"<[^>]+>", "", cell.split(" <span")[0]) for cell in cells]
        assert reasons == expected
        assert [cell.count(expected[1]) for cell in cells][1] == 1
        panel = client.get(f"/customers/{sari.customer_id}/").content.decode()
        assert all(reason in panel for reason in expected[1:])
        business.manager.language = language  # the API speaks the key owner's language
        business.manager.save(update_fields=["language"])
        api = Client(headers=_headers(business.manager))
        items = api.get(f"/api/v1/members/{sari.customer_id}/ledger").json()["items"]
        assert [item["reason"] for item in items] == expected


def test_why_she_is_in_her_tier_shows_on_her_card_and_her_ledger_in_each_readers_language(
    business: Business, tiers: dict[str, Tier], join: Callable[..., Membership]
) -> None:
    """A tier change's reason (written by the purchase that lifted her) on the 360° page's
    membership panel and timeline, as the tier history under her points ledger (first page only)
    and in the API."""
    from setia.loyalty.services.purchases import purchase_recorded
    from setia.loyalty.tests.conftest import at

    ayu = join("Ayu")
    with translation.override("id"):
        purchase_recorded(
            actor=None, customer=ayu.customer, source="s:1", paid=5_500_000, lines=[], at=at("2026-03-02")
        )
    ayu.refresh_from_db()
    assert ayu.tier == tiers["gold"]
    from setia.customers.timeline import timeline_for

    for language, why, title in (
        ("en", "Rp 5,500,000 and 1 visits in the last 365 days: Gold", "Tier: Silver → Gold"),
        ("id", "Rp 5.500.000 dan 1 kunjungan dalam 365 hari terakhir: Gold", "Tingkat: Silver → Gold"),
    ):
        with translation.override(language):  # her timeline has the change too
            assert [(e.title, e.detail) for e in timeline_for(ayu.customer) if e.icon == "award"] == [(title, why)]
        client = client_for(business.manager)
        client.cookies["django_language"] = language
        panel = client.get(f"/customers/{ayu.customer_id}/").content.decode()
        assert re.findall(r'data-testid="tier-why"[^>]*>.*?</i>(.*?)</div>', panel) == [why]
        page = client.get(f"/loyalty/members/{ayu.customer_id}/ledger/").content.decode()
        rows = re.findall(
            r'<tr data-testid="tier-change">.*?</td><td>(.*?)</td><td>(.*?)</td><td[^>]*>(.*?)</td>', page
        )
        assert rows == [("Silver", "Gold", why)]
        older = client.get(f"/loyalty/members/{ayu.customer_id}/ledger/?after=x").content.decode()
        assert 'data-testid="tier-history"' not in older
        business.manager.language = language  # the API speaks the key owner's language
        business.manager.save(update_fields=["language"])
        member = Client(headers=_headers(business.manager)).get(f"/api/v1/members/{ayu.customer_id}").json()
        assert (member["tier"], member["tier_reason"]) == ("Gold", why)


def test_a_voucher_s_page_says_until_when_and_marks_the_codes_whose_end_has_passed(business: Business) -> None:
    import datetime as dt

    end = timezone.now() + dt.timedelta(days=30)
    voucher = vouchers.voucher_create(
        actor=business.owner, name="Hemat", kind=Voucher.Kind.AMOUNT, value=10_000, valid_until=end
    )
    vouchers.codes_issue(actor=business.owner, voucher=voucher, code="HEMAT10", max_uses=None)
    vouchers.codes_issue(actor=business.owner, voucher=voucher, code="LEWAT", max_uses=None)
    VoucherCode.objects.filter(code="LEWAT").update(valid_until=timezone.now() - dt.timedelta(days=1))
    vouchers.codes_issue(actor=business.owner, voucher=voucher, code="NANTI", max_uses=None)
    VoucherCode.objects.filter(code="NANTI").update(valid_until=end + dt.timedelta(days=60))
    client = client_for(business.manager)
    client.cookies["django_language"] = "en"
    page = client.get(f"/loyalty/vouchers/{voucher.pk}/").content.decode()
    day = f"{timezone.localtime(end):%d/%m/%Y}"
    assert f"until {day}" in page and "\u2026 \u2013" not in page  # was an ellipsis, a dash and the date
    expired = re.findall(r"<code>(\w+)</code>(?:(?!</tr>).)*data-testid=\"code-expired\"", page, flags=re.S)
    assert expired == ["LEWAT"]
    # A code without its own end runs until the voucher's.
    assert re.search(rf"<code>HEMAT10</code>(?:(?!</tr>).)*<td class=\"d-none d-md-table-cell\">{day}</td>", page, re.S)
    # A code's own end past the voucher's: the voucher's comes first.
    assert re.search(rf"<code>NANTI</code>(?:(?!</tr>).)*<td class=\"d-none d-md-table-cell\">{day}</td>", page, re.S)
    later = VoucherCode.objects.select_related("voucher").get(code="NANTI")
    assert later.ends_at == end and not later.has_expired and later.has_ended(end + dt.timedelta(seconds=1))


def test_the_voucher_list_shows_the_last_day_where_the_business_is(business: Business) -> None:
    import datetime as dt

    # 19.50 UTC on 1 March is 02.50 on 2 March in Jakarta: the voucher's page and its list agree.
    until = dt.datetime(2027, 3, 1, 19, 50, tzinfo=dt.UTC)
    voucher = Voucher.objects.create(name="Promo Lebaran 15%", kind="percent", value=15, valid_until=until)
    client = client_for(business.owner)
    client.cookies["django_language"] = "id"
    listed = client.get("/loyalty/vouchers/").content.decode()
    row = listed[listed.index("Promo Lebaran 15%") :]
    assert "02/03/2027" in row[:2000] and "01/03/2027" not in row[:2000]
    assert "02/03/2027" in client.get(f"/loyalty/vouchers/{voucher.pk}/").content.decode()


def test_the_friend_s_code_box_is_offered_only_while_a_code_can_still_be_linked(
    business: Business, records: dict[str, int]
) -> None:
    import datetime as dt

    from setia.sales.models import Order

    client = client_for(business.owner)
    page = f"/customers/{records['member']}/"
    assert f"/loyalty/members/{records['member']}/referral/" in client.get(page).content.decode()
    Order.objects.create(
        number="KMG-0000001",
        branch=business.branch_a,
        customer_id=records["member"],
        business_date=dt.date(2026, 11, 2),
        status=Order.Status.FULFILLED,
        subtotal=150_000,
        total=150_000,
    )
    # Bought something: referral codes are for new customers, so the box is gone.
    assert f"/loyalty/members/{records['member']}/referral/" not in client.get(page).content.decode()


def test_a_friend_opens_the_referral_link_without_signing_in(
    business: Business, records: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from setia.loyalty import views
    from setia.loyalty.models import LoyaltySettings

    LoyaltySettings.objects.update_or_create(pk=1, defaults={"referee_points": 25, "sign_up_points": 10})
    ayu = Membership.objects.get(customer_id=records["member"])
    Customer.objects.filter(pk=ayu.customer_id).update(name="Ayu Lestari")
    panel = client_for(business.owner).get(f"/customers/{ayu.customer_id}/").content.decode()
    assert f"/r/{ayu.referral_code}/" in panel  # the link the member shares
    friend = Client()
    friend.cookies["django_language"] = "en"
    page = friend.get(f"/r/{ayu.referral_code.lower()}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Ayu invites you to become a member" in html and "Lestari" not in html  # her first name only
    assert f'data-testid="invite-code">{ayu.referral_code}<' in html and "<svg" in html
    assert "get 25 points after your first purchase" in html and "also gets 10 points for joining" in html
    # A visitor switches the language there (the page opens in Bahasa Indonesia without the cookie).
    visitor = Client()
    first = visitor.get(f"/r/{ayu.referral_code}/").content.decode()
    assert 'data-testid="language-en"' in first and "Ayu invites you" not in first
    switched = visitor.post("/i18n/setlang/", {"language": "en", "next": f"/r/{ayu.referral_code}/"}, follow=True)
    assert "Ayu invites you to become a member" in switched.content.decode()
    unknown = friend.get("/r/NOPE123/")
    assert unknown.status_code == 404 and 'data-testid="invite-unknown"' in unknown.content.decode()
    monkeypatch.setattr(views, "INVITE_RATE_LIMIT", 2)  # someone guessing codes from one address
    guesser = Client(REMOTE_ADDR="10.0.0.9")
    codes = [guesser.get(f"/r/GUESS{n}/").status_code for n in range(4)]
    assert codes[:2] == [404, 404] and codes[2:] == [429, 429]


def test_long_goals_and_descriptions_are_shortened_at_a_word_with_an_ellipsis(business: Business) -> None:
    goal = "Pelanggan lama kembali dengan poin ekstra dan layanan istimewa untuk setiap kunjungan berikutnya"
    Programme.objects.create(name="Kembali", kind="recovery", goal=goal, starts_on="2026-01-01")
    page = client_for(business.owner).get("/loyalty/programmes/").content.decode()
    assert goal not in page and "Pelanggan lama kembali dengan poin ekstra dan layanan…" in page


def test_the_programme_page_says_how_much_of_the_budget_is_used(business: Business) -> None:
    programme = Programme.objects.create(
        name="Kembali", kind="recovery", goal="Win back", starts_on="2026-01-01", budget=2_000_000, cost=500_000
    )
    client = client_for(business.owner)
    page = client.get(f"/loyalty/programmes/{programme.pk}/").content.decode()
    assert 'data-testid="budget-used">25%<' in page and 'aria-valuenow="25"' in page
    # Over budget: by how much, in Rupiah (not "100000%"), and a full red bar.
    Programme.objects.filter(pk=programme.pk).update(budget=1_000)
    client.cookies["django_language"] = "en"
    page = client.get(f"/loyalty/programmes/{programme.pk}/").content.decode()
    used = page.split('data-testid="budget-used">')[1].split("<")[0]
    assert "over budget" in used and "499" in used and "%" not in used
    assert 'bg-danger" style="width: 100%"' in page
    Programme.objects.filter(pk=programme.pk).update(budget=0)
    assert 'data-testid="budget-used"' not in client.get(f"/loyalty/programmes/{programme.pk}/").content.decode()


def test_issuing_codes_reads_as_such_in_the_recent_activity(business: Business) -> None:
    voucher = vouchers.voucher_create(actor=business.owner, name="Promo Lebaran", kind=Voucher.Kind.PERCENT, value=15)
    vouchers.codes_issue(actor=business.owner, voucher=voucher, count=20)
    client = client_for(business.owner)
    client.cookies["django_language"] = "en"
    page = client.get("/").content.decode()
    recent = page[page.index("bi-journal-text") :]
    assert 'data-testid="activity-message"> · 20 codes issued</span>' in recent


def test_a_new_member_s_tier_history_says_since_when_she_is_in_her_tier(
    business: Business, records: dict[str, int]
) -> None:
    member = Membership.objects.select_related("tier").get(customer_id=records["member"])
    assert member.tier is not None and member.tier_since is not None
    client = client_for(business.owner)
    client.cookies["django_language"] = "en"
    page = client.get(f"/loyalty/members/{records['member']}/ledger/").content.decode()
    day = member.tier_since.astimezone(dt.timezone(dt.timedelta(hours=7))).strftime("%d/%m/%Y")
    assert f"{member.tier.name} since joining on {day}; no change since." in page


def test_points_past_their_date_show_apart_on_her_card_the_reward_page_and_the_api(
    business: Business, records: dict[str, int]
) -> None:
    """The nightly expiry has not run since 200 of her points passed their date."""
    from setia.customers.models import CustomerPhone
    from setia.loyalty.tests.conftest import lapsed_lot

    ayu = Membership.objects.get(customer_id=records["member"])
    lapsed_lot(ayu, 200)
    web = client_for(business.manager)
    card = web.get(f"/customers/{records['member']}/").content.decode()
    CustomerPhone.objects.create(customer_id=records["member"], number="+6281169645669", is_primary=True)
    caller = web.get("/calls/lookup/?phone=0811-6964-5669").content.decode().split('data-testid="caller-membership"')[1]
    with translation.override(business.manager.language or "id"):
        said = ngettext(
            "%(points)s point is past its date: it cannot be spent and goes at the nightly expiry.",
            "%(points)s points are past their date: they cannot be spent and go at the nightly expiry.",
            200,
        ) % {"points": 200}
        apart = gettext("%(points)s past their date") % {"points": 200}
    assert 'data-testid="points-lapsed"' in card and said in card
    assert gettext("%(points)s points") % {"points": 120} in caller and f"({apart})" in caller
    page = web.get(f"/loyalty/members/{records['member']}/reward/").content.decode()
    assert 'data-testid="points-spendable">120<' in page and f"({apart})" in page
    member = Client(headers=_headers(business.manager)).get(f"/api/v1/members/{records['member']}").json()
    assert (member["points"], member["points_lapsed"], member["points_value"]) == (320, 200, 12_000)
    # The hair mask costs 100: she has 120 to spend, so it is given, and the 200 expire first.
    reward = Reward.objects.get()
    assert web.post(f"/loyalty/members/{records['member']}/reward/", {"reward": reward.pk}).status_code == 302
    ayu.refresh_from_db()
    assert ayu.points_balance == 20 and ledger.points_lapsed(ayu) == 0
    card = web.get(f"/customers/{records['member']}/").content.decode()
    assert 'data-testid="points-lapsed"' not in card


# --- The salon walk (second round): adjustment wording, tier rules, privacy, codes -------------


def test_the_adjustment_amount_is_not_labelled_as_cash_change(business: Business, records: dict[str, int]) -> None:
    """ "Change" is also the cash given back at the till ("Kembalian"): the adjustment's amount has
    its own words, naming the balance chosen once the form is shown again with an error."""
    client = client_for(business.manager)
    url = f"/loyalty/members/{records['member']}/adjust/"
    assert "Kembalian" not in client.get(url).content.decode()  # the page in Indonesian, as staff read it
    client.cookies["django_language"] = "en"
    assert "Points or cashback to add or remove" in client.get(url).content.decode()
    points = client.post(url, {"balance": "points", "amount": -500, "reason": "oops"}).content.decode()
    assert "Points to add or remove" in points and 'data-field-error="amount"' in points
    cashback = client.post(url, {"balance": "cashback", "amount": -500, "reason": "oops"}).content.decode()
    assert "Cashback to add or remove (Rp)" in cashback and 'data-field-error="amount"' in cashback
    member = Membership.objects.get(customer_id=records["member"])
    assert (member.points_balance, member.wallet_balance) == (120, 0)  # both refused, nothing changed


def test_the_tier_list_and_form_say_spend_or_visits(business: Business, records: dict[str, int]) -> None:
    """A tier is reached by its spend OR its visits (`services.tiers._qualifies`): the list shows
    one rule with "or", not two minimums that read as both being needed; the form says so too."""
    Tier.objects.filter(name="Gold").update(min_spend=2_000_000, min_visits=6)
    Tier.objects.filter(name="Platinum").update(min_visits=0)
    client = client_for(business.owner)
    client.cookies["django_language"] = "en"
    html = client.get("/loyalty/tiers/").content.decode()
    assert "Rp 2,000,000 spent or 6 visits" in html
    assert "Rp 20,000,000 spent" in html and "every member" in html  # Platinum, Silver
    assert "Minimum visits" not in html and "either one is enough" in html
    form = client.get(f"/loyalty/tiers/{records['tier']}/edit/").content.decode()
    assert "Either this spend or the minimum visits within the window is enough to qualify." in form
    assert "Either these visits or the minimum spend within the window is enough to qualify." in form


def _spent(member: Membership, amount: int) -> None:
    from setia.loyalty.services.purchases import purchase_recorded

    purchase_recorded(
        actor=None,
        customer=member.customer,
        source=f"s:{member.pk}",
        paid=amount,
        lines=[],
        at=timezone.now() - dt.timedelta(days=2),
    )


def test_tiers_are_re_evaluated_on_demand_by_those_who_edit_tiers(
    business: Business, records: dict[str, int], join: Callable[..., Membership]
) -> None:
    """After the owner lowers Gold's spend, "Re-evaluate tiers now" moves Ayu up (and Bunga, in
    Gold with nothing spent, down) at once, as the nightly run would, and says how many moved.
    A cashier may not: 403, and nobody moves."""
    ayu = Membership.objects.get(customer_id=records["member"])
    _spent(ayu, 3_000_000)  # below Gold's 5,000,000
    bunga = join("Bunga")
    Membership.objects.filter(pk=bunga.pk).update(tier=Tier.objects.get(name="Gold"))
    Tier.objects.filter(name="Gold").update(min_spend=2_000_000)
    assert client_for(business.cashier_a).post("/loyalty/tiers/reevaluate/").status_code == 403
    assert client_for(None).post("/loyalty/tiers/reevaluate/").status_code == 302  # to sign in
    assert not TierChange.objects.filter(membership__in=[ayu, bunga]).exists()
    owner = client_for(business.owner)
    owner.cookies["django_language"] = "en"
    assert 'data-testid="tiers-reevaluate"' in owner.get("/loyalty/tiers/").content.decode()
    assert (
        'data-testid="tiers-reevaluate"' not in client_for(business.cashier_a).get("/loyalty/tiers/").content.decode()
    )
    done = owner.post("/loyalty/tiers/reevaluate/", follow=True)
    assert done.redirect_chain == [("/loyalty/tiers/", 302)]
    assert "Tiers re-evaluated for 2 members: 1 moved up, 1 moved down." in done.content.decode()
    ayu.refresh_from_db()
    bunga.refresh_from_db()
    assert (ayu.tier.name, bunga.tier.name) == ("Gold", "Silver")  # type: ignore[union-attr]
    assert owner.post("/loyalty/tiers/reevaluate/", follow=True).content.decode().count("0 moved up, 0 moved down") == 1
    assert owner.get("/loyalty/tiers/reevaluate/").status_code == 405  # a change: POST only


def test_re_evaluating_many_members_is_started_in_the_background(
    business: Business,
    records: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django_tasks_db.models import DBTaskResult

    from setia.loyalty import tasks
    from setia.loyalty.services import tiers

    monkeypatch.setattr(tiers, "REEVALUATE_NOW_LIMIT", 0)  # as if the business had more than the limit
    ayu = Membership.objects.get(customer_id=records["member"])
    _spent(ayu, 3_000_000)
    Tier.objects.filter(name="Gold").update(min_spend=2_000_000)
    owner = client_for(business.owner)
    owner.cookies["django_language"] = "en"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        started = owner.post("/loyalty/tiers/reevaluate/", follow=True)
    assert len(callbacks) == 1
    assert "Re-evaluating the tiers of 1 member in the background" in started.content.decode()
    job = DBTaskResult.objects.get()
    assert job.task_path == "setia.loyalty.tasks.loyalty_tiers_reevaluate"
    ayu.refresh_from_db()
    assert ayu.tier.name == "Silver"  # type: ignore[union-attr]  # not yet: the worker runs it
    assert tasks.loyalty_tiers_reevaluate.call() == {"upgraded": 1, "downgraded": 0}
    ayu.refresh_from_db()
    assert ayu.tier.name == "Gold"  # type: ignore[union-attr]


def test_the_ledger_does_not_name_a_friend_of_a_branch_the_viewer_cannot_see(
    business: Business, programme: LoyaltySettings, join: Callable[..., Membership], make_customer: Any
) -> None:
    """Branches do not share customers. Putri (Kemang) brought Rina (Dago): Kemang's manager reads
    Putri's ledger with Rina named "a member of another branch", as the 360° page names her; the
    owner, who sees every branch, reads both names."""
    from setia.loyalty.services.membership import membership_join

    programme.referral_trigger = LoyaltySettings.ReferralTrigger.SIGN_UP
    programme.referrer_points = 50
    programme.referee_points = 20
    programme.save()
    putri = join("Putri Halim")
    membership_join(
        actor=business.cashier_b,
        customer=make_customer("Rina Kusuma", branch=business.branch_b),
        referral_code=putri.referral_code,
    )
    url = f"/loyalty/members/{putri.customer_id}/ledger/"
    html = client_for(business.manager).get(url).content.decode()  # in Indonesian, as the tester read it
    assert html.count('data-testid="ledger-source"') == 1
    assert "Rina Kusuma" not in html
    assert "Referensi: Putri Halim membawa anggota cabang lain" in html
    owner = client_for(business.owner).get(url).content.decode()
    assert "Referensi: Putri Halim membawa Rina Kusuma" in owner
    # Rina's own ledger, read at Dago: Putri is of Kemang.
    rina = Customer.objects.get(name="Rina Kusuma")
    dago = client_for(business.cashier_b).get(f"/loyalty/members/{rina.pk}/ledger/").content.decode()
    assert "Putri Halim" not in dago and "Referensi: anggota cabang lain membawa Rina Kusuma" in dago


def test_a_voucher_page_names_only_customers_of_branches_the_viewer_sees(
    business: Business, records: dict[str, int], make_customer: Any
) -> None:
    voucher = Voucher.objects.get(pk=records["voucher"])
    dewi = make_customer("Dewi Anggraini", branch=business.branch_b)
    vouchers.codes_issue(actor=business.owner, voucher=voucher, code="DEWI1", customer=dewi)
    url = f"/loyalty/vouchers/{voucher.pk}/"
    manager = client_for(business.manager)
    manager.cookies["django_language"] = "en"
    kemang = manager.get(url).content.decode()
    assert "Dewi Anggraini" not in kemang and "a customer of another branch" in kemang
    assert "Dewi Anggraini" in client_for(business.owner).get(url).content.decode()


def test_a_used_up_personal_voucher_is_not_offered_to_her_again(
    business: Business, records: dict[str, int], join: Callable[..., Membership]
) -> None:
    """Her personal code of a voucher she may use once, used: neither her page nor the till (which
    reads `codes_for_customer`) offers it again; another of her codes still shows."""
    from setia.loyalty.cart import CartLine

    ayu = Customer.objects.get(pk=records["member"])
    once = vouchers.voucher_create(
        actor=business.owner, name="Facial", kind=Voucher.Kind.AMOUNT, value=20_000, per_customer_limit=1
    )
    vouchers.codes_issue(actor=business.owner, voucher=once, code="FACIAL20", customer=ayu, max_uses=None)
    other = vouchers.voucher_create(actor=business.owner, name="Rambut", kind=Voucher.Kind.AMOUNT, value=5_000)
    vouchers.codes_issue(actor=business.owner, voucher=other, code="RAMBUT5", customer=ayu)
    assert [code.code for code in vouchers.codes_for_customer(ayu)] == ["FACIAL20", "RAMBUT5"]
    vouchers.voucher_redeem(code="FACIAL20", customer=ayu, lines=[CartLine(None, None, 1, 100_000)], source="sale:1")
    assert [code.code for code in vouchers.codes_for_customer(ayu)] == ["RAMBUT5"]
    page = client_for(business.owner).get(f"/customers/{ayu.pk}/").content.decode()
    assert "RAMBUT5" in page and "FACIAL20" not in page
    # Used up for everyone (the voucher's own limit): not offered either.
    Voucher.objects.filter(pk=other.pk).update(usage_limit=1, times_used=1)
    assert vouchers.codes_for_customer(ayu) == []


def test_a_voucher_page_shows_its_segment_limit(business: Business, records: dict[str, int]) -> None:
    from setia.segments.models import Segment

    voucher = Voucher.objects.get(pk=records["voucher"])
    url = f"/loyalty/vouchers/{voucher.pk}/"
    client = client_for(business.owner)
    client.cookies["django_language"] = "en"
    assert 'data-testid="voucher-segment">—</dd>' in client.get(url).content.decode()
    segment = Segment.objects.create(name="Pelanggan setia", kind=Segment.Kind.STATIC)
    Voucher.objects.filter(pk=voucher.pk).update(segment=segment)
    html = client.get(url).content.decode()
    assert "Only for segment" in html
    assert f'data-testid="voucher-segment"><a href="/segments/{segment.pk}/">Pelanggan setia</a></dd>' in html
    cashier = client_for(business.cashier_a).get(url).content.decode()  # no segments page for her: no link
    assert 'data-testid="voucher-segment">Pelanggan setia</dd>' in cashier


def test_issuing_refuses_several_codes_with_one_own_code_and_too_many_at_once(
    business: Business, records: dict[str, int]
) -> None:
    voucher = Voucher.objects.get(pk=records["voucher"])
    client = client_for(business.owner)
    client.cookies["django_language"] = "en"
    url = f"/loyalty/vouchers/{voucher.pk}/"
    before = VoucherCode.objects.filter(voucher=voucher).count()
    three = client.post(url, {"count": 3, "code": "DUA", "max_uses": 1})
    html = three.content.decode()
    assert three.status_code == 200 and 'data-field-error="count"' in html
    assert "How many codes: a code of your choice is one code." in html
    too_many = client.post(url, {"count": "100000", "code_prefix": "FLYER", "max_uses": 1})
    assert too_many.status_code == 200
    assert "How many codes: issue between 1 and 10,000 at a time." in too_many.content.decode()
    assert VoucherCode.objects.filter(voucher=voucher).count() == before  # nothing issued
    one = client.post(url, {"count": 1, "code": "DUA", "max_uses": 1})
    assert one.status_code == 302 and VoucherCode.objects.filter(code="DUA").count() == 1


def test_the_codes_csv_names_customers_only_in_the_readers_branches(
    business: Business, programme: LoyaltySettings, make_customer: Callable[..., Customer]
) -> None:
    voucher = Voucher.objects.create(name="Diskon", kind=Voucher.Kind.AMOUNT, value=10_000)
    here = make_customer("Ayu Lestari")
    there = make_customer("=Dewi Anggraini", branch=business.branch_b)  # a spreadsheet formula, too
    VoucherCode.objects.create(code="AYU-1", voucher=voucher, customer=here, max_uses=1)
    VoucherCode.objects.create(code="DEWI-1", voucher=voucher, customer=there, max_uses=1)
    VoucherCode.objects.create(code="ANY-1", voucher=voucher)

    def download(user: User) -> list[list[str]]:
        web = client_for(user)
        web.cookies["django_language"] = "en"
        response = web.get(f"/loyalty/vouchers/{voucher.pk}/codes.csv")
        assert response.status_code == 200
        return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))  # type: ignore[attr-defined]

    rows = download(business.manager)  # manages Kemang (branch A) only
    assert rows[0] == ["Code", "Maximum uses", "Uses", "Customer ID", "Customer", "Valid until"]
    assert [row[3:5] for row in rows[1:]] == [
        [str(here.pk), "Ayu Lestari"],
        [str(there.pk), "a member of another branch"],
        ["", ""],
    ]
    assert [row[4] for row in download(business.owner)[1:]] == ["Ayu Lestari", "'=Dewi Anggraini", ""]


def test_a_vouchers_codes_are_listed_only_for_those_who_issue_them(business: Business, records: dict[str, int]) -> None:
    url = f"/loyalty/vouchers/{records['voucher']}/"
    manager = client_for(business.owner).get(url).content.decode()
    assert "<code>HEMAT10</code>" in manager and 'data-testid="codes-not-listed"' not in manager
    cashier = client_for(business.cashier_a).get(url)
    assert cashier.status_code == 200  # she may read the voucher's terms
    assert "HEMAT10" not in cashier.content.decode() and 'data-testid="codes-not-listed"' in cashier.content.decode()
    assert client_for(business.cashier_a).get(f"{url}?q=HEMAT").content.decode().count("HEMAT10") == 0


def test_the_full_ledger_has_her_cashback_too(business: Business, records: dict[str, int]) -> None:
    from setia.loyalty.models import WalletEntry

    member = Membership.objects.get(customer_id=records["member"])
    ledger.wallet_post(membership=member, kind=WalletEntry.Kind.CASHBACK, amount=25_000, reason="Cashback 10%")
    ledger.wallet_adjust(actor=business.owner, membership=member, amount=-5_000, reason="Salah input")
    client = client_for(business.manager)
    client.cookies["django_language"] = "en"
    points = client.get(f"/loyalty/members/{records['member']}/ledger/")
    assert points.context["cashback"] is False and 'data-testid="tier-history"' in points.content.decode()
    page = client.get(f"/loyalty/members/{records['member']}/ledger/?balance=cashback")
    html = page.content.decode()
    assert f"Cashback ledger of {member.customer.name}" in html and 'data-testid="tier-history"' not in html
    assert [(entry.amount, entry.balance_after) for entry, _source in page.context["rows"]] == [
        (-5_000, 20_000),
        (25_000, 25_000),
    ]
    assert "Salah input" in html and format_rupiah(20_000) in html


def test_a_friend_s_code_refused_on_her_panel_is_shown_again_at_its_field(
    business: Business, records: dict[str, int]
) -> None:
    client = client_for(business.manager)
    client.cookies["django_language"] = "en"
    url = f"/loyalty/members/{records['member']}/referral/"
    refused = client.post(url, {"referral_code": "zzz1234"})
    page = refused.content.decode()
    assert refused.status_code == 200 and 'data-field-error="referral_code"' in page
    assert "ZZZ1234" in page and 'value="zzz1234"' in page  # why, and the code as typed, to correct it
    empty = client.post(url, {"referral_code": ""})
    assert 'data-field-error="referral_code"' in empty.content.decode()
    assert not Membership.objects.get(customer_id=records["member"]).referred_by_id
