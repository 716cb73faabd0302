"""Customer database speed: import throughput, caller lookup latency and load, list pages,
search and the 360° page. Figures are server time (Django test client, no network) except the
load test, which drives uvicorn with two worker processes from a separate process on loopback.

Size: BENCH_CUSTOMERS (default 100,000). Database: a throw-away SQLite file, or PostgreSQL when
BENCH_DATABASE_URL points at a server (a database `setia_bench` is created there and dropped).
"""

import csv
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.database import throwaway

N = int(os.environ.get("BENCH_CUSTOMERS", "100000"))
# Customers already in the database before the import (seed_demo's bulk path), e.g. 1,000,000.
PRELOAD = int(os.environ.get("BENCH_PRELOAD", "0"))
ROOT = Path(__file__).resolve().parent.parent


def _percentiles(samples: list[float]) -> dict[str, float]:
    samples = sorted(samples)
    return {
        "p50_ms": round(statistics.median(samples), 2),
        "p99_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.99))], 2),
        "max_ms": round(samples[-1], 2),
    }


def _timed(client: Any, path: str, repeat: int = 50, **headers: str) -> dict[str, float]:
    client.get(path, headers=headers)
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(path, headers=headers)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return _percentiles(samples)


def _write_csv(path: Path, count: int, rng: random.Random) -> list[str]:
    from setia.demo.data import FIRST_NAMES, LAST_NAMES, MOBILE_PREFIXES, phone_as_typed

    cities = ["Kota Bandung", "Kota Surabaya", "Kota Administrasi Jakarta Selatan", "Kota Medan", "Kota Denpasar"]
    phones = []
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["external_id", "name", "phone", "email", "city", "address_line", "Berat badan (kg)"])
        for index in range(count):
            prefix = MOBILE_PREFIXES[index % len(MOBILE_PREFIXES)]
            number = f"{index + 50_000_000:08d}"  # not the numbers seed_demo gives its customers
            phones.append(f"+62{prefix}{number}")
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            writer.writerow(
                [
                    f"POS-{index}",
                    f"{first} {last}",
                    phone_as_typed(rng, prefix, number),
                    f"{first.lower()}.{index}@example.com" if index % 2 else "",
                    rng.choice(cities),
                    f"Jl. Merdeka No. {index % 300}",
                    f"{rng.randint(40, 110)},{rng.randint(0, 9)}",
                ]
            )
    return phones


def _load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


