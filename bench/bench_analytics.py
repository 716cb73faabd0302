"""The analytics refresh over many customers: extract to Parquet, RFM, BG/NBD + Gamma-Gamma fit
and prediction, loyalty index, write-back of every customer's scores and history; then an
incremental refresh after a day's new orders and refunds.

Data (written in bulk, not through checkout, which is not what is measured here):
BENCH_ANALYTICS_CUSTOMERS customers (default 100,000) whose purchase days are drawn the way
BG/NBD assumes (a gamma buying rate, a beta chance of leaving after each purchase) over three
years, with order lines spread over them to BENCH_ANALYTICS_LINES lines in all (default
1,000,000), ten categories, some cancelled, refunded and partly refunded orders, and referrals.
The issue's target is 1,000,000 customers / 10,000,000 lines.
Database: PostgreSQL when BENCH_DATABASE_URL points at a server (a database
`setia_bench_analytics` is created and dropped there), else a throw-away SQLite file.
"""

import datetime as dt
import os
import random
import tempfile
import time
from pathlib import Path
from typing import Any

CUSTOMERS = int(os.environ.get("BENCH_ANALYTICS_CUSTOMERS", "100000"))
LINES = int(os.environ.get("BENCH_ANALYTICS_LINES", "1000000"))
CHUNK = 50_000
HISTORY_DAYS = 1095


def _simulate(rng: random.Random) -> list[list[int]]:
    """Purchase days (days before today) per customer, most recent last."""
    people = []
    for _n in range(CUSTOMERS):
        offset = rng.randint(0, HISTORY_DAYS)
        rate, leave = rng.gammavariate(0.9, 1 / 40), rng.betavariate(1.2, 4)
        days = [offset]
        while len(days) < 60 and rng.random() >= leave:
            offset -= max(1, round(rng.expovariate(rate)))
            if offset < 0:
                break
            days.append(offset)
        people.append(days)
    return people


def _load(today: dt.date) -> dict[str, int]:
    from django.db import connection, transaction

    from setia.accounts.models import Branch
    from setia.catalog.models import Category
    from setia.core.bulk import insert_rows, refresh_statistics, row_template
    from setia.customers.models import Customer
    from setia.loyalty.models import Membership, Referral
    from setia.sales.models import Order, OrderLine

    rng = random.Random(5)
    branch = Branch.objects.create(name="Pusat", code="pst")
    categories = [Category.objects.create(name=f"Kategori {n}").pk for n in range(10)]
    people = _simulate(rng)
    total_orders = sum(len(days) for days in people)
    lines_per_order = LINES / total_orders
    templates = {model: row_template(model) for model in (Customer, Order, OrderLine, Membership, Referral)}
    columns = {model: ["id", *template] for model, template in templates.items()}
    day_values = {
        offset: connection.ops.adapt_datefield_value(today - dt.timedelta(days=offset))
        for offset in range(HISTORY_DAYS + 1)
    }
    stamp = connection.ops.adapt_datetimefield_value(dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
    counts = {"customers": 0, "orders": 0, "lines": 0, "referrals": 0}

    def row(model: Any, values: dict[str, Any]) -> list[Any]:
        template = templates[model]
        return [values.get(column, template.get(column)) for column in columns[model]]

    order_id = line_id = 0
    lines_made = 0.0
    for start in range(0, CUSTOMERS, CHUNK):
        customers: list[list[Any]] = []
        orders: list[list[Any]] = []
        lines: list[list[Any]] = []
        members: list[list[Any]] = []
        referrals: list[list[Any]] = []
        for index in range(start, min(start + CHUNK, CUSTOMERS)):
            pk = index + 1
            name = f"Pelanggan {pk}"
            common = {"created_at": stamp, "updated_at": stamp}
            customers.append(row(Customer, {"id": pk, "name": name, "search_name": name.lower(), **common}))
            amount = rng.choice([35_000, 75_000, 150_000, 250_000, 600_000])
            favourite = rng.sample(categories, rng.randint(1, 4))
            for offset in people[index]:
                order_id += 1
                spend = int(round(amount * rng.lognormvariate(0, 0.35), -2))
                status, refunded = "fulfilled", 0
                draw = rng.random()
                if draw < 0.03:
                    status = "cancelled"
                elif draw < 0.05:
                    status, refunded = "refunded", spend
                elif draw < 0.08:
                    status, refunded = "partly_refunded", spend // 3
                orders.append(
                    row(
                        Order,
                        {
                            "id": order_id,
                            "number": f"A{order_id:010d}",
                            "customer_id": pk,
                            "branch_id": branch.pk,
                            "status": status,
                            "placed_at": stamp,
                            "business_date": day_values[offset],
                            "subtotal": spend,
                            "total": spend,
                            "refunded_total": refunded,
                            **common,
                        },
                    )
                )
                lines_made += lines_per_order
                for _line in range(max(1, round(lines_made) - counts["lines"] - len(lines))):
                    line_id += 1
                    lines.append(
                        row(
                            OrderLine,
                            {
                                "id": line_id,
                                "order_id": order_id,
                                "category_id_at_sale": rng.choice(favourite),
                                "description": "item",
                                "unit_price": amount,
                                "total": amount,
                            },
                        )
                    )
            if pk % 20 == 0:  # every 20th customer is a member who referred the next one
                members.append(
                    row(
                        Membership,
                        {
                            "id": pk,
                            "customer_id": pk,
                            "number": f"M{pk}",
                            "referral_code": f"R{pk}",
                            "joined_at": stamp,
                            **common,
                        },
                    )
                )
        for member in list(members):
            friend = member[columns[Membership].index("id")] - 1
            members.append(
                row(
                    Membership,
                    {
                        "id": friend,
                        "customer_id": friend,
                        "number": f"M{friend}",
                        "referral_code": f"R{friend}",
                        "joined_at": stamp,
                        **common,
                    },
                )
            )
            referrals.append(
                row(Referral, {"id": friend, "referrer_id": friend + 1, "referee_id": friend, "created_at": stamp})
            )
        with transaction.atomic():
            insert_rows(Customer, columns[Customer], customers)
            insert_rows(Order, columns[Order], orders)
            insert_rows(OrderLine, columns[OrderLine], lines)
            insert_rows(Membership, columns[Membership], members)
            insert_rows(Referral, columns[Referral], referrals)
        counts["customers"] += len(customers)
        counts["orders"] += len(orders)
        counts["lines"] += len(lines)
        counts["referrals"] += len(referrals)
    _reset_sequences([Customer, Order, OrderLine, Membership, Referral])
    refresh_statistics()
    return counts


def _reset_sequences(models: list[Any]) -> None:
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)


