import pytest
from django.utils import translation

from setia.accounts.models import ApiKey, Branch, Team, User
from setia.accounts.selectors import api_key_user, business_settings
from setia.accounts.services import (
    api_key_create,
    api_key_revoke,
    branch_create,
    branch_update,
    business_settings_update,
    staff_create,
    staff_update,
    team_create,
)
from setia.conftest import Business
from setia.core.errors import ApplicationError, PermissionDeniedError
from setia.core.models import AuditEvent


def test_owner_creates_front_office_staff_with_normalised_phone(business: Business) -> None:
    member = staff_create(
        actor=business.owner,
        username="dewi",
        password="rahasia-sekali-2026",
        role="cashier",
        first_name="Dewi",
        branch=business.branch_a,
        phone="0812-3456-7890",
    )
    assert member.phone == "+6281234567890"
    assert member.check_password("rahasia-sekali-2026")
    event = AuditEvent.objects.get(object_type="accounts.user", object_id=str(member.pk))
    assert event.action == "create" and event.changes["role"] == [None, "cashier"]
    assert "password" not in event.changes


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"role": "cashier", "branch": None}, "branch"),
        ({"username": "owner"}, "username"),
        ({"password": "123"}, "password"),
        ({"phone": "0812"}, "phone"),
        ({"email": "not-an-email"}, "email"),
        ({"role": "owner", "managed_branches": ["A"]}, "managed_branches"),
    ],
)
def test_bad_staff_input_names_the_field_and_saves_nothing(business: Business, fields: dict, field: str) -> None:
    values = {
        "username": "dewi",
        "password": "rahasia-sekali-2026",
        "role": "cashier",
        "branch": business.branch_a,
        **fields,
    }
    if values.get("managed_branches") == ["A"]:
        values["managed_branches"] = [business.branch_a]
    users, events = User.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as error:
        staff_create(actor=business.owner, **values)
    assert field in error.value.extra
    assert User.objects.count() == users and AuditEvent.objects.count() == events


def test_only_the_owner_manages_staff(business: Business) -> None:
    with pytest.raises(PermissionDeniedError):
        staff_create(actor=business.manager, username="x", password="rahasia-sekali-2026", role="analyst")
    assert not User.objects.filter(username="x").exists()


def test_last_owner_cannot_demote_themselves(business: Business) -> None:
    with pytest.raises(ApplicationError) as error:
        staff_update(actor=business.owner, staff=business.owner, role="analyst")
    assert "role" in error.value.extra
    business.owner.refresh_from_db()
    assert business.owner.role == "owner"


def test_changing_role_away_from_manager_drops_managed_branches(business: Business) -> None:
    staff_update(actor=business.owner, staff=business.manager, role="analyst")
    assert list(business.manager.managed_branches.all()) == []


def test_branch_cannot_close_with_front_office_staff(business: Business) -> None:
    with pytest.raises(ApplicationError) as error, translation.override("en"):
        branch_update(actor=business.owner, branch=business.branch_a, is_active=False)
    assert error.value.extra == {
        "is_active": ["Move or deactivate this branch's front-office staff before closing it: Sari."]
    }
    assert Branch.objects.get(pk=business.branch_a.pk).is_active


def test_duplicate_branch_code_is_refused(business: Business) -> None:
    with pytest.raises(ApplicationError) as error:
        branch_create(actor=business.owner, name="Kemang 2", code="kmg")
    assert "code" in error.value.extra


def test_manager_creates_teams_only_in_own_branches(business: Business) -> None:
    team = team_create(actor=business.manager, name="Stylist", branch=business.branch_a)
    assert team.branch == business.branch_a
    with pytest.raises(ApplicationError):
        team_create(actor=business.manager, name="Stylist", branch=business.branch_b)
    assert Team.objects.count() == 1


def test_settings_refuse_unknown_roles(business: Business) -> None:
    with pytest.raises(ApplicationError) as error:
        business_settings_update(actor=business.owner, mfa_required_roles=["owner", "pirate"])
    assert "mfa_required_roles" in error.value.extra
    assert business_settings().mfa_required_roles == []


def test_reading_the_settings_writes_nothing_until_they_are_saved(business: Business) -> None:
    from setia.accounts.models import BusinessSettings
    from setia.conftest import client_for

    for path in ("/", "/settings/", "/customers/"):
        assert client_for(business.owner).get(path).status_code == 200
    assert not BusinessSettings.objects.exists()  # the pages showed the defaults
    assert business_settings().name == "Setia CRM" and business_settings().pk == 1
    business_settings_update(actor=business.owner, name="Salon Cantik")
    assert BusinessSettings.objects.get().name == "Salon Cantik"
    business_settings_update(actor=business.owner, name="Salon Cantik Setia")
    assert BusinessSettings.objects.count() == 1 and business_settings().name == "Salon Cantik Setia"


