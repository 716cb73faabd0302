"""Benchmark runner: `make bench` runs every bench/bench_*.py and each writes bench/results/<name>.json.

Each benchmark module defines `run() -> dict` returning its figures; the runner prints them and
stores them with the machine and time, so a later run can be compared.
"""

import datetime as dt
import importlib
import json
import os
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def main(selected: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    RESULTS.mkdir(parents=True, exist_ok=True)
    names = selected or sorted(path.stem for path in (ROOT / "bench").glob("bench_*.py"))
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        print(f"== {name}")
        figures = module.run()
        record = {
            "benchmark": name,
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
            "figures": figures,
        }
        for key, value in figures.items():
            print(f"   {key}: {value}")
        # One file per benchmark and database, so SQLite and PostgreSQL figures sit side by side.
        stem = f"{name}-{figures['database']}" if "database" in figures else name
        (RESULTS / f"{stem}.json").write_text(json.dumps(record, indent=2) + "\n")
        print(f"   -> bench/results/{stem}.json")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
