"""The owner brings the old register's history in from the web: uploads the CSV, reads the check
(one bad row, nothing written), chooses to import the valid rows, and sees the orders."""

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from setia.accounts.models import Branch
from setia.conftest import browser_sign_in, make_user
from setia.customers.models import Customer
from setia.customers.tests.test_browser_fields_import import run_worker
from setia.sales.models import Order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_owner_imports_past_orders_from_the_web(page: Any, live_server: Any, tmp_path: Path) -> None:
    branch = Branch.objects.create(name="Kemang", code="kmg")
    make_user("pemilik", "owner", first_name="Nur")
    siti = Customer.objects.create(name="Siti Rahma", search_name="siti rahma", home_branch=branch, external_id="POS-1")
    upload = tmp_path / "kasir-lama.csv"
    upload.write_text(
        "customer_ref,date,amount,order_ref\n"
        "POS-1,2024-03-15,150000,A-1\n"
        "POS-1,2024-04-20,75000,A-2\n"
        "POS-77,2024-05-01,50000,A-3\n",  # nobody has POS-77
        encoding="utf-8",
    )
    with override_settings(MEDIA_ROOT=str(tmp_path / "media")):
        browser_sign_in(page, live_server.url, "pemilik")
        page.locator('[data-nav="orders"]').click()
        page.get_by_test_id("order-import-link").click()
        page.set_input_files("#id_file", str(upload))
        page.get_by_test_id("order-import-upload").click()
        page.wait_for_url(re.compile(r".*/orders/import/\d+/$"))
        run_worker()
        page.get_by_test_id("order-import-figures").wait_for(timeout=5000)
        assert page.get_by_test_id("valid-rows").inner_text() == "2"
        assert page.get_by_test_id("invalid-rows").inner_text().startswith("1")
        errors = page.get_by_test_id("order-import-errors").inner_text()
        assert "4" in errors and "POS-77" in errors
        assert not Order.objects.exists()  # the check wrote nothing

        page.get_by_test_id("order-import-confirm").click()
        assert "1 baris bermasalah" in page.get_by_test_id("order-import-error").inner_text()
        page.get_by_test_id("skip-invalid").check()
        page.get_by_test_id("order-import-confirm").click()
        run_worker()
        page.get_by_test_id("order-import-done").wait_for(timeout=5000)
        assert page.get_by_test_id("orders-created").inner_text() == "2"
        assert sorted(Order.objects.values_list("customer_id", "total")) == [(siti.pk, 75_000), (siti.pk, 150_000)]
        page.get_by_role("link", name="Lihat pesanan").click()
        assert page.locator("table").get_by_text("Siti Rahma").count() == 2
