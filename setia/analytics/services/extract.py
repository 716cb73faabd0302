"""The columnar copy of the purchases that the analytics engine computes on.

Two Parquet files under `var/analytics/` (or `SETIA_ANALYTICS_DIR`):

- `orders.parquet`: one row per order that has a customer — order id, customer id, business
  date, net value (`total - refunded_total`, whole Rupiah) and `paid` (status fulfilled or partly
  refunded). Cancelled, fully refunded, booked and placed orders are kept with `paid = false`, so
  a later change of status replaces them like any other change.
- `lines.parquet`: (order id, category id at sale, product id) for the lines of those orders that
  name a category or a product and are not wholly refunded — what category breadth counts and what
  the association rules are mined from.

Incremental rule. Every change to an order (a sale, a refund, a cancellation, a fulfilment)
saves it, which sets its `updated_at`. A refresh re-reads only the orders whose `updated_at` is at
or after the previous extract's start less a safety margin (`OVERLAP`, for transactions that were
still open then), with their lines, and replaces those orders by id in both files. A full
extract is made instead when there is no copy yet, the copy was made from another database or by
an older version (other columns: `COPY_VERSION`), a customer merge moved orders to another
customer (merges move orders without saving them; the merge handler sets
`AnalyticsSettings.full_extract_required`), or the number of orders in the copy differs from the
database (e.g. an order was deleted).

Reading (docs/adr/0014-adbc-analytics-io.md): a full extract, outside a transaction, reads
through the ADBC drivers straight into Arrow on connections of their own (PostgreSQL through
binary COPY, SQLite in C in a child process, services/sqlite_adbc.py), the orders and the lines at
the same time. An incremental extract reads few rows, and inside a transaction (a caller's
`atomic` block, the tests) a second connection would not see the caller's uncommitted rows: these
read through Django's own connection: PostgreSQL streams `COPY (…) TO STDOUT` into a CSV
file that pyarrow parses; SQLite reads the rows in chunks through the sqlite3 cursor. DuckDB's
database scanners are not used: they are extensions downloaded at run time.
"""

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from django.conf import settings
from django.db import connection
from django.utils import timezone

from setia.analytics.models import AnalyticsSettings
from setia.sales.models import Order, OrderLine

OVERLAP = dt.timedelta(minutes=10)
CHUNK = 200_000
PAID = (Order.Status.FULFILLED.value, Order.Status.PARTLY_REFUNDED.value)

ORDER_SCHEMA = pa.schema(
    [
        ("order_id", pa.int64()),
        ("customer_id", pa.int64()),
        ("business_date", pa.date32()),
        ("net", pa.int64()),
        ("paid", pa.bool_()),
    ]
)
LINE_SCHEMA = pa.schema([("order_id", pa.int64()), ("category_id", pa.int64()), ("product_id", pa.int64())])
ADBC_MIN_ROWS = 100_000  # fewer rows are read and written through Django's connection
# Bumped when the copy's columns change: a copy of another version is replaced by a full extract.
COPY_VERSION = 2


@dataclass
class ExtractResult:
    mode: str  # "full" or "incremental"
    orders: int  # rows in the copy after the extract
    lines: int
    changed_orders: int  # rows read from the database by this extract
    seconds: float


def analytics_dir() -> Path:
    path = Path(getattr(settings, "SETIA_ANALYTICS_DIR", "") or Path(settings.VAR_DIR) / "analytics")
    path.mkdir(parents=True, exist_ok=True)
    return path


def orders_path() -> Path:
    return analytics_dir() / "orders.parquet"


def lines_path() -> Path:
    return analytics_dir() / "lines.parquet"


def _manifest_path() -> Path:
    return analytics_dir() / "manifest.json"


def _database_key() -> str:
    return f"{connection.vendor}:{connection.settings_dict.get('HOST') or ''}:{connection.settings_dict['NAME']}"


