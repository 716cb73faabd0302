"""Fixed-window rate limits that hold across processes, at the cost of one SQL statement per
block of requests.

`hit(key, limit, period)` counts a request and says whether it is within the limit. The count
lives in the database (`RateCounter`), updated by one `INSERT … ON CONFLICT … RETURNING`
(PostgreSQL, and SQLite ≥ 3.35), so two processes can never both see the last free slot.
A fixed window lets a client send up to twice the limit across a window boundary; for API
fairness that is acceptable and far cheaper than a sliding log kept in a cache.

Large limits are counted in blocks: a process takes `block_size(limit)` request numbers from the
database at once (one write) and hands them out from memory until they are used up or the window
ends. The database still never hands the same number to two processes, so no more than `limit`
requests are allowed in a window across all processes; numbers a process took but did not use
before the window ended are lost, so with several processes a client may be refused up to
(processes - 1) * block requests early — under 1% of the limit. Limits under 200 (sign-in
attempts, wrong API keys, the tests' small limits) are counted one by one, exactly as before.
The point is the busy API (the phone system's caller lookups): one write per request made every
request take SQLite's single write lock, in turn with the other server processes.
"""

import threading
import time
from dataclasses import dataclass

from django.db import connection

from setia.core.models import RateCounter

MAX_BLOCK = 50


@dataclass(frozen=True)
class Decision:
    allowed: bool
    hits: int
    retry_after: int  # seconds until the window resets


@dataclass
class _Lease:
    """Request numbers `next`..`last` of window `bucket`, taken by this process."""

    bucket: int
    next: int
    last: int


_leases: dict[tuple[str, int], _Lease] = {}
_lock = threading.Lock()


def parse_rate(rate: str) -> tuple[int, int]:
    """`"600/m"` → (600, 60). Units: s, m, h, d."""
    count, _slash, unit = rate.partition("/")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}.get(unit.strip()[:1] or "m")
    if not count.strip().isdigit() or seconds is None:
        raise ValueError(f"rate must look like 600/m; got {rate!r}")
    return int(count), seconds


def block_size(limit: int) -> int:
    return max(1, min(MAX_BLOCK, limit // 100))


def hit(key: str, limit: int, period: int, now: float | None = None) -> Decision:
    moment = int(now if now is not None else time.time())
    bucket = moment - moment % period
    retry_after = max(1, bucket + period - moment)
    block = block_size(limit)
    lease_key = (f"{connection.alias}:{key}", period)
    if block > 1:
        with _lock:
            lease = _leases.get(lease_key)
            if lease is not None and lease.bucket == bucket and lease.next <= lease.last:
                lease.next += 1
                return Decision(True, lease.next - 1, retry_after)
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (key, bucket, hits) VALUES (%s, %s, %s) "
            f"ON CONFLICT (key) DO UPDATE SET "
            f"hits = CASE WHEN {table}.bucket = excluded.bucket THEN {table}.hits + excluded.hits "
            f"ELSE excluded.hits END, "
            f"bucket = excluded.bucket RETURNING hits",
            [key[:200], bucket, block],
        )
        total = cursor.fetchone()[0]
    first = total - block + 1  # this request's number; the rest of the block is kept for later ones
    if block > 1:
        with _lock:
            _leases[lease_key] = _Lease(bucket, first + 1, min(total, limit))
    return Decision(first <= limit, first, retry_after)


def forget_leases() -> None:
    """Drop this process's unused request numbers (tests: simulate a fresh process)."""
    with _lock:
        _leases.clear()
