"""Historical order import speed: lines per second through `import_orders`' service (the dry-run
check, then the check plus the import itself, as the command runs them).

Size: BENCH_ORDER_LINES (default 1,000,000) lines in orders of 1 to 4 lines, for
BENCH_ORDER_CUSTOMERS (default 100,000) customers referenced by external id, over two years; the
orders' dates rise through the file as in a shop system's export (BENCH_ORDER_DATES=random puts
every order on a random day instead, the harder case for the indexes by date). Database: a
throw-away SQLite file, or PostgreSQL when BENCH_DATABASE_URL points at a server (a database
BENCH_DB_NAME, default `setia_bench_orders`, is created there and dropped at the next run).
"""

import csv
import datetime as dt
import logging
import os
import random
import time
from pathlib import Path
from typing import Any

from bench.database import throwaway

LINES = int(os.environ.get("BENCH_ORDER_LINES", "1000000"))
CUSTOMERS = int(os.environ.get("BENCH_ORDER_CUSTOMERS", "100000"))
# "chronological" (default): the orders' dates rise through the file, as in a till's or a shop
# system's export of its past orders; "random": every order on a random day of the two years.
DATES = os.environ.get("BENCH_ORDER_DATES", "chronological")


class _ServerCpu:
    """CPU seconds (user + system) of the PostgreSQL backends serving one database on this machine,
    read from /proc/<pid>/stat every 50 ms by a thread, with their parallel workers (a process that
    ends keeps its last reading; autovacuum is left out). Zero where the server is not local."""

    def __init__(self, database: str) -> None:
        import threading

        self.marker = f" {database} "
        self.seen: dict[int, float] = {}
        self.tick = os.sysconf("SC_CLK_TCK")
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _sample(self) -> None:
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/cmdline", "rb") as handle:
                    title = handle.read().decode(errors="replace")
                if not title.startswith("postgres: ") or "autovacuum" in title:
                    continue
                if self.marker not in title:  # a parallel worker names its leader, not the database
                    leader = title.split("parallel worker for PID ", 1)[1:]
                    if not leader or int(leader[0].split()[0]) not in self.seen:
                        continue
                with open(f"/proc/{entry.name}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            self.seen[int(entry.name)] = (int(fields[11]) + int(fields[12])) / self.tick

    def _loop(self) -> None:
        while not self.stop.wait(0.05):
            self._sample()

    def total(self) -> float:
        self._sample()
        return sum(self.seen.values())

    def close(self) -> None:
        self.stop.set()
        self.thread.join()


def _write_csv(path: Path, lines: int, customers: list[int], skus: list[tuple[str, int]], rng: random.Random) -> int:
    start = dt.date(2024, 1, 1)
    orders = written = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["order_ref", "customer_ref", "date", "branch", "product", "quantity", "unit_price", "amount"])
        while written < lines:
            orders += 1
            customer = f"C-{rng.choice(customers)}"
            day = written * 700 // lines if DATES == "chronological" else rng.randrange(700)
            date = (start + dt.timedelta(days=day)).isoformat()
            for _ in range(min(rng.randint(1, 4), lines - written)):
                sku, price = rng.choice(skus)
                quantity = rng.choice((1, 1, 1, 2))
                writer.writerow([f"POS-{orders}", customer, date, "", sku, quantity, price, quantity * price])
                written += 1
    return orders


def run() -> dict[str, Any]:
    var_dir, vendor = throwaway("orders", "setia_bench_orders")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection as db

    from setia.accounts.models import User
    from setia.catalog.models import Product
    from setia.customers.models import Customer
    from setia.demo.services import seed_demo
    from setia.sales.models import Order, OrderLine
    from setia.sales.services.imports import ImportOptions, orders_import, orders_import_check

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    seed_demo(profile="salon", seed=1, customers=CUSTOMERS, orders=0)
    with db.cursor() as cursor:
        # The cash register's customer numbers.
        cursor.execute("UPDATE customers_customer SET external_id = 'C-' || id")
    owner = User.objects.get(username="admin")
    customers = list(Customer.objects.values_list("pk", flat=True))
    skus = [(str(sku), price) for sku, price in Product.objects.exclude(sku=None).values_list("sku", "price")]
    rng = random.Random(11)
    source = var_dir / "orders.csv"
    orders = _write_csv(source, LINES, customers, skus, rng)
    options = ImportOptions()
    # The import's phases with their times (services/imports_sql.py logs them on PostgreSQL).
    logging.basicConfig(format="   %(asctime)s %(message)s")
    logging.getLogger("setia.sales.services.imports_sql").setLevel(logging.INFO)
    backends = _ServerCpu(db.settings_dict["NAME"])
    loads = [os.getloadavg()]
    start, cpu, server_cpu = time.perf_counter(), time.process_time(), backends.total()
    checked = orders_import_check(actor=owner, path=source, options=options)
    check_seconds = time.perf_counter() - start
    check_cpu = time.process_time() - cpu
    check_server_cpu = backends.total() - server_cpu
    loads.append(os.getloadavg())
    assert checked.invalid_rows == 0, checked.errors[:5]
    start, cpu, server_cpu = time.perf_counter(), time.process_time(), backends.total()
    result = orders_import(actor=owner, path=source, options=options)
    import_seconds = time.perf_counter() - start
    import_cpu = time.process_time() - cpu
    import_server_cpu = backends.total() - server_cpu
    loads.append(os.getloadavg())
    assert (result.orders_created, result.lines_created) == (orders, LINES)
    assert Order.objects.filter(imported=True).count() == orders
    start, server_cpu = time.perf_counter(), backends.total()
    again = orders_import(actor=owner, path=source, options=options)
    rerun_seconds = time.perf_counter() - start
    rerun_server_cpu = backends.total() - server_cpu
    loads.append(os.getloadavg())
    backends.close()
    assert again.orders_created == 0 and OrderLine.objects.count() >= LINES
    return {
        "database": vendor,
        "lines": LINES,
        "orders": orders,
        "customers": len(customers),
        "dates": DATES,
        "check_seconds": round(check_seconds, 1),
        "check_lines_per_s": round(LINES / check_seconds),
        "check_python_cpu_us_per_line": round(check_cpu / LINES * 1e6, 2),
        "check_server_cpu_us_per_line": round(check_server_cpu / LINES * 1e6, 2),
        "check_plus_import_seconds": round(import_seconds, 1),
        "check_plus_import_lines_per_s": round(LINES / import_seconds),
        "write_pass_lines_per_s": round(LINES / max(import_seconds - check_seconds, 0.001)),
        "check_plus_import_python_cpu_us_per_line": round(import_cpu / LINES * 1e6, 2),
        "check_plus_import_server_cpu_us_per_line": round(import_server_cpu / LINES * 1e6, 2),
        # Before the check, after it, after the import, after the re-run.
        "load_averages": [round(load[0], 2) for load in loads],
        "rerun_unchanged_seconds": round(rerun_seconds, 1),
        "rerun_server_cpu_seconds": round(rerun_server_cpu, 1),
    }


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    print(run())
