"""Quotes: totals worked out by hand, numbering (also under concurrency on PostgreSQL), the PDF,
sending through a real SMTP server, the status rules, expiry and accepting into an order."""

import datetime as dt
import email
import email.policy
import threading
import time
from decimal import Decimal
from typing import Any

import pytest
from django.db import close_old_connections, connection
from django.test import override_settings
from django.utils import timezone

from setia.accounts.models import BusinessSettings, User
from setia.conftest import Business, SmtpServer, make_user
from setia.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from setia.core.models import AuditEvent
from setia.customers.models import Address, Customer, CustomerEmail
from setia.loyalty.models import PointsEntry
from setia.loyalty.services import membership
from setia.sales.models import Opportunity, Order, Payment, Quote, QuoteLine, SalesSettings
from setia.sales.services import quotes
from setia.sales.services.quotes import QuoteLineIn


@pytest.fixture
def sales(business: Business) -> dict[str, User]:
    return {
        "a": make_user("sales_a", "sales", business.branch_a, first_name="Dewi"),
        "b": make_user("sales_b", "sales", business.branch_b, first_name="Bayu"),
    }


@pytest.fixture
def buyer(shop: dict) -> Customer:
    customer = shop["customer"]
    CustomerEmail.objects.create(customer=customer, email="siti@example.co.id", is_primary=True)
    return customer


def mixed_lines(shop: dict) -> list[QuoteLineIn]:
    """Creambath 2 x 150.000 less 10%, shampoo 3 x 45.500, a typed line 99.999 less 12.5%."""
    return [
        QuoteLineIn(product_id=shop["creambath"].pk, quantity=2, discount_percent="10"),
        QuoteLineIn(product_id=shop["shampoo"].pk, quantity=3),
        QuoteLineIn(description="Konsultasi gaya rambut", unit_price=99_999, discount_percent="12.5"),
    ]


def make_quote(business: Business, sales: dict[str, User], shop: dict, **extra: Any) -> Quote:
    return quotes.quote_create(
        actor=sales["a"],
        customer=shop["customer"],
        branch=business.branch_a,
        lines=extra.pop("lines", None) or mixed_lines(shop),
        **extra,
    )


# --- Totals -------------------------------------------------------------------------------------


def test_totals_with_ppn_included(business: Business, sales: dict, shop: dict) -> None:
    quote = make_quote(business, sales, shop)
    # gross: 300.000 + 136.500 + 99.999 = 536.499; discounts 30.000 + 12.500 (12.499,875 rounded)
    # net 493.999; PPN inside it: 493.999 x 11 / 111 = 48.954,86 -> 48.955
    assert (quote.subtotal, quote.discount_total, quote.tax_amount, quote.total) == (536_499, 42_500, 48_955, 493_999)
    lines = list(quote.lines.values_list("description", "quantity", "unit_price", "discount_percent", "line_total"))
    assert lines == [
        ("Creambath", 2, 150_000, Decimal("10.00"), 270_000),
        ("Sampo", 3, 45_500, Decimal("0.00"), 136_500),
        ("Konsultasi gaya rambut", 1, 99_999, Decimal("12.50"), 87_499),
    ]
    assert (quote.tax_registered, quote.ppn_percent, quote.prices_include_tax) == (True, Decimal("11.00"), True)


def test_totals_with_ppn_added(business: Business, sales: dict, shop: dict) -> None:
    SalesSettings.objects.filter(pk=1).update(prices_include_tax=False)
    quote = make_quote(business, sales, shop)
    # PPN on top: 493.999 x 11% = 54.339,89 -> 54.340; total 548.339
    assert (quote.subtotal, quote.discount_total, quote.tax_amount, quote.total) == (536_499, 42_500, 54_340, 548_339)
    assert quote.prices_include_tax is False


def test_totals_for_a_business_that_is_not_a_pkp(business: Business, sales: dict, shop: dict) -> None:
    SalesSettings.objects.filter(pk=1).update(tax_registered=False, prices_include_tax=False)
    quote = make_quote(business, sales, shop)
    assert (quote.subtotal, quote.discount_total, quote.tax_amount, quote.total) == (536_499, 42_500, 0, 493_999)


