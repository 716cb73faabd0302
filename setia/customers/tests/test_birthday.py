"""A birthday is a day in the past, at most 120 years ago: the form and the API refuse others,
naming the field, and save nothing."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from setia.accounts.services import api_key_create
from setia.conftest import Business, client_for
from setia.core.errors import ApplicationError
from setia.customers.models import Customer
from setia.customers.services import customer_create, customer_update

TODAY = timezone.localdate()


def _years_ago(years: int, days: int = 0) -> dt.date:
    return TODAY.replace(year=TODAY.year - years, day=min(TODAY.day, 28)) - dt.timedelta(days=days)


@pytest.mark.parametrize(
    ("birthday", "message"),
    [
        (TODAY + dt.timedelta(days=1), "Birthday: the date is in the future."),
        (_years_ago(120, days=5), "Birthday: the date is more than 120 years ago."),
    ],
)
def test_service_refuses_and_saves_nothing(business: Business, birthday: dt.date, message: str) -> None:
    from django.utils import translation

    with translation.override("en"), pytest.raises(ApplicationError) as error:
        customer_create(actor=business.owner, name="Ani", home_branch=business.branch_a, birthday=birthday)
    assert error.value.message == message and error.value.extra == {"birthday": [message]}
    assert not Customer.objects.exists()


def test_today_and_119_years_ago_are_fine(business: Business) -> None:
    for birthday in (TODAY, _years_ago(119)):
        customer = customer_create(actor=business.owner, name="Ani", home_branch=business.branch_a, birthday=birthday)
        assert customer.birthday == birthday


def test_update_refuses_a_new_future_birthday_but_keeps_an_old_record_editable(business: Business) -> None:
    customer = customer_create(actor=business.owner, name="Ani", home_branch=business.branch_a)
    with pytest.raises(ApplicationError) as error:
        customer_update(
            actor=business.owner, customer=customer, version=customer.version, birthday=TODAY + dt.timedelta(days=3)
        )
    assert "birthday" in error.value.extra
    customer.refresh_from_db()
    assert customer.birthday is None and customer.version == 1
    # A record that came in with a bad date (an old import) still saves when other fields change.
    Customer.objects.filter(pk=customer.pk).update(birthday=TODAY + dt.timedelta(days=3))
    customer.refresh_from_db()
    updated = customer_update(
        actor=business.owner,
        customer=customer,
        version=customer.version,
        birthday=customer.birthday,
        notes="x",
    )
    assert updated.notes == "x"


def test_the_form_names_the_field(business: Business) -> None:
    client = client_for(business.cashier_a)
    client.cookies["django_language"] = "en"
    data = {
        "kind": "person",
        "name": "Ani",
        "birthday": (TODAY + dt.timedelta(days=1)).isoformat(),
        "preferred_language": "id",
        "preferred_channel": "whatsapp",
        "source": "walk_in",
    }
    page = client.post(reverse("customers:create"), data).content.decode()
    assert 'data-field-error="birthday"' in page and "Birthday: the date is in the future." in page
    assert not Customer.objects.exists()


def test_the_api_names_the_field(business: Business) -> None:
    key = api_key_create(actor=business.owner, name="t")[1]
    response = Client().post(
        "/api/v1/customers",
        {"name": "Ani", "home_branch_id": business.branch_a.pk, "birthday": "1890-01-01"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}", "Accept-Language": "en"},
    )
    assert response.status_code == 400, response.content
    assert list(response.json()["extra"]) == ["birthday"]
    assert not Customer.objects.exists()