def test_api_key_is_stored_as_digest_shown_once_and_revocable(business: Business) -> None:
    record, raw = api_key_create(actor=business.cashier_a, name="POS kasir")
    assert raw.startswith("sk_") and len(raw) > 40
    assert record.digest == ApiKey.digest_of(raw) and raw not in record.digest
    assert api_key_user(raw) == business.cashier_a
    api_key_revoke(actor=business.cashier_a, api_key=record)
    assert api_key_user(raw) is None


def test_key_of_a_deactivated_user_stops_working(business: Business) -> None:
    _record, raw = api_key_create(actor=business.cashier_a, name="POS")
    staff_update(actor=business.owner, staff=business.cashier_a, is_active=False)
    assert api_key_user(raw) is None


def test_api_key_needs_a_name(business: Business) -> None:
    with pytest.raises(ApplicationError) as error:
        api_key_create(actor=business.cashier_a, name="  ")
    assert "name" in error.value.extra
    assert not ApiKey.objects.exists()


def test_createsuperuser_makes_the_first_owner(db: None) -> None:
    from django.core.management import call_command

    call_command("createsuperuser", "--username", "pemilik", "--email", "p@example.com", "--noinput")
    owner = User.objects.get(username="pemilik")
    assert owner.role == "owner" and owner.is_superuser and owner.has_capability("staff.manage")


def test_owner_resets_a_lost_authenticator(business: Business) -> None:
    from allauth.mfa.models import Authenticator

    from setia.accounts.services import staff_reset_two_factor

    Authenticator.objects.create(user=business.cashier_a, type=Authenticator.Type.TOTP, data={"secret": "x"})
    with pytest.raises(PermissionDeniedError):
        staff_reset_two_factor(actor=business.manager, staff=business.cashier_a)
    assert Authenticator.objects.filter(user=business.cashier_a).count() == 1
    assert staff_reset_two_factor(actor=business.owner, staff=business.cashier_a) == 1
    assert not Authenticator.objects.filter(user=business.cashier_a).exists()
    assert AuditEvent.objects.filter(message="Two-factor sign-in reset", actor=business.owner).count() == 1


def test_staff_list_shows_deactivated_staff_only_when_asked(business: Business) -> None:
    from setia.conftest import client_for

    staff_update(actor=business.owner, staff=business.cashier_b, is_active=False)
    client = client_for(business.owner)
    shown = [member.username for member in client.get("/staff/").context["page"].rows]
    assert "cashier_b" not in shown
    shown = [member.username for member in client.get("/staff/?inactive=1").context["page"].rows]
    assert "cashier_b" in shown


def test_a_branch_has_its_own_opening_hours_or_the_businesss(business: Business) -> None:
    import datetime as dt

    assert (business.branch_a.opens_at, business.branch_a.closes_at) == (None, None)
    with pytest.raises(ApplicationError) as error:
        branch_update(actor=business.owner, branch=business.branch_a, opens_at=dt.time(10))
    assert list(error.value.extra) == ["closes_at"]
    with pytest.raises(ApplicationError) as error:
        branch_update(actor=business.owner, branch=business.branch_a, opens_at=dt.time(10), closes_at=dt.time(9))
    assert list(error.value.extra) == ["closes_at"]
    business.branch_a.refresh_from_db()
    assert business.branch_a.opens_at is None  # nothing half-saved
    branch = branch_update(
        actor=business.owner, branch=business.branch_a, opens_at=dt.time(10), closes_at=dt.time(21, 30)
    )
    assert (branch.opens_at, branch.closes_at) == (dt.time(10), dt.time(21, 30))
    event = AuditEvent.objects.filter(subject_key=f"accounts.branch:{branch.pk}").latest("pk")
    assert event.changes["opens_at"][0] is None and event.changes["closes_at"][1] is not None


def test_the_branch_form_takes_opening_hours_and_names_a_wrong_one(business: Business) -> None:
    from django.urls import reverse

    from setia.conftest import client_for

    client = client_for(business.owner)
    client.cookies["django_language"] = "en"
    edit = reverse("accounts:branch_edit", args=[business.branch_a.pk])
    page = client.get(edit).content.decode()
    assert 'name="opens_at"' in page and 'type="time"' in page
    form = {"name": business.branch_a.name, "code": business.branch_a.code, "is_active": "on"}
    response = client.post(edit, {**form, "opens_at": "21:00", "closes_at": "10:00"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"closes_at": ["The closing time must be after the opening time."]}
    response = client.post(edit, {**form, "opens_at": "10:00", "closes_at": ""})
    assert response.context["form"].errors == {
        "closes_at": ["Enter both the opening and the closing time, or leave both empty."]
    }
    assert client.post(edit, {**form, "opens_at": "10:00", "closes_at": "21:00"}).status_code == 302
    business.branch_a.refresh_from_db()
    assert business.branch_a.opens_at is not None and business.branch_a.opens_at.hour == 10
