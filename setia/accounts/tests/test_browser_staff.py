"""The owner adds a staff member as a person would: a mistake is shown under its field and
nothing is saved; once fixed, a toast confirms and the new person can be found."""

import re
from typing import Any

import pytest

from setia.accounts.models import User
from setia.core.tests.test_browser_shell import sign_in
from setia.demo.services import seed_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_owner_adds_a_cashier_fixing_a_bad_phone(page: Any, live_server: Any) -> None:
    seed_demo(profile="salon", seed=1)
    base = live_server.url
    sign_in(page, base, "admin")
    page.locator('[data-nav="staff"]').click()
    page.get_by_test_id("add-staff").click()

    form = page.get_by_test_id("staff-form")
    form.get_by_label("Nama pengguna").fill("wulan")
    form.get_by_label("Nama depan").fill("Wulan")
    form.get_by_label("Nama belakang").fill("Sihombing")
    form.get_by_label("Telepon").fill("0812-12")
    form.get_by_label("Peran").select_option("cashier")
    form.get_by_label("Cabang asal").select_option(label="Salon Cantik Dago")
    form.get_by_label("Kata sandi").fill("wulan-rahasia-2026")
    form.get_by_role("button", name="Simpan").click()

    error = page.locator('[data-field-error="phone"]')
    assert "bukan nomor telepon yang valid" in error.inner_text()
    assert not User.objects.filter(username="wulan").exists()

    form.get_by_label("Telepon").fill("+62 812 1234 5678")
    form.get_by_label("Kata sandi").fill("wulan-rahasia-2026")
    form.get_by_role("button", name="Simpan").click()
    page.wait_for_url(re.compile(r".*/staff/\d+/$"))
    assert page.locator(".toast").filter(has_text="Wulan Sihombing sekarang dapat masuk.").is_visible()
    detail = page.get_by_test_id("staff-detail")
    assert "0812-1234-5678" in detail.inner_text() and "Salon Cantik Dago" in detail.inner_text()

    # The global search finds her as you type.
    page.locator(".app-search input[name=q]").fill("Wulan")
    hit = page.get_by_test_id("search-results").get_by_text("Wulan Sihombing")
    hit.wait_for()
    hit.click()
    page.wait_for_url(re.compile(r".*/staff/\d+/$"))

    # The owner sees the change in the record's history.
    page.get_by_role("link", name="Riwayat").click()
    assert "membuat" in page.get_by_test_id("record-history").inner_text()  # "Nur membuat"
