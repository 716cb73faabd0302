"""What sales contributes to lower apps: purchases on the customer's timeline and 360° page,
"repeat last trip" on the caller card, orders moved by a merge, and purchase history for
loyalty's referral check. Registered from `SalesConfig.ready`."""

import datetime as dt
from typing import Any

from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from setia.accounts.models import staff_name
from setia.accounts.services import register_branch_closing_check
from setia.core.money import format_rupiah
from setia.core.references import Reference, register_reference
from setia.core.sql import db_datetime, latest_per_customer
from setia.customers import merge, panels, timeline
from setia.customers.models import Customer
from setia.loyalty.services import membership, programmes
from setia.sales.models import PAID_STATUSES, Order
from setia.sales.selectors import customer_orders, home_sales_figures
from setia.sales.services.bookings import bookings_left_at, last_trip, open_trip


def _order_entry(
    pk: int, kind: str, number: str, total: int, status: str, points: int, at: dt.datetime, by: str | None
) -> timeline.Entry:
    titles = {Order.Kind.TRIP: _("Trip %(number)s"), Order.Kind.APPOINTMENT: _("Appointment %(number)s")}
    title = titles.get(Order.Kind(kind), _("Purchase %(number)s")) % {"number": number}
    detail = f"{format_rupiah(total)} · {Order.Status(status).label}"
    if points:
        detail += " · " + _("%(points)s points") % {"points": points}
    return timeline.Entry(
        at=at,
        kind="order",
        icon={"trip": "taxi-front", "appointment": "calendar-check"}.get(kind, "bag-check"),
        title=title,
        detail=detail,
        actor=by or "",
        url=reverse("sales:order_detail", args=[pk]),
        capability="orders.view",
    )


def _orders_source(customer: Customer, before: dt.datetime | None, limit: int) -> list[timeline.Entry]:
    orders = Order.objects.filter(customer=customer).select_related("created_by")
    if before is not None:
        orders = orders.filter(placed_at__lt=before)
    return [
        _order_entry(
            order.pk,
            order.kind,
            order.number,
            order.total,
            order.status,
            order.points_earned,
            order.placed_at,
            str(order.created_by) if order.created_by else None,
        )
        for order in orders.order_by("-placed_at", "-id")[:limit]
    ]


def _orders_interactions(customer_ids: list[int], limit: int) -> dict[int, list[timeline.Entry]]:
    """`_orders_source` for several customers in one query (the caller lookup's hot path)."""
    columns = "customer_id, id, kind, number, total, status, points_earned, placed_at, first_name, last_name, username"
    part = (
        f"SELECT {columns} FROM (SELECT o.customer_id, o.id, o.kind, o.number, o.total, o.status,"
        " o.points_earned, o.placed_at, u.first_name, u.last_name, u.username FROM sales_order o"
        " LEFT JOIN accounts_user u ON u.id = o.created_by_id"
        " WHERE o.customer_id = %s ORDER BY o.placed_at DESC, o.id DESC LIMIT %s) t{n}"
    )
    found: dict[int, list[timeline.Entry]] = {pk: [] for pk in customer_ids}
    rows = latest_per_customer(part, customer_ids, limit, at=7)
    for customer_id, pk, kind, number, total, status, points, at, first_name, last_name, username in rows:
        by = staff_name(first_name, last_name, username) if username is not None else None
        found[customer_id].append(_order_entry(pk, kind, number, total, status, points, db_datetime(at), by))
    return found


def _move_orders(survivor: Customer, merged: Customer, actor: Any) -> None:
    Order.objects.filter(customer=merged).update(customer=survivor)


def _purchases_panel(request: HttpRequest, customer: Customer) -> dict[str, Any] | None:
    if not request.user.has_capability("orders.view"):  # type: ignore[union-attr]
        return None
    return {"orders": customer_orders(customer, limit=10)}


def _actions_panel(request: HttpRequest, customer: Customer) -> dict[str, Any] | None:
    user = request.user
    return {
        "can_sell": user.has_capability("orders.create"),  # type: ignore[union-attr]
        "can_book": user.has_capability("bookings.manage"),  # type: ignore[union-attr]
        "last_trip": last_trip(customer),
        "open_trip": open_trip(customer),
    }


def _programme_revenue(programme: Any, members: Any, start: dt.date, end: dt.date | None) -> int:
    """Revenue from a programme's participants while it runs: their orders, less refunds."""
    orders = Order.objects.filter(
        customer_id__in=members.values("customer_id"), business_date__gte=start, status__in=PAID_STATUSES
    )
    if end is not None:
        orders = orders.filter(business_date__lte=end)
    totals = orders.aggregate(total=Coalesce(Sum("total"), 0), refunded=Coalesce(Sum("refunded_total"), 0))
    return int(totals["total"] - totals["refunded"])


def _sales_panel(request: HttpRequest) -> dict[str, Any]:
    """The home page's sales (`home_sales_figures`) and whose they are."""
    from django.utils import timezone

    from setia.accounts.selectors import branch_scope

    actor: Any = request.user
    scope = branch_scope(actor)
    return {
        **home_sales_figures(actor=actor, now=timezone.now()),
        "all_branches": scope.all_branches,
        "branch_names": [] if scope.all_branches else _branch_names(actor),
        "can_sell": actor.has_capability("orders.create"),
    }


def _branch_names(actor: Any) -> list[str]:
    """The names of the branches whose sales a limited viewer sees (the panel says which)."""
    from setia.accounts.selectors import branch_list_for_customers

    return list(branch_list_for_customers(actor=actor).values_list("name", flat=True))


def _order_references(ids: list[str]) -> dict[str, Reference]:
    """`sales.order:<id>` (what a points or cashback entry came from) as the order's number."""
    keys = [int(key) for key in ids if key.isdigit()]
    return {
        str(pk): Reference(_("Order %(number)s") % {"number": number}, reverse("sales:order_detail", args=[pk]))
        for pk, number in Order.objects.filter(pk__in=keys).values_list("pk", "number")
    }


def register() -> None:
    from setia.core.dashboard import Panel as HomePanel
    from setia.core.dashboard import register_panel as register_home_panel

    register_home_panel(
        HomePanel("sales", "sales/panels/home_sales.html", _sales_panel, order=10, capability="orders.view")
    )
    timeline.register_source(
        "orders", _orders_source, interaction=True, batch=_orders_interactions, covers=("sales.order",)
    )
    register_reference("sales.order", _order_references)
    register_branch_closing_check(bookings_left_at)
    merge.register_merge_handler("orders", _move_orders)
    programmes.register_programme_revenue(_programme_revenue)
    membership.register_purchase_history(lambda customer_id: Order.objects.filter(customer_id=customer_id).exists())
    panels.register_panel(panels.Panel("sales.actions", "sales/panels/actions.html", _actions_panel, "actions", 10))
    panels.register_panel(panels.Panel("sales.caller", "sales/panels/caller.html", _actions_panel, "caller", 10))
    panels.register_panel(panels.Panel("sales.purchases", "sales/panels/purchases.html", _purchases_panel, "main", 20))
