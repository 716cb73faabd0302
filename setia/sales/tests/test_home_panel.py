"""The home page's sales panel: paid sales of today and of the last seven days in the viewer's
branches, beside the same periods a week before."""

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from setia.accounts.models import Branch
from setia.conftest import Business, client_for
from setia.customers.models import Customer
from setia.sales.models import Order
from setia.sales.selectors import sales_figures

pytestmark = pytest.mark.django_db
_numbers = itertools.count(1)


def _order(
    customer: Customer, day: dt.date, total: int, branch: Branch, at: dt.time = dt.time(10), **fields: object
) -> Order:
    return Order.objects.create(
        number=f"H{next(_numbers):06d}",
        customer=customer,
        branch=branch,
        business_date=day,
        placed_at=timezone.make_aware(dt.datetime.combine(day, at)),
        total=total,
        subtotal=total,
        **fields,
    )


def _shop(business: Business) -> dict[str, object]:
    today = timezone.localdate()
    ayu, budi, citra = (Customer.objects.create(name=name) for name in ("Ayu", "Budi", "Citra"))
    a, b = business.branch_a, business.branch_b
    _order(ayu, today - dt.timedelta(days=30), 50_000, a)  # Ayu bought before: returning today
    _order(ayu, today, 100_000, a)
    _order(ayu, today, 20_000, a, refunded_total=5_000, status=Order.Status.PARTLY_REFUNDED)
    _order(budi, today, 300_000, a)  # Budi's first purchase
    _order(budi, today, 999_000, a, status=Order.Status.CANCELLED)  # not a sale
    _order(budi, today, 80_000, a, status=Order.Status.PLACED)  # not paid yet
    _order(citra, today, 400_000, b)  # another branch
    _order(citra, today - dt.timedelta(days=7), 200_000, a, dt.time(0))  # last week's same day, by now
    return {"today": today}


def test_figures_count_paid_sales_net_of_refunds_in_the_viewer_s_branches(business: Business) -> None:
    today = _shop(business)["today"]
    assert isinstance(today, dt.date)
    owner = sales_figures(actor=business.owner, first=today, last=today)
    assert owner == {"orders": 4, "revenue": 100_000 + 15_000 + 300_000 + 400_000, "customers": 3, "returning": 2}
    cashier = sales_figures(actor=business.cashier_a, first=today, last=today)  # Kemang only
    assert cashier == {"orders": 3, "revenue": 415_000, "customers": 2, "returning": 1}
    week = sales_figures(actor=business.cashier_a, first=today - dt.timedelta(days=6), last=today)
    assert week["orders"] == 3  # Citra's order of 7 days ago is in the week before
    before = sales_figures(actor=business.cashier_a, first=today - dt.timedelta(days=13), last=today - dt.timedelta(7))
    assert before == {"orders": 1, "revenue": 200_000, "customers": 1, "returning": 0}


def test_the_home_page_shows_them_with_the_change(business: Business) -> None:
    _shop(business)
    page = client_for(business.cashier_a).get("/").content.decode()
    assert 'data-testid="home-sales"' in page
    revenue = page.split('data-testid="today-revenue"')[1].split("</span>")[0]
    assert "415.000" in revenue
    assert 'data-testid="today-change"' in page and "+108%" in page  # 415,000 against 200,000
    assert "lalu pada jam yang sama" in page.split('data-testid="today-change"')[1][:120]
    assert "50%" in page.split('data-testid="today-returning"')[1][:40]  # Ayu of Ayu and Budi
    assert "Penjualan baru" in page  # a cashier can start a sale from here
    assert 'data-testid="sales-branches">Kemang<' in page  # whose sales: her branch, by name
    owner = client_for(business.owner).get("/").content.decode()
    assert 'data-testid="sales-branches"' not in owner and "semua cabang" in owner


def test_last_week_is_cut_at_the_time_of_day_it_is_now(business: Business) -> None:
    """At 11:00 today's morning is compared with last week's same morning, not with its whole
    day (which made every morning look like a fall): last week's 15:00 sale waits until 15:00."""
    from setia.sales.selectors import home_sales_figures

    today = timezone.localdate()
    ayu = Customer.objects.create(name="Ayu")
    _order(ayu, today, 150_000, business.branch_a, dt.time(9))
    _order(ayu, today - dt.timedelta(days=7), 100_000, business.branch_a, dt.time(9, 30))
    _order(ayu, today - dt.timedelta(days=7), 900_000, business.branch_a, dt.time(15))
    _order(ayu, today - dt.timedelta(days=10), 40_000, business.branch_a, dt.time(18))  # a whole day: in
    at = {hour: timezone.make_aware(dt.datetime.combine(today, dt.time(hour))) for hour in (11, 16)}
    morning = home_sales_figures(actor=business.owner, now=at[11])
    assert (morning["today"]["before"]["revenue"], morning["today"]["change_percent"]) == (100_000, 50)
    assert morning["week"]["before"]["revenue"] == 140_000
    afternoon = home_sales_figures(actor=business.owner, now=at[16])
    assert (afternoon["today"]["before"]["revenue"], afternoon["today"]["change_percent"]) == (1_000_000, -85)
    assert afternoon["week"]["before"]["revenue"] == 1_040_000


def test_an_empty_day_shows_dashes_not_errors(business: Business) -> None:
    page = client_for(business.analyst).get("/").content.decode()
    assert 'data-testid="home-sales"' in page and "Rp 0" in page
    assert 'data-testid="today-change"' not in page  # nothing to compare with
    assert "Penjualan baru" not in page  # an analyst does not sell


def test_members_share_of_revenue_and_spend_against_other_customers(business: Business) -> None:
    from setia.loyalty.models import Membership
    from setia.sales.selectors import member_figures

    today = _shop(business)["today"]
    assert isinstance(today, dt.date)
    ayu = Customer.objects.get(name="Ayu")
    Membership.objects.create(customer=ayu, number="M0001", referral_code="AYU1", branch=business.branch_a)
    anonymous = Order.objects.create(
        number="WALKIN", branch=business.branch_a, business_date=today, total=10_000, subtotal=10_000
    )
    assert anonymous.customer_id is None
    figures = member_figures(actor=business.cashier_a, first=today - dt.timedelta(days=29), last=today)
    # Kemang, 30 days (Ayu's order of 30 days ago is outside): Ayu 100,000 + 15,000; Budi 300,000;
    # Citra 200,000; walk-in 10,000.
    assert figures == {
        "revenue": 625_000,
        "member_revenue": 115_000,
        "members": 1,
        "customers": 3,
        "identified_revenue": 615_000,
    }
    page = client_for(business.cashier_a).get("/").content.decode()
    assert ">18%<" in page.split('data-testid="member-share"')[1][:20]  # 115,000 of 625,000
    assert "115 rb" in page.split('data-testid="member-spend"')[1][:60]
    assert "250 rb" in page.split('data-testid="other-spend"')[1][:60]  # (300,000 + 200,000) / 2
