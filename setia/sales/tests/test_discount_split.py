"""An order keeps its discounts by kind — the member's tier discount, promotions, the voucher — as
the sale priced them: the order page, the receipts and the API show each on its own line, the
sales figures add them up per kind, and an order recorded without the split still reads as one
"Discounts" line."""

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from setia.accounts.models import User
from setia.accounts.services import api_key_create
from setia.conftest import PERSONAS, Business, client_for, persona_user
from setia.customers.models import Customer, CustomerEmail
from setia.loyalty.models import Membership, Promotion, Voucher
from setia.loyalty.services import membership, vouchers
from setia.sales.models import Order
from setia.sales.services import bookings, figures, receipts, refunds
from setia.sales.services.checkout import LineIn, PaymentIn, checkout, quote

# A Gold member (10%) buys a creambath (Rp 150.000) and a shampoo (Rp 45.500) with the promotion
# "Creambath + Sampo" (the shampoo free) and the voucher HEMAT20 (Rp 20.000 off):
MEMBER = 15_000 + 4_550  # 10% of each line
PROMOTION = 45_500 - 4_550  # what the shampoo still cost after her discount
VOUCHER = 20_000
TOTAL = 150_000 + 45_500 - MEMBER - PROMOTION - VOUCHER  # 115.000
MINUS = "\u2212"  # as the pages print a discount


@pytest.fixture
def offers(business: Business, shop: dict) -> dict:
    member = membership.membership_join(actor=business.cashier_a, customer=shop["customer"])
    Membership.objects.filter(pk=member.pk).update(tier=shop["gold"])
    Promotion.objects.create(
        name="Creambath + Sampo",
        kind=Promotion.Kind.BUY_X_GET_Y,
        product=shop["creambath"],
        reward_product=shop["shampoo"],
    )
    voucher = vouchers.voucher_create(
        actor=business.owner, name="Hemat 20rb", kind=Voucher.Kind.AMOUNT, value=VOUCHER, per_customer_limit=None
    )
    vouchers.codes_issue(actor=business.owner, voucher=voucher, code="HEMAT20")
    vouchers.codes_issue(actor=business.owner, voucher=voucher, code="HEMAT20B")
    User.objects.update(language="en")  # pages in English, for exact assertions
    return {"member": member, "voucher": voucher}


def _gold_sale(business: Business, shop: dict, code: str = "HEMAT20") -> Order:
    """The sale above (without the voucher when `code` is empty)."""
    order, _created = checkout(
        actor=business.cashier_a,
        branch=business.branch_a,
        customer=shop["customer"],
        lines=[LineIn(product_id=shop["creambath"].pk), LineIn(product_id=shop["shampoo"].pk)],
        payments=[PaymentIn("qris", TOTAL if code else TOTAL + VOUCHER)],
        voucher_code=code,
    )
    return order


def _labels(html: str) -> list[str]:
    return re.findall(r'data-testid="discount-label">([^<]*)<', html)


def test_a_sale_keeps_each_kind_of_discount(business: Business, shop: dict, offers: dict) -> None:
    order = _gold_sale(business, shop)
    order.refresh_from_db()
    assert (order.member_discount, order.promotion_discount, order.voucher_discount) == (MEMBER, PROMOTION, VOUCHER)
    assert order.discount_total == MEMBER + PROMOTION + VOUCHER and order.total == TOTAL
    assert (order.member_tier, order.member_discount_percent) == ("Gold", Decimal("10.00"))


def test_a_walk_in_sale_without_discounts_keeps_zeros(business: Business, shop: dict) -> None:
    order, _created = checkout(
        actor=business.cashier_a,
        branch=business.branch_a,
        customer=None,
        lines=[LineIn(product_id=shop["shampoo"].pk)],
        payments=[PaymentIn("cash", 45_500)],
    )
    order.refresh_from_db()
    assert (order.discount_total, order.member_discount, order.promotion_discount, order.voucher_discount) == (
        0,
        0,
        0,
        0,
    )
    assert (order.member_tier, order.member_discount_percent) == ("", Decimal(0))
    assert receipts.order_discounts(order) == []


