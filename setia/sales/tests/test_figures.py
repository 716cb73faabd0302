"""Sales figures on a small hand-counted dataset (March 2026, Asia/Jakarta), and the page over
personas."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from setia.accounts.models import User
from setia.conftest import PERSONAS, Business, client_for, make_user, persona_user
from setia.core.errors import NotFoundError, PermissionDeniedError
from setia.sales.models import Lead, LeadSource, Opportunity, Pipeline, Quote, Stage
from setia.sales.services import figures
from setia.sales.views.figures import period_dates

JAKARTA = zoneinfo.ZoneInfo("Asia/Jakarta")
MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def jkt(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=JAKARTA)


@pytest.fixture
def book(business: Business, shop: dict) -> dict:
    sales = make_user("sales_a", "sales", business.branch_a, first_name="Budi")
    sales_b = make_user("sales_b", "sales", business.branch_b, first_name="Dewi")
    customer = shop["customer"]
    pipeline = Pipeline.objects.create(name="Sales")
    lead_stage = Stage.objects.create(pipeline=pipeline, name="Lead", position=0, probability=10)
    proposal = Stage.objects.create(pipeline=pipeline, name="Proposal", position=1, probability=50)
    negotiation = Stage.objects.create(pipeline=pipeline, name="Negotiation", position=2, probability=80)
    Stage.objects.create(pipeline=pipeline, name="Retired", position=3, active=False)
    a, b = business.branch_a, business.branch_b

    def opportunity(title: str, stage: Stage, value: int, probability: int, **extra: object) -> Opportunity:
        values: dict = {"branch": a, "owner": sales, "status": "open"}
        values.update(extra)
        return Opportunity.objects.create(
            title=title,
            customer=customer,
            pipeline=pipeline,
            stage=stage,
            value=value,
            probability=probability,
            **values,
        )

    # Open now.
    opportunity("1 open lead", lead_stage, 1_000_000, 10, expected_close=dt.date(2026, 3, 20))
    opportunity("2 open proposal", proposal, 3_000_000, 50, expected_close=dt.date(2026, 3, 31))
    opportunity("3 open proposal April", proposal, 2_000_000, 55, expected_close=dt.date(2026, 4, 15))
    opportunity(
        "4 open Bandung", negotiation, 10_000_000, 80, expected_close=dt.date(2026, 3, 5), branch=b, owner=sales_b
    )
    # Closed.
    opportunity(
        "5 won in 30 days", negotiation, 5_000_000, 100, status="won",
        created_at=jkt(2026, 2, 3, 10, 0), closed_at=jkt(2026, 3, 5, 10, 0),
    )  # fmt: skip
    opportunity(
        "6 won in 10 days, last evening of March", negotiation, 1_000_000, 100, status="won", branch=b, owner=sales_b,
        created_at=jkt(2026, 3, 21, 23, 30), closed_at=jkt(2026, 3, 31, 23, 30),
    )  # fmt: skip
    opportunity("7 lost in March", proposal, 700_000, 0, status="lost", closed_at=jkt(2026, 3, 10, 9, 0))
    opportunity("8 lost 1 April", proposal, 800_000, 0, status="lost", closed_at=jkt(2026, 4, 1, 0, 10))
    opportunity("9 won February", proposal, 900_000, 100, status="won", closed_at=jkt(2026, 2, 28, 12, 0))

    def quote(number: str, total: int, status: str, sent: dt.datetime | None, decided: dt.datetime | None) -> None:
        Quote.objects.create(
            number=number, customer=customer, branch=a, owner=sales, status=status, total=total,
            issue_date=dt.date(2026, 2, 1), valid_until=dt.date(2026, 5, 1), sent_at=sent, decided_at=decided,
        )  # fmt: skip

    quote("Q1", 1_000_000, "accepted", jkt(2026, 3, 2, 9, 0), jkt(2026, 3, 9, 9, 0))
    quote("Q2", 2_000_000, "sent", jkt(2026, 3, 15, 9, 0), None)
    quote("Q3", 4_000_000, "accepted", jkt(2026, 2, 20, 9, 0), jkt(2026, 3, 1, 0, 30))
    quote("Q4", 500_000, "rejected", jkt(2026, 3, 20, 9, 0), jkt(2026, 3, 25, 9, 0))
    quote("Q5", 9_000_000, "draft", None, None)

    instagram = LeadSource.objects.create(name="Instagram")
    website = LeadSource.objects.create(name="Website")

    def lead(
        name: str, source: LeadSource | None, created: dt.datetime, converted: bool = False, **extra: object
    ) -> None:
        values: dict = {"branch": a, "owner": sales, "source": source, "created_at": created}
        if converted:
            values.update(status="converted", converted_at=created + dt.timedelta(days=2), customer=customer)
        values.update(extra)
        Lead.objects.create(name=name, **values)

    lead("L1", instagram, jkt(2026, 3, 3, 10, 0), converted=True)
    lead("L2", instagram, jkt(2026, 3, 10, 10, 0))
    lead("L3", instagram, jkt(2026, 3, 11, 10, 0), status="contacted")
    lead("L4", website, jkt(2026, 3, 12, 10, 0), converted=True)
    lead("L5", None, jkt(2026, 3, 13, 10, 0))
    lead("L6", instagram, jkt(2026, 2, 27, 10, 0), converted=True)
    lead("L7 Bandung", website, jkt(2026, 3, 14, 10, 0), branch=b, owner=sales_b)
    User.objects.update(language="en")  # pages in English, for exact assertions
    return {"sales": sales, "sales_b": sales_b, "instagram": instagram, "website": website}


def test_pipeline_by_stage(business: Business, book: dict) -> None:
    rows = figures.pipeline_by_stage(*MARCH)
    assert [(r["stage"], r["count"], r["value"], r["weighted"]) for r in rows] == [
        ("Lead", 1, 1_000_000, 100_000),
        ("Proposal", 2, 5_000_000, 2_600_000),  # (3.000.000 * 50 + 2.000.000 * 55) / 100
        ("Negotiation", 1, 10_000_000, 8_000_000),
    ]  # the inactive stage with nothing in it is left out
    branch_a = figures.pipeline_by_stage(*MARCH, branch_id=business.branch_a.pk)
    assert [r["count"] for r in branch_a] == [1, 2, 0]
    dewi = figures.pipeline_by_stage(*MARCH, owner_id=book["sales_b"].pk)
    assert [r["value"] for r in dewi] == [0, 0, 10_000_000]
    scoped = figures.pipeline_by_stage(*MARCH, branch_ids={business.branch_b.pk})
    assert [r["count"] for r in scoped] == [0, 0, 1]


def test_forecast_by_month(business: Business, book: dict) -> None:
    assert figures.forecast_by_month(*MARCH) == [
        {"month": dt.date(2026, 3, 1), "count": 3, "value": 14_000_000, "weighted": 9_600_000}
    ]
    quarter = figures.forecast_by_month(dt.date(2026, 1, 1), dt.date(2026, 4, 30))
    assert [(r["month"].month, r["count"], r["weighted"]) for r in quarter] == [
        (1, 0, 0),
        (2, 0, 0),
        (3, 3, 9_600_000),
        (4, 1, 1_100_000),
    ]
    assert figures.forecast_by_month(*MARCH, branch_id=business.branch_a.pk)[0]["weighted"] == 1_600_000


def test_win_rate_and_sales_cycle(business: Business, book: dict) -> None:
    assert figures.win_rate(*MARCH) == {"won": 2, "lost": 1, "won_value": 6_000_000, "rate": Decimal("66.7")}
    assert figures.win_rate(*MARCH, branch_id=business.branch_a.pk) == {
        "won": 1,
        "lost": 1,
        "won_value": 5_000_000,
        "rate": Decimal("50.0"),
    }
    assert figures.win_rate(dt.date(2026, 5, 1), dt.date(2026, 5, 31))["rate"] is None
    assert figures.sales_cycle(*MARCH) == {"won": 2, "average_days": Decimal("20.0")}
    assert figures.sales_cycle(*MARCH, owner_id=book["sales"].pk) == {"won": 1, "average_days": Decimal("30.0")}
    assert figures.sales_cycle(dt.date(2026, 5, 1), dt.date(2026, 5, 31)) == {"won": 0, "average_days": None}


def test_proposals(business: Business, book: dict) -> None:
    assert figures.proposals(*MARCH) == {
        "sent": 3,
        "sent_value": 3_500_000,
        "accepted": 2,
        "accepted_value": 5_000_000,
        "rate": Decimal("66.7"),
    }
    assert figures.proposals(*MARCH, branch_id=business.branch_b.pk)["sent"] == 0


def test_leads_by_source(business: Business, book: dict) -> None:
    result = figures.leads_by_source(*MARCH, branch_id=business.branch_a.pk)
    assert result["rows"] == [
        {"source_id": book["instagram"].pk, "source": "Instagram", "leads": 3, "converted": 1, "rate": Decimal("33.3")},
        {"source_id": book["website"].pk, "source": "Website", "leads": 1, "converted": 1, "rate": Decimal("100.0")},
        {"source_id": None, "source": "", "leads": 1, "converted": 0, "rate": Decimal("0.0")},
    ]
    assert (result["leads"], result["converted"], result["rate"]) == (5, 2, Decimal("40.0"))
    everyone = figures.leads_by_source(*MARCH)
    assert (everyone["leads"], everyone["converted"]) == (6, 2)


def test_overview_needs_the_capability_and_keeps_to_the_branches(business: Business, book: dict) -> None:
    with pytest.raises(PermissionDeniedError):
        figures.figures_for(actor=business.cashier_a, start=MARCH[0], end=MARCH[1])
    mine = figures.figures_for(actor=book["sales"], start=MARCH[0], end=MARCH[1])
    assert mine["pipeline_total"] == {"count": 3, "value": 6_000_000, "weighted": 2_700_000}
    assert mine["win_rate"]["won"] == 1
    with pytest.raises(NotFoundError):
        figures.figures_for(actor=book["sales"], start=MARCH[0], end=MARCH[1], branch_id=business.branch_b.pk)
    everything = figures.figures_for(actor=business.analyst, start=MARCH[0], end=MARCH[1])
    assert everything["pipeline_total"]["count"] == 4


def test_period_presets() -> None:
    today = dt.date(2026, 5, 14)
    assert period_dates("this_month", today) == (dt.date(2026, 5, 1), dt.date(2026, 5, 31))
    assert period_dates("last_30_days", dt.date(2026, 12, 1)) == (dt.date(2026, 11, 2), dt.date(2026, 12, 1))
    assert period_dates("last_month", today) == (dt.date(2026, 4, 1), dt.date(2026, 4, 30))
    assert period_dates("this_quarter", today) == (dt.date(2026, 4, 1), dt.date(2026, 6, 30))
    assert period_dates("this_quarter", dt.date(2026, 12, 31)) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert period_dates("this_year", today) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert period_dates("last_month", dt.date(2026, 1, 5)) == (dt.date(2025, 12, 1), dt.date(2025, 12, 31))


def test_page_shows_the_figures_and_validates_dates(business: Business, book: dict) -> None:
    web = client_for(business.owner)
    html = web.get(reverse("sales:figures") + "?period=custom&start=2026-03-01&end=2026-03-31").content.decode()
    assert 'data-testid="kpi-win-rate">66.7%<' in html
    assert 'data-testid="kpi-proposals">2 / 3<' in html
    assert "Instagram" in html and 'id="figures-charts"' in html and "chart.umd.min.js" in html
    refused = web.get(reverse("sales:figures") + "?period=custom&start=2026-03-31&end=2026-03-01").content.decode()
    assert "Before the start date." in refused
    bad = web.get(reverse("sales:figures") + "?period=custom&start=soon&end=").content.decode()
    assert bad.count("Enter a date.") == 2
    assert web.get(reverse("sales:figures") + "?branch=999999").status_code == 404
    assert 'data-nav="sales_figures"' in html
    # Without a choice, the last 30 days up to today (this month would be empty on its first day).
    today = timezone.localdate()
    default = web.get(reverse("sales:figures")).content.decode()
    assert '<option value="last_30_days" selected>' in default
    assert f'name="start" id="start" value="{today - dt.timedelta(days=29):%Y-%m-%d}"' in default
    assert f'name="end" id="end" value="{today:%Y-%m-%d}"' in default
    unknown = web.get(reverse("sales:figures") + "?period=fortnight").content.decode()  # a hand-made link
    assert '<option value="last_30_days" selected>' in unknown and f'value="{today:%Y-%m-%d}"' in unknown


@pytest.mark.parametrize("persona", [*PERSONAS, "analyst", "sales_other_branch"])
def test_page_by_persona(business: Business, book: dict, persona: str) -> None:
    user = {"analyst": business.analyst, "sales_other_branch": book["sales_b"]}.get(persona) or persona_user(
        business, persona
    )
    response = client_for(user).get(reverse("sales:figures") + "?period=custom&start=2026-03-01&end=2026-03-31")
    if user is None:
        assert response.status_code == 302 and "/accounts/login" in response["Location"]
    elif persona in ("other_branch_front_office", "same_branch_front_office"):
        assert response.status_code == 403  # cashiers have no sales figures
    else:
        assert response.status_code == 200
        html = response.content.decode()
        expected = {"manager": "Rp 6,000,000", "sales_other_branch": "Rp 10,000,000"}.get(persona, "Rp 16,000,000")
        assert f'data-testid="kpi-pipeline">{expected}<' in html, persona
    other = client_for(book["sales_b"]).get(reverse("sales:figures") + f"?branch={business.branch_a.pk}")
    assert other.status_code == 404
