"""The pipeline board in Chromium: dragging a card to the next column moves the opportunity and
updates both columns' totals; a refused drop puts the card back and says why."""

import re
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from setia.accounts.models import Branch
from setia.conftest import browser_sign_in, make_user
from setia.customers.models import Customer
from setia.sales.models import Opportunity, Stage, StageChange
from setia.sales.services import pipeline as service

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _drag(page: Any, card: Any, column: Any) -> None:
    """A real mouse drag (SortableJS listens to pointer events), in small steps."""
    start = card.bounding_box()
    target = column.get_by_test_id("stage-cards").bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + 10)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2 + 10, start["y"] + 20, steps=5)
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + 20, steps=15)
    page.mouse.up()


def test_dragging_a_card_to_the_next_column_moves_it(page: Any, live_server: Any) -> None:
    branch = Branch.objects.create(name="Kemang", code="kmg")
    budi = make_user("budi", "sales", branch, first_name="Budi")
    customer = Customer.objects.create(name="PT Maju Jaya", search_name="pt maju jaya", home_branch=branch)
    stages = list(service.default_pipeline().stages.order_by("position"))
    deal = service.opportunity_create(actor=budi, customer=customer, title="Seragam kantor", value=4_000_000)
    service.opportunity_create(actor=budi, customer=customer, title="Kaos event", value=1_000_000)

    browser_sign_in(page, live_server.url, "budi")
    page.goto(f"{live_server.url}/pipeline/")
    columns = page.get_by_test_id("stage-column")
    first, second = columns.nth(0), columns.nth(1)
    assert first.get_attribute("data-stage-id") == str(stages[0].pk)
    assert first.locator('[data-total="count"]').inner_text() == "2"
    card = first.locator(f'[data-testid="opportunity-card"][data-id="{deal.pk}"]')

    with page.expect_response(re.compile(rf".*/opportunities/{deal.pk}/move/$")) as answer:
        _drag(page, card, second)
    assert answer.value.status == 200
    second.locator(f'[data-testid="opportunity-card"][data-id="{deal.pk}"]').wait_for()
    expect(second.locator('[data-total="count"]')).to_have_text("1")
    assert first.locator('[data-total="count"]').inner_text() == "1"
    assert first.locator('[data-total="total"]').inner_text() == "Rp 1.000.000"
    assert second.locator('[data-total="total"]').inner_text() == "Rp 4.000.000"
    assert second.locator('[data-total="weighted"]').inner_text() == "Rp 1.000.000"  # 25%
    deal.refresh_from_db()
    assert (deal.stage_id, deal.probability) == (stages[1].pk, 25)
    assert StageChange.objects.filter(opportunity=deal, from_stage=stages[0], to_stage=stages[1]).count() == 1

    # Someone else closes it meanwhile: the next drop is refused, the card goes back.
    service.opportunity_win(actor=budi, opportunity=Opportunity.objects.get(pk=deal.pk))
    card = second.locator(f'[data-testid="opportunity-card"][data-id="{deal.pk}"]')
    with page.expect_response(re.compile(rf".*/opportunities/{deal.pk}/move/$")) as refused:
        _drag(page, card, columns.nth(2))
    assert refused.value.status == 400
    second.locator(f'[data-testid="opportunity-card"][data-id="{deal.pk}"]').wait_for()
    assert columns.nth(2).get_by_test_id("opportunity-card").count() == 0
    with translation.override("id"):  # the page's language
        reason = gettext("This opportunity is closed: reopen it before moving it.")
    page.locator("#toasts .toast").filter(has_text=reason).wait_for()
    assert Stage.objects.get(pk=Opportunity.objects.get(pk=deal.pk).stage_id) == stages[1]
