"""When branches do not share customers, a phone or card of another branch's customer says whose
branch it is (at the till, on the caller card, on the new-customer form) and nothing more."""

import pytest
from django.urls import reverse

from setia.accounts.services import business_settings_update
from setia.conftest import Business, client_for
from setia.customers.models import Customer
from setia.customers.selectors import caller_card, held_elsewhere
from setia.customers.services import ContactPoints, PhoneIn, customer_create, telephony_event_receive


@pytest.fixture
def dewi(business: Business) -> Customer:
    customer = customer_create(
        actor=business.owner,
        name="Dewi Kartika",
        home_branch=business.branch_b,
        contacts=ContactPoints(phones=[PhoneIn("0813-4469-6291")], emails=["dewi@example.com"]),
    )
    Customer.objects.filter(pk=customer.pk).update(member_number="SET00000042")
    return customer


def _hidden(page: str, dewi: Customer) -> None:
    assert "Dewi" not in page and "Kartika" not in page and "dewi@example.com" not in page
    assert f"/customers/{dewi.pk}/" not in page and "SET00000042" not in page


def _english(user: object) -> object:
    client = client_for(user)  # type: ignore[arg-type]
    client.cookies["django_language"] = "en"
    return client


def test_the_selector_names_the_branch_only_for_whom_may_not_see_her(business: Business, dewi: Customer) -> None:
    for typed in ("0813-4469-6291", "6281344696291", "+62 813 4469 6291"):
        assert held_elsewhere(actor=business.cashier_a, phone=typed) == "Dago"
    assert held_elsewhere(actor=business.cashier_a, card="set 0000 0042") == "Dago"
    assert held_elsewhere(actor=business.cashier_b, phone="0813-4469-6291") == ""  # hers to see
    assert held_elsewhere(actor=business.owner, phone="0813-4469-6291") == ""  # sees every branch
    assert held_elsewhere(actor=business.cashier_a, phone="0813-0000-0000") == ""  # nobody's
    assert held_elsewhere(actor=business.cashier_a, phone="not a phone") == ""
    business_settings_update(actor=business.owner, share_customers_across_branches=True)
    assert held_elsewhere(actor=business.cashier_a, phone="0813-4469-6291") == ""  # shared: she is found


def test_a_visible_customer_with_the_same_number_wins(business: Business, dewi: Customer) -> None:
    customer_create(
        actor=business.owner,
        name="Dewi K.",
        home_branch=business.branch_a,
        contacts=ContactPoints(phones=[PhoneIn("0813-4469-6291")]),
    )
    assert held_elsewhere(actor=business.cashier_a, phone="0813-4469-6291") == ""


def test_the_till_says_whose_customer_a_phone_is(business: Business, dewi: Customer) -> None:
    client = _english(business.cashier_a)
    for typed in ("0813-4469-6291", "6281344696291", "+62 813 4469 6291"):
        page = client.get(reverse("sales:cashier_customers"), {"find": typed}).content.decode()  # type: ignore[attr-defined]
        assert 'data-testid="phone-elsewhere"' in page and "belongs to a customer of Dago" in page
        assert 'data-testid="no-customer"' not in page and 'data-testid="new-walk-in"' not in page
        _hidden(page, dewi)
    unknown = client.get(reverse("sales:cashier_customers"), {"find": "0813-0000-0000"}).content.decode()  # type: ignore[attr-defined]
    assert 'data-testid="no-customer"' in unknown and "elsewhere" not in unknown
    card = client.get(reverse("sales:cashier_customers"), {"find": "SET00000042"}).content.decode()  # type: ignore[attr-defined]
    assert 'data-testid="card-elsewhere"' in card
    own = _english(business.cashier_b).get(reverse("sales:cashier_customers"), {"find": "0813-4469-6291"})  # type: ignore[attr-defined]
    assert "Dewi Kartika" in own.content.decode() and "elsewhere" not in own.content.decode()


def test_the_caller_card_and_the_screen_pop_say_whose_customer_rings(business: Business, dewi: Customer) -> None:
    card = caller_card(actor=business.cashier_a, phone="+6281344696291")
    assert (card.match, card.customers, card.elsewhere) == ("none", [], "Dago")
    client = _english(business.cashier_a)
    page = client.get(reverse("customers:caller_lookup"), {"phone": "0813 4469 6291"}).content.decode()  # type: ignore[attr-defined]
    assert 'data-testid="caller-elsewhere"' in page and "belongs to a customer of Dago" in page
    assert "New caller" not in page
    _hidden(page, dewi)
    start = client.get(reverse("customers:screen_pops")).json()["last"]  # type: ignore[attr-defined]
    telephony_event_receive(actor=business.owner, event="ringing", caller="6281344696291", agent_username="cashier_a")
    pops = client.get(reverse("customers:screen_pops"), {"after": start}).json()["pops"]  # type: ignore[attr-defined]
    assert len(pops) == 1 and 'data-testid="caller-elsewhere"' in pops[0]["html"]
    _hidden(pops[0]["html"], dewi)
    nobody = client.get(reverse("customers:caller_lookup"), {"phone": "0813 0000 0000"}).content.decode()  # type: ignore[attr-defined]
    assert "New caller" in nobody and "caller-elsewhere" not in nobody


NEW = {
    "kind": "person",
    "name": "Dewi",
    "phone_1": "62 813 4469 6291",
    "preferred_language": "id",
    "preferred_channel": "whatsapp",
    "source": "phone",
}


def test_the_new_customer_form_warns_and_still_saves_when_told(business: Business, dewi: Customer) -> None:
    client = _english(business.cashier_a)
    response = client.post(reverse("customers:create"), NEW)  # type: ignore[attr-defined]
    page = response.content.decode()
    assert response.status_code == 200 and 'data-testid="elsewhere-warning"' in page
    assert "The number 62 813 4469 6291 belongs to a customer of Dago" in page
    assert 'name="confirm_duplicate"' in page
    _hidden(page.replace('value="Dewi"', ""), dewi)  # the name typed into the form is the cashier's own
    assert Customer.objects.count() == 1
    saved = client.post(reverse("customers:create"), {**NEW, "confirm_duplicate": "on"})  # type: ignore[attr-defined]
    assert saved.status_code == 302 and Customer.objects.count() == 2
    # The owner sees both: the form shows the usual duplicate warning, not the other-branch one.
    owner = _english(business.owner).post(reverse("customers:create"), {**NEW, "home_branch": business.branch_a.pk})  # type: ignore[attr-defined]
    assert 'data-testid="elsewhere-warning"' not in owner.content.decode()
    assert 'data-testid="duplicate-warning"' in owner.content.decode()
