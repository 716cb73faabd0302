"""The analytics page, its endpoints and the 360° panel: who may see and do what."""

import datetime as dt

import pytest
from django.urls import reverse

from setia.accounts.models import User
from setia.analytics.models import AnalyticsRun, AnalyticsSettings, CustomerScore
from setia.analytics.services import engine
from setia.analytics.tests import factories
from setia.conftest import PERSONAS, Business, client_for, make_user, persona_user
from setia.core.models import AuditEvent

TODAY = dt.date(2026, 6, 30)
VIEW = {
    "anonymous": 302,
    "other_branch_front_office": 403,
    "same_branch_front_office": 403,
    "manager": 200,
    "owner": 200,
}


def _user(business: Business, persona: str) -> User | None:
    user = make_user("marketing", "marketing") if persona == "marketing" else None
    User.objects.update(language="en")  # pages in English, for exact assertions
    if persona == "analyst":
        user = User.objects.get(pk=business.analyst.pk)
    elif persona != "marketing":
        found = persona_user(business, persona)
        user = User.objects.get(pk=found.pk) if found else None
    return user


@pytest.mark.parametrize("persona", [*PERSONAS, "marketing", "analyst"])
def test_analytics_page_and_status_need_analytics_view(business: Business, persona: str) -> None:
    client = client_for(_user(business, persona))
    expected = {**VIEW, "marketing": 200, "analyst": 200}[persona]
    for name in ("analytics:home", "analytics:status"):
        assert client.get(reverse(name)).status_code == expected, name


@pytest.mark.parametrize("persona", [*PERSONAS, "marketing", "analyst"])
def test_refresh_and_settings_need_analytics_run(
    business: Business, persona: str, django_capture_on_commit_callbacks
) -> None:
    client = client_for(_user(business, persona))
    expected = {**VIEW, "marketing": 403, "analyst": 200}[persona]
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("analytics:refresh"), HTTP_HX_REQUEST="true")
    # An anonymous HTMX request is told to go to the sign-in page (204 with HX-Redirect).
    assert response.status_code == (204 if persona == "anonymous" else expected)
    assert AnalyticsRun.objects.count() == (1 if expected == 200 else 0)
    assert len(callbacks) == (1 if expected == 200 else 0)  # the job is enqueued on commit
    settings_page = client.get(reverse("analytics:settings"))
    assert settings_page.status_code == expected


def test_refresh_now_queues_one_run_and_shows_progress(business: Business, django_capture_on_commit_callbacks) -> None:
    client = client_for(_user(business, "owner"))
    with django_capture_on_commit_callbacks() as callbacks:
        first = client.post(reverse("analytics:refresh"), HTTP_HX_REQUEST="true")
        client.post(reverse("analytics:refresh"), HTTP_HX_REQUEST="true")
    run = AnalyticsRun.objects.get()  # the second click finds the queued run
    assert len(callbacks) == 1 and run.status == AnalyticsRun.Status.QUEUED and run.requested_by == business.owner
    assert 'hx-trigger="every 1s"' in first.content.decode()
    assert AuditEvent.objects.filter(action="analytics.refresh").count() == 1
    AnalyticsRun.objects.filter(pk=run.pk).update(status=AnalyticsRun.Status.RUNNING, progress=42, step="rfm")
    status = client.get(reverse("analytics:status"), {"watching": run.pk})
    assert 'aria-valuenow="42"' in status.content.decode() and "HX-Refresh" not in status
    AnalyticsRun.objects.filter(pk=run.pk).update(status=AnalyticsRun.Status.DONE, progress=100)
    finished = client.get(reverse("analytics:status"), {"watching": run.pk})
    assert finished["HX-Refresh"] == "true"


def test_refresh_requires_post(business: Business) -> None:
    assert client_for(_user(business, "owner")).get(reverse("analytics:refresh")).status_code == 405


def test_page_shows_the_grid_segments_and_fit(business: Business) -> None:
    customers = factories.customers(3)
    for n, customer in enumerate(customers):
        factories.order(customer, TODAY - dt.timedelta(days=10 * (n + 1)), 100_000 * (n + 1), branch=business.branch_a)
    run = AnalyticsRun.objects.create()
    engine.analytics_run_execute(run.pk, today=TODAY)
    page = client_for(_user(business, "analyst")).get(reverse("analytics:home"))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="rfm-grid"' in html and 'id="chart-segments"' in html
    assert "Champions" in html and "Scores of 3 customers" in html
    assert "The model could not be fitted yet" in html  # 3 customers are too few
    # Why, in words (the library's own message only on hover); the refresh's steps by name.
    assert "0 customers have purchases in the calibration window and 0 of them came back" in html
    assert "reading purchases" in html and "saving the scores" in html


def test_a_fit_that_does_not_converge_is_explained_in_words(
    business: Business, monkeypatch: pytest.MonkeyPatch
) -> None:
    from setia.analytics.services import clv

    def no_fit(*args: object, **kwargs: object) -> None:
        raise clv.ClvNotFitted("BG/NBD did not converge: singular matrix", reason="no_convergence")

    monkeypatch.setattr(clv, "fit", no_fit)
    customer = factories.customers(1)[0]
    factories.order(customer, TODAY - dt.timedelta(days=3), 100_000, branch=business.branch_a)
    engine.analytics_run_execute(AnalyticsRun.objects.create().pk, today=TODAY)
    html = client_for(_user(business, "analyst")).get(reverse("analytics:home")).content.decode()
    assert "the purchase model found no stable fit for this history" in html
    assert 'title="BG/NBD did not converge: singular matrix"' in html


