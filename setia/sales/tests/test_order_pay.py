"""Taking the payment for a placed order (an accepted quote): exact, split and cash payments, the
refusals, loyalty after payment and not before, the order page's payment card over personas, the
API, a refund afterwards, and two payments at once on PostgreSQL."""

import datetime as dt
import threading

import pytest
from django.db import close_old_connections, connection
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from setia.accounts.models import User
from setia.accounts.services import api_key_create
from setia.conftest import Business, client_for, make_user
from setia.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from setia.core.models import AuditEvent
from setia.customers.models import CustomerEmail
from setia.customers.timeline import timeline_for
from setia.loyalty.models import Membership, PointsEntry, QualifyingActivity
from setia.loyalty.services import ledger, membership
from setia.sales.models import Order, Payment
from setia.sales.services import checkout, quotes, refunds
from setia.sales.services.checkout import AgreedLine, LineIn, PaymentIn
from setia.sales.services.quotes import QuoteLineIn

TOTAL = 493_999  # the quote of `placed`: see test_quotes.test_totals_with_ppn_included


@pytest.fixture
def seller(business: Business) -> User:
    return make_user("sales_a", "sales", business.branch_a, first_name="Dewi")


def accepted_quote_order(business: Business, seller: User, shop: dict, lines: list[QuoteLineIn] | None = None) -> Order:
    """A quote made, sent and accepted: its order is placed and unpaid."""
    if not shop["customer"].emails.exists():
        CustomerEmail.objects.create(customer=shop["customer"], email="siti@example.co.id", is_primary=True)
    quote = quotes.quote_create(
        actor=seller,
        customer=shop["customer"],
        branch=business.branch_a,
        lines=lines
        or [
            QuoteLineIn(product_id=shop["creambath"].pk, quantity=2, discount_percent="10"),
            QuoteLineIn(product_id=shop["shampoo"].pk, quantity=3),
            QuoteLineIn(description="Konsultasi gaya rambut", unit_price=99_999, discount_percent="12.5"),
        ],
    )
    quotes.quote_send(actor=seller, quote=quote)
    quotes.quote_accept(actor=seller, quote=quote)
    quote.refresh_from_db()
    assert quote.order is not None and quote.order.status == Order.Status.PLACED
    return quote.order


@pytest.fixture
def placed(business: Business, seller: User, shop: dict, mailoutbox: list) -> Order:
    return accepted_quote_order(business, seller, shop)


def _agreed_lines() -> list[tuple]:
    return [
        ("Creambath", 2, 150_000, 30_000, 270_000),
        ("Sampo", 3, 45_500, 0, 136_500),
        ("Konsultasi gaya rambut", 1, 99_999, 12_500, 87_499),
    ]


def _unchanged(order: Order) -> None:
    order.refresh_from_db()
    assert (order.status, order.total, order.rounding, order.points_earned) == ("placed", TOTAL, 0, 0)
    assert not Payment.objects.filter(order=order).exists()
    assert not PointsEntry.objects.exists() and not QualifyingActivity.objects.exists()


# --- The service ----------------------------------------------------------------------------------


def test_an_exact_payment_fulfils_the_order_at_the_agreed_prices(business: Business, shop: dict, placed: Order) -> None:
    membership.membership_join(actor=business.cashier_a, customer=shop["customer"])
    placed_at = placed.placed_at
    Order.objects.filter(pk=placed.pk).update(business_date=timezone.localdate() - dt.timedelta(days=3))
    paid = checkout.order_pay(
        actor=business.cashier_a, order=placed, payments=[PaymentIn("transfer", TOTAL, "BCA 0042")]
    )
    paid.refresh_from_db()
    assert (paid.status, paid.total, paid.rounding, paid.subtotal, paid.discount_total, paid.tax_total) == (
        "fulfilled",
        TOTAL,
        0,
        536_499,
        42_500,
        48_955,
    )
    # Revenue counts on the day it is paid; the order keeps the time it was agreed.
    assert paid.business_date == timezone.localdate() and paid.placed_at == placed_at
    assert list(paid.lines.values_list("description", "quantity", "unit_price", "discount", "total")) == _agreed_lines()
    assert list(Payment.objects.filter(order=paid).values_list("method", "amount", "reference")) == [
        ("transfer", TOTAL, "BCA 0042")
    ]
    event = AuditEvent.objects.get(object_type="sales.order", object_id=str(paid.pk), action="update")
    assert event.message_text == f"Payment for order {paid.number}" and event.actor == business.cashier_a
    entry = next(e for e in timeline_for(shop["customer"]) if e.kind == "audit" and "Payment" in e.detail)
    assert entry.detail == f"Payment for order {paid.number}"