def test_a_full_discount_and_a_12_percent_rate(business: Business, sales: dict, shop: dict) -> None:
    SalesSettings.objects.filter(pk=1).update(ppn_percent=Decimal("12"), prices_include_tax=False)
    quote = make_quote(
        business,
        sales,
        shop,
        lines=[
            QuoteLineIn(product_id=shop["shampoo"].pk, quantity=1, discount_percent=100),
            QuoteLineIn(description="Potong", unit_price=80_000, quantity=1, discount_percent="33,33"),
        ],
    )
    # 45.500 free; 80.000 less 33,33% = 80.000 - 26.664 = 53.336; PPN 12% = 6.400,32 -> 6.400
    assert (quote.subtotal, quote.discount_total, quote.tax_amount, quote.total) == (125_500, 72_164, 6_400, 59_736)


@pytest.mark.parametrize(
    ("line", "field", "message"),
    [
        (QuoteLineIn(product_id=None, unit_price=10_000), "lines[1].description", "Item 1: describe the item."),
        (QuoteLineIn(description="X", unit_price=None), "lines[1].unit_price", "Item 1: enter the price."),
        (QuoteLineIn(description="X", unit_price=1, quantity=0), "lines[1].quantity", "at least 1"),
        (
            QuoteLineIn(description="X", unit_price=1, discount_percent="101"),
            "lines[1].discount_percent",
            "from 0 to 100",
        ),
        (
            QuoteLineIn(description="X", unit_price=1, discount_percent="lima"),
            "lines[1].discount_percent",
            "from 0 to 100",
        ),
        (
            QuoteLineIn(description="X", unit_price=1, discount_percent="1.255"),
            "lines[1].discount_percent",
            "two decimals",
        ),
        (QuoteLineIn(product_id=999_999), "lines[1].product", "does not exist"),
    ],
)
def test_bad_lines_are_refused_naming_the_field(
    business: Business, sales: dict, shop: dict, line: QuoteLineIn, field: str, message: str
) -> None:
    with pytest.raises(ApplicationError) as refused:
        make_quote(business, sales, shop, lines=[QuoteLineIn(description="OK", unit_price=5_000), line][1:])
    assert field in refused.value.extra and message in refused.value.message
    assert Quote.objects.count() == 0 and QuoteLine.objects.count() == 0


def test_no_lines_and_a_past_validity_are_refused(business: Business, sales: dict, shop: dict) -> None:
    with pytest.raises(ApplicationError) as refused:
        quotes.quote_create(actor=sales["a"], customer=shop["customer"], branch=business.branch_a, lines=[])
    assert "lines" in refused.value.extra
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    with pytest.raises(ApplicationError) as refused:
        make_quote(business, sales, shop, valid_until=yesterday)
    assert list(refused.value.extra) == ["valid_until"]
    assert Quote.objects.count() == 0


def test_validity_terms_and_numbering_default_from_the_settings(business: Business, sales: dict, shop: dict) -> None:
    SalesSettings.objects.filter(pk=1).update(quote_validity_days=30, quote_terms="Pembayaran 50% di muka.")
    first = make_quote(business, sales, shop)
    second = make_quote(business, sales, shop, terms="", valid_until=timezone.localdate() + dt.timedelta(days=3))
    year = timezone.localdate().year
    assert (first.number, second.number) == (f"Q-{year}-00001", f"Q-{year}-00002")
    assert first.valid_until == timezone.localdate() + dt.timedelta(days=30)
    assert (first.terms, second.terms) == ("Pembayaran 50% di muka.", "")
    assert (first.status, first.owner, first.issue_date) == ("draft", sales["a"], timezone.localdate())
    assert AuditEvent.objects.filter(object_type="sales.quote", action="create").count() == 2


def test_a_rolled_back_quote_gives_its_number_back(business: Business, sales: dict, shop: dict) -> None:
    with pytest.raises(ApplicationError):
        make_quote(business, sales, shop, lines=[QuoteLineIn(description="", unit_price=1)])
    assert make_quote(business, sales, shop).number.endswith("-00001")


