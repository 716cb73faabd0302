"""Cross-sell rules, ratios and next best offers on a small dataset counted by hand.

Products: Shampoo (A) and Conditioner (B) in Hair, Hair mask (C) in Care, Nail polish (D) in Nails.
Paid orders in the 365-day window up to TODAY (days before TODAY, products, total):

    c1: 100 {A, B} 20,000   50 {C} 30,000
    c2:  90 {A, B} 20,000   30 {C} 10,000
    c3:  80 {A}    10,000   20 {B} 10,000
    c4:  70 {D}    10,000
    c5:  60 {A, D} 10,000
    c6: 400 {A, B} 20,000 (before the window)   10 {D} 50,000
    c7:   5 {A, B, C} cancelled (never counts)

Bought together (orders): N = 9; n(A) = 4, n(B) = 3, n(C) = 2, n(D) = 3; A and B together in 2
orders, A and D in 1.
    A → B: support 2/9, confidence 2/4 = 0.5, lift 0.5 / (3/9) = 1.5
    B → A: support 2/9, confidence 2/3, lift (2/3) / (4/9) = 1.5
    A → D: 1 order (below the minimum count of 2); with a minimum of 1, its lift (1/4) / (3/9) = 0.75
    is below 1, so it is still not a rule.
Bought later (customers): N = 6; n(A) = 4, n(B) = 3, n(C) = 2, n(D) = 3. First X before last Y:
c1 and c2 A → C and B → C (A and B were bought the same day: neither is "later"), c3 A → B.
    A → C: support 2/6, confidence 2/4 = 0.5, lift 0.5 / (2/6) = 1.5
    B → C: support 2/6, confidence 2/3, lift (2/3) / (2/6) = 2.0
    A → B: 1 customer (below the minimum).
"""

import datetime as dt
from dataclasses import dataclass

import duckdb
import pytest
from django.urls import reverse

from setia.accounts.models import User
from setia.analytics import selectors
from setia.analytics.models import AnalyticsRun, AnalyticsSettings, AssociationRule
from setia.analytics.services import engine, extract, rules
from setia.analytics.tests import factories
from setia.catalog.models import Category, Product
from setia.conftest import PERSONAS, Business, client_for, persona_user
from setia.customers.models import Customer
from setia.sales.models import Order

TODAY = dt.date(2026, 6, 30)


def ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


@dataclass
class Shop:
    a: Product
    b: Product
    c: Product
    d: Product
    customers: list[Customer]


@pytest.fixture
def shop(business: Business) -> Shop:
    hair, care, nails = (Category.objects.create(name=name) for name in ("Hair", "Care", "Nails"))
    a, b = factories.products("Shampoo", "Conditioner", category=hair)
    (c,) = factories.products("Hair mask", category=care)
    (d,) = factories.products("Nail polish", category=nails)
    people = factories.customers(7)
    branch = business.branch_a
    plan = [
        (0, 100, [a, b], 20_000),
        (0, 50, [c], 30_000),
        (1, 90, [a, b], 20_000),
        (1, 30, [c], 10_000),
        (2, 80, [a], 10_000),
        (2, 20, [b], 10_000),
        (3, 70, [d], 10_000),
        (4, 60, [a, d], 10_000),
        (5, 400, [a, b], 20_000),
        (5, 10, [d], 50_000),
    ]
    for person, days, bought, total in plan:
        factories.order(people[person], ago(days), total, branch=branch, products=bought)
    factories.order(people[6], ago(5), 30_000, branch=branch, products=[a, b, c], status=Order.Status.CANCELLED)
    return Shop(a, b, c, d, people)


def _mine(min_count: int = 2, min_confidence: float = 0.05) -> dict[tuple[str, int, int], dict]:
    extract.extract(full=True)
    db = duckdb.connect()
    table = rules.association_rules(
        db, start=ago(364), end=TODAY, min_count=min_count, min_confidence=min_confidence
    ).to_pylist()
    return {(row["kind"], row["antecedent_id"], row["consequent_id"]): row for row in table}


