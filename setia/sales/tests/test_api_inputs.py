"""API bodies a client gets slightly wrong: a clear 4xx naming the field, never a 500 and never a
number read as a thousandth of itself."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from setia.accounts.services import api_key_create
from setia.catalog.models import Product
from setia.conftest import Business, make_user
from setia.sales.models import Order, Trip

pytestmark = pytest.mark.django_db


def _api(user: object) -> Client:
    _record, key = api_key_create(actor=user, name="pos")  # type: ignore[arg-type]
    return Client(headers={"Authorization": f"Bearer {key}"})


def _sale(business: Business, shop: dict, **line: object) -> dict:
    return {
        "branch_id": business.branch_a.pk,
        "customer_id": shop["customer"].pk,
        "lines": [{"product_id": shop["shampoo"].pk, **line}],
        "payments": [{"method": "qris", "amount": 45_500}],
    }


def test_a_line_served_by_someone_unknown_or_of_another_branch_is_refused_naming_it(
    business: Business, shop: dict
) -> None:
    api = _api(business.cashier_a)
    stylist_b = make_user("stylist_b", "cashier", business.branch_b)
    for staff in (99_999, stylist_b.pk):
        refused = api.post("/api/v1/orders", _sale(business, shop, staff_id=staff), content_type="application/json")
        assert refused.status_code == 400, refused.content
        assert list(refused.json()["extra"]) == ["lines[1].staff"]
    assert Order.objects.count() == 0
    served = api.post(
        "/api/v1/orders", _sale(business, shop, staff_id=business.cashier_a.pk), content_type="application/json"
    )
    assert served.status_code == 201, served.content
    assert served.json()["lines"][0]["staff_id"] == business.cashier_a.pk


def test_amounts_sent_as_text_are_refused_not_read_as_a_thousandth(business: Business, shop: dict) -> None:
    api = _api(business.cashier_a)
    body = _sale(business, shop)
    body["payments"] = [{"method": "qris", "amount": "45.500"}]
    refused = api.post("/api/v1/orders", body, content_type="application/json")
    assert 400 <= refused.status_code < 500 and "amount" in refused.content.decode()
    product = Product.objects.get(pk=shop["creambath"].pk)
    owner = _api(business.owner)
    patched = owner.patch(f"/api/v1/products/{product.pk}", {"price": "150.000"}, content_type="application/json")
    assert 400 <= patched.status_code < 500 and "price" in patched.content.decode()
    assert Order.objects.count() == 0 and Product.objects.get(pk=product.pk).price == product.price
    assert (
        owner.patch(f"/api/v1/products/{product.pk}", {"price": 160_000}, content_type="application/json").json()[
            "price"
        ]
        == 160_000
    )


def test_a_trip_time_without_a_zone_is_the_business_s_local_time(business: Business, shop: dict) -> None:
    local = (timezone.localtime() + dt.timedelta(days=1)).replace(hour=17, minute=0, second=0, microsecond=0)
    booked = _api(business.cashier_a).post(
        "/api/v1/trips",
        {
            "customer_id": shop["customer"].pk,
            "branch_id": business.branch_a.pk,
            "pickup_at": local.strftime("%Y-%m-%dT%H:%M:%S"),
            "pickup_text": "Jl. Melati No. 12",
        },
        content_type="application/json",
    )
    assert booked.status_code == 201, booked.content
    assert Trip.objects.get().pickup_at == local  # 17:00 in Jakarta, not 17:00 UTC


def test_a_refund_of_an_amount_and_lines_at_once_is_refused(business: Business, shop: dict) -> None:
    sale = _api(business.cashier_a).post("/api/v1/orders", _sale(business, shop), content_type="application/json")
    assert sale.status_code == 201, sale.content
    order = sale.json()
    manager = _api(business.manager)
    both = manager.post(
        f"/api/v1/orders/{order['id']}/refunds",
        {"reason": "x", "amount": 1_000, "lines": {str(order["lines"][0]["id"]): 1}},
        content_type="application/json",
    )
    assert both.status_code == 400 and list(both.json()["extra"]) == ["amount"]
    assert Order.objects.get(pk=order["id"]).refunded_total == 0
    part = manager.post(
        f"/api/v1/orders/{order['id']}/refunds", {"reason": "x", "amount": 1_000}, content_type="application/json"
    )
    assert part.status_code == 200 and part.json()["refunded_total"] == 1_000


def test_another_sender_s_idempotency_key_is_refused_not_answered_with_her_order(
    business: Business, shop: dict
) -> None:
    body = _sale(business, shop)
    key = {"Idempotency-Key": "pos-2026-0001"}
    first = _api(business.cashier_a).post("/api/v1/orders", body, content_type="application/json", headers=key)
    assert first.status_code == 201, first.content
    other = _api(business.manager).post("/api/v1/orders", body, content_type="application/json", headers=key)
    assert other.status_code == 400 and list(other.json()["extra"]) == ["idempotency_key"]
    assert str(first.json()["number"]) not in other.content.decode() and Order.objects.count() == 1
    again = _api(business.cashier_a).post("/api/v1/orders", body, content_type="application/json", headers=key)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]  # her own retry still works