def _order_sql(since: dt.datetime | None) -> tuple[str, list[Any]]:
    order = Order._meta.db_table
    days = (
        "(o.business_date - DATE '1970-01-01')"
        if connection.vendor == "postgresql"
        else "CAST(julianday(o.business_date) - 2440587.5 AS INTEGER)"
    )
    sql = (
        f"SELECT o.id, o.customer_id, {days}, o.total - o.refunded_total, "
        f"CASE WHEN o.status IN ('{PAID[0]}', '{PAID[1]}') THEN 1 ELSE 0 END "
        f"FROM {order} o WHERE o.customer_id IS NOT NULL"
    )
    return _since(sql, since)


def _line_sql(since: dt.datetime | None) -> tuple[str, list[Any]]:
    kept = "(l.category_id_at_sale IS NOT NULL OR l.product_id IS NOT NULL) AND l.quantity > l.refunded_quantity"
    lines = f"SELECT l.order_id, l.category_id_at_sale, l.product_id FROM {OrderLine._meta.db_table} l WHERE {kept}"
    if since is None:
        # The full extract reads the lines table alone (joining 10,000,000 lines to the orders
        # costs more than the read); lines of orders without a customer are never joined to an
        # order in the copy, so they count nowhere.
        return lines, []
    sql = (
        f"SELECT l.order_id, l.category_id_at_sale, l.product_id FROM {OrderLine._meta.db_table} l "
        f"JOIN {Order._meta.db_table} o ON o.id = l.order_id WHERE o.customer_id IS NOT NULL AND {kept}"
    )
    return _since(sql, since)


def _since(sql: str, since: dt.datetime | None) -> tuple[str, list[Any]]:
    if since is None:
        return sql, []
    return sql + " AND o.updated_at >= %s", [connection.ops.adapt_datetimefield_value(since)]


def _read(sql: str, params: list[Any], schema: pa.Schema, *, bulk: bool = False) -> pa.Table:
    """Run `sql` and return its rows as an Arrow table of `schema` (dates as days since 1970).
    `bulk`: many rows are expected, worth an ADBC connection (and on SQLite a child process, about
    half a second to start)."""
    target = adbc_target() if bulk else None
    if target is not None:
        return _read_adbc(target, [(_inline(sql, params), schema)])[0]
    if connection.vendor == "postgresql":
        return _read_postgresql(sql, params, schema)
    return _read_sqlite(sql, params, schema)


def _read_both(
    first: tuple[str, list[Any], pa.Schema], second: tuple[str, list[Any], pa.Schema]
) -> tuple[pa.Table, pa.Table]:
    """Two bulk reads; with ADBC at the same time, on two connections (the drivers release the GIL)."""
    target = adbc_target()
    if target is None:
        return _read(*first), _read(*second)
    one, two = _read_adbc(target, [(_inline(sql, params), schema) for sql, params, schema in (first, second)])
    return one, two


# --- ADBC ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AdbcTarget:
    vendor: str  # "postgresql" or "sqlite"
    uri: str  # libpq connection string, or the SQLite file


def adbc_target() -> AdbcTarget | None:
    """Where an ADBC connection of its own reaches the database Django uses, or None when it must
    not be used: inside a transaction (a second connection would not see its uncommitted rows, nor
    could it write to SQLite while the transaction holds the lock) and for an in-memory SQLite
    database."""
    connection.ensure_connection()
    if connection.in_atomic_block:
        return None
    if connection.vendor == "postgresql":
        from psycopg.conninfo import make_conninfo

        info = connection.connection.info
        password = info.password
        return AdbcTarget("postgresql", make_conninfo(info.dsn, **({"password": password} if password else {})))
    if connection.vendor == "sqlite":
        name = str(connection.settings_dict["NAME"])
        if name in ("", ":memory:") or "mode=memory" in name:
            return None
        return AdbcTarget("sqlite", name)
    return None


@contextmanager
def postgresql_connect(target: AdbcTarget) -> Iterator[Any]:
    """An ADBC PostgreSQL DB-API connection (not in autocommit: the caller commits)."""
    import adbc_driver_postgresql.dbapi as driver

    adbc = driver.connect(target.uri)
    try:
        yield adbc
    finally:
        adbc.close()


