"""Load generator (its own process): N threads post checkouts (order + points earned + a
voucher on some) to one local server for a number of seconds; prints JSON figures.

Without a rate, each thread sends its next checkout as soon as the last one is answered (the
server's most). With a rate (checkouts per second, all threads together), checkouts are sent on
a fixed timetable, and each one's time counts from when the timetable said to send it: a reply
that keeps the next one waiting is charged to that one too."""

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
    rate = float(sys.argv[6]) if len(sys.argv) > 6 else 0.0
    bodies = [line for line in Path(bodies_file).read_text().splitlines() if line]
    url = urlparse(base)
    begin = time.perf_counter() + 0.5  # every thread started before the clock does
    deadline = begin + seconds
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def worker(offset: int) -> None:
        connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=30)
        index = offset
        local: list[float] = []
        seen: dict[int, int] = {}
        time.sleep(max(0.0, begin - time.perf_counter()))
        while True:
            body = bodies[index % len(bodies)]
            if rate:
                start = begin + index / rate  # this checkout's place in the timetable
                if start >= deadline:
                    break
                time.sleep(max(0.0, start - time.perf_counter()))
            else:
                start = time.perf_counter()
                if start >= deadline:
                    break
            index += threads
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
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - begin
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
                "offered_per_s": rate or None,
            }
        )
    )


if __name__ == "__main__":
    main()
