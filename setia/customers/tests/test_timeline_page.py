"""The 360° page's timeline as a person reads it: links only to pages the viewer may open, and
older entries page by page."""

import pytest
from django.urls import reverse

from setia.conftest import Business, client_for
from setia.customers.models import Customer
from setia.customers.services import ContactPoints, customer_create, customer_update
from setia.customers.timeline import PAGE_SIZE, Entry, for_viewer

pytestmark = pytest.mark.django_db


def _customer_with_edits(business: Business, edits: int) -> Customer:
    customer = customer_create(
        actor=business.owner, name="Sari Dewi", home_branch=business.branch_a, contacts=ContactPoints()
    )
    for index in range(edits):
        customer = customer_update(actor=business.owner, customer=customer, version=customer.version, notes=f"n{index}")
    return customer


def test_an_entry_links_only_for_a_viewer_holding_the_target_page_s_capability(business: Business) -> None:
    customer = _customer_with_edits(business, 1)
    audit = reverse("core:audit_record", args=["customers.customer", customer.pk])

    owner_page = client_for(business.owner).get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert f'href="{audit}"' in owner_page
    assert client_for(business.owner).get(audit).status_code == 200

    cashier = business.cashier_a
    assert not cashier.has_capability("audit.view")
    cashier_page = client_for(cashier).get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert f'href="{audit}"' not in cashier_page  # she would only get "permission denied"
    assert cashier_page.count('data-testid="timeline-entry"') == 2  # created, edited: still listed


def test_for_viewer_keeps_entries_and_drops_only_forbidden_links(business: Business) -> None:
    at = business.owner.date_joined
    entries = [
        Entry(at=at, kind="a", icon="x", title="open", url="/a/"),
        Entry(at=at, kind="b", icon="x", title="audit", url="/b/", capability="audit.view"),
        Entry(at=at, kind="c", icon="x", title="plain"),
    ]
    assert [entry.url for entry in for_viewer(entries, business.cashier_a)] == ["/a/", "", ""]
    assert [entry.url for entry in for_viewer(entries, business.owner)] == ["/a/", "/b/", ""]


def test_older_entries_come_page_by_page_until_the_first(business: Business) -> None:
    customer = _customer_with_edits(business, PAGE_SIZE + 9)  # + the creation: page + 10
    client = client_for(business.owner)
    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert page.count('data-testid="timeline-entry"') == PAGE_SIZE
    assert 'data-testid="timeline-older"' in page
    older_url = page.split('data-testid="timeline-older"')[0].rsplit('hx-get="', 1)[1].split('"')[0]
    older = client.get(older_url.replace("&amp;", "&"), headers={"HX-Request": "true"}).content.decode()
    assert older.count('data-testid="timeline-entry"') == 10
    assert 'data-testid="timeline-older"' not in older  # the first entry is on it: nothing older
    assert "Nothing has happened yet" not in older
    assert "<html" not in older  # a fragment for the list, not a page


def test_entries_sharing_one_moment_across_pages_are_each_shown_once(
    business: Business, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch of records written at one instant (an import, a bulk action) can straddle a page
    boundary: every entry is shown once, in order, none skipped, wherever the boundaries fall."""
    import datetime as dt

    from setia.customers import timeline

    customer = _customer_with_edits(business, 4)  # five entries of her own, older than the batch
    moment = customer.updated_at + dt.timedelta(hours=1)
    batch = [Entry(at=moment, kind="batch", icon="x", title=f"batch-{index:03d}") for index in range(120)]

    def batch_source(of: Customer, before: dt.datetime | None, limit: int) -> list[Entry]:
        return [entry for entry in batch if before is None or entry.at < before][:limit]

    monkeypatch.setitem(timeline._sources, "batch", batch_source)
    client = client_for(business.owner)
    url = reverse("customers:detail", args=[customer.pk])
    titles: list[str] = []
    pages = 0
    while url:
        html = client.get(url, headers={"HX-Request": "true"} if pages else {}).content.decode()
        titles.extend(part.split("<")[0] for part in html.split("batch-")[1:])
        pages += 1
        url = ""
        if 'data-testid="timeline-older"' in html:
            url = html.split('data-testid="timeline-older"')[0].rsplit('hx-get="', 1)[1].split('"')[0]
            url = url.replace("&amp;", "&")
    assert pages == 3  # 125 entries: 50, 50, 25
    assert titles == [f"{index:03d}" for index in range(120)]  # each once, in order
    # The cursor of the third page counts the 100 batch entries shown at that moment.
    entries = timeline.timeline_for(customer, limit=PAGE_SIZE)
    cursor, shown = timeline.next_page(entries, limit=PAGE_SIZE, before=None, skip=0)
    assert (cursor, shown) == (moment.isoformat(), 50)
    entries = timeline.timeline_for(customer, before=moment, limit=PAGE_SIZE, skip=shown)
    assert timeline.next_page(entries, limit=PAGE_SIZE, before=moment, skip=shown) == (moment.isoformat(), 100)


def test_a_bad_cursor_shows_the_newest_entries(business: Business) -> None:
    customer = _customer_with_edits(business, 2)
    client = client_for(business.owner)
    for cursor in ("2026-13-40T99:00:00", "yesterday", ""):
        response = client.get(reverse("customers:timeline", args=[customer.pk]), {"before": cursor})
        assert response.status_code == 200
        assert response.content.decode().count('data-testid="timeline-entry"') == 3


@pytest.mark.parametrize(
    ("persona", "status"),
    [("anonymous", 302), ("other_branch_front_office", 404), ("same_branch_front_office", 200), ("owner", 200)],
)
def test_the_older_entries_fragment_is_scoped_like_the_page(business: Business, persona: str, status: int) -> None:
    from setia.conftest import persona_user

    customer = _customer_with_edits(business, 1)
    response = client_for(persona_user(business, persona)).get(reverse("customers:timeline", args=[customer.pk]))
    assert response.status_code == status


def test_a_change_to_one_of_her_records_names_the_record_and_its_fields_in_words(business: Business) -> None:
    from django.utils import translation

    from setia.core.audit import audit_log
    from setia.customers.models import CustomerPhone
    from setia.customers.timeline import timeline_for

    customer = _customer_with_edits(business, 0)
    phone = CustomerPhone.objects.create(customer=customer, number="+6281234567890")
    audit_log(
        actor=business.owner,
        action="update",
        instance=phone,
        subject=customer,
        changes={"number": ["+6281111111111", "+6281234567890"], "no_such_field": [1, 2]},
    )
    with translation.override("en"):
        newest = timeline_for(customer)[0]
    assert newest.title == f"updated phone {phone}"
    assert newest.detail == "no_such_field, phone"  # a field's label; an unknown name as it is
    with translation.override("id"):
        assert timeline_for(customer)[0].title.startswith("memperbarui ")  # after her name: active


def test_a_value_written_on_her_own_record_is_named_by_her_record_s_label() -> None:
    """Joining writes the card number on the customer: the membership's audit row names it, and
    the timeline reads the label from the customer's field."""
    from django.apps import apps
    from django.utils import translation

    from setia.customers.timeline import _field_label

    membership = apps.get_model("loyalty", "Membership")
    with translation.override("en"):
        assert _field_label("member_number", membership) == "member card number"
        assert _field_label("number", membership) == "card number"  # its own field first
        assert _field_label("no_such_field", membership) == "no_such_field"
