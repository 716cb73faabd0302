"""The merge screen shows what helps tell the live record from the stale one: customer since, last
contact, orders and spend, membership, and phones as people read them."""

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from setia.accounts import roles
from setia.conftest import PERSONAS, Business, client_for, persona_user
from setia.customers import merge
from setia.customers.models import Customer
from setia.customers.services import ContactPoints, PhoneIn, customer_create
from setia.loyalty.models import Membership, Tier
from setia.loyalty.services.membership import membership_join
from setia.sales.models import Order

JAKARTA = dt.timezone(dt.timedelta(hours=7))


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def _order(customer: Customer, business: Business, number: str, day: str, total: int, **fields: object) -> Order:
    placed_at = dt.datetime.fromisoformat(day).replace(hour=10, tzinfo=JAKARTA)
    return Order.objects.create(
        number=number,
        customer=customer,
        branch=business.branch_a,
        business_date=placed_at.date(),
        placed_at=placed_at,
        subtotal=total,
        total=total,
        **fields,
    )


def _pair(business: Business) -> tuple[Customer, Customer]:
    """A stale record (no history) and the live one: orders and a member card."""
    stale = customer_create(
        actor=business.owner,
        name="Dewi Lestari",
        home_branch=business.branch_a,
        contacts=ContactPoints(phones=[PhoneIn("0812-1111-2222")]),
    )
    live = customer_create(
        actor=business.owner,
        name="Dewi L.",
        home_branch=business.branch_a,
        contacts=ContactPoints(phones=[PhoneIn("+62 812 1111 2222"), PhoneIn("(021) 555-1234", label="home")]),
    )
    Customer.objects.filter(pk=stale.pk).update(created_at=dt.datetime(2024, 1, 15, 9, tzinfo=JAKARTA))
    Customer.objects.filter(pk=live.pk).update(created_at=dt.datetime(2025, 6, 2, 9, tzinfo=JAKARTA))
    stale.refresh_from_db()
    live.refresh_from_db()
    _order(live, business, "S-0001", "2026-02-10", 300_000)
    _order(live, business, "S-0002", "2026-03-01", 200_000, status=Order.Status.PARTLY_REFUNDED, refunded_total=50_000)
    _order(live, business, "S-0003", "2026-01-04", 999_000, status=Order.Status.CANCELLED)  # not a sale
    Tier.objects.create(name="Silver", rank=0)
    membership = membership_join(actor=business.owner, customer=live)
    Membership.objects.filter(pk=membership.pk).update(points_balance=4377)
    return stale, live


def _summary(html: str) -> dict[str, tuple[str, str]]:
    """The summary rows of the page: label -> (left value, right value)."""
    body = re.search(r'<tbody data-testid="merge-summary">(.*?)</tbody>', html, re.S)
    assert body is not None
    rows = re.findall(
        r'<tr><th class="small">(.*?)</th><td data-side="a">(.*?)</td><td data-side="b">(.*?)</td></tr>', body[1]
    )
    return {label: (a, b) for label, a, b in rows}


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_facts_show_for_both_sides(business: Business) -> None:
    stale, live = _pair(business)
    card = Membership.objects.get(customer=live).number
    summary = merge.merge_summary(actor=business.manager, first=stale, second=live)
    assert summary == [
        {"label": "Customer since", "a": "15 January 2024", "b": "2 June 2025"},
        {"label": "Last activity", "a": "No contact recorded", "b": "1 March 2026 · Purchase S-0002"},
        {"label": "Orders", "a": "0", "b": "2"},
        {"label": "Total spent", "a": "Rp 0", "b": "Rp 450,000"},
        {"label": "Membership", "a": "Not a member yet.", "b": f"card {card} · Silver · 4,377 points"},
    ]