def test_from_an_opportunity_its_products_are_copied(business: Business, sales: dict, shop: dict) -> None:
    opportunity = _opportunity(business, shop)
    quote = quotes.quote_create(
        actor=sales["a"], customer=shop["customer"], branch=business.branch_a, opportunity=opportunity
    )
    assert quote.opportunity == opportunity and quote.title == "Paket pengantin"
    assert list(quote.lines.values_list("product_id", "description", "quantity", "unit_price", "line_total")) == [
        (shop["creambath"].pk, "Creambath", 4, 140_000, 560_000),
        (None, "Rias pengantin", 1, 2_500_000, 2_500_000),
    ]
    assert quote.total == 3_060_000


def test_an_opportunity_of_another_customer_is_refused(business: Business, sales: dict, shop: dict) -> None:
    opportunity = _opportunity(business, shop)
    other = Customer.objects.create(name="Budi", search_name="budi", home_branch=business.branch_a)
    with pytest.raises(ApplicationError) as refused:
        quotes.quote_create(actor=sales["a"], customer=other, branch=business.branch_a, opportunity=opportunity)
    assert list(refused.value.extra) == ["opportunity"] and Quote.objects.count() == 0


def test_visibility_and_capability_are_checked(business: Business, sales: dict, shop: dict) -> None:
    with pytest.raises(PermissionDeniedError):
        make_quote(business, {"a": business.cashier_a}, shop)
    with pytest.raises(ApplicationError) as refused:  # branch B's salesperson, branch A's customer
        quotes.quote_create(
            actor=sales["b"], customer=shop["customer"], branch=business.branch_b, lines=mixed_lines(shop)
        )
    assert list(refused.value.extra) == ["customer"]
    with pytest.raises(ApplicationError) as refused:
        quotes.quote_create(
            actor=sales["a"], customer=shop["customer"], branch=business.branch_b, lines=mixed_lines(shop)
        )
    assert list(refused.value.extra) == ["branch"]
    quote = make_quote(business, sales, shop)
    with pytest.raises(NotFoundError):
        quotes.quote_reject(actor=sales["b"], quote=quote)
    assert Quote.objects.get().status == "draft"


# --- Editing and the status rules -----------------------------------------------------------------


def test_a_draft_is_edited_and_repriced(business: Business, sales: dict, shop: dict) -> None:
    quote = make_quote(business, sales, shop)
    SalesSettings.objects.filter(pk=1).update(prices_include_tax=False)
    edited = quotes.quote_update(
        actor=sales["a"],
        quote=quote,
        lines=[QuoteLineIn(product_id=shop["shampoo"].pk, quantity=2, unit_price=40_000, discount_percent=5)],
        valid_until=quote.valid_until,
        title="Sampo untuk salon",
    )
    # 80.000 less 5% = 76.000; PPN 11% on top = 8.360
    assert (edited.subtotal, edited.discount_total, edited.tax_amount, edited.total) == (80_000, 4_000, 8_360, 84_360)
    assert list(edited.lines.values_list("description", "line_total")) == [("Sampo", 76_000)]
    event = AuditEvent.objects.filter(object_type="sales.quote", action="update").get()
    assert event.changes["lines"] == [3, 1] and event.changes["total"] == [493_999, 84_360]


def test_status_moves_that_are_not_allowed_name_the_status(
    business: Business, sales: dict, buyer: Customer, shop: dict, mailoutbox: list
) -> None:
    quote = make_quote(business, sales, shop)
    with pytest.raises(ApplicationError) as refused:
        quotes.quote_accept(actor=sales["a"], quote=quote)
    assert refused.value.message == f"Only a sent quote can be accepted; {quote.number} is draft."
    with pytest.raises(ApplicationError) as refused:
        quotes.quote_reject(actor=sales["a"], quote=quote)
    assert refused.value.message == f"Only a sent quote can be rejected; {quote.number} is draft."
    quotes.quote_send(actor=sales["a"], quote=quote, to="siti@example.co.id")
    with pytest.raises(ApplicationError) as refused:
        quotes.quote_update(actor=sales["a"], quote=quote, lines=mixed_lines(shop), valid_until=quote.valid_until)
    assert refused.value.message == f"Only a draft quote can be edited; {quote.number} is sent."
    assert list(refused.value.extra) == ["status"]
    quotes.quote_reject(actor=sales["a"], quote=quote, reason="Terlalu mahal")
    for attempt in (
        lambda: quotes.quote_accept(actor=sales["a"], quote=quote),
        lambda: quotes.quote_send(actor=sales["a"], quote=quote),
        lambda: quotes.quote_reject(actor=sales["a"], quote=quote),
    ):
        with pytest.raises(ApplicationError) as refused:
            attempt()
        assert refused.value.message.endswith(f"{quote.number} is rejected.")
    quote.refresh_from_db()
    assert quote.status == "rejected" and quote.order_id is None and Order.objects.count() == 0
    assert AuditEvent.objects.filter(object_type="sales.quote", message="Terlalu mahal").exists()


