"""The caller card's "last interactions": purchases and activities, not record edits."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from setia.accounts.services import api_key_create
from setia.conftest import Business
from setia.customers.services import ContactPoints, PhoneIn, customer_create, customer_update
from setia.sales.services import activities
from setia.sales.services.checkout import LineIn, PaymentIn, checkout

pytestmark = pytest.mark.django_db


def test_last_interactions_are_purchases_and_activities(business: Business, shop: dict) -> None:
    customer = customer_create(
        actor=business.owner,
        name="Bu Ratna",
        home_branch=business.branch_a,
        contacts=ContactPoints(phones=[PhoneIn("0812-7000-1111")]),
    )
    customer_update(  # an edit: not an interaction
        actor=business.owner, customer=customer, version=customer.version, occupation="Guru"
    )
    order, _replayed = checkout(
        actor=business.cashier_a,
        branch=business.branch_a,
        customer=customer,
        lines=[LineIn(product_id=shop["creambath"].pk, quantity=1)],
        payments=[PaymentIn("cash", 150_000)],
    )
    activities.activity_create(
        actor=business.owner,
        kind="call",
        subject="Tanya jadwal creambath",
        due_at=timezone.now() + dt.timedelta(hours=1),
        customer_id=customer.pk,
    )
    _record, key = api_key_create(actor=business.owner, name="pbx")

    response = Client().get("/api/v1/customers/lookup?phone=081270001111", headers={"Authorization": f"Bearer {key}"})

    [card] = response.json()["customers"]
    assert sorted(entry["kind"] for entry in card["last_interactions"]) == ["activity", "order"]
    assert any(order.number in entry["title"] + entry["detail"] for entry in card["last_interactions"])


def _busy_customer(business: Business, shop: dict, name: str, phone: str) -> object:
    """A customer with purchases and every kind of activity line: a note, one done, one due and
    assigned to someone else, one with an outcome."""
    customer = customer_create(
        actor=business.owner,
        name=name,
        home_branch=business.branch_a,
        contacts=ContactPoints(phones=[PhoneIn(phone)]),
    )
    for quantity in (1, 2, 3):
        checkout(
            actor=business.cashier_a,
            branch=business.branch_a,
            customer=customer,
            lines=[LineIn(product_id=shop["shampoo"].pk, quantity=quantity)],
            payments=[PaymentIn("qris", 45_500 * quantity)],
        )
    activities.activity_create(
        actor=business.owner, kind="note", subject="Catatan", details="Suka " * 80, customer_id=customer.pk
    )
    activities.activity_create(
        actor=business.owner,
        kind="call",
        subject="Telepon balik",
        due_at=timezone.now() + dt.timedelta(hours=2),
        assigned_to_id=business.manager.pk,
        customer_id=customer.pk,
    )
    done = activities.activity_create(
        actor=business.owner, kind="task", subject="Kirim katalog", customer_id=customer.pk
    )
    activities.activity_complete(actor=business.owner, activity=done, outcome="Terkirim lewat WA")
    return customer


def test_last_interactions_for_several_customers_are_each_ones_timeline(business: Business, shop: dict) -> None:
    from setia.customers.timeline import last_interactions, timeline_for

    first = _busy_customer(business, shop, "Bu Ratna", "0812-7000-2222")
    second = _busy_customer(business, shop, "Pak Budi", "0812-7000-3333")
    quiet = customer_create(actor=business.owner, name="Bu Sepi", home_branch=business.branch_a)
    customers = [first, second, quiet]
    for limit in (2, 5, 10):
        together = last_interactions(customers, limit=limit)  # type: ignore[arg-type]
        for customer in customers:
            alone = timeline_for(customer, limit=limit, interactions_only=True)  # type: ignore[arg-type]
            assert together[customer.pk] == alone  # type: ignore[attr-defined]
    assert len(together[first.pk]) == 6 and together[quiet.pk] == []  # type: ignore[attr-defined]
    assert any("for Lestari" in entry.detail for entry in together[first.pk])  # type: ignore[attr-defined]
    # Staff by name, as they know each other, from the written-out query as from the models.
    assert {entry.actor for entry in together[first.pk]} == {"Sari", "Nur"}  # type: ignore[attr-defined]
    assert all(entry.at.tzinfo is not None for entry in together[first.pk])  # type: ignore[attr-defined]
