"""A method an endpoint does not take answers 405 in the API's error shape, with `Allow`, whether
the request has a key (the short way through the middleware) or not."""

import pytest
from django.conf import settings
from django.test import Client

from setia.accounts.services import api_key_create
from setia.conftest import Business

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("put", "/api/v1/orders", {"GET", "POST"}),
        ("delete", "/api/v1/orders", {"GET", "POST"}),
        ("get", "/api/v1/vouchers/check", {"POST"}),
        ("get", "/api/v1/telephony/events", {"POST"}),
    ],
)
@pytest.mark.parametrize("with_key", [True, False])
def test_a_method_not_taken_is_a_json_405(
    business: Business, method: str, path: str, allowed: set[str], with_key: bool
) -> None:
    _record, key = api_key_create(actor=business.owner, name="shop")
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    headers = {"Authorization": f"Bearer {key}"} if with_key else {}
    response = getattr(client, method)(path, headers=headers)
    assert response.status_code == 405 and response["Content-Type"] == "application/json"
    assert {part.strip() for part in response["Allow"].split(",")} == allowed
    body = response.json()
    assert body["extra"] == {} and body["message"].startswith(f"{method.upper()} is not allowed here")


def test_the_message_is_indonesian_by_default(business: Business) -> None:
    response = Client().delete("/api/v1/orders")
    assert response.status_code == 405 and "not allowed" not in response.json()["message"]
