"""Loyalty fixtures: a salon's programme on top of the shared business and personas."""

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from setia.catalog.models import Category, Product
from setia.conftest import Business, client_for
from setia.customers.models import Customer
from setia.loyalty.models import LoyaltySettings, Membership, Tier
from setia.loyalty.services import membership as membership_services

JAKARTA = dt.timezone(dt.timedelta(hours=7))


def at(day: str, hour: int = 12) -> dt.datetime:
    """A time in Jakarta, e.g. at("2026-03-07")."""
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=JAKARTA)


def lapsed_lot(member: Membership, points: int) -> None:
    """Points earned over a year ago whose date passed yesterday, before the nightly expiry ran."""
    from setia.loyalty.services import ledger

    yesterday = timezone.now() - dt.timedelta(days=1)
    ledger.points_post(
        membership=member, kind="earn", points=points, at=yesterday - dt.timedelta(days=400), expires_at=yesterday
    )


@pytest.fixture
def programme(business: Business) -> LoyaltySettings:
    config = membership_services.loyalty_settings()
    config.card_prefix = "SLN"
    config.spend_unit = 10_000
    config.points_per_unit = 1
    config.point_value = 100
    config.points_expire_months = 12
    config.save()
    return config


@pytest.fixture
def owner(business: Business, programme: LoyaltySettings) -> Client:
    """The owner's browser, in English (the pages open in Indonesian unless told otherwise)."""
    client = client_for(business.owner)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def tiers(programme: LoyaltySettings) -> dict[str, Tier]:
    return {
        "silver": Tier.objects.create(name="Silver", rank=0),
        "gold": Tier.objects.create(name="Gold", rank=1, min_spend=5_000_000, points_multiplier=2, window_days=365),
        "platinum": Tier.objects.create(name="Platinum", rank=2, min_spend=20_000_000, points_multiplier=3),
    }


@pytest.fixture
def make_customer(business: Business) -> Callable[..., Customer]:
    counter = iter(range(1, 10_000))

    def make(name: str = "", branch: Any = None, **fields: Any) -> Customer:
        number = next(counter)
        return Customer.objects.create(
            name=name or f"Pelanggan {number}",
            search_name=(name or f"pelanggan {number}").lower(),
            home_branch=branch or business.branch_a,
            **fields,
        )

    return make


@pytest.fixture
def join(
    business: Business, programme: LoyaltySettings, make_customer: Callable[..., Customer]
) -> Callable[..., Membership]:
    def make(name: str = "", referral_code: str = "", **fields: Any) -> Membership:
        return membership_services.membership_join(
            actor=business.cashier_a, customer=make_customer(name, **fields), referral_code=referral_code
        )

    return make


@pytest.fixture
def catalogue(db: None) -> dict[str, Any]:
    hair = Category.objects.create(name="Rambut")
    nails = Category.objects.create(name="Kuku")
    return {
        "hair": hair,
        "nails": nails,
        "cut": Product.objects.create(name="Potong rambut", price=150_000, category=hair, kind="service"),
        "cream": Product.objects.create(name="Creambath", price=200_000, category=hair, kind="service"),
        "mani": Product.objects.create(name="Manikur", price=100_000, category=nails, kind="service"),
        "shampoo": Product.objects.create(name="Sampo", price=80_000),
        "book": Product.objects.create(name="Buku", price=50_000),
    }


@pytest.fixture
def purchase_history() -> Iterator[set[int]]:
    """Customer ids that "sales" says have bought before (a fake registered for the test)."""
    bought: set[int] = set()
    checks = membership_services._history_checks
    checks.append(lambda customer_id: customer_id in bought)
    yield bought
    checks.pop()


def now() -> dt.datetime:
    return timezone.now()


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Service messages are matched in English (the catalog translates them for people)."""
    from django.utils import translation

    with translation.override("en"):
        yield
