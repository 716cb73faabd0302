"""A small hand-made population: four live customers and an archived one, with profiles,
addresses, custom fields, scores, a membership and purchases, so every operator can be checked
against an exact set of names."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone, translation

from setia.analytics.models import CustomerScore
from setia.catalog.models import Category, Product
from setia.conftest import Business
from setia.customers.models import Address, Customer, CustomerEmail, CustomerPhone, Tag
from setia.customers.services import custom_field_create
from setia.loyalty.models import Membership, Tier
from setia.sales.models import Order, OrderLine


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def years_ago(years: int, days: int = 0) -> dt.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) + dt.timedelta(days=days)


def score(customer: Customer, segment: str, predicted: int | None, churn: float | None, loyalty: int) -> CustomerScore:
    today = timezone.localdate()
    return CustomerScore.objects.create(
        customer=customer,
        first_purchase=today,
        last_purchase=today,
        recency_days=1,
        frequency=1,
        monetary=100_000,
        r_score=5,
        f_score=5,
        m_score=5,
        fm_score=5,
        rfm_segment=segment,
        historic_value=(predicted or 0) // 2,
        predicted_value=predicted,
        churn_risk=churn,
        prob_alive=None if churn is None else 1 - churn,
        loyalty_index=loyalty,
        loyalty_regularity=0,
        loyalty_feedback=0,
        loyalty_breadth=0,
        loyalty_staying=0,
        loyalty_referrals=0,
        purchase_days=1,
        categories_bought=1,
        referrals_made=0,
        computed_at=timezone.now(),
    )


def _order(customer: Customer, business: Business, days_ago: int, total: int, status: str = "fulfilled") -> Order:
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return Order.objects.create(
        number=f"S{Order.objects.count() + 1:06d}",
        customer=customer,
        branch=business.branch_a,
        business_date=day,
        placed_at=timezone.make_aware(dt.datetime.combine(day, dt.time(10))),
        total=total,
        subtotal=total,
        status=status,
    )


def _customer(name: str, **fields: Any) -> Customer:
    return Customer.objects.create(name=name, search_name=name.lower(), **fields)


@pytest.fixture
def people(business: Business) -> dict[str, Any]:
    owner = business.owner
    custom_field_create(actor=owner, key="anak", label="Jumlah anak", field_type="integer")
    custom_field_create(
        actor=owner, key="kulit", label="Jenis kulit", field_type="choice", choices=["Kering", "Berminyak"]
    )
    custom_field_create(actor=owner, key="vip", label="VIP", field_type="boolean")
    custom_field_create(actor=owner, key="tgl_daftar", label="Tanggal daftar", field_type="date")
    custom_field_create(actor=owner, key="catatan_gaya", label="Catatan gaya", field_type="text")
    custom_field_create(actor=owner, key="minat", label="Minat", field_type="multi_choice", choices=["Yoga", "Renang"])
    ani = _customer(
        "Ani",
        gender="female",
        birthday=years_ago(30),
        occupation="Guru SD",
        home_branch=business.branch_a,
        source="referral",
        custom={
            "anak": 2,
            "kulit": "Kering",
            "vip": True,
            "tgl_daftar": "2025-01-10",
            "catatan_gaya": "suka warna merah",
        },
    )
    budi = _customer(
        "Budi",
        gender="male",
        birthday=years_ago(30, days=1),  # turns 30 tomorrow
        occupation="Pedagang",
        home_branch=business.branch_b,
        custom={"anak": 0, "kulit": "Berminyak", "vip": False},
    )
    citra = _customer("Citra", gender="female", home_branch=business.branch_a)
    dedi = _customer(
        "Dedi",
        gender="male",
        birthday=years_ago(45),
        occupation="guru les",
        custom={"anak": 5, "minat": ["Renang", "Yoga"]},
    )
    _customer("Eko (archived)", gender="male", archived_at=timezone.now(), occupation="Guru")
    Address.objects.create(customer=ani, line="Jl. Dago 1", province_id="32", regency_id="32.73")
    Address.objects.create(customer=budi, line="Jl. Thamrin 2", province_id="31", regency_id="31.71")
    Address.objects.create(customer=citra, line="Jl. Riau 3", province_id="32", regency_id="32.73")
    Address.objects.create(customer=citra, line="Kantor", province_id="31", regency_id="31.71")
    culinary = Tag.objects.create(name="Kuliner", kind=Tag.Kind.INTEREST)
    ani.tags.add(culinary)
    CustomerPhone.objects.create(customer=ani, number="+6281200000001", is_primary=True)
    CustomerEmail.objects.create(customer=budi, email="budi@example.com", is_primary=True)
    budi.member_number = "CARD0002"
    budi.save(update_fields=["member_number"])
    score(ani, "champions", 6_000_000, 0.1, 80)
    score(budi, "champions", 4_000_000, 0.6, 40)
    score(dedi, "lost", None, None, 10)
    gold = Tier.objects.create(name="Gold", rank=1)
    Membership.objects.create(customer=ani, number="M0001", referral_code="ANI01", tier=gold, points_balance=500)
    _order(ani, business, 10, 300_000)
    _order(ani, business, 100, 200_000)
    serum = Product.objects.create(name="Serum", price=1_000_000, category=Category.objects.create(name="Perawatan"))
    budi_order = _order(budi, business, 400, 1_000_000)
    OrderLine.objects.create(
        order=budi_order,
        product=serum,
        category_id_at_sale=serum.category_id,
        description="Serum",
        unit_price=1,
        total=1,
    )
    _order(citra, business, 5, 700_000, status="cancelled")
    return {"ani": ani, "budi": budi, "citra": citra, "dedi": dedi, "gold": gold, "serum": serum, "tag": culinary}
