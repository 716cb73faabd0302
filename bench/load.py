"""Load generator (its own process): N threads with keep-alive connections request caller
lookups for a number of seconds against one local server; prints JSON figures."""

import http.client
import json
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse


def main() -> None:
    base, key, numbers_file, seconds, threads = (
        sys.argv[1],
        sys.argv[2],
        sys.argv[3],
        float(sys.argv[4]),
        int(sys.argv[5]),
    )
    numbers = Path(numbers_file).read_text().split()
    url = urlparse(base)
    deadline = time.monotonic() + seconds
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def worker(offset: int) -> None:
        connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=10)
        index = offset
        local: list[float] = []
        while time.monotonic() < deadline:
            number = numbers[index % len(numbers)]
            index += threads
            start = time.perf_counter()
            connection.request(
                "GET", f"/api/v1/customers/lookup?phone={number}", headers={"Authorization": f"Bearer {key}"}
            )
            response = connection.getresponse()
            response.read()
            local.append((time.perf_counter() - start) * 1000)
            if response.status != 200:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(local)

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
                "errors": errors[0],
                "requests_per_s": round(len(latencies) / elapsed),
                "client_p50_ms": round(latencies[len(latencies) // 2], 2),
                "client_p99_ms": round(latencies[int(len(latencies) * 0.99)], 2),
                "threads": threads,
                "server_workers": 2,
            }
        )
    )


if __name__ == "__main__":
    main()