def test_rules_support_confidence_lift_by_hand(shop: Shop) -> None:
    found = _mine()
    a, b, c = shop.a.pk, shop.b.pk, shop.c.pk
    assert set(found) == {("basket", a, b), ("basket", b, a), ("sequence", a, c), ("sequence", b, c)}
    expected = {
        ("basket", a, b): (2, 4, 3, 9, 2 / 9, 0.5, 1.5),
        ("basket", b, a): (2, 3, 4, 9, 2 / 9, 2 / 3, 1.5),
        ("sequence", a, c): (2, 4, 2, 6, 2 / 6, 0.5, 1.5),
        ("sequence", b, c): (2, 3, 2, 6, 2 / 6, 2 / 3, 2.0),
    }
    for key, (together, n_x, n_y, total, support, confidence, lift) in expected.items():
        row = found[key]
        assert (row["together"], row["antecedent_count"], row["consequent_count"], row["total"]) == (
            together,
            n_x,
            n_y,
            total,
        )
        assert row["support"] == pytest.approx(support)
        assert row["confidence"] == pytest.approx(confidence)
        assert row["lift"] == pytest.approx(lift)


def test_rules_thresholds(shop: Shop) -> None:
    # A minimum count of 1 admits single pairs, but lift must still be above 1: A → D (0.75) and
    # D → A ((1/3) / (4/9) = 0.75) stay out; A → B in sequence (1 customer, lift (1/4)/(3/6) = 0.5) too.
    loose = _mine(min_count=1)
    assert ("basket", shop.a.pk, shop.d.pk) not in loose
    assert ("basket", shop.d.pk, shop.a.pk) not in loose
    assert ("sequence", shop.a.pk, shop.b.pk) not in loose
    # A minimum confidence of 60% keeps only the rules with confidence 2/3.
    strict = _mine(min_confidence=0.6)
    assert set(strict) == {("basket", shop.b.pk, shop.a.pk), ("sequence", shop.b.pk, shop.c.pk)}


def test_cross_sell_and_up_sell_ratios_by_hand(shop: Shop) -> None:
    """From 50 days ago: existing customers (bought before and during) are c1, c2, c3, c6.
    Something new: c1 (Care), c2 (Care), c6 (Nails); c3 bought Hair again -> 3/4.
    Spending more per purchase day: c1 (30,000 > 20,000), c6 (50,000 > 20,000); c2 less, c3 equal
    -> 2/4."""
    extract.extract(full=True)
    result = rules.ratios(duckdb.connect(), start=ago(50), end=TODAY)
    assert result["existing_customers"] == 4
    assert (result["cross_sold"], result["cross_sell_ratio"]) == (3, 0.75)
    assert (result["up_sold"], result["up_sell_ratio"]) == (2, 0.5)


def test_refresh_stores_rules_and_ratios(shop: Shop) -> None:
    AnalyticsSettings.objects.update_or_create(pk=1, defaults={"rules_min_count": 2})
    result = engine.analytics_refresh(today=TODAY)
    assert result["figures"]["rules"] == {"basket": 2, "sequence": 2}
    # The RFM window (365 days) from TODAY: c6's purchase 400 days ago is before it.
    assert result["figures"]["ratios"]["existing_customers"] == 1  # c6 alone bought before and in it
    stored = AssociationRule.objects.get(kind="sequence", antecedent=shop.b, consequent=shop.c)
    assert (stored.together, stored.total) == (2, 6)
    assert stored.lift == pytest.approx(2.0)
    # A second refresh replaces the rules rather than adding to them.
    engine.analytics_refresh(today=TODAY)
    assert AssociationRule.objects.count() == 4


