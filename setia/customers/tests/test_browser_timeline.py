"""The owner reads a long 360° timeline: the newest page first, then "Show older" brings the
rest in below it, each entry once."""

import datetime as dt
from typing import Any

import pytest
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone, translation

from setia.conftest import Business, browser_sign_in
from setia.core.audit import object_key
from setia.core.models import AuditEvent
from setia.customers.services import ContactPoints, customer_create, customer_update
from setia.customers.timeline import PAGE_SIZE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EDITS = PAGE_SIZE + 9  # with her creation: a full page and 10 older entries


def _shown_times(page: Any) -> list[str]:
    return page.get_by_test_id("timeline-entry").locator("span.small.text-secondary").all_inner_texts()


def test_show_older_adds_the_older_entries_below_the_newest_once_each(
    page: Any, live_server: Any, business: Business
) -> None:
    customer = customer_create(
        actor=business.owner, name="Sari Dewi", home_branch=business.branch_a, contacts=ContactPoints()
    )
    for index in range(EDITS):
        customer = customer_update(actor=business.owner, customer=customer, version=customer.version, notes=f"n{index}")
    # An hour apart, so that each entry can be told from the others by the time it shows.
    events = list(AuditEvent.objects.filter(subject_key=object_key(customer)).order_by("created_at", "id"))
    assert len(events) == EDITS + 1
    start = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(hours=len(events))
    for hours, event in enumerate(events):
        AuditEvent.objects.filter(pk=event.pk).update(created_at=start + dt.timedelta(hours=hours))
    with translation.override("id"):
        expected = [
            date_filter(timezone.localtime(start + dt.timedelta(hours=hours)), "SHORT_DATETIME_FORMAT")
            for hours in reversed(range(len(events)))
        ]
    assert len(set(expected)) == len(expected)

    browser_sign_in(page, live_server.url, "owner")
    page.goto(f"{live_server.url}{reverse('customers:detail', args=[customer.pk])}")
    timeline = page.get_by_test_id("timeline")
    assert page.get_by_test_id("customer-name").inner_text() == "Sari Dewi"
    assert _shown_times(timeline) == expected[:PAGE_SIZE]  # the newest first
    assert expected[PAGE_SIZE] not in timeline.inner_text() and "membuat" not in timeline.inner_text()
    newest = timeline.get_by_test_id("timeline-entry").first.inner_text()
    assert "memperbarui" in newest and "catatan" in newest  # "owner memperbarui"

    older = page.get_by_test_id("timeline-older")
    assert older.inner_text() == "Tampilkan yang lebih lama"
    older.scroll_into_view_if_needed()
    older.click()
    timeline.get_by_test_id("timeline-entry").nth(PAGE_SIZE).wait_for()
    assert _shown_times(timeline) == expected  # all of them, in order, none twice
    assert "membuat" in timeline.get_by_test_id("timeline-entry").last.inner_text()  # her creation, the oldest
    assert page.get_by_test_id("timeline-older").count() == 0  # nothing older left
    assert "Belum ada aktivitas." not in timeline.inner_text()
    assert page.url.endswith(reverse("customers:detail", args=[customer.pk]))  # swapped in, not a new page
