"""Importing past orders from the web page: upload → check (nothing written) → confirm → import,
the report of bad rows, and who may do it."""

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from setia.accounts.models import User
from setia.conftest import PERSONAS, Business, client_for, persona_user
from setia.core.models import AuditEvent
from setia.customers.models import Customer
from setia.sales.models import Order, OrderImport
from setia.sales.services import order_imports
from setia.sales.tasks.imports import order_import_check_job, order_import_run_job

GOOD = b"customer_ref,date,amount\nPOS-1,2024-03-15,150000\nPOS-1,2024-04-20,75000\n"
MIXED = GOOD + b"POS-9,2024-05-01,50000\nPOS-1,2024-13-01,10000\n"


@pytest.fixture(autouse=True)
def media(tmp_path: Path) -> Any:
    with override_settings(MEDIA_ROOT=str(tmp_path / "media")):
        yield


@pytest.fixture
def siti(business: Business) -> Customer:
    User.objects.update(language="en")
    return Customer.objects.create(
        name="Siti Rahma", search_name="siti rahma", home_branch=business.branch_a, external_id="POS-1"
    )


def _work() -> None:
    """What the worker does with the queued jobs: the check of an uploaded file, the import of a
    confirmed one (the jobs call these services)."""
    for record in OrderImport.objects.filter(status__in=["checking", "importing"]):
        if record.status == "checking":
            order_imports.order_import_check_run(record.pk)
        else:
            order_imports.order_import_run(record.pk)


def _upload(client: Any, content: bytes, callbacks: Any, name: str = "kasir-lama.csv", **options: str) -> Any:
    with callbacks() as queued:
        response = client.post(
            reverse("sales:order_import_start"),
            {"file": SimpleUploadedFile(name, content, content_type="text/csv"), **options},
        )
    _work()
    return response, queued


def _detail(client: Any, record: OrderImport) -> str:
    """The import's page as its viewer sees it."""
    return str(client.get(reverse("sales:order_import_detail", args=[record.pk])).content.decode())


def _confirm(client: Any, record: OrderImport, callbacks: Any, **data: str) -> Any:
    with callbacks() as queued:
        response = client.post(reverse("sales:order_import_detail", args=[record.pk]), data)
    assert len(queued) == (1 if response.status_code == 302 else 0)
    _work()
    return response


def test_upload_check_confirm_import(business: Business, siti: Customer, django_capture_on_commit_callbacks) -> None:
    client = client_for(business.owner)
    response, jobs = _upload(client, GOOD, django_capture_on_commit_callbacks)
    record = OrderImport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "sales:order_import_detail", args=[record.pk]
    )
    assert len(jobs) == 1  # the check, queued on commit
    record.refresh_from_db()
    assert record.status == "checked" and record.result["valid_rows"] == 2 and record.result["orders"] == 2
    assert not Order.objects.exists()  # the check writes nothing
    page = _detail(client, record)
    assert 'data-testid="order-import-confirm"' in page and "History only: no points or rewards are given." in page
    confirmed = _confirm(client, record, django_capture_on_commit_callbacks)
    assert confirmed.status_code == 302
    record.refresh_from_db()
    assert record.status == "done" and record.result["orders_created"] == 2
    assert sorted(Order.objects.values_list("customer_id", "total")) == [(siti.pk, 75_000), (siti.pk, 150_000)]
    done = _detail(client, record)
    assert "2 orders imported." in done
    audited = AuditEvent.objects.filter(object_type="sales.orderimport", object_id=str(record.pk))
    assert set(audited.values_list("action", flat=True)) == {"upload", "confirm"}
    # The same file again: checked as already imported, nothing doubled.
    _upload(client, GOOD, django_capture_on_commit_callbacks)
    again = OrderImport.objects.first()
    assert again is not None and again.result["orders_existing"] == 2
    _confirm(client, again, django_capture_on_commit_callbacks)
    assert Order.objects.count() == 2


def test_bad_rows_are_listed_reported_and_skipped_only_when_asked(
    business: Business, siti: Customer, django_capture_on_commit_callbacks
) -> None:
    client = client_for(business.owner)
    _upload(client, MIXED, django_capture_on_commit_callbacks)
    record = OrderImport.objects.get()
    assert (record.result["valid_rows"], record.result["invalid_rows"]) == (2, 2)
    assert [row for row, _reason in record.errors] == [4, 5]
    page = _detail(client, record)
    assert page.count('data-testid="order-import-error-row"') == 2 and "POS-9" in page
    report = client.get(reverse("sales:order_import_report", args=[record.pk]))
    text = b"".join(report.streaming_content).decode()  # type: ignore[attr-defined]
    assert report.status_code == 200 and "POS-9" in text and "2024-13-01" in text
    assert "kasir-lama-skipped-rows.csv" in report["Content-Disposition"]
    # Confirming without choosing to skip the bad rows imports nothing and says why.
    refused = client.post(reverse("sales:order_import_detail", args=[record.pk]))
    assert refused.status_code == 200 and "The file has 2 bad rows" in refused.content.decode()
    assert not Order.objects.exists() and OrderImport.objects.get().status == "checked"
    _confirm(client, record, django_capture_on_commit_callbacks, skip_invalid="1")
    record.refresh_from_db()
    assert record.status == "done" and record.result["orders_created"] == 2 and Order.objects.count() == 2