def test_next_best_offer_explains_itself(shop: Shop) -> None:
    AnalyticsSettings.objects.update_or_create(pk=1, defaults={"rules_min_count": 2})
    engine.analytics_refresh(today=TODAY)
    c3, c4, c5 = shop.customers[2], shop.customers[3], shop.customers[4]
    # c3 bought A and B: both lead to C later; B → C is the more confident rule (2/3).
    (offer,) = selectors.next_best_offers(c3.pk)
    assert (offer["product"], offer["because"], offer["kind"], offer["confidence_percent"], offer["lift"]) == (
        shop.c,
        shop.b,
        "sequence",
        67,
        2.0,
    )
    # c4 bought only D: no rule starts there.
    assert selectors.next_best_offers(c4.pk) == []
    # c5 bought A and D: B (with A, 50%) and C (after A, 50%) tie on confidence and lift: by name.
    assert [o["product"] for o in selectors.next_best_offers(c5.pk)] == [shop.b, shop.c]
    # At the cashier a walk-in with Shampoo in the cart is offered Conditioner (bought together).
    (walk_in,) = selectors.next_best_offers(None, cart=[shop.a.pk])
    assert (walk_in["product"], walk_in["in_cart"], walk_in["kind"]) == (shop.b, True, "basket")
    # Nothing already in the cart or bought is offered, nor a product no longer on sale.
    assert selectors.next_best_offers(c5.pk, cart=[shop.b.pk]) == [
        o for o in selectors.next_best_offers(c5.pk) if o["product"] != shop.b
    ]
    Product.objects.filter(pk=shop.c.pk).update(is_active=False)
    assert selectors.next_best_offers(c3.pk) == []


def test_rules_need_a_refresh(business: Business) -> None:
    assert AnalyticsRun.objects.count() == 0
    assert list(selectors.rules_query(business.analyst)) == []
    assert selectors.next_best_offers(None, cart=[]) == []


# --- Pages --------------------------------------------------------------------------------------

VIEW = {
    "anonymous": 302,
    "other_branch_front_office": 403,
    "same_branch_front_office": 403,
    "manager": 200,
    "owner": 200,
}


@pytest.fixture
def mined(shop: Shop) -> Shop:
    AnalyticsSettings.objects.update_or_create(pk=1, defaults={"rules_min_count": 2})
    engine.analytics_refresh(today=TODAY)
    AnalyticsRun.objects.create(
        status=AnalyticsRun.Status.DONE, figures={"ratios": {**_ratios(), "existing_customers": 4}}
    )
    User.objects.update(language="en")
    return shop


def _ratios() -> dict:
    return {
        "start": ago(50).isoformat(),
        "end": TODAY.isoformat(),
        "cross_sold": 3,
        "cross_sell_ratio": 0.75,
        "up_sold": 2,
        "up_sell_ratio": 0.5,
    }


@pytest.mark.parametrize("persona", PERSONAS)
def test_rules_page_needs_analytics_view(business: Business, mined: Shop, persona: str) -> None:
    client = client_for(persona_user(business, persona))
    response = client.get(reverse("analytics:rules"))
    assert response.status_code == VIEW[persona]


def test_rules_page_filters_sorts_and_makes_promotions(business: Business, mined: Shop) -> None:
    client = client_for(business.owner)
    page = client.get(reverse("analytics:rules")).content.decode()
    assert page.count('data-testid="rule-row"') == 4
    assert "Shampoo" in page and "Hair mask" in page and "67%" in page
    # Strongest first by lift: B → C (2.00) leads.
    first = client.get(reverse("analytics:rules")).context["page"].rows[0]
    assert (first.antecedent, first.consequent, first.kind) == (mined.b, mined.c, "sequence")
    together = client.get(reverse("analytics:rules"), {"kind": "basket"}).context["page"].rows
    assert {(r.antecedent_id, r.consequent_id) for r in together} == {
        (mined.a.pk, mined.b.pk),
        (mined.b.pk, mined.a.pk),
    }
    about_c = client.get(reverse("analytics:rules"), {"product": mined.c.pk}).context["page"].rows
    assert {r.consequent_id for r in about_c} == {mined.c.pk}
    strong = client.get(reverse("analytics:rules"), {"min_lift": "1,8"}).context["page"].rows
    assert [(r.antecedent_id, r.consequent_id) for r in strong] == [(mined.b.pk, mined.c.pk)]
    by_confidence = client.get(reverse("analytics:rules"), {"sort": "confidence"}).context["page"].rows
    assert by_confidence[0].confidence == pytest.approx(2 / 3)
    bad = client.get(reverse("analytics:rules"), {"min_lift": "lots", "sort": "nonsense", "product": "x"})
    assert bad.status_code == 200 and "Minimum lift: enter a number" in bad.content.decode()
    assert len(bad.context["page"].rows) == 4
    # "Make a promotion" opens the promotion form with both products chosen.
    assert 'data-testid="make-promotion"' in page
    form = client.get(
        reverse("loyalty:config_create", args=["promotions"]),
        {
            "kind": "buy_x_get_y",
            "product": str(mined.a.pk),
            "reward_product": str(mined.b.pk),
            "name": "Shampoo + Conditioner",
        },
    ).context["form"]
    assert form.initial == {
        "kind": "buy_x_get_y",
        "product": str(mined.a.pk),
        "reward_product": str(mined.b.pk),
        "name": "Shampoo + Conditioner",
    }


