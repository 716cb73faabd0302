from typing import Any

import pytest
from django.test import Client

from setia.accounts.services import api_key_create
from setia.conftest import PERSONAS, Business, client_for, persona_user
from setia.core.errors import ApplicationError, PermissionDeniedError
from setia.customers.models import ScreenPop
from setia.customers.services import ContactPoints, PhoneIn, customer_create, telephony_event_receive


@pytest.fixture
def caller(business: Business) -> int:
    customer = customer_create(
        actor=business.owner,
        name="Andi Wijaya",
        home_branch=business.branch_a,
        contacts=ContactPoints(phones=[PhoneIn("0811-6964-5669")]),
    )
    return customer.pk


def test_event_for_an_agent_in_any_phone_format(business: Business, caller: int) -> None:
    pop = telephony_event_receive(
        actor=business.owner, event="ringing", caller="62811 6964 5669", agent_username="cashier_a"
    )
    assert (pop.agent, pop.phone) == (business.cashier_a, "+6281169645669")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"event": "exploded"}, "event"),
        ({"agent_username": "nobody"}, "agent"),
        ({"caller": "12"}, "caller"),
        ({"agent_username": "analyst"}, "agent"),
    ],
)
def test_bad_events_are_refused_naming_the_field(business: Business, fields: dict, field: str) -> None:
    values = {"event": "ringing", "caller": "0811-6964-5669", "agent_username": "cashier_a", **fields}
    with pytest.raises(ApplicationError) as error:
        telephony_event_receive(actor=business.owner, **values)
    assert field in error.value.extra
    assert not ScreenPop.objects.exists()


def test_only_call_handling_roles_post_events(business: Business) -> None:
    with pytest.raises(PermissionDeniedError):
        telephony_event_receive(actor=business.analyst, event="ringing", caller="", agent_username="cashier_a")


def test_a_key_reaches_only_the_screens_of_branches_its_owner_sees(business: Business) -> None:
    """Kemang's cashier (her key at the phone system) pops calls on her own screen, not on Dago's
    cashier's: refused as for an agent who does not exist; the owner reaches both."""
    assert telephony_event_receive(actor=business.cashier_a, event="ringing", caller="", agent_username="cashier_a")
    with pytest.raises(ApplicationError) as refused:
        telephony_event_receive(actor=business.cashier_a, event="ringing", caller="", agent_username="cashier_b")
    assert "cashier_b" in refused.value.message and list(refused.value.extra) == ["agent"]
    assert not ScreenPop.objects.filter(agent=business.cashier_b).exists()
    assert telephony_event_receive(actor=business.manager, event="ringing", caller="", agent_username="cashier_a")
    assert telephony_event_receive(actor=business.owner, event="ringing", caller="", agent_username="cashier_b")


def test_withheld_number_pops_an_empty_search(business: Business) -> None:
    pop = telephony_event_receive(actor=business.owner, event="ringing", caller="anonymous", agent_username="cashier_a")
    assert pop.phone == ""
    client = client_for(business.cashier_a)
    start = client.get("/calls/pops/").json()["last"]
    assert start == pop.pk  # a page opened after the call does not replay it
    telephony_event_receive(actor=business.owner, event="ringing", caller="", agent_username="cashier_a")
    body = client.get(f"/calls/pops/?after={start}").json()
    assert 'data-match="withheld"' in body["pops"][0]["html"]


def test_poll_returns_the_callers_card_only_to_that_agent(business: Business, caller: int) -> None:
    client = client_for(business.cashier_a)
    start = client.get("/calls/pops/").json()["last"]
    telephony_event_receive(actor=business.owner, event="ringing", caller="0811-6964-5669", agent_username="cashier_a")
    body = client.get(f"/calls/pops/?after={start}").json()
    assert len(body["pops"]) == 1 and "Andi Wijaya" in body["pops"][0]["html"]
    assert client.get(f"/calls/pops/?after={body['last']}").json()["pops"] == []
    other = client_for(business.manager).get(f"/calls/pops/?after={start}").json()
    assert other["pops"] == []


