"""Every page and endpoint over the five personas: anonymous, other-branch front office,
same-branch front office, manager of the branch, owner. Expected statuses are exact."""

import pytest

from setia.accounts.services import api_key_create
from setia.conftest import PERSONAS, Business, client_for, persona_user

# status per persona, in PERSONAS order
PAGES = [
    ("/", [302, 200, 200, 200, 200]),
    ("/search/?q=sa", [302, 200, 200, 200, 200]),
    ("/staff/", [302, 403, 403, 200, 200]),
    ("/staff/new/", [302, 403, 403, 403, 200]),
    ("/staff/{cashier_a}/", [302, 403, 403, 200, 200]),
    ("/staff/{cashier_b}/", [302, 403, 403, 404, 200]),
    ("/staff/{cashier_a}/edit/", [302, 403, 403, 403, 200]),
    ("/branches/", [302, 403, 403, 200, 200]),
    ("/branches/new/", [302, 403, 403, 403, 200]),
    ("/branches/{branch_a}/", [302, 403, 403, 200, 200]),
    ("/branches/{branch_b}/", [302, 403, 403, 404, 200]),
    ("/branches/{branch_a}/edit/", [302, 403, 403, 403, 200]),
    ("/teams/", [302, 403, 403, 200, 200]),
    ("/teams/new/", [302, 403, 403, 200, 200]),
    ("/settings/", [302, 403, 403, 403, 200]),
    ("/audit/", [302, 403, 403, 403, 200]),
    ("/audit/accounts.user/{cashier_a}/", [302, 403, 403, 403, 200]),
    ("/jobs/", [302, 403, 403, 403, 200]),
    ("/me/", [302, 200, 200, 200, 200]),
    ("/me/api-keys/", [302, 200, 200, 200, 200]),
    ("/accounts/2fa/", [302, 200, 200, 200, 200]),
    ("/accounts/password/change/", [302, 200, 200, 200, 200]),
    ("/accounts/login/", [200, 302, 302, 302, 302]),
    ("/api/v1/docs", [200, 200, 200, 200, 200]),
    ("/api/v1/openapi.json", [200, 200, 200, 200, 200]),
    ("/healthz", [200, 200, 200, 200, 200]),
]

API = [
    ("/api/v1/me", [401, 200, 200, 200, 200]),
    ("/api/v1/branches", [401, 403, 403, 200, 200]),
    ("/api/v1/staff", [401, 403, 403, 200, 200]),
    ("/api/v1/staff/{cashier_a}", [401, 403, 403, 200, 200]),
    ("/api/v1/staff/{cashier_b}", [401, 403, 403, 404, 200]),
    ("/api/v1/audit-events", [401, 403, 403, 403, 200]),
]


def _url(template: str, business: Business) -> str:
    return template.format(
        cashier_a=business.cashier_a.pk,
        cashier_b=business.cashier_b.pk,
        branch_a=business.branch_a.pk,
        branch_b=business.branch_b.pk,
    )


@pytest.mark.parametrize(("path", "statuses"), PAGES, ids=[p for p, _ in PAGES])
@pytest.mark.parametrize("persona_index", range(len(PERSONAS)), ids=PERSONAS)
def test_page_status_per_persona(business: Business, path: str, statuses: list[int], persona_index: int) -> None:
    user = persona_user(business, PERSONAS[persona_index])
    response = client_for(user).get(_url(path, business))
    assert response.status_code == statuses[persona_index]
    if response.status_code == 302 and user is None:
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(("path", "statuses"), API, ids=[p for p, _ in API])
@pytest.mark.parametrize("persona_index", range(len(PERSONAS)), ids=PERSONAS)
def test_api_status_per_persona(business: Business, path: str, statuses: list[int], persona_index: int) -> None:
    from django.test import Client

    user = persona_user(business, PERSONAS[persona_index])
    headers = {}
    if user is not None:
        _record, key = api_key_create(actor=user, name="test")
        headers["Authorization"] = f"Bearer {key}"
    response = Client().get(_url(path, business), headers=headers)
    assert response.status_code == statuses[persona_index]
    if response.status_code != 200:
        body = response.json()
        assert set(body) == {"message", "extra"}
        assert body["message"]