def test_reject_records_when_it_was_decided(
    business: Business, sales: dict, buyer: Customer, shop: dict, mailoutbox: list
) -> None:
    quote = make_quote(business, sales, shop)
    quotes.quote_send(actor=sales["a"], quote=quote)
    before = timezone.now()
    quotes.quote_reject(actor=sales["a"], quote=quote)
    quote.refresh_from_db()
    assert quote.status == "rejected" and quote.decided_at is not None and quote.decided_at >= before


# --- Expiry -------------------------------------------------------------------------------------


def test_the_nightly_job_expires_sent_quotes_past_their_date(
    business: Business, sales: dict, buyer: Customer, shop: dict, mailoutbox: list
) -> None:
    today = timezone.localdate()
    due = make_quote(business, sales, shop, valid_until=today)
    still_valid = make_quote(business, sales, shop, valid_until=today + dt.timedelta(days=1))
    draft = make_quote(business, sales, shop, valid_until=today)
    for quote in (due, still_valid):
        quotes.quote_send(actor=sales["a"], quote=quote)
    assert quotes.quotes_expire(today=today) == 0  # valid through its last day
    tomorrow = today + dt.timedelta(days=1)
    assert quotes.quotes_expire(today=tomorrow) == 1
    assert quotes.quotes_expire(today=tomorrow) == 0  # a second run changes nothing
    statuses = dict(Quote.objects.values_list("pk", "status"))
    assert statuses == {due.pk: "expired", still_valid.pk: "sent", draft.pk: "draft"}
    due.refresh_from_db()
    assert due.decided_at is None
    event = AuditEvent.objects.get(object_type="sales.quote", object_id=str(due.pk), changes__status__1="expired")
    assert event.actor is None and event.actor_label == "system"
    with pytest.raises(ApplicationError) as refused:
        quotes.quote_accept(actor=sales["a"], quote=due)
    assert refused.value.message.endswith("is expired.")


def test_the_expiry_task_is_on_the_schedule() -> None:
    from config.schedule import SCHEDULE
    from setia.core.scheduler import Job

    job = next(job for job in SCHEDULE if job.key == "quotes_expire")
    assert isinstance(job, Job) and job.task_path == "setia.sales.tasks.quotes.quotes_expire"
    from setia.sales.tasks.quotes import quotes_expire

    assert quotes_expire.name == "quotes_expire"


def test_the_expiry_task_runs(business: Business, sales: dict, buyer: Customer, shop: dict, mailoutbox: list) -> None:
    from setia.sales.tasks.quotes import quotes_expire

    quote = make_quote(business, sales, shop, valid_until=timezone.localdate())
    quotes.quote_send(actor=sales["a"], quote=quote)
    Quote.objects.filter(pk=quote.pk).update(valid_until=timezone.localdate() - dt.timedelta(days=2))
    assert quotes_expire.call() == 1
    assert Quote.objects.get().status == "expired"


# --- Accepting ------------------------------------------------------------------------------------


def _opportunity(business: Business, shop: dict) -> Opportunity:
    from setia.sales.services import pipeline

    stage_pipeline = pipeline.default_pipeline()
    stage = stage_pipeline.stages.order_by("position")[0]
    opportunity = Opportunity.objects.create(
        title="Paket pengantin",
        customer=shop["customer"],
        pipeline=stage_pipeline,
        stage=stage,
        branch=business.branch_a,
        value=3_060_000,
    )
    opportunity.lines.create(product=shop["creambath"], description="Creambath", quantity=4, unit_price=140_000)
    opportunity.lines.create(description="Rias pengantin", quantity=1, unit_price=2_500_000)
    return opportunity


