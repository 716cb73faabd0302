"""The analytics refresh over many customers: extract to Parquet, RFM, BG/NBD + Gamma-Gamma fit
and prediction, loyalty index, write-back of every customer's scores and history; then an
incremental refresh after a day's new orders and refunds.

Data (written in bulk, not through checkout, which is not what is measured here):
BENCH_ANALYTICS_CUSTOMERS customers (default 100,000) whose purchase days are drawn the way
BG/NBD assumes (a gamma buying rate, a beta chance of leaving after each purchase) over three
years, with order lines spread over them to BENCH_ANALYTICS_LINES lines in all (default
1,000,000), ten categories, some cancelled, refunded and partly refunded orders, and referrals.
Every line names a product: PRODUCTS products, twenty to a category; each customer has one or two
favourite products in each of her favourite categories and buys those, and a third of the products
have a companion (the same category's product ten places on, as shampoo and conditioner) that
follows them in the same order more often than not, so "bought together" and "bought later"
rules exist. The products are drawn with a random generator of their own, so the days, amounts and
statuses are those of the benchmark before products were added.
Three dynamic segments on the scores (Champions; At risk or Cannot lose them with a predicted value
above Rp 1.000.000; a loyalty index of 60 or more) are re-evaluated at the end of each refresh.
The issue's target is 1,000,000 customers / 10,000,000 lines.

Database: PostgreSQL when BENCH_DATABASE_URL points at a server (a database named
BENCH_ANALYTICS_DATABASE, default `setia_bench_analytics`, is created and dropped there), else a
SQLite file in a temporary folder. With BENCH_ANALYTICS_REUSE=1 the freshly loaded database is
kept as a template (SQLite: a file `setia-bench-analytics-<customers>-<lines>.sqlite3` in the
temporary folder; PostgreSQL: a database `<name>_template`) and a later run of the same size
starts from a copy of it instead of loading again (the copy is what the refreshes change; the
analytics copy in Parquet is always made anew, so the first refresh is a full one).
"""

import datetime as dt
import json
import os
import random
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

