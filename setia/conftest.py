"""Shared fixtures: a small business with two branches and one person per persona.

Personas (used by every permission test): anonymous, front office of another branch,
front office of the same branch, the manager of the branch, and the owner.
"""

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from setia.accounts.models import Branch, User


@pytest.fixture(autouse=True)
def _fresh_process_memos() -> Iterator[None]:
    """Each test starts with nothing remembered from another test's (rolled-back) rows."""
    from setia.core.memo import clear_all

    clear_all()
    yield
    clear_all()


@pytest.fixture(autouse=True)
def _rate_limits_in_one_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """A test's requests all fall in one rate-limit window. The limiter's windows are fixed on the
    clock (each minute, each ten minutes, …), so a test that sent its requests across a boundary
    found the count reset part way — a test of a thousand posts once ran over 01:00:00 and had a
    post accepted after its first 390 refusals. The windows themselves are tested with explicit
    moments (`setia/core/tests/test_ratelimit.py`)."""
    import time
    import types

    from setia.core import ratelimit

    moment = time.time()
    monkeypatch.setattr(ratelimit, "time", types.SimpleNamespace(time=lambda: moment))


@dataclass
class Business:
    branch_a: Branch
    branch_b: Branch
    owner: User
    manager: User  # manages branch A
    analyst: User
    cashier_a: User
    cashier_b: User


PASSWORD = "correct-horse-battery-staple"


def make_user(username: str, role: str, branch: Branch | None = None, **extra: object) -> User:
    return User.objects.create_user(username, password=PASSWORD, role=role, branch=branch, **extra)  # type: ignore[arg-type]


@pytest.fixture
def business(db: None) -> Business:
    branch_a = Branch.objects.create(name="Kemang", code="kmg", city="KOTA JAKARTA SELATAN")
    branch_b = Branch.objects.create(name="Dago", code="dgo", city="KOTA BANDUNG")
    manager = make_user("manager", "manager", branch_a, first_name="Lestari")
    manager.managed_branches.set([branch_a])
    return Business(
        branch_a=branch_a,
        branch_b=branch_b,
        owner=make_user("owner", "owner", first_name="Nur"),
        manager=manager,
        analyst=make_user("analyst", "analyst"),
        cashier_a=make_user("cashier_a", "cashier", branch_a, first_name="Sari"),
        cashier_b=make_user("cashier_b", "cashier", branch_b, first_name="Rina"),
    )


PERSONAS = ["anonymous", "other_branch_front_office", "same_branch_front_office", "manager", "owner"]


def persona_user(business: Business, persona: str) -> User | None:
    return {
        "anonymous": None,
        "other_branch_front_office": business.cashier_b,
        "same_branch_front_office": business.cashier_a,
        "manager": business.manager,
        "owner": business.owner,
    }[persona]


def browser_sign_in(page: Any, base: str, username: str, password: str = PASSWORD) -> None:
    """Sign in through the form in a browser test's page (`base`: the live server's address),
    from a clean session."""
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_login", username)
    page.fill("#id_password", password)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base}/")


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


# --- Browser tests ------------------------------------------------------------------------
# Playwright drives Debian's Chromium (never a downloaded browser). Marked `browser`; run by
# `make test-browser`. A failing test leaves a screenshot in test-results/.

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="session", autouse=True)
def _ended_threads_disconnect(django_db_setup: None) -> Iterator[None]:
    """Test threads' database connections are closed before the test database is dropped. A
    thread's Django connection is freed by the cycle collector (the wrapper and its helpers refer
    to each other), which may not have run since the thread ended; PostgreSQL then refuses to
    drop a database another session still uses."""
    yield
    import gc

    gc.collect()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # for setup are still ordinary synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="id-ID")
    browser_page = context.new_page()
    browser_page.set_default_timeout(10_000)
    errors: list[str] = []
    browser_page.on("pageerror", lambda error: errors.append(str(error)))
    yield browser_page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        Path("test-results").mkdir(exist_ok=True)
        browser_page.screenshot(path=f"test-results/{request.node.name}.png", full_page=True)
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"rep_{report.when}", report)


@dataclass
class SmtpServer:
    """A real SMTP server (aiosmtpd) on a free localhost port: the messages it took, their
    recipients, and the addresses it refuses for now (451, try again later)."""

    port: int
    received: list[bytes]
    delivered: list[str]
    refused: set[str]


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = SmtpServer(port, [], [], set())

    class Handler:
        async def handle_RCPT(self, smtp: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
            if address in server.refused:
                return "451 4.3.0 Mailbox temporarily unavailable"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, smtp: Any, session: Any, envelope: Any) -> str:
            server.received.append(envelope.original_content or envelope.content)
            server.delivered.extend(envelope.rcpt_tos)
            return "250 Message accepted for delivery"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()
