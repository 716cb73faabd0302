"""Monthly acquisition cohorts: sizes, retention and revenue per month since the first purchase on a
small dataset computed by hand, and the two heat maps on the analytics page."""

import datetime as dt

from django.urls import reverse

from setia.accounts.models import User
from setia.analytics.models import AnalyticsRun
from setia.analytics.services import engine
from setia.analytics.tests import factories
from setia.conftest import Business, client_for
from setia.sales.models import Order

TODAY = dt.date(2026, 6, 15)
D = dt.date


def _dataset(business: Business) -> None:
    a, b, c, d, e = factories.customers(5)
    branch = business.branch_a
    # A: joins in April, buys twice in May (one cohort customer, 70,000 in May).
    factories.order(a, D(2026, 4, 3), 100_000, branch=branch)
    factories.order(a, D(2026, 5, 10), 50_000, branch=branch)
    factories.order(a, D(2026, 5, 20), 20_000, branch=branch)
    # B: joins in April; a wholly refunded order in May does not count; a partly refunded one in
    # June counts with its net value (80,000 - 30,000).
    factories.order(b, D(2026, 4, 20), 200_000, branch=branch)
    factories.order(b, D(2026, 5, 5), 90_000, branch=branch, status=Order.Status.REFUNDED, refunded=90_000)
    factories.order(b, D(2026, 6, 2), 80_000, branch=branch, status=Order.Status.PARTLY_REFUNDED, refunded=30_000)
    # C: a refunded order in March is not a first purchase: C joins in May.
    factories.order(c, D(2026, 3, 15), 40_000, branch=branch, status=Order.Status.REFUNDED, refunded=40_000)
    factories.order(c, D(2026, 5, 1), 70_000, branch=branch)
    factories.order(c, D(2026, 6, 10), 30_000, branch=branch)
    factories.order(c, D(2026, 6, 11), 10_000, branch=branch, status=Order.Status.PLACED)  # not paid
    # D: joined in 2024, outside the 12 months; her May purchase is in no cohort shown.
    factories.order(d, D(2024, 12, 1), 10_000, branch=branch)
    factories.order(d, D(2026, 5, 2), 10_000, branch=branch)
    # E: her only purchase is after today: not counted.
    factories.order(e, D(2026, 6, 20), 10_000, branch=branch)


def test_cohort_sizes_retention_and_revenue_by_hand(business: Business) -> None:
    _dataset(business)
    result = engine.analytics_refresh(today=TODAY)
    cohorts = result["figures"]["cohorts"]
    assert "cohorts" in result["timings"]
    assert [c["month"] for c in cohorts] == [
        f"{year}-{month:02d}-01" for year, month in [(2025, m) for m in range(7, 13)] + [(2026, m) for m in range(1, 7)]
    ]
    by_month = {c["month"]: c for c in cohorts}
    cells = {
        month: (c["customers"], [(m["offset"], m["customers"], m["revenue"]) for m in c["months"]])
        for month, c in by_month.items()
    }
    assert cells["2026-04-01"] == (2, [(0, 2, 300_000), (1, 1, 70_000), (2, 1, 50_000)])
    assert cells["2026-05-01"] == (1, [(0, 1, 70_000), (1, 1, 30_000)])
    assert cells["2026-06-01"] == (0, [(0, 0, 0)])  # E's purchase is after today
    assert cells["2026-03-01"] == (0, [(0, 0, 0), (1, 0, 0), (2, 0, 0), (3, 0, 0)])  # refunds are no purchase
    assert cells["2025-07-01"][0] == 0 and len(cells["2025-07-01"][1]) == 12  # offsets 0-11 only
    assert sum(c["customers"] for c in cohorts) == 3  # D joined in 2024


def test_page_shows_the_cohort_heat_maps(business: Business) -> None:
    _dataset(business)
    run = AnalyticsRun.objects.create()
    engine.analytics_run_execute(run.pk, today=TODAY)
    owner = User.objects.get(pk=business.owner.pk)
    owner.language = "en"
    owner.save(update_fields=["language"])
    html = client_for(owner).get(reverse("analytics:home")).content.decode()
    assert 'data-testid="cohort-retention"' in html and 'data-testid="cohort-revenue"' in html
    assert "Apr 2026" in html and "cohorts-empty" not in html
    # Retention: April cohort 100%, 50%, 50%; May cohort 100%, 100%.
    for cell, shown in [("2026-04-0", "100%"), ("2026-04-1", "50%"), ("2026-04-2", "50%"), ("2026-05-1", "100%")]:
        assert f'data-testid="retention-{cell}">{shown}</td>' in html, cell
    assert 'data-testid="retention-2026-05-2"' not in html  # July has not begun
    # Revenue per cohort customer: April 300,000 / 2, 70,000 / 2, 50,000 / 2; May 70,000, 30,000.
    for cell, shown in [
        ("2026-04-0", "Rp 150,000"),
        ("2026-04-1", "Rp 35,000"),
        ("2026-04-2", "Rp 25,000"),
        ("2026-05-0", "Rp 70,000"),
        ("2026-05-1", "Rp 30,000"),
    ]:
        assert f'data-testid="revenue-{cell}">{shown}</td>' in html, cell
    assert 'title="Total Rp 300,000"' in html
    # The strongest revenue cell is the darkest; shading is a CSS number whatever the language.
    assert "rgba(25, 135, 84, 0.85)" in html and "rgba(13, 110, 253, 0.85)" in html
    # The dashboard shows the same heat maps.
    dashboard = client_for(owner).get(reverse("analytics:dashboard")).content.decode()
    assert 'data-testid="retention-2026-04-1">50%</td>' in dashboard
    assert 'data-testid="revenue-2026-05-1">Rp 30,000</td>' in dashboard
    owner.language = "id"
    owner.save(update_fields=["language"])
    indonesian = client_for(owner).get(reverse("analytics:home")).content.decode()
    assert "Mei 2026" in indonesian and "rgba(25, 135, 84, 0.85)" in indonesian


def test_cohorts_empty_state(business: Business) -> None:
    factories.order(factories.customers(1)[0], D(2024, 1, 10), 10_000, branch=business.branch_a)
    run = AnalyticsRun.objects.create()
    engine.analytics_run_execute(run.pk, today=TODAY)
    owner = User.objects.get(pk=business.owner.pk)
    owner.language = "en"
    owner.save(update_fields=["language"])
    html = client_for(owner).get(reverse("analytics:home")).content.decode()
    assert 'data-testid="cohorts-empty"' in html and 'data-testid="cohort-retention"' not in html
