"""The sales figures page over a large pipeline: server time of GET /sales/figures/ (p50/p99 over
BENCH_FIGURES_REQUESTS requests, default 20, after 2 warm-ups) for an owner (every branch) and for
a sales person (their branch), and the figures functions on their own.

Size: BENCH_OPPORTUNITIES opportunities (default 100,000: two years of creation dates, about a
third open, the rest won or lost; 3 pipelines of 5 stages, 12 owners, 4 branches),
BENCH_FIGURES_LEADS leads (default 30,000, 6 sources, a fifth converted) and BENCH_FIGURES_QUOTES
quotes (default 20,000), written in bulk. Database: a throw-away SQLite file, or PostgreSQL when
BENCH_DATABASE_URL points at a server (a database `setia_bench_figures` is created there and
dropped at the next run).
"""

import datetime as dt
import os
import random
import time
from typing import Any

from bench.database import throwaway

OPPORTUNITIES = int(os.environ.get("BENCH_OPPORTUNITIES", "100000"))
LEADS = int(os.environ.get("BENCH_FIGURES_LEADS", "30000"))
QUOTES = int(os.environ.get("BENCH_FIGURES_QUOTES", "20000"))
REQUESTS = int(os.environ.get("BENCH_FIGURES_REQUESTS", "20"))