def test_denied_pages_show_a_clear_message(business: Business) -> None:
    response = client_for(business.cashier_a).get("/staff/")
    assert response.status_code == 403
    assert "permission" in response.content.decode().lower() or "izin" in response.content.decode().lower()


@pytest.mark.parametrize("persona", ["other_branch_front_office", "same_branch_front_office", "manager"])
def test_staff_create_post_refused_and_nothing_saved(business: Business, persona: str) -> None:
    from setia.accounts.models import User

    before = User.objects.count()
    response = client_for(persona_user(business, persona)).post(
        "/staff/new/", {"username": "intruder", "password": "long-enough-pass-1", "role": "owner"}
    )
    assert response.status_code == 403
    assert User.objects.count() == before


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("anonymous", 302),
        ("other_branch_front_office", 403),
        ("same_branch_front_office", 403),
        ("manager", 403),
        ("owner", 302),
    ],
)
def test_reset_two_factor_post_per_persona(business: Business, persona: str, status: int) -> None:
    response = client_for(persona_user(business, persona)).post(f"/staff/{business.cashier_a.pk}/reset-two-factor/")
    assert response.status_code == status
    if persona == "owner":
        assert response["Location"] == f"/staff/{business.cashier_a.pk}/"


def test_reset_two_factor_needs_post(business: Business) -> None:
    assert client_for(business.owner).get(f"/staff/{business.cashier_a.pk}/reset-two-factor/").status_code == 405


POSTS = [
    (
        "/staff/{cashier_a}/edit/",
        {"username": "cashier_a", "role": "owner", "language": "id"},
        [302, 403, 403, 403, 302],
    ),
    ("/branches/new/", {"name": "Baru", "code": "baru", "is_active": "on"}, [302, 403, 403, 403, 302]),
    ("/branches/{branch_a}/edit/", {"name": "Kemang X", "code": "kmg", "is_active": "on"}, [302, 403, 403, 403, 302]),
    ("/teams/new/", {"name": "Stylist", "branch": "{branch_a}"}, [302, 403, 403, 302, 302]),
    ("/settings/", {"name": "Salon Baru"}, [302, 403, 403, 403, 302]),
    ("/me/", {"first_name": "Baru", "language": "id"}, [302, 302, 302, 302, 302]),
    ("/me/api-keys/", {"name": "POS"}, [302, 302, 302, 302, 302]),
]


@pytest.mark.parametrize(("path", "data", "statuses"), POSTS, ids=[p for p, _d, _s in POSTS])
@pytest.mark.parametrize("persona_index", range(len(PERSONAS)), ids=PERSONAS)
def test_form_posts_per_persona_and_refusals_change_nothing(
    business: Business, path: str, data: dict[str, str], statuses: list[int], persona_index: int
) -> None:
    from setia.core.models import AuditEvent

    client = client_for(persona_user(business, PERSONAS[persona_index]))  # signing in is itself audited
    events = AuditEvent.objects.count()
    payload = {key: _url(value, business) for key, value in data.items()}
    response = client.post(_url(path, business), payload)
    assert response.status_code == statuses[persona_index]
    if response.status_code in (403, 404) or PERSONAS[persona_index] == "anonymous":
        assert AuditEvent.objects.count() == events
    else:
        assert AuditEvent.objects.count() > events


def test_revoking_someone_elses_key_is_not_found(business: Business) -> None:
    api_key, _raw = api_key_create(actor=business.cashier_b, name="pos")
    response = client_for(business.cashier_a).post(f"/me/api-keys/{api_key.pk}/revoke/")
    assert response.status_code == 404
    api_key.refresh_from_db()
    assert api_key.revoked_at is None
