"""Quotes (proposals): lines from the catalogue or typed in, a discount per line, PPN as the
business charges it, a number per year (Q-2026-00001), a validity date; then sent as a PDF by
email, accepted (an order is placed from it) or rejected, or expired by the nightly job.

Draft -> sent -> accepted | rejected | expired. Only a draft can be edited.

Totals reuse the cashier's arithmetic: lines are checked by checkout's line rules and PPN is
`checkout.tax_on`, so a quote and the order placed from it add up the same way. The tax rules
in force when the quote was made are kept on it: a later change of the settings does not change
a quote the customer already has.
"""

import base64
import datetime as dt
import logging
import mimetypes
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from setia.accounts.models import Branch, BusinessSettings, User
from setia.accounts.selectors import branch_scope, business_settings, require
from setia.core.audit import audit_changed, audit_log, diff, snapshot
from setia.core.errors import ApplicationError, NotFoundError
from setia.core.money import format_rupiah
from setia.core.phones import format_phone
from setia.core.texts import Message
from setia.customers.models import Customer
from setia.sales.models import Opportunity, Order, Quote, QuoteLine, SalesSettings
from setia.sales.models.quotes import QuoteSequence
from setia.sales.services import checkout

logger = logging.getLogger(__name__)

MAX_TITLE = 200
MAX_VALIDITY_DAYS = 366
EDITABLE_FIELDS = [
    "customer",
    "branch",
    "title",
    "notes",
    "terms",
    "valid_until",
    "tax_registered",
    "ppn_percent",
    "prices_include_tax",
    "subtotal",
    "discount_total",
    "tax_amount",
    "total",
]


def _error(field_name: str, message: str) -> ApplicationError:
    return ApplicationError(message, {field_name: [message]})


@dataclass
class QuoteLineIn:
    """A line as typed: a product (its name and price are the defaults) or a free line."""

    product_id: int | None = None
    description: str = ""
    quantity: int = 1
    unit_price: int | None = None
    discount_percent: Decimal | int | str = 0


@dataclass
class PricedQuoteLine:
    product_id: int | None
    description: str
    quantity: int
    unit_price: int
    discount_percent: Decimal
    discount: int

    @property
    def gross(self) -> int:
        return self.quantity * self.unit_price

    @property
    def total(self) -> int:
        return self.gross - self.discount


@dataclass
class QuoteTotals:
    lines: list[PricedQuoteLine] = field(default_factory=list)
    subtotal: int = 0
    discount_total: int = 0
    tax_amount: int = 0
    total: int = 0


def line_discount(gross: int, percent: Decimal) -> int:
    """The discount of a line in whole Rupiah, half a Rupiah rounded up."""
    return int((Decimal(gross) * percent / 100).to_integral_value(rounding=ROUND_HALF_UP))


def _percent(value: Any, number: int) -> Decimal:
    where = f"lines[{number}].discount_percent"
    message = _("Item %(number)s: the discount must be a percentage from 0 to 100.") % {"number": number}
    if value in (None, ""):
        return Decimal(0)
    try:
        percent = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise _error(where, message) from None
    if not percent.is_finite() or not 0 <= percent <= 100:
        raise _error(where, message)
    if percent != percent.quantize(Decimal("0.01")):
        raise _error(where, _("Item %(number)s: use at most two decimals in the discount.") % {"number": number})
    return percent.quantize(Decimal("0.01"))


def price_quote(
    *, branch: Branch, lines: list[QuoteLineIn], tax_registered: bool, ppn_percent: Decimal, prices_include_tax: bool
) -> QuoteTotals:
    """Check and price the lines: catalogue defaults, line discounts, then PPN on what is left."""
    # The cashier's line rules: the product exists, is sold at this branch, a price and a
    # description are there, the quantity is sensible.
    checked = checkout._price_lines(
        branch=branch,
        lines=[
            checkout.LineIn(
                product_id=line.product_id,
                quantity=line.quantity,
                unit_price=line.unit_price,
                description=line.description,
            )
            for line in lines
        ],
    )
    totals = QuoteTotals()
    for number, (line, priced) in enumerate(zip(lines, checked, strict=True), start=1):
        percent = _percent(line.discount_percent, number)
        totals.lines.append(
            PricedQuoteLine(
                product_id=priced.product_id,
                description=priced.description,
                quantity=priced.quantity,
                unit_price=priced.unit_price,
                discount_percent=percent,
                discount=line_discount(priced.gross, percent),
            )
        )
    totals.subtotal = sum(line.gross for line in totals.lines)
    totals.discount_total = sum(line.discount for line in totals.lines)
    totals.tax_amount, totals.total = checkout.tax_on(
        totals.subtotal - totals.discount_total,
        registered=tax_registered,
        percent=ppn_percent,
        included=prices_include_tax,
    )
    return totals


