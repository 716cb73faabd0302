"""A business switches off the parts of Setia it does not use (a salon has no taxi trips): they
leave the menu and the quick actions; their pages still answer."""

import pytest

from setia.accounts.services import business_settings_update
from setia.conftest import Business, client_for
from setia.core.errors import ApplicationError
from setia.core.memo import clear_all
from setia.customers.models import Customer


def _nav(html: str) -> set[str]:
    return {part.split('"')[0] for part in html.split('data-nav="')[1:]}


def test_a_part_switched_off_leaves_the_menu_and_the_quick_actions(business: Business) -> None:
    customer = Customer.objects.create(name="Sari", search_name="sari", home_branch=business.branch_a)
    client = client_for(business.manager)
    assert {"calls", "trips", "appointments"} <= _nav(client.get("/").content.decode())
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert 'data-testid="book-trip-action"' in page and 'data-testid="book-appointment-action"' in page
    business_settings_update(actor=business.owner, unused_sections=["trips"])
    clear_all()
    menu = _nav(client.get("/").content.decode())
    assert "trips" not in menu and {"calls", "appointments", "cashier"} <= menu
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert 'data-testid="book-trip-action"' not in page and 'data-testid="book-appointment-action"' in page
    assert client.get("/trips/").status_code == 200  # hidden, not forbidden


def test_the_settings_form_keeps_what_is_ticked(business: Business) -> None:
    client = client_for(business.owner)
    client.cookies["django_language"] = "en"
    form = client.get("/settings/").content.decode()
    assert "Parts of Setia this business uses" in form and 'value="appointments"' in form
    data = {"name": "Salon Cantik", "sections_in_use": ["calls", "appointments"]}
    assert client.post("/settings/", data).status_code == 302
    from setia.accounts.selectors import business_settings

    assert business_settings().unused_sections == ["trips"]
    clear_all()
    form = client.get("/settings/").context["form"]
    assert sorted(form.initial["sections_in_use"]) == ["appointments", "calls"]


def test_an_unknown_part_is_refused_naming_the_field(business: Business) -> None:
    with pytest.raises(ApplicationError, match="rockets") as error:
        business_settings_update(actor=business.owner, unused_sections=["rockets"])
    assert "sections_in_use" in error.value.extra


def test_the_order_list_offers_no_kind_of_a_part_switched_off(business: Business) -> None:
    client = client_for(business.manager)
    client.cookies["django_language"] = "en"
    assert "taxi trip" in client.get("/orders/").content.decode().lower()
    business_settings_update(actor=business.owner, unused_sections=["trips"])
    clear_all()
    page = client.get("/orders/").content.decode().lower()
    assert "taxi trip" not in page and 'value="appointment"' in page and 'value="sale"' in page
    # a link that names the kind still shows it selected
    assert 'value="trip" selected' in client.get("/orders/?kind=trip").content.decode()
