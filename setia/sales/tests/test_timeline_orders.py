"""A sale appears once on the customer's timeline: as her purchase, not also as "created order"."""

from setia.conftest import Business
from setia.core.models import AuditEvent
from setia.customers.timeline import timeline_for
from setia.loyalty.services import membership
from setia.sales.services.checkout import LineIn, PaymentIn, checkout


def test_a_sale_is_one_timeline_entry_with_the_cashiers_name(business: Business, shop: dict) -> None:
    customer = shop["customer"]
    membership.membership_join(actor=business.cashier_a, customer=customer)
    order, _result = checkout(
        actor=business.cashier_a,
        branch=business.branch_a,
        customer=customer,
        lines=[LineIn(product_id=shop["creambath"].pk, quantity=1)],
        payments=[PaymentIn("qris", 150_000)],
    )
    assert AuditEvent.objects.filter(object_type="sales.order", object_id=str(order.pk), action="create").exists()
    entries = timeline_for(customer)
    about_order = [entry for entry in entries if order.number in entry.title or order.number in entry.detail]
    assert len(about_order) == 1 and about_order[0].kind == "order"
    by_someone = [entry for entry in entries if entry.actor]
    assert len(by_someone) >= 2  # the purchase, its points
    assert {entry.actor for entry in by_someone} == {"Sari"}  # one way of naming her: as staff know her
