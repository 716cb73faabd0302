"""Demo catalogue, loyalty programme and two years of purchase history.

Orders follow the seasons of an Indonesian business: busier weekends (salon) or weekdays (taxi),
paydays at the end of the month, December holidays and — moving with the Hijri calendar, so
computed with `hijridate` — Ramadan (quieter days, then the rush of the last ten days before
Lebaran: hair and nails for the salon, mudik trips for the taxi), Lebaran week (closed or
quiet) and the halal bihalal weeks after. Customers behave differently: a few loyal and
frequent, some regular, many who came once, and some who stopped coming after the first year.

Small demos go through the real services (checkout, membership, purchase rewards), so the
ledger, receipts and tiers are exactly what the product would have produced. Members spend what
they earn there too: a free treatment of their own (stamp card, friends brought) at the next
visit, now and then a shop voucher, part of a bill in cashback or points. Large ones
(`orders` above BULK_ORDERS_FROM lines) are written in bulk: orders, lines and payments with
COPY/executemany, and the members' points computed in bulk — each balance equal to its ledger;
the rewards with rules of their own (cashback, promotion codes, stamp-card stamps) are left out
of that history.
"""

import contextlib
import datetime as dt
import itertools
import random
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import BigIntegerField, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Cast, Coalesce, Least
from django.utils import timezone
from hijridate import Gregorian, Hijri

from setia.accounts.models import Branch, User
from setia.catalog.models import Category, Product
from setia.core.bulk import allocate_ids, bulk_insert, refresh_statistics
from setia.core.errors import ApplicationError
from setia.core.models import AuditEvent
from setia.customers.models import Customer
from setia.demo.data import PRODUCTS, destinations
from setia.loyalty.models import (
    CashbackRule,
    EarnRule,
    LoyaltySettings,
    Membership,
    PointsEntry,
    Promotion,
    Referral,
    Reward,
    Tier,
    Voucher,
    VoucherUse,
)
from setia.loyalty.services import ledger, programmes, vouchers
from setia.loyalty.services.membership import CODE_ALPHABET, expiry_from, loyalty_settings, membership_join
from setia.sales.models import Appointment, Driver, Order, Payment, Trip
from setia.sales.services import imports
from setia.sales.services.checkout import LineIn, PaymentIn, checkout, quote

JAKARTA = ZoneInfo("Asia/Jakarta")
DAYS = 730
BULK_ORDERS_FROM = 20_000  # order lines; above, history is written in bulk
PAYMENT_METHODS = ["cash", "cash", "qris", "qris", "gopay", "ovo", "transfer", "card"]


# --- Catalogue and programme --------------------------------------------------------------------


def seed_catalogue(profile: str) -> dict[str, Product]:
    """The salon's services (with durations) and products, or the taxi's trip service."""
    products: dict[str, Product] = {}
    categories: dict[str, Category] = {}
    for sku, name, kind, category, price, minutes in PRODUCTS[profile]:
        if category not in categories:
            categories[category] = Category.objects.create(name=category)
        products[sku] = Product.objects.create(
            sku=sku,
            name=name,
            kind=kind,
            category=categories[category],
            price=price,
            duration_minutes=minutes,
        )
    return products


