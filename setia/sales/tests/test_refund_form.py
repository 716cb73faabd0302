"""The order page's refund card: taking back some of the items (or an amount), and a refusal that
shows the card again as typed, names the field and changes nothing."""

from typing import Any

import pytest
from django.urls import reverse

from setia.conftest import Business, client_for, make_user
from setia.sales.models import Order, Refund
from setia.sales.services import checkout
from setia.sales.services.checkout import PaymentIn
from setia.sales.tests.test_order_pay import TOTAL, accepted_quote_order


@pytest.fixture
def paid(business: Business, shop: dict, mailoutbox: list) -> Order:
    seller = make_user("sales_a", "sales", business.branch_a, first_name="Dewi")
    order = accepted_quote_order(business, seller, shop)
    checkout.order_pay(actor=business.cashier_a, order=order, payments=[PaymentIn("qris", TOTAL)])
    return order


def _post(business: Business, order: Order, **form: str) -> Any:
    web = client_for(business.manager)
    web.cookies["django_language"] = "en"
    return web.post(reverse("sales:order_refund", args=[order.pk]), form)


def _line(order: Order, description: str) -> str:
    return f"line_{order.lines.get(description=description).pk}"


def test_the_card_offers_each_item_with_how_many_can_be_returned(business: Business, paid: Order) -> None:
    web = client_for(business.manager)
    web.cookies["django_language"] = "en"
    page = web.get(reverse("sales:order_detail", args=[paid.pk])).content.decode()
    card = page.split('data-testid="refund-form"')[1].split("</form>")[0]
    assert card.count('data-testid="refund-line"') == 3
    assert "Sampo" in card and "3 can be returned" in card and f'name="{_line(paid, "Sampo")}"' in card
    assert "Record refund" in card


def test_some_of_an_item_is_taken_back_at_the_price_paid(business: Business, paid: Order) -> None:
    response = _post(business, paid, **{_line(paid, "Sampo"): "1", "reason": "Botol bocor"})
    assert response.status_code == 302
    paid.refresh_from_db()
    assert (paid.status, paid.refunded_total) == ("partly_refunded", 45_500)
    refund = Refund.objects.get()
    assert refund.lines == {str(paid.lines.get(description="Sampo").pk): 1} and refund.reason == "Botol bocor"
    web = client_for(business.manager)
    web.cookies["django_language"] = "en"
    page = web.get(reverse("sales:order_detail", args=[paid.pk])).content.decode()
    assert "2 can be returned" in page.split('data-testid="refund-form"')[1]
    # Both creambaths back as well: the item is no longer offered once all of it is returned.
    assert _post(business, paid, **{_line(paid, "Creambath"): "2", "reason": "Alergi"}).status_code == 302
    page = web.get(reverse("sales:order_detail", args=[paid.pk])).content.decode()
    assert "Creambath" not in page.split('data-testid="refund-form"')[1]
    paid.refresh_from_db()
    assert paid.refunded_total == 45_500 + 270_000


@pytest.mark.parametrize(
    ("form", "message", "marked"),
    [
        ({"Sampo": "5"}, "Sampo: at most 3 can be returned.", "Sampo"),
        ({"Sampo": "dua"}, "Sampo: enter how many to take back, between 1 and 3.", "Sampo"),
        ({"Sampo": "-1"}, "Sampo: enter how many to take back, between 1 and 3.", "Sampo"),
        ({"Sampo": "1", "amount": "10000"}, "Refund either an amount or lines, not both.", "amount"),
        ({}, "Choose the items to take back or enter an amount.", "amount"),
        ({"amount": "5000,5"}, "Refund amount: “5000,5” is not a whole number", "amount"),
        ({"amount": "600.000"}, "At most Rp 493,999 can still be refunded.", "amount"),
    ],
)
def test_a_refused_refund_shows_the_card_as_typed_and_changes_nothing(
    business: Business, paid: Order, form: dict, message: str, marked: str
) -> None:
    typed = {(_line(paid, key) if key != "amount" else key): value for key, value in form.items()}
    response = _post(business, paid, **typed, reason="Salah pilih")
    assert response.status_code == 400
    page = response.content.decode()
    error = page.split('data-testid="refund-error">')[1].split("</div>")[0]
    assert message in error
    assert 'value="Salah pilih"' in page  # the reason stays as typed
    for name, value in typed.items():
        assert f'name="{name}" value="{value}"' in page
    field = "refund-amount" if marked == "amount" else f"refund-line-{paid.lines.get(description=marked).pk}"
    tag = page.split(f'id="{field}"')[0].rsplit("<input", 1)[1]
    assert "is-invalid" in tag
    paid.refresh_from_db()
    assert (paid.status, paid.refunded_total) == ("fulfilled", 0)
    assert not Refund.objects.exists() and not paid.lines.filter(refunded_quantity__gt=0).exists()


def test_a_refund_without_a_reason_keeps_the_items_chosen(business: Business, paid: Order) -> None:
    response = _post(business, paid, **{_line(paid, "Sampo"): "2", "reason": "  "})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Give the reason for the refund." in page
    assert f'name="{_line(paid, "Sampo")}" value="2"' in page
    assert "is-invalid" in page.split('id="refund-reason"')[0].rsplit("<input", 1)[1]
    assert not Refund.objects.exists()


def test_a_cashier_is_not_offered_the_card_and_cannot_post_it(business: Business, paid: Order) -> None:
    page = client_for(business.cashier_a).get(reverse("sales:order_detail", args=[paid.pk])).content.decode()
    assert 'data-testid="refund-form"' not in page
    refused = client_for(business.cashier_a).post(
        reverse("sales:order_refund", args=[paid.pk]), {_line(paid, "Sampo"): "1", "reason": "x"}
    )
    assert refused.status_code == 403
    assert not Refund.objects.exists()
