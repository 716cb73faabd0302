"""The analyst's story: she builds "Champions in Jawa Barat with CLV above Rp 5.000.000", watches
the count change with every condition, saves it, and sees who is in it."""

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from setia.conftest import browser_sign_in, make_user
from setia.customers.models import Address, Customer
from setia.customers.regions import load_regions
from setia.segments.tests.conftest import score

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _customer(name: str, province: str, regency: str, segment: str, predicted: int) -> Customer:
    customer = Customer.objects.create(name=name, search_name=name.lower())
    Address.objects.create(customer=customer, line="Jl. Merdeka 1", province_id=province, regency_id=regency)
    score(customer, segment, predicted, 0.2, 60)
    return customer


def _condition(page: Any, path: str) -> Any:
    return page.locator(f'[data-testid="condition"][data-path="{path}"]')


def _settled(page: Any) -> None:
    """Wait until htmx has swapped in the new tree and wired its inputs (it does so after a short
    settle delay, quicker than a person but not than Playwright)."""
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-added, .htmx-settling')")


def test_an_analyst_builds_champions_in_west_java_above_five_million(page: Any, live_server: Any) -> None:
    load_regions()  # an earlier transactional test's flush empties the reference tables
    make_user("analis", "analyst", first_name="Dewi")
    _customer("Ani Rahayu", "32", "32.73", "champions", 6_000_000)
    _customer("Sari Wulandari", "32", "32.73", "champions", 5_500_000)
    _customer("Rudi Hartono", "32", "32.73", "champions", 4_900_000)
    _customer("Yanto Susilo", "32", "32.73", "champions", 5_000_000)  # not above
    _customer("Tono Wijaya", "31", "31.71", "champions", 8_000_000)  # Jakarta
    _customer("Wati Lestari", "32", "32.73", "loyal", 9_000_000)  # not a champion
    Customer.objects.create(name="Budi Baru", search_name="budi baru")  # no score yet

    base = live_server.url
    browser_sign_in(page, base, "analis")
    page.get_by_test_id("main-nav").locator('a[href="/segments/"]').click()
    page.get_by_test_id("new-segment").click()
    page.wait_for_url(f"{base}/segments/new/")
    count = page.get_by_test_id("live-count")
    expect(count).to_have_text("—")  # no field chosen yet
    page.get_by_test_id("segment-name").fill("Champions Jawa Barat di atas Rp 5 juta")

    # 1. RFM segment is Champions: five customers.
    _condition(page, "1").get_by_test_id("field-select").select_option("analytics.rfm_segment")
    _settled(page)
    _condition(page, "1").get_by_test_id("value-input").select_option(["champions"])
    expect(count).to_have_text("5")

    # 2. And the province is Jawa Barat: Tono (Jakarta) drops out.
    page.get_by_test_id("add-condition").click()
    _settled(page)
    _condition(page, "2").get_by_test_id("field-select").select_option("customer.province")
    _settled(page)
    _condition(page, "2").get_by_test_id("value-input").select_option(["32"])
    expect(count).to_have_text("4")

    # 3. And the predicted value (CLV) is above Rp 5.000.000, typed the Indonesian way.
    page.get_by_test_id("add-condition").click()
    _settled(page)
    _condition(page, "3").get_by_test_id("field-select").select_option("analytics.predicted_value")
    _settled(page)
    _condition(page, "3").get_by_test_id("op-select").select_option("gt")
    _settled(page)
    expect(_condition(page, "3").get_by_test_id("op-select")).to_have_value("gt")
    _condition(page, "3").get_by_test_id("value-input").fill("5.000.000")
    expect(count).to_have_text("2")

    page.get_by_test_id("save-segment").click()
    page.wait_for_url(re.compile(r".*/segments/\d+/$"))
    expect(page.get_by_test_id("member-count")).to_have_text("2")
    members = page.get_by_test_id("member-row")
    expect(members).to_have_count(2)
    names = sorted(row.split("\t")[0].strip() for row in members.all_inner_texts())
    assert names == ["Ani Rahayu", "Sari Wulandari"]
    conditions = page.get_by_test_id("conditions").inner_text()
    assert "Jawa Barat" in conditions and "Rp 5.000.000" in conditions

    # The list shows the new segment with its count.
    page.goto(f"{base}/segments/")
    row = page.get_by_test_id("segment-row").filter(has_text="Champions Jawa Barat")
    expect(row.get_by_test_id("segment-count")).to_have_text("2")