def seed_programme(owner: User, profile: str, products: dict[str, Product]) -> dict[str, Any]:
    """Tiers with their rules, an earn rule, cashback for returning customers, vouchers, the
    referral threshold reward and a buy-5-get-1-free promotion, through loyalty's own services."""
    salon = profile == "salon"
    star = products["CRB" if salon else "TRIP"]
    free = vouchers.voucher_create(
        actor=owner,
        name="Gratis creambath" if salon else "Gratis 1 perjalanan",
        kind=Voucher.Kind.FREE_ITEM,
        free_product=star,
        per_customer_limit=None,
    )
    config = LoyaltySettings(
        spend_unit=10_000,
        points_per_unit=1,
        point_value=100,
        points_expire_months=12,
        sign_up_points=20,
        birthday_points=50,
        referral_trigger=LoyaltySettings.ReferralTrigger.FIRST_PURCHASE,
        referrer_points=50,
        referee_points=25,
        referral_threshold=3,
        referral_threshold_voucher=free,
    )
    programmes.settings_save(actor=owner, config=config)
    tiers = {}
    for name, rank, spend, visits, discount, multiplier in (
        ("Silver", 0, 0, 0, 0, 1),
        ("Gold", 1, 2_000_000 if salon else 1_000_000, 6, 5, Decimal("1.5")),
        ("Platinum", 2, 6_000_000 if salon else 3_000_000, 15, 10, 2),
    ):
        tiers[name] = programmes.config_save(
            actor=owner,
            instance=Tier(
                name=name,
                rank=rank,
                min_spend=spend,
                min_visits=visits,
                discount_percent=discount,
                points_multiplier=multiplier,
                free_items="Minuman gratis" if rank == 2 else "",
            ),
        )
    category = star.category
    programmes.config_save(
        actor=owner,
        instance=EarnRule(
            name="Poin ekstra perawatan" if salon else "Poin ekstra perjalanan",
            kind=EarnRule.Kind.CATEGORY,
            category=category,
            points=2,
        ),
    )
    programmes.config_save(
        actor=owner,
        instance=CashbackRule(
            name="Cashback 10% pelanggan kembali", percent=10, max_amount=25_000, returning_only=True
        ),
    )
    # Up- and cross-sell of the shapes a visit really has: one cart, or the next visit.
    if salon:
        offers = [
            Promotion(
                name="Hair spa gratis vitamin rambut",
                kind=Promotion.Kind.BUY_X_GET_Y,
                product=products["HSP"],
                reward_product=products["VTM"],
                quantity=1,
            ),
            Promotion(
                name="Paket manicure + pedicure",
                kind=Promotion.Kind.BUNDLE,
                product=products["MNC"],
                reward_product=products["PDC"],
                bundle_price=140_000,
            ),
            # The salon's classic card across visits: five creambaths stamped, the sixth free.
            Promotion(
                name="Kartu stempel creambath",
                kind=Promotion.Kind.STAMP_CARD,
                product=products["CRB"],
                quantity=5,
                next_valid_days=60,
            ),
        ]
    else:
        offers = [
            Promotion(
                name="Antar bandara: perjalanan berikutnya 20%",
                kind=Promotion.Kind.NEXT_DISCOUNT,
                product=products["ARPT"],
                discount_percent=20,
                next_valid_days=30,
            )
        ]
    for offer in offers:
        programmes.config_save(actor=owner, instance=offer)
    # Rewards to take for points (a point is worth Rp 100 when paying): a few with limited stock.
    rewards = (
        [
            ("Vitamin rambut gratis", 300, products.get("VTM"), 30),
            ("Masker rambut alpukat", 600, products.get("MSK"), 20),
        ]
        if salon
        else [("Gratis perjalanan dalam kota", 400, products.get("TRIP"), None)]
    ) + [("Payung lipat", 250, None, 50)]
    for name, points, product, stock in rewards:
        programmes.config_save(
            actor=owner, instance=Reward(name=name, points_cost=points, product=product, stock=stock)
        )
    now = timezone.now()
    for name, kind, value, minimum in (
        ("Diskon Rp 20.000", Voucher.Kind.AMOUNT, 20_000, 100_000),
        ("Promo Lebaran 15%", Voucher.Kind.PERCENT, 15, 0),
        ("Pelanggan baru Rp 10.000", Voucher.Kind.AMOUNT, 10_000, 50_000),
    ):
        voucher = vouchers.voucher_create(
            actor=owner,
            name=name,
            kind=kind,
            value=value,
            min_spend=minimum,
            max_discount=50_000 if kind == Voucher.Kind.PERCENT else None,
            valid_until=now + dt.timedelta(days=90),
        )
        vouchers.codes_issue(actor=owner, voucher=voucher, count=5)
    return {"tiers": tiers, "free_voucher": free}


# --- When people buy ------------------------------------------------------------------------------


def _date(value: Gregorian) -> dt.date:
    return dt.date(value.year, value.month, value.day)


def ramadan_periods(first: dt.date, last: dt.date) -> list[tuple[dt.date, dt.date]]:
    """(first day of Ramadan, Lebaran = 1 Syawal) for every Ramadan touching [first, last]."""
    start_year = Gregorian(first.year, first.month, first.day).to_hijri().year
    periods = []
    for year in range(start_year - 1, start_year + (last.year - first.year) + 2):
        ramadan, lebaran = _date(Hijri(year, 9, 1).to_gregorian()), _date(Hijri(year, 10, 1).to_gregorian())
        if lebaran + dt.timedelta(days=21) >= first and ramadan <= last:
            periods.append((ramadan, lebaran))
    return periods


SALON_WEEK = [0.7, 0.6, 0.8, 0.9, 1.2, 1.6, 1.5]  # Monday .. Sunday
TAXI_WEEK = [1.2, 1.0, 1.0, 1.0, 1.3, 0.9, 0.7]