def test_settings_are_validated_and_saved(business: Business) -> None:
    client = client_for(_user(business, "owner"))
    url = reverse("analytics:settings")
    bad = client.post(url, {"rfm_window_days": "3", "clv_time_unit": "day", "clv_holdout_days": "90"})
    assert bad.status_code == 200 and "rfm_window_days" in bad.context["form"].errors
    assert not AnalyticsSettings.objects.filter(rfm_window_days=3).exists()
    rules = {"rules_min_count": "3", "rules_min_confidence": "10"}
    zero = client.post(
        url,
        {
            "rfm_window_days": "180",
            "clv_time_unit": "week",
            "clv_holdout_days": "60",
            "rules_min_count": "3",
            "rules_min_confidence": "0",
        },
    )
    assert zero.status_code == 200 and "rules_min_confidence" in zero.context["form"].errors
    good = client.post(url, {"rfm_window_days": "180", "clv_time_unit": "week", "clv_holdout_days": "60", **rules})
    assert good.status_code == 302
    saved = AnalyticsSettings.objects.get(pk=1)
    assert (saved.rfm_window_days, saved.clv_time_unit, saved.clv_holdout_days) == (180, "week", 60)
    assert (saved.rules_min_count, saved.rules_min_confidence) == (3, 10)
    assert AuditEvent.objects.filter(action="analytics.settings").count() == 1


@pytest.mark.parametrize("persona", [*PERSONAS, "analyst"])
def test_customer_panel_explains_the_loyalty_index(business: Business, persona: str) -> None:
    (customer,) = factories.customers(1)
    customer.home_branch = business.branch_a
    customer.save(update_fields=["home_branch"])
    for days in (90, 60, 30):
        factories.order(customer, TODAY - dt.timedelta(days=days), 50_000, branch=business.branch_a)
    engine.analytics_refresh(today=TODAY)
    score = CustomerScore.objects.get(customer=customer)
    assert (score.loyalty_regularity, score.loyalty_index) == (100, 67)  # (30 x 100 + 15 x 0) / 45
    response = client_for(_user(business, persona)).get(reverse("customers:detail", args=[customer.pk]))
    html = response.content.decode()
    shown = persona in ("manager", "owner", "analyst")
    if persona in ("anonymous", "other_branch_front_office"):
        assert response.status_code == (302 if persona == "anonymous" else 404)
        return
    assert response.status_code == 200
    assert ('data-testid="analytics-panel"' in html) is shown
    if shown:
        assert 'data-testid="loyalty-index">67<' in html
        assert 'data-testid="component-regularity"' in html and "not counted until surveys exist" in html


def test_customer_panel_says_why_regular_purchases_score_nothing(business: Business) -> None:
    (customer,) = factories.customers(1)
    customer.home_branch = business.branch_a
    customer.save(update_fields=["home_branch"])
    for days in (302, 301, 300, 1):  # gaps of 1, 1 and 299 days: far from a steady rhythm
        factories.order(customer, TODAY - dt.timedelta(days=days), 50_000, branch=business.branch_a)
    engine.analytics_refresh(today=TODAY)
    score = CustomerScore.objects.get(customer=customer)
    assert (score.purchase_days, score.loyalty_regularity) == (4, 0)
    client = client_for(business.owner)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    regularity = html.split('data-testid="component-regularity"')[1].split("</tr>")[0]
    assert "4 purchase days" in regularity and "the gaps between them vary too much" in regularity
    breadth = html.split('data-testid="component-breadth"')[1].split("</tr>")[0]
    assert "categories bought (" in breadth and "= full score)" in breadth


def test_customer_panel_says_why_a_one_time_buyer_s_churn_risk_reads_low(business: Business) -> None:
    lapsed, regular = factories.customers(2)
    for customer in (lapsed, regular):
        customer.home_branch = business.branch_a
        customer.save(update_fields=["home_branch"])
    factories.order(lapsed, TODAY - dt.timedelta(days=400), 50_000, branch=business.branch_a)
    for days in (90, 60, 30):
        factories.order(regular, TODAY - dt.timedelta(days=days), 50_000, branch=business.branch_a)
    engine.analytics_refresh(today=TODAY)
    # Two customers are too few to fit the model: give both the low risk it gives a one-time buyer.
    CustomerScore.objects.filter(customer__in=[lapsed, regular]).update(churn_risk=0.12)
    assert CustomerScore.objects.get(customer=lapsed).purchase_days == 1
    client = client_for(business.owner)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("customers:detail", args=[lapsed.pk])).content.decode()
    note = html.split('data-testid="churn-one-purchase"')[1].split("</div>")[0]
    assert "no repeat purchase to be late for" in note
    html = client.get(reverse("customers:detail", args=[regular.pk])).content.decode()
    assert 'data-testid="churn-risk"' in html and 'data-testid="churn-one-purchase"' not in html
