"""A manager finds two records of one person and merges them."""

import re
from typing import Any

import pytest

from setia.accounts.models import User
from setia.core.tests.test_browser_shell import sign_in
from setia.customers.models import Customer
from setia.customers.services import ContactPoints, PhoneIn, customer_create
from setia.customers.tests.test_browser_fields_import import run_worker
from setia.demo.services import seed_demo
from setia.sales.models import Order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_two_duplicates_are_merged(page: Any, live_server: Any) -> None:
    seed_demo(profile="salon", seed=1, customers=2)
    manager = User.objects.get(username="manager")
    first = customer_create(actor=manager, name="Maya Sari", contacts=ContactPoints(phones=[PhoneIn("0812-4040-5050")]))
    second = customer_create(
        actor=manager,
        name="Maya S.",
        occupation="Bidan",
        contacts=ContactPoints(phones=[PhoneIn("62812 4040 5050"), PhoneIn("0857-6060-7070")]),
    )
    assert manager.branch is not None
    Order.objects.create(
        number="MRG-1", customer=second, branch=manager.branch, business_date=second.created_at.date(), total=150_000
    )
    sign_in(page, live_server.url, "manager")
    page.locator('[data-nav="customers"]').click()
    page.get_by_test_id("duplicates").click()
    with page.expect_navigation():  # the scan is queued when the page comes back
        page.get_by_test_id("scan-now").click()
    run_worker()
    page.reload()
    table = page.get_by_test_id("duplicate-table")
    assert "Maya Sari" in table.inner_text() and "Maya S." in table.inner_text()
    table.get_by_test_id("compare").first.click()
    form = page.get_by_test_id("merge-form")
    # Phones as people read them, and each record's history beside it.
    phones = form.get_by_test_id("merge-phones")
    assert phones.locator('[data-side="a"]').inner_text().split()[0] == "0812-4040-5050"
    assert "0857-6060-7070" in phones.locator('[data-side="b"]').inner_text() and "+62" not in phones.inner_text()
    summary = form.get_by_test_id("merge-summary")
    assert "Pelanggan sejak" in summary.inner_text()
    assert summary.locator('[data-side="b"]', has_text="Rp 150.000").count() == 1
    assert summary.locator('[data-side="a"]', has_text="Rp 0").count() == 1
    form.get_by_label(re.compile("Bidan")).check()
    asked: list[str] = []

    def answer(dialog: Any, accept: bool) -> None:
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    # Merging cannot be undone, so it asks first; saying no leaves both records as they were.
    page.once("dialog", lambda dialog: answer(dialog, False))
    form.get_by_test_id("merge-submit").click()
    page.wait_for_timeout(300)
    assert asked and "tidak dapat dibatalkan" in asked[0]
    assert "/customers/merge/" in page.url and Customer.objects.get(pk=second.pk).merged_into_id is None
    page.once("dialog", lambda dialog: answer(dialog, True))
    form.get_by_test_id("merge-submit").click()
    page.wait_for_url(f"{live_server.url}/customers/{first.pk}/")
    contacts = page.get_by_test_id("contact-points").inner_text()
    assert "0812-4040-5050" in contacts and "0857-6060-7070" in contacts
    assert "Bidan" in page.get_by_test_id("profile").inner_text()
    # The merged-away record's link leads to the survivor.
    page.goto(f"{live_server.url}/customers/{second.pk}/")
    assert page.url == f"{live_server.url}/customers/{first.pk}/"
    assert Customer.objects.get(pk=second.pk).merged_into_id == first.pk
