"""Helpers for the analytics tests: customers and orders written straight to the tables (the
scores only read orders, so the checkout's rules are not what these tests are about)."""

import datetime as dt
import itertools
from collections.abc import Iterable

from django.utils import timezone

from setia.accounts.models import Branch
from setia.catalog.models import Category, Product
from setia.customers.models import Customer
from setia.sales.models import Order, OrderLine

_numbers = itertools.count(1)


def customers(count: int, prefix: str = "Pelanggan") -> list[Customer]:
    made = [Customer(name=f"{prefix} {n}", search_name=f"{prefix.lower()} {n}") for n in range(1, count + 1)]
    return Customer.objects.bulk_create(made)


def order(
    customer: Customer | int,
    day: dt.date,
    total: int,
    *,
    branch: Branch,
    status: str = Order.Status.FULFILLED,
    refunded: int = 0,
    categories: Iterable[int | None] = (),
    products: Iterable[Product] = (),
) -> Order:
    customer_id = customer if isinstance(customer, int) else customer.pk
    placed = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
    created = Order.objects.create(
        number=f"T{next(_numbers):08d}",
        customer_id=customer_id,
        branch=branch,
        business_date=day,
        placed_at=placed,
        total=total,
        subtotal=total,
        refunded_total=refunded,
        status=status,
    )
    for category in categories:
        OrderLine.objects.create(order=created, category_id_at_sale=category, description="item", unit_price=1, total=1)
    for product in products:
        OrderLine.objects.create(
            order=created,
            product=product,
            category_id_at_sale=product.category_id,
            description=product.name,
            unit_price=product.price,
            total=product.price,
        )
    return created


def products(*names: str, category: Category | None = None) -> list[Product]:
    return [Product.objects.create(name=name, price=10_000, category=category) for name in names]


def bulk_orders(rows: Iterable[tuple[int, dt.date, int]], *, branch: Branch) -> int:
    """(customer id, day, total) rows as fulfilled orders, in one bulk insert."""
    now = timezone.now()
    made = [
        Order(
            number=f"B{next(_numbers):08d}",
            customer_id=customer_id,
            branch=branch,
            business_date=day,
            placed_at=now,
            total=total,
            subtotal=total,
        )
        for customer_id, day, total in rows
    ]
    Order.objects.bulk_create(made, batch_size=2000)
    return len(made)
