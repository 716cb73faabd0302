import threading

import pytest
from django.db import close_old_connections, connection

from setia.core.models import RateCounter
from setia.core.ratelimit import hit, parse_rate


def test_parse_rate() -> None:
    assert parse_rate("600/m") == (600, 60)
    assert parse_rate("10/s") == (10, 1)
    with pytest.raises(ValueError):
        parse_rate("lots")


def test_counts_within_a_window_and_resets_in_the_next(db: None) -> None:
    decisions = [hit("k", 2, 60, now=1000.0) for _ in range(3)]
    assert [d.allowed for d in decisions] == [True, True, False]
    assert decisions[-1].retry_after == 20  # window 960..1020
    assert hit("k", 2, 60, now=1021.0).hits == 1
    assert hit("other", 2, 60, now=1000.0).hits == 1


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_concurrent_hits_are_all_counted() -> None:
    if connection.vendor != "postgresql":
        pytest.fail("concurrency tests run on PostgreSQL (make test-postgres)")
    barrier = threading.Barrier(8)
    allowed: list[bool] = []

    def run() -> None:
        try:
            barrier.wait()
            for _ in range(10):
                allowed.append(hit("shared", 50, 3600, now=7200.0).allowed)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=run) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert allowed.count(True) == 50 and allowed.count(False) == 30


def test_large_limits_are_taken_from_the_database_in_blocks(db: None) -> None:
    from django.test.utils import CaptureQueriesContext

    from setia.core.ratelimit import block_size, forget_leases

    forget_leases()
    assert (block_size(150), block_size(600), block_size(1_000_000)) == (1, 6, 50)
    with CaptureQueriesContext(connection) as queries:
        decisions = [hit("api", 600, 60, now=1000.0) for _ in range(601)]
    assert len(queries) == 101  # one write per block of 6
    assert [d.hits for d in decisions[:7]] == [1, 2, 3, 4, 5, 6, 7]
    assert [d.allowed for d in decisions].count(True) == 600 and not decisions[-1].allowed
    assert decisions[-1].retry_after == 20
    # A new window starts counting again.
    assert hit("api", 600, 60, now=1021.0) == hit("api", 600, 60, now=1021.0).__class__(True, 1, 59)
    assert RateCounter.objects.get(key="api").hits == 6
    forget_leases()


def test_blocks_never_allow_more_than_the_limit_across_processes(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from setia.core import ratelimit

    processes: list[dict[tuple[str, int], object]] = [{}, {}]  # each process keeps its own blocks
    allowed = []
    for turn in range(700):
        monkeypatch.setattr(ratelimit, "_leases", processes[turn % 2])
        allowed.append(hit("api", 600, 60, now=1000.0).allowed)
    # Each request number is handed out once: exactly the limit, then refusals in both processes.
    assert allowed.count(True) == 600 and allowed[-2:] == [False, False]
    assert RateCounter.objects.get(key="api").hits > 600