def test_points_are_earned_when_paid_and_not_before(
    business: Business, seller: User, shop: dict, mailoutbox: list
) -> None:
    member = membership.membership_join(actor=business.cashier_a, customer=shop["customer"])
    order = accepted_quote_order(business, seller, shop)
    member.refresh_from_db()
    assert member.points_balance == 0 and not PointsEntry.objects.filter(kind="earn").exists()
    assert not QualifyingActivity.objects.exists()
    checkout.order_pay(actor=business.cashier_a, order=order, payments=[PaymentIn("qris", TOTAL)])
    order.refresh_from_db()
    member.refresh_from_db()
    # 1 point per Rp 10.000 paid: Rp 493.999 -> 49.
    assert order.points_earned == 49 and member.points_balance == 49
    assert list(PointsEntry.objects.values_list("kind", "points", "source")) == [
        ("earn", 49, f"sales.order:{order.pk}")
    ]
    assert list(QualifyingActivity.objects.values_list("amount", "source")) == [(TOTAL, f"sales.order:{order.pk}")]


def test_split_payment_with_cash_rounded_and_change(business: Business, shop: dict, placed: Order) -> None:
    paid = checkout.order_pay(
        actor=business.cashier_a,
        order=placed,
        payments=[PaymentIn("transfer", 300_000), PaymentIn("cash", 200_000)],
    )
    paid.refresh_from_db()
    # Cash owes 193.999, rounded to 194.000 (+1); Rp 6.000 change is not recorded as paid.
    assert (paid.status, paid.rounding, paid.total) == ("fulfilled", 1, 494_000)
    assert list(Payment.objects.filter(order=paid).values_list("method", "amount")) == [
        ("transfer", 300_000),
        ("cash", 194_000),
    ]


def test_cash_rounded_down(business: Business, seller: User, shop: dict, mailoutbox: list) -> None:
    order = accepted_quote_order(business, seller, shop, [QuoteLineIn(description="Potong", unit_price=12_345)])
    assert order.total == 12_345
    with pytest.raises(ApplicationError) as refused:
        checkout.order_pay(actor=business.cashier_a, order=order, payments=[PaymentIn("cash", 12_200)])
    assert refused.value.message == "The payments are short by Rp 100." and list(refused.value.extra) == ["payments"]
    checkout.order_pay(actor=business.cashier_a, order=order, payments=[PaymentIn("cash", 12_300)])
    order.refresh_from_db()
    assert (order.rounding, order.total) == (-45, 12_300)
    assert list(Payment.objects.filter(order=order).values_list("method", "amount")) == [("cash", 12_300)]


@pytest.mark.parametrize(
    ("payments", "field", "message"),
    [
        ([PaymentIn("qris", 400_000)], "payments", "The payments are short by Rp 93,999."),
        ([], "payments", "The payments are short by Rp 493,999."),
        (
            [PaymentIn("qris", 500_000)],
            "payments[1].amount",
            "Payment 1 (QRIS): more than the amount due (Rp 493,999 left). "
            "Only cash can be more: the change is given in cash.",
        ),
        ([PaymentIn("bitcoin", TOTAL)], "payments[1].method", "Payment 1: unknown method."),
        ([PaymentIn("points", TOTAL)], "payments[1].method", "Payment 1: unknown method."),
        (
            [PaymentIn("qris", 100), PaymentIn("cash", 0)],
            "payments[2].amount",
            "Payment 2: the amount must be greater than zero.",
        ),
    ],
)
def test_bad_payments_are_refused_and_nothing_changes(
    business: Business, shop: dict, placed: Order, payments: list, field: str, message: str
) -> None:
    membership.membership_join(actor=business.cashier_a, customer=shop["customer"])
    with pytest.raises(ApplicationError) as refused:
        checkout.order_pay(actor=business.cashier_a, order=placed, payments=payments)
    assert refused.value.message == message and list(refused.value.extra) == [field]
    _unchanged(placed)


