"""A branch manager opens the home page: the sales of the branches she manages (not the
others'), today's and the week's, beside the week before; and, as a manager may read customer
analytics, the good customers of her branches who have gone quiet."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from setia.accounts.models import Branch
from setia.analytics import rfm
from setia.analytics.tests.test_home_panel import _score
from setia.conftest import Business, browser_sign_in
from setia.customers.models import Customer
from setia.sales.tests.test_home_panel import _order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_sees_her_branches_sales_and_the_customers_to_win_back(
    page: Any, live_server: Any, business: Business
) -> None:
    manager = business.manager
    cibubur = Branch.objects.create(name="Cibubur", code="cbr", city="KOTA DEPOK")
    manager.managed_branches.add(cibubur)  # Kemang (her own) and Cibubur; not Dago
    today = timezone.localdate()
    week_ago = today - dt.timedelta(days=7)
    ayu, budi, citra, dewi = (
        Customer.objects.create(name=name, home_branch=branch)
        for name, branch in (
            ("Ayu", business.branch_a),
            ("Budi", business.branch_a),
            ("Citra", cibubur),
            ("Dewi", business.branch_b),
        )
    )
    _order(ayu, today - dt.timedelta(days=40), 50_000, business.branch_a)  # Ayu returns today
    _order(ayu, today, 100_000, business.branch_a)
    _order(budi, today, 300_000, business.branch_a)
    _order(citra, today, 150_000, cibubur)
    _order(dewi, today, 999_000, business.branch_b)  # Dago: not hers
    _order(budi, week_ago, 200_000, business.branch_a, dt.time(0))  # by this time of day, whenever it runs
    _score(ayu, rfm.AT_RISK, 150_000, 95)
    _score(citra, rfm.CANNOT_LOSE, 900_000, 200)
    _score(dewi, rfm.CANNOT_LOSE, 5_000_000, 300)  # Dago: not hers
    _score(budi, rfm.CHAMPIONS, 650_000, 0)  # not quiet

    browser_sign_in(page, live_server.url, "manager")

    # Kemang and Cibubur today: Ayu 100,000 (bought before), Budi 300,000 (bought a week ago),
    # Citra 150,000 (new); a week ago Budi's 200,000. Dago's 999,000 is not hers.
    sales = page.get_by_test_id("home-sales")
    assert sales.get_by_test_id("sales-branches").inner_text() == "Cibubur, Kemang"  # hers, by name
    assert sales.get_by_role("link", name="Penjualan baru").is_visible()  # a manager sells too
    for period in ("today", "week"):
        assert sales.get_by_test_id(f"{period}-revenue").inner_text() == "Rp 550.000"
        assert sales.get_by_test_id(f"{period}-orders").inner_text() == "3"
        assert sales.get_by_test_id(f"{period}-returning").inner_text() == "67%"  # Ayu and Budi of three
        assert sales.get_by_test_id(f"{period}-change").inner_text().startswith("+175% dibanding ")
    assert sales.get_by_test_id("today-change").inner_text().endswith("lalu pada jam yang sama")
    assert "999" not in sales.inner_text()

    # Managers hold analytics.view (accounts/roles.py): the quiet good customers of her branches,
    # the biggest spender first; Dago's Dewi and Budi (a champion) are not among them.
    assert manager.has_capability("analytics.view")
    win_back = page.get_by_test_id("home-win-back")
    rows = win_back.locator('[data-testid^="win-back-"]')
    assert rows.evaluate_all("rows => rows.map(row => row.dataset.testid)") == [
        f"win-back-{citra.pk}",
        f"win-back-{ayu.pk}",
    ]
    assert "Jangan Sampai Hilang" in rows.first.inner_text() and "200 hari lalu" in rows.first.inner_text()
    assert "Rp 900.000" in rows.first.inner_text() and "Dewi" not in win_back.inner_text()

    # The welcome, "Who's calling?", sales and win-back panels, nothing else (the trail's recent
    # activity is the owner's).
    assert page.get_by_test_id("dashboard").locator(":scope > div").count() == 4
    assert page.get_by_test_id("calls-panel").get_by_test_id("who-is-calling").is_visible()

    # On a phone the panels stack without anything running off the side.
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    lines = rows.first.locator(".text-end > span").evaluate_all(
        "parts => parts.map(part => Math.round(part.getBoundingClientRect().height"
        " / parseFloat(getComputedStyle(part).lineHeight)))"
    )
    assert lines == [1, 1]  # "Rp 900.000" and "total belanja", each on one line