def sqlite_child(spec: dict[str, Any]) -> None:
    """Run services/sqlite_adbc.py in a process of its own (see its docstring for why and SPEC)."""
    script = Path(__file__).with_name("sqlite_adbc.py")
    done = subprocess.run([sys.executable, str(script), json.dumps(spec)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"sqlite_adbc.py failed: {done.stderr.strip()[-2000:]}")


def _read_adbc(target: AdbcTarget, queries: list[tuple[str, pa.Schema]]) -> list[pa.Table]:
    """Each query's rows as an Arrow table of its schema, the queries run at the same time."""
    if target.vendor == "sqlite":
        with tempfile.TemporaryDirectory(dir=analytics_dir()) as folder:
            outs = [str(Path(folder) / f"read{n}.arrow") for n in range(len(queries))]
            sqlite_child(
                {
                    "database": target.uri,
                    "read": [{"sql": sql, "out": out} for (sql, _), out in zip(queries, outs, strict=True)],
                }
            )
            tables = [pa.ipc.open_file(pa.OSFile(out, "rb")).read_all() for out in outs]
    else:

        def read(sql: str) -> pa.Table:
            with postgresql_connect(target) as adbc, adbc.cursor() as cursor:
                cursor.execute(sql)
                table = cursor.fetch_arrow_table()
                adbc.rollback()
            return table

        with ThreadPoolExecutor(max_workers=len(queries)) as pool:
            tables = list(pool.map(read, [sql for sql, _ in queries]))
    return [_cast(table, schema) for table, (_, schema) in zip(tables, queries, strict=True)]


def _cast(table: pa.Table, schema: pa.Schema) -> pa.Table:
    if table.num_rows == 0:
        return schema.empty_table()
    columns = []
    for field, column in zip(schema, table.columns, strict=True):
        if field.type == pa.date32():
            column = column.cast(pa.int32()).cast(pa.date32())
        columns.append(column.cast(field.type))
    return pa.Table.from_arrays(columns, schema=schema)


def _inline(sql: str, params: list[Any]) -> str:
    """`sql` with its %s parameters written in as SQL literals (ADBC reads take no parameters here;
    the values are datetimes from `adapt_datetimefield_value`)."""
    if not params:
        return sql
    if connection.vendor == "postgresql":
        from psycopg import sql as pgsql

        query = pgsql.SQL(sql.replace("%s", "{}")).format(*[pgsql.Literal(value) for value in params])
        return query.as_string(connection.connection)
    parts = sql.split("%s")
    quoted = ["'" + str(value).replace("'", "''") + "'" for value in params]
    return "".join(part + quote for part, quote in zip(parts, [*quoted, ""], strict=True))


def _wire_schema(schema: pa.Schema) -> pa.Schema:
    wire = {pa.date32(): pa.int32(), pa.bool_(): pa.int8()}
    return pa.schema([(field.name, wire.get(field.type, field.type)) for field in schema])


def _to_schema(table: pa.Table, schema: pa.Schema) -> pa.Table:
    columns = []
    for field, column in zip(schema, table.columns, strict=True):
        if field.type == pa.date32():
            column = column.cast(pa.int32()).cast(pa.date32())
        elif field.type == pa.bool_():
            column = column.cast(pa.bool_())
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=schema)


def _read_postgresql(sql: str, params: list[Any], schema: pa.Schema) -> pa.Table:
    from psycopg import sql as pgsql

    wire = _wire_schema(schema)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        query = pgsql.SQL(sql.replace("%s", "{}")).format(*[pgsql.Literal(value) for value in params])
        with tempfile.NamedTemporaryFile(dir=analytics_dir(), suffix=".csv", delete=True) as buffer:
            with raw.copy(pgsql.SQL("COPY ({}) TO STDOUT (FORMAT csv)").format(query)) as copy:
                for chunk in copy:
                    buffer.write(chunk)
            buffer.flush()
            if buffer.tell() == 0:
                return schema.empty_table()
            table = pacsv.read_csv(
                buffer.name,
                read_options=pacsv.ReadOptions(column_names=wire.names, block_size=64 << 20),
                convert_options=pacsv.ConvertOptions(column_types=wire),
            )
    return _to_schema(table, schema)