def test_only_a_placed_order_can_be_paid(business: Business, shop: dict, placed: Order) -> None:
    checkout.order_pay(actor=business.cashier_a, order=placed, payments=[PaymentIn("qris", TOTAL)])
    with pytest.raises(ApplicationError) as refused:
        checkout.order_pay(actor=business.cashier_a, order=placed, payments=[PaymentIn("qris", TOTAL)])
    assert refused.value.message == f"Only a placed order can be paid; {placed.number} is fulfilled."
    assert list(refused.value.extra) == ["status"]
    assert Payment.objects.filter(order=placed).count() == 1
    sale, _created = checkout.checkout(
        actor=business.cashier_a,
        branch=business.branch_a,
        customer=None,
        lines=[LineIn(product_id=shop["shampoo"].pk)],
        payments=[PaymentIn("cash", 45_500)],
    )
    with pytest.raises(ApplicationError, match="is fulfilled"):
        checkout.order_pay(actor=business.cashier_a, order=sale, payments=[PaymentIn("cash", 45_500)])
    Order.objects.filter(pk=sale.pk).update(status=Order.Status.CANCELLED)
    with pytest.raises(ApplicationError, match="is cancelled"):
        checkout.order_pay(actor=business.cashier_a, order=sale, payments=[PaymentIn("cash", 45_500)])


def test_other_branch_staff_and_staff_without_the_capability_are_refused(
    business: Business, shop: dict, placed: Order
) -> None:
    with pytest.raises(NotFoundError):
        checkout.order_pay(actor=business.cashier_b, order=placed, payments=[PaymentIn("qris", TOTAL)])
    with pytest.raises(PermissionDeniedError):
        checkout.order_pay(actor=business.analyst, order=placed, payments=[PaymentIn("qris", TOTAL)])
    _unchanged(placed)
    checkout.order_pay(actor=business.manager, order=placed, payments=[PaymentIn("qris", TOTAL)])
    placed.refresh_from_db()
    assert placed.status == "fulfilled"


def test_a_member_pays_part_with_points_and_cashback(business: Business, shop: dict, placed: Order) -> None:
    member = membership.membership_join(actor=business.cashier_a, customer=shop["customer"])
    ledger.points_post(membership=member, kind="bonus", points=300)
    ledger.wallet_post(membership=member, kind="adjust", amount=50_000)
    paid = checkout.order_pay(
        actor=business.cashier_a,
        order=placed,
        payments=[PaymentIn("qris", TOTAL - 30_000 - 50_000)],
        points=300,
        cashback=50_000,
    )
    paid.refresh_from_db()
    member.refresh_from_db()
    # 300 points pay Rp 30.000, the wallet Rp 50.000, QRIS the rest (413.999), which earns 41 points.
    assert (paid.status, paid.total, paid.points_redeemed, paid.points_earned) == ("fulfilled", TOTAL, 300, 41)
    assert sorted(Payment.objects.filter(order=paid).values_list("method", "amount", "reference")) == [
        ("cashback", 50_000, ""),
        ("points", 30_000, "300"),
        ("qris", 413_999, ""),
    ]
    assert (member.points_balance, member.wallet_balance) == (41, 0)


def test_points_need_a_member_and_a_balance(business: Business, shop: dict, placed: Order) -> None:
    with pytest.raises(ApplicationError) as refused:
        checkout.order_pay(actor=business.cashier_a, order=placed, payments=[PaymentIn("qris", TOTAL)], points=10)
    assert refused.value.message == "Only members can pay with points or cashback."
    member = membership.membership_join(actor=business.cashier_a, customer=shop["customer"])
    ledger.points_post(membership=member, kind="bonus", points=10)
    with pytest.raises(ApplicationError) as refused:
        checkout.order_pay(actor=business.cashier_a, order=placed, payments=[PaymentIn("qris", TOTAL)], points=11)
    assert list(refused.value.extra) == ["points"]
    member.refresh_from_db()
    placed.refresh_from_db()
    assert (member.points_balance, placed.status) == (10, "placed")


