import threading

import pytest
from django.db import close_old_connections, connection

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
