from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from setia.accounts.models import Branch, User
from setia.accounts.roles import Role
from setia.accounts.selectors import business_settings
from setia.demo.services import seed_demo


def _snapshot() -> list[tuple[str, str, str, str, str | None]]:
    return list(
        User.objects.order_by("username").values_list("username", "first_name", "last_name", "phone", "branch__code")
    )


def test_salon_has_three_branches_and_a_login_for_every_role(db: None) -> None:
    report = seed_demo(profile="salon", seed=7)
    assert Branch.objects.count() == 3
    assert business_settings().name == "Salon Cantik Setia"
    assert {role for _username, role, _password in report.logins} == set(Role.values)
    assert User.objects.get(username="admin").role == "owner"
    assert all(phone.startswith("+62") for phone in User.objects.exclude(phone="").values_list("phone", flat=True))
    assert User.objects.filter(role__in=["cashier", "sales"], branch__isnull=True).count() == 0


def test_taxi_profile(db: None) -> None:
    from setia.customers.models import Address, Customer

    report = seed_demo(profile="taxi", seed=1, customers=30)
    assert business_settings().name == "Taksi Setia Nusantara"
    assert User.objects.filter(role="call_agent").count() >= 2
    assert report.customers == Customer.objects.count() == 30
    # Every customer has a phone and a pick-up address in a real district of their branch's city.
    assert not Customer.objects.filter(phones__isnull=True).exists()
    assert not Customer.objects.filter(addresses__isnull=True).exists()
    assert not Address.objects.filter(district__isnull=True).exists()
    assert Address.objects.exclude(landmark="").exists()


def test_same_seed_same_data(db: None) -> None:
    seed_demo(profile="salon", seed=3)
    first = _snapshot()
    from setia.customers.models import Customer

    Customer.objects.all().delete()
    User.objects.all().delete()
    Branch.objects.all().delete()
    seed_demo(profile="salon", seed=3)
    assert _snapshot() == first


def test_command_prints_logins_and_refuses_a_full_database(db: None) -> None:
    out = StringIO()
    call_command("seed_demo", "--profile", "salon", stdout=out)
    text = out.getvalue()
    assert "Demo logins (password for all: setia-demo-2026)" in text
    assert "admin" in text and "call_agent" in text
    with pytest.raises(CommandError):
        call_command("seed_demo", stdout=StringIO())
    again = StringIO()
    call_command("seed_demo", "--if-empty", stdout=again)
    assert "already has data" in again.getvalue() and "admin" in again.getvalue()


def test_create_api_key_command_prints_a_working_key(db: None) -> None:
    from django.test import Client

    seed_demo(profile="salon", seed=1)
    out = StringIO()
    call_command("create_api_key", "--username", "cashier", stdout=out)
    key = out.getvalue().strip()
    response = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200 and response.json()["username"] == "cashier"
    with pytest.raises(CommandError):
        call_command("create_api_key", "--username", "nobody", stdout=StringIO())


def test_many_customers_are_written_in_bulk(db: None) -> None:
    from setia.customers.models import Customer, CustomerPhone
    from setia.customers.selectors import search_customers

    seed_demo(profile="taxi", seed=2, customers=2500)
    assert Customer.objects.count() == 2500
    assert CustomerPhone.objects.values("customer").distinct().count() == 2500
    assert not Customer.objects.filter(search_name="").exists()
    admin = User.objects.get(username="admin")
    some = Customer.objects.order_by("id")[1234]
    phone = some.phones.get().number
    assert [c.pk for c in search_customers(actor=admin, query="0" + phone[3:])] == [some.pk]
