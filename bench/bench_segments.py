"""Segment live count and evaluation over many customers: the story's definition ("Champions in
Jawa Barat with CLV above Rp 5.000.000": an RFM segment, a province of the customer's addresses
and a predicted value) and its parts, counted as the builder counts them (`segment_count` with an
owner's visibility), p50/p99 over BENCH_SEGMENTS_REPEAT counts (default 20) after one warm-up;
then the first evaluation of a dynamic segment (every member inserted) and a re-evaluation.

Size: BENCH_CUSTOMERS (default 200,000) customers from seed_demo's bulk path (salon: three
branches, one of them in Bandung, so about a third live in Jawa Barat), and a score row for 70%
of them (RFM segments in realistic shares, predicted values spread from Rp 0 to Rp 20.000.000)
written with COPY (PostgreSQL) or executemany (SQLite). Database: a throw-away SQLite file, or
PostgreSQL when BENCH_DATABASE_URL points at a server (a database `setia_bench_segments` is created
there and dropped at the next run). With BENCH_SEGMENTS_REUSE=1 a PostgreSQL database left by an
earlier run with the same size is measured again without loading it anew.
"""

import os
import random
import statistics
import time
from typing import Any

from bench.database import throwaway

N = int(os.environ.get("BENCH_CUSTOMERS", "200000"))
REPEAT = int(os.environ.get("BENCH_SEGMENTS_REPEAT", "20"))

STORY: dict[str, Any] = {
    "match": "all",
    "conditions": [
        {"field": "analytics.rfm_segment", "op": "any_of", "value": ["champions"]},
        {"field": "customer.province", "op": "any_of", "value": ["32"]},
        {"field": "analytics.predicted_value", "op": "gt", "value": "5.000.000"},
    ],
}
# Segment shares roughly as an RFM grid gives them.
SHARES = {
    "champions": 12,
    "loyal": 10,
    "potential_loyalist": 12,
    "new": 5,
    "promising": 6,
    "need_attention": 6,
    "about_to_sleep": 9,
    "at_risk": 10,
    "cannot_lose": 4,
    "hibernating": 12,
    "lost": 14,
}


def _percentiles(samples: list[float]) -> dict[str, float]:
    samples = sorted(samples)
    return {
        "p50_ms": round(statistics.median(samples), 2),
        "p99_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.99))], 2),
        "max_ms": round(samples[-1], 2),
    }


def _timed(call: Any, times: int) -> tuple[dict[str, float], Any]:
    result = call()  # warm-up
    samples = []
    for _ in range(times):
        start = time.perf_counter()
        result = call()
        samples.append((time.perf_counter() - start) * 1000)
    return _percentiles(samples), result


def _load_scores(rng: random.Random) -> float:
    """A score row for 70% of the customers, in one bulk write per 50,000 rows."""
    from django.db import connection, transaction
    from django.utils import timezone

    from setia.analytics.models import CustomerScore
    from setia.core.bulk import insert_rows
    from setia.customers.models import Customer

    start = time.perf_counter()
    today = timezone.localdate()
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    codes, weights = list(SHARES), list(SHARES.values())
    columns = [
        "customer_id", "first_purchase", "last_purchase", "recency_days", "frequency", "monetary", "r_score",
        "f_score", "m_score", "fm_score", "rfm_segment", "historic_value", "predicted_purchases", "prob_alive",
        "churn_risk", "predicted_value", "loyalty_index", "loyalty_regularity", "loyalty_feedback",
        "loyalty_breadth", "loyalty_staying", "loyalty_referrals", "purchase_days", "categories_bought",
        "referrals_made", "computed_at",
    ]  # fmt: skip
    ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
    chosen = [pk for pk in ids if rng.random() < 0.7]
    for begin in range(0, len(chosen), 50_000):
        rows = []
        for pk in chosen[begin : begin + 50_000]:
            alive = rng.random()
            predicted = int(rng.lognormvariate(14.8, 0.9)) if rng.random() < 0.95 else None
            rows.append(
                (
                    pk, today, today, rng.randrange(365), rng.randrange(1, 30), rng.randrange(10_000, 20_000_000),
                    rng.randrange(1, 6), rng.randrange(1, 6), rng.randrange(1, 6), rng.randrange(1, 6),
                    rng.choices(codes, weights)[0], rng.randrange(0, 30_000_000), rng.random() * 10, alive, 1 - alive,
                    predicted, rng.randrange(0, 101), 0, 0, 0, 0, 0, rng.randrange(1, 40), rng.randrange(1, 6), 0,
                    stamp,
                )
            )  # fmt: skip
        with transaction.atomic():
            insert_rows(CustomerScore, columns, rows)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return round(time.perf_counter() - start, 1)


def run() -> dict[str, Any]:
    reuse = bool(os.environ.get("BENCH_DATABASE_URL")) and os.environ.get("BENCH_SEGMENTS_REUSE") == "1"
    vendor = throwaway("segments", "setia_bench_segments", create=not reuse)[1]
    import django

    django.setup()
    from django.core.management import call_command

    from setia.accounts.models import User
    from setia.customers.models import Customer
    from setia.demo.services import seed_demo
    from setia.segments import services
    from setia.segments.models import Segment, SegmentMember

    call_command("migrate", verbosity=0)
    if reuse and Customer.objects.count() == N:
        Segment.objects.all().delete()  # a previous run's, with its members
        seed_seconds, scores_seconds = 0.0, 0.0
    else:
        start = time.perf_counter()
        seed_demo(profile="salon", seed=1, customers=N, orders=0)
        seed_seconds = round(time.perf_counter() - start, 1)
        scores_seconds = _load_scores(random.Random(11))
    owner = User.objects.get(username="admin")
    figures: dict[str, Any] = {
        "customers": N,
        "database": vendor,
        "seed_seconds": seed_seconds,
        "scores_seconds": scores_seconds,
    }
    parts = {
        "story": STORY,
        "champions": {"match": "all", "conditions": [STORY["conditions"][0]]},
        "jawa_barat": {"match": "all", "conditions": [STORY["conditions"][1]]},
        "clv_above_5m": {"match": "all", "conditions": [STORY["conditions"][2]]},
        "champions_or_loyal_in_jawa_barat_or_female": {
            "match": "any",
            "conditions": [
                {
                    "match": "all",
                    "conditions": [
                        {"field": "analytics.rfm_segment", "op": "any_of", "value": ["champions", "loyal"]},
                        {"field": "customer.province", "op": "any_of", "value": ["32"]},
                    ],
                },
                {"field": "customer.gender", "op": "any_of", "value": ["female"]},
            ],
        },
    }
    for name, definition in parts.items():
        timing, count = _timed(lambda d=definition: services.segment_count(d, actor=owner), REPEAT)
        figures[f"count_{name}"] = {**timing, "count": count}
    start = time.perf_counter()
    segment = services.segment_create(actor=owner, name="Champions Jawa Barat", definition=STORY)
    figures["evaluate_first_ms"] = round((time.perf_counter() - start) * 1000, 1)
    figures["members"] = segment.member_count
    start = time.perf_counter()
    result = services.segment_evaluate(actor=owner, segment=segment)
    figures["evaluate_again_ms"] = round((time.perf_counter() - start) * 1000, 1)
    assert (result.joined, result.left) == (0, 0)
    assert (
        SegmentMember.objects.filter(segment=segment, left_at__isnull=True).count() == figures["count_story"]["count"]
    )
    return figures
