import pytest
from django.utils.translation import gettext_noop

from setia.conftest import Business
from setia.core.errors import ApplicationError
from setia.core.texts import Message
from setia.loyalty.models import PointsEntry, Voucher
from setia.loyalty.services import ledger, membership, vouchers
from setia.sales.models import Order, OrderLine, Payment
from setia.sales.services.checkout import LineIn, PaymentIn, checkout, quote


def test_quote_applies_tax_included_and_cash_rounding(business: Business, shop: dict) -> None:
    result = quote(
        branch=business.branch_a,
        customer=None,
        lines=[LineIn(product_id=shop["shampoo"].pk, quantity=1)],
        payments=[PaymentIn("cash", 50_000)],
    )
    assert result.subtotal == 45_500
    assert result.total == 45_500
    assert result.tax == 4_509  # 45.500 x 11/111, included in the price
    assert result.rounding == 0  # 45.500 is already a multiple of Rp 100
    assert result.change == 4_500


def test_cash_rounding_to_nearest_hundred(business: Business, shop: dict) -> None:
    result = quote(
        branch=business.branch_a,
        customer=None,
        lines=[LineIn(description="Jepit rambut", quantity=1, unit_price=12_345)],
        payments=[PaymentIn("cash", 20_000)],
    )
    assert (result.total, result.rounding, result.to_pay, result.change) == (12_345, -45, 12_300, 7_700)


def test_member_sale_earns_points_and_records_everything(business: Business, shop: dict) -> None:
    member = membership.membership_join(actor=business.cashier_a, customer=shop["customer"])
    order, created = checkout(
        actor=business.cashier_a,
        branch=business.branch_a,
        customer=shop["customer"],
        lines=[LineIn(product_id=shop["creambath"].pk, quantity=1, staff_id=business.cashier_a.pk)],
        payments=[PaymentIn("qris", 150_000)],
    )
    assert created
    assert order.number == f"KMG-{order.pk:07d}"
    assert (order.total, order.points_earned, order.status) == (150_000, 15, Order.Status.FULFILLED)
    assert list(Payment.objects.filter(order=order).values_list("method", "amount")) == [("qris", 150_000)]
    line = OrderLine.objects.get(order=order)
    assert (line.total, line.staff_id, line.category_id_at_sale) == (150_000, business.cashier_a.pk, shop["hair"].pk)
    member.refresh_from_db()
    assert member.points_balance == 15
    assert list(PointsEntry.objects.filter(membership=member).values_list("kind", "points", "source")) == [
        ("earn", 15, f"sales.order:{order.pk}")
    ]


def test_pay_with_points_and_voucher(business: Business, shop: dict) -> None:
    member = membership.membership_join(actor=business.cashier_a, customer=shop["customer"])
    ledger.points_post(membership=member, kind="bonus", points=200)
    voucher = vouchers.voucher_create(actor=business.owner, name="Diskon 20rb", kind=Voucher.Kind.AMOUNT, value=20_000)
    code = vouchers.codes_issue(actor=business.owner, voucher=voucher, code="HEMAT20")[0]
    order, _ = checkout(
        actor=business.cashier_a,
        branch=business.branch_a,
        customer=shop["customer"],
        lines=[LineIn(product_id=shop["creambath"].pk)],
        payments=[PaymentIn("cash", 110_000)],
        voucher_code="hemat20",
        points=200,
    )
    # 150.000 - 20.000 voucher = 130.000; 200 points pay Rp 20.000; 110.000 in cash.
    assert (order.discount_total, order.total, order.points_redeemed) == (20_000, 130_000, 200)
    assert sorted(Payment.objects.filter(order=order).values_list("method", "amount")) == [
        ("cash", 110_000),
        ("points", 20_000),
    ]
    member.refresh_from_db()
    assert member.points_balance == 11  # 200 - 200 + 11 earned on the Rp 110.000 paid in money
    code.refresh_from_db()
    assert code.uses == 1
    with pytest.raises(ApplicationError, match="already been used"):
        checkout(
            actor=business.cashier_a,
            branch=business.branch_a,
            customer=shop["customer"],
            lines=[LineIn(product_id=shop["creambath"].pk)],
            payments=[PaymentIn("cash", 150_000)],
            voucher_code="HEMAT20",
        )
    assert Order.objects.count() == 1


