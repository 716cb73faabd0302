import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from setia.accounts.services import business_settings_update
from setia.conftest import PASSWORD, Business, client_for
from setia.core.models import AuditEvent


def _sign_in(client: Client, username: str, password: str) -> object:
    return client.post("/accounts/login/", {"login": username, "password": password})


def test_correct_password_signs_in_and_is_audited(business: Business) -> None:
    client = Client()
    response = _sign_in(client, "cashier_a", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"  # type: ignore[index,attr-defined]
    home = client.get("/")
    assert home.status_code == 200
    assert AuditEvent.objects.filter(action="login", actor=business.cashier_a).count() == 1
    # Greeted by the name staff know her by, not her login name.
    assert f"Berhasil masuk sebagai {business.cashier_a}." in home.content.decode()
    assert str(business.cashier_a) != business.cashier_a.username


def test_wrong_password_is_refused_with_a_message(business: Business) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    response = _sign_in(client, "cashier_a", "wrong-password")
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert "not correct" in response.content.decode()  # type: ignore[attr-defined]
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(action="login_failed", object_id=str(business.cashier_a.pk)).count() == 1


def test_repeated_failures_lock_the_account_even_for_the_right_password(business: Business) -> None:
    client = Client()
    for _ in range(settings.LOGIN_FAILURES_LIMIT):
        _sign_in(client, "cashier_a", "wrong-password")
    response = _sign_in(client, "cashier_a", PASSWORD)
    assert response.status_code in (200, 429)  # type: ignore[attr-defined]
    assert client.get("/").status_code == 302  # still signed out
    # Another user from elsewhere is not affected by this user's lockout.
    assert _sign_in(Client(REMOTE_ADDR="10.9.9.9"), "cashier_b", PASSWORD).status_code == 302  # type: ignore[attr-defined]


def test_session_expires_after_inactivity(business: Business) -> None:
    client = client_for(business.cashier_a)
    assert client.get("/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_every_request_extends_the_session(business: Business) -> None:
    client = client_for(business.cashier_a)
    client.get("/")
    first = Session.objects.get().expire_date
    Session.objects.update(expire_date=first - dt.timedelta(minutes=30))
    client.get("/")
    assert Session.objects.get().expire_date >= first


def test_role_required_to_use_two_factor_is_sent_to_set_it_up(business: Business) -> None:
    business_settings_update(actor=business.owner, mfa_required_roles=["manager"])
    response = client_for(business.manager).get("/staff/")
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/totp/activate/"
    assert client_for(business.cashier_a).get("/").status_code == 200  # other roles unaffected


def test_two_factor_activation_gives_recovery_codes_and_then_asks_for_a_code(business: Business) -> None:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

    client = client_for(business.owner)
    # Activating asks for the password again first.
    assert client.get("/accounts/2fa/totp/activate/")["Location"].startswith("/accounts/reauthenticate/")
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    secret = page.context["form"].secret
    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
    response = client.post("/accounts/2fa/totp/activate/", {"code": code})
    assert response.status_code == 302
    types = set(Authenticator.objects.filter(user=business.owner).values_list("type", flat=True))
    assert types == {Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES}
    # Signing in again now stops at the second step.
    fresh = Client()
    step = _sign_in(fresh, "owner", PASSWORD)
    assert step.status_code == 302 and step["Location"] == "/accounts/2fa/authenticate/"  # type: ignore[index,attr-defined]
    assert fresh.get("/").status_code == 302


def test_language_defaults_to_indonesian_and_follows_the_switch(business: Business) -> None:
    client = client_for(business.cashier_a)
    home = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert home["Content-Language"] == "id"
    assert "Beranda" in home.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get("/")
    assert english["Content-Language"] == "en" and "Home" in english.content.decode()


def test_users_saved_language_is_used_without_a_cookie(business: Business) -> None:
    business.cashier_a.language = "en"
    business.cashier_a.save()
    assert client_for(business.cashier_a).get("/")["Content-Language"] == "en"


def test_deploy_check_is_clean_with_production_settings() -> None:
    env = {
        **os.environ,
        "SETIA_ENV": "production",
        "SECRET_KEY": "x" * 30 + "production-secret-for-the-check-0123456789",
        "ALLOWED_HOSTS": "crm.example.co.id",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SETIA_VAR_DIR": "/tmp/setia-deploy-check",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key() -> None:
    env = {
        **os.environ,
        "SETIA_ENV": "production",
        "SECRET_KEY": "",
        "ALLOWED_HOSTS": "x",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0 and "SECRET_KEY must be set in production" in result.stderr


@pytest.mark.parametrize("value", ["maybe", "2", "tru"])
def test_unknown_boolean_in_the_environment_is_an_error(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from config.env import env_bool

    monkeypatch.setenv("SOME_FLAG", value)
    with pytest.raises(ImproperlyConfigured):
        env_bool("SOME_FLAG")
