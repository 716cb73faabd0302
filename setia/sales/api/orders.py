import copy
import json
from typing import Any

from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Header, Router
from ninja.responses import NinjaJSONEncoder, Status

from setia.accounts.models import Branch, User
from setia.core.errors import ApplicationError, field_not_found
from setia.core.memo import Memo
from setia.core.pagination import api_page
from setia.core.schemas import ERRORS
from setia.sales import selectors
from setia.sales.models import Order, OrderLine, Payment
from setia.sales.schemas import (
    OrderIn,
    OrderOut,
    OrderPage,
    OrderPayIn,
    RefundIn,
)
from setia.sales.selectors.refunds import as_paid, order_refunds
from setia.sales.services import checkout, refunds

router = Router(tags=["sales"])


# The `Idempotency-Key` header of the writes a retry must not repeat (a sale, a refund).
IDEMPOTENCY_KEY_HEADER = Header(
    None,
    alias="Idempotency-Key",
    description="8 to 100 letters, digits or - _ . : — unique per request of your system, e.g. pos-7-20261202-0042",
)


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# Branches by id, remembered per process for MEMO_SECONDS (setia.core.memo) like the API keys:
# every till's request names one. A change made in this process clears them at once; other
# processes see it (a branch closed for sales, say) within MEMO_SECONDS.
BRANCHES = Memo("branches for the sales API", max_entries=1000)
post_save.connect(BRANCHES.clear, sender=Branch, dispatch_uid="memo-sales-api-branches-save")
post_delete.connect(BRANCHES.clear, sender=Branch, dispatch_uid="memo-sales-api-branches-delete")


def _branch(branch_id: int) -> Branch:
    branch: Branch | None = BRANCHES.get(branch_id, lambda: Branch.objects.filter(pk=branch_id).first())
    if branch is None:
        raise field_not_found("branch_id")
    return copy.copy(branch)  # the remembered one is shared: never handed out to be changed


def _rendered(status: int, data: dict[str, Any]) -> HttpResponse:
    """`data` (OrderOut's fields, in its order, built from the rows this request wrote) rendered as
    ninja renders a response, without validating it against the schema again: that took longer
    than writing the sale's rows (test_views compares the answer with the validated one)."""
    return HttpResponse(
        json.dumps(data, cls=NinjaJSONEncoder), status=status, content_type="application/json; charset=utf-8"
    )


def order_out(order: Order, rows: tuple[list[OrderLine], list[Payment]] | None = None) -> dict[str, Any]:
    """`rows`: the order's lines and payments when the caller has them (else they are read)."""
    lines, payments = rows if rows is not None else (order.lines.all(), order.payments.all())
    fields = {
        name: getattr(order, name) for name in OrderOut.model_fields if name not in ("lines", "payments", "refunds")
    }
    fields["tax_rate"] = float(order.tax_rate)
    fields["member_discount_percent"] = float(order.member_discount_percent)
    fields["lines"] = [
        {
            "id": line.pk,
            "product_id": line.product_id,
            "description": line.description,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "discount": line.discount,
            "total": line.total,
            "staff_id": line.staff_id,
            "refunded_quantity": line.refunded_quantity,
        }
        for line in lines
    ]
    fields["payments"] = [
        {"method": p.method, "amount": p.amount, "reference": p.reference, "tendered": p.tendered, "change": p.change}
        for p in payments
    ]
    lines_total = sum(line.total for line in lines)
    fields["refunds"] = [
        {
            "id": refund.pk,
            "created_at": refund.created_at,
            "amount": refund.amount,
            "reason": refund.reason,
            "lines": refund.lines or {},
            "promotions_lost": as_paid(order, refund.promotions_lost, lines_total),
            "promotions_note": refund.promotions_note,
        }
        for refund in (order_refunds(order) if order.refunded_total else [])
    ]
    return fields


