"""Cross-selling from the purchases: the marketer finds the strongest "bought together" rule on
the rules page and turns it into a promotion; the cashier serving a customer sees what to offer
her next, with the reason, and adds it to the sale in one click."""

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone

from setia.accounts.models import Branch
from setia.analytics.models import AnalyticsSettings, AssociationRule
from setia.analytics.services import engine
from setia.analytics.tests import factories
from setia.catalog.models import Category
from setia.conftest import browser_sign_in, make_user
from setia.loyalty.models import Promotion

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_marketer_builds_a_promotion_from_a_rule_and_the_cashier_offers_the_next_product(
    page: Any, live_server: Any
) -> None:
    branch = Branch.objects.create(name="Kemang", code="kmg")
    make_user("mega", "marketing", first_name="Mega")
    make_user("kasir", "cashier", branch, first_name="Rina")
    hair = Category.objects.create(name="Rambut")
    creambath, mask, haircut, manicure = factories.products(
        "Creambath", "Masker rambut", "Potong rambut", "Manicure", category=hair
    )
    today = timezone.localdate()
    for other in factories.customers(4, prefix="Tamu"):  # customers who only come for their nails
        factories.order(other, today - dt.timedelta(days=20), 75_000, branch=branch, products=[manicure])
    people = factories.customers(8, prefix="Pelanggan")
    for index, person in enumerate(people):
        person.home_branch = branch
        person.save(update_fields=["home_branch"])
        # Six of eight take the mask home with their creambath; everyone has a haircut a month later.
        first = [creambath, mask] if index < 6 else [creambath]
        factories.order(person, today - dt.timedelta(days=60), 250_000, branch=branch, products=first)
        if index < 7:
            factories.order(person, today - dt.timedelta(days=30), 85_000, branch=branch, products=[haircut])
    sari = people[7]  # bought a creambath only, no haircut yet
    AnalyticsSettings.objects.update_or_create(pk=1, defaults={"rules_min_count": 3})
    engine.analytics_refresh(today=today)
    assert AssociationRule.objects.filter(kind="basket", antecedent=creambath, consequent=mask).exists()

    # The marketer reads the rules and makes "buy a creambath, get the mask" from the strongest one.
    browser_sign_in(page, live_server.url, "mega")
    page.locator('[data-nav="analytics"]').click()
    page.get_by_test_id("rules-page-link").click()
    page.wait_for_url(re.compile(r".*/analytics/rules/$"))
    page.select_option("#kind", "basket")
    page.select_option("#product", label="Creambath")
    page.get_by_role("button", name="Tampilkan").click()
    page.wait_for_url(re.compile(r".*kind=basket.*"))
    rows = page.get_by_test_id("rule-row")
    assert rows.count() == 2  # creambath → mask and mask → creambath
    rule = rows.filter(has_text="Masker rambut").filter(has=page.locator("td:first-child", has_text="Creambath"))
    assert rule.get_by_test_id("rule-confidence").inner_text() == "75%"  # 6 of 8 creambath orders
    assert "dibeli bersama" in rule.inner_text()
    rule.get_by_test_id("make-promotion").click()
    page.wait_for_url(re.compile(r".*/loyalty/promotions/new/\?.*"))
    assert page.locator("#id_name").input_value() == "Creambath + Masker rambut"
    assert page.locator("#id_product option:checked").inner_text() == "Creambath"
    assert page.locator("#id_reward_product option:checked").inner_text() == "Masker rambut"
    page.get_by_test_id("save-config").click()
    page.get_by_test_id("config-table").wait_for()
    assert "Creambath + Masker rambut" in page.get_by_test_id("config-table").inner_text()
    promotion = Promotion.objects.get()
    assert (promotion.product, promotion.reward_product, promotion.kind) == (creambath, mask, "buy_x_get_y")

    # The cashier serves Sari: the 360° page and the till both say what to offer her next, and why.
    browser_sign_in(page, live_server.url, "kasir")
    page.goto(f"{live_server.url}/customers/{sari.pk}/")
    panel = page.get_by_test_id("offers-panel")
    assert "Potong rambut" in panel.inner_text()
    page.get_by_test_id("new-sale").click()
    page.wait_for_url(re.compile(r".*/cashier/\?customer=\d+$"))
    offers = page.get_by_test_id("next-best-offers")
    offer = offers.get_by_test_id("offer").filter(has_text="Potong rambut")
    assert "pembeli Creambath membelinya kemudian" in offer.inner_text()
    offer.get_by_test_id("add-offer").click()
    page.get_by_test_id("cart-line").filter(has_text="Potong rambut").wait_for()
    assert page.get_by_test_id("cart-line").count() == 1
    # Once in the cart it is no longer offered.
    assert page.get_by_test_id("next-best-offers").count() == 0 or "Potong rambut" not in (
        page.get_by_test_id("next-best-offers").inner_text()
    )