@pytest.mark.parametrize(
    ("lines", "payments", "field"),
    [
        ([], [PaymentIn("cash", 1)], "lines"),
        ([LineIn(description="x", quantity=0, unit_price=100)], [PaymentIn("cash", 100)], "lines[1].quantity"),
        ([LineIn(description="x", quantity=-2, unit_price=100)], [PaymentIn("cash", 100)], "lines[1].quantity"),
        ([LineIn(description="x", quantity=1, unit_price=-5)], [PaymentIn("cash", 100)], "lines[1].unit_price"),
        ([LineIn(description="x", quantity=1, unit_price=0)], [PaymentIn("cash", 100)], "lines[1].unit_price"),
        ([LineIn(description="x", unit_price=100)], [PaymentIn("cash", 0)], "payments[1].amount"),
        ([LineIn(description="x", unit_price=100)], [PaymentIn("bitcoin", 100)], "payments[1].method"),
        ([LineIn(description="x", unit_price=10_000)], [PaymentIn("cash", 5_000)], "payments"),
        (
            [LineIn(description="x", unit_price=10_000)],
            [PaymentIn("qris", 20_000)],
            "payments[1].amount",
        ),  # only cash can be more than what is due
        ([LineIn(product_id=999_999)], [PaymentIn("cash", 100)], "lines[1].product"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(
    business: Business, shop: dict, lines: list, payments: list, field: str
) -> None:
    with pytest.raises(ApplicationError) as error:
        checkout(actor=business.cashier_a, branch=business.branch_a, customer=None, lines=lines, payments=payments)
    assert field in error.value.extra
    assert Order.objects.count() == 0 and Payment.objects.count() == 0


def test_redeeming_more_points_than_the_balance_changes_nothing(business: Business, shop: dict) -> None:
    member = membership.membership_join(actor=business.cashier_a, customer=shop["customer"])
    ledger.points_post(membership=member, kind="bonus", points=10)
    with pytest.raises(ApplicationError) as error:
        checkout(
            actor=business.cashier_a,
            branch=business.branch_a,
            customer=shop["customer"],
            lines=[LineIn(product_id=shop["creambath"].pk)],
            payments=[PaymentIn("cash", 150_000)],
            points=11,
        )
    assert "points" in error.value.extra
    member.refresh_from_db()
    assert member.points_balance == 10 and Order.objects.count() == 0


def test_idempotency_key_replays_and_refuses_a_different_body(business: Business, shop: dict) -> None:
    arguments = {
        "actor": business.cashier_a,
        "branch": business.branch_a,
        "customer": None,
        "lines": [LineIn(product_id=shop["shampoo"].pk)],
        "payments": [PaymentIn("qris", 45_500)],
        "idempotency_key": "pos-1-2026-11-29-0001",
    }
    first, created = checkout(**arguments)  # type: ignore[arg-type]
    again, created_again = checkout(**arguments)  # type: ignore[arg-type]
    assert created and not created_again and again.pk == first.pk
    with pytest.raises(ApplicationError, match="different order"):
        checkout(**{**arguments, "lines": [LineIn(product_id=shop["shampoo"].pk, quantity=2)]})  # type: ignore[arg-type]
    with pytest.raises(ApplicationError) as error:
        checkout(**{**arguments, "idempotency_key": "bad key!"})  # type: ignore[arg-type]
    assert "idempotency_key" in error.value.extra
    assert Order.objects.count() == 1


def test_other_branch_cashier_cannot_sell_to_a_customer_she_cannot_see(business: Business, shop: dict) -> None:
    with pytest.raises(ApplicationError):
        checkout(
            actor=business.cashier_b,
            branch=business.branch_b,
            customer=shop["customer"],
            lines=[LineIn(product_id=shop["shampoo"].pk)],
            payments=[PaymentIn("cash", 45_500)],
        )
    with pytest.raises(ApplicationError) as error:
        checkout(
            actor=business.cashier_b,
            branch=business.branch_a,
            customer=None,
            lines=[LineIn(product_id=shop["shampoo"].pk)],
            payments=[PaymentIn("cash", 45_500)],
        )
    assert "branch" in error.value.extra
    assert Order.objects.count() == 0


def test_analyst_cannot_record_sales(business: Business, shop: dict) -> None:
    with pytest.raises(ApplicationError):
        checkout(
            actor=business.analyst,
            branch=business.branch_a,
            customer=None,
            lines=[LineIn(product_id=shop["shampoo"].pk)],
            payments=[PaymentIn("cash", 45_500)],
        )


def test_a_failure_between_steps_leaves_no_half_order(
    business: Business, shop: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Points paid, the voucher used, then the rewards step fails: everything is rolled back."""
    member = membership.membership_join(actor=business.cashier_a, customer=shop["customer"])
    ledger.points_post(membership=member, kind="bonus", points=100)
    voucher = vouchers.voucher_create(actor=business.owner, name="Diskon", kind=Voucher.Kind.AMOUNT, value=10_000)
    code = vouchers.codes_issue(actor=business.owner, voucher=voucher, code="GAGAL10")[0]

    def crash(**kwargs: object) -> None:
        raise RuntimeError("the server went away")

    monkeypatch.setattr("setia.loyalty.services.purchases.purchase_recorded", crash)
    with pytest.raises(RuntimeError):
        checkout(
            actor=business.cashier_a,
            branch=business.branch_a,
            customer=shop["customer"],
            lines=[LineIn(product_id=shop["creambath"].pk)],
            payments=[PaymentIn("cash", 130_000)],
            voucher_code="GAGAL10",
            points=100,
        )
    member.refresh_from_db()
    code.refresh_from_db()
    voucher.refresh_from_db()
    assert Order.objects.count() == 0 and OrderLine.objects.count() == 0 and Payment.objects.count() == 0
    assert member.points_balance == 100 and PointsEntry.objects.filter(membership=member).count() == 1
    assert code.uses == 0 and voucher.times_used == 0


def test_programme_revenue_counts_participants_orders(business: Business, shop: dict) -> None:
    import datetime as dt

    from django.utils import timezone

    from setia.loyalty.models import Programme
    from setia.loyalty.services import programmes

    membership.membership_join(actor=business.cashier_a, customer=shop["customer"])
    programme = Programme.objects.create(
        name="Member setia",
        kind=Programme.Kind.RETENTION,
        goal="Kembali tiap bulan",
        starts_on=timezone.localdate() - dt.timedelta(days=1),
    )
    checkout(
        actor=business.cashier_a,
        branch=business.branch_a,
        customer=shop["customer"],
        lines=[LineIn(product_id=shop["creambath"].pk)],
        payments=[PaymentIn("qris", 150_000)],
    )
    checkout(  # a walk-in sale is not the programme's revenue
        actor=business.cashier_a,
        branch=business.branch_a,
        customer=None,
        lines=[LineIn(product_id=shop["shampoo"].pk)],
        payments=[PaymentIn("qris", 45_500)],
    )
    assert programmes.programme_results(programme).revenue == 150_000


def test_a_retry_after_the_voucher_was_used_answers_with_the_recorded_order(business: Business, shop: dict) -> None:
    """The sale reads first and writes at the end: a retry of a sale that used a single-use code
    is refused by the code, and its key turns the refusal into the recorded order."""
    membership.membership_join(actor=business.cashier_a, customer=shop["customer"])
    voucher = vouchers.voucher_create(actor=business.owner, name="Sekali", kind=Voucher.Kind.AMOUNT, value=10_000)
    vouchers.codes_issue(actor=business.owner, voucher=voucher, code="SEKALI10")
    arguments = {
        "actor": business.cashier_a,
        "branch": business.branch_a,
        "customer": shop["customer"],
        "lines": [LineIn(product_id=shop["creambath"].pk)],
        "payments": [PaymentIn("qris", 140_000)],
        "voucher_code": "SEKALI10",
        "idempotency_key": "pos-1-2026-11-30-0001",
    }
    first, created = checkout(**arguments)
    again, created_again = checkout(**arguments)
    assert created and not created_again and again.pk == first.pk
    with pytest.raises(ApplicationError, match="different order"):
        checkout(**{**arguments, "payments": [PaymentIn("cash", 140_000)]})
    with pytest.raises(ApplicationError, match="already been used"):
        checkout(**{**arguments, "idempotency_key": "pos-1-2026-11-30-0002"})
    assert Order.objects.count() == 1 and PointsEntry.objects.count() == 1


def test_the_sale_is_audited_as_audit_log_writes_it(business: Business, shop: dict) -> None:
    from setia.core.audit import audit_log
    from setia.core.models import AuditEvent

    order, _ = _sale(business, shop, LineIn(product_id=shop["shampoo"].pk, quantity=2), PaymentIn("qris", 91_000))
    event = AuditEvent.objects.get(object_type="sales.order")
    reference = audit_log(
        actor=business.cashier_a,
        action="create",
        instance=order,
        subject=shop["customer"],
        branch_id=order.branch_id,
        changes={"total": [None, 91_000], "lines": [None, 1]},
        message=Message(gettext_noop("Sale %(number)s"), {"number": order.number}),
    )
    fields = [f.attname for f in AuditEvent._meta.concrete_fields if f.attname not in ("id", "created_at")]
    assert {name: getattr(event, name) for name in fields} == {name: getattr(reference, name) for name in fields}


def test_a_sale_s_lines_are_named_in_the_reader_s_language_on_her_timeline_and_the_trail(
    business: Business, shop: dict
) -> None:
    from django.urls import reverse
    from django.utils import translation

    from setia.conftest import client_for
    from setia.customers.timeline import timeline_for

    order, _ = _sale(business, shop, LineIn(product_id=shop["shampoo"].pk, quantity=2), PaymentIn("qris", 91_000))
    with translation.override("id"):
        entries = timeline_for(shop["customer"])
        # The sale is her purchase entry; its "created" audit event stays on the order's trail only.
        assert [entry.kind for entry in entries if order.number in entry.title] == ["order"]
        assert entries[0].title == f"Pembelian {order.number}"
    client = client_for(business.owner)
    client.cookies["django_language"] = "id"
    trail = client.get(reverse("core:audit_record", args=["sales.order", order.pk])).content.decode()
    assert 'title="lines">baris pesanan</span>' in trail and "order lines" not in trail


def test_the_sale_writes_in_one_statement_on_postgresql(business: Business, shop: dict) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    membership.membership_join(actor=business.cashier_a, customer=shop["customer"])
    voucher = vouchers.voucher_create(actor=business.owner, name="Diskon", kind=Voucher.Kind.AMOUNT, value=10_000)
    vouchers.codes_issue(actor=business.owner, voucher=voucher, code="SATU10")
    with CaptureQueriesContext(connection) as queries:
        order, _ = checkout(
            actor=business.cashier_a,
            branch=business.branch_a,
            customer=shop["customer"],
            lines=[LineIn(product_id=shop["creambath"].pk), LineIn(product_id=shop["shampoo"].pk)],
            payments=[PaymentIn("qris", 185_500)],
            voucher_code="SATU10",
        )
    logged = [q["sql"].removeprefix("QUERY = '").lstrip() for q in queries.captured_queries]
    writes = [sql for sql in logged if sql.startswith(("INSERT", "UPDATE", "WITH"))]
    # The order, its lines, a payment, qualifying spend, the balance, a points entry, the code's
    # and the voucher's counters, the voucher's use and the audit row.
    if connection.vendor == "postgresql":
        assert len(writes) == 1 and writes[0].count(" AS (") == 10, writes
    else:
        assert len(writes) == 10, writes
    assert (order.total, order.discount_total, order.points_earned) == (185_500, 10_000, 18)
    assert OrderLine.objects.filter(order=order).count() == 2 and Payment.objects.filter(order=order).count() == 1


def test_the_cashier_sees_the_cashback_a_returning_member_will_earn(business: Business, shop: dict) -> None:
    from decimal import Decimal

    from setia.conftest import client_for
    from setia.loyalty.models import CashbackRule

    CashbackRule.objects.create(name="10% kembali", percent=Decimal(10), min_spend=100_000, returning_only=True)
    member = membership.membership_join(actor=business.cashier_a, customer=shop["customer"])
    lines = [LineIn(product_id=shop["creambath"].pk)]
    first = quote(branch=business.branch_a, customer=shop["customer"], lines=lines)
    assert first.cashback_to_earn == 0  # her first purchase: not returning yet
    order, _ = _sale(business, shop, *lines, PaymentIn("cash", 150_000))
    again = quote(branch=business.branch_a, customer=shop["customer"], lines=lines)
    assert again.cashback_to_earn == 15_000
    second, _ = _sale(business, shop, *lines, PaymentIn("cash", 150_000))
    member.refresh_from_db()
    assert member.wallet_balance == 15_000  # the preview said what the sale gave
    web = client_for(business.cashier_a)
    web.cookies["django_language"] = "en"
    page = web.post(
        "/cashier/",
        {
            "branch": business.branch_a.pk,
            "customer": shop["customer"].pk,
            "line_product": [shop["creambath"].pk],
            "line_quantity": ["1"],
            "line_price": [""],
            "line_description": [""],
            "line_staff": [""],
            "pay_method": ["cash"],
            "pay_amount": [""],
        },
    ).content.decode()
    assert order.pk and second.pk
    assert "Earns Rp 15,000 cashback" in page.split('data-testid="cashback-to-earn"')[1][:200]


def _sale(business: Business, shop: dict, *items: LineIn | PaymentIn) -> tuple[Order, object]:
    """The cashier of branch A sells to the shop's customer: these lines, paid with these payments."""
    return checkout(
        actor=business.cashier_a,
        branch=business.branch_a,
        customer=shop["customer"],
        lines=[item for item in items if isinstance(item, LineIn)],
        payments=[item for item in items if isinstance(item, PaymentIn)],
    )
