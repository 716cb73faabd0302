"""Reads of an order's refunds and of what they took back from the member (the order page and
the receipts show them). The order comes from `order_get`, which applied the actor's scope."""

from django.db.models import Sum
from django.db.models.functions import Coalesce

from setia.loyalty.models import PointsEntry, WalletEntry
from setia.sales.models import Order, Refund


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
