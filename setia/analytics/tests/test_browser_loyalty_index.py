"""The analyst opens a customer and reads why her loyalty index is what it is: the number, and
each trait of a loyal customer with its score, weight and the points it adds."""

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone

from setia.accounts.models import Branch
from setia.analytics.models import CustomerScore
from setia.analytics.services import engine
from setia.analytics.tests import factories
from setia.catalog.models import Category
from setia.conftest import browser_sign_in, make_user
from setia.customers.models import Customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_analyst_reads_why_her_loyalty_index_is_what_it_is(page: Any, live_server: Any) -> None:
    branch = Branch.objects.create(name="Kemang", code="kmg")
    make_user("analis", "analyst", first_name="Dewi")
    hair, face, _nails, _body = (Category.objects.create(name=name).pk for name in ("Rambut", "Wajah", "Kuku", "Tubuh"))
    sari = Customer.objects.create(name="Sari Wulandari", search_name="sari wulandari", home_branch=branch)
    today = timezone.localdate()
    for months_ago, category in ((4, hair), (3, hair), (2, face), (1, hair)):  # every 30 days, two categories
        factories.order(sari, today - dt.timedelta(days=30 * months_ago), 150_000, branch=branch, categories=[category])
    engine.analytics_refresh(today=today)
    score = CustomerScore.objects.get(customer=sari)
    assert score.purchase_days == 4 and score.categories_bought == 2

    browser_sign_in(page, live_server.url, "analis")
    page.goto(f"{live_server.url}/customers/{sari.pk}/")

    panel = page.get_by_test_id("analytics-panel")
    assert panel.get_by_test_id("loyalty-index").inner_text() == str(score.loyalty_index)
    regularity = panel.get_by_test_id("component-regularity")
    assert "4 hari pembelian" in regularity.inner_text()
    assert regularity.locator("td").nth(1).inner_text() == str(score.loyalty_regularity)
    breadth = panel.get_by_test_id("component-breadth")
    assert "2 kategori dibeli (4 = skor penuh)" in breadth.inner_text()  # four categories in the catalogue
    assert breadth.locator("td").nth(1).inner_text() == str(score.loyalty_breadth) == "50"
    # The points each counted trait adds make up the index.
    added = [
        cell.inner_text()
        for cell in panel.get_by_test_id("loyalty-components").locator("tbody tr td:nth-child(4)").all()
    ]
    points = [float(text.replace(",", ".")) for text in added if re.fullmatch(r"\d+(,\d+)?", text)]
    assert len(points) >= 3 and abs(sum(points) - score.loyalty_index) <= 1  # shown to one decimal
    assert panel.get_by_test_id("component-feedback").locator("td").nth(3).inner_text() == "—"  # no surveys yet
