"""Real threads against PostgreSQL (run by `make test-postgres`).

PostgreSQL here allows 100 connections in all, so 100 requests are sent by 50 threads at once
(two each), every thread with its own connection."""

import threading

import pytest
from django.db import close_old_connections, connection
from django.test import Client

from setia.accounts.services import api_key_create
from setia.conftest import Business
from setia.core.errors import ApplicationError
from setia.loyalty.models import PointsEntry
from setia.loyalty.services import membership
from setia.sales.models import Order

THREADS, PER_THREAD = 50, 2


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_one_idempotency_key_from_100_concurrent_requests_makes_one_order(business: Business, shop: dict) -> None:
    if connection.vendor != "postgresql":
        pytest.fail("concurrency tests run on PostgreSQL (make test-postgres)")
    membership.membership_join(actor=business.cashier_a, customer=shop["customer"])
    _record, key = api_key_create(actor=business.cashier_a, name="pos")
    body = {
        "branch_id": business.branch_a.pk,
        "customer_id": shop["customer"].pk,
        "lines": [{"product_id": shop["creambath"].pk, "quantity": 1}],
        "payments": [{"method": "qris", "amount": 150_000}],
    }
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": "pos-7-20261129-000042"}
    barrier = threading.Barrier(THREADS)
    statuses: list[int] = []
    order_ids: set[int] = set()
    lock = threading.Lock()

    def send() -> None:
        client = Client()
        try:
            barrier.wait()
            for _ in range(PER_THREAD):
                response = client.post("/api/v1/orders", body, content_type="application/json", headers=headers)
                with lock:
                    statuses.append(response.status_code)
                    if response.status_code in (200, 201):
                        order_ids.add(response.json()["id"])
        finally:
            close_old_connections()

    threads = [threading.Thread(target=send) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(statuses) == THREADS * PER_THREAD
    assert statuses.count(201) == 1 and statuses.count(200) == THREADS * PER_THREAD - 1, sorted(set(statuses))
    assert Order.objects.count() == 1 and order_ids == {Order.objects.get().pk}
    member = shop["customer"].membership
    member.refresh_from_db()
    assert list(PointsEntry.objects.filter(membership=member).values_list("kind", "points")) == [("earn", 15)]
    assert member.points_balance == 15


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_a_single_use_voucher_from_two_cashier_screens_at_once_succeeds_once(business: Business, shop: dict) -> None:
    if connection.vendor != "postgresql":
        pytest.fail("concurrency tests run on PostgreSQL (make test-postgres)")
    from setia.loyalty.models import Voucher, VoucherCode
    from setia.loyalty.services import vouchers
    from setia.sales.services.checkout import LineIn, PaymentIn, checkout

    voucher = vouchers.voucher_create(
        actor=business.owner, name="Hemat", kind=Voucher.Kind.AMOUNT, value=50_000, per_customer_limit=None
    )
    vouchers.codes_issue(actor=business.owner, voucher=voucher, code="SEKALI")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def sell(cashier: object) -> None:
        try:
            barrier.wait()
            checkout(
                actor=cashier,  # type: ignore[arg-type]
                branch=business.branch_a,
                customer=None,
                lines=[LineIn(product_id=shop["creambath"].pk)],
                payments=[PaymentIn("qris", 100_000)],
                voucher_code="SEKALI",
            )
            outcomes.append("sold")
        except ApplicationError as error:
            outcomes.append(f"refused: {sorted(error.extra)}")
        finally:
            close_old_connections()

    threads = [threading.Thread(target=sell, args=(cashier,)) for cashier in (business.cashier_a, business.manager)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("sold") == 1, outcomes
    assert outcomes.count("refused: ['voucher_code']") == 1, outcomes
    assert VoucherCode.objects.get(code="SEKALI").uses == 1 and Order.objects.count() == 1
