"""The sales story end to end, as the people in it click through it: a visitor fills the public
lead form on the business's website; the lead is assigned to a sales person, who finds it on
"my day", converts it into a customer with an opportunity, drags the opportunity through the
stages, sends a proposal (received, PDF attached, by a real SMTP server), marks it accepted,
and sees the order — on the quote and on the customer's timeline."""

import email
import email.policy
import re
from typing import Any

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from setia.accounts.models import Branch, BusinessSettings
from setia.catalog.models import Product
from setia.conftest import SmtpServer, browser_sign_in, make_user
from setia.customers.models import Customer
from setia.sales.models import Lead, LeadAssignmentRule, LeadSource, Opportunity, Quote, SalesSettings, StageChange
from setia.sales.services import pipeline

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _drag(page: Any, card: Any, column: Any) -> None:
    """A real mouse drag in small steps (SortableJS listens to pointer events)."""
    start = card.bounding_box()
    target = column.get_by_test_id("stage-cards").bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + 10)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2 + 10, start["y"] + 20, steps=5)
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + 20, steps=15)
    page.mouse.up()


def test_from_the_web_form_to_an_accepted_proposal_and_its_order(
    page: Any, live_server: Any, smtp_server: SmtpServer
) -> None:
    port, received = smtp_server.port, smtp_server.received
    branch = Branch.objects.create(name="Kemang", code="kmg", city="KOTA JAKARTA SELATAN")
    make_user("budi", "sales", branch, first_name="Budi", email="budi@example.com")
    BusinessSettings.objects.update_or_create(
        pk=1, defaults={"name": "Salon Melati", "email": "halo@melati.id", "address": "Jl. Kemang Raya 1"}
    )
    SalesSettings.objects.create(pk=1)
    package = Product.objects.create(kind="service", name="Paket perawatan karyawan", price=2_500_000)
    source = LeadSource.objects.create(name="Website", form_enabled=True, form_title="Minta penawaran", branch=branch)
    LeadAssignmentRule.objects.create(position=1, source=source, branch=branch)  # round robin: Budi
    stages = list(pipeline.default_pipeline().stages.order_by("position"))

    # A visitor on the business's website fills the form (no sign-in).
    page.goto(f"{live_server.url}/f/{source.form_key}/")
    form = page.get_by_test_id("public-lead-form")
    form.locator("[name=name]").fill("Dewi Lestari")
    form.locator("[name=phone]").fill("0812-7777-1234")
    form.locator("[name=email]").fill("dewi@ptsejahtera.co.id")
    form.locator("[name=city]").fill("Jakarta Selatan")
    form.locator("[name=message]").fill("Paket perawatan untuk 20 karyawan kami, kapan bisa mulai?")
    form.locator("[name=consent]").check()
    form.get_by_test_id("form-submit").click()
    expect(page.get_by_test_id("form-thanks")).to_be_visible()
    lead = Lead.objects.get()
    assert (lead.phone, lead.owner.username if lead.owner else None) == ("+6281277771234", "budi")

    # Budi signs in and finds the lead on "my day"; he opens it and converts it.
    browser_sign_in(page, live_server.url, "budi")
    page.goto(f"{live_server.url}/my-day/")
    row = page.get_by_test_id("my-day-lead").filter(has_text="Dewi Lestari")
    expect(row).to_be_visible()
    row.get_by_role("link", name="Dewi Lestari").click()
    page.wait_for_url(re.compile(rf".*/leads/{lead.pk}/$"))
    page.get_by_test_id("lead-convert").click()
    page.wait_for_url(re.compile(rf".*/leads/{lead.pk}/convert/$"))
    expect(page.get_by_test_id("convert-new")).to_be_visible()  # no customer has her phone yet
    convert = page.get_by_test_id("convert-form")
    convert.locator("[name=create_opportunity]").check()
    convert.locator("[name=opportunity_title]").fill("Paket karyawan PT Sejahtera")
    convert.locator("[name=opportunity_value]").fill("50000000")
    convert.get_by_test_id("convert-submit").click()
    page.wait_for_url(re.compile(r".*/opportunities/\d+/$"))
    deal = Opportunity.objects.get()
    customer = Customer.objects.get()
    assert (deal.customer_id, deal.stage_id, deal.value) == (customer.pk, stages[0].pk, 50_000_000)

    # On the board he drags the opportunity through two stages.
    page.goto(f"{live_server.url}/pipeline/")
    columns = page.get_by_test_id("stage-column")
    for index in (1, 2):
        card = page.locator(f'[data-testid="opportunity-card"][data-id="{deal.pk}"]')
        with page.expect_response(re.compile(rf".*/opportunities/{deal.pk}/move/$")) as answer:
            _drag(page, card, columns.nth(index))
        assert answer.value.status == 200
        columns.nth(index).locator(f'[data-testid="opportunity-card"][data-id="{deal.pk}"]').wait_for()
        expect(columns.nth(index).locator('[data-total="total"]')).to_have_text("Rp 50.000.000")
    moves = StageChange.objects.filter(opportunity=deal, from_stage__isnull=False).order_by("changed_at", "id")
    assert [(m.from_stage_id, m.to_stage_id) for m in moves] == [
        (stages[0].pk, stages[1].pk),
        (stages[1].pk, stages[2].pk),
    ]

    # From the opportunity he writes a proposal and sends it by email.
    page.goto(f"{live_server.url}/opportunities/{deal.pk}/")
    page.get_by_test_id("opportunity-new-quote").click()
    quote_form = page.get_by_test_id("quote-form")
    quote_form.locator("#line-0-product").select_option(str(package.pk))
    quote_form.locator("#line-0-quantity").fill("20")
    quote_form.get_by_test_id("quote-save").click()
    page.wait_for_url(re.compile(r".*/quotes/\d+/$"))
    quote = Quote.objects.get()
    assert quote.total == 50_000_000 and quote.opportunity_id == deal.pk
    expect(page.get_by_test_id("quote-total")).to_have_text("Rp 50.000.000")
    expect(page.get_by_test_id("quote-send-to")).to_have_value("dewi@ptsejahtera.co.id")
    smtp = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    with override_settings(MAILERS=smtp):
        page.get_by_test_id("quote-send").click()
        expect(page.get_by_test_id("quote-sent")).to_be_visible()
    assert len(received) == 1
    message = email.message_from_bytes(received[0], policy=email.policy.default)
    assert message["To"] == "dewi@ptsejahtera.co.id"
    attachments = [(part.get_filename(), part.get_content_type()) for part in message.iter_attachments()]
    assert attachments == [(f"{quote.number}.pdf", "application/pdf")]

    # The customer says yes: the quote becomes an order and the opportunity is won.
    page.get_by_test_id("quote-accept").click()
    order_link = page.get_by_test_id("quote-order")
    expect(order_link).to_be_visible()
    quote.refresh_from_db()
    deal.refresh_from_db()
    assert quote.status == "accepted" and quote.order is not None
    assert deal.status == "won" and deal.order_id == quote.order_id
    expect(order_link).to_have_text(quote.order.number)

    # The customer's 360° page tells the story.
    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text(quote.number)
    expect(timeline).to_contain_text(quote.order.number)