def _read_sqlite(sql: str, params: list[Any], schema: pa.Schema) -> pa.Table:
    wire = _wire_schema(schema)
    raw = connection.connection.cursor()
    try:
        raw.execute(sql.replace("%s", "?"), params)
        batches = []
        while rows := raw.fetchmany(CHUNK):
            columns = list(zip(*rows, strict=True))
            arrays = [pa.array(values, type=field.type) for values, field in zip(columns, wire, strict=True)]
            batches.append(pa.RecordBatch.from_arrays(arrays, schema=wire))
    finally:
        raw.close()
    return _to_schema(pa.Table.from_batches(batches, schema=wire), schema)


def _read_manifest() -> dict[str, Any]:
    try:
        data = json.loads(_manifest_path().read_text())
    except (OSError, ValueError):
        return {}
    if not orders_path().exists() or not lines_path().exists():
        return {}
    return data if isinstance(data, dict) else {}


def _replace(path: Path, table: pa.Table) -> None:
    temporary = path.with_suffix(".tmp")
    pq.write_table(table, temporary)
    os.replace(temporary, path)


def _orders_in_database() -> int:
    return Order.objects.filter(customer__isnull=False).count()


def extract(*, full: bool = False) -> ExtractResult:
    """Bring the columnar copy up to date with the database (see the module's docstring)."""
    began = time.perf_counter()
    started = timezone.now()
    manifest = _read_manifest()
    options, _created = AnalyticsSettings.objects.get_or_create(pk=1)
    if options.full_extract_required:
        # Cleared before reading, so a merge during this extract asks for the next one again.
        AnalyticsSettings.objects.filter(pk=1).update(full_extract_required=False)
    incremental = (
        not full
        and not options.full_extract_required
        and manifest.get("database") == _database_key()
        and manifest.get("version") == COPY_VERSION
        and manifest.get("watermark")
    )
    since = dt.datetime.fromisoformat(manifest["watermark"]) - OVERLAP if incremental else None
    if since is None:
        orders, lines = _read_both((*_order_sql(since), ORDER_SCHEMA), (*_line_sql(since), LINE_SCHEMA))
    else:  # the orders changed since the last extract: few
        orders, lines = _read(*_order_sql(since), ORDER_SCHEMA), _read(*_line_sql(since), LINE_SCHEMA)
    if since is None:
        _replace(orders_path(), orders)
        _replace(lines_path(), lines)
        order_count, line_count = orders.num_rows, lines.num_rows
    else:
        order_count, line_count = _merge_changes(orders, lines)
        if order_count != _orders_in_database():
            return extract(full=True)
    _manifest_path().write_text(
        json.dumps(
            {
                "database": _database_key(),
                "version": COPY_VERSION,
                "watermark": started.isoformat(),
                "orders": order_count,
            }
        )
    )
    return ExtractResult(
        mode="incremental" if since is not None else "full",
        orders=order_count,
        lines=line_count,
        changed_orders=orders.num_rows,
        seconds=round(time.perf_counter() - began, 3),
    )


def _merge_changes(orders: pa.Table, lines: pa.Table) -> tuple[int, int]:
    """Replace the changed orders (and all their lines) in the copy; returns the new row counts."""
    db = duckdb.connect()
    try:
        db.register("changed_orders", orders)
        db.register("changed_lines", lines)
        merged_orders = db.sql(
            "SELECT * FROM read_parquet($path) WHERE order_id NOT IN (SELECT order_id FROM changed_orders) "
            "UNION ALL SELECT * FROM changed_orders",
            params={"path": str(orders_path())},
        ).to_arrow_table()
        merged_lines = db.sql(
            "SELECT * FROM read_parquet($path) WHERE order_id NOT IN (SELECT order_id FROM changed_orders) "
            "UNION ALL SELECT * FROM changed_lines",
            params={"path": str(lines_path())},
        ).to_arrow_table()
    finally:
        db.close()
    _replace(orders_path(), merged_orders.cast(ORDER_SCHEMA))
    _replace(lines_path(), merged_lines.cast(LINE_SCHEMA))
    return merged_orders.num_rows, merged_lines.num_rows