@router.post(
    "/orders",
    response={201: OrderOut, 200: OrderOut, **ERRORS},
    summary="Record a paid sale (send an Idempotency-Key so a retry never records it twice)",
)
def create_order(
    request: HttpRequest,
    payload: OrderIn,
    idempotency_key: str | None = IDEMPOTENCY_KEY_HEADER,
) -> Status[dict[str, Any]] | HttpResponse:
    actor = _actor(request)
    order, created = checkout.checkout(
        actor=actor,
        branch=_branch(payload.branch_id),
        customer=None,
        # Read with her lock inside the sale, which refuses an unknown customer ("customer_id: not
        # found"), one the actor may not see, or one merged away.
        customer_id=payload.customer_id,
        lines=[checkout.LineIn(**line.dict()) for line in payload.lines],
        payments=[checkout.PaymentIn(**payment.dict()) for payment in payload.payments],
        voucher_code=payload.voucher_code,
        points=payload.points,
        cashback=payload.cashback,
        channel=payload.channel,
        note=payload.note,
        idempotency_key=idempotency_key,
    )
    rows = checkout.recorded_rows(order) if created else None
    if rows is not None:  # just written: answer from what was written, not a second read
        return _rendered(201, order_out(order, rows))
    return Status(
        201 if created else 200, order_out(Order.objects.prefetch_related("lines", "payments").get(pk=order.pk))
    )


@router.get("/orders", response=OrderPage, summary="Orders, newest first (keyset paged)")
def list_orders(
    request: HttpRequest,
    customer_id: int | None = None,
    branch_id: int | None = None,
    status: str = "",
    after: str = "",
) -> dict[str, Any]:
    if status and status not in Order.Status.values:
        message = _("Choose one of: %(choices)s.") % {"choices": ", ".join(Order.Status.values)}
        raise ApplicationError(f"status: {message}", {"status": [message]})
    orders = selectors.order_list(actor=_actor(request), customer_id=customer_id, branch_id=branch_id, status=status)
    page = api_page(orders.prefetch_related("lines", "payments"), order=("-placed_at", "-id"), cursor=after, size=100)
    return {"items": [order_out(o) for o in page.rows], "next_cursor": page.next_cursor}


@router.get("/orders/{order_id}", response=OrderOut, summary="One order")
def get_order(request: HttpRequest, order_id: int) -> dict[str, Any]:
    return order_out(selectors.order_get(actor=_actor(request), pk=order_id))


@router.post(
    "/orders/{order_id}/pay",
    response={200: OrderOut, **ERRORS},
    summary="Take the payment for a placed order (an accepted quote): it becomes fulfilled and earns",
)
def pay_order(request: HttpRequest, order_id: int, payload: OrderPayIn) -> dict[str, Any]:
    actor = _actor(request)
    order = selectors.order_get(actor=actor, pk=order_id)
    checkout.order_pay(
        actor=actor,
        order=order,
        payments=[checkout.PaymentIn(**payment.dict()) for payment in payload.payments],
        points=payload.points,
        cashback=payload.cashback,
    )
    return order_out(selectors.order_get(actor=actor, pk=order_id))


@router.post(
    "/orders/{order_id}/refunds",
    response={201: OrderOut, 200: OrderOut, **ERRORS},
    summary="Refund an amount or lines of an order (send an Idempotency-Key so a retry never refunds twice)",
)
def refund_order(
    request: HttpRequest,
    order_id: int,
    payload: RefundIn,
    idempotency_key: str | None = IDEMPOTENCY_KEY_HEADER,
) -> Status[dict[str, Any]]:
    """201 with the order for a refund just made; 200 for a retry of the same request with its
    Idempotency-Key, which refunds nothing more."""
    actor = _actor(request)
    order = selectors.order_get(actor=actor, pk=order_id)
    refund = refunds.order_refund(
        actor=actor,
        order=order,
        reason=payload.reason,
        amount=payload.amount,
        lines=payload.lines,
        idempotency_key=idempotency_key,
    )
    return Status(200 if refund.replayed else 201, order_out(selectors.order_get(actor=actor, pk=order_id)))
