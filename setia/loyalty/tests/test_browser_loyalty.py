"""A manager sets up the programme, issues voucher codes, and sees a member on the 360° page."""

from pathlib import Path
from typing import Any

import pytest

from setia.accounts.models import Branch
from setia.conftest import browser_sign_in, make_user
from setia.customers.models import Customer
from setia.loyalty.models import PointsEntry, Tier, Voucher
from setia.loyalty.services import ledger, membership, vouchers

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("test-results")


def test_settings_vouchers_and_the_membership_panel(page: Any, live_server: Any) -> None:
    SHOTS.mkdir(exist_ok=True)
    branch = Branch.objects.create(name="Kemang", code="kmg")
    manager = make_user("manager", "manager", branch, first_name="Lestari")
    manager.managed_branches.set([branch])
    Tier.objects.create(name="Silver", rank=0)
    ayu = Customer.objects.create(name="Ayu Lestari", search_name="ayu lestari", home_branch=branch)
    friend = Customer.objects.create(name="Bunga Citra", search_name="bunga citra", home_branch=branch)
    member = membership.membership_join(actor=manager, customer=ayu)
    membership.membership_join(actor=manager, customer=friend, referral_code=member.referral_code)
    ledger.points_post(membership=member, kind=PointsEntry.Kind.EARN, points=240, reason="Purchase")
    voucher = vouchers.voucher_create(actor=manager, name="Ramadan 20%", kind=Voucher.Kind.PERCENT, value=20)
    vouchers.codes_issue(actor=manager, voucher=voucher, customer=ayu)
    base = live_server.url
    browser_sign_in(page, base, "manager")

    page.locator('[data-nav="loyalty"]').click()
    page.get_by_test_id("tab-settings").click()
    page.fill("#id_card_prefix", "kmg")
    page.fill("#id_sign_up_points", "25")
    page.get_by_test_id("save-settings").click()
    page.wait_for_url(f"{base}/loyalty/settings/")
    assert page.input_value("#id_card_prefix") == "KMG"
    page.screenshot(path=str(SHOTS / "loyalty-settings.png"), full_page=True)

    page.get_by_test_id("tab-vouchers").click()
    page.get_by_test_id("config-table").get_by_text("Ramadan 20%").click()
    page.fill("#id_count", "12")
    page.fill("#id_code_prefix", "puasa")
    page.get_by_test_id("issue-codes").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("code-table").locator("code", has_text="PUASA").count() == 12
    page.screenshot(path=str(SHOTS / "loyalty-voucher.png"), full_page=True)

    page.goto(f"{base}/customers/{ayu.pk}/")
    panel = page.get_by_test_id("membership-panel")
    assert panel.get_by_test_id("card-number").inner_text() == member.number
    assert panel.get_by_test_id("points-balance").inner_text() == "240"
    assert "Bunga Citra" in panel.get_by_test_id("referral-tree").inner_text()
    assert panel.locator("svg").count() == 1
    page.screenshot(path=str(SHOTS / "loyalty-member-panel.png"), full_page=True)

    page.get_by_test_id("loyalty-adjust").click()
    page.fill("#id_amount", "-40")
    page.fill("#id_reason", "Salah input")
    page.get_by_test_id("adjust-submit").click()
    page.wait_for_url(f"{base}/customers/{ayu.pk}/")
    assert page.get_by_test_id("points-balance").inner_text() == "200"


def test_a_promotion_form_shows_the_fields_of_the_kind_chosen(page: Any, live_server: Any) -> None:
    from setia.catalog.models import Category, Product
    from setia.loyalty.models import Promotion

    branch = Branch.objects.create(name="Kemang", code="kmg")
    make_user("owner", "owner", branch, first_name="Nur")
    hair = Category.objects.create(name="Rambut")
    cut = Product.objects.create(kind="service", name="Potong rambut", price=80_000, category=hair)
    browser_sign_in(page, live_server.url, "owner")
    page.goto(f"{live_server.url}/loyalty/promotions/new/")

    def shown(name: str) -> bool:
        return page.locator(f"[name={name}]").is_visible()

    page.select_option("select[name=kind]", "bundle")
    assert shown("bundle_price") and shown("reward_product")
    assert not shown("discount_percent") and not shown("next_valid_days") and not shown("quantity")
    page.select_option("select[name=kind]", "next_discount")
    assert shown("discount_percent") and shown("next_valid_days")
    assert not shown("bundle_price") and not shown("reward_product")
    page.select_option("select[name=kind]", "buy_x_get_y")
    assert shown("reward_product") and shown("quantity") and not shown("bundle_price")
    page.fill("[name=name]", "Beli 2 gratis 1")
    page.select_option("select[name=product]", str(cut.pk))
    page.fill("[name=quantity]", "2")
    page.get_by_test_id("save-config").click()
    page.wait_for_url(f"{live_server.url}/loyalty/promotions/")
    promotion = Promotion.objects.get(name="Beli 2 gratis 1")
    assert (promotion.reward_product_id, promotion.quantity) == (cut.pk, 2)  # Y empty: X itself
