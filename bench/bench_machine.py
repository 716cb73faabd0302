"""How fast this machine is, in the terms the speed targets were set in.

The customer import's target names two reference figures of the machine it was set on: Django's
`bulk_create` of customers ~20,000 rows/s and a raw COPY ~600,000 rows/s. Machines of the same kind
differ by a factor of two and more, so this benchmark measures both here, with a pure-Python
reference loop, so that figures from different machines can be read against each other.

- `bulk_create_rows_per_s`: `Customer.objects.bulk_create` of BENCH_MACHINE_ROWS customers (name,
  search name, external id; batches of 1,000) into the migrated schema, indexes and all.
- `raw_copy_rows_per_s` (PostgreSQL): `COPY … FROM STDIN` of 1,000,000 rows of (id, name, phone)
  into a table without indexes. On SQLite, `raw_insert_rows_per_s`: the same rows through
  `executemany` into such a table, one transaction.
- `python_loop_ms`: best of five runs of a loop of 100,000 dict stores of formatted strings.

Database: a throw-away SQLite file, or PostgreSQL when BENCH_DATABASE_URL points at a server (a
database `setia_bench_machine` is created there and dropped).
"""

import io
import os
import time
from pathlib import Path
from typing import Any

from bench.database import on_server, throwaway

ROWS = int(os.environ.get("BENCH_MACHINE_ROWS", "100000"))
RAW_ROWS = 1_000_000


def _python_loop_ms() -> float:
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        store: dict[str, int] = {}
        for index in range(100_000):
            store[f"{index}"] = index * 2
        best = min(best, time.perf_counter() - start)
    return round(best * 1000, 1)


def _load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def run() -> dict[str, Any]:
    vendor = throwaway("machine", "setia_bench_machine")[1]
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from setia.customers.models import Customer

    call_command("migrate", verbosity=0)
    loads = [_load_average()]
    figures: dict[str, Any] = {"database": connection.vendor, "rows": ROWS, "python_loop_ms": _python_loop_ms()}

    customers = [
        Customer(name=f"Pelanggan {index}", search_name=f"pelanggan {index}", external_id=f"M-{index}")
        for index in range(ROWS)
    ]
    start = time.perf_counter()
    for offset in range(0, ROWS, 1000):
        with transaction.atomic():
            Customer.objects.bulk_create(customers[offset : offset + 1000])
    figures["bulk_create_rows_per_s"] = round(ROWS / (time.perf_counter() - start))

    rows = [(index, f"Pelanggan {index}", f"+62812{index:08d}") for index in range(RAW_ROWS)]
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_raw (id bigint, name varchar(150), phone varchar(20))")
    if connection.vendor == "postgresql":
        text = "".join(f"{pk}\t{name}\t{phone}\n" for pk, name, phone in rows).encode()
        start = time.perf_counter()
        with (
            transaction.atomic(),
            connection.cursor() as cursor,
            cursor.cursor.copy("COPY bench_raw (id, name, phone) FROM STDIN") as copy,
        ):
            stream = io.BytesIO(text)
            while block := stream.read(1 << 20):
                copy.write(block)
        figures["raw_copy_rows_per_s"] = round(RAW_ROWS / (time.perf_counter() - start))
    else:
        start = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany("INSERT INTO bench_raw (id, name, phone) VALUES (%s, %s, %s)", rows)
        figures["raw_insert_rows_per_s"] = round(RAW_ROWS / (time.perf_counter() - start))
    loads.append(_load_average())
    figures["load_averages"] = loads
    connection.close()
    if vendor == "postgresql":
        on_server(f"DROP DATABASE IF EXISTS {connection.settings_dict['NAME']}")
    return figures