def day_weight(day: dt.date, profile: str, periods: list[tuple[dt.date, dt.date]], progress: float) -> float:
    salon = profile == "salon"
    weight = (SALON_WEEK if salon else TAXI_WEEK)[day.weekday()]
    if day.day >= 25 or day.day <= 2:
        weight *= 1.15  # payday
    if day.month == 12 and day.day >= 15:
        weight *= 1.2  # year-end holidays
    for ramadan, lebaran in periods:
        if ramadan <= day < lebaran:
            weight *= (1.9 if salon else 1.6) if (lebaran - day).days <= 10 else (0.75 if salon else 0.9)
        elif lebaran <= day <= lebaran + dt.timedelta(days=6):
            weight *= 0.25 if salon else 0.5  # Lebaran and cuti bersama
        elif lebaran < day <= lebaran + dt.timedelta(days=21):
            weight *= 1.25  # halal bihalal; the return from mudik
    return weight * (0.85 + 0.3 * progress)  # the business grows


@dataclass(slots=True)
class Plan:
    customer: int  # index into the customer list
    day: dt.date
    minute: int  # minutes after 08:00 local time


def customer_behaviour(rng: random.Random, customers: int) -> list[str]:
    return rng.choices(["loyal", "regular", "once", "churned"], weights=[12, 30, 43, 15], k=customers)


