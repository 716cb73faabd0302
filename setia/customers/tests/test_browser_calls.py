"""The taxi story up to the booking: a call rings, the agent's open page pops the caller's card
with their usual pick-up addresses; an unknown caller is added from the pop in a few clicks."""

import re
from typing import Any

import pytest

from setia.accounts.models import User
from setia.core.tests.test_browser_shell import sign_in
from setia.customers.models import Customer
from setia.customers.services import telephony_event_receive
from setia.demo.services import seed_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_ringing_call_pops_the_card_and_an_unknown_caller_is_created(page: Any, live_server: Any) -> None:
    seed_demo(profile="taxi", seed=1, customers=12)
    base = live_server.url
    sign_in(page, base, "agent")
    agent = User.objects.get(username="agent")
    known = Customer.objects.filter(home_branch=agent.branch, addresses__landmark__gt="").distinct().first()
    assert known is not None
    phone = known.phones.get().number
    admin = User.objects.get(username="admin")

    # The PBX reports a ringing call, typed the way it sends numbers (62…, no plus).
    page.wait_for_timeout(1000)  # the page has started polling
    telephony_event_receive(actor=admin, event="ringing", caller=phone.lstrip("+"), agent_username="agent")
    card = page.get_by_test_id("screen-pop")
    card.get_by_test_id("caller-name").wait_for(timeout=3000)
    assert card.get_by_test_id("caller-name").inner_text() == known.name
    addresses = card.get_by_test_id("caller-addresses").inner_text()
    first = known.addresses.first()
    assert first is not None and first.line in addresses and first.landmark in addresses

    # An unknown number pops a "new customer" button; the form arrives with the number filled in.
    page.get_by_role("button", name="Tutup").first.click()
    telephony_event_receive(actor=admin, event="ringing", caller="0896-1111-2222", agent_username="agent")
    card.get_by_test_id("new-caller").wait_for(timeout=3000)
    card.get_by_test_id("new-caller").click()
    page.wait_for_url(re.compile(r".*/customers/new/.*"))
    form = page.get_by_test_id("customer-form")
    assert form.get_by_label("Telepon", exact=True).input_value() == "0896-1111-2222"  # as the pages write it
    form.locator("#id_name").fill("Pelanggan Baru")
    form.get_by_label("Alamat jalan").fill("Jl. Kemang Raya No. 8")
    form.get_by_label("Patokan / catatan").fill("depan masjid")
    form.get_by_role("button", name="Simpan").click()
    page.wait_for_url(re.compile(r".*/customers/\d+/$"))
    assert page.get_by_test_id("customer-name").inner_text() == "Pelanggan Baru"
    assert "0896-1111-2222" in page.get_by_test_id("contact-points").inner_text()

    # Next time the same number rings, the agent knows who it is.
    telephony_event_receive(actor=admin, event="ringing", caller="+62 896 1111 2222", agent_username="agent")
    card.get_by_test_id("caller-name").filter(has_text="Pelanggan Baru").wait_for(timeout=3000)


def test_who_is_calling_box(page: Any, live_server: Any) -> None:
    seed_demo(profile="taxi", seed=1, customers=6)
    sign_in(page, live_server.url, "agent")
    agent = User.objects.get(username="agent")
    known = Customer.objects.filter(home_branch=agent.branch).first()
    assert known is not None
    page.locator('[data-nav="calls"]').click()
    national = "0" + known.phones.get().number[3:]
    page.get_by_test_id("who-is-calling").fill(national)
    page.get_by_test_id("who-is-calling").press("Enter")
    page.locator("#lookup-result").get_by_test_id("caller-name").wait_for()
    assert page.locator("#lookup-result").get_by_test_id("caller-name").inner_text() == known.name


def test_show_card_of_a_recent_call_then_look_up_another(page: Any, live_server: Any) -> None:
    seed_demo(profile="taxi", seed=1, customers=6)
    sign_in(page, live_server.url, "agent")
    agent = User.objects.get(username="agent")
    known, other = Customer.objects.filter(home_branch=agent.branch).order_by("pk")[:2]
    admin = User.objects.get(username="admin")
    telephony_event_receive(
        actor=admin, event="ringing", caller=known.phones.get().number.lstrip("+"), agent_username="agent"
    )
    page.locator('[data-nav="calls"]').click()
    page.get_by_test_id("recent-call-card").first.click()
    result = page.locator("#lookup-result")
    result.get_by_test_id("caller-name").wait_for()
    assert result.get_by_test_id("caller-name").inner_text() == known.name
    # The box still works for the next caller (the card's answer once replaced it).
    page.get_by_test_id("who-is-calling").fill("0" + other.phones.get().number[3:])
    page.get_by_test_id("who-is-calling").press("Enter")
    result.get_by_test_id("caller-name").filter(has_text=other.name).wait_for()
