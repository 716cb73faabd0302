"""Renewals: term dates across month ends and leap years, renew / lapse / cancel with their
outcome, the queue, pages and API by persona, timeline and merge."""

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from setia.accounts.models import User
from setia.accounts.services import api_key_create
from setia.conftest import Business, client_for, make_user
from setia.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from setia.core.models import AuditEvent
from setia.customers.merge import customers_merge
from setia.customers.models import Customer
from setia.customers.timeline import timeline_for
from setia.sales.models import Order, Payment, Subscription
from setia.sales.selectors import renewals as selectors
from setia.sales.services import renewals
from setia.sales.services.renewals import add_months, term_end


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (dt.date(2026, 1, 1), 12, dt.date(2026, 12, 31)),
        (dt.date(2026, 3, 15), 1, dt.date(2026, 4, 14)),
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 27)),  # 31 Jan + 1 month = 28 Feb, less a day
        (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 28)),  # leap year: 29 Feb, less a day
        (dt.date(2024, 2, 29), 12, dt.date(2025, 2, 27)),  # from a leap day: 28 Feb 2025, less a day
        (dt.date(2023, 2, 28), 12, dt.date(2024, 2, 27)),
        (dt.date(2025, 12, 31), 2, dt.date(2026, 2, 27)),
        (dt.date(2025, 11, 30), 3, dt.date(2026, 2, 27)),
        (dt.date(2026, 12, 1), 1, dt.date(2026, 12, 31)),  # over the year end
        (dt.date(2026, 8, 31), 6, dt.date(2027, 2, 27)),
        (dt.date(2027, 8, 31), 6, dt.date(2028, 2, 28)),  # ... 29 Feb 2028 exists
        (dt.date(2026, 5, 10), 120, dt.date(2036, 5, 9)),
    ],
)
def test_term_end(start: dt.date, months: int, end: dt.date) -> None:
    assert term_end(start, months) == end


def test_add_months_clamps_to_the_month_end() -> None:
    assert [add_months(dt.date(2024, 1, 31), n) for n in range(1, 4)] == [
        dt.date(2024, 2, 29),
        dt.date(2024, 3, 31),
        dt.date(2024, 4, 30),
    ]
    assert add_months(dt.date(2026, 11, 15), 14) == dt.date(2028, 1, 15)


@pytest.fixture
def team(business: Business) -> dict[str, User]:
    return {
        "sales_a": make_user("sales_a", "sales", business.branch_a, first_name="Dewi"),
        "sales_b": make_user("sales_b", "sales", business.branch_b, first_name="Bayu"),
    }


def subscribe(business: Business, team: dict, shop: dict, **extra: Any) -> Subscription:
    values: dict[str, Any] = {
        "actor": team["sales_a"],
        "customer": shop["customer"],
        "branch": business.branch_a,
        "name": "Paket perawatan tahunan",
        "price": 1_200_000,
        "starts_on": dt.date(2026, 1, 31),
        "term_months": 1,
    }
    values.update(extra)
    return renewals.subscription_create(**values)


def test_create_computes_the_renewal_date(business: Business, team: dict, shop: dict) -> None:
    subscription = subscribe(business, team, shop)
    assert (subscription.starts_on, subscription.ends_on, subscription.status) == (
        dt.date(2026, 1, 31),
        dt.date(2026, 2, 27),
        "active",
    )
    assert subscription.owner == team["sales_a"] and subscription.outcome_at is None
    named = subscribe(business, team, shop, name="", product=shop["creambath"], term_months=12)
    assert named.name == "Creambath" and named.ends_on == dt.date(2027, 1, 30)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "", "product": None}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"price": -1}, "price"),
        ({"price": "1000"}, "price"),
        ({"term_months": 0}, "term_months"),
        ({"term_months": 121}, "term_months"),
        ({"starts_on": "2026-01-01"}, "starts_on"),
    ],
)
def test_create_refuses_bad_input_naming_the_field(
    business: Business, team: dict, shop: dict, change: dict, field: str
) -> None:
    with pytest.raises(ApplicationError) as refused:
        subscribe(business, team, shop, **change)
    assert list(refused.value.extra) == [field]
    assert Subscription.objects.count() == 0