def _check_customer(actor: User, customer: Customer) -> None:
    if customer.merged_into_id or customer.archived_at or not branch_scope(actor).allows(customer.home_branch_id):
        raise _error("customer", _("Customer not found."))


def _check_branch(actor: User, branch: Branch) -> None:
    if not branch.is_active or not branch_scope(actor).allows(branch.pk):
        raise _error("branch", _("You cannot make quotes for this branch."))


def _check_opportunity(actor: User, opportunity: Opportunity, customer: Customer) -> None:
    scope = branch_scope(actor)
    if opportunity.branch_id is not None and not scope.allows(opportunity.branch_id):
        raise _error("opportunity", _("Opportunity not found."))
    if opportunity.customer_id != customer.pk:
        raise _error("opportunity", _("The opportunity belongs to another customer."))


def _check_valid_until(valid_until: dt.date, issue_date: dt.date) -> dt.date:
    if not isinstance(valid_until, dt.date):
        raise _error("valid_until", _("Enter the date the quote is valid until."))
    if valid_until < issue_date:
        raise _error("valid_until", _("The quote cannot be valid until a date before it was made."))
    if valid_until > issue_date + dt.timedelta(days=MAX_VALIDITY_DAYS):
        raise _error("valid_until", _("A quote can be valid for a year at most."))
    return valid_until


def _check_title(title: str) -> str:
    title = (title or "").strip()
    if len(title) > MAX_TITLE:
        raise _error("title", _("The subject is too long (at most %(count)s characters).") % {"count": MAX_TITLE})
    return title


def opportunity_lines(opportunity: Opportunity) -> list[QuoteLineIn]:
    """The opportunity's products as quote lines (its prices; no discount)."""
    return [
        QuoteLineIn(
            product_id=line.product_id,
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price if line.unit_price or line.product_id is None else None,
        )
        for line in opportunity.lines.all()
    ]


def _next_number(year: int) -> str:
    """The next number of the year. The year's row is locked until the transaction ends, so a
    concurrent quote waits and takes the following number (a rolled-back quote frees its own)."""
    QuoteSequence.objects.bulk_create([QuoteSequence(year=year)], ignore_conflicts=True)
    QuoteSequence.objects.filter(year=year).update(last_number=F("last_number") + 1)
    last = QuoteSequence.objects.filter(year=year).values_list("last_number", flat=True).get()
    return f"Q-{year}-{last:05d}"


def _save_lines(quote: Quote, totals: QuoteTotals) -> None:
    QuoteLine.objects.bulk_create(
        [
            QuoteLine(
                quote=quote,
                position=position,
                product_id=line.product_id,
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                discount_percent=line.discount_percent,
                line_total=line.total,
            )
            for position, line in enumerate(totals.lines, start=1)
        ]
    )


def _apply_totals(quote: Quote, totals: QuoteTotals) -> None:
    quote.subtotal = totals.subtotal
    quote.discount_total = totals.discount_total
    quote.tax_amount = totals.tax_amount
    quote.total = totals.total


