"""Joining at the counter without losing the cart; a friend's referral code typed at the till; a
walk-in added from the till belongs to the till's branch; the code a sale gives for next time is
shown on the order page and the receipts."""

import re
from decimal import Decimal

from django.urls import reverse

from setia.conftest import Business, client_for
from setia.customers.models import Customer
from setia.customers.selectors import current_notice_version
from setia.loyalty.models import Membership, Promotion
from setia.loyalty.services import membership
from setia.sales.models import Order
from setia.sales.services import receipts
from setia.sales.tests.conftest import till_form


def test_she_joins_at_the_till_and_the_cart_stays(business: Business, shop: dict) -> None:
    web = client_for(business.owner)
    web.cookies["django_language"] = "en"
    # The owner (no branch of her own) works the Kemang till, her customer's branch.
    form = till_form(business, shop["creambath"], shop["shampoo"], customer=shop["customer"].pk)
    before = web.post(reverse("sales:cashier"), form, headers={"HX-Request": "true"}).content.decode()
    assert 'data-testid="till-join"' in before and 'data-testid="points-to-earn"' not in before
    html = web.post(reverse("sales:cashier"), {**form, "action": "join"}, headers={"HX-Request": "true"})
    page = html.content.decode()
    joined = Membership.objects.get(customer=shop["customer"])
    assert f"Card {joined.number} issued" in page and 'data-testid="member-badge"' in page
    assert page.count('name="line_product"') == 2  # the creambath and the shampoo are still there
    assert 'data-testid="points-to-earn"' in page  # this sale already earns as a member's
    assert joined.branch == business.branch_a  # the till's branch: the owner has none
    paid = web.post(reverse("sales:cashier"), {**form, "action": "pay"})
    assert paid.status_code == 302 and Order.objects.get().points_earned > 0


def test_a_friend_s_referral_code_at_the_till_starts_her_membership(business: Business, shop: dict) -> None:
    ayu = membership.membership_join(actor=business.cashier_a, customer=shop["customer"])
    web = client_for(business.cashier_a)
    web.cookies["django_language"] = "en"
    found = web.get(
        reverse("sales:cashier_customers"), {"find": ayu.referral_code.lower(), "branch": str(business.branch_a.pk)}
    ).content.decode()
    assert 'data-testid="referral-code-found"' in found and "Siti's referral code" in found
    link = found.split('data-testid="referral-code-found"')[1].split('href="')[1].split('"')[0].replace("&amp;", "&")
    assert f"ref={ayu.referral_code}" in link and "source=walk_in" in link
    assert f"home_branch={business.branch_a.pk}" in link and "next=%2Fcashier%2F%3Fbranch%3D" in link
    form = web.get(link).content.decode()
    assert f'value="{ayu.referral_code}"' in form
    assert 'name="join_member"' in form and "checked" in form.split('name="join_member"')[1].split(">")[0]
    unknown = web.get(reverse("sales:cashier_customers"), {"find": "ZZZZ9999"}).content.decode()
    assert 'data-testid="no-customer"' in unknown and "referral-code-found" not in unknown


def test_a_walk_in_the_owner_adds_at_a_till_belongs_to_that_till_s_branch(business: Business, shop: dict) -> None:
    web = client_for(business.owner)
    found = web.get(
        reverse("sales:cashier_customers"), {"find": "0812 9988 7766", "branch": str(business.branch_b.pk)}
    ).content.decode()
    link = found.split('data-testid="new-walk-in"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    page = web.get(link).content.decode()
    chosen = page.split('name="home_branch"')[1].split("</select>")[0]
    assert f'<option value="{business.branch_b.pk}" selected>' in chosen
    data = {
        "kind": "person",
        "preferred_language": "id",
        "preferred_channel": "whatsapp",
        "name": "Bunga Lestari",
        "phone_1": "0812 9988 7766",
        "home_branch": business.branch_b.pk,
        "source": "walk_in",
        "join_member": "on",
        "consent_notice_version": current_notice_version(),
    }
    created = web.post(link, data)
    refusals = re.findall(r"(?:invalid-feedback|alert-danger)[^>]*>([^<]*)<", created.content.decode())
    assert created.status_code == 302, refusals
    assert created["Location"].startswith(f"/cashier/?branch={business.branch_b.pk}&customer=")
    bunga = Customer.objects.get(name="Bunga Lestari")
    assert bunga.home_branch == business.branch_b and bunga.membership.branch == business.branch_b
    # Dago's cashier finds her at her till.
    dago = client_for(business.cashier_b).get(reverse("sales:cashier_customers"), {"find": "081299887766"})
    assert "Bunga Lestari" in dago.content.decode()


def test_the_code_a_sale_gives_for_next_time_is_on_the_order_page_and_the_receipts(
    business: Business, shop: dict
) -> None:
    Promotion.objects.create(
        name="Creambath lagi",
        kind=Promotion.Kind.NEXT_DISCOUNT,
        product=shop["creambath"],
        discount_percent=Decimal(20),
        next_valid_days=30,
    )
    membership.membership_join(actor=business.cashier_a, customer=shop["customer"])
    web = client_for(business.cashier_a)
    web.cookies["django_language"] = "en"
    form = till_form(business, shop["creambath"], customer=shop["customer"].pk, action="pay")
    assert web.post(reverse("sales:cashier"), form).status_code == 302
    order = Order.objects.get()
    [code] = receipts.codes_given(order)
    assert code.customer == shop["customer"]
    page = web.get(reverse("sales:order_detail", args=[order.pk])).content.decode()
    assert 'data-testid="code-given"' in page and code.code in page and "Creambath lagi" in page
    printed = web.get(reverse("sales:order_receipt", args=[order.pk])).content.decode()
    assert 'data-testid="receipt-code-given"' in printed and code.code in printed
    assert f"Your code for next time: {code.code}" in receipts.receipt_text(order)
    # A walk-in's sale gives no code, and says none.
    guest = till_form(business, shop["creambath"], action="pay", sale_key="cashier-till-0002")
    assert web.post(reverse("sales:cashier"), guest).status_code == 302
    assert receipts.codes_given(Order.objects.exclude(pk=order.pk).get()) == []


def test_her_tiers_free_items_are_told_at_the_till_and_on_her_page(business: Business, shop: dict) -> None:
    from setia.loyalty.models import Tier

    Tier.objects.filter(pk=shop["silver"].pk).update(free_items="Teh manis di setiap kunjungan")
    membership.membership_join(actor=business.cashier_a, customer=shop["customer"])
    web = client_for(business.cashier_a)
    web.cookies["django_language"] = "en"
    form = till_form(business, shop["creambath"], customer=shop["customer"].pk)
    till = web.post(reverse("sales:cashier"), form, headers={"HX-Request": "true"}).content.decode()
    assert "Silver members get free: Teh manis di setiap kunjungan" in till
    page = web.get(reverse("customers:detail", args=[shop["customer"].pk])).content.decode()
    assert 'data-testid="tier-free-items"' in page and "Free: Teh manis di setiap kunjungan" in page
