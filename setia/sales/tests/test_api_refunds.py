"""Refunds through the API with an Idempotency-Key: a till that retries after a timeout refunds
once; the same key for another refund, another sender's key or a malformed key is refused and
refunds nothing. The retries at once are sent by real threads against PostgreSQL."""

import threading

import pytest
from django.db import close_old_connections, connection
from django.test import Client

from setia.accounts.services import api_key_create
from setia.conftest import Business
from setia.sales.models import Order, Refund
from setia.sales.services import checkout
from setia.sales.services.checkout import LineIn, PaymentIn


def _api(user: object) -> tuple[Client, str]:
    _record, key = api_key_create(actor=user, name="pos")  # type: ignore[arg-type]
    client = Client(headers={"Authorization": f"Bearer {key}"})
    client.cookies["django_language"] = "en"
    return client, key


def _paid(business: Business, shop: dict) -> Order:
    order, _created = checkout.checkout(
        actor=business.cashier_a,
        branch=business.branch_a,
        customer=shop["customer"],
        lines=[LineIn(product_id=shop["creambath"].pk, quantity=2)],
        payments=[PaymentIn("qris", 300_000)],
    )
    return order


def _refund(api: Client, order: Order, body: dict, key: str | None) -> tuple[int, dict]:
    headers = {"Idempotency-Key": key} if key is not None else {}
    response = api.post(f"/api/v1/orders/{order.pk}/refunds", body, content_type="application/json", headers=headers)
    return response.status_code, response.json()


@pytest.mark.django_db
def test_a_retried_refund_with_its_key_refunds_once(business: Business, shop: dict) -> None:
    order = _paid(business, shop)
    api, _key = _api(business.manager)
    body = {"reason": "Alergi", "amount": 50_000}
    first = _refund(api, order, body, "pos-7-refund-000001")
    again = _refund(api, order, body, "pos-7-refund-000001")
    assert (first[0], again[0]) == (201, 200) and first[1] == again[1] and first[1]["refunded_total"] == 50_000
    assert Refund.objects.count() == 1
    # Without a key every request is a refund of its own, as before.
    assert _refund(api, order, body, None)[1]["refunded_total"] == 100_000
    assert _refund(api, order, body, None)[1]["refunded_total"] == 150_000


@pytest.mark.django_db
def test_a_key_used_for_another_refund_another_sender_s_or_malformed_is_refused(business: Business, shop: dict) -> None:
    order = _paid(business, shop)
    api, _key = _api(business.manager)
    assert _refund(api, order, {"reason": "Alergi", "amount": 50_000}, "pos-7-refund-000002")[0] == 201
    status, answer = _refund(api, order, {"reason": "Alergi", "amount": 60_000}, "pos-7-refund-000002")
    assert status == 400 and list(answer["extra"]) == ["idempotency_key"]
    assert answer["message"] == "This Idempotency-Key was already used for a different refund."
    owner, _key = _api(business.owner)
    status, answer = _refund(owner, order, {"reason": "Alergi", "amount": 50_000}, "pos-7-refund-000002")
    assert status == 400 and list(answer["extra"]) == ["idempotency_key"]
    status, answer = _refund(api, order, {"reason": "Alergi", "amount": 50_000}, "short")
    assert status == 400 and list(answer["extra"]) == ["idempotency_key"]
    order.refresh_from_db()
    assert order.refunded_total == 50_000 and Refund.objects.count() == 1
    # The same key on another order is a refund of that order.
    other = _paid(business, shop)
    assert _refund(api, other, {"reason": "Alergi", "amount": 50_000}, "pos-7-refund-000002")[0] == 201
    assert Refund.objects.count() == 2


THREADS = 20


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_one_refund_key_retried_by_20_threads_at_once_refunds_once(business: Business, shop: dict) -> None:
    if connection.vendor != "postgresql":
        pytest.fail("concurrency tests run on PostgreSQL (make test-postgres)")
    order = _paid(business, shop)
    _client, key = _api(business.manager)
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": "pos-7-refund-000003"}
    barrier = threading.Barrier(THREADS)
    statuses: list[int] = []
    lock = threading.Lock()

    def send() -> None:
        client = Client()
        try:
            barrier.wait()
            response = client.post(
                f"/api/v1/orders/{order.pk}/refunds",
                {"reason": "Alergi", "amount": 50_000},
                content_type="application/json",
                headers=headers,
            )
            with lock:
                statuses.append(response.status_code)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=send) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * (THREADS - 1) + [201]  # one refund made, the others its retries
    order.refresh_from_db()
    assert Refund.objects.count() == 1 and order.refunded_total == 50_000