def test_a_paid_order_can_be_refunded(business: Business, shop: dict, placed: Order) -> None:
    member = membership.membership_join(actor=business.cashier_a, customer=shop["customer"])
    checkout.order_pay(actor=business.cashier_a, order=placed, payments=[PaymentIn("qris", TOTAL)])
    shampoo = placed.lines.get(description="Sampo")
    refunds.order_refund(actor=business.manager, order=placed, reason="Sampo rusak", lines={shampoo.pk: 3})
    placed.refresh_from_db()
    member.refresh_from_db()
    assert (placed.status, placed.refunded_total) == ("partly_refunded", 136_500)
    # 136.500 of 493.999 refunded: the same share of the 49 points earned, 13,54 -> 14, goes back.
    assert sorted(PointsEntry.objects.values_list("kind", "points")) == [("earn", 49), ("reverse", -14)]
    assert member.points_balance == 35


def test_an_opportunity_won_without_payment_is_paid_later(business: Business, shop: dict) -> None:
    from setia.sales.models import Opportunity
    from setia.sales.services import pipeline

    stages = pipeline.default_pipeline()
    opportunity = Opportunity.objects.create(
        title="Paket salon",
        customer=shop["customer"],
        pipeline=stages,
        stage=stages.stages.order_by("position")[0],
        branch=business.branch_a,
        value=300_000,
    )
    opportunity.lines.create(product=shop["creambath"], description="Creambath", quantity=2, unit_price=150_000)
    pipeline.opportunity_win(actor=business.manager, opportunity=opportunity, create_order=True)
    order = Order.objects.get()
    assert order.status == "placed" and order.total == 300_000
    checkout.order_pay(actor=business.cashier_a, order=order, payments=[PaymentIn("card", 300_000)])
    order.refresh_from_db()
    assert order.status == "fulfilled"


# --- The order page -----------------------------------------------------------------------------


def _page(user: User | None, order: Order) -> str:
    return client_for(user).get(reverse("sales:order_detail", args=[order.pk])).content.decode()


@pytest.mark.parametrize(
    ("persona", "outcome"),
    [
        ("anonymous", "sign-in"),
        ("other_branch_front_office", "not found"),
        ("analyst", "no form"),
        ("same_branch_front_office", "pays"),
        ("same_branch_sales", "pays"),
        ("manager", "pays"),
        ("owner", "pays"),
    ],
)
def test_the_payment_card_by_persona(
    business: Business, seller: User, shop: dict, placed: Order, persona: str, outcome: str
) -> None:
    user = {
        "anonymous": None,
        "other_branch_front_office": business.cashier_b,
        "analyst": business.analyst,
        "same_branch_front_office": business.cashier_a,
        "same_branch_sales": seller,
        "manager": business.manager,
        "owner": business.owner,
    }[persona]
    url = reverse("sales:order_detail", args=[placed.pk])
    web = client_for(user)
    shown = web.get(url)
    posted = web.post(url, {"pay_method": ["qris", "cash"], "pay_amount": [str(TOTAL), ""], "pay_reference": ["", ""]})
    placed.refresh_from_db()
    if outcome == "sign-in":
        assert shown.status_code == 302 and "/accounts/login" in shown["Location"]
        assert posted.status_code == 302 and "/accounts/login" in posted["Location"]
    elif outcome == "not found":
        assert (shown.status_code, posted.status_code) == (404, 404)
    elif outcome == "no form":
        assert shown.status_code == 200 and 'data-testid="order-pay-form"' not in shown.content.decode()
        assert posted.status_code == 403
    else:
        assert user is not None
        assert shown.status_code == 200 and 'data-testid="order-pay-form"' in shown.content.decode()
        assert posted.status_code == 302 and posted["Location"] == url
        assert placed.status == "fulfilled"
        html = _page(user, placed)
        assert 'data-testid="order-pay-form"' not in html
        with translation.override(user.language):
            assert f">{gettext('fulfilled')}</span>" in html and gettext("QRIS") in html
        return
    assert placed.status == "placed" and not Payment.objects.exists()


