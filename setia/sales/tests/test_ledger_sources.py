"""The points ledger names what each entry came from — the order (linked), its refund, the joining
bonus, a referral — instead of the stored reference text."""

from setia.conftest import Business, client_for
from setia.core.references import resolve
from setia.loyalty.models import LoyaltySettings
from setia.loyalty.services import membership
from setia.sales.services.checkout import LineIn, PaymentIn, checkout
from setia.sales.services.refunds import order_refund


def test_the_ledger_names_orders_refunds_and_bonuses(business: Business, shop: dict) -> None:
    LoyaltySettings.objects.filter(pk=1).update(sign_up_points=20)
    member = membership.membership_join(actor=business.cashier_a, customer=shop["customer"])
    order, _result = checkout(
        actor=business.cashier_a,
        branch=business.branch_a,
        customer=shop["customer"],
        lines=[LineIn(product_id=shop["creambath"].pk, quantity=1)],
        payments=[PaymentIn("qris", 150_000)],
    )
    order_refund(actor=business.owner, order=order, reason="Tidak puas", amount=50_000)
    client = client_for(business.owner)
    client.cookies["django_language"] = "en"
    html = client.get(f"/loyalty/members/{member.customer_id}/ledger/").content.decode()
    rows = html.split('data-testid="ledger-row"')[1:]
    link = f'<a href="/orders/{order.pk}/">Order {order.number}</a>'
    assert len(rows) == 3  # newest first: the refund's reversal, the purchase, the joining bonus
    assert link in rows[0] and "-" in rows[0].split("text-end")[1] and link in rows[1]
    assert "Joining bonus" in rows[2]
    assert "sales.order:" not in html and "loyalty.membership:" not in html


def test_an_unknown_reference_keeps_its_text() -> None:
    assert resolve(["other.thing:7", ""]) == {"other.thing:7": resolve(["other.thing:7"])["other.thing:7"]}
    assert resolve(["other.thing:7"])["other.thing:7"].label == "other.thing:7"