CUSTOMERS = int(os.environ.get("BENCH_ANALYTICS_CUSTOMERS", "100000"))
LINES = int(os.environ.get("BENCH_ANALYTICS_LINES", "1000000"))
CHUNK = 50_000
HISTORY_DAYS = 1095
PRODUCTS = 200  # twenty per category
COMPANION_SHARE = 0.6  # how often a product with a companion is followed by it in the same order


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
    from setia.catalog.models import Category, Product
    from setia.core.bulk import insert_rows, refresh_statistics, row_template
    from setia.customers.models import Customer
    from setia.loyalty.models import Membership, Referral
    from setia.sales.models import Order, OrderLine

    rng = random.Random(5)
    branch = Branch.objects.create(name="Pusat", code="pst")
    categories = [Category.objects.create(name=f"Kategori {n}").pk for n in range(10)]
    per_category = PRODUCTS // len(categories)
    catalogue = {
        category: [
            Product.objects.create(name=f"Produk {n}-{k}", category_id=category, price=50_000).pk
            for k in range(per_category)
        ]
        for n, category in enumerate(categories)
    }
    category_of = {product: category for category, products in catalogue.items() for product in products}
    # The first third of each category's products is followed by the one ten places on.
    companion = {
        products[k]: products[(k + per_category // 2) % per_category]
        for products in catalogue.values()
        for k in range(per_category // 3)
    }
    product_rng = random.Random(7)
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
            liked = {
                category: product_rng.sample(catalogue[category], product_rng.randint(1, 2)) for category in favourite
            }
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
                follows = None
                for _line in range(max(1, round(lines_made) - counts["lines"] - len(lines))):
                    line_id += 1
                    category = rng.choice(favourite)
                    if follows is not None and product_rng.random() < COMPANION_SHARE:
                        product = follows
                    else:
                        product = product_rng.choice(liked[category])
                    follows = companion.get(product)
                    lines.append(
                        row(
                            OrderLine,
                            {
                                "id": line_id,
                                "order_id": order_id,
                                "product_id": product,
                                "category_id_at_sale": category_of[product],
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


SEGMENTS: dict[str, dict[str, Any]] = {
    "Champions": {
        "match": "all",
        "conditions": [{"field": "analytics.rfm_segment", "op": "any_of", "value": ["champions"]}],
    },
    "Valuable at risk": {
        "match": "all",
        "conditions": [
            {"field": "analytics.rfm_segment", "op": "any_of", "value": ["at_risk", "cannot_lose"]},
            {"field": "analytics.predicted_value", "op": "gt", "value": "1.000.000"},
        ],
    },
    "Loyal": {
        "match": "all",
        "conditions": [{"field": "analytics.loyalty_index", "op": "gte", "value": "60"}],
    },
}


def _segments() -> None:
    from setia.segments.definitions import definition_clean
    from setia.segments.models import Segment

    for name, definition in SEGMENTS.items():
        Segment.objects.create(name=name, kind=Segment.Kind.DYNAMIC, definition=definition_clean(definition))


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


REUSE = os.environ.get("BENCH_ANALYTICS_REUSE", "") == "1"
DATABASE = os.environ.get("BENCH_ANALYTICS_DATABASE", "setia_bench_analytics")


def _marker_sql(name: str) -> str:
    return f"SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '{name}'"


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _prepare_database(var_dir: Path) -> dict[str, Any] | None:
    """Point DATABASE_URL at the benchmark's database; returns the kept load's figures when a copy
    of an earlier load is used (BENCH_ANALYTICS_REUSE=1), else None (the caller loads)."""
    size = f"{CUSTOMERS}-{LINES}"
    database_url = os.environ.get("BENCH_DATABASE_URL", "")
    if database_url:
        import psycopg

        server = database_url.rsplit("/", 1)[0]
        template = f"{DATABASE}_template"
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
            row = admin.execute(_marker_sql(template)).fetchone() if REUSE else None
            kept = json.loads(row[0]) if row and row[0] else None
            if kept and kept.get("size") == size:
                admin.execute(f"CREATE DATABASE {DATABASE} TEMPLATE {template} STRATEGY FILE_COPY")
            else:
                kept = None
                admin.execute(f"CREATE DATABASE {DATABASE}")
        os.environ["DATABASE_URL"] = f"{server}/{DATABASE}"
        return kept
    path = var_dir / "bench.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    stored = Path(tempfile.gettempdir()) / f"setia-bench-analytics-{size}.sqlite3"
    marker = stored.with_suffix(".json")
    if REUSE and stored.exists() and marker.exists():
        shutil.copyfile(stored, path)
        return dict(json.loads(marker.read_text()))
    return None


def _keep_database(var_dir: Path, loaded: dict[str, Any]) -> None:
    """Keep the freshly loaded database for later runs (BENCH_ANALYTICS_REUSE=1)."""
    from django.db import connection

    size = f"{CUSTOMERS}-{LINES}"
    marker = json.dumps({**loaded, "size": size})
    connection.close()  # SQLite: the last close checkpoints the WAL into the file
    database_url = os.environ.get("BENCH_DATABASE_URL", "")
    if database_url:
        import psycopg

        server = database_url.rsplit("/", 1)[0]
        template = f"{DATABASE}_template"
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {template}")
            admin.execute(f"CREATE DATABASE {template} TEMPLATE {DATABASE} STRATEGY FILE_COPY")
            admin.execute(f"COMMENT ON DATABASE {template} IS '{marker}'")
        return
    stored = Path(tempfile.gettempdir()) / f"setia-bench-analytics-{size}.sqlite3"
    shutil.copyfile(var_dir / "bench.sqlite3", stored.with_suffix(".tmp"))
    os.replace(stored.with_suffix(".tmp"), stored)
    stored.with_suffix(".json").write_text(marker)


def run() -> dict[str, Any]:
    var_dir = Path(tempfile.mkdtemp(prefix="setia-bench-analytics-"))
    try:
        return _run(var_dir)
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


def _run(var_dir: Path) -> dict[str, Any]:
    os.environ["SETIA_VAR_DIR"] = str(var_dir)
    os.environ["SETIA_ENV"] = "test"
    os.environ["DEBUG"] = "false"
    database_url = os.environ.get("BENCH_DATABASE_URL", "")
    kept = _prepare_database(var_dir)
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from setia.analytics.models import AssociationRule, ClvFit, CustomerScore, CustomerScoreSnapshot
    from setia.analytics.services.engine import analytics_refresh

    call_command("migrate", verbosity=0)
    if kept is not None:
        today = dt.date.fromisoformat(kept["today"])
        counts = kept["counts"]
        load_seconds = kept["load_seconds"]
    else:
        today = timezone.localdate()
        start = time.perf_counter()
        counts = _load(today)
        load_seconds = round(time.perf_counter() - start, 1)
        if REUSE:
            _keep_database(var_dir, {"today": today.isoformat(), "counts": counts, "load_seconds": load_seconds})
    _segments()
    figures: dict[str, Any] = {
        "database": "postgresql" if database_url else "sqlite",
        "load_average_before": [round(value, 2) for value in os.getloadavg()],
        **counts,
        "load_seconds": load_seconds,
        "load_reused": kept is not None,
    }
    cpu = _cpu_seconds()
    full = analytics_refresh(today=today)
    figures["full_refresh_seconds"] = full["timings"]["total"]
    # CPU time of this process and its children (the SQLite reader/writer), not the PostgreSQL
    # server's: on a machine shared with other work, what the refresh itself needed.
    figures["full_refresh_cpu_seconds"] = round(_cpu_seconds() - cpu, 1)
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
    figures["rules_seconds"] = full["timings"]["rules"]
    figures["rules"] = {**full["figures"]["rules"], "stored": AssociationRule.objects.count()}
    figures["segment_evaluation"] = full["figures"]["segment_evaluation"]
    figures["day_of_business"] = _a_day_of_business(today)
    cpu = _cpu_seconds()
    incremental = analytics_refresh(today=today)
    figures["incremental_refresh_cpu_seconds"] = round(_cpu_seconds() - cpu, 1)
    assert incremental["figures"]["extract"]["mode"] == "incremental"
    figures["incremental_refresh_seconds"] = incremental["timings"]["total"]
    figures["incremental_refresh_steps"] = incremental["timings"]
    figures["incremental_orders_read"] = incremental["figures"]["extract"]["changed_orders"]
    figures["incremental_snapshots_written"] = incremental["figures"]["snapshots_written"]
    figures["incremental_segment_evaluation"] = incremental["figures"]["segment_evaluation"]
    figures["load_average_after"] = [round(value, 2) for value in os.getloadavg()]
    return figures


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    print(run())
