"""The "Pelanggan" dashboard: who may see it, the lifetime value histogram, the churn list and the
empty state."""

import pytest
from django.urls import reverse
from django.utils import timezone

from setia.accounts.models import User
from setia.analytics import rfm, selectors
from setia.analytics.models import AnalyticsRun, CustomerScore
from setia.analytics.tests import factories
from setia.analytics.tests.test_pages import VIEW, _user
from setia.conftest import PERSONAS, Business, client_for
from setia.customers.models import Customer

# (name, predicted value, churn risk, home branch "a" or "b")
SCORES = [
    ("Ani", 0, 0.8, "a"),
    ("Budi", 50, 0.2, "a"),
    ("Citra", 99, None, "a"),
    ("Dewi", 100, 1.0, "a"),
    ("Eka", 350, 0.4, "a"),
    ("Fajar", 420, 0.95, "a"),
    ("Gita", 799, 0.9, "a"),
    ("Hadi", 799, 0.5, "a"),
    ("Indah", None, 0.99, "a"),
    ("Joko", 700, 0.9, "b"),
]


def _score(customer: Customer, predicted: int | None, churn: float | None) -> CustomerScore:
    today = timezone.localdate()
    return CustomerScore(
        customer=customer,
        first_purchase=today,
        last_purchase=today,
        recency_days=0,
        frequency=1,
        monetary=1,
        r_score=3,
        f_score=3,
        m_score=3,
        fm_score=3,
        rfm_segment=rfm.CHAMPIONS,
        historic_value=1,
        churn_risk=churn,
        predicted_value=predicted,
        loyalty_index=0,
        loyalty_regularity=0,
        loyalty_feedback=0,
        loyalty_breadth=0,
        loyalty_staying=0,
        loyalty_referrals=0,
        purchase_days=1,
        categories_bought=0,
        referrals_made=0,
        computed_at=timezone.now(),
    )


@pytest.fixture
def scored(business: Business) -> dict[str, Customer]:
    AnalyticsRun.objects.create(
        status=AnalyticsRun.Status.DONE,
        finished_at=timezone.now(),
        figures={"segments": [{"segment": rfm.CHAMPIONS, "customers": 10, "revenue": 1_250_000}]},
    )
    customers = {}
    for name, _predicted, _churn, branch in SCORES:
        customer = factories.customers(1, prefix=name)[0]
        customer.home_branch = business.branch_a if branch == "a" else business.branch_b
        customer.save(update_fields=["home_branch"])
        customers[name] = customer
    CustomerScore.objects.bulk_create(
        [_score(customers[name], predicted, churn) for name, predicted, churn, _ in SCORES]
    )
    return customers


@pytest.mark.parametrize("persona", [*PERSONAS, "marketing", "analyst"])
def test_dashboard_needs_analytics_view(business: Business, persona: str) -> None:
    response = client_for(_user(business, persona)).get(reverse("analytics:dashboard"))
    assert response.status_code == {**VIEW, "marketing": 200, "analyst": 200}[persona]
    if persona == "anonymous":
        assert response["Location"].startswith(reverse("account_login"))


def test_histogram_counts_in_eight_equal_ranges(scored: dict[str, Customer]) -> None:
    # 0..799 in 8 ranges of 100; the customer without a predicted value is not counted.
    histogram = selectors.clv_histogram()
    assert [(row["start"], row["end"]) for row in histogram] == [(n * 100, n * 100 + 99) for n in range(8)]
    assert [row["customers"] for row in histogram] == [3, 1, 0, 1, 1, 0, 0, 3]


def test_churn_list_orders_by_value_at_stake_among_visible_customers(
    business: Business, scored: dict[str, Customer]
) -> None:
    owner = User.objects.get(pk=business.owner.pk)
    manager = User.objects.get(pk=business.manager.pk)
    # 799 x 0.9, 700 x 0.9, 799 x 0.5, 420 x 0.95, 100 x 1.0, 0 x 0.8; Budi and Eka are below 50%.
    expected = ["Gita", "Joko", "Hadi", "Fajar", "Dewi", "Ani"]
    assert [score.customer.name for score in selectors.churn_risks(owner)] == [f"{n} 1" for n in expected]
    # The manager of branch A does not see Joko (branch B).
    assert [s.customer.name for s in selectors.churn_risks(manager)] == [f"{n} 1" for n in expected if n != "Joko"]


def test_dashboard_page_shows_segments_histogram_and_churn_links(
    business: Business, scored: dict[str, Customer]
) -> None:
    html = client_for(_user(business, "analyst")).get(reverse("analytics:dashboard")).content.decode()
    assert 'data-testid="dashboard-empty"' not in html
    assert 'id="analytics-charts"' in html and 'id="chart-clv"' in html
    assert 'data-testid="clv-bucket-7">3<' in html and 'data-testid="clv-bucket-2">0<' in html
    assert rfm.segment_label(rfm.CHAMPIONS) in html
    gita = scored["Gita"]
    assert f'href="{reverse("customers:detail", args=[gita.pk])}"' in html
    assert html.index(f'data-testid="churn-{gita.pk}"') < html.index(f'data-testid="churn-{scored["Ani"].pk}"')
    assert f'data-testid="churn-{scored["Budi"].pk}"' not in html
    assert 'data-testid="cohorts"' in html  # the cohort heat maps, as on the analytics page


def test_dashboard_empty_state_before_the_first_refresh(business: Business) -> None:
    html = client_for(_user(business, "owner")).get(reverse("analytics:dashboard")).content.decode()
    assert 'data-testid="dashboard-empty"' in html and 'data-testid="churn-list"' not in html


def test_analytics_home_links_to_the_dashboard(business: Business) -> None:
    html = client_for(_user(business, "marketing")).get(reverse("analytics:home")).content.decode()
    assert f'href="{reverse("analytics:dashboard")}"' in html
