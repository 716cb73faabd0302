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