def test_create_checks_capability_and_branches(business: Business, team: dict, shop: dict) -> None:
    with pytest.raises(PermissionDeniedError):
        subscribe(business, team, shop, actor=business.cashier_a)  # cashiers see subscriptions only
    with pytest.raises(ApplicationError) as refused:
        subscribe(business, team, shop, actor=team["sales_b"], branch=business.branch_b)
    assert list(refused.value.extra) == ["customer"]
    with pytest.raises(ApplicationError) as refused:
        subscribe(business, team, shop, branch=business.branch_b)
    assert list(refused.value.extra) == ["branch"]
    assert Subscription.objects.count() == 0


def test_renew_closes_the_term_and_opens_the_next(business: Business, team: dict, shop: dict) -> None:
    first = subscribe(business, team, shop, starts_on=dt.date(2024, 1, 31), term_months=1)
    before = timezone.now()
    second = renewals.subscription_renew(actor=team["sales_a"], subscription=first, note="Lanjut sebulan")
    first.refresh_from_db()
    assert (first.status, first.outcome_by, first.outcome_note) == ("renewed", team["sales_a"], "Lanjut sebulan")
    assert first.outcome_at is not None and first.outcome_at >= before
    assert (second.starts_on, second.ends_on, second.price, second.term_months) == (
        dt.date(2024, 2, 29),  # the day after 28 Feb in a leap year
        dt.date(2024, 3, 28),
        1_200_000,
        1,
    )
    assert (second.status, second.renewal_of, second.order) == ("active", first, None)
    third = renewals.subscription_renew(actor=team["sales_a"], subscription=second, price=3_000_000, term_months=3)
    assert (third.starts_on, third.ends_on, third.price) == (dt.date(2024, 3, 29), dt.date(2024, 6, 28), 3_000_000)
    assert selectors.renewal_history(third) == [second, first]
    assert Order.objects.count() == 0


def test_renew_with_payment_records_the_sale_through_checkout(business: Business, team: dict, shop: dict) -> None:
    first = subscribe(business, team, shop, product=shop["creambath"], price=150_000)
    renewal = renewals.subscription_renew(actor=team["sales_a"], subscription=first, payment_method="transfer")
    order = Order.objects.get()
    assert renewal.order == order and order.status == "fulfilled" and order.total == 150_000
    assert list(Payment.objects.values_list("method", "amount")) == [("transfer", 150_000)]
    assert list(order.lines.values_list("product_id", "unit_price")) == [(shop["creambath"].pk, 150_000)]


def test_a_refused_payment_leaves_the_subscription_active(business: Business, team: dict, shop: dict) -> None:
    first = subscribe(business, team, shop)
    with pytest.raises(ApplicationError) as refused:
        renewals.subscription_renew(actor=team["sales_a"], subscription=first, payment_method="bitcoin")
    assert list(refused.value.extra) == ["payment_method"]
    first.refresh_from_db()
    assert first.status == "active" and Subscription.objects.count() == 1 and Order.objects.count() == 0


def test_lapse_and_cancel_record_the_outcome_and_refuse_a_second_one(
    business: Business, team: dict, shop: dict
) -> None:
    lapsing = subscribe(business, team, shop)
    cancelling = subscribe(business, team, shop, name="Kontrak antar-jemput")
    renewals.subscription_lapse(actor=team["sales_a"], subscription=lapsing, note="Pindah kota")
    renewals.subscription_cancel(actor=business.manager, subscription=cancelling)
    lapsing.refresh_from_db()
    cancelling.refresh_from_db()
    assert (lapsing.status, lapsing.outcome_note, lapsing.outcome_by) == ("lapsed", "Pindah kota", team["sales_a"])
    assert (cancelling.status, cancelling.outcome_by) == ("cancelled", business.manager)
    for attempt, message in (
        (renewals.subscription_renew, "Only an active subscription can be renewed; Paket perawatan tahunan is lapsed."),
        (renewals.subscription_lapse, "Only an active subscription can lapse; Paket perawatan tahunan is lapsed."),
        (
            renewals.subscription_cancel,
            "Only an active subscription can be cancelled; Paket perawatan tahunan is lapsed.",
        ),
    ):
        with pytest.raises(ApplicationError) as refused:
            attempt(actor=team["sales_a"], subscription=lapsing)
        assert refused.value.message == message and list(refused.value.extra) == ["status"]
    assert Subscription.objects.count() == 2
    statuses = AuditEvent.objects.filter(object_type="sales.subscription", action="update")
    assert sorted(event.changes["status"][1] for event in statuses) == ["cancelled", "lapsed"]


