"""The nightly loyalty jobs over many members: tier re-evaluation, points expiry (oldest points
first, derived from the ledger) and the balance-versus-ledger check.

Data (written in bulk, not through the services, which are not what is measured here):
BENCH_MEMBERS members (default 1,000,000), each with two earned lots — one past its expiry —
a redemption for every third member, and one to three qualifying purchases in the last year.
Database: PostgreSQL when BENCH_DATABASE_URL points at a server (a database
`setia_bench_loyalty` is created and dropped there), else a throw-away SQLite file.
"""

import datetime as dt
import os
import random
import time
from typing import Any

from bench.database import throwaway

MEMBERS = int(os.environ.get("BENCH_MEMBERS", "1000000"))
CHUNK = 50_000


def _rows(template: dict[str, Any], columns: list[str], values: dict[str, Any]) -> list[Any]:
    from django.db import connection

    row = []
    for column in columns:
        value = values.get(column, template.get(column))
        if isinstance(value, dt.datetime):
            value = connection.ops.adapt_datetimefield_value(value)
        elif isinstance(value, dt.date):
            value = connection.ops.adapt_datefield_value(value)
        row.append(value)
    return row


def _load(now: dt.datetime) -> dict[str, int]:
    from django.db import transaction

    from setia.core.bulk import insert_rows, refresh_statistics, row_template
    from setia.customers.models import Customer
    from setia.loyalty.models import Membership, PointsEntry, QualifyingActivity, Tier

    silver = Tier.objects.create(name="Silver", rank=0)
    Tier.objects.create(name="Gold", rank=1, min_spend=1_500_000, window_days=365, points_multiplier=2)
    Tier.objects.create(name="Platinum", rank=2, min_spend=4_000_000, min_visits=6, window_days=365)
    rng = random.Random(11)
    counts = {"customers": 0, "points_entries": 0, "qualifying": 0}
    tables: list[tuple[Any, list[str]]] = []
    for model in (Customer, Membership, PointsEntry, QualifyingActivity):
        template = row_template(model)
        tables.append((model, ["id", *template]))
    (
        (customer_model, customer_columns),
        (member_model, member_columns),
        (entry_model, entry_columns),
        (
            activity_model,
            activity_columns,
        ),
    ) = tables
    templates = {model: row_template(model) for model, _columns in tables}
    entry_id = activity_id = 0
    old, recent, redeemed_at = now - dt.timedelta(days=420), now - dt.timedelta(days=60), now - dt.timedelta(days=30)
    for start in range(1, MEMBERS + 1, CHUNK):
        ids = range(start, min(start + CHUNK, MEMBERS + 1))
        customers, members, entries, activity = [], [], [], []
        for pk in ids:
            name = f"Anggota {pk}"
            customers.append(
                _rows(
                    templates[customer_model],
                    customer_columns,
                    {"id": pk, "name": name, "search_name": name.lower(), "created_at": old, "updated_at": old},
                )
            )
            redeem = pk % 3 == 0
            balance = 80 - (20 if redeem else 0)
            members.append(
                _rows(
                    templates[member_model],
                    member_columns,
                    {
                        "id": pk,
                        "customer_id": pk,
                        "number": f"B{pk:09d}",
                        "referral_code": f"R{pk:09d}",
                        "tier_id": silver.pk,
                        "points_balance": balance,
                        "joined_at": old,
                        "created_at": old,
                        "updated_at": old,
                    },
                )
            )
            lots = [(old, 50, 50, old + dt.timedelta(days=365)), (recent, 30, 80, recent + dt.timedelta(days=365))]
            for at, points, after, expires in lots:
                entry_id += 1
                entries.append(
                    _rows(
                        templates[entry_model],
                        entry_columns,
                        {
                            "id": entry_id,
                            "membership_id": pk,
                            "kind": "earn",
                            "points": points,
                            "balance_after": after,
                            "created_at": at,
                            "expires_at": expires,
                            "source": f"bench:{entry_id}",
                        },
                    )
                )
            if redeem:
                entry_id += 1
                entries.append(
                    _rows(
                        templates[entry_model],
                        entry_columns,
                        {
                            "id": entry_id,
                            "membership_id": pk,
                            "kind": "redeem",
                            "points": -20,
                            "balance_after": 60,
                            "created_at": redeemed_at,
                            "expires_at": None,
                        },
                    )
                )
            for _visit in range(rng.randint(1, 3)):
                activity_id += 1
                day = (now - dt.timedelta(days=rng.randint(1, 360))).date()
                activity.append(
                    _rows(
                        templates[activity_model],
                        activity_columns,
                        {
                            "id": activity_id,
                            "membership_id": pk,
                            "occurred_on": day,
                            "amount": rng.choice([150_000, 600_000, 1_200_000, 2_500_000]),
                            "visits": 1,
                        },
                    )
                )
        with transaction.atomic():
            insert_rows(customer_model, customer_columns, customers)
            insert_rows(member_model, member_columns, members)
            insert_rows(entry_model, entry_columns, entries)
            insert_rows(activity_model, activity_columns, activity)
        counts["customers"] += len(customers)
        counts["points_entries"] += len(entries)
        counts["qualifying"] += len(activity)
    _reset_sequences([customer_model, member_model, entry_model, activity_model])
    refresh_statistics()
    return counts


def _reset_sequences(models: list[Any]) -> None:
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)


def run() -> dict[str, Any]:
    vendor = throwaway("loyalty", "setia_bench_loyalty")[1]
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from setia.loyalty.models import Membership, PointsEntry, TierChange
    from setia.loyalty.services import ledger, tiers

    call_command("migrate", verbosity=0)
    now = timezone.now()
    start = time.perf_counter()
    counts = _load(now)
    figures: dict[str, Any] = {
        "database": vendor,
        "members": MEMBERS,
        **counts,
        "load_seconds": round(time.perf_counter() - start, 1),
    }
    start = time.perf_counter()
    moved = tiers.tiers_reevaluate(today=timezone.localdate())
    figures["tier_reevaluation_seconds"] = round(time.perf_counter() - start, 1)
    figures["tier_changes"] = moved
    assert TierChange.objects.count() == moved["upgraded"] + moved["downgraded"]
    start = time.perf_counter()
    expired = ledger.points_expire_due(now=now)
    figures["points_expiry_seconds"] = round(time.perf_counter() - start, 1)
    figures["points_expired"] = expired
    # Every member had a 50-point lot past its date; a third of them had used 20 of it.
    expected = 50 * MEMBERS - 20 * (MEMBERS // 3)
    assert expired == expected, (expired, expected)
    assert PointsEntry.objects.filter(kind="expire").count() == MEMBERS
    start = time.perf_counter()
    mismatches = ledger.ledger_mismatches()
    figures["ledger_check_seconds"] = round(time.perf_counter() - start, 1)
    figures["ledger_mismatches"] = len(mismatches)
    assert not mismatches and not Membership.objects.filter(points_balance__lt=0).exists()
    return figures