def _a_day_of_business(today: dt.date) -> dict[str, int]:
    """1,000 new orders today and 100 refunds of older orders: what the incremental refresh reads."""
    from django.db import transaction
    from django.db.models import F
    from django.utils import timezone

    from setia.accounts.models import Branch
    from setia.sales.models import Order

    branch = Branch.objects.get()
    rng = random.Random(9)
    with transaction.atomic():
        Order.objects.bulk_create(
            [
                Order(
                    number=f"N{n:08d}",
                    customer_id=rng.randint(1, CUSTOMERS),
                    branch=branch,
                    business_date=today,
                    total=90_000,
                    subtotal=90_000,
                )
                for n in range(1_000)
            ]
        )
        refunded = list(Order.objects.filter(status="fulfilled").order_by("pk").values_list("pk", flat=True)[:100])
        Order.objects.filter(pk__in=refunded).update(
            status="refunded", refunded_total=F("total"), updated_at=timezone.now()
        )
    return {"new_orders": 1_000, "refunded_orders": len(refunded)}


def run() -> dict[str, Any]:
    var_dir = Path(tempfile.mkdtemp(prefix="setia-bench-analytics-"))
    os.environ["SETIA_VAR_DIR"] = str(var_dir)
    os.environ["SETIA_ENV"] = "test"
    os.environ["DEBUG"] = "false"
    database_url = os.environ.get("BENCH_DATABASE_URL", "")
    if database_url:
        import psycopg

        server = database_url.rsplit("/", 1)[0]
        with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
            connection.execute("DROP DATABASE IF EXISTS setia_bench_analytics")
            connection.execute("CREATE DATABASE setia_bench_analytics")
        os.environ["DATABASE_URL"] = f"{server}/setia_bench_analytics"
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{var_dir}/bench.sqlite3"
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from setia.analytics.models import ClvFit, CustomerScore, CustomerScoreSnapshot
    from setia.analytics.services.engine import analytics_refresh

    call_command("migrate", verbosity=0)
    today = timezone.localdate()
    start = time.perf_counter()
    counts = _load(today)
    figures: dict[str, Any] = {
        "database": "postgresql" if database_url else "sqlite",
        **counts,
        "load_seconds": round(time.perf_counter() - start, 1),
    }
    full = analytics_refresh(today=today)
    figures["full_refresh_seconds"] = full["timings"]["total"]
    figures["full_refresh_steps"] = full["timings"]
    scored = CustomerScore.objects.count()
    assert scored == full["figures"]["customers_scored"], scored
    figures["customers_scored"] = scored
    figures["snapshots"] = CustomerScoreSnapshot.objects.count()
    figures["clv"] = {key: full["figures"]["clv"][key] for key in ("r", "alpha", "a", "b", "p", "q", "v", "customers")}
    fit = ClvFit.objects.get(pk=full["figures"]["fit_id"])
    figures["holdout"] = {
        key: fit.quality.get(key) for key in ("actual_repeat_purchases", "predicted_repeat_purchases", "error_percent")
    }
    figures["segments"] = {row["segment"]: row["customers"] for row in full["figures"]["segments"]}
    figures["day_of_business"] = _a_day_of_business(today)
    incremental = analytics_refresh(today=today)
    assert incremental["figures"]["extract"]["mode"] == "incremental"
    figures["incremental_refresh_seconds"] = incremental["timings"]["total"]
    figures["incremental_refresh_steps"] = incremental["timings"]
    figures["incremental_orders_read"] = incremental["figures"]["extract"]["changed_orders"]
    figures["incremental_snapshots_written"] = incremental["figures"]["snapshots_written"]
    return figures


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    print(run())