def test_the_page_shows_the_facts_and_phones_as_people_read_them(business: Business) -> None:
    stale, live = _pair(business)
    card = Membership.objects.get(customer=live).number
    client = client_for(business.manager)
    client.cookies["django_language"] = "en"
    html = client.get(f"/customers/merge/?a={stale.pk}&b={live.pk}").content.decode()
    assert _summary(html) == {
        "Customer since": ("15 January 2024", "2 June 2025"),
        "Last activity": ("No contact recorded", "1 March 2026 · Purchase S-0002"),
        "Orders": ("0", "2"),
        "Total spent": ("Rp 0", "Rp 450,000"),
        "Membership": ("Not a member yet.", f"card {card} · Silver · 4,377 points"),
    }
    phones = re.search(r'<tr data-testid="merge-phones">(.*?)</tr>', html, re.S)
    assert phones is not None
    left, right = re.findall(r'<td data-side="[ab]">(.*?)</td>', phones[1], re.S)
    assert _text(left) == "0812-1111-2222 mobile"
    assert _text(right) == "0812-1111-2222 mobile (021) 5551234 home"
    assert "+62" not in phones[1]


def test_in_indonesian_amounts_and_points_are_grouped_with_dots(business: Business) -> None:
    stale, live = _pair(business)
    client = client_for(business.owner)
    client.cookies["django_language"] = "id"
    html = client.get(f"/customers/merge/?a={stale.pk}&b={live.pk}").content.decode()
    assert "Rp 450.000" in html and "4.377" in html and "0812-1111-2222" in html


def test_each_app_answers_for_both_customers_in_one_query(business: Business) -> None:
    stale, live = _pair(business)
    assert {"sales.orders", "loyalty.membership"} <= set(merge._facts)
    for key, facts in merge._facts.items():
        with CaptureQueriesContext(connection) as queries:
            found = facts(business.owner, [stale.pk, live.pk])
        assert len(queries) == 1, key
        assert set(found) == {stale.pk, live.pk}, key


def test_a_viewer_without_the_capability_does_not_see_the_fact(
    business: Business, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale, live = _pair(business)
    monkeypatch.setitem(roles.CAPABILITIES, "orders.view", frozenset({roles.Role.OWNER}))
    labels = [row["label"] for row in merge.merge_summary(actor=business.manager, first=stale, second=live)]
    assert labels == ["Customer since", "Last activity", "Membership"]


def test_a_fact_registered_by_a_later_app_gets_its_own_row(business: Business) -> None:
    stale, live = _pair(business)

    def tickets(viewer: object, ids: list[int]) -> dict[int, list[merge.MergeFact]]:
        return {live.pk: [merge.MergeFact("test.tickets", "Open tickets", "1", order=50)]}

    merge.register_merge_facts("test.tickets", tickets)
    try:
        summary = merge.merge_summary(actor=business.owner, first=stale, second=live)
    finally:
        merge._facts.pop("test.tickets")
    assert summary[-1] == {"label": "Open tickets", "a": "", "b": "1"}


# Who may open the merge screen: unchanged by the summary (front office may not merge).
ACCESS = {
    "anonymous": 302,
    "other_branch_front_office": 403,
    "same_branch_front_office": 403,
    "manager": 200,
    "owner": 200,
}


def test_the_table_covers_every_persona() -> None:
    assert list(ACCESS) == PERSONAS


@pytest.mark.parametrize(("persona", "status"), ACCESS.items())
def test_merge_screen_per_persona(business: Business, persona: str, status: int) -> None:
    stale, live = _pair(business)
    response = client_for(persona_user(business, persona)).get(f"/customers/merge/?a={stale.pk}&b={live.pk}")
    assert response.status_code == status
    if status == 200:
        assert b'data-testid="merge-summary"' in response.content
    assert Customer.objects.filter(merged_into__isnull=False).count() == 0


def test_a_manager_cannot_compare_a_customer_of_another_branch(business: Business) -> None:
    stale, _live = _pair(business)
    elsewhere = customer_create(actor=business.owner, name="Dewi", home_branch=business.branch_b)
    response = client_for(business.manager).get(f"/customers/merge/?a={stale.pk}&b={elsewhere.pk}")
    assert response.status_code == 404
    assert Customer.objects.filter(merged_into__isnull=False).count() == 0
