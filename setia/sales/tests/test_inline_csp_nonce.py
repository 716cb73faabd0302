"""The two pages with inline code (receipt style, member card print button) carry the request's
CSP nonce, so the browser runs them under `script-src 'nonce-…'`."""

import re

import pytest
from django.urls import reverse

from setia.conftest import Business, client_for
from setia.loyalty.services import membership
from setia.sales.services.checkout import LineIn, PaymentIn, checkout


def _policy_nonce(response: object) -> str:
    header = response["Content-Security-Policy"]  # type: ignore[index]
    found = re.search(r"'nonce-([^']+)'", header)
    assert found, header
    return found.group(1)


@pytest.mark.parametrize("page", ["receipt", "member_card"])
def test_inline_code_carries_the_policy_nonce(business: Business, shop: dict, page: str) -> None:
    customer = shop["customer"]
    membership.membership_join(actor=business.cashier_a, customer=customer)
    order, _ = checkout(
        actor=business.cashier_a,
        branch=business.branch_a,
        customer=customer,
        lines=[LineIn(product_id=shop["creambath"].pk)],
        payments=[PaymentIn("cash", 150_000)],
    )
    url = {
        "receipt": reverse("sales:order_receipt", args=[order.pk]),
        "member_card": reverse("loyalty:member_card", args=[customer.pk]),
    }[page]
    response = client_for(business.owner).get(url)
    assert response.status_code == 200
    nonces = re.findall(r'<(?:script|style) nonce="([^"]*)"', response.content.decode())
    assert nonces and set(nonces) == {_policy_nonce(response)}