@transaction.atomic
def quote_create(
    *,
    actor: User,
    customer: Customer,
    branch: Branch,
    opportunity: Opportunity | None = None,
    lines: list[QuoteLineIn] | None = None,
    valid_until: dt.date | None = None,
    title: str = "",
    notes: str = "",
    terms: str | None = None,
) -> Quote:
    """A draft quote. Without `lines`, an opportunity's products are copied; without
    `valid_until`, it is valid for the configured number of days; without `terms`, the
    configured terms are printed."""
    require(actor, "quotes.edit")
    _check_customer(actor, customer)
    _check_branch(actor, branch)
    if opportunity is not None:
        _check_opportunity(actor, opportunity, customer)
        if lines is None:
            lines = opportunity_lines(opportunity)
            if not lines:
                raise _error("lines", _("The opportunity has no products yet: add the quote's lines."))
        title = title or opportunity.title[:MAX_TITLE]
    config = checkout.sales_settings()
    today = timezone.localdate()
    valid_until = _check_valid_until(valid_until or today + dt.timedelta(days=config.quote_validity_days or 14), today)
    totals = price_quote(
        branch=branch,
        lines=lines or [],
        tax_registered=config.tax_registered,
        ppn_percent=config.ppn_percent,
        prices_include_tax=config.prices_include_tax,
    )
    quote = Quote(
        number=_next_number(today.year),
        customer=customer,
        opportunity=opportunity,
        branch=branch,
        owner=actor,
        issue_date=today,
        valid_until=valid_until,
        title=_check_title(title),
        notes=(notes or "").strip(),
        terms=(config.quote_terms if terms is None else terms).strip(),
        tax_registered=config.tax_registered,
        ppn_percent=config.ppn_percent,
        prices_include_tax=config.prices_include_tax,
    )
    _apply_totals(quote, totals)
    quote.save()
    _save_lines(quote, totals)
    audit_log(
        actor=actor,
        action="create",
        instance=quote,
        subject=customer,
        branch_id=branch.pk,
        changes={"total": [None, quote.total], "lines": [None, len(totals.lines)]},
        message=Message(gettext_noop("Quote %(number)s made"), {"number": quote.number}),
    )
    return quote


def _locked(actor: User, quote: Quote) -> Quote:
    locked = Quote.objects.select_for_update(of=("self",)).select_related("customer", "branch").filter(pk=quote.pk)
    found = locked.first()
    if found is None or not branch_scope(actor).allows(found.branch_id):
        raise NotFoundError(_("Quote not found."))
    return found


def _status_error(quote: Quote, message: str) -> ApplicationError:
    return _error("status", message % {"number": quote.number, "status": quote.get_status_display()})


@transaction.atomic
def quote_update(
    *,
    actor: User,
    quote: Quote,
    lines: list[QuoteLineIn],
    valid_until: dt.date,
    title: str = "",
    notes: str = "",
    terms: str = "",
    customer: Customer | None = None,
    branch: Branch | None = None,
) -> Quote:
    """Change a draft: its lines are replaced and its totals priced again with today's tax rules."""
    require(actor, "quotes.edit")
    quote = _locked(actor, quote)
    if quote.status != Quote.Status.DRAFT:
        raise _status_error(quote, _("Only a draft quote can be edited; %(number)s is %(status)s."))
    before = snapshot(quote, EDITABLE_FIELDS)
    if customer is not None and customer.pk != quote.customer_id:
        _check_customer(actor, customer)
        if quote.opportunity_id is not None:
            raise _error("customer", _("This quote belongs to an opportunity: its customer cannot change."))
        quote.customer = customer
    if branch is not None and branch.pk != quote.branch_id:
        _check_branch(actor, branch)
        quote.branch = branch
    config = checkout.sales_settings()
    quote.tax_registered = config.tax_registered
    quote.ppn_percent = config.ppn_percent
    quote.prices_include_tax = config.prices_include_tax
    totals = price_quote(
        branch=quote.branch,
        lines=lines,
        tax_registered=quote.tax_registered,
        ppn_percent=quote.ppn_percent,
        prices_include_tax=quote.prices_include_tax,
    )
    quote.valid_until = _check_valid_until(valid_until, quote.issue_date)
    quote.title = _check_title(title)
    quote.notes = (notes or "").strip()
    quote.terms = (terms or "").strip()
    _apply_totals(quote, totals)
    quote.save()
    old_lines = [
        (line.product_id, line.description, line.quantity, line.unit_price, str(line.discount_percent))
        for line in quote.lines.all()
    ]
    quote.lines.all().delete()
    _save_lines(quote, totals)
    changes = diff(before, snapshot(quote, EDITABLE_FIELDS))
    new_lines = [
        (line.product_id, line.description, line.quantity, line.unit_price, str(line.discount_percent))
        for line in totals.lines
    ]
    if new_lines != old_lines:
        changes["lines"] = [len(old_lines), len(new_lines)]
    if changes:
        audit_log(
            actor=actor,
            action="update",
            instance=quote,
            subject=quote.customer,
            branch_id=quote.branch_id,
            changes=changes,
        )
    return quote


