"""At the till a friend walks in with a member's referral code: the cashier looks up her phone,
adds her, ticks "Join as member now", types the code, saves, and is back at the till with the new
member chosen and her card number shown; the member who brought her sees her among her friends."""

import re
from pathlib import Path
from typing import Any

import pytest

from setia.accounts.models import Branch
from setia.conftest import browser_sign_in, make_user
from setia.customers.models import Customer
from setia.loyalty.models import LoyaltySettings, Membership, Referral, Tier
from setia.loyalty.services import membership

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("test-results")


def test_a_friend_joins_with_a_referral_code_from_the_till(page: Any, live_server: Any) -> None:
    SHOTS.mkdir(exist_ok=True)
    branch = Branch.objects.create(name="Salon Cantik Kemang", code="kmg")
    make_user("kasir", "cashier", branch, first_name="Sari")
    Tier.objects.create(name="Silver", rank=0)
    LoyaltySettings.objects.create(
        pk=1,
        card_prefix="SCK",
        referrer_points=50,
        referee_points=20,
        referral_trigger=LoyaltySettings.ReferralTrigger.SIGN_UP,
    )
    ayu = Customer.objects.create(name="Ayu Lestari", search_name="ayu lestari", home_branch=branch)
    code = membership.membership_join(actor=make_user("pemilik", "owner"), customer=ayu).referral_code
    base = live_server.url
    browser_sign_in(page, base, "kasir")

    page.goto(f"{base}/cashier/")
    page.get_by_test_id("find-customer").fill("0813 2222 3333")
    page.get_by_test_id("new-walk-in").click()
    page.wait_for_url(re.compile(r".*/customers/new/\?.*source=walk_in.*"))
    form = page.get_by_test_id("customer-form")
    assert form.locator("#id_phone_1").input_value() == "0813 2222 3333"
    form.locator("#id_name").fill("Bunga Citra")
    join = form.get_by_test_id("walk-in-join")
    join.locator("#id_join_member").check()
    join.locator("#id_referral_code").fill("NOPE123")
    form.get_by_role("button", name="Simpan").click()
    page.wait_for_load_state()
    # A mistyped code: said on its field, nothing saved, what she typed kept.
    assert "NOPE123" in page.locator('[data-field-error="referral_code"]').inner_text()
    assert not Customer.objects.filter(name="Bunga Citra").exists()
    assert page.locator("#id_name").input_value() == "Bunga Citra"
    assert page.locator("#id_join_member").is_checked()
    page.locator("#id_referral_code").fill(code.lower())
    page.get_by_test_id("walk-in-join").screenshot(path=str(SHOTS / "walk-in-join-block.png"))
    page.screenshot(path=str(SHOTS / "walk-in-join-form.png"), full_page=True)
    page.get_by_test_id("customer-form").get_by_role("button", name="Simpan").click()

    bunga = Customer.objects.get(name="Bunga Citra")
    page.wait_for_url(f"{base}/cashier/?branch={branch.pk}&customer={bunga.pk}")  # back at the same till
    card = Membership.objects.get(customer=bunga)
    chosen = page.get_by_test_id("cashier-customer")
    assert "Bunga Citra" in chosen.inner_text()
    assert card.number in chosen.get_by_test_id("member-badge").inner_text()
    assert chosen.get_by_test_id("points-balance").inner_text().startswith("20")  # the friend's welcome
    page.screenshot(path=str(SHOTS / "walk-in-join-till.png"), full_page=True)
    assert Referral.objects.get(referee=card).referrer.customer == ayu

    page.goto(f"{base}/customers/{ayu.pk}/")
    friends = page.get_by_test_id("membership-panel").get_by_test_id("referral-tree")
    assert "Bunga Citra" in friends.inner_text()
