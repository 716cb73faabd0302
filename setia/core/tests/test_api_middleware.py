"""Key-authenticated API requests skip the browser middleware (setia/core/middleware.py) and
still answer exactly as through the whole chain."""

from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.test import Client

from setia.accounts.services import api_key_create
from setia.conftest import Business

pytestmark = pytest.mark.django_db


@pytest.fixture
def session_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Paths whose request went through the session middleware."""
    calls: list[str] = []
    original = SessionMiddleware.process_request

    def spy(self: SessionMiddleware, request: Any) -> None:
        calls.append(request.path)
        original(self, request)

    monkeypatch.setattr(SessionMiddleware, "process_request", spy)
    return calls


def test_a_request_with_a_key_skips_the_browser_middleware(business: Business, session_calls: list[str]) -> None:
    _record, key = api_key_create(actor=business.owner, name="pbx")
    response = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    assert session_calls == []


@pytest.mark.parametrize(
    ("path", "headers", "cookies"),
    [
        ("/api/v1/me", {}, {}),  # no key: 401 through the whole chain
        ("/api/v1/me", {"Authorization": "Basic Zm9vOmJhcg=="}, {}),
        ("/api/v1/me", {"Authorization": "Bearer KEY"}, {settings.SESSION_COOKIE_NAME: "abc"}),
        ("/api/v1/docs", {"Authorization": "Bearer KEY"}, {}),  # the docs page: HTML with a CSP nonce
        ("/api/v1/openapi.json", {"Authorization": "Bearer KEY"}, {}),
        ("/customers/", {"Authorization": "Bearer KEY"}, {}),  # a page
    ],
)
def test_other_requests_take_the_whole_chain(
    business: Business, session_calls: list[str], path: str, headers: dict[str, str], cookies: dict[str, str]
) -> None:
    _record, key = api_key_create(actor=business.owner, name="pbx")
    client = Client()
    for name, value in cookies.items():
        client.cookies[name] = value
    client.get(path, headers={name: value.replace("KEY", key) for name, value in headers.items()})
    assert session_calls == [path]


def test_the_answer_is_the_same_as_through_the_whole_chain(business: Business) -> None:
    _record, key = api_key_create(actor=business.owner, name="pbx")
    short = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {key}"})
    whole = Client()
    whole.cookies[settings.SESSION_COOKIE_NAME] = "not-a-session"  # takes the whole chain
    long = whole.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"})
    assert short.status_code == long.status_code == 200
    assert short.content == long.content
    assert dict(short.headers) == dict(long.headers)


def test_an_error_answer_is_the_same_as_through_the_whole_chain(db: None) -> None:
    short = Client().get("/api/v1/me", headers={"Authorization": "Bearer sk_wrong"})
    whole = Client()
    whole.cookies[settings.SESSION_COOKIE_NAME] = "not-a-session"
    long = whole.get("/api/v1/me", headers={"Authorization": "Bearer sk_wrong"})
    assert short.status_code == long.status_code == 401
    assert short.content == long.content
    assert dict(short.headers) == dict(long.headers)


def test_the_language_cookie_chooses_the_language(db: None) -> None:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer sk_wrong"})
    assert response["Content-Language"] == "en"
    assert "invalid or revoked" in response.json()["message"]
    indonesian = Client().get("/api/v1/me", headers={"Authorization": "Bearer sk_wrong"})
    assert indonesian["Content-Language"] == "id"
    assert "invalid or revoked" not in indonesian.json()["message"]


@pytest.mark.parametrize("whole_chain", [False, True])
def test_without_the_cookie_the_key_owner_s_language_is_spoken(business: Business, whole_chain: bool) -> None:
    from setia.accounts.models import User

    User.objects.filter(pk=business.owner.pk).update(language="en")
    _record, key = api_key_create(actor=business.owner, name="pbx")
    client = Client()
    if whole_chain:
        client.cookies[settings.SESSION_COOKIE_NAME] = "not-a-session"
    bad = client.get("/api/v1/customers/999999", headers={"Authorization": f"Bearer {key}"})
    assert bad.status_code == 404 and bad["Content-Language"] == "en"
    assert bad.json()["message"] == "Customer not found."
    # The language switch's cookie still wins.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    switched = client.get("/api/v1/customers/999999", headers={"Authorization": f"Bearer {key}"})
    assert switched["Content-Language"] == "id" and switched.json()["message"] != "Customer not found."


@pytest.mark.parametrize("whole_chain", [False, True])
@pytest.mark.parametrize(
    ("accept", "language"),
    [("en-US,en;q=0.9", "en"), ("fr-FR, id;q=0.5", "id"), ("fr-FR", "en"), ("", "en"), ("*", "en")],
)
def test_an_api_request_s_accept_language_comes_before_the_key_owner_s(
    business: Business, whole_chain: bool, accept: str, language: str
) -> None:
    """The owner speaks English; a program asking for Indonesian (or English) is answered in it; a
    language the product does not speak leaves the owner's."""
    from setia.accounts.models import User

    User.objects.filter(pk=business.owner.pk).update(language="en")
    _record, key = api_key_create(actor=business.owner, name="shop")
    client = Client()
    if whole_chain:
        client.cookies[settings.SESSION_COOKIE_NAME] = "not-a-session"
    headers = {"Authorization": f"Bearer {key}", "Accept-Language": accept}
    bad = client.get("/api/v1/customers/999999", headers=headers)
    assert bad.status_code == 404 and bad["Content-Language"] == language
    assert (bad.json()["message"] == "Customer not found.") == (language == "en")
    # The language switch's cookie still wins.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en" if language == "id" else "id"
    assert client.get("/api/v1/customers/999999", headers=headers)["Content-Language"] != language


def test_pages_ignore_the_browser_s_accept_language(business: Business) -> None:
    from setia.conftest import client_for

    other = "id" if business.cashier_a.language == "en" else "en"
    page = client_for(business.cashier_a).get("/", headers={"Accept-Language": other})
    assert page["Content-Language"] == business.cashier_a.language
    unsigned = Client().get("/api/v1/me", headers={"Accept-Language": "en"})  # no key: still the API
    assert unsigned.status_code == 401 and unsigned["Content-Language"] == "en"
