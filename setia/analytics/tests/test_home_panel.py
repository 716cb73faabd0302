"""The home page's "Customers to win back": good customers of the quiet segments, the biggest
spenders first, among the customers the viewer may see."""

import datetime as dt

import pytest
from django.utils import timezone

from setia.analytics import rfm
from setia.analytics.models import CustomerScore
from setia.analytics.selectors import has_scores, win_back
from setia.conftest import Business, client_for
from setia.customers.models import Customer

pytestmark = pytest.mark.django_db


def _score(customer: Customer, segment: str, spent: int, days_ago: int) -> CustomerScore:
    today = timezone.localdate()
    last = today - dt.timedelta(days=days_ago)
    values = dict.fromkeys(
        ("frequency", "r_score", "f_score", "m_score", "fm_score", "loyalty_index", "loyalty_regularity"), 1
    )
    values |= dict.fromkeys(
        ("loyalty_feedback", "loyalty_breadth", "loyalty_staying", "loyalty_referrals", "referrals_made"), 0
    )
    return CustomerScore.objects.create(
        customer=customer,
        first_purchase=last,
        last_purchase=last,
        recency_days=days_ago,
        monetary=spent,
        rfm_segment=segment,
        historic_value=spent,
        purchase_days=1,
        categories_bought=1,
        computed_at=timezone.now(),
        **values,
    )


def test_the_quiet_good_customers_come_biggest_spender_first_within_the_viewer_s_branches(
    business: Business,
) -> None:
    made = {
        name: Customer.objects.create(name=name, home_branch=branch)
        for name, branch in (
            ("Ayu", business.branch_a),
            ("Budi", business.branch_a),
            ("Citra", business.branch_b),
            ("Dewi", business.branch_a),
        )
    }
    _score(made["Ayu"], rfm.AT_RISK, 500_000, 120)
    _score(made["Budi"], rfm.CANNOT_LOSE, 2_000_000, 200)
    _score(made["Citra"], rfm.ABOUT_TO_SLEEP, 900_000, 60)
    _score(made["Dewi"], rfm.CHAMPIONS, 5_000_000, 3)  # not quiet
    assert [row.customer.name for row in win_back(business.owner)] == ["Budi", "Citra", "Ayu"]
    assert [row.customer.name for row in win_back(business.manager)] == ["Budi", "Ayu"]  # Kemang only

    page = client_for(business.owner).get("/").content.decode()
    panel = page.split('data-testid="home-win-back"')[1].split("card-footer")[0]
    assert panel.index("Budi") < panel.index("Citra") < panel.index("Ayu") and "Dewi" not in panel
    assert "200 hari" in panel  # Budi's last visit, in days


def test_the_panel_needs_analytics_and_says_when_nothing_is_scored(business: Business) -> None:
    assert 'data-testid="home-win-back"' not in client_for(business.cashier_a).get("/").content.decode()
    page = client_for(business.analyst).get("/").content.decode()
    assert 'data-testid="home-win-back"' in page
    assert 'data-testid="win-back-' not in page  # no scores yet: the empty state instead
    assert not has_scores() and "Analitik pelanggan belum dihitung." in page
    _score(Customer.objects.create(name="Eka", home_branch=business.branch_a), rfm.CHAMPIONS, 100_000, 1)
    page = client_for(business.analyst).get("/").content.decode()
    assert has_scores() and 'data-testid="win-back-' not in page  # scored, but nobody has gone quiet
    assert "Tidak ada pelanggan baik yang menghilang." in page and "belum dihitung" not in page