class _ServerCpu:
    """CPU time (user + system) of the PostgreSQL backends serving `database_url`'s database while
    the block runs, sampled from /proc every 50 ms (a backend that ends between samples loses at
    most its last 50 ms). Needs the server on this machine; 0 otherwise, or for SQLite."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.seconds = 0.0
        self._seen: dict[int, float] = {}
        self._start: dict[int, float] = {}

    def _sample(self, connection: Any) -> None:
        pids = [
            row[0]
            for row in connection.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ]
        tick = os.sysconf("SC_CLK_TCK")
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            used = (int(fields[11]) + int(fields[12])) / tick
            self._start.setdefault(pid, used if self._first else 0.0)
            self._seen[pid] = used

    def __enter__(self) -> "_ServerCpu":
        if not self.database_url:
            return self
        import threading

        import psycopg

        self._connection = psycopg.connect(self.database_url, autocommit=True)
        self._first = True
        self._sample(self._connection)
        self._first = False
        self._stop = threading.Event()

        def poll() -> None:
            while not self._stop.wait(0.05):
                self._sample(self._connection)

        self._thread = threading.Thread(target=poll, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.database_url:
            return
        self._stop.set()
        self._thread.join()
        self._sample(self._connection)
        self._connection.close()
        self.seconds = sum(used - self._start[pid] for pid, used in self._seen.items())


def run() -> dict[str, Any]:
    var_dir, vendor = throwaway("customers", "setia_bench")
    os.environ["API_RATE_LIMIT"] = "1000000/m"
    if vendor == "postgresql":
        os.environ["DB_POOL"] = "true"  # as configured outside the test suite
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from setia.accounts.models import User
    from setia.accounts.services import api_key_create
    from setia.customers import imports
    from setia.customers.models import Customer, CustomerImport
    from setia.customers.services import custom_field_create
    from setia.demo.services import seed_demo

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    start = time.perf_counter()
    # Customers only: order history is measured by bench_orders.
    seed_demo(profile="taxi", seed=1, customers=PRELOAD, orders=0)
    preload_seconds = time.perf_counter() - start
    owner = User.objects.get(username="admin")
    custom_field_create(actor=owner, key="berat_badan", label="Berat badan (kg)", field_type="decimal")
    rng = random.Random(7)
    source = var_dir / "customers.csv"
    phones = _write_csv(source, N, rng)
    figures: dict[str, Any] = {
        "customers": N + PRELOAD,
        "imported": N,
        "preloaded": PRELOAD,
        "preload_seconds": round(preload_seconds, 1),
        "database": vendor,
    }

    # Import: upload, check (dry run), then the import job itself. An upload holds at most 50 MB
    # (~650,000 of these rows), so BENCH_IMPORT_FILES > 1 splits the rows into that many files,
    # imported one after another as a shop would; the figures are over all of them.
    from django.core.files.uploadedfile import SimpleUploadedFile

    header, *lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    files = max(1, int(os.environ.get("BENCH_IMPORT_FILES", "1")))
    size = -(-len(lines) // files)
    rows = created = 0
    check_seconds = run_seconds = check_cpu = run_cpu = server_cpu = 0.0
    loads = [_load_average()]
    for part in range(files):
        text = header + "".join(lines[part * size : (part + 1) * size])
        job = imports.import_upload(
            actor=owner, uploaded=SimpleUploadedFile(f"customers-{part}.csv", text.encode()), mode="create"
        )
        imports.import_set_mapping(actor=owner, job=job, mapping=job.mapping, mode="create")
        start, cpu = time.perf_counter(), time.process_time()
        job = imports.import_check(job.pk)
        check_seconds += time.perf_counter() - start
        check_cpu += time.process_time() - cpu
        imports.import_confirm(actor=owner, job=job, skip_invalid=True)
        loads.append(_load_average())
        start, cpu = time.perf_counter(), time.process_time()
        with _ServerCpu(os.environ["DATABASE_URL"] if vendor == "postgresql" else "") as backends:
            job = imports.import_run(job.pk)
        run_seconds += time.perf_counter() - start
        run_cpu += time.process_time() - cpu
        server_cpu += backends.seconds
        loads.append(_load_average())
        assert job.status == CustomerImport.Status.DONE
        rows += job.total_rows
        created += job.created_count
    assert Customer.objects.count() == created + PRELOAD
    figures["import"] = {
        "rows": rows,
        "files": files,
        "created": created,
        "check_rows_per_s": round(rows / check_seconds),
        "import_rows_per_s": round(rows / run_seconds),
        "check_plus_import_rows_per_s": round(rows / (check_seconds + run_seconds)),
        # CPU per row: this process (all its threads), and the database server's backends
        # (PostgreSQL, read from /proc while the import runs); wall-clock is noisy on a shared machine.
        "check_cpu_us_per_row": round(check_cpu / rows * 1e6, 1),
        "import_cpu_us_per_row": round(run_cpu / rows * 1e6, 1),
        "import_server_cpu_us_per_row": round(server_cpu / rows * 1e6, 1) if vendor == "postgresql" else None,
        "load_averages": loads,
    }
    if os.environ.get("BENCH_IMPORT_ONLY"):  # the import figures alone (iterating on the import)
        return figures
    if vendor == "postgresql":
        # A database in service is not in the middle of vacuuming a million rows it has just taken
        # in: vacuum now, so that autovacuum cannot start beside the timings below.
        from django.db import connection as database

        started = time.perf_counter()
        with database.cursor() as vacuum:
            for table in (
                "customers_customer",
                "customers_customerphone",
                "customers_customeremail",
                "customers_address",
            ):
                vacuum.execute(f"VACUUM (ANALYZE) {table}")
        figures["vacuum_seconds"] = round(time.perf_counter() - started, 1)

    # What a server worker does once at its start (`setia.core.asgi.get_application`): the objects
    # it holds from then on leave the cycle collector's view. The timings below run in this process.
    from setia.core.asgi import settle_startup_objects

    settle_startup_objects()

    # Caller lookup, server time.
    agent = User.objects.get(username="admin")
    _record, key = api_key_create(actor=agent, name="bench")
    client = Client()
    auth = {"Authorization": f"Bearer {key}"}
    samples = []
    for number in rng.sample(phones, 1000):
        national = "0" + number[3:]
        start = time.perf_counter()
        response = client.get(f"/api/v1/customers/lookup?phone={national}", headers=auth)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200 and response.json()["match"] == "one"
    figures["lookup_server_time"] = _percentiles(samples)

    # Pages.
    web = Client()
    web.force_login(owner)
    figures["list_first_page"] = _timed(web, "/customers/")
    figures["list_filtered_custom_field"] = _timed(web, "/customers/?cf_berat_badan=75,5")
    cursor = ""
    total = N + PRELOAD
    pages = 500 if total >= 50 * 501 else max(1, total // 50 - 1)
    for _ in range(pages):  # follow the "next" links as a person paging would
        html = web.get(f"/customers/?after={cursor}" if cursor else "/customers/").content.decode()
        cursor = html.split('data-testid="next-page"')[0].rsplit("after=", 1)[1].split('"')[0]
    figures["list_deep_page_number"] = pages + 1
    figures["list_deep_page"] = _timed(web, f"/customers/?after={cursor}", repeat=20)
    figures["search_name_prefix"] = _timed(web, "/search/?q=siti", repeat=30, **{"HX-Request": "true"})
    figures["search_phone"] = _timed(web, f"/search/?q=0{phones[N // 2][3:]}", repeat=30, **{"HX-Request": "true"})
    # The start of a number as typed so far ("0812500", seven digits): a range of the phone index.
    figures["search_phone_start"] = _timed(
        web, f"/search/?q=0{phones[N // 2][3:9]}", repeat=30, **{"HX-Request": "true"}
    )
    # Inside a word: "nurha" finds the few "Siti Nurhaliza"s among a million others.
    from setia.customers.services import ContactPoints, PhoneIn, customer_create

    for index in range(3):
        customer_create(
            actor=owner,
            name=f"Siti Nurhalizá {index}",
            home_branch=None,
            contacts=ContactPoints(phones=[PhoneIn(f"0819-9000-{index:04d}")]),
        )
    found = web.get("/search/?q=nurha", headers={"HX-Request": "true"}).content.decode()
    assert found.count("Siti Nurhalizá") == 3, "the contained-name search must find all three"
    figures["search_name_contains"] = _timed(web, "/search/?q=nurha", repeat=30, **{"HX-Request": "true"})
    figures["list_name_contains"] = _timed(web, "/customers/?q=nurha", repeat=30)
    busy = Customer.objects.order_by("id").first()
    assert busy is not None
    from setia.customers.services import customer_update

    for index in range(999):
        busy = customer_update(actor=owner, customer=busy, version=busy.version, notes=f"catatan {index}")
    figures["customer_page_1000_events"] = _timed(web, f"/customers/{busy.pk}/", repeat=30)

    figures["lookup_load"] = _load_test(var_dir, key, phones, rng)
    return figures


def _wait_until_serving(port: int, timeout: float = 90.0) -> None:
    """Both workers answer before the clock starts (on a busy machine they take a while to start)."""
    import http.client

    deadline = time.monotonic() + timeout
    ready = 0
    while ready < 10:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            ready += connection.getresponse().status == 200
            connection.close()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    time.sleep(1)


def _load_test(var_dir: Path, key: str, phones: list[str], rng: random.Random) -> dict[str, Any]:
    """uvicorn with two worker processes; a separate process sends lookups for 10 seconds."""
    port = 8765
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "config.asgi:application",
            "--port",
            str(port),
            "--workers",
            "2",
            "--no-access-log",
            "--lifespan",
            "off",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        _wait_until_serving(port)
        sample = rng.sample(phones, 2000)
        numbers = var_dir / "numbers.txt"
        numbers.write_text("\n".join("0" + p[3:] for p in sample))
        result = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "load.py"), f"http://127.0.0.1:{port}", key, str(numbers), "10", "8"],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        import json

        return json.loads(result.stdout)
    finally:
        server.terminate()
        server.wait(timeout=20)
