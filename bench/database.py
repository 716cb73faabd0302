"""Each benchmark's own database, thrown away after: one way for every bench_*.py to set it up."""

import os
import tempfile
from pathlib import Path


def throwaway(prefix: str, name: str, *, create: bool = True) -> tuple[Path, str]:
    """Set up a benchmark run and point Django at its database: a new temporary SETIA_VAR_DIR
    (returned), SETIA_ENV=test, DEBUG=false (as in production: no query log, no debug pages), and a
    SQLite file in that folder — or, when BENCH_DATABASE_URL names a PostgreSQL server, the database
    BENCH_DB_NAME (default `name`) there, dropped and created anew unless `create` is false (a
    benchmark that reuses an earlier load). Returns the folder and "sqlite" or "postgresql"."""
    var_dir = Path(tempfile.mkdtemp(prefix=f"setia-bench-{prefix}-"))
    os.environ.update(SETIA_VAR_DIR=str(var_dir), SETIA_ENV="test", DEBUG="false")
    if not os.environ.get("BENCH_DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{var_dir}/bench.sqlite3"
        return var_dir, "sqlite"
    database = os.environ.get("BENCH_DB_NAME", name)
    if create:
        on_server(f"DROP DATABASE IF EXISTS {database}", f"CREATE DATABASE {database}")
    os.environ["DATABASE_URL"] = f"{server()}/{database}"
    return var_dir, "postgresql"


def server() -> str:
    """BENCH_DATABASE_URL without its database: the server's address."""
    return os.environ["BENCH_DATABASE_URL"].rsplit("/", 1)[0]


def on_server(*statements: str) -> None:
    """Run statements outside any database of the benchmark's (creating and dropping them)."""
    import psycopg

    with psycopg.connect(f"{server()}/postgres", autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)
