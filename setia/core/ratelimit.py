"""Fixed-window rate limits that hold across processes, at the cost of one SQL statement.

`hit(key, limit, period)` counts a request and says whether it is within the limit. The count
lives in the database (`RateCounter`), updated by one `INSERT … ON CONFLICT … RETURNING`
(PostgreSQL, and SQLite ≥ 3.35), so two processes can never both see the last free slot.
A fixed window lets a client send up to twice the limit across a window boundary; for API
fairness that is acceptable and far cheaper than a sliding log kept in a cache.
"""

import time
from dataclasses import dataclass

from django.db import connection

from setia.core.models import RateCounter


@dataclass(frozen=True)
class Decision:
    allowed: bool
    hits: int
    retry_after: int  # seconds until the window resets


def parse_rate(rate: str) -> tuple[int, int]:
    """`"600/m"` → (600, 60). Units: s, m, h, d."""
    count, _slash, unit = rate.partition("/")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}.get(unit.strip()[:1] or "m")
    if not count.strip().isdigit() or seconds is None:
        raise ValueError(f"rate must look like 600/m; got {rate!r}")
    return int(count), seconds


def hit(key: str, limit: int, period: int, now: float | None = None) -> Decision:
    moment = int(now if now is not None else time.time())
    bucket = moment - moment % period
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (key, bucket, hits) VALUES (%s, %s, 1) "
            f"ON CONFLICT (key) DO UPDATE SET "
            f"hits = CASE WHEN {table}.bucket = excluded.bucket THEN {table}.hits + 1 ELSE 1 END, "
            f"bucket = excluded.bucket RETURNING hits",
            [key[:200], bucket],
        )
        hits = cursor.fetchone()[0]
    return Decision(hits <= limit, hits, max(1, bucket + period - moment))
