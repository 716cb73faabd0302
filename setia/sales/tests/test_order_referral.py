"""The sale that rewards a referral (the friend's first purchase) says so on its page: what the
member who brought her got, what she got, and the threshold voucher when it was reached — with the
referrer's name kept in her branch where branches do not share customers."""

import pytest
from django.urls import reverse

from setia.accounts.models import User
from setia.conftest import Business, client_for
from setia.customers.models import Customer
from setia.loyalty.models import LoyaltySettings, Membership, Voucher, VoucherCode
from setia.loyalty.services import membership
from setia.sales.models import Order
from setia.sales.services.checkout import LineIn, PaymentIn, checkout


@pytest.fixture
def ayu(business: Business, shop: dict) -> Membership:
    free = Voucher.objects.create(name="Creambath gratis", kind=Voucher.Kind.AMOUNT, value=150_000)
    LoyaltySettings.objects.filter(pk=1).update(
        referral_trigger=LoyaltySettings.ReferralTrigger.FIRST_PURCHASE,
        referrer_points=100,
        referee_points=30,
        referral_threshold=2,
        referral_threshold_voucher=free,
    )
    return membership.membership_join(actor=business.cashier_a, customer=shop["customer"])


def _friend(business: Business, name: str, branch_b: bool, code: str) -> Customer:
    branch = business.branch_b if branch_b else business.branch_a
    customer = Customer.objects.create(name=name, search_name=name.lower(), home_branch=branch)
    membership.membership_join(
        actor=business.cashier_b if branch_b else business.cashier_a, customer=customer, referral_code=code
    )
    return customer


def _buy(business: Business, shop: dict, customer: Customer) -> Order:
    branch_b = customer.home_branch_id == business.branch_b.pk
    order, _created = checkout(
        actor=business.cashier_b if branch_b else business.cashier_a,
        branch=business.branch_b if branch_b else business.branch_a,
        customer=customer,
        lines=[LineIn(product_id=shop["creambath"].pk, quantity=1)],
        payments=[PaymentIn("qris", 150_000)],
    )
    return order


def _page(user: User, order: Order) -> str:
    web = client_for(user)
    web.cookies["django_language"] = "en"
    response = web.get(reverse("sales:order_detail", args=[order.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_friends_first_sale_tells_what_the_referral_gave(business: Business, shop: dict, ayu: Membership) -> None:
    bunga = _friend(business, "Bunga Citra", False, ayu.referral_code)
    first = _buy(business, shop, bunga)
    page = _page(business.cashier_a, first)
    note = page.split('data-testid="referral-rewarded"')[1].split("</dt>")[0]
    link = reverse("customers:detail", args=[ayu.customer_id])
    assert f'<a href="{link}">Siti Rahma</a>' in note
    assert 'data-testid="referrer-points">Siti Rahma: 100 points<' in note
    assert 'data-testid="friend-points">Her welcome from a friend: 30 points<' in note
    assert 'data-testid="threshold-code"' not in note  # one friend of two
    again = _buy(business, shop, bunga)
    assert 'data-testid="referral-rewarded"' not in _page(business.cashier_a, again)


def test_the_second_friend_reaches_the_threshold_and_the_code_is_named(
    business: Business, shop: dict, ayu: Membership
) -> None:
    _buy(business, shop, _friend(business, "Bunga Citra", False, ayu.referral_code))
    second = _buy(business, shop, _friend(business, "Citra Dewi", False, ayu.referral_code))
    code = VoucherCode.objects.get(customer=ayu.customer)
    note = _page(business.cashier_a, second).split('data-testid="threshold-code">')[1].split("</li>")[0]
    assert note == f"Siti Rahma has brought enough friends for “Creambath gratis”: code {code.code}."
    # The friend who completed it keeps the code (the first one none), and codes given before the
    # link was kept are linked by the migration.
    from importlib import import_module

    from django.apps import apps

    from setia.loyalty.models import Referral

    linked = dict(Referral.objects.values_list("referee__customer__name", "threshold_code"))
    assert linked == {"Bunga Citra": None, "Citra Dewi": code.pk}
    Referral.objects.update(threshold_code=None)
    import_module("setia.loyalty.migrations.0013_referral_threshold_code").link_threshold_codes(apps, None)
    assert dict(Referral.objects.values_list("referee__customer__name", "threshold_code")) == linked


def test_another_branchs_referrer_is_not_named_nor_her_code_shown(
    business: Business, shop: dict, ayu: Membership
) -> None:
    _buy(business, shop, _friend(business, "Bunga Citra", False, ayu.referral_code))
    dewi = _buy(business, shop, _friend(business, "Dewi Anggraini", True, ayu.referral_code))
    page = _page(business.cashier_b, dewi)
    note = page.split('data-testid="referral-rewarded"')[1].split("</dt>")[0]
    assert "a member of another branch" in note and "Siti Rahma" not in page
    assert reverse("customers:detail", args=[ayu.customer_id]) not in page
    assert 'data-testid="threshold-code"' not in note and 'data-testid="friend-points"' in note
    owner = _page(business.owner, dewi)
    assert "Siti Rahma" in owner and 'data-testid="threshold-code"' in owner
