"""An owner adds a business field and finds it on the form, the page, the list filters, the
export and the import; an import with bad rows shows its preview and writes only after the
owner confirms."""

import re
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import OperationalError

from setia.core.tests.test_browser_shell import sign_in
from setia.customers.models import Customer
from setia.demo.services import seed_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def run_worker() -> None:
    """Run the queued jobs in this thread, once the click that queues one has reached the live
    server (up to 5 s). The test database is SQLite's shared in-memory one, whose table locks do
    not wait: while the live server answers the page's progress poll, the worker's BEGIN
    EXCLUSIVE is refused, so try again shortly."""
    from django_tasks_db.models import DBTaskResult

    deadline = time.monotonic() + 5
    while not DBTaskResult.objects.ready().exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    for attempt in range(20):
        try:
            call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
            return
        except OperationalError as error:
            if "locked" not in str(error) or attempt == 19:
                raise
            time.sleep(0.1)


def test_custom_field_everywhere_and_import_with_preview(
    page: Any, live_server: Any, tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    seed_demo(profile="salon", seed=1, customers=3)
    base = live_server.url
    sign_in(page, base, "admin")

    # 1. Define the field.
    page.locator('[data-nav="custom_fields"]').click()
    page.get_by_test_id("add-field").click()
    form = page.get_by_test_id("field-form")
    form.locator("#id_label").fill("Berat badan (kg)")
    form.locator("#id_key").fill("berat_badan")
    form.locator("#id_field_type").select_option("decimal")
    form.get_by_role("button", name="Simpan").click()
    assert "Berat badan (kg)" in page.get_by_test_id("field-table").inner_text()

    # 2. It is on the customer form, validated, and on the customer's page.
    page.locator('[data-nav="customers"]').click()
    page.get_by_test_id("add-customer").click()
    form = page.get_by_test_id("customer-form")
    form.locator("#id_name").fill("Sinta Dewi")
    form.locator("#id_phone_1").fill("0812-7777-1234")
    form.get_by_label("Berat badan (kg)").fill("enam puluh")
    form.get_by_role("button", name="Simpan").click()
    assert page.locator('[data-field-error="cf_berat_badan"]').count() == 1
    assert not Customer.objects.filter(name="Sinta Dewi").exists()
    page.get_by_label("Berat badan (kg)").fill("61.5")
    page.get_by_test_id("customer-form").get_by_role("button", name="Simpan").click()
    page.wait_for_url(re.compile(r".*/customers/\d+/$"))
    assert page.locator('[data-custom-field="Berat badan (kg)"]').inner_text() == "61,5"

    # 3. It filters the list.
    page.locator('[data-nav="customers"]').click()
    page.get_by_test_id("customer-filters").get_by_placeholder("Berat badan (kg)").fill("61,5")
    page.wait_for_timeout(800)
    rows = page.get_by_test_id("customer-table").locator("tbody tr")
    assert rows.count() == 1 and "Sinta Dewi" in rows.inner_text()

    # 4. It is exported.
    export = page.request.get(f"{base}/customers/export/")
    header = export.text().lstrip("\ufeff").splitlines()[0]
    assert header.endswith("custom.berat_badan")

    # 5. It is imported, bad rows first shown, written only after confirmation.
    upload = tmp_path / "timbang.csv"
    upload.write_text(
        "nama;telepon;Berat badan (kg)\nRatna Sari;0813-1000-2000;55,2\nAgus;0813-1000-3000;berat\n", encoding="utf-8"
    )
    page.locator('[data-nav="customers"]').click()
    page.get_by_test_id("import").click()
    page.set_input_files("#id_file", str(upload))
    page.get_by_test_id("import-upload").get_by_role("button", name="Unggah dan petakan kolom").click()
    mapping = page.get_by_test_id("import-mapping")
    assert mapping.get_by_label("Berat badan (kg)").input_value() == "custom.berat_badan"
    page.get_by_test_id("check-file").click()
    run_worker()
    page.get_by_test_id("import-preview").wait_for(timeout=5000)
    assert page.get_by_test_id("valid-rows").inner_text() == "1"
    assert page.get_by_test_id("invalid-rows").inner_text() == "1"
    assert "masukkan angka" in page.get_by_test_id("import-errors").inner_text()
    assert not Customer.objects.filter(name="Ratna Sari").exists()  # the check wrote nothing

    page.get_by_test_id("confirm-import").click()
    assert page.get_by_test_id(
        "skip-invalid-error"
    ).is_visible()  # bad rows: the owner must choose, told beside the box
    page.locator("#skip_invalid").check()
    page.get_by_test_id("confirm-import").click()
    run_worker()
    page.get_by_test_id("import-done").wait_for(timeout=5000)
    assert Customer.objects.get(name="Ratna Sari").custom == {"berat_badan": "55.2"}
    assert not Customer.objects.filter(name="Agus").exists()