def test_missing_customers_and_bad_uploads(
    business: Business, siti: Customer, django_capture_on_commit_callbacks
) -> None:
    client = client_for(business.owner)
    _upload(
        client,
        MIXED.replace(b"2024-13-01", b"2024-12-01"),
        django_capture_on_commit_callbacks,
        create_missing_customers="on",
        branch=str(business.branch_b.pk),
    )
    record = OrderImport.objects.get()
    assert record.result["invalid_rows"] == 0 and record.result["customers_created"] == 1
    _confirm(client, record, django_capture_on_commit_callbacks)
    assert Customer.objects.filter(external_id="POS-9").exists()
    assert set(Order.objects.values_list("branch_id", flat=True)) == {business.branch_b.pk}
    # Not a CSV, empty, or no file: a message naming the field, nothing stored.
    for name, content in (("orders.xlsx", b"PK\x03\x04"), ("orders.csv", b"")):
        response, jobs = _upload(client, content, django_capture_on_commit_callbacks, name=name)
        assert response.status_code == 200 and response.context["form"].errors["file"] and not jobs
    missing = client.post(reverse("sales:order_import_start"), {})
    assert missing.status_code == 200 and "file" in missing.context["form"].errors
    assert OrderImport.objects.count() == 1


def test_jobs_are_safe_to_run_twice(business: Business, siti: Customer, django_capture_on_commit_callbacks) -> None:
    _upload(client_for(business.owner), GOOD, django_capture_on_commit_callbacks)
    record = OrderImport.objects.get()
    assert order_imports.order_import_check_run(record.pk) is None  # already checked
    order_imports.order_import_confirm(actor=business.owner, record=record, skip_invalid=False)
    assert order_imports.order_import_run(record.pk) is not None
    assert order_imports.order_import_run(record.pk) is None  # done: nothing to do
    assert Order.objects.count() == 2
    assert order_import_check_job.name and order_import_run_job.name


def test_a_failing_check_is_shown(business: Business, siti: Customer, django_capture_on_commit_callbacks) -> None:
    client = client_for(business.owner)
    _upload(client, b"name,phone\nSiti,0812\n", django_capture_on_commit_callbacks)
    record = OrderImport.objects.get()
    assert record.status == "failed" and "customer_ref" in record.failure
    page = _detail(client, record)
    assert 'data-testid="order-import-failed"' in page


@pytest.mark.parametrize("persona", PERSONAS)
def test_pages_need_orders_import(business: Business, siti: Customer, persona: str) -> None:
    record = OrderImport.objects.create(created_by=business.owner, original_name="a.csv", stored_path="/nowhere.csv")
    client = client_for(persona_user(business, persona))
    expected = {"anonymous": 302, "manager": 200, "owner": 200}.get(persona, 403)
    assert client.get(reverse("sales:order_import_start")).status_code == expected
    # A manager sees the imports she started, not the owner's (404); the owner sees every import.
    seen = 404 if persona == "manager" else expected
    assert client.get(reverse("sales:order_import_detail", args=[record.pk])).status_code == seen
    report = client.get(reverse("sales:order_import_report", args=[record.pk])).status_code
    assert report == (seen if seen != 200 else 400)  # no report for this import
    listing = client.get(reverse("sales:order_list")).content.decode()
    assert ('data-testid="order-import-link"' in listing) == (expected == 200)


def test_the_check_counts_only_customers_of_valid_rows(
    business: Business, siti: Customer, django_capture_on_commit_callbacks
) -> None:
    # POS-8 is on a valid row, POS-9 only on a bad one (an impossible date): one customer to create.
    content = GOOD + b"POS-8,2024-05-01,50000\nPOS-9,2024-13-01,10000\n"
    _upload(client_for(business.owner), content, django_capture_on_commit_callbacks, create_missing_customers="on")
    record = OrderImport.objects.get()
    assert (record.result["invalid_rows"], record.result["customers_created"]) == (1, 1)


def test_a_manager_sees_her_own_imports_the_owner_sees_all(
    business: Business, siti: Customer, django_capture_on_commit_callbacks
) -> None:
    _upload(client_for(business.manager), GOOD, django_capture_on_commit_callbacks)
    mine = OrderImport.objects.get()
    manager, owner = client_for(business.manager), client_for(business.owner)
    assert manager.get(reverse("sales:order_import_detail", args=[mine.pk])).status_code == 200
    assert owner.get(reverse("sales:order_import_detail", args=[mine.pk])).status_code == 200
    assert list(owner.get(reverse("sales:order_import_start")).context["recent"]) == [mine]


def test_a_file_not_in_utf8_is_refused_with_a_message(
    business: Business, siti: Customer, django_capture_on_commit_callbacks
) -> None:
    client = client_for(business.owner)
    _upload(
        client,
        "customer_ref,date,amount\nPOS-1,2024-03-15,150000\nJosé,2024-03-15,1\n".encode("cp1252"),
        django_capture_on_commit_callbacks,
    )
    record = OrderImport.objects.get()
    assert record.status == "failed" and "not UTF-8 text" in record.failure
    page = _detail(client, record)
    assert 'data-testid="order-import-failed"' in page and "CSV UTF-8" in page
    assert not Order.objects.exists()


def test_the_page_writes_its_counts_with_thousands_separators(
    business: Business, siti: Customer, django_capture_on_commit_callbacks
) -> None:
    client = client_for(business.owner)
    _upload(client, GOOD, django_capture_on_commit_callbacks)
    record = OrderImport.objects.get()
    record.result.update(rows=25_000, valid_rows=24_998, invalid_rows=2, orders=10_400)
    record.save(update_fields=["result"])
    page = _detail(client, record)
    assert ">25,000<" in page and 'data-testid="valid-rows">24,998<' in page and ">10,400" in page
    record.status, record.result["orders_created"], record.result["lines_created"] = "done", 10_400, 24_998
    record.save(update_fields=["status", "result"])
    done = _detail(client, record)
    assert "10,400 orders imported." in done and ">24,998<" in done
