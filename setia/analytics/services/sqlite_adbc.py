"""SQLite reads and bulk writes through the ADBC driver, run in a process of its own.

The ADBC SQLite driver links its own copy of SQLite. Two copies of SQLite in one process must not
open the same database file: SQLite's POSIX locks are shared per process only within one copy, so
the copies neither see each other's locks nor, as measured here, each other's committed writes
in the WAL (https://sqlite.org/howtocorrupt.html, "multiple copies of SQLite linked into the same
application"). The analytics refresh therefore runs this file as a child process
(`python sqlite_adbc.py SPEC`), which imports neither Django nor the project: the parent writes
and reads Arrow IPC files beside it.

SPEC is JSON:
- `{"database": path, "read": [{"sql": ..., "out": ipc path}, ...]}` runs each query (at the same
  time, one connection each) and writes its rows to `out`;
- `{"database": path, "write": [{"mode": "replace" | "append" | "upsert", "table": ...,
  "columns": [...], "conflict": [...], "data": ipc path}, ...]}` applies each write in its own
  transaction: `replace` deletes every row of the table and inserts the data; `append` inserts
  the data; `upsert` inserts the data, and updates the rows whose `conflict` columns are already
  there.
"""

import json
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import adbc_driver_sqlite.dbapi as adbc
import pyarrow as pa

BATCH_ROWS = 200_000  # rows per Arrow batch the driver reads (its default is 1,024)
BUSY_MS = 20_000  # as Django's connection (config/settings.py): wait for another writer


def _connect(database: str) -> Any:
    connection = adbc.connect(database)
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
        cursor.execute("PRAGMA cache_size = -262144")  # 256 MB: a million-row write stays in memory
    return connection


def _read(database: str, sql: str, out: str) -> None:
    connection = _connect(database)
    try:
        with connection.cursor() as cursor:
            cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(BATCH_ROWS)})
            cursor.execute(sql)
            table = cursor.fetch_arrow_table()
        connection.rollback()
    finally:
        connection.close()
    with pa.OSFile(out, "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _write(connection: Any, write: dict[str, Any]) -> None:
    with pa.memory_map(write["data"]) as source:
        data = pa.ipc.open_file(source).read_all()
    table, columns = _quote(write["table"]), write["columns"]
    names = ", ".join(_quote(column) for column in columns)
    with connection.cursor() as cursor:
        if write["mode"] in ("replace", "append"):
            if write["mode"] == "replace":
                cursor.execute(f"DELETE FROM {table}")
            if data.num_rows:
                cursor.adbc_ingest(write["table"], data.rename_columns(columns), mode="append")
        else:
            conflict = write["conflict"]
            staging = f"{write['table']}_load"
            cursor.execute(f"DROP TABLE IF EXISTS temp.{_quote(staging)}")
            cursor.adbc_ingest(staging, data, mode="create", temporary=True)
            updates = ", ".join(f"{_quote(c)} = excluded.{_quote(c)}" for c in columns if c not in conflict)
            # "WHERE true": SQLite's grammar needs it between SELECT … FROM and ON CONFLICT.
            cursor.execute(
                f"INSERT INTO {table} ({names}) SELECT {names} FROM temp.{_quote(staging)} WHERE true "
                f"ON CONFLICT ({', '.join(_quote(c) for c in conflict)}) DO UPDATE SET {updates}"
            )
            cursor.execute(f"DROP TABLE temp.{_quote(staging)}")
    connection.commit()


def main(spec: dict[str, Any]) -> None:
    database = spec["database"]
    reads = spec.get("read", [])
    if reads:
        with ThreadPoolExecutor(max_workers=len(reads)) as pool:
            for done in [pool.submit(_read, database, read["sql"], read["out"]) for read in reads]:
                done.result()
    writes = spec.get("write", [])
    if writes:
        connection = _connect(database)
        try:
            for write in writes:
                _write(connection, write)
        finally:
            connection.close()


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
