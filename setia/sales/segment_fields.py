"""Purchases as segment fields (last purchase, products and categories bought, number of orders,
spend), registered with `segments` from `SalesConfig.ready`. A purchase is a paid order that was
not refunded in full, the same rule the analytics extract uses."""

from collections.abc import Callable
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from setia.catalog.models import Category, Product
from setia.sales.models import Order, OrderLine
from setia.segments.fields import (
    FieldType,
    SegmentField,
    date_bound,
    numeric_matches,
    numeric_q,
    register_field,
)

GROUP = _("Purchases")
PAID = (Order.Status.FULFILLED, Order.Status.PARTLY_REFUNDED)


def _paid() -> QuerySet[Order]:
    return Order.objects.filter(status__in=PAID, customer_id__isnull=False)


def _last_purchase_q(op: str, value: Any) -> Q:
    lookup, bound = date_bound(op, value)
    if lookup == "lt":  # the last purchase is before the day: bought, and nothing since
        return Q(pk__in=_paid().values("customer_id")) & ~Q(
            pk__in=_paid().filter(business_date__gte=bound).values("customer_id")
        )
    return Q(pk__in=_paid().filter(**{f"business_date__{lookup}": bound}).values("customer_id"))


def _lines_q(column: str) -> Callable[[str, Any], Q]:
    def to_q(op: str, value: Any) -> Q:
        lines = OrderLine.objects.filter(
            order__status__in=PAID, quantity__gt=F("refunded_quantity"), **{f"{column}__in": value}
        )
        condition = Q(pk__in=lines.values("order__customer_id"))
        return condition if op == "any_of" else ~condition

    return to_q


def _per_customer(total: Any) -> Callable[[str, Any], Q]:
    """A per-customer total; customers without purchases count as 0, so "fewer than 3 orders"
    includes them, and "at least 1" does not."""

    def to_q(op: str, value: Any) -> Q:
        totals = _paid().values("customer_id").annotate(total=total)
        if numeric_matches(op, value, 0):
            return ~Q(pk__in=totals.exclude(numeric_q("total", op, value)).values("customer_id"))
        return Q(pk__in=totals.filter(numeric_q("total", op, value)).values("customer_id"))

    return to_q


def _product_choices() -> list[tuple[str, str]]:
    return [(str(pk), name) for pk, name in Product.objects.order_by("name").values_list("pk", "name")]


def _category_choices() -> list[tuple[str, str]]:
    return [(str(pk), name) for pk, name in Category.objects.order_by("name").values_list("pk", "name")]


def register() -> None:
    register_field(
        SegmentField("sales.last_purchase", _("Last purchase"), GROUP, FieldType.DATE, None, _last_purchase_q)
    )
    register_field(
        SegmentField(
            "sales.products", _("Products bought"), GROUP, FieldType.CHOICE, _product_choices, _lines_q("product_id")
        )
    )
    register_field(
        SegmentField(
            "sales.categories",
            _("Categories bought"),
            GROUP,
            FieldType.CHOICE,
            _category_choices,
            _lines_q("category_id_at_sale"),
        )
    )
    register_field(
        SegmentField(
            "sales.orders", _("Number of purchases"), GROUP, FieldType.NUMBER, None, _per_customer(Count("id"))
        )
    )
    register_field(
        SegmentField(
            "sales.spend",
            _("Spend (all time)"),
            GROUP,
            FieldType.MONEY,
            None,
            _per_customer(Coalesce(Sum(F("total") - F("refunded_total")), 0)),
        )
    )
