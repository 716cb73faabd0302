"""What sales tells the merge screen about each record: how many orders and how much spent."""

from django.db.models import Count, F, Q, Sum
from django.utils.translation import gettext as _

from setia.accounts.models import User
from setia.core.money import format_count, format_rupiah
from setia.customers import merge
from setia.sales.models import Order
from setia.sales.selectors import SALE_STATUSES


def order_facts(viewer: User, customer_ids: list[int]) -> dict[int, list[merge.MergeFact]]:
    """Paid orders (not wholly refunded, as analytics counts them) and their total net of refunds,
    in one query for all the customers; nothing for a viewer who may not see orders."""
    if not viewer.has_capability("orders.view"):
        return {}
    sale = Q(status__in=SALE_STATUSES)
    totals = {
        row["customer_id"]: row
        for row in Order.objects.filter(customer_id__in=customer_ids)
        .values("customer_id")
        .annotate(orders=Count("id", filter=sale), spent=Sum(F("total") - F("refunded_total"), filter=sale))
        .order_by()
    }
    found = {}
    for pk in customer_ids:
        row = totals.get(pk)
        orders, spent = (row["orders"], row["spent"] or 0) if row else (0, 0)
        found[pk] = [
            merge.MergeFact("sales.orders", _("Orders"), format_count(orders), order=30),
            merge.MergeFact("sales.spent", _("Total spent"), format_rupiah(spent), order=31),
        ]
    return found


def register() -> None:
    merge.register_merge_facts("sales.orders", order_facts)