def test_paying_through_the_page_with_a_split_and_change(business: Business, shop: dict, placed: Order) -> None:
    web = client_for(business.cashier_a)
    url = reverse("sales:order_detail", args=[placed.pk])
    form = web.get(url).content.decode()
    assert f'value="{TOTAL}"' in form and 'data-testid="order-pay-submit"' in form
    response = web.post(
        url,
        {
            "pay_method": ["transfer", "cash"],
            "pay_amount": ["300.000", "200000"],
            "pay_reference": ["Mandiri 77", ""],
        },
        follow=True,
    )
    assert response.status_code == 200
    with translation.override(business.cashier_a.language):
        expected = gettext("Payment for order %(number)s recorded.") % {"number": placed.number}
        change = gettext("Change: %(amount)s.") % {"amount": "Rp 6.000"}
    html = response.content.decode()
    assert expected in html and change in html
    assert list(Payment.objects.filter(order=placed).values_list("method", "amount", "reference")) == [
        ("transfer", 300_000, "Mandiri 77"),
        ("cash", 194_000, ""),
    ]


def test_the_prefilled_total_in_cash_is_the_rounded_amount(business: Business, shop: dict, placed: Order) -> None:
    web = client_for(business.cashier_a)
    url = reverse("sales:order_detail", args=[placed.pk])
    response = web.post(url, {"pay_method": ["cash", "qris"], "pay_amount": [str(TOTAL), ""]})
    assert response.status_code == 302
    placed.refresh_from_db()
    assert (placed.total, placed.rounding) == (494_000, 1)
    assert list(Payment.objects.filter(order=placed).values_list("method", "amount")) == [("cash", 494_000)]


@pytest.mark.parametrize(
    ("form", "msgid", "values", "invalid"),
    [
        (
            {"pay_method": ["qris"], "pay_amount": ["empat ratus"]},
            "Payment %(number)s: enter the amount in whole Rupiah.",
            {"number": 1},
            "pay-amount-1",
        ),
        ({"pay_method": ["qris"], "pay_amount": [""]}, "Enter the amount paid.", {}, "pay-amount-1"),
        (
            {"pay_method": ["qris", "bitcoin"], "pay_amount": ["100", "100"]},
            "Payment %(number)s: unknown method.",
            {"number": 2},
            "pay-method-2",
        ),
        (
            {"pay_method": ["qris"], "pay_amount": ["400000"]},
            "The payments are short by %(amount)s.",
            {"amount": "Rp 93.999"},
            "pay-amount-1",
        ),
    ],
)
def test_bad_input_on_the_page_names_the_field(
    business: Business, shop: dict, placed: Order, form: dict, msgid: str, values: dict, invalid: str
) -> None:
    url = reverse("sales:order_detail", args=[placed.pk])
    response = client_for(business.cashier_a).post(url, form)
    assert response.status_code == 400
    html = response.content.decode()
    with translation.override(business.cashier_a.language):
        message = gettext(msgid) % values if values else gettext(msgid)
    assert f'data-testid="order-pay-error">{message}</div>' in html
    assert f'is-invalid" id="{invalid}"' in html
    assert form["pay_amount"][0] in html  # what was typed is kept
    _unchanged(placed)


def test_a_paid_order_shows_no_payment_card_and_an_unpaid_one_no_refund(
    business: Business, shop: dict, placed: Order
) -> None:
    html = _page(business.owner, placed)
    assert 'data-testid="order-pay-form"' in html and reverse("sales:order_refund", args=[placed.pk]) not in html
    checkout.order_pay(actor=business.cashier_a, order=placed, payments=[PaymentIn("qris", TOTAL)])
    html = _page(business.owner, placed)
    assert 'data-testid="order-pay-form"' not in html and reverse("sales:order_refund", args=[placed.pk]) in html


# --- The API ------------------------------------------------------------------------------------


def _api(user: User) -> tuple:
    _record, key = api_key_create(actor=user, name="pos")
    return client_for(None), {"Authorization": f"Bearer {key}"}