def test_family_phone_pops_candidates_and_unknown_pops_new_customer(business: Business, caller: int) -> None:
    customer_create(
        actor=business.owner,
        name="Rina Wijaya",
        home_branch=business.branch_a,
        contacts=ContactPoints(phones=[PhoneIn("0811-6964-5669")]),
    )
    client = client_for(business.cashier_a)
    family = client.get("/calls/lookup/?phone=0811-6964-5669").content.decode()
    assert 'data-match="several"' in family and "Andi Wijaya" in family and "Rina Wijaya" in family
    unknown = client.get("/calls/lookup/?phone=0899-1234-5678").content.decode()
    assert 'data-match="none"' in unknown and "/customers/new/?phone=%2B62899" in unknown
    bad = client.get("/calls/lookup/?phone=12").content.decode()
    assert 'data-testid="caller-error"' in bad


def test_the_calls_page_lists_the_agents_recent_calls_with_who_called(business: Business, caller: int) -> None:
    for number in ("0811-6964-5669", "", "0899-1234-5678"):
        telephony_event_receive(actor=business.owner, event="ringing", caller=number, agent_username="cashier_a")
    telephony_event_receive(actor=business.owner, event="answered", caller="0811-6964-5669", agent_username="cashier_a")
    telephony_event_receive(actor=business.owner, event="ringing", caller="0811-6964-5669", agent_username="cashier_b")
    html = client_for(business.cashier_a).get("/calls/").content.decode()
    assert html.count('data-testid="recent-call"') == 3  # ringing events only, her own
    newest, withheld, known = html.split('data-testid="recent-call"')[1:]
    assert 'data-testid="recent-call-new"' in newest and "0899-1234-5678" in newest
    assert 'data-testid="recent-call-withheld"' in withheld
    assert f'href="/customers/{caller}/"' in known and "Andi Wijaya" in known and "0811-6964-5669" in known
    # Another branch's agent sees the number, not the customer of a branch she cannot see.
    other = client_for(business.cashier_b).get("/calls/").content.decode()
    assert other.count('data-testid="recent-call"') == 1 and "Andi" not in other
    assert 'data-testid="recent-call-elsewhere"' in other and business.branch_a.name in other  # whose, not who
    assert 'data-testid="no-recent-calls"' in client_for(business.manager).get("/calls/").content.decode()


