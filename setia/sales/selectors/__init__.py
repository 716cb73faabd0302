"""Reads of orders and bookings, through the actor's branch scope."""

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from setia.accounts.models import Branch, User
from setia.accounts.selectors import branch_scope, require
from setia.core.errors import NotFoundError
from setia.customers import selectors as customer_selectors
from setia.customers.models import Customer
from setia.sales.models import Appointment, Order, OrderLine, Trip


def visible_orders(actor: User) -> QuerySet[Order]:
    require(actor, "orders.view")
    return branch_scope(actor).filter(Order.objects.all(), field="branch")


# Orders that count as sales: paid and not wholly refunded (as analytics counts them).
SALE_STATUSES = (Order.Status.FULFILLED, Order.Status.PARTLY_REFUNDED)


def sales_figures(*, actor: User, first: dt.date, last: dt.date, until: dt.datetime | None = None) -> dict[str, int]:
    """The paid orders of the business days `first`..`last` in the actor's branches: how many,
    revenue net of refunds, customers, and of those the ones who had bought before `first`
    (returning). With `until`, only the orders placed by then (a past period cut at the time of
    day it is now, to compare with today so far)."""
    earlier = Order.objects.filter(
        customer_id=OuterRef("customer_id"), business_date__lt=first, status__in=SALE_STATUSES
    )
    orders = visible_orders(actor).filter(business_date__gte=first, business_date__lte=last, status__in=SALE_STATUSES)
    if until is not None:
        orders = orders.filter(placed_at__lte=until)
    figures = orders.aggregate(
        orders=Count("id"),
        revenue=Sum(F("total") - F("refunded_total")),
        customers=Count("customer_id", distinct=True),
        returning=Count("customer_id", distinct=True, filter=Q(Exists(earlier))),
    )
    return {key: int(value or 0) for key, value in figures.items()}


def home_sales_figures(*, actor: User, now: dt.datetime) -> dict[str, Any]:
    """The home page's sales in the actor's branches: today so far beside the same weekday a week
    ago up to the same time of day, and the last seven days beside the seven before, cut the same
    way (at 10:00 a whole day a week ago would make every morning look like a fall); the loyalty
    members' share of the last 30 days."""
    today = timezone.localdate(now)
    week = dt.timedelta(days=7)

    def figures(first: dt.date, last: dt.date, until: dt.datetime | None = None) -> dict[str, int]:
        return sales_figures(actor=actor, first=first, last=last, until=until)

    members = member_figures(actor=actor, first=today - dt.timedelta(days=29), last=today)
    revenue = members["revenue"]
    others = members["customers"] - members["members"]
    other_revenue = members["identified_revenue"] - members["member_revenue"]
    return {
        "members": {
            **members,
            "share_percent": round(100 * members["member_revenue"] / revenue) if revenue else None,
            "member_spend": members["member_revenue"] // members["members"] if members["members"] else None,
            "other_spend": other_revenue // others if others else None,
        },
        "today": _with_ratios(figures(today, today), figures(today - week, today - week, now - week)),
        "week": _with_ratios(
            figures(today - dt.timedelta(days=6), today),
            figures(today - dt.timedelta(days=13), today - week, now - week),
        ),
        "week_ago": today - week,
    }


def _with_ratios(now: dict[str, int], before: dict[str, int]) -> dict[str, Any]:
    return {
        **now,
        "average": now["revenue"] // now["orders"] if now["orders"] else None,
        "returning_percent": round(100 * now["returning"] / now["customers"]) if now["customers"] else None,
        "before": before,
        "change_percent": round(100 * (now["revenue"] - before["revenue"]) / before["revenue"])
        if before["revenue"]
        else None,
    }


def member_figures(*, actor: User, first: dt.date, last: dt.date) -> dict[str, int]:
    """Paid sales of `first`..`last` in the actor's branches split between loyalty members and
    other customers: revenue and customers of each (walk-in sales without a customer count as
    others' revenue). Whether the programme pays shows in what a member spends against others."""
    from setia.loyalty.models import Membership

    member = Q(Exists(Membership.objects.filter(customer_id=OuterRef("customer_id"))))
    net = F("total") - F("refunded_total")
    figures = (
        visible_orders(actor)
        .filter(business_date__gte=first, business_date__lte=last, status__in=SALE_STATUSES)
        .aggregate(
            revenue=Sum(net),
            member_revenue=Sum(net, filter=member),
            members=Count("customer_id", distinct=True, filter=member),
            customers=Count("customer_id", distinct=True),
            identified_revenue=Sum(net, filter=Q(customer_id__isnull=False)),
        )
    )
    return {key: int(value or 0) for key, value in figures.items()}


