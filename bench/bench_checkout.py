"""Checkout through the API: POST /api/v1/orders for members (order + points earned, a voucher
on every fifth), each with its own Idempotency-Key.

Server time: the Django test client in this process (p50/p99). Throughput: uvicorn with two
worker processes, load from a separate process on loopback: 10 s at the server's most, then
10 s at BENCH_CHECKOUT_RATE orders/s (default 200) on a fixed timetable, whose client p99 is the
latency a till sees at that rate.

Size: BENCH_MEMBERS members (default 20,000) and BENCH_CUSTOMERS customers in all (default the
same). Database: PostgreSQL when BENCH_DATABASE_URL points at a server (a database
`setia_bench_checkout`, or BENCH_DB_NAME, is created afresh there; BENCH_REUSE_DB=true keeps the
one a previous run made, members' history included), else a throw-away SQLite file.
"""

import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.database import throwaway

MEMBERS = int(os.environ.get("BENCH_MEMBERS", "20000"))
CUSTOMERS = int(os.environ.get("BENCH_CUSTOMERS", str(MEMBERS)))
ROOT = Path(__file__).resolve().parent.parent


def _percentiles(samples: list[float]) -> dict[str, float]:
    samples = sorted(samples)
    return {
        "p50_ms": round(samples[len(samples) // 2], 2),
        "p99_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.99))], 2),
        "max_ms": round(samples[-1], 2),
    }


def _bulk_members(limit: int) -> int:
    """Memberships for the first `limit` customers, written in bulk (the join service is per
    person and not what is measured here)."""
    from setia.customers.models import Customer
    from setia.loyalty.models import Membership

    ids = list(Customer.objects.filter(membership__isnull=True).order_by("id").values_list("id", flat=True)[:limit])
    Membership.objects.bulk_create(
        [Membership(customer_id=pk, number=f"BEN{pk:09d}", referral_code=f"R{pk:09d}") for pk in ids], batch_size=5000
    )
    return Membership.objects.count()


def _database() -> str:
    """Point Django at the benchmark's database (PostgreSQL: created afresh unless
    BENCH_REUSE_DB=true) and return which one it is."""
    vendor = throwaway("checkout", "setia_bench_checkout", create=os.environ.get("BENCH_REUSE_DB") != "true")[1]
    os.environ["API_RATE_LIMIT"] = "1000000/m"
    if vendor == "postgresql":
        os.environ["DB_POOL"] = "true"
    return vendor


def prepare() -> dict[str, Any]:
    """The business, members, products, voucher and an API key (made once per database: with
    BENCH_REUSE_DB=true a second run finds them). Django must be set up."""
    from django.core.management import call_command

    from setia.accounts.models import Branch, User
    from setia.accounts.services import api_key_create
    from setia.catalog.models import Category, Product
    from setia.demo.services import seed_demo
    from setia.loyalty.models import LoyaltySettings, Membership, Voucher

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    if not User.objects.filter(username="admin").exists():
        seed_demo(profile="salon", seed=1, customers=CUSTOMERS)
        _bulk_members(MEMBERS)
        LoyaltySettings.objects.get_or_create(pk=1)
        category = Category.objects.get_or_create(name="Bench")[0]
        for n in range(5):
            Product.objects.create(name=f"Bench item {n}", price=25_000 * (n + 1), category=category)
        Voucher.objects.create(name="Bench 10rb", kind=Voucher.Kind.AMOUNT, value=10_000, per_customer_limit=None)
        _settle()
    owner = User.objects.get(username="admin")
    _record, key = api_key_create(actor=owner, name=f"bench {time.time()}")
    return {
        "key": key,
        "branch": owner.branch or Branch.objects.order_by("pk").first(),
        "products": list(Product.objects.filter(name__startswith="Bench item").order_by("pk")),
        "voucher": Voucher.objects.get(name="Bench 10rb"),
        "member_ids": list(Membership.objects.order_by("pk").values_list("customer_id", flat=True)),
        "members": Membership.objects.count(),
    }


def _settle() -> None:
    """After loading a million customers, the database's own catch-up work — autovacuum of the
    fresh rows, the checkpoint that writes them — is done before anything is timed (a till does
    not sell in the minutes after its customer file was loaded)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
        cursor.execute("CHECKPOINT")


def bodies(setup: dict[str, Any], indexes: range, tag: str) -> list[dict[str, Any]]:
    """Checkout requests for members, a single-use voucher code on every fifth (issued here)."""
    from setia.loyalty.models import VoucherCode

    products, voucher = setup["products"], setup["voucher"]
    rng = random.Random(f"{tag}:{indexes.start}")
    codes = []
    made = []
    for index in indexes:
        product = products[index % len(products)]
        quantity = 1 + index % 2
        voucher_code = ""
        total = product.price * quantity
        if index % 5 == 0:
            voucher_code = f"B{tag}{index:08d}"[:32].upper()
            codes.append(VoucherCode(voucher=voucher, code=voucher_code, max_uses=1))
            total -= 10_000
        made.append(
            {
                "branch_id": setup["branch"].pk,
                "customer_id": rng.choice(setup["member_ids"]),
                "lines": [{"product_id": product.pk, "quantity": quantity}],
                "payments": [{"method": "qris", "amount": total}],
                "voucher_code": voucher_code,
            }
        )
    VoucherCode.objects.bulk_create(codes, batch_size=5000)
    return made


def run() -> dict[str, Any]:
    database = _database()
    import django

    django.setup()
    from django.test import Client

    from setia.sales.models import Order

    setup = prepare()
    key = setup["key"]
    tag = format(int(time.time()), "x")
    server_bodies = bodies(setup, range(500), tag)
    load_bodies = bodies(setup, range(500, 40_500), tag)

    client = Client()
    headers = {"Authorization": f"Bearer {key}"}
    samples = []
    for index, payload in enumerate(server_bodies):
        start = time.perf_counter()
        response = client.post(
            "/api/v1/orders",
            payload,
            content_type="application/json",
            headers={**headers, "Idempotency-Key": f"srv-{tag}-{index:06d}"},
        )
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 201, response.content
    figures: dict[str, Any] = {
        "database": database,
        "customers": CUSTOMERS,
        "members": setup["members"],
        "checkout_server_time": _percentiles(samples[20:]),
    }
    bodies_file = Path(os.environ["SETIA_VAR_DIR"]) / "bodies.jsonl"
    bodies_file.write_text("\n".join(json.dumps(b) for b in load_bodies[:20_000]))
    paced_file = bodies_file.with_name("paced.jsonl")  # other members' checkouts, other vouchers
    paced_file.write_text("\n".join(json.dumps(b) for b in load_bodies[20_000:]))
    figures["checkout_load"], figures["checkout_at_rate"] = _load(key, bodies_file, paced_file)
    figures["orders_recorded"] = Order.objects.count()
    return figures


def _cpu_seconds(server_pid: int) -> dict[str, float] | None:
    """CPU seconds used so far by the server (uvicorn and its workers), the load generators (this
    process's finished children) and the benchmark database's PostgreSQL backends (a local server,
    read from /proc; None elsewhere)."""
    import resource

    proc = Path("/proc")
    if not proc.is_dir():
        return None
    tick = os.sysconf("SC_CLK_TCK")
    name = os.environ.get("BENCH_DB_NAME", "setia_bench_checkout")
    stats: dict[int, list[str]] = {}
    commands: dict[int, str] = {}
    for entry in proc.iterdir():
        if entry.name.isdigit():
            try:
                stats[int(entry.name)] = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                commands[int(entry.name)] = (entry / "cmdline").read_text().replace("\0", " ")
            except OSError:
                continue

    def used(pid: int) -> float:
        return (int(stats[pid][11]) + int(stats[pid][12])) / tick

    server, grew = {server_pid}, True
    while grew:
        children = {pid for pid, stat in stats.items() if int(stat[1]) in server} - server
        server |= children
        grew = bool(children)
    children_usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "server": sum(used(pid) for pid in server if pid in stats),
        "load_generator": children_usage.ru_utime + children_usage.ru_stime,
        "postgresql": sum(used(pid) for pid, command in commands.items() if f" {name} " in f"{command} "),
    }


def _wait_for_port(port: int, seconds: float = 60) -> None:
    import socket

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                time.sleep(1)  # both workers up
                return
        time.sleep(0.5)
    raise RuntimeError(f"the server on port {port} did not start")


# The rate the paced run offers (orders per second, the target's): its p99 is what a till sees
# when the business is that busy, not the queue behind eight clients that never pause.
RATE = float(os.environ.get("BENCH_CHECKOUT_RATE", "200"))


def _load(key: str, bodies_file: Path, paced_file: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The server's most (8 clients, each sending again as soon as answered) for 10 s, then
    `RATE` checkouts a second on a fixed timetable for 10 s."""
    port = 8766
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
        _wait_for_port(port)
        # Steady state: each worker's first requests build the API's schemas, fill its memos and
        # prepared statements; a short untimed run (bodies without vouchers, so none of the timed
        # run's single-use codes are spent) takes that out of the measured 10 seconds.
        warm = bodies_file.with_name("warm.jsonl")
        warm.write_text(
            "\n".join(line for line in bodies_file.read_text().splitlines()[-2000:] if '"voucher_code": ""' in line)
        )
        base = f"http://127.0.0.1:{port}"
        subprocess.run(
            [sys.executable, str(ROOT / "bench" / "load_orders.py"), base, key, str(warm), "2", "8"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        before = _cpu_seconds(server.pid)
        result = subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "load_orders.py"),
                f"http://127.0.0.1:{port}",
                key,
                str(bodies_file),
                "10",
                "8",
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        after = _cpu_seconds(server.pid)
        if result.returncode:
            return {"error": result.stderr[-2000:]}, {}
        figures: dict[str, Any] = json.loads(result.stdout)
        orders = figures["statuses"].get("201", 0)
        if before and after and orders:
            # CPU per order of every process taking part: 200 orders/s on two cores leaves 10 ms.
            figures["cpu_ms_per_order"] = {
                part: round((after[part] - before[part]) * 1000 / orders, 2) for part in after
            }
            figures["cpu_ms_per_order"]["total"] = round(sum(figures["cpu_ms_per_order"].values()), 2)
        figures["load_average"] = round(os.getloadavg()[0], 2)
        paced = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "load_orders.py"), base, key, str(paced_file), "10", "8", str(RATE)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        if paced.returncode:
            return figures, {"error": paced.stderr[-2000:]}
        at_rate: dict[str, Any] = json.loads(paced.stdout)
        at_rate["load_average"] = round(os.getloadavg()[0], 2)
        return figures, at_rate
    finally:
        server.terminate()
        server.wait(timeout=20)
