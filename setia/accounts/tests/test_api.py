from collections.abc import Iterator

import pytest
from django.test import Client

from setia.accounts.services import api_key_create, api_key_revoke
from setia.conftest import Business


def _get(path: str, key: str | None = None, **headers: str) -> object:
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    return Client().get(path, headers=headers)


def test_me_returns_the_key_owner_and_visibility(business: Business) -> None:
    _record, key = api_key_create(actor=business.cashier_a, name="POS")
    body = _get("/api/v1/me", key).json()  # type: ignore[attr-defined]
    assert body["username"] == "cashier_a"
    assert body["visible_branch_ids"] == [business.branch_a.pk]
    assert "staff.view" not in body["capabilities"]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "Send an API key"),
        ("Bearer sk_wrong", "invalid or revoked"),
        ("Basic Zm9vOmJhcg==", "Send an API key"),
    ],
)
def test_missing_or_invalid_key_is_401_with_json(db: None, header: str | None, message: str) -> None:
    headers = {"Authorization": header} if header else {}
    response = Client().get("/api/v1/me", headers=headers, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response.json()["extra"] == {}
    assert response["WWW-Authenticate"] == "Bearer"


def test_revoked_key_is_401(business: Business) -> None:
    record, key = api_key_create(actor=business.owner, name="old")
    api_key_revoke(actor=business.owner, api_key=record)
    assert _get("/api/v1/me", key).status_code == 401  # type: ignore[attr-defined]


def test_bad_query_parameter_is_400_naming_the_field(business: Business) -> None:
    _record, key = api_key_create(actor=business.owner, name="x")
    response = _get("/api/v1/staff?branch=abc", key)
    assert response.status_code == 400  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert "branch" in body["extra"] and "branch" in body["message"]


def test_unknown_record_is_404_json(business: Business) -> None:
    _record, key = api_key_create(actor=business.owner, name="x")
    response = _get("/api/v1/staff/999999", key)
    assert response.status_code == 404  # type: ignore[attr-defined]
    assert response.json()["message"]  # type: ignore[attr-defined]


@pytest.fixture
def staff_limit_of_3() -> Iterator[None]:
    from config.api import STAFF_THROTTLE

    original = STAFF_THROTTLE.num_requests
    STAFF_THROTTLE.num_requests = 3
    yield
    STAFF_THROTTLE.num_requests = original


def test_rate_limit_returns_429_and_is_counted_in_the_database(business: Business, staff_limit_of_3: None) -> None:
    _record, key = api_key_create(actor=business.cashier_a, name="POS")
    statuses = [_get("/api/v1/me", key).status_code for _ in range(4)]  # type: ignore[attr-defined]
    assert statuses == [200, 200, 200, 429]
    # The count is a database row, which every server process updates atomically.
    from setia.core.models import RateCounter

    assert RateCounter.objects.get(key=f"api-user:{business.cashier_a.pk}").hits == 4


def test_throttled_response_shape(business: Business, staff_limit_of_3: None) -> None:
    _record, key = api_key_create(actor=business.cashier_a, name="POS")
    for _ in range(3):
        _get("/api/v1/me", key)
    response = _get("/api/v1/me", key)
    assert response.status_code == 429  # type: ignore[attr-defined]
    assert 1 <= int(response["Retry-After"]) <= 60  # type: ignore[index]
    assert set(response.json()) == {"message", "extra"}  # type: ignore[attr-defined]


def test_guessing_keys_is_throttled_per_address(db: None) -> None:
    from config.api import FAILED_KEY_LIMIT

    statuses = [_get("/api/v1/me", f"sk_guess{n}").status_code for n in range(FAILED_KEY_LIMIT + 1)]  # type: ignore[attr-defined]
    assert statuses[:FAILED_KEY_LIMIT] == [401] * FAILED_KEY_LIMIT
    assert statuses[-1] == 429


def test_openapi_lists_the_bearer_scheme(db: None) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    assert schema["components"]["securitySchemes"]["ApiKeyAuth"]["scheme"] == "bearer"
    assert "/api/v1/me" in schema["paths"]


def test_docs_page_loads_swagger_from_local_static(db: None) -> None:
    html = Client().get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html and "cdn" not in html.lower()


def test_unknown_api_path_is_404_json(business: Business) -> None:
    _record, key = api_key_create(actor=business.owner, name="x")
    response = _get("/api/v1/no-such-thing", key)
    assert response.status_code == 404  # type: ignore[attr-defined]
    assert set(response.json()) == {"message", "extra"}  # type: ignore[attr-defined]


def test_unexpected_error_is_500_json_without_a_traceback(business: Business, monkeypatch: pytest.MonkeyPatch) -> None:
    from setia.accounts import selectors

    def broken(**kwargs: object) -> None:
        raise RuntimeError("database exploded")

    monkeypatch.setattr(selectors, "branch_list", broken)
    _record, key = api_key_create(actor=business.owner, name="x")
    response = _get("/api/v1/branches", key)
    assert response.status_code == 500  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"message", "extra"} and "exploded" not in body["message"]