def plan_orders(rng: random.Random, profile: str, behaviour: list[str], orders: int, today: dt.date) -> Iterator[Plan]:
    """Who buys on which day, in date order (streamed: ten million lines need no list of them).
    A one-off customer buys exactly once; a churned one only in the first year; the rest of the
    orders go to loyal customers (60%) and regular ones."""
    first = today - dt.timedelta(days=DAYS)
    periods = ramadan_periods(first, today)
    days = [first + dt.timedelta(days=offset) for offset in range(DAYS)]
    weights = [day_weight(day, profile, periods, index / DAYS) for index, day in enumerate(days)]
    total = sum(weights)
    groups: dict[str, list[int]] = {"loyal": [], "regular": [], "once": [], "churned": []}
    for index, kind in enumerate(behaviour):
        groups[kind].append(index)
    loyal = groups["loyal"] or groups["regular"] or [0]
    regular = groups["regular"] or loyal
    once = groups["once"][: max(orders // 3, 0)]
    rng.shuffle(once)
    churned = groups["churned"]
    first_year_orders = orders * sum(weights[:365]) / total
    churned_share = min(0.5, len(churned) * 5 / first_year_orders) if churned and first_year_orders else 0.0
    once_share = len(once) / orders if orders else 0.0
    carry = 0.0
    next_once = 0
    for index, (day, weight) in enumerate(zip(days, weights, strict=True)):
        expected = orders * weight / total + carry
        count = int(expected)
        carry = expected - count
        for minute in sorted(rng.randrange(0, 12 * 60) for _ in range(count)):
            draw = rng.random()
            if draw < once_share and next_once < len(once):
                customer = once[next_once]
                next_once += 1
            elif index < 365 and draw < once_share + churned_share:
                customer = rng.choice(churned)
            elif rng.random() < 0.6:
                customer = rng.choice(loyal)
            else:
                customer = rng.choice(regular)
            yield Plan(customer, day, minute)


def _night(day: dt.date) -> dt.datetime:
    """02:00 on `day`, when the nightly expiry runs."""
    return dt.datetime.combine(day, dt.time(2), tzinfo=JAKARTA)


def _at(plan: Plan) -> dt.datetime:
    return dt.datetime.combine(plan.day, dt.time(8), tzinfo=JAKARTA) + dt.timedelta(minutes=plan.minute)


# What salon customers buy together (a service and its companion service or product) and what
# they come back for next time, so the cross-sell rules have real patterns to find.
COMPANIONS = {
    "CRB": "MSK",  # creambath, then the avocado hair mask to take home
    "MNC": "PDC",  # manicure with pedicure
    "PDC": "MNC",
    "FCL": "SRM",  # facial with the face serum
    "PTR": "VTM",  # haircut with hair vitamins
    "SMR": "SMP",  # smoothing with the ginseng shampoo
    "LLR": "RFL",  # body scrub with reflexology
}
NEXT_VISIT = {"PTR": "WRN", "FCL": "LLR", "CRB": "HSP", "SMR": "CRB", "MNC": "FCL"}


def _salon_lines(
    rng: random.Random, products: dict[str, Product], last: dict[int, str], customer: int
) -> list[tuple[Product, int]]:
    """One visit's lines: a service (often the one that follows her previous visit's), its usual
    companion about half the time, sometimes another service or a product."""
    services = [p for p in products.values() if p.kind == Product.Kind.SERVICE]
    goods = [p for p in products.values() if p.kind == Product.Kind.PRODUCT]
    following = NEXT_VISIT.get(last.get(customer, ""))
    first = products[following] if following and rng.random() < 0.4 else rng.choice(services)
    last[customer] = first.sku or ""
    lines = [(first, 1)]
    companion = COMPANIONS.get(first.sku or "")
    if companion and rng.random() < 0.45:
        lines.append((products[companion], 1))
    if rng.random() < 0.2:
        other = rng.choice(services)
        if all(other != product for product, _quantity in lines):
            lines.append((other, 1))
    if rng.random() < 0.1:
        good = rng.choice(goods)
        if all(good != product for product, _quantity in lines):
            lines.append((good, rng.choice((1, 1, 2))))
    return lines


@dataclass
class Spend:
    """What a member spends of her rewards at one visit (checkout's `voucher_code`, `points`,
    `cashback`)."""

    voucher_code: str = ""
    points: int = 0
    cashback: int = 0


def _rewards_spent(
    rng: random.Random, customer: Customer, gross: int, lines: list[tuple[Product, int]], at: dt.datetime
) -> Spend:
    """Members use what they have earned, as they would: a free-treatment voucher of their own
    (stamp card, friends brought) at the next visit, now and then a shop voucher, and part of the
    bill paid with cashback or points. `lines` gets the free item when the voucher needs it."""
    balances = Membership.objects.filter(customer=customer).values("points_balance", "wallet_balance").first()
    if balances is None:
        return Spend()
    spend = Spend()
    own = next(
        (code for code in vouchers.codes_for_customer(customer, at=at) if code.voucher.kind == Voucher.Kind.FREE_ITEM),
        None,
    )
    free = own.voucher.free_product if own is not None else None
    if own is not None and free is not None and rng.random() < 0.8:
        if all(product.pk != free.pk for product, _quantity in lines):
            lines.append((free, 1))
        spend.voucher_code = own.code
    elif rng.random() < 0.04:
        shop = (
            vouchers.usable_codes(at)
            .filter(
                customer__isnull=True,
                voucher__kind__in=[Voucher.Kind.AMOUNT, Voucher.Kind.PERCENT],
                voucher__min_spend__lte=gross,
            )
            .exclude(voucher__in=VoucherUse.objects.filter(customer=customer).values("code__voucher"))
            .order_by("pk")
            .first()
        )
        spend.voucher_code = shop.code if shop is not None else ""
    if spend.voucher_code:
        return spend
    if balances["wallet_balance"] >= 25_000 and rng.random() < 0.35:
        spend.cashback = min(balances["wallet_balance"], gross // 2) // 1_000 * 1_000
    elif balances["points_balance"] >= 100 and rng.random() < 0.3:
        spend.points = min(balances["points_balance"], gross // 2 // loyalty_settings().point_value)
    return spend


def _drop_voucher_unless_it_fits(
    spend: Spend, branch: Branch, customer: Customer, lines: list[LineIn], at: dt.datetime
) -> None:
    """A voucher the bill does not qualify for once her member discount and the promotions are
    taken off (a minimum spend the fare no longer reaches) stays in her pocket, as the till would
    say: priced as the till prices it."""
    if (
        spend.voucher_code
        and quote(branch=branch, customer=customer, lines=lines, voucher_code=spend.voucher_code, at=at).voucher_error
    ):
        spend.voucher_code = ""


def taxi_fare(rng: random.Random) -> int:
    kilometres = rng.uniform(3, 25)
    return int((7_000 + 4_500 * kilometres) // 500 * 500)


# --- Small: through the services ------------------------------------------------------------------


def seed_history(
    *,
    rng: random.Random,
    owner: User,
    profile: str,
    branches: list[Branch],
    products: dict[str, Product],
    orders: int,
) -> dict[str, int]:
    """Members (some referred by friends), orders through checkout, trips or appointments, and
    today's and tomorrow's bookings. `orders` is the number of order lines wanted."""
    count = Customer.objects.count()
    if not count or not orders:
        return {"orders": 0, "lines": 0, "members": 0}
    today = timezone.localdate()
    lines_per_order = 1.0 if profile == "taxi" else 1.6
    behaviour = customer_behaviour(rng, count)
    planned = plan_orders(rng, profile, behaviour, int(orders / lines_per_order), today)
    if count > 2000 or orders > BULK_ORDERS_FROM:
        return _seed_history_bulk(
            rng=rng, owner=owner, profile=profile, products=products, plans=planned, behaviour=behaviour
        )
    customers = list(Customer.objects.order_by("pk").prefetch_related("addresses"))
    plans = list(planned)
    joins = iter(_plan_joins(rng, behaviour, plans))
    joining = next(joins, None)
    members: list[Membership] = []
    staff = list(User.objects.filter(role__in=["cashier", "sales"], is_active=True).order_by("pk"))
    drivers = _drivers_by_branch()
    lines_written = 0
    last_service: dict[int, str] = {}
    expired_through: dt.date | None = None
    for plan in plans:
        at = _at(plan)
        if plan.day != expired_through:  # the nightly expiry, before the day's first visit: no
            ledger.points_expire_due(now=_night(plan.day))  # points are spent after they expired
            expired_through = plan.day
        while joining is not None and joining[0] <= at:  # members join in time, between the visits
            members.append(_join(rng, owner, customers[joining[1]], members, joining[0]))
            joining = next(joins, None)
        customer = customers[plan.customer]
        branch = next((b for b in branches if b.pk == customer.home_branch_id), branches[0])
        cashier = next((s for s in staff if s.branch_id == branch.pk), None)
        if profile == "taxi":
            fare = taxi_fare(rng)
            address = rng.choice(list(customer.addresses.all()) or [None])
            destination = rng.choice(destinations(branch.name))
            driver = rng.choice(drivers[branch.pk]) if drivers[branch.pk] else None
            spend = _rewards_spent(rng, customer, fare, [], at)
            trip = [
                LineIn(product_id=products["TRIP"].pk, quantity=1, unit_price=fare, description=f"Trip → {destination}")
            ]
            _drop_voucher_unless_it_fits(spend, branch, customer, trip, at)
            order, _created = checkout(
                actor=owner,
                branch=branch,
                customer=customer,
                lines=trip,
                payments=[PaymentIn("cash", fare)],  # cash: the change covers what rewards paid
                voucher_code=spend.voucher_code,
                points=spend.points,
                cashback=spend.cashback,
                channel=Order.Channel.PHONE,
                placed_at=at,
                kind=Order.Kind.TRIP,
                service_address=address,
            )
            _cash_handed_over(order)
            Trip.objects.create(
                order=order,
                status=Trip.Status.COMPLETED,
                pickup_at=at,
                pickup_address=address,
                pickup_text=str(address) if address else "Jl. Sudirman No. 1",
                landmark=address.landmark if address else "",
                destination=destination,
                driver=driver,
                driver_name=driver.name if driver else "",
                vehicle=driver.vehicle_plate if driver else "",
                fare=fare,
                assigned_at=at - dt.timedelta(minutes=20),
                completed_at=at + dt.timedelta(minutes=35),
            )
            lines_written += 1
            continue
        chosen = _salon_lines(rng, products, last_service, plan.customer)
        spend = _rewards_spent(rng, customer, _gross(chosen), chosen, at)
        visit = [
            LineIn(product_id=product.pk, quantity=quantity, staff_id=cashier.pk if cashier else None)
            for product, quantity in chosen
        ]
        _drop_voucher_unless_it_fits(spend, branch, customer, visit, at)
        order, _created = checkout(
            actor=owner,
            branch=branch,
            customer=customer,
            lines=visit,
            # cash: the change covers any member discount and what rewards paid
            payments=[PaymentIn("cash", _gross(chosen))],
            voucher_code=spend.voucher_code,
            points=spend.points,
            cashback=spend.cashback,
            placed_at=at,
            kind=Order.Kind.APPOINTMENT,
        )
        _cash_handed_over(order)
        service = chosen[0][0]
        Appointment.objects.create(
            order=order,
            status=Appointment.Status.COMPLETED,
            service=service,
            staff=cashier,
            starts_at=at,
            ends_at=at + dt.timedelta(minutes=service.duration_minutes or 60),
        )
        lines_written += len(chosen)
    while joining is not None:
        members.append(_join(rng, owner, customers[joining[1]], members, joining[0]))
        joining = next(joins, None)
    ledger.points_expire_due()
    _customers_since_first_visit()
    _seed_bookings(rng, owner, profile, branches, customers, products)
    return {"orders": len(plans), "lines": lines_written, "members": len(members)}


def _customers_since_first_visit() -> None:
    """The demo's customers were created today, their history placed back in time: each becomes a
    customer on her first visit (first order or joining, whichever came first), and the audit event
    of her creation moves with her, so the 360° page's "customer since" and timeline agree."""
    first_order = Order.objects.filter(customer=OuterRef("pk")).order_by("placed_at").values("placed_at")[:1]
    joined = Membership.objects.filter(customer=OuterRef("pk")).values("joined_at")[:1]
    since = Least(Coalesce(Subquery(first_order), F("created_at")), Coalesce(Subquery(joined), F("created_at")))
    Customer.objects.filter(Q(Exists(first_order)) | Q(Exists(joined))).update(created_at=since)
    created = Customer.objects.filter(pk=Cast(OuterRef("object_id"), BigIntegerField())).values("created_at")[:1]
    AuditEvent.objects.filter(object_type="customers.customer", action=AuditEvent.Action.CREATE).filter(
        Exists(created)
    ).update(created_at=Subquery(created))


def _cash_handed_over(order: Order) -> None:
    """The cash a customer handed over, as people pay: the amount exactly, or the next round sum
    above it (the demo's sales are paid with the cash the list prices come to, which made a
    Rp 41.500 cash payment "received Rp 165.000")."""
    payment = Payment.objects.filter(order=order, method=Payment.Method.CASH).first()
    if payment is None:
        return
    step = random.Random(order.pk).choice([0, 10_000, 50_000, 100_000])  # not the plan's generator
    handed = -(-payment.amount // step) * step if step else payment.amount
    Payment.objects.filter(pk=payment.pk).update(tendered=handed if handed > payment.amount else None)


def _gross(lines: list[tuple[Product, int]]) -> int:
    return sum(product.price * quantity for product, quantity in lines)


def _plan_joins(rng: random.Random, behaviour: list[str], plans: list[Plan]) -> list[tuple[dt.datetime, int]]:
    """Who joins the programme, and when, in time order: most loyal customers, some regular ones
    and a few others, up to four days before their first visit (at the latest just before it);
    those who never visit, in the last few days."""
    chance = {"loyal": 0.9, "regular": 0.5, "once": 0.1, "churned": 0.3}
    joining = [index for index, kind in enumerate(behaviour) if rng.random() < chance[kind]]
    first_visit: dict[int, dt.datetime] = {}
    for plan in plans:
        first_visit[plan.customer] = min(_at(plan), first_visit.get(plan.customer, _at(plan)))
    now = timezone.now()
    joins = []
    for index in joining:
        visit = first_visit.get(index)
        day = (timezone.localtime(visit).date() if visit else timezone.localdate()) - dt.timedelta(
            days=rng.randrange(0, 5)
        )
        moment = dt.datetime.combine(day, dt.time(10), tzinfo=JAKARTA)
        latest = visit - dt.timedelta(minutes=10) if visit else now - dt.timedelta(minutes=5)
        joins.append((min(moment, latest), index))
    return sorted(joins)


def _join(
    rng: random.Random, owner: User, customer: Customer, members: list[Membership], moment: dt.datetime
) -> Membership:
    """`customer` joins as on `moment`: the card, the welcome and referral points it brings and
    their records are dated then, so the ledger reads in time order (each entry's balance after it
    follows from the one before). The first member refers the next three (the threshold reward);
    every fifth after them was referred by an earlier member."""
    referrer = members[0] if 1 <= len(members) <= 3 else None
    if referrer is None and members and len(members) % 5 == 0:
        referrer = rng.choice(members)
    last_entry = PointsEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    last_event = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    member = membership_join(actor=owner, customer=customer, referral_code=referrer.referral_code if referrer else "")
    config = loyalty_settings()
    for entry in PointsEntry.objects.filter(pk__gt=last_entry):
        entry.created_at = moment
        entry.expires_at = expiry_from(moment, config) if entry.expires_at else None
        entry.save(update_fields=["created_at", "expires_at"])
    Referral.objects.filter(referee=member).update(created_at=moment)
    Referral.objects.filter(referee=member, rewarded_at__isnull=False).update(rewarded_at=moment)
    AuditEvent.objects.filter(pk__gt=last_event).update(created_at=moment)
    Membership.objects.filter(pk=member.pk).update(joined_at=moment, tier_since=moment)
    return member


def _drivers_by_branch() -> dict[int, list[Driver]]:
    """The active drivers of each branch (the taxi's; none for the salon)."""
    drivers: dict[int, list[Driver]] = defaultdict(list)
    for driver in Driver.objects.filter(is_active=True).order_by("pk"):
        drivers[driver.branch_id].append(driver)
    return drivers


def _appointment_start(now: dt.datetime, index: int) -> dt.datetime:
    """The demo's `index`-th appointment: five on the first day, 1.5 hours apart from 09:00 or the
    next whole hour (today while that is before 13:00, else tomorrow), the rest the day after, all
    within the default opening hours (09:00-20:00)."""
    opening = now.replace(hour=9, minute=0, second=0, microsecond=0)
    next_hour = now.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    first = max(opening, next_hour)
    if first.hour >= 13 or first.date() != now.date():  # late in the day, or past midnight
        first = opening + dt.timedelta(days=1)
    day_start = first if index < 5 else first.replace(hour=9) + dt.timedelta(days=1)
    return day_start + dt.timedelta(hours=(index % 5) * 1.5)


def _seed_bookings(
    rng: random.Random,
    owner: User,
    profile: str,
    branches: list[Branch],
    customers: list[Customer],
    products: dict[str, Product],
) -> None:
    """Trips booked for later today (taxi), appointments today and tomorrow (salon)."""
    from setia.sales.services.bookings import appointment_book, trip_assign, trip_book

    now = timezone.localtime()
    with_address = [c for c in customers if c.addresses.all()]
    if profile == "taxi":
        drivers = _drivers_by_branch()
        for index, customer in enumerate(rng.sample(with_address, min(8, len(with_address)))):
            address = rng.choice(list(customer.addresses.all()))
            branch = next((b for b in branches if b.pk == customer.home_branch_id), branches[0])
            trip = trip_book(
                actor=owner,
                customer=customer,
                branch=branch,
                pickup_at=now + dt.timedelta(minutes=30 + 45 * index),
                pickup_address=address,
                destination=rng.choice(destinations(branch.name)),
            )
            if index % 2 == 0 and drivers[branch.pk]:
                trip_assign(actor=owner, trip=trip, driver_id=rng.choice(drivers[branch.pk]).pk)
        return
    services = [p for p in products.values() if p.kind == Product.Kind.SERVICE]
    stylists = {b.pk: list(User.objects.filter(branch=b, is_active=True).order_by("pk")) for b in branches}
    for index, customer in enumerate(rng.sample(customers, min(12, len(customers)))):
        branch = next((b for b in branches if b.pk == customer.home_branch_id), branches[0])
        start = _appointment_start(now, index)
        staff = stylists[branch.pk][index % len(stylists[branch.pk])] if stylists[branch.pk] else None
        service = rng.choice(services)
        try:
            appointment_book(
                actor=owner, customer=customer, branch=branch, service=service, starts_at=start, staff=staff
            )
        except ApplicationError:  # that stylist is busy then: any free stylist will do
            with contextlib.suppress(ApplicationError):  # unless everyone is: no booking then
                appointment_book(actor=owner, customer=customer, branch=branch, service=service, starts_at=start)


# --- Large: in bulk ---------------------------------------------------------------------------------


def _seed_history_bulk(
    *,
    rng: random.Random,
    owner: User,
    profile: str,
    products: dict[str, Product],
    plans: Iterator[Plan],
    behaviour: list[str],
) -> dict[str, int]:
    customer_rows = list(Customer.objects.order_by("pk").values_list("pk", "home_branch_id"))
    default_branch = Branch.objects.order_by("pk").values_list("pk", flat=True).first()
    members = _bulk_members(rng, customer_rows, behaviour)
    config = LoyaltySettings.objects.get(pk=1)
    postgres = connection.vendor == "postgresql"
    write = imports.copy_rows if postgres else imports.insert_rows
    now = timezone.now()
    stamp: Any = now if postgres else connection.ops.adapt_datetimefield_value(now)
    zero_rate: Any = Decimal(0) if postgres else connection.ops.adapt_decimalfield_value(Decimal(0), 5, 2)
    points: dict[int, int] = {}
    counts = {"orders": 0, "lines": 0, "members": len(members)}
    last_service: dict[int, str] = {}
    while batch := list(itertools.islice(plans, 20_000)):
        with transaction.atomic():
            ids = allocate_ids(Order, len(batch))
            orders, lines, payments, earn, qualifying = [], [], [], [], []
            for pk, plan in zip(ids, batch, strict=True):
                customer_id, branch_id = customer_rows[plan.customer]
                at = _at(plan)
                placed: Any = at if postgres else connection.ops.adapt_datetimefield_value(at)
                day: Any = plan.day if postgres else plan.day.isoformat()
                if profile == "taxi":
                    fare = taxi_fare(rng)
                    chosen = [(products["TRIP"], 1, fare)]
                else:
                    chosen = [
                        (product, quantity, product.price)
                        for product, quantity in _salon_lines(rng, products, last_service, plan.customer)
                    ]
                total = sum(quantity * price for _product, quantity, price in chosen)
                for product, quantity, price in chosen:
                    lines.append(
                        (
                            pk,
                            product.pk,
                            product.category_id,
                            product.name,
                            quantity,
                            price,
                            0,
                            quantity * price,
                            0,
                            None,
                            "",
                        )
                    )
                kind = Order.Kind.TRIP if profile == "taxi" else Order.Kind.SALE
                orders.append(
                    (
                        pk,
                        stamp,
                        stamp,
                        f"DEMO-{pk}",
                        kind.value,
                        customer_id,
                        branch_id or default_branch,
                        "phone" if profile == "taxi" else "outlet",
                        "fulfilled",
                        placed,
                        day,
                        total,
                        0,
                        0,
                        zero_rate,
                        0,
                        total,
                        0,
                        0,
                        0,
                        0,
                        "",
                        None,
                        "",
                        False,
                        None,
                        "",
                        owner.pk,
                    )
                )
                payments.append((pk, rng.choice(PAYMENT_METHODS), total, ""))
                member = members.get(customer_id)
                if member is not None:
                    earned = total // config.spend_unit * config.points_per_unit
                    qualifying.append((member, day, total, 1, f"sales.order:{pk}"))
                    if earned:
                        balance = points.get(member, 0) + earned
                        points[member] = balance
                        earn.append(
                            (
                                member,
                                "earn",
                                earned,
                                balance,
                                placed,
                                None,
                                f"sales.order:{pk}",
                                f"sales.order:{pk}:earn",
                                "Pembelian",
                                None,
                            )
                        )
            write("sales_order", imports.ORDER_COLUMNS, orders)
            write("sales_orderline", imports.LINE_COLUMNS, lines)
            write("sales_payment", ("order_id", "method", "amount", "reference"), payments)
            write(
                "loyalty_qualifyingactivity", ("membership_id", "occurred_on", "amount", "visits", "source"), qualifying
            )
            write(
                "loyalty_pointsentry",
                (
                    "membership_id",
                    "kind",
                    "points",
                    "balance_after",
                    "created_at",
                    "expires_at",
                    "source",
                    "unique_key",
                    "reason",
                    "actor_id",
                ),
                earn,
            )
            counts["orders"] += len(orders)
            counts["lines"] += len(lines)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE loyalty_membership SET points_balance = %s WHERE id = %s",
            [(balance, member) for member, balance in points.items()],
        )
    refresh_statistics()
    return counts


def _bulk_referral_code(pk: int) -> str:
    """Eight characters of the referral codes' alphabet (no 0/O, 1/I) that look random but are one
    per membership id: multiplying by an odd number is one-to-one modulo 2**40, and 40 bits are
    eight letters of 32. Random codes could repeat: with a million customers (a third of them
    members) about one seeding in 16 stopped on the unique referral code. Eight characters, so
    never one of the seven that `membership_join` gives."""
    mixed = pk * 0x9E3779B1 % 2**40
    return "".join(CODE_ALPHABET[mixed >> shift & 31] for shift in range(35, -1, -5))


def _bulk_members(
    rng: random.Random, customers: Sequence[tuple[int, int | None]], behaviour: list[str]
) -> dict[int, int]:
    """About a third of the customers are members (more of the loyal ones): customer id -> membership id."""
    chance = {"loyal": 0.9, "regular": 0.5, "once": 0.1, "churned": 0.3}
    entry = Tier.objects.filter(is_active=True).order_by("rank").first()
    prefix = LoyaltySettings.objects.get(pk=1).card_prefix
    chosen = [row for row, kind in zip(customers, behaviour, strict=True) if rng.random() < chance[kind]]
    mapping: dict[int, int] = {}
    now = timezone.now()
    for start in range(0, len(chosen), 20_000):
        batch = chosen[start : start + 20_000]
        with transaction.atomic():
            ids = allocate_ids(Membership, len(batch))
            rows = []
            for pk, (customer_id, branch_id) in zip(ids, batch, strict=True):
                rows.append(
                    Membership(
                        id=pk,
                        customer_id=customer_id,
                        number=f"{prefix}{pk:08d}",
                        branch_id=branch_id,
                        tier=entry,
                        tier_since=now,
                        joined_at=now - dt.timedelta(days=DAYS),
                        referral_code=_bulk_referral_code(pk),
                        created_at=now,
                        updated_at=now,
                    )
                )
                mapping[customer_id] = pk
            bulk_insert(rows, with_ids=True)
    return mapping
