"""A person signs in as each demo role, sees that role's navigation and home page, and
switches the language."""

import re
from typing import Any

import pytest

from setia.demo.services import demo_password, seed_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The demo salon has switched off trips (parts of Setia in use): no "trips" in its menu.
FRONT = ["home", "calls", "my_day", "customers", "cashier", "orders", "loyalty", "appointments"]
SALES_CRM = ["leads", "pipeline", "quotes", "renewals", "sales_figures"]
ANALYSIS = ["segments", "analytics"]
ADMIN_SECTIONS = [
    "staff",
    "branches",
    "teams",
    "catalog",
    "settings",
    "sales_settings",
    "quote_settings",
    "custom_fields",
    "lead_sources",
    "lead_rules",
    "pipeline_settings",
    "audit",
    "jobs",
]
MANAGER_ADMIN = [
    "staff",
    "branches",
    "teams",
    "catalog",
    "quote_settings",
    "lead_sources",
    "lead_rules",
    "pipeline_settings",
]
EXPECTED_NAV = {
    "admin": [*FRONT, *SALES_CRM, *ANALYSIS, *ADMIN_SECTIONS, "api-docs"],
    "manager": [*FRONT, *SALES_CRM, *ANALYSIS, *MANAGER_ADMIN, "api-docs"],
    "marketing": ["home", "my_day", "customers", "orders", "loyalty", "leads", *ANALYSIS, "catalog", "api-docs"],
    "analyst": ["home", "customers", "orders", "loyalty", *SALES_CRM[1:], *ANALYSIS, "catalog", "api-docs"],
    "cashier": [*FRONT, "renewals", "catalog", "api-docs"],
    "agent": [*FRONT, "leads", "catalog", "api-docs"],
    "sales": [*FRONT[:7], *SALES_CRM, "catalog", "api-docs"],
    "service": ["home", "calls", "my_day", "customers", "orders", "loyalty", "catalog", "api-docs"],
}
ROLE_LABEL = {
    "admin": ("Pemilik / administrator", "Owner / administrator"),
    "manager": ("Manajer", "Manager"),
    "marketing": ("Pemasaran", "Marketing"),
    "analyst": ("Analis", "Analyst"),
    "cashier": ("Kasir / resepsionis", "Cashier / receptionist"),
    "agent": ("Agen telepon", "Call agent"),
    "sales": ("Penjualan", "Sales"),
    "service": ("Agen layanan", "Service agent"),
}


@pytest.fixture
def demo(transactional_db: None) -> None:
    seed_demo(profile="salon", seed=1)


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_login", username)
    page.fill("#id_password", demo_password())
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base}/")


@pytest.mark.parametrize("username", list(EXPECTED_NAV))
def test_each_role_sees_its_navigation_and_can_switch_language(
    page: Any, live_server: Any, demo: None, username: str
) -> None:
    base = live_server.url
    sign_in(page, base, username)
    nav = page.get_by_test_id("main-nav")
    shown = nav.locator("[data-nav]").evaluate_all("links => links.map(link => link.dataset.nav)")
    assert shown == EXPECTED_NAV[username]

    indonesian, english = ROLE_LABEL[username]
    assert page.get_by_test_id("role-badge").inner_text() == indonesian
    assert nav.get_by_text("Beranda").is_visible()
    assert re.match(r"Selamat datang, \w+", page.get_by_test_id("greeting").inner_text())

    page.get_by_test_id("language-menu").click()
    page.get_by_test_id("language-en").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("role-badge").inner_text() == english
    assert nav.get_by_text("Home").is_visible()
    assert page.locator("html").get_attribute("lang") == "en"

    # Every link in the navigation opens a page, not an error.
    for key in EXPECTED_NAV[username]:
        if key == "api-docs":
            continue
        page.locator(f'[data-nav="{key}"]').click()
        page.wait_for_load_state()
        assert page.locator(f'[data-nav="{key}"]').get_attribute("class").count("active") == 1
        assert page.get_by_test_id("error-message").count() == 0

    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("sign-out").click()
    page.wait_for_url(re.compile(r".*/accounts/login/.*"))


def test_phone_layout_opens_navigation_from_the_menu_button(chromium: Any, live_server: Any, demo: None) -> None:
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone = context.new_page()
    sign_in(phone, live_server.url, "admin")
    nav = phone.get_by_test_id("main-nav")
    assert not nav.is_visible()
    phone.get_by_role("button", name=re.compile("Menu")).click()
    phone.get_by_test_id("main-nav").locator('[data-nav="staff"]').click()
    phone.wait_for_url(f"{live_server.url}/staff/")
    assert phone.get_by_test_id("staff-table").is_visible()
    context.close()
