"""The quotes API: list, get, create, send by email, accept, reject and the PDF. Every endpoint
calls the same services and selectors as the pages."""

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router
from ninja.responses import Status

from setia.accounts.models import Branch, User
from setia.core.errors import ApplicationError, field_not_found
from setia.core.pagination import api_page
from setia.customers.models import Customer
from setia.sales.models import Opportunity, Quote
from setia.sales.schemas.quotes import QuoteAcceptIn, QuoteIn, QuoteOut, QuotePage, QuoteRejectIn, QuoteSendIn
from setia.sales.selectors import quotes as selectors
from setia.sales.services import quotes as services

router = Router(tags=["quotes"])


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def quote_out(quote: Quote) -> dict[str, Any]:
    fields = {name: getattr(quote, name) for name in QuoteOut.model_fields if name not in ("lines", "order_number")}
    fields["ppn_percent"] = float(quote.ppn_percent)
    fields["order_number"] = quote.order.number if quote.order_id and quote.order else None
    fields["lines"] = [
        {
            "id": line.pk,
            "product_id": line.product_id,
            "description": line.description,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "discount_percent": float(line.discount_percent),
            "line_total": line.line_total,
        }
        for line in quote.lines.all()
    ]
    return fields


def _get(actor: User, pk: int) -> dict[str, Any]:
    return quote_out(selectors.quote_get(actor=actor, pk=pk))


@router.get("/quotes", response=QuotePage, summary="Quotes, newest first (keyset paged)")
def list_quotes(
    request: HttpRequest,
    status: str = "",
    customer_id: int | None = None,
    branch_id: int | None = None,
    opportunity_id: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    after: str = "",
) -> dict[str, Any]:
    if status and status not in Quote.Status.values:
        raise ApplicationError("status: unknown status", {"status": [f"one of {', '.join(Quote.Status.values)}"]})
    quotes = selectors.quote_list(
        actor=_actor(request),
        status=status,
        customer_id=customer_id,
        branch_id=branch_id,
        opportunity_id=opportunity_id,
        date_from=date_from,
        date_to=date_to,
    )
    page = api_page(
        quotes.select_related("order").prefetch_related("lines"), order=("-issue_date", "-id"), cursor=after, size=100
    )
    return {"items": [quote_out(quote) for quote in page.rows], "next_cursor": page.next_cursor}


@router.get("/quotes/{quote_id}", response=QuoteOut, summary="One quote with its lines")
def get_quote(request: HttpRequest, quote_id: int) -> dict[str, Any]:
    return _get(_actor(request), quote_id)


@router.post("/quotes", response={201: QuoteOut}, summary="Make a draft quote")
def create_quote(request: HttpRequest, payload: QuoteIn) -> Status[dict[str, Any]]:
    actor = _actor(request)
    customer = Customer.objects.filter(pk=payload.customer_id).first()
    if customer is None:
        raise field_not_found("customer_id")
    branch = Branch.objects.filter(pk=payload.branch_id).first()
    if branch is None:
        raise field_not_found("branch_id")
    opportunity = None
    if payload.opportunity_id is not None:
        opportunity = Opportunity.objects.filter(pk=payload.opportunity_id).first()
        if opportunity is None:
            raise field_not_found("opportunity_id")
    quote = services.quote_create(
        actor=actor,
        customer=customer,
        branch=branch,
        opportunity=opportunity,
        lines=None if payload.lines is None else [services.QuoteLineIn(**line.dict()) for line in payload.lines],
        valid_until=payload.valid_until,
        title=payload.title,
        notes=payload.notes,
        terms=payload.terms,
    )
    return Status(201, _get(actor, quote.pk))


@router.post("/quotes/{quote_id}/send", response=QuoteOut, summary="Email the quote as a PDF and mark it sent")
def send_quote(request: HttpRequest, quote_id: int, payload: QuoteSendIn) -> dict[str, Any]:
    actor = _actor(request)
    services.quote_send(actor=actor, quote=selectors.quote_get(actor=actor, pk=quote_id), to=payload.to)
    return _get(actor, quote_id)


@router.post("/quotes/{quote_id}/accept", response=QuoteOut, summary="The customer accepted: optionally place an order")
def accept_quote(request: HttpRequest, quote_id: int, payload: QuoteAcceptIn) -> dict[str, Any]:
    actor = _actor(request)
    services.quote_accept(
        actor=actor, quote=selectors.quote_get(actor=actor, pk=quote_id), create_order=payload.create_order
    )
    return _get(actor, quote_id)


@router.post("/quotes/{quote_id}/reject", response=QuoteOut, summary="The customer rejected the quote")
def reject_quote(request: HttpRequest, quote_id: int, payload: QuoteRejectIn) -> dict[str, Any]:
    actor = _actor(request)
    services.quote_reject(actor=actor, quote=selectors.quote_get(actor=actor, pk=quote_id), reason=payload.reason)
    return _get(actor, quote_id)


@router.get("/quotes/{quote_id}/pdf", summary="The quote as a PDF", response={200: bytes})
def quote_pdf(request: HttpRequest, quote_id: int) -> HttpResponse:
    quote = selectors.quote_get(actor=_actor(request), pk=quote_id)
    response = HttpResponse(services.quote_pdf(quote), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{services.quote_pdf_filename(quote)}"'
    return response