# --- The PDF ------------------------------------------------------------------------------------


def local_only_fetcher() -> Any:
    """A WeasyPrint URL fetcher that reads our own files and data: URIs, never the network: a
    quote must render the same offline, and nothing typed into it may make the server fetch."""
    from urllib.request import url2pathname

    from weasyprint.urls import URLFetcher

    roots = [Path(settings.BASE_DIR).resolve(), Path(settings.MEDIA_ROOT).resolve()]

    class LocalOnlyFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            scheme = url.split(":", 1)[0].lower()
            if scheme not in ("file", "data"):
                raise ValueError(f"refused to fetch {url}")
            if scheme == "file":
                path = Path(url2pathname(url.removeprefix("file://").split("?")[0])).resolve()
                if not any(path.is_relative_to(root) for root in roots):
                    raise ValueError(f"refused to read {path}")
            return super().fetch(url, headers)

    return LocalOnlyFetcher(timeout=1, allow_redirects=False)


def _logo_data_uri(business: BusinessSettings) -> str:
    """The logo inline as a data: URI (PNG or JPEG only), or "" when there is none or it is gone."""
    if not business.logo:
        return ""
    try:
        with business.logo.open("rb") as stream:
            content = stream.read(5_000_001)
    except (OSError, ValueError):
        logger.warning("The business logo %s cannot be read", business.logo.name)
        return ""
    if len(content) > 5_000_000:
        return ""
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = "image/png"
    elif content.startswith(b"\xff\xd8\xff"):
        kind = "image/jpeg"
    else:
        kind = mimetypes.guess_type(business.logo.name or "")[0] or ""
        if kind not in ("image/png", "image/jpeg"):
            return ""
    return f"data:{kind};base64,{base64.b64encode(content).decode()}"


def _rupiah(amount: int) -> str:
    # Rupiah is written the Indonesian way (Rp 1.234.567) on the document, whatever its language.
    return format_rupiah(amount, "id")


def quote_pdf_context(quote: Quote) -> dict[str, Any]:
    business = business_settings()
    address = quote.customer.addresses.select_related("regency", "district").first()
    phone = quote.customer.phones.first()
    rows = [
        {
            "number": number,
            "description": line.description,
            "quantity": line.quantity,
            "unit_price": _rupiah(line.unit_price),
            "discount_percent": line.discount_percent,
            "discount": _rupiah(line.quantity * line.unit_price - line.line_total),
            "has_discount": line.quantity * line.unit_price != line.line_total,
            "total": _rupiah(line.line_total),
        }
        for number, line in enumerate(quote.lines.all(), start=1)
    ]
    return {
        "quote": quote,
        "rows": rows,
        "any_discount": any(row["has_discount"] for row in rows),
        "subtotal": _rupiah(quote.subtotal),
        "discount_total": _rupiah(quote.discount_total),
        "net": _rupiah(quote.subtotal - quote.discount_total),
        "tax_amount": _rupiah(quote.tax_amount),
        "total": _rupiah(quote.total),
        "business": business,
        "logo": _logo_data_uri(business),
        "customer": quote.customer,
        "customer_address": str(address) if address else "",
        "customer_email": getattr(quote.customer.emails.first(), "email", ""),
        "customer_phone": format_phone(phone.number) if phone else "",
    }


