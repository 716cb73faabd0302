"""Reads of an order's refunds and of what they took back from the member (the order page and
the receipts show them). The order comes from `order_get`, which applied the actor's scope."""

from django.db.models import Sum
from django.db.models.functions import Coalesce

from setia.loyalty.models import PointsEntry, WalletEntry
from setia.sales.models import Order, Refund


def as_paid(order: Order, value: int, lines_total: int | None = None) -> int:
    """`value`, an amount in the prices of the order's lines, as its share of what was paid: with
    PPN added on top, or cash rounding, the order's total differs from its lines' (`lines_total`,
    read when not given). Rounded towards zero."""
    if lines_total is None:
        lines_total = sum(line.total for line in order.lines.all())
    if not lines_total or lines_total == order.total:
        return value
    share = abs(value) * order.total // lines_total
    return share if value >= 0 else -share


def order_refunds(order: Order) -> list[Refund]:
    """The order's refunds, oldest first (as they happened), with who recorded each."""
    return list(Refund.objects.filter(order=order).select_related("actor").order_by("created_at", "id"))


def paid_with_given_back(order: Order) -> tuple[int, int]:
    """(points, cashback) the order's refunds gave back to her balances: what she paid with, in the
    refunded share (`ledger.spent_return_source`)."""
    if order.customer_id is None or not order.refunded_total:
        return 0, 0
    member = {"membership__customer_id": order.customer_id, "source": f"{order.source}:refund", "kind": "adjust"}
    points = PointsEntry.objects.filter(**member).aggregate(total=Coalesce(Sum("points"), 0))["total"]
    cashback = WalletEntry.objects.filter(**member).aggregate(total=Coalesce(Sum("amount"), 0))["total"]
    return int(points), int(cashback)


def rewards_taken_back(order: Order) -> tuple[int, int]:
    """(points, cashback) the order's refunds took back from the member: the loyalty ledger's
    reversals of the sale, which may be less than its refunded share (never below a zero
    balance: points already spent stay spent)."""
    if order.customer_id is None or not order.refunded_total:
        return 0, 0
    source = order.source
    member = {"membership__customer_id": order.customer_id, "source": source, "kind": "reverse"}
    points = PointsEntry.objects.filter(**member).aggregate(total=Coalesce(Sum("points"), 0))["total"]
    cashback = WalletEntry.objects.filter(**member).aggregate(total=Coalesce(Sum("amount"), 0))["total"]
    return -int(points), -int(cashback)