def test_other_branch_staff_cannot_touch_a_subscription(business: Business, team: dict, shop: dict) -> None:
    subscription = subscribe(business, team, shop)
    with pytest.raises(NotFoundError):
        renewals.subscription_lapse(actor=team["sales_b"], subscription=subscription)
    with pytest.raises(PermissionDeniedError):
        renewals.subscription_lapse(actor=business.analyst, subscription=subscription)
    subscription.refresh_from_db()
    assert subscription.status == "active"


def test_the_queue_holds_active_terms_due_soon_overdue_first(business: Business, team: dict, shop: dict) -> None:
    today = timezone.localdate()

    def ending(days: int, **extra: Any) -> Subscription:
        subscription = subscribe(business, team, shop, starts_on=today - dt.timedelta(days=400), term_months=1, **extra)
        Subscription.objects.filter(pk=subscription.pk).update(ends_on=today + dt.timedelta(days=days))
        subscription.refresh_from_db()
        return subscription

    overdue = ending(-3, name="Lewat")
    today_due = ending(0, name="Hari ini")
    soon = ending(10, name="Segera")
    edge = ending(30, name="Tepat 30 hari")
    ending(31, name="Terlalu jauh")
    lapsed = ending(5, name="Sudah berhenti")
    renewals.subscription_lapse(actor=team["sales_a"], subscription=lapsed)
    other_branch = Customer.objects.create(name="Rina", search_name="rina", home_branch=business.branch_b)
    theirs = renewals.subscription_create(
        actor=team["sales_b"],
        customer=other_branch,
        branch=business.branch_b,
        name="Cabang Dago",
        price=100_000,
        starts_on=today - dt.timedelta(days=20),
        term_months=1,
    )
    queue = list(selectors.renewal_queue(actor=team["sales_a"], today=today))
    assert queue == [overdue, today_due, soon, edge]
    assert [s.name for s in selectors.renewal_queue(actor=team["sales_a"], today=today, days=7)] == [
        "Lewat",
        "Hari ini",
    ]
    assert list(selectors.renewal_queue(actor=team["sales_b"], today=today)) == [theirs]
    owner_view = list(selectors.renewal_queue(actor=business.owner, today=today))
    assert owner_view == sorted([overdue, today_due, soon, edge, theirs], key=lambda s: (s.ends_on, s.pk))


# --- Pages ------------------------------------------------------------------------------------------

PERSONAS = [
    "anonymous",
    "other_branch_sales",
    "same_branch_cashier",
    "same_branch_sales",
    "analyst",
    "manager",
    "owner",
]


def _user(business: Business, team: dict, persona: str) -> User | None:
    return {
        "anonymous": None,
        "other_branch_sales": team["sales_b"],
        "same_branch_cashier": business.cashier_a,
        "same_branch_sales": team["sales_a"],
        "analyst": business.analyst,
        "manager": business.manager,
        "owner": business.owner,
    }[persona]


@pytest.mark.parametrize("persona", PERSONAS)
def test_pages_by_persona(business: Business, team: dict, shop: dict, persona: str) -> None:
    subscription = subscribe(business, team, shop, starts_on=timezone.localdate(), term_months=1)
    user = _user(business, team, persona)
    web = client_for(user)
    queue = reverse("sales:renewal_queue")
    detail = reverse("sales:subscription_detail", args=[subscription.pk])
    new = reverse("sales:subscription_new") + f"?customer={shop['customer'].pk}"
    statuses = {url: web.get(url).status_code for url in (queue, detail, new)}
    expected = {
        "anonymous": (302, 302, 302),
        "other_branch_sales": (200, 404, 404),
        "same_branch_cashier": (200, 200, 403),  # cashiers see renewals, do not record them
        "same_branch_sales": (200, 200, 200),
        "analyst": (200, 200, 403),
        "manager": (200, 200, 200),
        "owner": (200, 200, 200),
    }[persona]
    assert statuses == dict(zip((queue, detail, new), expected, strict=True))
    if persona == "other_branch_sales":
        assert "Paket perawatan tahunan" not in web.get(queue).content.decode()
    if persona in ("same_branch_sales", "same_branch_cashier", "owner"):
        page = web.get(queue).content.decode()
        assert 'data-testid="renewal-row"' in page and "Paket perawatan tahunan" in page
        assert ('data-testid="subscription-renew"' in web.get(detail).content.decode()) == (
            persona != "same_branch_cashier"
        )