def test_the_recent_calls_list_takes_as_many_queries_for_twenty_calls_as_for_one(
    business: Business, caller: int
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from setia.customers import selectors

    def queries() -> int:
        selectors.recent_calls(agent=business.cashier_a)  # the agent's settings, once per process
        with CaptureQueriesContext(connection) as captured:
            selectors.recent_calls(agent=business.cashier_a)
        return len(captured)

    telephony_event_receive(actor=business.owner, event="ringing", caller="0811-6964-5669", agent_username="cashier_a")
    telephony_event_receive(actor=business.owner, event="ringing", caller="0811-6964-5599", agent_username="cashier_a")
    one = queries()  # a known caller and a new one
    for index in range(30):
        telephony_event_receive(
            actor=business.owner, event="ringing", caller=f"0811-6964-{5600 + index}", agent_username="cashier_a"
        )
    assert queries() == one
    calls = selectors.recent_calls(agent=business.cashier_a)
    assert len(calls) == 20 and [call.customers for call in calls if call.customers] == []  # the first is older
    assert all(call.pop.event == "ringing" for call in calls)


def test_other_branch_agent_does_not_see_the_caller(business: Business, caller: int) -> None:
    html = client_for(business.cashier_b).get("/calls/lookup/?phone=0811-6964-5669").content.decode()
    assert 'data-match="none"' in html and "Andi" not in html


@pytest.mark.parametrize("persona_index", range(len(PERSONAS)), ids=PERSONAS)
def test_call_pages_per_persona(business: Business, persona_index: int) -> None:
    client = client_for(persona_user(business, PERSONAS[persona_index]))
    expected = 302 if PERSONAS[persona_index] == "anonymous" else 200
    for path in ("/calls/", "/calls/lookup/?phone=0811", "/calls/pops/"):
        assert client.get(path).status_code == expected
    assert client_for(business.analyst).get("/calls/").status_code == 403


def test_telephony_api(business: Business, caller: int) -> None:
    _record, key = api_key_create(actor=business.owner, name="pbx")
    headers = {"Authorization": f"Bearer {key}"}
    ok = Client().post(
        "/api/v1/telephony/events",
        {"event": "ringing", "caller": "+62 811 6964 5669", "agent": "cashier_a"},
        content_type="application/json",
        headers=headers,
    )
    assert ok.status_code == 201 and ok.json()["phone"] == "+6281169645669"
    bad = Client().post(
        "/api/v1/telephony/events",
        {"event": "ringing", "caller": "x", "agent": "cashier_a"},
        content_type="application/json",
        headers=headers,
    )
    assert bad.status_code == 400 and "caller" in bad.json()["extra"]
    assert Client().post("/api/v1/telephony/events", {}, content_type="application/json").status_code == 401


@pytest.mark.parametrize("family_size", [1, 6])
def test_lookup_queries_do_not_grow_with_the_number_of_matches(
    business: Business, family_size: int, django_assert_max_num_queries: Any
) -> None:
    for index in range(family_size):
        customer_create(
            actor=business.owner,
            name=f"Keluarga {index}",
            home_branch=business.branch_a,
            contacts=ContactPoints(phones=[PhoneIn("0811-6964-5669")]),
        )
    _record, key = api_key_create(actor=business.owner, name="pbx")
    client = Client()
    client.get("/api/v1/customers/lookup?phone=0811-6964-5669", headers={"Authorization": f"Bearer {key}"})
    # Per matching customer, one query per interaction source (purchases, activities).
    with django_assert_max_num_queries(12 + 2 * family_size):
        response = client.get(
            "/api/v1/customers/lookup?phone=0811-6964-5669", headers={"Authorization": f"Bearer {key}"}
        )
    assert len(response.json()["customers"]) == family_size


def test_the_home_page_asks_who_is_calling_for_those_who_answer_calls(business: Business, caller: int) -> None:
    from setia.accounts.models import User
    from setia.accounts.services import business_settings_update
    from setia.core.memo import clear_all

    telephony_event_receive(actor=business.owner, event="ringing", caller="0811-6964-5669", agent_username="cashier_a")
    home = client_for(business.cashier_a).get("/").content.decode()
    panel = home.split('data-testid="calls-panel"')[1]
    assert 'data-testid="who-is-calling"' in panel and 'data-testid="home-recent-calls"' in panel
    assert f"/customers/{caller}/" in panel.split('data-testid="home-recent-calls"')[1]  # her last call, named
    analyst = User.objects.get(username="analyst")
    assert 'data-testid="calls-panel"' not in client_for(analyst).get("/").content.decode()  # takes no calls
    business_settings_update(actor=business.owner, unused_sections=["calls"])
    clear_all()
    assert 'data-testid="calls-panel"' not in client_for(business.cashier_a).get("/").content.decode()


def test_a_number_typed_into_who_is_calling_is_kept_as_a_call(business: Business, caller: int) -> None:
    client = client_for(business.cashier_a)
    card = client.get("/calls/lookup/", {"phone": "0811 6964 5669", "call": "1"})
    assert card.status_code == 200 and f"/customers/{caller}/" in card.content.decode()
    assert card["HX-Trigger"] == "setia:call"  # the page's recent calls refresh at once
    pop = ScreenPop.objects.get()
    assert (pop.agent, pop.event, pop.caller, pop.phone) == (
        business.cashier_a,
        "lookup",
        "0811 6964 5669",
        "+6281169645669",
    )
    page = client.get("/calls/").content.decode()
    assert 'data-testid="recent-call-typed"' in page and f"/customers/{caller}/" in page
    assert 'hx-trigger="setia:call from:body" hx-select="#recent-calls-card"' in page
    # "Show card" on a recent call, a bad number and an empty box record nothing more.
    assert "HX-Trigger" not in client.get("/calls/lookup/", {"phone": "+6281169645669"})
    client.get("/calls/lookup/", {"phone": "12", "call": "1"})
    client.get("/calls/lookup/", {"phone": "", "call": "1"})
    assert ScreenPop.objects.count() == 1
    # Never popped up on the agent's screens: they are looking at it already.
    assert client.get("/calls/pops/", {"after": "0"}).json()["pops"] == []


def test_the_telephony_api_cannot_send_a_typed_lookup(business: Business) -> None:
    with pytest.raises(ApplicationError) as refused:
        telephony_event_receive(actor=business.owner, event="lookup", caller="0811", agent_username="cashier_a")
    assert "event" in refused.value.extra and not ScreenPop.objects.exists()