def test_accepting_places_an_unpaid_order_at_the_quoted_prices(
    business: Business, sales: dict, buyer: Customer, shop: dict, mailoutbox: list
) -> None:
    membership.membership_join(actor=business.cashier_a, customer=shop["customer"])
    quote = make_quote(business, sales, shop)
    quotes.quote_send(actor=sales["a"], quote=quote)
    accepted = quotes.quote_accept(actor=sales["a"], quote=quote)
    order = Order.objects.get()
    assert accepted.status == "accepted" and accepted.decided_at is not None and accepted.order == order
    assert (order.status, order.customer, order.branch, order.created_by) == (
        "placed",
        shop["customer"],
        business.branch_a,
        sales["a"],
    )
    assert (order.subtotal, order.discount_total, order.tax_total, order.tax_rate, order.total) == (
        536_499,
        42_500,
        48_955,
        Decimal("11.00"),
        493_999,
    )
    assert order.number == f"KMG-{order.pk:07d}" and quote.number in order.note
    assert list(order.lines.values_list("description", "quantity", "unit_price", "discount", "total")) == [
        ("Creambath", 2, 150_000, 30_000, 270_000),
        ("Sampo", 3, 45_500, 0, 136_500),
        ("Konsultasi gaya rambut", 1, 99_999, 12_500, 87_499),
    ]
    # Not paid yet: no payment is invented and no points are earned.
    assert Payment.objects.count() == 0 and order.points_earned == 0
    assert not PointsEntry.objects.filter(kind="earn").exists()


def test_accepting_without_an_order(
    business: Business, sales: dict, buyer: Customer, shop: dict, mailoutbox: list
) -> None:
    quote = make_quote(business, sales, shop)
    quotes.quote_send(actor=sales["a"], quote=quote)
    quotes.quote_accept(actor=sales["a"], quote=quote, create_order=False)
    quote.refresh_from_db()
    assert quote.status == "accepted" and quote.order is None and Order.objects.count() == 0


def test_accepting_a_quote_wins_its_open_opportunity_with_the_order(
    business: Business, sales: dict, buyer: Customer, shop: dict, mailoutbox: list
) -> None:
    opportunity = _opportunity(business, shop)
    quote = quotes.quote_create(
        actor=sales["a"], customer=shop["customer"], branch=business.branch_a, opportunity=opportunity
    )
    quotes.quote_send(actor=sales["a"], quote=quote)
    quotes.quote_accept(actor=sales["a"], quote=quote)
    opportunity.refresh_from_db()
    order = Order.objects.get()
    assert (opportunity.status, opportunity.order, opportunity.probability) == ("won", order, 100)
    assert order.total == 3_060_000


def test_an_order_that_cannot_be_placed_leaves_the_quote_sent(
    business: Business, sales: dict, buyer: Customer, shop: dict, mailoutbox: list
) -> None:
    quote = make_quote(business, sales, shop)
    quotes.quote_send(actor=sales["a"], quote=quote)
    business.branch_a.is_active = False
    business.branch_a.save()
    with pytest.raises(ApplicationError) as refused:
        quotes.quote_accept(actor=sales["a"], quote=quote)
    assert list(refused.value.extra) == ["branch"]
    quote.refresh_from_db()
    assert (quote.status, quote.decided_at, Order.objects.count()) == ("sent", None, 0)


# --- Sending ------------------------------------------------------------------------------------


def test_send_marks_the_quote_sent_after_commit(
    business: Business, sales: dict, buyer: Customer, shop: dict, mailoutbox: list, django_capture_on_commit_callbacks
) -> None:
    quote = make_quote(business, sales, shop)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        quotes.quote_send(actor=sales["a"], quote=quote)
    assert len(callbacks) == 1 and mailoutbox == []  # nothing leaves before the commit
    callbacks[0]()
    quote.refresh_from_db()
    assert (quote.status, quote.sent_to) == ("sent", "siti@example.co.id") and quote.sent_at is not None
    first_sent = quote.sent_at
    assert mailoutbox[0].to == ["siti@example.co.id"] and mailoutbox[0].attachments[0][0] == f"{quote.number}.pdf"
    quotes.quote_send(actor=sales["a"], quote=quote, to="pembelian@example.com")
    quote.refresh_from_db()
    assert (quote.sent_to, quote.sent_at) == ("pembelian@example.com", first_sent)


