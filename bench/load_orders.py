"""Load generator (its own process): N threads post checkouts (order + points earned + a
voucher on some) to one local server for a number of seconds; prints JSON figures."""

import http.client
import json
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse


def main() -> None:
    base, key, bodies_file, seconds, threads = (
        sys.argv[1],
        sys.argv[2],
        sys.argv[3],
        float(sys.argv[4]),
        int(sys.argv[5]),
    )
    bodies = [line for line in Path(bodies_file).read_text().splitlines() if line]
    url = urlparse(base)
    deadline = time.monotonic() + seconds
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def worker(offset: int) -> None:
        connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=30)
        index = offset
        local: list[float] = []
        seen: dict[int, int] = {}
        while time.monotonic() < deadline:
            body = bodies[index % len(bodies)]
            index += threads
            start = time.perf_counter()
            connection.request(
                "POST",
                "/api/v1/orders",
                body=body,
                headers={
                    "Authorization": f"Bearer {key}",
                    "Content-Type": "application/json",
                    "Idempotency-Key": f"bench-{uuid.uuid4().hex}",
                },
            )
            response = connection.getresponse()
            response.read()
            local.append((time.perf_counter() - start) * 1000)
            seen[response.status] = seen.get(response.status, 0) + 1
        with lock:
            latencies.extend(local)
            for status, count in seen.items():
                statuses[status] = statuses.get(status, 0) + count

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    started = time.monotonic()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    print(
        json.dumps(
            {
                "requests": len(latencies),
                "statuses": statuses,
                "orders_per_s": round(statuses.get(201, 0) / elapsed),
                "client_p50_ms": round(latencies[len(latencies) // 2], 2),
                "client_p99_ms": round(latencies[int(len(latencies) * 0.99)], 2),
                "threads": threads,
            }
        )
    )


if __name__ == "__main__":
    main()