@pytest.mark.parametrize("persona", PERSONAS)
def test_actions_by_persona(business: Business, team: dict, shop: dict, persona: str) -> None:
    subscription = subscribe(business, team, shop)
    web = client_for(_user(business, team, persona))
    responses = [
        web.post(reverse(f"sales:subscription_{action}", args=[subscription.pk]), {"note": "x"})
        for action in ("lapse", "cancel")
    ]
    subscription.refresh_from_db()
    if persona in ("same_branch_sales", "manager", "owner"):
        assert [r.status_code for r in responses] == [302, 302] and subscription.status == "lapsed"
    else:
        expected = {"anonymous": 302, "other_branch_sales": 404}.get(persona, 403)
        assert [r.status_code for r in responses] == [expected, expected] and subscription.status == "active"


def test_renew_and_create_through_the_pages(business: Business, team: dict, shop: dict) -> None:
    web = client_for(team["sales_a"])
    created = web.post(
        reverse("sales:subscription_new"),
        {
            "customer": shop["customer"].pk,
            "name": "Member tahunan",
            "product": "",
            "branch": business.branch_a.pk,
            "price": "1.500.000",
            "term_months": "12",
            "starts_on": "2026-03-01",
            "notes": "",
        },
    )
    subscription = Subscription.objects.get()
    assert created.status_code == 302 and created["Location"] == reverse(
        "sales:subscription_detail", args=[subscription.pk]
    )
    assert (subscription.price, subscription.ends_on) == (1_500_000, dt.date(2027, 2, 28))
    renewed = web.post(
        reverse("sales:subscription_renew", args=[subscription.pk]),
        {"renew-price": "1.650.000", "renew-term_months": "12", "renew-payment_method": "", "renew-note": "Naik 10%"},
    )
    renewal = Subscription.objects.get(renewal_of=subscription)
    assert renewed["Location"] == reverse("sales:subscription_detail", args=[renewal.pk])
    assert (renewal.starts_on, renewal.ends_on, renewal.price) == (dt.date(2027, 3, 1), dt.date(2028, 2, 29), 1_650_000)
    page = web.get(renewed["Location"]).content.decode()
    assert 'data-testid="subscription-history"' in page


def test_the_form_names_a_bad_price(business: Business, team: dict, shop: dict) -> None:
    web = client_for(team["sales_a"])
    response = web.post(
        reverse("sales:subscription_new"),
        {
            "customer": shop["customer"].pk,
            "name": "Member",
            "branch": business.branch_a.pk,
            "price": "satu juta",
            "term_months": "12",
            "starts_on": "2026-03-01",
        },
    )
    assert response.status_code == 200 and 'data-field-error="price"' in response.content.decode()
    assert Subscription.objects.count() == 0


# --- API --------------------------------------------------------------------------------------------


def _api(user: User | None) -> tuple[Client, dict[str, str]]:
    if user is None:
        return Client(), {}
    _record, key = api_key_create(actor=user, name="crm")
    return Client(), {"Authorization": f"Bearer {key}"}


