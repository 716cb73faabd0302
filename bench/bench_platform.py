"""Server time of the shell's hot paths on a seeded demo database (a throw-away SQLite file).

- API key authentication: one digest lookup per request (no password hashing).
- The home page and the staff list for the owner.
Figures are the median and 95th percentile of server time in milliseconds over N requests,
measured with Django's test client (no network).
"""

import os
import statistics
import tempfile
import time
from typing import Any

REQUESTS = 200


def _timed(client: Any, path: str, **headers: str) -> dict[str, float]:
    client.get(path, headers=headers)  # warm up
    samples = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        response = client.get(path, headers=headers)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    samples.sort()
    return {"median_ms": round(statistics.median(samples), 2), "p95_ms": round(samples[int(len(samples) * 0.95)], 2)}


def run() -> dict[str, Any]:
    var_dir = tempfile.mkdtemp(prefix="setia-bench-")
    os.environ["SETIA_VAR_DIR"] = var_dir
    os.environ["DATABASE_URL"] = f"sqlite:///{var_dir}/bench.sqlite3"
    os.environ["API_RATE_LIMIT"] = "100000/m"
    os.environ.setdefault("SETIA_ENV", "test")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from setia.accounts.models import User
    from setia.accounts.services import api_key_create
    from setia.demo.services import seed_demo

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    seed_demo(profile="salon", seed=1)
    owner = User.objects.get(username="admin")
    _record, key = api_key_create(actor=owner, name="bench")

    api_client = Client()
    web = Client()
    web.force_login(owner)
    return {
        "requests_per_path": REQUESTS,
        "api_me_with_key": _timed(api_client, "/api/v1/me", Authorization=f"Bearer {key}"),
        "home_page": _timed(web, "/"),
        "staff_list": _timed(web, "/staff/"),
    }
