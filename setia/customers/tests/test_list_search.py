"""The customer list's search box finds what the top bar's search finds: a phone in any form,
the start of a number, an email, a member card number, an external id (indexed lookups only)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from setia.conftest import Business, client_for
from setia.customers.models import Customer
from setia.customers.selectors import ListFilters, contact_lookup, customer_list, customer_list_count
from setia.customers.services import ContactPoints, PhoneIn, customer_create


@pytest.fixture
def people(business: Business) -> dict[str, Customer]:
    def make(name: str, phone: str, email: str = "", branch: object = None, **extra: object) -> Customer:
        return customer_create(
            actor=business.owner,
            name=name,
            home_branch=branch or business.branch_a,  # type: ignore[arg-type]
            contacts=ContactPoints(phones=[PhoneIn(phone)], emails=[email] if email else []),
            **extra,  # type: ignore[arg-type]
        )

    found = {
        "siti": make("Siti Aminah", "0813-4469-6291", "siti@example.com", external_id="POS-77"),
        "rina": make("Rina", "0813-4469-7000"),
        "budi": make("Budi 0813", "0812-0000-1111"),
        "dewi": make("Dewi", "0813-4469-8000", "dewi@example.com", branch=business.branch_b),
    }
    Customer.objects.filter(pk=found["siti"].pk).update(member_number="SET00000042")
    return found


def _names(business: Business, query: str, actor: object = None) -> list[str]:
    filters = ListFilters(query=query)
    customers = customer_list(actor=actor or business.owner, filters=filters)  # type: ignore[arg-type]
    return sorted(customers.values_list("name", flat=True))


@pytest.mark.parametrize(
    "query", ["0813-4469-6291", "6281344696291", "+62 813 4469 6291", "081344696291", "(0813) 4469 6291"]
)
def test_a_whole_phone_in_any_form_finds_her(business: Business, people: dict, query: str) -> None:
    assert _names(business, query) == ["Siti Aminah"]


def test_the_start_of_a_number_finds_every_number_starting_so(business: Business, people: dict) -> None:
    assert _names(business, "0813 4469") == ["Dewi", "Rina", "Siti Aminah"]
    assert _names(business, "+62813446") == ["Dewi", "Rina", "Siti Aminah"]
    assert _names(business, "0813 4469", business.cashier_a) == ["Rina", "Siti Aminah"]  # Dewi is Dago's
    assert _names(business, "08134") == []  # five digits: too few, and no name has them either


def test_email_card_number_and_external_id(business: Business, people: dict) -> None:
    assert _names(business, "SITI@example.com") == ["Siti Aminah"]
    assert _names(business, "SET00000042") == _names(business, "SET 0000 0042") == ["Siti Aminah"]
    assert _names(business, "POS-77") == ["Siti Aminah"]
    assert _names(business, "dewi@example.com", business.cashier_a) == []  # another branch's
    assert _names(business, "nobody@example.com") == []


def test_a_name_still_searches_names(business: Business, people: dict) -> None:
    assert _names(business, "amin") == ["Siti Aminah"]
    assert _names(business, "budi") == ["Budi 0813"]
    assert contact_lookup("budi") is None and contact_lookup("amin") is None


def test_the_words_of_a_name_in_any_order(business: Business, people: dict) -> None:
    """ "aminah siti" finds Siti Aminah, in the list and in the top bar's search; each word must be
    in her name, and a branch's cashier still finds only her branch's customers."""
    from setia.customers.selectors import search_customers

    assert _names(business, "aminah siti") == _names(business, "siti aminah") == ["Siti Aminah"]
    assert _names(business, "amin sit") == ["Siti Aminah"]
    assert _names(business, "aminah rina") == []
    assert [c.name for c in search_customers(actor=business.owner, query="Aminah  Siti")] == ["Siti Aminah"]
    assert [c.name for c in search_customers(actor=business.cashier_b, query="aminah siti")] == []


def test_the_page_shows_a_count_for_a_contact_search_only(business: Business, people: dict) -> None:
    client = client_for(business.cashier_a)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("customers:list") + "?q=0813-4469").content.decode()
    assert "2 customers found" in page and "Rina" in page and "Siti Aminah" in page and "Dewi" not in page
    single = client.get(reverse("customers:list") + "?q=%2B6281344696291").content.decode()
    assert "1 customer found" in single and "Siti Aminah" in single
    by_name = client.get(reverse("customers:list") + "?q=siti").content.decode()
    count_line = by_name.split('data-testid="found-count">')[1].split("</div>")[0]
    assert count_line == "" and "Siti Aminah" in by_name  # a name search is not counted
    assert customer_list_count(actor=business.owner, filters=ListFilters(query="")) is None


def test_a_contact_search_uses_a_fixed_number_of_queries(business: Business, people: dict) -> None:
    client = client_for(business.owner)
    client.get(reverse("customers:list") + "?q=0813-4469")  # warm up (sessions, settings)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("customers:list") + "?q=0813-4469")
    for index in range(10):
        customer_create(
            actor=business.owner,
            name=f"Extra {index}",
            home_branch=business.branch_a,
            contacts=ContactPoints(phones=[PhoneIn(f"0813-4469-91{index:02d}")]),
        )
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("customers:list") + "?q=0813-4469")
    assert len(many) == len(few)
