"""Refusals found in review: each must leave the data as it was and never answer 500."""

import pytest
from django.test import Client

from setia.accounts.models import User
from setia.accounts.services import staff_update
from setia.conftest import PASSWORD, Business, client_for
from setia.core.errors import ApplicationError


def test_support_admin_signs_in_through_the_app_door(business: Business) -> None:
    response = Client().get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_weak_password_on_the_staff_form_saves_nothing(business: Business) -> None:
    response = client_for(business.owner).post(
        f"/staff/{business.cashier_a.pk}/edit/",
        {
            "username": "cashier_a",
            "first_name": "Changed",
            "role": "cashier",
            "branch": business.branch_a.pk,
            "language": "id",
            "is_active": "on",
            "password": "123",
        },
    )
    assert response.status_code == 200 and "password" in response.context["form"].errors
    business.cashier_a.refresh_from_db()
    assert business.cashier_a.first_name == "Sari" and business.cashier_a.check_password(PASSWORD)


def test_owner_changing_own_password_stays_signed_in(business: Business) -> None:
    client = client_for(business.owner)
    client.post(
        f"/staff/{business.owner.pk}/edit/",
        {
            "username": "owner",
            "first_name": "Nur",
            "role": "owner",
            "language": "id",
            "is_active": "on",
            "password": "kata-sandi-baru-2026",
        },
    )
    assert client.get("/").status_code == 200


def test_manager_needs_a_branch(business: Business) -> None:
    with pytest.raises(ApplicationError) as error:
        staff_update(actor=business.owner, staff=business.analyst, role="manager")
    assert "managed_branches" in error.value.extra
    assert User.objects.get(pk=business.analyst.pk).role == "analyst"


def test_username_stays_unique_ignoring_case_on_edit(business: Business) -> None:
    with pytest.raises(ApplicationError) as error:
        staff_update(actor=business.owner, staff=business.cashier_b, username="CASHIER_A")
    assert "username" in error.value.extra


@pytest.mark.parametrize(
    "path",
    [
        "/staff/?after=WyJ4Il0=",
        "/audit/?after=WyJub3QgYSBkYXRlIiwgIngiXQ==",
        "/staff/?branch=²",
        "/audit/?actor=99999999999999999999",
        "/customers/?after=W251bGwsIG51bGxd",
        "/customers/?branch=²",
    ],
)
def test_tampered_query_strings_are_not_errors(business: Business, path: str) -> None:
    assert client_for(business.owner).get(path).status_code == 200


def test_reloading_after_creating_a_key_creates_no_second_key(business: Business) -> None:
    client = client_for(business.cashier_a)
    response = client.post("/me/api-keys/", {"name": "POS"}, follow=True)
    assert "sk_" in response.content.decode()
    again = client.get("/me/api-keys/")
    assert "sk_" not in again.content.decode().split('data-testid="key-table"')[0]
    assert business.cashier_a.api_keys.count() == 1


def test_managers_team_list_shows_only_their_staff(business: Business) -> None:
    from setia.accounts.services import team_create

    team = team_create(actor=business.owner, name="Kasir")
    business.cashier_a.teams.add(team)
    business.cashier_b.teams.add(team)
    html = client_for(business.manager).get("/teams/").content.decode()
    assert "Sari" in html and "Rina" not in html


def test_expired_session_on_an_htmx_request_redirects_the_whole_page(db: None) -> None:
    response = Client().get("/search/?q=ab", headers={"HX-Request": "true"})
    assert response.status_code == 204 and response["HX-Redirect"].startswith("/accounts/login/")


def test_forms_show_a_stored_phone_as_the_pages_do(business: Business) -> None:
    """The branch and staff forms showed `+628112345678` where the pages show `0811-2345-678`;
    saving the form unchanged keeps the number."""
    business.branch_a.phone = "+62215551234"
    business.branch_a.save(update_fields=["phone"])
    business.cashier_a.phone = "+6281234567890"
    business.cashier_a.save(update_fields=["phone"])
    client = client_for(business.owner)
    branch_form = client.get(f"/branches/{business.branch_a.pk}/edit/").context["form"]
    staff_form = client.get(f"/staff/{business.cashier_a.pk}/edit/").context["form"]
    assert branch_form["phone"].value() == "(021) 5551234"
    assert staff_form["phone"].value() == "0812-3456-7890"
    response = client.post(
        f"/branches/{business.branch_a.pk}/edit/",
        {"name": business.branch_a.name, "code": business.branch_a.code, "phone": "(021) 5551234", "is_active": "on"},
    )
    assert response.status_code == 302
    business.branch_a.refresh_from_db()
    assert business.branch_a.phone == "+62215551234"