@pytest.mark.parametrize(("to", "message"), [("", "The customer has no email address"), ("bukan-email", "valid")])
def test_send_needs_an_address(
    business: Business, sales: dict, shop: dict, mailoutbox: list, to: str, message: str
) -> None:
    quote = make_quote(business, sales, shop)
    with pytest.raises(ApplicationError) as refused:
        quotes.quote_send(actor=sales["a"], quote=quote, to=to)
    assert list(refused.value.extra) == ["to"] and message in refused.value.message
    assert Quote.objects.get().status == "draft" and mailoutbox == []


def test_send_through_a_real_smtp_server_with_the_pdf_attached(
    business: Business,
    sales: dict,
    buyer: Customer,
    shop: dict,
    smtp_server: SmtpServer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    port, received = smtp_server.port, smtp_server.received
    BusinessSettings.objects.update_or_create(pk=1, defaults={"name": "Salon Melati", "email": "halo@melati.id"})
    quote = make_quote(business, sales, shop, title="Paket perawatan")
    mailers = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    with override_settings(MAILERS=mailers), django_capture_on_commit_callbacks(execute=True):
        quotes.quote_send(actor=sales["a"], quote=quote)
    assert len(received) == 1
    message = email.message_from_bytes(received[0], policy=email.policy.default)
    assert message["To"] == "siti@example.co.id" and message["Reply-To"] == "halo@melati.id"
    # The customer's language is Indonesian.
    assert message["Subject"] == f"Penawaran {quote.number} dari Salon Melati"
    attachments = list(message.iter_attachments())
    assert [(part.get_filename(), part.get_content_type()) for part in attachments] == [
        (f"{quote.number}.pdf", "application/pdf")
    ]
    pdf = attachments[0].get_content()
    assert pdf.startswith(b"%PDF-") and len(pdf) > 5_000
    plain = message.get_body(preferencelist=("plain",))
    assert plain is not None
    body = plain.get_content()
    assert quote.number in body and "Siti Rahma" in body


# --- The PDF --------------------------------------------------------------------------------------


def _page_texts(document: Any) -> list[str]:
    """The text WeasyPrint laid out on each page (margin boxes too: the page numbers)."""
    return [
        " ".join(box.text for box in page._page_box.descendants() if getattr(box, "text", None))
        for page in document.pages
    ]


LONG_NAME = (
    "Paket perawatan rambut lengkap: creambath ginseng, masker alpukat, pijat kepala tradisional Jawa, "
    "potong & blow — untuk pengantin wanita beserta keluarga besar (Ibu Çağla Nurhayati Sastrowardoyo)"
)


def test_a_200_line_quote_runs_over_pages_with_numbers_and_a_repeated_header(
    business: Business, sales: dict, shop: dict
) -> None:
    lines = [
        QuoteLineIn(description=f"Layanan nomor {n} — perawatan khusus", unit_price=12_345 * n, quantity=1 + n % 3)
        for n in range(1, 201)
    ]
    quote = make_quote(business, sales, shop, lines=lines)
    started = time.perf_counter()
    document = quotes.quote_pdf_document(quote)
    pdf = bytes(document.write_pdf())
    seconds = time.perf_counter() - started
    pages = _page_texts(document)
    assert len(pages) > 1, len(pages)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    for number, text in enumerate(pages, start=1):
        assert f"Halaman {number} / {len(pages)}" in text
        if "Layanan nomor" in text:  # the table's header is repeated on every page of lines
            assert text.count("Deskripsi") == 1 and "Harga satuan" in text
    everything = " ".join(pages)
    assert all(f"Layanan nomor {n} —" in everything for n in (1, 100, 200))
    # 200 x 12.345 x n x (1 + n % 3), summed by hand in the test's own arithmetic:
    expected_total = sum(12_345 * n * (1 + n % 3) for n in range(1, 201))
    assert quote.total == expected_total and format_rupiah_id(expected_total) in pages[-1]
    assert seconds < 20, f"200 lines took {seconds:.1f} s"
    print(f"200-line quote: {len(pages)} pages, {len(pdf)} bytes, {seconds:.2f} s")


def format_rupiah_id(amount: int) -> str:
    return "Rp " + f"{amount:,}".replace(",", ".")


def test_long_names_and_indonesian_text_are_on_the_page(business: Business, sales: dict, shop: dict) -> None:
    BusinessSettings.objects.update_or_create(
        pk=1,
        defaults={
            "name": "Salon Melati Ayu",
            "address": "Jl. Kemang Raya No. 12, Jakarta Selatan",
            "phone": "+62215551234",
            "email": "halo@melati.id",
            "tax_id": "01.234.567.8-901.000",
        },
    )
    Address.objects.create(customer=shop["customer"], line="Jl. Cempaka Putih Tengah No. 7, RT 003/RW 005")
    SalesSettings.objects.filter(pk=1).update(quote_terms="Harga berlaku 14 hari. Pembayaran melalui transfer bank.")
    quote = make_quote(
        business,
        sales,
        shop,
        title="Penawaran paket pernikahan",
        lines=[QuoteLineIn(description=LONG_NAME, unit_price=1_234_567, discount_percent="10")],
    )
    pages = _page_texts(quotes.quote_pdf_document(quote))
    text = " ".join(pages)
    for expected in (
        "Salon Melati Ayu",
        "Jl. Kemang Raya No. 12, Jakarta Selatan",
        "halo@melati.id",
        "NPWP: 01.234.567.8-901.000",
        quote.number,
        "Siti Rahma",
        "Jl. Cempaka Putih Tengah No. 7, RT 003/RW 005",
        "Penawaran paket pernikahan",
        "Rp 1.234.567",  # unit price
        "Rp 1.111.110",  # total after 10% (123.456,7 -> 123.457 off)
        "Harga berlaku 14 hari.",
    ):
        assert expected in text, expected
    # The long name wraps over several lines but every word of it is there, accents included.
    words = text.split()
    for word in LONG_NAME.split():
        assert word in words or word in text, word
    assert "Çağla" in text and "Sastrowardoyo)" in text
    assert quote.valid_until.strftime("%Y") in text


def test_the_logo_is_embedded_and_nothing_is_fetched_from_the_network(
    business: Business, sales: dict, shop: dict, tmp_path: Any, settings: Any
) -> None:
    import io

    from django.core.files.base import ContentFile
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    image = io.BytesIO()
    Image.new("RGB", (120, 40), (200, 30, 90)).save(image, format="PNG")
    row, _ = BusinessSettings.objects.get_or_create(pk=1)
    row.logo.save("logo.png", ContentFile(image.getvalue()))
    quote = make_quote(business, sales, shop, notes='<img src="http://example.com/track.png"> catatan')
    context = quotes.quote_pdf_context(quote)
    assert context["logo"].startswith("data:image/png;base64,")
    document = quotes.quote_pdf_document(quote)
    images = [
        box
        for page in document.pages
        for box in page._page_box.descendants()
        if type(box).__name__ == "InlineReplacedBox"
    ]
    assert len(images) == 1  # the logo; the typed <img> is text, escaped
    assert '<img src="http://example.com/track.png"> catatan' in " ".join(_page_texts(document))
    fetcher = quotes.local_only_fetcher()
    for url in ("http://example.com/a.png", "https://example.com/a.css", "ftp://example.com/x", "file:///etc/passwd"):
        with pytest.raises(ValueError, match="refused"):
            fetcher.fetch(url)


# --- Numbering under concurrency (PostgreSQL) ------------------------------------------------------

THREADS = 20


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_quote_numbers_stay_unique_when_made_at_the_same_moment(business: Business, shop: dict) -> None:
    if connection.vendor != "postgresql":
        pytest.fail("concurrency tests run on PostgreSQL (make test-postgres)")
    salespeople = [make_user(f"sales_{n}", "sales", business.branch_a) for n in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    numbers: list[str] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def make(actor: User) -> None:
        try:
            barrier.wait()
            quote = quotes.quote_create(
                actor=actor,
                customer=shop["customer"],
                branch=business.branch_a,
                lines=[QuoteLineIn(product_id=shop["creambath"].pk, quantity=1)],
            )
            with lock:
                numbers.append(quote.number)
        except BaseException as failure:  # noqa: BLE001 - reported by the assertion below
            with lock:
                failures.append(failure)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=make, args=(actor,)) for actor in salespeople]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    year = timezone.localdate().year
    assert sorted(numbers) == [f"Q-{year}-{n:05d}" for n in range(1, THREADS + 1)]
    assert sorted(Quote.objects.values_list("number", flat=True)) == sorted(numbers)
