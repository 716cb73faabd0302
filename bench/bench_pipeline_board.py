"""The pipeline board with BENCH_OPPORTUNITIES open opportunities (default 5,000) spread over the
four stages of the default pipeline, plus a third as many won or lost ones (not on the board).

Server time: the Django test client in this process, BENCH_REQUESTS requests (default 30, after
3 warm-ups) of GET /pipeline/ for a manager who sees every branch, and of the same board filtered
to one owner; then the move endpoint (POST /opportunities/<id>/move/ answering with the new column
totals), alternating between two stages. Target: the board under 300 ms.

Database: PostgreSQL when BENCH_DATABASE_URL points at a server (a database
`setia_bench_pipeline` is created and dropped there), else a throw-away SQLite file.
"""

import datetime as dt
import os
import random
import time
from typing import Any

from bench.database import throwaway

OPPORTUNITIES = int(os.environ.get("BENCH_OPPORTUNITIES", "5000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "30"))
CUSTOMERS = 2_000
OWNERS = 12


def _percentiles(samples: list[float]) -> dict[str, float]:
    samples = sorted(samples)
    return {
        "p50_ms": round(samples[len(samples) // 2], 2),
        "p99_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.99))], 2),
        "max_ms": round(samples[-1], 2),
    }


def _timed(call: Any, count: int) -> list[float]:
    for _ in range(3):
        call(0)
    samples = []
    for index in range(count):
        start = time.perf_counter()
        call(index)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def _load() -> dict[str, Any]:
    """Branches, staff, customers and opportunities written in bulk (the services are per record
    and not what is measured here)."""
    from django.utils import timezone

    from setia.accounts.models import Branch, User
    from setia.customers.models import Customer
    from setia.sales.models import Opportunity, StageChange
    from setia.sales.services.pipeline import default_pipeline

    branches = [Branch.objects.create(name=f"Cabang {n}", code=f"c{n}") for n in range(3)]
    manager = User.objects.create_user("bench-manager", role="manager", branch=branches[0])
    manager.managed_branches.set(branches)
    owners = [
        User.objects.create_user(f"bench-sales-{n}", role="sales", branch=branches[n % 3], first_name=f"Sales {n}")
        for n in range(OWNERS)
    ]
    Customer.objects.bulk_create(
        [
            Customer(name=f"PT Pelanggan {n}", search_name=f"pt pelanggan {n}", home_branch=branches[n % 3])
            for n in range(CUSTOMERS)
        ],
        batch_size=2000,
    )
    customer_ids = list(Customer.objects.values_list("id", flat=True))
    pipeline = default_pipeline()
    stages = list(pipeline.stages.order_by("position"))
    rng = random.Random(7)
    now = timezone.now()
    today = timezone.localdate()
    rows = []
    closed = OPPORTUNITIES // 3
    for n in range(OPPORTUNITIES + closed):
        stage = stages[n % len(stages)]
        owner = owners[n % OWNERS]
        status = "open" if n < OPPORTUNITIES else rng.choice(["won", "lost"])
        rows.append(
            Opportunity(
                title=f"Pengadaan {n}",
                customer_id=rng.choice(customer_ids),
                pipeline=pipeline,
                stage=stage,
                owner=owner,
                branch_id=owner.branch_id,
                value=rng.randrange(1, 500) * 100_000,
                probability=stage.probability if status == "open" else (100 if status == "won" else 0),
                expected_close=today + dt.timedelta(days=rng.randrange(-30, 120)),
                status=status,
                position=n // len(stages),
                stage_entered_at=now - dt.timedelta(hours=rng.randrange(1, 2000)),
                closed_at=None if status == "open" else now,
                created_by=owner,
            )
        )
    Opportunity.objects.bulk_create(rows, batch_size=2000)
    StageChange.objects.bulk_create(
        [
            StageChange(opportunity_id=pk, to_stage_id=stage_id, changed_by_id=owner_id)
            for pk, stage_id, owner_id in Opportunity.objects.values_list("id", "stage_id", "owner_id")
        ],
        batch_size=5000,
    )
    return {"manager": manager, "owner": owners[0], "stages": stages, "pipeline": pipeline}


def run() -> dict[str, Any]:
    throwaway("pipeline", "setia_bench_pipeline")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from setia.sales.models import Opportunity

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    data = _load()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    client = Client()
    client.force_login(data["manager"])
    url = f"/pipeline/?pipeline={data['pipeline'].pk}"

    def board(_index: int) -> None:
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    def owner_board(_index: int) -> None:
        response = client.get(f"{url}&owner={data['owner'].pk}")
        assert response.status_code == 200, response.status_code

    queries: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append(sql)
        return execute(sql, params, many, context)

    # A wrapper rather than the query log: the request closes and reopens the connection.
    with connection.execute_wrapper(count):
        board(0)
    html = client.get(url).content.decode()
    cards_shown = html.count('data-testid="opportunity-card"')
    board_samples = _timed(board, REQUESTS)
    owner_samples = _timed(owner_board, REQUESTS)
    mover = Opportunity.objects.filter(status="open", owner=data["owner"]).order_by("id").first()
    assert mover is not None
    stages = data["stages"]

    def move(index: int) -> None:
        response = client.post(
            f"/opportunities/{mover.pk}/move/",
            {"stage": stages[1 + index % 2].pk, "position": "0"},
            HTTP_ACCEPT="application/json",
        )
        assert response.status_code == 200, response.content

    move_samples = _timed(move, REQUESTS)
    return {
        "database": connection.vendor,
        "open_opportunities": Opportunity.objects.filter(status="open").count(),
        "closed_opportunities": Opportunity.objects.exclude(status="open").count(),
        "cards_rendered": cards_shown,
        "board_queries": len(queries),
        "board_server_time": _percentiles(board_samples),
        "board_one_owner_server_time": _percentiles(owner_samples),
        "move_server_time": _percentiles(move_samples),
        "requests": REQUESTS,
    }