def test_api_pays_a_placed_order(business: Business, shop: dict, placed: Order) -> None:
    membership.membership_join(actor=business.cashier_a, customer=shop["customer"])
    web, headers = _api(business.cashier_a)
    url = f"/api/v1/orders/{placed.pk}/pay"
    body = {
        "payments": [
            {"method": "transfer", "amount": 193_999, "reference": "BCA"},
            {"method": "qris", "amount": 300_000},
        ]
    }
    response = web.post(url, body, content_type="application/json", headers=headers)
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["status"], data["total"], data["points_earned"]) == ("fulfilled", TOTAL, 49)
    assert data["payments"] == [
        {"method": "transfer", "amount": 193_999, "reference": "BCA", "tendered": None, "change": 0},
        {"method": "qris", "amount": 300_000, "reference": "", "tendered": None, "change": 0},
    ]
    again = web.post(url, body, content_type="application/json", headers=headers)
    assert again.status_code == 400 and list(again.json()["extra"]) == ["status"]
    assert Payment.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"payments": [{"method": "qris", "amount": -5}]}, "payments[1].amount"),
        ({"payments": [{"method": "qris", "amount": "banyak"}]}, "payments[1].amount"),
        ({"payments": [{"method": "qris"}]}, "payments[1].amount"),
        ({}, "payments"),
        ({"payments": [{"method": "qris", "amount": 1_000}]}, "payments"),
        ({"payments": [{"method": "qris", "amount": TOTAL}], "points": 5}, "points"),
    ],
)
def test_api_bad_input_is_a_400_naming_the_field(
    business: Business, shop: dict, placed: Order, body: dict, field: str
) -> None:
    web, headers = _api(business.cashier_a)
    response = web.post(f"/api/v1/orders/{placed.pk}/pay", body, content_type="application/json", headers=headers)
    assert response.status_code == 400 and field in response.json()["extra"], response.content
    _unchanged(placed)


def test_api_outside_scope_or_without_the_capability(business: Business, shop: dict, placed: Order) -> None:
    body = {"payments": [{"method": "qris", "amount": TOTAL}]}
    url = f"/api/v1/orders/{placed.pk}/pay"
    web, headers = _api(business.cashier_b)
    assert web.post(url, body, content_type="application/json", headers=headers).status_code == 404
    assert (
        web.post("/api/v1/orders/999999/pay", body, content_type="application/json", headers=headers).status_code == 404
    )
    web, headers = _api(business.analyst)
    assert web.post(url, body, content_type="application/json", headers=headers).status_code == 403
    assert client_for(None).post(url, body, content_type="application/json").status_code == 401
    _unchanged(placed)


# --- Two payments at once -------------------------------------------------------------------------


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_two_payments_of_one_order_at_once_only_one_succeeds(business: Business, shop: dict) -> None:
    if connection.vendor != "postgresql":
        pytest.fail("concurrency tests run on PostgreSQL (make test-postgres)")
    membership.membership_join(actor=business.cashier_a, customer=shop["customer"])
    order = checkout.order_place(
        actor=business.manager,
        branch=business.branch_a,
        customer=shop["customer"],
        lines=[AgreedLine(product_id=shop["creambath"].pk, description="Creambath", quantity=2, unit_price=150_000)],
        tax_registered=True,
        ppn_percent=checkout.sales_settings().ppn_percent,
        prices_include_tax=True,
    )
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def pay(cashier: User, method: str) -> None:
        try:
            barrier.wait()
            checkout.order_pay(actor=cashier, order=order, payments=[PaymentIn(method, 300_000)])
            outcome = "paid"
        except ApplicationError as error:
            outcome = f"refused: {sorted(error.extra)}"
        finally:
            close_old_connections()
        with lock:
            outcomes.append(outcome)

    threads = [
        threading.Thread(target=pay, args=(business.cashier_a, "qris")),
        threading.Thread(target=pay, args=(business.manager, "transfer")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["paid", "refused: ['status']"], outcomes
    order.refresh_from_db()
    assert order.status == "fulfilled" and Payment.objects.filter(order=order).count() == 1
    member = Membership.objects.get(customer=shop["customer"])
    assert member.points_balance == 30 and PointsEntry.objects.filter(kind="earn").count() == 1


def test_an_unpaid_placed_order_cannot_be_refunded(business: Business, placed: Order) -> None:
    with pytest.raises(ApplicationError) as refused:
        refunds.order_refund(actor=business.owner, order=placed, reason="Batal", amount=1_000)
    assert list(refused.value.extra) == ["order"]
    placed.refresh_from_db()
    assert (placed.status, placed.refunded_total) == ("placed", 0)
