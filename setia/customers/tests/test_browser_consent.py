"""A front-office colleague records on the 360° page that a customer agreed to WhatsApp
marketing, then that she withdrew it: the status shows the latest, the history both."""

from typing import Any

import pytest
from django.urls import reverse

from setia.conftest import Business, browser_sign_in
from setia.customers.models import ConsentRecord
from setia.customers.services import ContactPoints, PhoneIn, customer_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _record(page: Any, *, channel: str, granted: str, source: str) -> None:
    page.get_by_test_id("record-consent").click()
    form = page.get_by_test_id("consent-form")
    form.locator("#id_channel").select_option(channel)
    form.locator("#id_purpose").select_option("marketing")
    form.locator(f"input[name=granted][value={granted}]").check()
    form.locator("#id_source").select_option(source)
    assert form.locator("#id_notice_version").input_value() == "2026-01"  # CONSENT_NOTICE_VERSION
    form.locator("#id_notice_version").fill("2026-03")
    form.get_by_test_id("consent-submit").click()


def test_consent_is_recorded_and_withdrawn_from_the_360_page(page: Any, live_server: Any, business: Business) -> None:
    customer = customer_create(
        actor=business.owner,
        name="Ayu Lestari",
        home_branch=business.branch_a,
        contacts=ContactPoints(phones=[PhoneIn("0812-3456-7890")]),
    )
    detail = f"{live_server.url}{reverse('customers:detail', args=[customer.pk])}"
    browser_sign_in(page, live_server.url, "cashier_a")
    page.goto(detail)
    consent = page.get_by_test_id("consent")
    row = consent.locator('[data-consent="whatsapp.marketing"]')
    assert row.locator(".badge").inner_text() == "belum ditanya"

    _record(page, channel="whatsapp", granted="given", source="staff")
    page.wait_for_url(detail)
    assert row.locator(".badge").inner_text() == "diberikan"

    _record(page, channel="whatsapp", granted="withdrawn", source="form")
    page.wait_for_url(detail)
    assert row.locator(".badge").inner_text() == "ditarik"
    history = page.get_by_test_id("consent-history")
    history.locator("summary").click()
    entries = history.get_by_test_id("consent-record")
    assert entries.count() == 2
    assert "ditarik" in entries.nth(0).inner_text() and "diberikan" in entries.nth(1).inner_text()
    assert "Sari" in entries.nth(0).inner_text() and "2026-03" in entries.nth(0).inner_text()
    assert list(ConsentRecord.objects.order_by("id").values_list("granted", flat=True)) == [True, False]

    # A bad value sent by hand names the field and records nothing.
    page.get_by_test_id("record-consent").click()
    page.locator("#id_channel").evaluate("select => { select.options[0].value = 'pigeon'; select.value = 'pigeon'; }")
    page.get_by_test_id("consent-submit").click()
    assert (
        "Saluran" in page.get_by_test_id("form-errors").inner_text()
        or "Channel" in page.get_by_test_id("form-errors").inner_text()
    )
    assert ConsentRecord.objects.count() == 2


def test_an_analyst_sees_the_status_without_the_button(page: Any, live_server: Any, business: Business) -> None:
    customer = customer_create(actor=business.owner, name="Ayu Lestari", home_branch=business.branch_a)
    browser_sign_in(page, live_server.url, "analyst")
    page.goto(f"{live_server.url}{reverse('customers:detail', args=[customer.pk])}")
    assert page.get_by_test_id("consent").locator("[data-consent]").count() == 8
    assert page.get_by_test_id("record-consent").count() == 0