def test_rules_page_without_promotion_rights(business: Business, mined: Shop) -> None:
    page = client_for(business.analyst).get(reverse("analytics:rules")).content.decode()
    assert page.count('data-testid="rule-row"') == 4 and 'data-testid="make-promotion"' not in page


def test_rules_page_pages_through_many_rules(business: Business, mined: Shop) -> None:
    AssociationRule.objects.bulk_create(
        AssociationRule(
            kind="basket",
            antecedent=mined.d,
            consequent=mined.a,
            together=n + 2,
            antecedent_count=100,
            consequent_count=100,
            total=1000,
            support=0.001,
            confidence=0.5,
            lift=1.1,
        )
        for n in range(60)
    )
    client = client_for(business.owner)
    first = client.get(reverse("analytics:rules"))
    assert len(first.context["page"].rows) == 50 and first.context["page"].next_cursor
    second = client.get(reverse("analytics:rules"), {"after": first.context["page"].next_cursor})
    assert len(second.context["page"].rows) == 14
    assert not {r.pk for r in first.context["page"].rows} & {r.pk for r in second.context["page"].rows}


def test_dashboard_shows_top_rules_and_ratios(business: Business, mined: Shop) -> None:
    html = client_for(business.owner).get(reverse("analytics:dashboard")).content.decode()
    assert 'data-testid="top-rules"' in html and "Hair mask" in html
    assert 'data-testid="cross-sell-ratio">75.0%' in html and 'data-testid="up-sell-ratio">50.0%' in html
    assert "4 existing customers bought from" in html


def test_customer_page_shows_the_next_best_offer(business: Business, mined: Shop) -> None:
    c3 = mined.customers[2]
    Customer.objects.filter(pk=c3.pk).update(home_branch=business.branch_a)
    html = client_for(business.owner).get(reverse("customers:detail", args=[c3.pk])).content.decode()
    assert 'data-testid="offers-panel"' in html
    assert "Hair mask" in html and "67% of those who bought Conditioner bought it later" in html
    offer = html.split('data-testid="offer"')[1].split("</li>")[0]
    assert "\u00d7 likelier than for anyone" in offer  # in words; the lift itself on hover
    # A customer with nothing to offer has no panel.
    c4 = mined.customers[3]
    html = client_for(business.owner).get(reverse("customers:detail", args=[c4.pk])).content.decode()
    assert 'data-testid="offers-panel"' not in html


def test_cashier_offers_and_adds_the_next_best_product(business: Business, mined: Shop) -> None:
    client = client_for(business.cashier_a)
    url = reverse("sales:cashier")
    cart = {
        "branch": business.branch_a.pk,
        "line_product": [mined.a.pk],
        "line_quantity": ["1"],
        "line_price": [str(mined.a.price)],
        "line_description": [mined.a.name],
        "line_staff": [""],
        "pay_method": ["cash"],
        "pay_amount": ["0"],
    }
    html = client.post(url, cart).content.decode()
    assert 'data-testid="next-best-offers"' in html
    assert "Conditioner" in html and "Often bought with Shampoo (in 50% of the orders with it)" in html
    added = client.post(url, {**cart, "action": f"add:{mined.b.pk}"})
    assert [line.product_id for line in added.context["lines"]] == [mined.a.pk, mined.b.pk]
    assert added.context["offers"] == []  # nothing left to offer with both in the cart


# --- API ----------------------------------------------------------------------------------------