def test_the_order_page_shows_each_kind_with_the_tier_of_the_sale(business: Business, shop: dict, offers: dict) -> None:
    order = _gold_sale(business, shop)
    # She is Silver by now: the order still says what she had when she bought.
    Membership.objects.filter(pk=offers["member"].pk).update(tier=shop["silver"])
    html = client_for(business.cashier_a).get(reverse("sales:order_detail", args=[order.pk])).content.decode()
    assert _labels(html) == ["Member discount (Gold 10%)", "Promotions: Creambath + Sampo", "Voucher HEMAT20"]
    amounts = re.findall(r'data-testid="discount-amount">([^<]*)<', html)
    assert amounts == [f"{MINUS}Rp 19,550", f"{MINUS}Rp 40,950", f"{MINUS}Rp 20,000"]


@pytest.mark.parametrize("size", ["58", "80", "a4"])
def test_every_receipt_shows_each_kind(business: Business, shop: dict, offers: dict, size: str) -> None:
    order = _gold_sale(business, shop)
    url = reverse("sales:order_receipt", args=[order.pk]) + f"?size={size}"
    html = client_for(business.cashier_a).get(url).content.decode()
    for label, amount in (
        ("Member discount (Gold 10%)", "19,550"),
        ("Promotions: Creambath + Sampo", "40,950"),
        ("Voucher HEMAT20", "20,000"),
    ):
        # On 58 mm paper a long label has its own row, the amount right under it.
        beside = rf"<td>{re.escape(label)}</td><td class=\"(num|r)\">{MINUS}Rp {amount}</td>"
        under = rf"<td colspan=\"2\">{re.escape(label)}</td></tr><tr><td></td><td class=\"r\">{MINUS}Rp {amount}</td>"
        assert re.search(under if size == "58" and len(label) > 14 else beside, html), (size, label)


def test_the_whatsapp_receipt_text_shows_each_kind(business: Business, shop: dict, offers: dict) -> None:
    from setia.core.money import format_rupiah

    order = _gold_sale(business, shop)
    text = receipts.receipt_text(order).splitlines()
    for label, amount in ((d.label, d.amount) for d in receipts.order_discounts(order)):
        assert f"{label}: -{format_rupiah(amount)}" in text
    assert [line.split(":")[0] for line in text if ": -" in line] == [
        "Member discount (Gold 10%)",
        "Promotions",
        "Voucher HEMAT20",
    ]
    assert text.index("Voucher HEMAT20: -" + format_rupiah(20_000)) < text.index("Total: " + format_rupiah(order.total))
    # As the printed receipt reads: the business, the time in the reader's format, the subtotal
    # before the discounts, the payments.
    from django.utils.formats import date_format

    from setia.accounts.selectors import business_settings

    assert text[0] == business_settings().name
    assert text[1] == f"{order.number} · {date_format(timezone.localtime(order.placed_at), 'SHORT_DATETIME_FORMAT')}"
    subtotal = text.index("Subtotal: " + format_rupiah(order.subtotal))
    # The lines before their discounts add up to the subtotal.
    gross = {
        f"{line.quantity} x {line.description}: {format_rupiah(line.quantity * line.unit_price)}": line
        for line in order.lines.all()
    }
    assert sorted(text[2:subtotal]) == sorted(gross)
    assert sum(line.quantity * line.unit_price for line in gross.values()) == order.subtotal
    assert subtotal < text.index("Member discount (Gold 10%): -" + format_rupiah(order.member_discount))
    paid = [f"{p.label}: {format_rupiah(p.amount)}" for p in order.payments.all()]
    assert f"QRIS: {format_rupiah(order.total)}" in text  # the method as written (not "Qris")
    assert paid and all(line in text for line in paid)


def test_the_emailed_receipt_shows_each_kind(
    business: Business, shop: dict, offers: dict, django_capture_on_commit_callbacks: object
) -> None:
    order = _gold_sale(business, shop)
    CustomerEmail.objects.create(customer=shop["customer"], email="siti@example.com")
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        receipts.receipt_email(actor=business.cashier_a, order=order)
    sent = mail.outbox[-1]
    assert isinstance(sent, EmailMultiAlternatives)
    html, kind = sent.alternatives[0]
    assert isinstance(html, str) and kind == "text/html"
    assert "min-height:297mm" not in html.split(".doc{")[-1].split("}")[0]  # no A4 sheet on a phone
    for body in (sent.body, html):  # the plain text and the A4 receipt beside it
        assert "Member discount (Gold 10%)" in body and "Promotions: Creambath + Sampo" in body
        assert "Voucher HEMAT20" in body
    assert "<html" not in sent.body and sent.body == receipts.receipt_text(order)


