"""The till keeps the bill when an input is wrong, shows the change and stores the cash
received, labels each discount by what it is, and previews exactly the cashback it credits."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from setia.accounts.models import BusinessSettings
from setia.catalog.models import Product
from setia.conftest import Business, client_for
from setia.loyalty.models import CashbackRule, Membership, Voucher, VoucherCode
from setia.loyalty.services import membership
from setia.sales.models import Order, Payment, SalesSettings
from setia.sales.services import receipts
from setia.sales.services.checkout import LineIn, PaymentIn, checkout, exact_payment, quote
from setia.sales.tests.conftest import till_form

pytestmark = pytest.mark.django_db


def _said(business: Business, text: str, **values: object) -> str:
    with translation.override(business.cashier_a.language or "id"):
        return gettext(text) % values if values else gettext(text)


def _pay_button(html: str) -> str:
    found = re.search(r'<button[^>]*data-testid="pay"[^>]*>', html)
    assert found
    return found.group(0)


@pytest.mark.parametrize(
    ("points", "message", "values"),
    [
        ("99999", "Not enough points: the balance is %(balance)s.", {"balance": 0}),
        ("-50", "Pay with points: enter a number of points, zero or more.", {}),
    ],
)
def test_bad_points_keep_the_bill_mark_the_field_and_block_pay(
    business: Business, shop: dict, points: str, message: str, values: dict
) -> None:
    membership.membership_join(actor=business.cashier_a, customer=shop["customer"])
    web = client_for(business.cashier_a)
    form = till_form(business, shop["creambath"], shop["shampoo"], customer=shop["customer"].pk, points=points)
    html = web.post(reverse("sales:cashier"), form, headers={"HX-Request": "true"}).content.decode()
    expected = _said(business, message, **values)
    assert 'data-testid="points-error">' + expected in html
    assert 'id="points" name="points" value="' + points + '"' in html or f'value="{points}"' in html
    # The lines and totals as they were without the points.
    assert "Rp 150.000" in html and "Rp 45.500" in html
    assert re.search(r'data-testid="to-pay">Rp 195.500<', html)
    assert "disabled" in _pay_button(html)
    # "Pay" sent anyway (an old page): refused with the same message, nothing recorded.
    paid = web.post(reverse("sales:cashier"), {**form, "action": "pay"})
    assert paid.status_code == 200 and expected in paid.content.decode() and Order.objects.count() == 0


def test_a_negative_cash_amount_is_marked_on_its_row_and_adds_no_payment_row(business: Business, shop: dict) -> None:
    web = client_for(business.cashier_a)
    form = till_form(business, shop["creambath"], pay_amount=["-300"])
    html = web.post(reverse("sales:cashier"), form, headers={"HX-Request": "true"}).content.decode()
    assert html.count('data-testid="payment-row"') == 1
    assert (
        'data-testid="payment-error">'
        + _said(business, "Payment %(number)s: the amount must be greater than zero.", number=1)
        in html
    )
    assert re.search(r'data-testid="to-pay">Rp 150.000<', html) and "disabled" in _pay_button(html)


def test_a_non_cash_payment_over_the_amount_due_is_refused_naming_it(business: Business, shop: dict) -> None:
    web = client_for(business.cashier_a)
    web.cookies["django_language"] = "en"
    form = till_form(business, shop["creambath"], pay_method=["qris"], pay_amount=["200000"])
    html = web.post(reverse("sales:cashier"), form, headers={"HX-Request": "true"}).content.decode()
    assert "Payment 1 (QRIS)" in html and 'data-testid="payment-error"' in html and "disabled" in _pay_button(html)
    assert web.post(reverse("sales:cashier"), {**form, "action": "pay"}).status_code == 200
    assert Order.objects.count() == 0


def test_amounts_that_fall_short_show_what_is_still_to_pay_before_pay(business: Business, shop: dict) -> None:
    SalesSettings.objects.filter(pk=1).update(cash_rounding=100)
    item = Product.objects.create(name="Paket rambut", price=164_250, category=shop["hair"])
    web = client_for(business.cashier_a)
    web.cookies["django_language"] = "en"
    # Split: QRIS 100,000 typed, cash 50,000 typed; the cash part (64,250) is rounded to 64,300.
    form = till_form(business, item, pay_method=["qris", "cash"], pay_amount=["100000", "50000"])
    html = web.post(reverse("sales:cashier"), form, headers={"HX-Request": "true"}).content.decode()
    assert re.search(r'data-testid="short">Still to pay: <strong>Rp 14,300<', html), html
    assert 'data-testid="change"' not in html
    response = web.post(reverse("sales:cashier"), {**form, "action": "pay"})
    assert "The payments are short by Rp 14,300." in response.content.decode()
    assert Order.objects.count() == 0
    form["pay_amount"] = ["100000", "70000"]
    html = web.post(reverse("sales:cashier"), form, headers={"HX-Request": "true"}).content.decode()
    assert 'data-testid="short"' not in html and re.search(r'data-testid="change">[^<]*<strong>Rp 5,700<', html)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("99999999999999999999", "Payment 1: the amount is too large."),
        ("1000000000000", "Payment 1: Rp 1,000,000,000,000 received for Rp 164,300 gives Rp 999,999,835,700 in change"),
    ],
)
def test_an_absurd_amount_received_is_refused_at_its_field(
    business: Business, shop: dict, typed: str, message: str
) -> None:
    SalesSettings.objects.filter(pk=1).update(cash_rounding=100)
    item = Product.objects.create(name="Paket rambut", price=164_250, category=shop["hair"])
    web = client_for(business.cashier_a)
    web.cookies["django_language"] = "en"
    form = till_form(business, item, pay_amount=[typed])
    html = web.post(reverse("sales:cashier"), form, headers={"HX-Request": "true"}).content.decode()
    assert message in html and 'data-testid="payment-error"' in html and "disabled" in _pay_button(html)
    assert 'data-testid="change"' not in html
    assert message in web.post(reverse("sales:cashier"), {**form, "action": "pay"}).content.decode()
    assert Order.objects.count() == 0


@pytest.mark.parametrize(("step", "rounding", "change"), [(100, 50, 135_700), (1, 0, 135_750)])
def test_cash_received_and_change_on_the_till_the_order_and_every_receipt(
    business: Business, shop: dict, step: int, rounding: int, change: int
) -> None:
    SalesSettings.objects.filter(pk=1).update(cash_rounding=step)
    BusinessSettings.objects.update_or_create(pk=1, defaults={"name": "Salon Cantik", "tax_id": "01.234.567.8-901.000"})
    item = Product.objects.create(name="Paket rambut", price=164_250, category=shop["hair"])
    web = client_for(business.cashier_a)
    form = till_form(business, item, pay_amount=["300000"])
    html = web.post(reverse("sales:cashier"), form, headers={"HX-Request": "true"}).content.decode()
    shown = f"Rp {change:,}".replace(",", ".")
    assert re.search(r'data-testid="change">[^<]*<strong>' + re.escape(shown) + "<", html)
    assert web.post(reverse("sales:cashier"), {**form, "action": "pay"}).status_code == 302
    order = Order.objects.get()
    cash = Payment.objects.get(order=order)
    # What the payment paid, and what was handed over.
    assert (cash.amount, cash.tendered, cash.change) == (164_250 + rounding, 300_000, change)
    assert order.total == cash.amount and order.rounding == rounding
    page = web.get(reverse("sales:order_detail", args=[order.pk])).content.decode()
    assert 'data-testid="cash-received">Rp 300.000<' in page and f'data-testid="change">{shown}<' in page
    for size in ("58", "80", "a4"):
        receipt = web.get(reverse("sales:order_receipt", args=[order.pk]) + f"?size={size}").content.decode()
        assert "Rp 300.000" in receipt and shown in receipt, size
    from setia.sales.services.receipts import receipt_text

    assert "Rp 300.000" in receipt_text(order) and shown in receipt_text(order)  # the WhatsApp receipt
    a4 = web.get(reverse("sales:order_receipt", args=[order.pk]) + "?size=a4").content.decode()
    assert 'data-layout="a4"' in a4 and "01.234.567.8-901.000" in a4 and 'data-testid="receipt-lines"' in a4


def test_exact_cash_stores_no_cash_received(business: Business, shop: dict) -> None:
    order, _ = checkout(
        actor=business.cashier_a,
        branch=business.branch_a,
        customer=None,
        lines=[LineIn(product_id=shop["creambath"].pk)],
        payments=[PaymentIn("cash", 150_000)],
    )
    assert list(order.payments.values_list("amount", "tendered")) == [(150_000, None)]
    assert receipts.cash_received(list(order.payments.all())) == (0, 0)


@pytest.mark.parametrize("step", [1, 100, 500])
@pytest.mark.parametrize("price", [164_250, 99_950, 1_234_567])
def test_the_cashback_and_points_previewed_are_the_ones_credited(
    business: Business, shop: dict, step: int, price: int
) -> None:
    SalesSettings.objects.filter(pk=1).update(cash_rounding=step)
    CashbackRule.objects.create(name="10% kembali", percent=Decimal(10), max_amount=100_000, returning_only=False)
    member = membership.membership_join(actor=business.cashier_a, customer=shop["customer"])
    item = Product.objects.create(name="Paket", price=price, category=shop["hair"])
    lines = [LineIn(product_id=item.pk)]
    # As the till asks: nothing typed, paid exactly in cash.
    preview = quote(branch=business.branch_a, customer=shop["customer"], lines=lines, exact_method="cash")
    paying = exact_payment(preview, "cash")
    assert preview.paid == paying.amount  # the rounded amount the sale will take
    order, _ = checkout(
        actor=business.cashier_a, branch=business.branch_a, customer=shop["customer"], lines=lines, payments=[paying]
    )
    assert (preview.cashback_to_earn, preview.points_to_earn) == (order.cashback_earned, order.points_earned)
    assert preview.cashback_to_earn == min(100_000, paying.amount // 10)
    member.refresh_from_db()
    assert member.wallet_balance == order.cashback_earned
    # With cash over the amount due, the change is not earned on.
    again = quote(
        branch=business.branch_a, customer=shop["customer"], lines=lines, payments=[PaymentIn("cash", 2_000_000)]
    )
    assert again.cashback_to_earn == order.cashback_earned


def test_the_till_previews_the_cashback_on_the_rounded_cash(business: Business, shop: dict) -> None:
    CashbackRule.objects.create(name="10% kembali", percent=Decimal(10), returning_only=False)
    membership.membership_join(actor=business.cashier_a, customer=shop["customer"])
    item = Product.objects.create(name="Paket rambut", price=164_250, category=shop["hair"])
    web = client_for(business.cashier_a)
    form = till_form(business, item, customer=shop["customer"].pk)
    html = web.post(reverse("sales:cashier"), form, headers={"HX-Request": "true"}).content.decode()
    assert "Rp 16.430" in html and "Rp 16.425" not in html
    assert web.post(reverse("sales:cashier"), {**form, "action": "pay"}).status_code == 302
    assert Order.objects.get().cashback_earned == 16_430


def _voucher(code: str = "6ESE23R6", value: int = 20_000) -> VoucherCode:
    voucher = Voucher.objects.create(
        name="Potongan Rp 20.000", kind=Voucher.Kind.AMOUNT, value=value, per_customer_limit=None
    )
    return VoucherCode.objects.create(code=code, voucher=voucher)


def test_a_voucher_is_shown_once_and_its_line_shares_add_up(business: Business, shop: dict) -> None:
    _voucher()
    third = Product.objects.create(name="Masker", price=60_000, category=shop["hair"])
    items = [shop["creambath"], shop["shampoo"], third]
    result = quote(
        branch=business.branch_a,
        customer=None,
        lines=[LineIn(product_id=p.pk) for p in items],
        voucher_code="6ese23r6",
    )
    assert result.voucher_discount == 20_000 and sum(line.voucher_discount for line in result.lines) == 20_000
    assert all(line.note == "" for line in result.lines)  # the voucher is not named under each line
    web = client_for(business.cashier_a)
    html = web.post(
        reverse("sales:cashier"), till_form(business, *items, voucher_code="6ESE23R6"), headers={"HX-Request": "true"}
    ).content.decode()
    assert html.count("Potongan Rp 20.000") == 1 and 'data-testid="voucher-label"' in html


def test_the_order_labels_the_tier_discount_and_the_voucher_apart(business: Business, shop: dict) -> None:
    _voucher()
    shop["gold"].discount_percent = Decimal(5)
    shop["gold"].save()
    member = membership.membership_join(actor=business.cashier_a, customer=shop["customer"])
    Membership.objects.filter(pk=member.pk).update(tier=shop["gold"])
    order, _ = checkout(
        actor=business.cashier_a,
        branch=business.branch_a,
        customer=shop["customer"],
        lines=[LineIn(product_id=shop["creambath"].pk), LineIn(product_id=shop["shampoo"].pk)],
        payments=[PaymentIn("cash", 200_000)],
        voucher_code="6ESE23R6",
    )
    found = receipts.order_discounts(order)
    tier_discount = 150_000 * 5 // 100 + 45_500 * 5 // 100
    assert [(d.label, d.amount) for d in found] == [
        ("Member discount (Gold 5%)", tier_discount),
        ("Voucher 6ESE23R6", 20_000),
    ]
    assert sum(d.amount for d in found) == order.discount_total
    page = client_for(business.cashier_a).get(reverse("sales:order_detail", args=[order.pk])).content.decode()
    labels = re.findall(r'data-testid="discount-label">([^<]*)<', page)
    assert len(labels) == 2 and "6ESE23R6" in labels[1] and "6ESE23R6" not in labels[0] and "Gold" in labels[0]


def test_the_empty_till_does_not_say_where_the_products_are(business: Business, shop: dict) -> None:
    html = client_for(business.cashier_a).get(reverse("sales:cashier")).content.decode()
    assert _said(business, "Find a product or service to start the sale.") in html
    assert "on the left" not in html and "sebelah kiri" not in html


def test_a_line_that_cannot_be_priced_is_marked_and_no_total_is_claimed(business: Business, shop: dict) -> None:
    form = till_form(business, shop["creambath"], shop["shampoo"], line_quantity=["1", "0"])
    html = client_for(business.cashier_a).post(reverse("sales:cashier"), form).content.decode()
    quantities = re.findall(r'<input class="([^"]*)" type="number" min="1" name="line_quantity"', html)
    assert ["is-invalid" in css for css in quantities] == [False, True]
    assert re.search(r'data-testid="to-pay">—<', html) and "Rp 0" not in html and "disabled" in _pay_button(html)


def test_points_left_from_a_member_are_named_when_the_customer_changes(business: Business, shop: dict) -> None:
    form = till_form(business, shop["creambath"], points="10", action="clear_customer", customer=shop["customer"].pk)
    html = client_for(business.cashier_a).post(reverse("sales:cashier"), form).content.decode()
    expected = _said(business, "Only members can pay with points or cashback.")
    assert 'data-testid="cashier-field-error">' + expected in html and "disabled" in _pay_button(html)
    assert re.search(r'data-testid="to-pay">Rp 150.000<', html)


@pytest.mark.parametrize("shared", [False, True])
def test_another_branch_s_member_buys_as_a_guest_where_branches_do_not_share_customers(
    business: Business, shop: dict, shared: bool
) -> None:
    """The owner sees every customer, but the till's branch decides: at branch B's till a member
    of branch A gets no member price, earns nothing and cannot pay with points — unless the
    business shares customers across branches."""
    from setia.accounts.services import business_settings_update
    from setia.loyalty.services import ledger

    if shared:
        business_settings_update(actor=business.owner, share_customers_across_branches=True)
    joined = membership.membership_join(actor=business.cashier_a, customer=shop["customer"])
    ledger.points_adjust(actor=business.owner, membership=joined, points=100, reason="welcome")
    web = client_for(business.owner)
    web.cookies["django_language"] = "en"
    form = {**till_form(business, shop["creambath"], customer=shop["customer"].pk), "branch": business.branch_b.pk}
    html = web.post(reverse("sales:cashier"), {**form, "points": "10"}, headers={"HX-Request": "true"}).content.decode()
    said = f"Member of {business.branch_a.name}: she collects and pays with points there"
    if shared:
        assert said not in html and 'data-testid="points-to-earn"' in html
    else:
        assert said in html and 'data-testid="points-to-earn"' not in html
        assert (
            "She is a member of another branch and a guest here: she pays with points or cashback at her own branch."
            in html
        )
        assert "disabled" in _pay_button(html)
    paid = web.post(reverse("sales:cashier"), {**form, "action": "pay"})
    assert paid.status_code == 302
    sale = Order.objects.get()
    assert sale.branch == business.branch_b and sale.customer == shop["customer"]
    assert sale.points_earned == (15 if shared else 0)
    joined.refresh_from_db()
    assert joined.points_balance == (115 if shared else 100)


def test_an_item_a_voucher_gives_for_free_earns_no_points_of_its_own(business: Business, shop: dict) -> None:
    """ "+2 points per hair treatment": a creambath paid entirely with a free-treatment voucher is
    paid nothing, so it earns nothing; the shampoo bought with it earns its +2 and its Rupiah."""
    from setia.loyalty.models import EarnRule
    from setia.loyalty.services import vouchers

    EarnRule.objects.create(name="Perawatan rambut", kind=EarnRule.Kind.CATEGORY, category=shop["hair"], points=2)
    member = membership.membership_join(actor=business.cashier_a, customer=shop["customer"])
    free = vouchers.voucher_create(
        actor=business.owner,
        name="Gratis creambath",
        kind=Voucher.Kind.FREE_ITEM,
        free_product=shop["creambath"],
        per_customer_limit=None,
    )
    vouchers.codes_issue(actor=business.owner, voucher=free, code="GRATIS1", customer=shop["customer"])
    alone = [LineIn(product_id=shop["creambath"].pk)]
    preview = quote(branch=business.branch_a, customer=shop["customer"], lines=alone, voucher_code="GRATIS1")
    assert (preview.to_pay, preview.points_to_earn) == (0, 0)
    sale, _created = checkout(
        actor=business.cashier_a,
        branch=business.branch_a,
        customer=shop["customer"],
        lines=alone,
        payments=[],
        voucher_code="GRATIS1",
    )
    assert (sale.total, sale.points_earned) == (0, 0)
    member.refresh_from_db()
    assert member.points_balance == 0
    with_shampoo = [LineIn(product_id=shop["creambath"].pk), LineIn(product_id=shop["shampoo"].pk)]
    vouchers.codes_issue(actor=business.owner, voucher=free, code="GRATIS2", customer=shop["customer"])
    both, _created = checkout(
        actor=business.cashier_a,
        branch=business.branch_a,
        customer=shop["customer"],
        lines=with_shampoo,
        payments=[PaymentIn("qris", 45_500)],
        voucher_code="GRATIS2",
    )
    assert both.points_earned == 4 + 2  # Rp 45.500 paid: 4 points; +2 for the shampoo only


def test_the_suggested_item_is_added_with_one_click(business: Business, shop: dict) -> None:
    from setia.loyalty.models import Promotion

    Promotion.objects.create(
        name="Creambath + Sampo",
        kind=Promotion.Kind.BUY_X_GET_Y,
        product=shop["creambath"],
        reward_product=shop["shampoo"],
    )
    web = client_for(business.cashier_a)
    web.cookies["django_language"] = "en"
    form = till_form(business, shop["creambath"])
    html = web.post(reverse("sales:cashier"), form, headers={"HX-Request": "true"}).content.decode()
    assert "Add Sampo: it is free with Creambath (Creambath + Sampo)." in html
    assert f'value="add:{shop["shampoo"].pk}" data-testid="add-suggested"' in html
    added = web.post(
        reverse("sales:cashier"), {**form, "action": f"add:{shop['shampoo'].pk}"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert added.count('data-testid="cart-line"') == 2 and 'data-testid="add-suggested"' not in added
    assert re.search(r'data-testid="to-pay">Rp 150.000<', added)  # the shampoo is free


def test_a_receipt_says_how_many_points_paid(business: Business, shop: dict) -> None:
    from setia.loyalty.services import ledger

    joined = membership.membership_join(actor=business.cashier_a, customer=shop["customer"])
    ledger.points_adjust(actor=business.owner, membership=joined, points=100, reason="welcome")
    sale, _created = checkout(
        actor=business.cashier_a,
        branch=business.branch_a,
        customer=shop["customer"],
        lines=[LineIn(product_id=shop["shampoo"].pk)],
        points=50,
        payments=[PaymentIn("cash", 40_500)],
    )
    text = receipts.receipt_text(sale)
    assert "Points (50): Rp 5,000" in text.splitlines()
    for size in ("58", "a4"):
        page = client_for(business.cashier_a).get(reverse("sales:order_receipt", args=[sale.pk]) + f"?size={size}")
        assert "Poin (50)" in page.content.decode()


def test_points_past_their_date_are_shown_apart_and_cannot_pay(business: Business, shop: dict) -> None:
    """Her oldest points passed their date and the nightly expiry has not run yet: the till shows
    what she can spend, refuses more at the field, and a sale with the rest expires them first."""
    from setia.loyalty.models import PointsEntry
    from setia.loyalty.services import ledger
    from setia.loyalty.tests.conftest import lapsed_lot

    joined = membership.membership_join(actor=business.cashier_a, customer=shop["customer"])
    lapsed_lot(joined, 300)
    ledger.points_post(membership=joined, kind="bonus", points=80)
    web = client_for(business.cashier_a)
    form = till_form(business, shop["shampoo"], customer=shop["customer"].pk, points="100")
    html = web.post(reverse("sales:cashier"), form, headers={"HX-Request": "true"}).content.decode()
    with translation.override(business.cashier_a.language or "id"):
        shown = gettext("%(points)s points") % {"points": "80"}
        apart = gettext("%(points)s past their date") % {"points": "300"}
    assert f'data-testid="points-balance">{shown}<' in html and f"({apart})" in html
    expected = _said(
        business,
        "Not enough points: %(spendable)s can be used; %(lapsed)s are past their date.",
        spendable=80,
        lapsed=300,
    )
    assert 'data-testid="points-error">' + expected in html and "disabled" in _pay_button(html)
    sale, _created = checkout(
        actor=business.cashier_a,
        branch=business.branch_a,
        customer=shop["customer"],
        lines=[LineIn(product_id=shop["shampoo"].pk)],
        points=80,
        payments=[PaymentIn("cash", 37_500)],
    )
    joined.refresh_from_db()
    debits = PointsEntry.objects.filter(membership=joined, points__lt=0).order_by("id")
    assert [(entry.kind, entry.points) for entry in debits] == [("expire", -300), ("redeem", -80)]
    assert joined.points_balance == sale.points_earned


def test_the_till_opened_from_her_page_by_the_owner_is_at_her_branch(business: Business, shop: dict) -> None:
    """The owner works no single till: "New sale" on a Dago customer's page opens the Dago till
    (where she is a member), not the first branch of the list; a cashier stays at her own."""
    from setia.customers.models import Customer

    dago = Customer.objects.create(name="Dewi", search_name="dewi", home_branch=business.branch_b)
    owner = client_for(business.owner)
    assert owner.get(reverse("sales:cashier") + f"?customer={dago.pk}").context["branch"] == business.branch_b
    kemang = shop["customer"]
    assert owner.get(reverse("sales:cashier") + f"?customer={kemang.pk}").context["branch"] == business.branch_a
    chosen = owner.get(reverse("sales:cashier") + f"?customer={dago.pk}&branch={business.branch_a.pk}")
    assert chosen.context["branch"] == business.branch_a  # a branch chosen on the till stays
    cashier = client_for(business.cashier_a).get(reverse("sales:cashier") + f"?customer={kemang.pk}")
    assert cashier.context["branch"] == business.branch_a


def test_a_trip_or_appointment_booked_by_the_owner_from_her_page_is_at_her_branch(
    business: Business, shop: dict
) -> None:
    """The caller card's "Book a trip" and the customer's "Make an appointment", opened by the
    owner (not bound to one branch), book at the customer's branch, as the manager's would."""
    from setia.customers.models import Customer

    dago = Customer.objects.create(name="Dewi", search_name="dewi", home_branch=business.branch_b)
    owner = client_for(business.owner)
    assert owner.get(reverse("sales:trip_new") + f"?customer={dago.pk}").context["branch"] == business.branch_b
    assert owner.get(reverse("sales:appointment_new") + f"?customer={dago.pk}").context["branch"] == business.branch_b
    kemang = shop["customer"]
    assert owner.get(reverse("sales:trip_new") + f"?customer={kemang.pk}").context["branch"] == business.branch_a
    assert owner.get(reverse("sales:appointment_new") + f"?customer={kemang.pk}").context["branch"] == business.branch_a
    import datetime as dt

    from django.utils import timezone

    from setia.sales.services import bookings

    bookings.trip_book(
        actor=business.owner,
        customer=dago,
        branch=business.branch_b,
        pickup_at=timezone.now() + dt.timedelta(days=1),
        pickup_text="Jl. Dago No. 5",
    )
    owner.post(reverse("sales:trip_repeat", args=[dago.pk]))  # "Repeat last trip" on her caller card
    assert list(Order.objects.filter(customer=dago).values_list("branch", flat=True)) == [business.branch_b.pk] * 2


def test_a_tier_saved_with_a_negative_discount_before_the_form_refused_it_gives_none(
    business: Business, shop: dict
) -> None:
    """Tiers saved before the discount's range was checked: the till gives no discount rather
    than raise the price (and refuse the sale)."""
    joined = membership.membership_join(actor=business.cashier_a, customer=shop["customer"])
    Membership.objects.filter(pk=joined.pk).update(tier=shop["gold"])
    shop["gold"].__class__.objects.filter(pk=shop["gold"].pk).update(discount_percent=Decimal("-10"))
    sale, _created = checkout(
        actor=business.cashier_a,
        branch=business.branch_a,
        customer=shop["customer"],
        lines=[LineIn(product_id=shop["shampoo"].pk)],
        payments=[PaymentIn("qris", 45_500)],
    )
    assert (sale.member_discount, sale.total) == (0, 45_500)


def test_a_receipt_ends_with_the_business_s_own_footer_or_else_a_thank_you(business: Business, shop: dict) -> None:
    sale, _created = checkout(
        actor=business.cashier_a,
        branch=business.branch_a,
        customer=None,
        lines=[LineIn(product_id=shop["shampoo"].pk)],
        payments=[PaymentIn("qris", 45_500)],
    )
    web = client_for(business.cashier_a)
    with translation.override(business.cashier_a.language or "id"):
        thanks = gettext("Thank you!")
    for size in ("58", "a4"):
        page = web.get(reverse("sales:order_receipt", args=[sale.pk]) + f"?size={size}").content.decode()
        assert page.count(thanks) == 1, size
    SalesSettings.objects.filter(pk=1).update(receipt_footer="Terima kasih, sampai jumpa lagi!")
    for size in ("58", "a4"):
        page = web.get(reverse("sales:order_receipt", args=[sale.pk]) + f"?size={size}").content.decode()
        assert "Terima kasih, sampai jumpa lagi!" in page and thanks not in page, size


def test_an_unknown_action_on_a_trip_or_an_appointment_is_not_found(business: Business, shop: dict) -> None:
    import datetime as dt

    from django.utils import timezone

    from setia.sales.services import bookings

    trip = bookings.trip_book(
        actor=business.owner,
        customer=shop["customer"],
        branch=business.branch_a,
        pickup_at=timezone.now() + dt.timedelta(days=1),
        pickup_text="Jl. Melati No. 12",
    )
    visit = bookings.appointment_book(
        actor=business.owner,
        customer=shop["customer"],
        branch=business.branch_a,
        service=shop["creambath"],
        starts_at=timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) + dt.timedelta(days=1),
    )
    web = client_for(business.cashier_a)
    assert web.post(reverse("sales:trip_action", args=[trip.pk, "frobnicate"])).status_code == 404
    assert web.post(reverse("sales:appointment_action", args=[visit.pk, "frobnicate"])).status_code == 404
    cancelled = web.post(reverse("sales:trip_action", args=[trip.pk, "cancel"]))
    assert cancelled.status_code == 302
    trip.refresh_from_db()
    assert trip.status == "cancelled"
