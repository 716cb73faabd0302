"""Orders are seen by their branch, customers by theirs. Where branches do not share customers, a
sale at Kemang for a Dago customer (the owner sees both) shows her to Kemang's staff only as "a
customer of another branch": no name, link, contacts, card or codes on the order page, the list or
a reprinted receipt, and her receipt is not emailed from there."""

import pytest
from django.urls import reverse

from setia.accounts.models import User
from setia.conftest import Business, client_for
from setia.customers.models import Customer, CustomerEmail, CustomerPhone
from setia.sales.models import Order
from setia.sales.services.checkout import LineIn, PaymentIn, checkout


@pytest.fixture
def sale(business: Business, shop: dict) -> Order:
    dewi = Customer.objects.create(name="Dewi Anggraini", search_name="dewi anggraini", home_branch=business.branch_b)
    CustomerPhone.objects.create(customer=dewi, number="+6281234567890")
    CustomerEmail.objects.create(customer=dewi, email="dewi@example.com", is_primary=True)
    order, _created = checkout(
        actor=business.owner,
        branch=business.branch_a,
        customer=dewi,
        lines=[LineIn(product_id=shop["shampoo"].pk, quantity=1)],
        payments=[PaymentIn("qris", 45_500)],
    )
    return order


def _get(user: User, url: str) -> str:
    web = client_for(user)
    web.cookies["django_language"] = "en"
    response = web.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_kemangs_cashier_sees_the_sale_but_not_the_other_branchs_customer(business: Business, sale: Order) -> None:
    page = _get(business.cashier_a, reverse("sales:order_detail", args=[sale.pk]))
    assert 'data-testid="order-customer-hidden"' in page and "a customer of another branch" in page
    assert "Dewi" not in page and reverse("customers:detail", args=[sale.customer_id]) not in page
    assert "wa.me" not in page and reverse("sales:order_receipt_email", args=[sale.pk]) not in page
    listed = _get(business.cashier_a, reverse("sales:order_list"))
    assert sale.number in listed and "Dewi" not in listed and "a customer of another branch" in listed
    for size in ("58", "80", "a4"):
        receipt = _get(business.cashier_a, reverse("sales:order_receipt", args=[sale.pk]) + f"?size={size}")
        assert "Dewi" not in receipt and sale.number in receipt
    web = client_for(business.cashier_a)
    web.cookies["django_language"] = "en"
    emailed = web.post(reverse("sales:order_receipt_email", args=[sale.pk]), follow=True).content.decode()
    assert "her receipt is sent from there" in emailed and "dewi@example.com" not in emailed


def test_the_owner_and_dagos_staff_see_her(business: Business, sale: Order) -> None:
    page = _get(business.owner, reverse("sales:order_detail", args=[sale.pk]))
    assert "Dewi Anggraini" in page and "wa.me/6281234567890" in page
    assert 'data-testid="order-customer-hidden"' not in page
    assert "Dewi Anggraini" in _get(business.owner, reverse("sales:order_list"))
    assert "Dewi Anggraini" in _get(business.owner, reverse("sales:order_receipt", args=[sale.pk]) + "?size=a4")