def _percentiles(samples: list[float]) -> dict[str, float]:
    samples = sorted(samples)
    return {
        "p50_ms": round(samples[len(samples) // 2], 2),
        "p99_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.99))], 2),
        "max_ms": round(samples[-1], 2),
    }


def _timed(call: Any, times: int) -> dict[str, float]:
    samples = []
    for _ in range(times):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return _percentiles(samples)


def _load(rng: random.Random, today: dt.date) -> dict[str, Any]:
    """Branches, staff, customers, pipelines, then opportunities, leads and quotes in bulk."""
    from django.utils import timezone

    from setia.accounts.models import Branch, User
    from setia.customers.models import Customer
    from setia.sales.models import Lead, LeadSource, Opportunity, Pipeline, Quote, Stage

    branches = [Branch.objects.create(name=f"Cabang {n}", code=f"c{n}") for n in range(4)]
    owner = User.objects.create_user("owner", password="x", role="owner")
    sales = [
        User.objects.create_user(f"sales{n}", password="x", role="sales", branch=branches[n % 4]) for n in range(12)
    ]
    Customer.objects.bulk_create(
        [
            Customer(name=f"Pelanggan {n}", search_name=f"pelanggan {n}", home_branch=branches[n % 4])
            for n in range(5000)
        ],
        batch_size=5000,
    )
    customer_ids = list(Customer.objects.values_list("pk", flat=True))
    stages = []
    for p in range(3):
        pipeline = Pipeline.objects.create(name=f"Pipeline {p}", position=p)
        for s, probability in enumerate((10, 25, 50, 75, 90)):
            stages.append(
                Stage.objects.create(pipeline=pipeline, name=f"Tahap {s}", position=s, probability=probability)
            )
    now = timezone.now()
    started = time.perf_counter()
    batch: list[Opportunity] = []
    for n in range(OPPORTUNITIES):
        stage = rng.choice(stages)
        created = now - dt.timedelta(days=rng.randrange(730), seconds=rng.randrange(86400))
        status = rng.choices(["open", "won", "lost"], weights=(35, 30, 35))[0]
        closed = None
        if status != "open":
            closed = min(now, created + dt.timedelta(days=rng.randrange(1, 120)))
        person = sales[n % len(sales)]
        batch.append(
            Opportunity(
                title=f"Peluang {n}",
                customer_id=rng.choice(customer_ids),
                pipeline_id=stage.pipeline_id,
                stage=stage,
                owner=person,
                branch_id=person.branch_id,
                value=rng.randrange(1, 500) * 100_000,
                probability=stage.probability,
                expected_close=today + dt.timedelta(days=rng.randrange(-60, 300)),
                status=status,
                closed_at=closed,
                created_at=created,
            )
        )
        if len(batch) == 5000:
            Opportunity.objects.bulk_create(batch)
            batch = []
    Opportunity.objects.bulk_create(batch)
    opportunities_seconds = time.perf_counter() - started
    sources = [
        LeadSource.objects.create(name=name)
        for name in ("Instagram", "Website", "WhatsApp", "Walk-in", "Referral", "Pameran")
    ]
    leads = []
    for n in range(LEADS):
        person = sales[n % len(sales)]
        converted = n % 5 == 0
        created = now - dt.timedelta(days=rng.randrange(730))
        leads.append(
            Lead(
                name=f"Prospek {n}",
                source=rng.choice(sources),
                branch_id=person.branch_id,
                owner=person,
                status="converted" if converted else rng.choice(["new", "contacted", "qualified", "unqualified"]),
                customer_id=rng.choice(customer_ids) if converted else None,
                converted_at=created + dt.timedelta(days=3) if converted else None,
                created_at=created,
            )
        )
    Lead.objects.bulk_create(leads, batch_size=5000)
    quotes = []
    for n in range(QUOTES):
        person = sales[n % len(sales)]
        sent = now - dt.timedelta(days=rng.randrange(730))
        status = rng.choice(["sent", "accepted", "rejected", "draft"])
        quotes.append(
            Quote(
                number=f"Q-{n:07d}",
                customer_id=rng.choice(customer_ids),
                branch_id=branches[n % len(sales) % 4].pk,  # the branch of `person`
                owner=person,
                status=status,
                issue_date=sent.date(),
                valid_until=sent.date() + dt.timedelta(days=14),
                total=rng.randrange(1, 200) * 100_000,
                sent_at=None if status == "draft" else sent,
                decided_at=sent + dt.timedelta(days=5) if status in ("accepted", "rejected") else None,
            )
        )
    Quote.objects.bulk_create(quotes, batch_size=5000)
    return {"owner": owner, "sales": sales[0], "load_opportunities_s": round(opportunities_seconds, 1)}


def run() -> dict[str, Any]:
    throwaway("figures", "setia_bench_figures")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection as db
    from django.test import Client
    from django.utils import timezone

    from setia.sales.models import Opportunity
    from setia.sales.services import figures
    from setia.sales.views.figures import period_dates

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    today = timezone.localdate()
    people = _load(random.Random(7), today)
    with db.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics, as a live database would have

    results: dict[str, Any] = {
        "database": db.vendor,
        "opportunities": Opportunity.objects.count(),
        "open_opportunities": Opportunity.objects.filter(status="open").count(),
        "leads": LEADS,
        "quotes": QUOTES,
        "load_opportunities_s": people["load_opportunities_s"],
    }
    year = period_dates("this_year", today)
    for key, function in [
        ("pipeline_by_stage", figures.pipeline_by_stage),
        ("forecast_by_month", figures.forecast_by_month),
        ("win_rate", figures.win_rate),
        ("sales_cycle", figures.sales_cycle),
        ("proposals", figures.proposals),
        ("leads_by_source", figures.leads_by_source),
    ]:
        function(*year)  # warm
        results[f"{key}_this_year"] = _timed(lambda function=function: function(*year), REQUESTS)
    for who in ("owner", "sales"):
        client = Client()
        client.force_login(people[who])
        for period in ("this_year", "this_month"):
            url = f"/sales/figures/?period={period}"
            for _ in range(2):
                assert client.get(url).status_code == 200
            results[f"page_{who}_{period}"] = _timed(lambda client=client, url=url: client.get(url), REQUESTS)
    overview = figures.overview(*year)
    results["check_pipeline_total"] = overview["pipeline_total"]
    results["check_win_rate_this_year"] = str(overview["win_rate"]["rate"])
    results["check_average_cycle_days"] = str(overview["sales_cycle"]["average_days"])
    return results
