"""Taking back an item that earned another a promotion: the item kept is paid for ("buy a
creambath, get the shampoo free" — she returns the creambath and keeps the shampoo: the refund is
the creambath less the shampoo), and it all comes back when the free item follows."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from setia.accounts.services import api_key_create
from setia.conftest import Business, client_for
from setia.core.errors import ApplicationError
from setia.loyalty.models import Membership, Promotion
from setia.loyalty.services import membership
from setia.loyalty.services.config import CONFIG
from setia.sales.models import Order, Refund
from setia.sales.services import refunds
from setia.sales.services.checkout import LineIn, PaymentIn, checkout

CREAMBATH, SHAMPOO = 150_000, 45_500


@pytest.fixture
def free_shampoo(shop: dict) -> Promotion:
    return Promotion.objects.create(
        name="Creambath + Sampo",
        kind=Promotion.Kind.BUY_X_GET_Y,
        product=shop["creambath"],
        reward_product=shop["shampoo"],
    )


def _sale(
    business: Business, shop: dict, *lines: tuple[str, int], paid: int = CREAMBATH, customer: object = None
) -> Order:
    order, _created = checkout(
        actor=business.cashier_a,
        branch=business.branch_a,
        customer=customer,  # type: ignore[arg-type]
        lines=[LineIn(product_id=shop[name].pk, quantity=quantity) for name, quantity in lines],
        payments=[PaymentIn("qris", paid)],
    )
    return order


def _line(order: Order, name: str) -> int:
    return order.lines.get(description=name).pk


def test_returning_the_item_that_made_another_free_refunds_it_less_the_free_item(
    business: Business, shop: dict, free_shampoo: Promotion
) -> None:
    order = _sale(business, shop, ("creambath", 1), ("shampoo", 1))
    assert order.total == CREAMBATH and order.promotion_discount == SHAMPOO
    refund = refunds.order_refund(
        actor=business.manager, order=order, reason="Batal", lines={_line(order, "Creambath"): 1}
    )
    assert (refund.amount, refund.promotions_lost, refund.promotions_note) == (
        CREAMBATH - SHAMPOO,
        SHAMPOO,
        "Creambath + Sampo",
    )
    order.refresh_from_db()
    assert (order.refunded_total, order.status) == (CREAMBATH - SHAMPOO, Order.Status.PARTLY_REFUNDED)
    # The shampoo follows: what was kept back comes back with it, and the order is refunded in full.
    last = refunds.order_refund(actor=business.manager, order=order, reason="Batal", lines={_line(order, "Sampo"): 1})
    assert (last.amount, last.promotions_lost, last.promotions_note) == (SHAMPOO, -SHAMPOO, "Creambath + Sampo")
    order.refresh_from_db()
    assert (order.refunded_total, order.status) == (CREAMBATH, Order.Status.REFUNDED)


def test_returning_both_refunds_what_was_paid(business: Business, shop: dict, free_shampoo: Promotion) -> None:
    order = _sale(business, shop, ("creambath", 1), ("shampoo", 1))
    refund = refunds.order_refund(
        actor=business.manager,
        order=order,
        reason="Batal",
        lines={_line(order, "Creambath"): 1, _line(order, "Sampo"): 1},
    )
    assert (refund.amount, refund.promotions_lost) == (CREAMBATH, 0)


def test_the_free_item_alone_refunds_nothing(business: Business, shop: dict, free_shampoo: Promotion) -> None:
    order = _sale(business, shop, ("creambath", 1), ("shampoo", 1))
    with pytest.raises(ApplicationError) as refused:
        refunds.order_refund(actor=business.manager, order=order, reason="Batal", lines={_line(order, "Sampo"): 1})
    assert refused.value.extra == {"lines": ["Nothing to refund: these items were free."]}
    assert not Refund.objects.exists()


def test_buy_two_get_one_free_returning_one_of_three_refunds_nothing_returning_two_refunds_one(
    business: Business, shop: dict
) -> None:
    Promotion.objects.create(
        name="Beli 2 gratis 1", kind=Promotion.Kind.BUY_N_GET_ONE, product=shop["shampoo"], quantity=2
    )
    order = _sale(business, shop, ("shampoo", 3), paid=2 * SHAMPOO)
    assert order.total == 2 * SHAMPOO
    line = _line(order, "Sampo")
    with pytest.raises(ApplicationError) as refused:
        refunds.order_refund(actor=business.manager, order=order, reason="Batal", lines={line: 1})
    assert refused.value.extra["lines"] == [
        "Nothing to refund: these items are worth Rp 30,333, and without them what the customer keeps no longer "
        "gets Beli 2 gratis 1 (Rp 30,333). Take them back together with the rest, or refund an amount."
    ]
    refund = refunds.order_refund(actor=business.manager, order=order, reason="Batal", lines={line: 2})
    assert refund.amount == SHAMPOO  # she keeps one, at its price
    order.refresh_from_db()
    assert order.total - order.refunded_total == SHAMPOO


def test_the_members_discount_stays_on_the_item_kept(business: Business, shop: dict, free_shampoo: Promotion) -> None:
    member = membership.membership_join(actor=business.cashier_a, customer=shop["customer"])
    Membership.objects.filter(pk=member.pk).update(tier=shop["gold"])  # 10 % off
    paid = CREAMBATH - CREAMBATH // 10
    order = _sale(business, shop, ("creambath", 1), ("shampoo", 1), paid=paid, customer=shop["customer"])
    refund = refunds.order_refund(
        actor=business.manager, order=order, reason="Batal", lines={_line(order, "Creambath"): 1}
    )
    kept_at_member_price = SHAMPOO - SHAMPOO // 10
    assert refund.promotions_lost == kept_at_member_price
    assert refund.amount == CREAMBATH - CREAMBATH // 10 - kept_at_member_price


def test_a_promotion_ended_since_leaves_the_items_kept_as_they_were(
    business: Business, shop: dict, free_shampoo: Promotion
) -> None:
    order = _sale(business, shop, ("creambath", 1), ("shampoo", 1))
    Promotion.objects.filter(pk=free_shampoo.pk).update(is_active=False)
    CONFIG.clear()
    refund = refunds.order_refund(
        actor=business.manager, order=order, reason="Batal", lines={_line(order, "Creambath"): 1}
    )
    assert (refund.amount, refund.promotions_lost) == (CREAMBATH, 0)


def test_the_order_page_offers_the_free_item_and_says_what_the_refund_kept_back(
    business: Business, shop: dict, free_shampoo: Promotion
) -> None:
    order = _sale(business, shop, ("creambath", 1), ("shampoo", 1))
    page = client_for(business.manager)
    page.cookies["django_language"] = "en"
    url = reverse("sales:order_detail", args=[order.pk])
    assert f'name="line_{_line(order, "Sampo")}"' in page.get(url).content.decode()  # free, still returnable
    typed = {f"line_{_line(order, 'Creambath')}": "1", "reason": "Batal"}
    # Less than the creambath's price: the amount is shown first, and nothing is recorded yet.
    shown = page.post(reverse("sales:order_refund", args=[order.pk]), typed)
    assert shown.status_code == 200
    preview = shown.content.decode()
    assert "The refund comes to Rp 104,500." in preview
    assert "Less Rp 45,500: Creambath + Sampo no longer applies to the items kept" in preview
    assert 'name="confirm_amount" value="104500"' in preview and 'value="Batal"' in preview
    assert not Refund.objects.exists()
    # Confirmed with another amount than it comes to (a refund recorded meanwhile): shown again.
    again = page.post(reverse("sales:order_refund", args=[order.pk]), {**typed, "confirm_amount": "150000"})
    assert again.status_code == 200 and not Refund.objects.exists()
    response = page.post(reverse("sales:order_refund", args=[order.pk]), {**typed, "confirm_amount": "104500"})
    assert response.status_code == 302
    html = page.get(url).content.decode()
    assert "Less Rp 45,500: Creambath + Sampo no longer applies to the items kept" in html
    assert 'data-testid="refund-amount">\u2212Rp 104,500<' in html
    receipt = page.get(reverse("sales:order_receipt", args=[order.pk]) + "?size=a4").content.decode()
    assert "Creambath + Sampo no longer applies to the items kept" in receipt
    last = page.post(
        reverse("sales:order_refund", args=[order.pk]), {f"line_{_line(order, 'Sampo')}": "1", "reason": "Batal"}
    )
    assert last.status_code == 302, last.content.decode()[-3000:]
    html = page.get(url).content.decode()
    assert "Including Rp 45,500 that an earlier refund kept back for Creambath + Sampo" in html


def test_the_api_order_lists_its_refunds(business: Business, shop: dict, free_shampoo: Promotion) -> None:
    order = _sale(business, shop, ("creambath", 1), ("shampoo", 1))
    _record, key = api_key_create(actor=business.manager, name="pos")
    api = Client(headers={"Authorization": f"Bearer {key}"})
    response = api.post(
        f"/api/v1/orders/{order.pk}/refunds",
        json.dumps({"reason": "Batal", "lines": {str(_line(order, "Creambath")): 1}}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert [(r["amount"], r["promotions_lost"], r["promotions_note"]) for r in body["refunds"]] == [
        (CREAMBATH - SHAMPOO, SHAMPOO, "Creambath + Sampo")
    ]
    assert {line["description"]: line["refunded_quantity"] for line in body["lines"]} == {"Creambath": 1, "Sampo": 0}


def test_a_refund_that_comes_to_another_amount_than_shown_is_refused(
    business: Business, shop: dict, free_shampoo: Promotion
) -> None:
    order = _sale(business, shop, ("creambath", 1), ("shampoo", 1))
    lines = {_line(order, "Creambath"): 1}
    preview = refunds.refund_preview(actor=business.manager, order=order, reason="Batal", lines=lines)
    assert (preview.amount, preview.promotions_lost) == (CREAMBATH - SHAMPOO, SHAMPOO)
    assert not Refund.objects.exists()
    order.refresh_from_db()
    assert (order.refunded_total, order.status) == (0, Order.Status.FULFILLED)
    with pytest.raises(ApplicationError) as refused:
        refunds.order_refund(actor=business.manager, order=order, reason="Batal", lines=lines, expected=CREAMBATH)
    assert refused.value.extra == {
        "lines": ["The refund now comes to Rp 104,500, not Rp 150,000 as shown: check it again."]
    }
    assert refunds.order_refund(
        actor=business.manager, order=order, reason="Batal", lines=lines, expected=preview.amount
    ).amount == (CREAMBATH - SHAMPOO)