def test_an_order_without_the_split_shows_discounts_as_one_line(business: Business, shop: dict, offers: dict) -> None:
    order = _gold_sale(business, shop)
    # As an order recorded before the kinds were kept: the total only.
    Order.objects.filter(pk=order.pk).update(
        member_discount=0, promotion_discount=0, voucher_discount=0, member_tier="", member_discount_percent=0
    )
    order.refresh_from_db()
    assert [(d.label, d.amount) for d in receipts.order_discounts(order)] == [
        ("Discounts", MEMBER + PROMOTION),
        ("Voucher HEMAT20", VOUCHER),  # known exactly from the voucher's use
    ]
    imported = Order.objects.create(
        number="IMP-1", branch=business.branch_a, business_date=dt.date(2026, 3, 2), subtotal=100_000,
        discount_total=5_000, total=95_000, imported=True,
    )  # fmt: skip
    assert [(d.label, d.amount) for d in receipts.order_discounts(imported)] == [("Discounts", 5_000)]
    html = client_for(business.owner).get(reverse("sales:order_detail", args=[imported.pk])).content.decode()
    assert _labels(html) == ["Discounts"]


def test_the_api_returns_each_kind(business: Business, shop: dict, offers: dict) -> None:
    _record, key = api_key_create(actor=business.cashier_a, name="pos")
    headers = {"Authorization": f"Bearer {key}"}
    body = {
        "branch_id": business.branch_a.pk,
        "customer_id": shop["customer"].pk,
        "lines": [{"product_id": shop["creambath"].pk}, {"product_id": shop["shampoo"].pk}],
        "payments": [{"method": "qris", "amount": TOTAL}],
        "voucher_code": "HEMAT20",
    }
    web = client_for(None)
    created = web.post("/api/v1/orders", body, content_type="application/json", headers=headers)
    assert created.status_code == 201, created.content
    answer = created.json()
    assert (answer["member_discount"], answer["promotion_discount"], answer["voucher_discount"]) == (
        MEMBER,
        PROMOTION,
        VOUCHER,
    )
    assert (answer["member_tier"], answer["member_discount_percent"], answer["discount_total"]) == (
        "Gold",
        10.0,
        MEMBER + PROMOTION + VOUCHER,
    )
    read = web.get(f"/api/v1/orders/{answer['id']}", headers=headers)
    assert read.content == created.content  # the answer from the rows written is the order read back
    listed = web.get("/api/v1/orders", headers=headers).json()["items"]
    assert [(o["member_discount"], o["promotion_discount"], o["voucher_discount"]) for o in listed] == [
        (MEMBER, PROMOTION, VOUCHER)
    ]


def test_an_appointment_check_out_keeps_each_kind(business: Business, shop: dict, offers: dict) -> None:
    appointment = bookings.appointment_book(
        actor=business.cashier_a,
        customer=shop["customer"],
        branch=business.branch_a,
        service=shop["creambath"],
        starts_at=timezone.localtime().replace(hour=11, minute=0, second=0, microsecond=0) + dt.timedelta(days=1),
        staff=business.cashier_a,
    )
    order = bookings.appointment_checkout(
        actor=business.cashier_a,
        appointment=appointment,
        payments=[PaymentIn("cash", TOTAL)],
        extra_lines=[LineIn(product_id=shop["shampoo"].pk)],
        voucher_code="HEMAT20",
    )
    order.refresh_from_db()
    assert (order.member_discount, order.promotion_discount, order.voucher_discount) == (MEMBER, PROMOTION, VOUCHER)
    assert (order.member_tier, order.total, order.discount_total) == ("Gold", TOTAL, MEMBER + PROMOTION + VOUCHER)


def test_the_quote_the_cashier_sees_names_the_tier(business: Business, shop: dict, offers: dict) -> None:
    priced = quote(
        branch=business.branch_a,
        customer=shop["customer"],
        lines=[LineIn(product_id=shop["creambath"].pk)],
    )
    assert (priced.member_tier, priced.member_discount_percent, priced.member_discount) == (
        "Gold",
        Decimal(10),
        15_000,
    )


