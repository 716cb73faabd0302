"""A manager adds a category and a service with a price; it shows in the list in Rupiah.
A cashier sees the list without edit buttons, on a phone-size screen."""

from pathlib import Path
from typing import Any

import pytest

from setia.accounts.models import Branch
from setia.catalog.models import Product
from setia.conftest import browser_sign_in, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path("test-results")


@pytest.fixture
def staff(transactional_db: None) -> dict[str, Any]:
    kemang = Branch.objects.create(name="Kemang", code="kmg", city="KOTA JAKARTA SELATAN")
    dago = Branch.objects.create(name="Dago", code="dgo", city="KOTA BANDUNG")
    manager = make_user("manager", "manager", kemang, first_name="Lestari")
    manager.managed_branches.set([kemang])
    cashier = make_user("kasir", "cashier", kemang, first_name="Sari")
    return {"kemang": kemang, "dago": dago, "manager": manager, "cashier": cashier}


def test_manager_adds_a_category_and_a_service(page: Any, live_server: Any, staff: dict[str, Any]) -> None:
    base = live_server.url
    browser_sign_in(page, base, "manager")
    page.locator('[data-nav="catalog"]').click()
    page.wait_for_url(f"{base}/catalog/")
    assert page.get_by_test_id("empty-state").is_visible()

    page.get_by_test_id("categories").click()
    page.locator("#id_name").fill("Perawatan Rambut")
    page.get_by_test_id("add-category").click()
    page.wait_for_url(f"{base}/catalog/categories/")
    assert "Perawatan Rambut" in page.get_by_test_id("category-table").inner_text()

    page.goto(f"{base}/catalog/")
    page.get_by_test_id("add-product").click()
    form = page.get_by_test_id("product-form")
    assert not form.locator("#id_duration_minutes").is_visible()  # a product has no duration
    form.locator("#id_kind").select_option("service")
    form.locator("#id_name").fill("Creambath")
    form.locator("#id_category").select_option(label="Perawatan Rambut")
    form.locator("#id_price").fill("150.000")
    form.locator("#id_duration_minutes").fill("60")
    assert not form.locator("#id_branches").is_visible()  # sold everywhere: no branch list
    form.locator("#id_all_branches").uncheck()
    form.get_by_label("Kemang").check()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "catalog-form.png"), full_page=True)
    page.get_by_test_id("save-product").click()
    page.wait_for_url(f"{base}/catalog/")

    row = page.get_by_test_id("product-row").filter(has_text="Creambath")
    assert row.get_by_test_id("product-price").inner_text() == "Rp 150.000"
    assert "Perawatan Rambut" in row.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "catalog-list.png"), full_page=True)
    product = Product.objects.get()
    assert (product.kind, product.price, product.duration_minutes, product.all_branches) == (
        "service",
        150_000,
        60,
        False,
    )
    assert list(product.branches.all()) == [staff["kemang"]]

    # Searching narrows the list without reloading the page.
    page.get_by_test_id("product-search").fill("tidak ada")
    page.get_by_test_id("empty-state").wait_for()
    page.get_by_test_id("product-search").fill("cream")
    page.get_by_test_id("product-row").wait_for()


def test_cashier_sees_prices_on_a_phone(chromium: Any, live_server: Any, staff: dict[str, Any]) -> None:
    from setia.catalog.services import product_create

    product_create(actor=staff["manager"], kind="service", name="Potong Rambut Wanita", sku="HC-W", price=85_000)
    context = chromium.new_context(viewport={"width": 375, "height": 740}, locale="id-ID", is_mobile=True)
    page = context.new_page()
    try:
        browser_sign_in(page, live_server.url, "kasir")
        page.goto(f"{live_server.url}/catalog/")
        row = page.get_by_test_id("product-row")
        assert "Potong Rambut Wanita" in row.inner_text()
        assert row.get_by_test_id("product-price").is_visible()
        assert row.get_by_test_id("product-price").inner_text() == "Rp 85.000"
        assert page.get_by_test_id("add-product").count() == 0
        assert page.get_by_test_id("edit-product").count() == 0
        # Nothing wider than the screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "catalog-list-phone.png"), full_page=True)
    finally:
        context.close()