def customers_out_of_view(*, actor: User, orders: list[Order]) -> frozenset[int]:
    """The orders' customers whose branch the actor does not see: where branches do not share
    customers, a sale at one branch for another's customer (made by someone who sees both — the
    owner at a till, an import) shows her to the first branch's staff only as "a customer of another
    branch", without her contacts."""
    return customer_selectors.customers_out_of_view(actor=actor, customers=[order.customer for order in orders])


def order_get(*, actor: User, pk: int) -> Order:
    order = (
        visible_orders(actor)
        .select_related("customer", "branch", "created_by", "service_address")
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.select_related("product", "staff")), "payments", "refunds"
        )
        .filter(pk=pk)
        .first()
    )
    if order is None:
        raise NotFoundError(_("Order not found."))
    return order


def order_list(
    *,
    actor: User,
    branch_id: int | None = None,
    status: str = "",
    kind: str = "",
    customer_id: int | None = None,
    query: str = "",
) -> QuerySet[Order]:
    orders = visible_orders(actor).select_related("customer", "branch")
    if branch_id:
        orders = orders.filter(branch_id=branch_id)
    if status:
        orders = orders.filter(status=status)
    if kind:
        orders = orders.filter(kind=kind)
    if customer_id:
        orders = orders.filter(customer_id=customer_id)
    if query:
        orders = orders.filter(number__istartswith=query.strip())
    return orders


# An order kind belongs to a part of the product a business may switch off (a salon has no trips).
_KIND_SECTIONS = {Order.Kind.TRIP: "trips", Order.Kind.APPOINTMENT: "appointments"}


def order_kinds_in_use(actor: User, *, selected: str = "") -> list[tuple[str, Any]]:
    """The order kinds to filter by: those of the parts the business uses (and `selected`, which a
    link may name)."""
    unused = actor.unused_sections
    return [
        (value, label)
        for value, label in Order.Kind.choices
        if value == selected or _KIND_SECTIONS.get(Order.Kind(value)) not in unused
    ]


def customer_orders(customer: Customer, limit: int = 10) -> list[Order]:
    return list(Order.objects.filter(customer=customer).select_related("branch").order_by("-placed_at", "-id")[:limit])


def trips_board(*, actor: User, branch_id: int | None = None, day: dt.date | None = None) -> QuerySet[Trip]:
    require(actor, "orders.view")
    trips = Trip.objects.select_related("order", "order__customer", "order__branch")
    trips = branch_scope(actor).filter(trips, field="order__branch")
    if branch_id:
        trips = trips.filter(order__branch_id=branch_id)
    if day is not None:
        start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
        trips = trips.filter(pickup_at__gte=start, pickup_at__lt=start + dt.timedelta(days=1))
    return trips.order_by("pickup_at", "pk")


def trip_get(*, actor: User, pk: int) -> Trip:
    trip = trips_board(actor=actor).filter(pk=pk).first()
    if trip is None:
        raise NotFoundError(_("Trip not found."))
    return trip


def appointments_for(
    *, actor: User, branch: Branch, day: dt.date, staff_id: int | None = None
) -> QuerySet[Appointment]:
    require(actor, "orders.view")
    if not branch_scope(actor).allows(branch.pk):
        raise NotFoundError(_("Branch not found."))
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    appointments = Appointment.objects.select_related("order", "order__customer", "service", "staff").filter(
        order__branch=branch, starts_at__gte=start, starts_at__lt=start + dt.timedelta(days=1)
    )
    if staff_id:
        appointments = appointments.filter(staff_id=staff_id)
    return appointments.order_by("starts_at", "pk")


def appointment_get(*, actor: User, pk: int) -> Appointment:
    require(actor, "orders.view")
    appointments = branch_scope(actor).filter(
        Appointment.objects.select_related("order", "order__customer", "order__branch", "service", "staff"),
        field="order__branch",
    )
    appointment = appointments.filter(pk=pk).first()
    if appointment is None:
        raise NotFoundError(_("Appointment not found."))
    return appointment


def appointment_for_till(*, actor: User, pk: int | None, customer_id: int | None = None) -> Appointment | None:
    """The appointment the cashier screen checks out, if any: one the actor may see, still
    booked, and still the sale's customer's (`customer_id`, when the screen has one)."""
    if not pk:
        return None
    try:
        appointment = appointment_get(actor=actor, pk=pk)
    except NotFoundError:
        return None
    if appointment.status != Appointment.Status.BOOKED:
        return None
    if customer_id and customer_id != appointment.order.customer_id:
        return None
    return appointment