def quote_pdf_document(quote: Quote) -> Any:
    """The quote laid out on A4 pages (a WeasyPrint document), in the customer's language, with
    Rupiah written the Indonesian way. Renders from local files only."""
    from weasyprint import HTML

    with translation.override(quote.customer.preferred_language or "id"):
        html = render_to_string("sales/quotes/pdf.html", quote_pdf_context(quote))
    return HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=local_only_fetcher()).render()


def quote_pdf(quote: Quote) -> bytes:
    return bytes(quote_pdf_document(quote).write_pdf())


def quote_pdf_filename(quote: Quote) -> str:
    return f"{quote.number}.pdf"


# --- Sending and the customer's answer -----------------------------------------------------------


@transaction.atomic
def quote_send(*, actor: User, quote: Quote, to: str | None = None) -> Quote:
    """Email the quote as a PDF (sent once the transaction commits) and mark it sent. A sent quote
    may be sent again (to another address); `sent_at` keeps the first sending."""
    require(actor, "quotes.edit")
    quote = _locked(actor, quote)
    if quote.status not in (Quote.Status.DRAFT, Quote.Status.SENT):
        raise _status_error(quote, _("Only a draft or sent quote can be sent; %(number)s is %(status)s."))
    if quote.valid_until < timezone.localdate():
        raise _error("valid_until", _("The quote's validity date has passed: change it before sending."))
    address = (to or "").strip()
    if not address:
        first = quote.customer.emails.first()
        address = first.email if first else ""
    if not address:
        raise _error("to", _("The customer has no email address: enter one."))
    try:
        validate_email(address)
    except ValidationError:
        raise _error("to", _("Enter a valid email address.")) from None
    business = business_settings()
    with translation.override(quote.customer.preferred_language or "id"):
        subject = _("Quote %(number)s from %(business)s") % {"number": quote.number, "business": business.name}
        body = render_to_string(
            "sales/quotes/email.txt", {"quote": quote, "business": business, "customer": quote.customer}
        )
    mail = EmailMessage(subject=subject, body=body, to=[address])
    if business.email:
        mail.reply_to = [business.email]
    mail.attach(quote_pdf_filename(quote), quote_pdf(quote), "application/pdf")
    before = quote.status
    now = timezone.now()
    quote.status = Quote.Status.SENT
    quote.sent_at = quote.sent_at or now
    quote.sent_to = address
    quote.save(update_fields=["status", "sent_at", "sent_to", "updated_at"])
    audit_log(
        actor=actor,
        action="update",
        instance=quote,
        subject=quote.customer,
        branch_id=quote.branch_id,
        changes={"status": [before, quote.status], "sent_to": [None, address]},
        message=Message(gettext_noop("Quote %(number)s sent to %(email)s"), {"number": quote.number, "email": address}),
    )
    transaction.on_commit(mail.send)
    return quote


def _answerable(quote: Quote, verb: str) -> None:
    if quote.status != Quote.Status.SENT:
        messages = {
            "accept": _("Only a sent quote can be accepted; %(number)s is %(status)s."),
            "reject": _("Only a sent quote can be rejected; %(number)s is %(status)s."),
        }
        raise _status_error(quote, messages[verb])


@transaction.atomic
def quote_accept(*, actor: User, quote: Quote, create_order: bool = True) -> Quote:
    """The customer said yes. With `create_order`, an order is placed from the quote's lines at the
    quoted prices (unpaid: see `checkout.order_place`), and an open opportunity it came from is won
    with that order."""
    require(actor, "quotes.edit")
    quote = _locked(actor, quote)
    _answerable(quote, "accept")
    if quote.valid_until < timezone.localdate():
        raise _error(
            "valid_until",
            _("Quote %(number)s expired on %(date)s: make a new quote.")
            % {"number": quote.number, "date": quote.valid_until.isoformat()},
        )
    order: Order | None = None
    if create_order:
        order = checkout.order_place(
            actor=actor,
            branch=quote.branch,
            customer=quote.customer,
            lines=[
                checkout.AgreedLine(
                    product_id=line.product_id,
                    description=line.description,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    discount=line.quantity * line.unit_price - line.line_total,
                )
                for line in quote.lines.all()
            ],
            tax_registered=quote.tax_registered,
            ppn_percent=quote.ppn_percent,
            prices_include_tax=quote.prices_include_tax,
            note=_("Quote %(number)s accepted") % {"number": quote.number},
        )
    quote.status = Quote.Status.ACCEPTED
    quote.decided_at = timezone.now()
    quote.order = order
    quote.save(update_fields=["status", "decided_at", "order", "updated_at"])
    audit_log(
        actor=actor,
        action="update",
        instance=quote,
        subject=quote.customer,
        branch_id=quote.branch_id,
        changes={"status": [Quote.Status.SENT, Quote.Status.ACCEPTED], "order": [None, order.pk if order else None]},
        message=Message(gettext_noop("Quote %(number)s accepted"), {"number": quote.number}),
    )
    if quote.opportunity_id is not None:
        opportunity = Opportunity.objects.filter(pk=quote.opportunity_id).first()
        if opportunity is not None and opportunity.status == Opportunity.Status.OPEN:
            from setia.sales.services.pipeline import opportunity_win

            opportunity_win(actor=actor, opportunity=opportunity, order=order)
    return quote