def test_api_create_list_renew_lapse(business: Business, team: dict, shop: dict) -> None:
    client, headers = _api(team["sales_a"])
    body = {
        "customer_id": shop["customer"].pk,
        "branch_id": business.branch_a.pk,
        "name": "Kontrak antar-jemput",
        "price": 5_000_000,
        "term_months": 6,
        "starts_on": "2026-08-31",
    }
    created = client.post("/api/v1/subscriptions", body, content_type="application/json", headers=headers)
    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["ends_on"], data["status"]) == ("2027-02-27", "active")
    listed = client.get("/api/v1/subscriptions?status=active", headers=headers).json()
    assert [item["id"] for item in listed["items"]] == [data["id"]]
    renewed = client.post(
        f"/api/v1/subscriptions/{data['id']}/renew", {"note": "ok"}, content_type="application/json", headers=headers
    )
    assert renewed.status_code == 201
    assert (renewed.json()["starts_on"], renewed.json()["renewal_of_id"]) == ("2027-02-28", data["id"])
    again = client.post(
        f"/api/v1/subscriptions/{data['id']}/lapse", {}, content_type="application/json", headers=headers
    )
    assert again.status_code == 400 and list(again.json()["extra"]) == ["status"]
    lapsed = client.post(
        f"/api/v1/subscriptions/{renewed.json()['id']}/lapse",
        {"note": "tutup"},
        content_type="application/json",
        headers=headers,
    )
    assert (
        lapsed.status_code == 200 and lapsed.json()["status"] == "lapsed" and lapsed.json()["outcome_note"] == "tutup"
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"customer_id": 999_999}, "customer_id"),
        ({"branch_id": 999_999}, "branch_id"),
        ({"product_id": 999_999}, "product_id"),
        ({"price": -5}, "price"),
        ({"term_months": 0}, "term_months"),
        ({"starts_on": "31-08-2026"}, "starts_on"),
        ({"price": "banyak"}, "price"),
    ],
)
def test_api_validation(business: Business, team: dict, shop: dict, change: dict, field: str) -> None:
    client, headers = _api(team["sales_a"])
    body = {
        "customer_id": shop["customer"].pk,
        "branch_id": business.branch_a.pk,
        "name": "Kontrak",
        "price": 5_000_000,
        "starts_on": "2026-08-31",
        **change,
    }
    response = client.post("/api/v1/subscriptions", body, content_type="application/json", headers=headers)
    assert response.status_code == 400, response.content
    assert any(key.startswith(field) for key in response.json()["extra"]), response.json()
    assert Subscription.objects.count() == 0


@pytest.mark.parametrize("persona", PERSONAS)
def test_api_by_persona(business: Business, team: dict, shop: dict, persona: str) -> None:
    subscription = subscribe(business, team, shop)
    client, headers = _api(_user(business, team, persona))
    base = f"/api/v1/subscriptions/{subscription.pk}"
    statuses = {
        "list": client.get("/api/v1/subscriptions?due_within_days=30", headers=headers).status_code,
        "get": client.get(base, headers=headers).status_code,
        "lapse": client.post(f"{base}/lapse", {}, content_type="application/json", headers=headers).status_code,
    }
    expected = {
        "anonymous": {"list": 401, "get": 401, "lapse": 401},
        "other_branch_sales": {"list": 200, "get": 404, "lapse": 404},
        "same_branch_cashier": {"list": 200, "get": 200, "lapse": 403},
        "analyst": {"list": 200, "get": 200, "lapse": 403},
        "same_branch_sales": {"list": 200, "get": 200, "lapse": 200},
        "manager": {"list": 200, "get": 200, "lapse": 200},
        "owner": {"list": 200, "get": 200, "lapse": 200},
    }[persona]
    assert statuses == expected


# --- Timeline, panel and merge --------------------------------------------------------------------------


def test_timeline_panel_and_merge(business: Business, team: dict, shop: dict) -> None:
    first = subscribe(business, team, shop)
    renewals.subscription_renew(actor=team["sales_a"], subscription=first)
    titles = [entry.title for entry in timeline_for(shop["customer"]) if entry.kind == "subscriptions"]
    assert titles == ["Subscription Paket perawatan tahunan renewed", "Subscription Paket perawatan tahunan started"]
    page = client_for(team["sales_a"]).get(reverse("customers:detail", args=[shop["customer"].pk])).content.decode()
    assert 'data-testid="subscriptions-panel"' in page
    duplicate = Customer.objects.create(name="Siti R.", search_name="siti r", home_branch=business.branch_a)
    theirs = subscribe(business, team, shop, customer=duplicate)
    customers_merge(actor=business.owner, survivor=shop["customer"], merged=duplicate)
    theirs.refresh_from_db()
    assert theirs.customer == shop["customer"]