def test_a_partial_refund_keeps_the_discounts(business: Business, shop: dict, offers: dict) -> None:
    order = _gold_sale(business, shop)
    refunds.order_refund(actor=business.owner, order=order, reason="Sampo rusak", amount=10_000)
    order.refresh_from_db()
    assert order.status == Order.Status.PARTLY_REFUNDED and order.refunded_total == 10_000
    assert (order.member_discount, order.promotion_discount, order.voucher_discount) == (MEMBER, PROMOTION, VOUCHER)
    assert order.discount_total == MEMBER + PROMOTION + VOUCHER


@pytest.mark.parametrize(
    "split",
    [
        {"member_discount": MEMBER + 1},  # more than the total with the others
        {"voucher_discount": -1},
    ],
)
def test_the_database_refuses_a_split_above_the_total(
    business: Business, shop: dict, offers: dict, split: dict
) -> None:
    order = _gold_sale(business, shop)
    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.filter(pk=order.pk).update(**split)
    order.refresh_from_db()
    assert (order.member_discount, order.promotion_discount, order.voucher_discount) == (MEMBER, PROMOTION, VOUCHER)


def test_an_order_written_naming_only_the_older_columns_gets_zeros(business: Business) -> None:
    """The history import and the demo insert orders naming their columns (imports.ORDER_COLUMNS):
    the new ones come from the database's defaults."""
    from django.db import connection

    from setia.sales.services.imports import ORDER_COLUMNS

    assert not {"member_discount", "promotion_discount", "voucher_discount", "member_tier"} & set(ORDER_COLUMNS)
    now = timezone.now()
    values: dict[str, Any] = {
        "created_at": now, "updated_at": now, "number": "HIST-1", "kind": "sale", "branch_id": business.branch_a.pk,
        "channel": "outlet", "status": "fulfilled", "placed_at": now, "business_date": dt.date(2026, 3, 2),
        "subtotal": 100_000, "discount_total": 10_000, "tax_total": 0, "tax_rate": 0, "rounding": 0,
        "total": 90_000, "refunded_total": 0, "points_earned": 0, "points_redeemed": 0, "cashback_earned": 0,
        "voucher_code": "", "note": "", "imported": True, "request_digest": "",
    }  # fmt: skip
    names = [name for name in ORDER_COLUMNS if name in values]
    quote_name = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote_name(Order._meta.db_table)} ({', '.join(quote_name(n) for n in names)}) "
            f"VALUES ({', '.join(['%s'] * len(names))})",
            [values[name] for name in names],
        )
    order = Order.objects.get(number="HIST-1")
    assert (order.member_discount, order.promotion_discount, order.voucher_discount, order.discount_total) == (
        0,
        0,
        0,
        10_000,
    )
    assert (order.member_tier, order.member_discount_percent) == ("", Decimal(0))


# --- Sales figures ------------------------------------------------------------------------------


@pytest.fixture
def period_sales(business: Business, shop: dict, offers: dict) -> dict:
    """Two Gold sales in Kemang, one with the voucher; a Dago sale with the member discount only;
    an imported order (no split); a refunded sale and a sale of another month, which do not count."""
    first = _gold_sale(business, shop)
    second = _gold_sale(business, shop, code="")  # no voucher: Rp 20.000 more paid
    assert (second.voucher_discount, second.total) == (0, TOTAL + VOUCHER)
    # A Gold member of Dago (a Kemang member buys there as a guest: branches do not share customers).
    dewi = Customer.objects.create(name="Dewi", search_name="dewi", home_branch=business.branch_b)
    joined = membership.membership_join(actor=business.owner, customer=dewi)
    Membership.objects.filter(pk=joined.pk).update(tier=shop["gold"])
    dago, _created = checkout(
        actor=business.owner,
        branch=business.branch_b,
        customer=dewi,
        lines=[LineIn(product_id=shop["shampoo"].pk)],
        payments=[PaymentIn("qris", 45_500 - 4_550)],
    )
    Order.objects.create(
        number="IMP-1", branch=business.branch_a, business_date=dt.date(2026, 3, 2), subtotal=100_000,
        discount_total=5_000, total=95_000, imported=True,
    )  # fmt: skip
    refunded = _gold_sale(business, shop, code="HEMAT20B")
    Order.objects.filter(pk=refunded.pk).update(status=Order.Status.REFUNDED, refunded_total=refunded.total)
    Order.objects.create(
        number="IMP-2", branch=business.branch_a, business_date=dt.date(2026, 2, 28), subtotal=100_000,
        discount_total=7_000, total=93_000, imported=True,
    )  # fmt: skip
    march = dt.date(2026, 3, 2)
    Order.objects.filter(pk__in=[first.pk, second.pk, dago.pk]).update(business_date=march)
    Order.objects.filter(pk=refunded.pk).update(business_date=march)
    return {"first": first, "second": second, "dago": dago}


MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def _rows(result: dict) -> dict[str, tuple[int, int]]:
    return {row["kind"]: (row["amount"], row["sales"]) for row in result["rows"]}


def test_figures_sum_the_discounts_by_kind(
    business: Business, period_sales: dict, django_assert_num_queries: object
) -> None:
    with django_assert_num_queries(1):  # type: ignore[operator]
        everything = figures.discounts_by_kind(*MARCH)
    assert _rows(everything) == {
        "member": (2 * MEMBER + 4_550, 3),
        "promotions": (2 * PROMOTION, 2),
        "vouchers": (VOUCHER, 1),
        "unsplit": (5_000, 1),
    }
    gross = 2 * (150_000 + 45_500) + 45_500 + 100_000  # two Kemang sales, the Dago shampoo, the import
    total = 2 * MEMBER + 4_550 + 2 * PROMOTION + VOUCHER + 5_000
    assert (everything["total"], everything["gross"], everything["sales"]) == (total, gross, 4)
    member = next(row for row in everything["rows"] if row["kind"] == "member")
    assert member["share"] == figures.percent(2 * MEMBER + 4_550, gross)
    kemang = figures.discounts_by_kind(*MARCH, branch_id=business.branch_a.pk)
    assert _rows(kemang)["member"] == (2 * MEMBER, 2) and kemang["sales"] == 3
    scoped = figures.discounts_by_kind(*MARCH, branch_ids={business.branch_b.pk})
    assert _rows(scoped) == {"member": (4_550, 1), "promotions": (0, 0), "vouchers": (0, 0), "unsplit": (0, 0)}
    empty = figures.discounts_by_kind(dt.date(2026, 5, 1), dt.date(2026, 5, 31))
    assert (empty["total"], empty["share"], empty["rows"][0]["share"]) == (0, None, None)


def test_the_figures_page_shows_the_discounts_by_kind(business: Business, period_sales: dict) -> None:
    html = (
        client_for(business.owner)
        .get(reverse("sales:figures") + "?period=custom&start=2026-03-01&end=2026-03-31")
        .content.decode()
    )
    assert 'data-testid="discounts-by-kind"' in html
    assert f'data-testid="discount-member">Rp {2 * MEMBER + 4_550:,}<' in html
    assert f'data-testid="discount-promotions">Rp {2 * PROMOTION:,}<' in html
    assert f'data-testid="discount-vouchers">Rp {VOUCHER:,}<' in html
    assert 'data-testid="discount-unsplit">Rp 5,000<' in html
    assert "4 sales in the period" in html


@pytest.mark.parametrize("persona", [*PERSONAS, "analyst"])
def test_the_discounts_on_the_figures_page_by_persona(business: Business, period_sales: dict, persona: str) -> None:
    user = business.analyst if persona == "analyst" else persona_user(business, persona)
    response = client_for(user).get(reverse("sales:figures") + "?period=custom&start=2026-03-01&end=2026-03-31")
    if user is None:
        assert response.status_code == 302 and "/accounts/login" in response["Location"]
        return
    if persona in ("other_branch_front_office", "same_branch_front_office"):
        assert response.status_code == 403  # cashiers have no sales figures
        return
    assert response.status_code == 200
    expected = 2 * MEMBER if persona == "manager" else 2 * MEMBER + 4_550  # the manager sees Kemang only
    assert f'data-testid="discount-member">Rp {expected:,}<' in response.content.decode(), persona
