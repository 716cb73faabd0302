import datetime as dt
from collections.abc import Iterator

import pytest
from django.utils import timezone, translation

from setia.catalog.models import Category, Product
from setia.conftest import Business
from setia.customers.models import Customer
from setia.loyalty.models import LoyaltySettings, Tier
from setia.sales.models import Appointment, SalesSettings


@pytest.fixture
def shop(business: Business) -> dict:
    """A salon's catalogue, a member with the Silver tier and the default rules:
    1 point per Rp 10.000, a point is worth Rp 100, PPN 11% included, cash rounded to Rp 100."""
    hair = Category.objects.create(name="Rambut")
    creambath = Product.objects.create(
        kind="service", name="Creambath", price=150_000, category=hair, duration_minutes=60
    )
    shampoo = Product.objects.create(name="Sampo", price=45_500, category=hair)
    LoyaltySettings.objects.create(pk=1)
    SalesSettings.objects.create(pk=1)
    silver = Tier.objects.create(name="Silver", rank=0)
    gold = Tier.objects.create(name="Gold", rank=1, min_spend=1_000_000, discount_percent=10, points_multiplier=2)
    customer = Customer.objects.create(name="Siti Rahma", search_name="siti rahma", home_branch=business.branch_a)
    return {
        "creambath": creambath,
        "shampoo": shampoo,
        "silver": silver,
        "gold": gold,
        "customer": customer,
        "hair": hair,
    }


def tomorrow_at(hour: int) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def booked(business: Business, shop: dict) -> Appointment:
    """Siti's creambath with Sari at Kemang, tomorrow at 10:00."""
    from setia.sales.services import bookings

    return bookings.appointment_book(
        actor=business.manager,
        customer=shop["customer"],
        branch=business.branch_a,
        service=shop["creambath"],
        starts_at=tomorrow_at(10),
        staff=business.cashier_a,
    )


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Service messages in English for exact assertions (pages choose their own language)."""
    with translation.override("en"):
        yield


def till_form(business: Business, *products: Product, **extra: object) -> dict:
    """The cashier screen's form with `products` in the cart, paid in cash (amount left empty)."""
    return {
        "branch": business.branch_a.pk,
        "sale_key": "cashier-till-0001",
        "line_product": [p.pk for p in products],
        "line_quantity": ["1"] * len(products),
        "line_price": [str(p.price) for p in products],
        "line_description": [p.name for p in products],
        "line_staff": [""] * len(products),
        "pay_method": ["cash"],
        "pay_amount": [""],
        **extra,
    }