def _key(user: User) -> dict[str, str]:
    from setia.accounts.services import api_key_create

    _record, key = api_key_create(actor=user, name="test")
    return {"Authorization": f"Bearer {key}"}


def test_api_rules_offers_scores_summary_and_refresh(
    business: Business, mined: Shop, django_capture_on_commit_callbacks
) -> None:
    web = client_for(None)
    headers = _key(business.analyst)
    rules_page = web.get("/api/v1/analytics/rules", {"kind": "sequence", "limit": "1"}, headers=headers).json()
    (top,) = rules_page["items"]
    assert (top["antecedent"]["name"], top["consequent"]["name"], top["together"], top["total"]) == (
        "Conditioner",
        "Hair mask",
        2,
        6,
    )
    assert top["lift"] == pytest.approx(2.0) and rules_page["next_cursor"]
    rest = web.get(
        "/api/v1/analytics/rules", {"kind": "sequence", "after": rules_page["next_cursor"]}, headers=headers
    ).json()
    assert [r["antecedent"]["name"] for r in rest["items"]] == ["Shampoo"] and rest["next_cursor"] is None
    bad = web.get("/api/v1/analytics/rules", {"kind": "weekly"}, headers=headers)
    assert bad.status_code == 400 and "kind" in bad.json()["extra"]

    c3 = mined.customers[2]
    Customer.objects.filter(pk=c3.pk).update(home_branch=business.branch_a)
    offers = web.get(f"/api/v1/analytics/customers/{c3.pk}/offers", headers=headers).json()
    assert [(o["product"]["name"], o["because"]["name"], o["kind"]) for o in offers["items"]] == [
        ("Hair mask", "Conditioner", "sequence")
    ]
    assert offers["items"][0]["reason"] == "67% of those who bought Conditioner bought it later"
    with_cart = web.get(
        f"/api/v1/analytics/customers/{c3.pk}/offers", {"cart": f"{mined.c.pk}"}, headers=headers
    ).json()
    assert with_cart["items"] == []  # the only offer is already in the basket

    scores = web.get(f"/api/v1/analytics/customers/{c3.pk}", headers=headers).json()
    assert scores["scored"] is True and scores["frequency"] == 2 and scores["monetary"] == 20_000
    assert {c["name"] for c in scores["loyalty_components"]} == {
        "regularity",
        "feedback",
        "breadth",
        "staying",
        "referrals",
    }
    summary = web.get("/api/v1/analytics/summary", headers=headers).json()
    assert summary["run"]["status"] == "done" and summary["figures"]["ratios"]["cross_sell_ratio"] == 0.75

    with django_capture_on_commit_callbacks() as callbacks:
        queued = web.post("/api/v1/analytics/refresh", headers=headers)
    assert queued.status_code == 202 and queued.json()["status"] == "queued" and len(callbacks) == 1
    run = web.get(f"/api/v1/analytics/runs/{queued.json()['id']}", headers=headers).json()
    assert run["status"] == "queued"
    assert web.get("/api/v1/analytics/runs/999999", headers=headers).status_code == 404


@pytest.mark.parametrize("persona", PERSONAS)
def test_api_permissions(business: Business, mined: Shop, persona: str) -> None:
    user = persona_user(business, persona)
    web = client_for(None)
    headers = _key(user) if user else {}
    c3 = mined.customers[2]
    Customer.objects.filter(pk=c3.pk).update(home_branch=business.branch_a)
    analytics = {"anonymous": 401, "manager": 200, "owner": 200}.get(persona, 403)
    for url in ("/api/v1/analytics/rules", "/api/v1/analytics/summary", f"/api/v1/analytics/customers/{c3.pk}"):
        assert web.get(url, headers=headers).status_code == analytics, url
    # Offers follow who may see the customer (branch A's front office and above), like the 360° page.
    offers = {"anonymous": 401, "other_branch_front_office": 404}.get(persona, 200)
    assert web.get(f"/api/v1/analytics/customers/{c3.pk}/offers", headers=headers).status_code == offers
    run = {"anonymous": 401, "manager": 202, "owner": 202}.get(persona, 403)
    assert web.post("/api/v1/analytics/refresh", headers=headers).status_code == run