@transaction.atomic
def quote_reject(*, actor: User, quote: Quote, reason: str = "") -> Quote:
    """The customer said no; the reason (optional) is kept in the quote's history."""
    require(actor, "quotes.edit")
    quote = _locked(actor, quote)
    _answerable(quote, "reject")
    quote.status = Quote.Status.REJECTED
    quote.decided_at = timezone.now()
    quote.save(update_fields=["status", "decided_at", "updated_at"])
    audit_log(
        actor=actor,
        action="update",
        instance=quote,
        subject=quote.customer,
        branch_id=quote.branch_id,
        changes={"status": [Quote.Status.SENT, Quote.Status.REJECTED]},
        message=(reason or "").strip()[:500]
        or Message(gettext_noop("Quote %(number)s rejected"), {"number": quote.number}),
    )
    return quote


def quotes_expire(today: dt.date | None = None) -> int:
    """The nightly job: sent quotes whose validity date has passed become expired. Safe to run
    twice (an expired quote is no longer sent). Each quote is its own small transaction."""
    today = today or timezone.localdate()
    expired = 0
    due = Quote.objects.filter(status=Quote.Status.SENT, valid_until__lt=today).values_list("pk", flat=True)
    for pk in list(due.order_by("pk")):
        with transaction.atomic():
            quote = (
                Quote.objects.select_for_update()
                .filter(pk=pk, status=Quote.Status.SENT, valid_until__lt=today)
                .select_related("customer")
                .first()
            )
            if quote is None:  # answered meanwhile
                continue
            quote.status = Quote.Status.EXPIRED
            quote.save(update_fields=["status", "updated_at"])
            audit_log(
                actor=None,
                action="update",
                instance=quote,
                subject=quote.customer,
                branch_id=quote.branch_id,
                changes={"status": [Quote.Status.SENT, Quote.Status.EXPIRED]},
                message=Message(gettext_noop("Quote %(number)s expired"), {"number": quote.number}),
            )
            expired += 1
    return expired


# --- Settings -----------------------------------------------------------------------------------

SETTINGS_FIELDS = ["quote_validity_days", "quote_terms"]


@transaction.atomic
def quote_settings_update(*, actor: User, quote_validity_days: int, quote_terms: str) -> SalesSettings:
    """How long a new quote is valid by default, and the terms printed on it."""
    require(actor, "sales.configure")
    row = SalesSettings.objects.select_for_update().get(pk=checkout.sales_settings().pk)
    before = snapshot(row, SETTINGS_FIELDS)
    if not isinstance(quote_validity_days, int) or not 1 <= quote_validity_days <= MAX_VALIDITY_DAYS:
        raise _error(
            "quote_validity_days",
            _("A quote is valid for 1 to %(days)s days.") % {"days": MAX_VALIDITY_DAYS},
        )
    row.quote_validity_days = quote_validity_days
    row.quote_terms = (quote_terms or "").strip()
    row.save(update_fields=[*SETTINGS_FIELDS, "updated_at"])
    audit_changed(actor=actor, instance=row, before=before, fields=SETTINGS_FIELDS)
    return row
