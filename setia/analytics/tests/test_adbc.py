"""The ADBC paths of the refresh's bulk reads and writes (docs/adr/0014-adbc-analytics-io.md).

SQLite: the child process (services/sqlite_adbc.py) on a database file of the test's own (the test
database is in memory, which a second process cannot open). PostgreSQL: the test database itself,
outside a transaction (`transaction=True`), as the refresh uses it.
"""

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from django.db import connection

from setia.analytics.models import CustomerScore, CustomerScoreSnapshot
from setia.analytics.services import engine, extract

pytestmark = pytest.mark.django_db(transaction=True)

TABLE = CustomerScoreSnapshot._meta.db_table


@pytest.fixture
def target(tmp_path: Path) -> extract.AdbcTarget:
    if connection.vendor == "postgresql":
        found = extract.adbc_target()
        assert found is not None and found.vendor == "postgresql"
        return found
    # The tables as the migrations make them, in a database file of the test's own.
    with connection.schema_editor(collect_sql=True) as editor:
        editor.create_model(CustomerScoreSnapshot)
        editor.create_model(CustomerScore)
    path = tmp_path / "adbc.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode=WAL")
        for statement in editor.collected_sql:
            db.execute(statement)
    return extract.AdbcTarget("sqlite", str(path))


def _stored(target: extract.AdbcTarget) -> list[tuple[Any, ...]]:
    columns = ", ".join(engine.SNAPSHOT_COLUMNS)
    if target.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {columns} FROM {TABLE} ORDER BY customer_id, date")
            rows = cursor.fetchall()
        return [(row[0], row[1].isoformat(), *row[2:]) for row in rows]
    with sqlite3.connect(target.uri) as db:
        return db.execute(f"SELECT {columns} FROM {TABLE} ORDER BY customer_id, date").fetchall()


def _snapshots(rows: list[tuple[Any, ...]]) -> pa.Table:
    return pa.table(
        {name: [row[n] for row in rows] for n, name in enumerate(engine.SNAPSHOT_COLUMNS)},
        schema=pa.schema(
            [
                ("customer_id", pa.int64()),
                ("date", pa.string()),
                ("rfm_segment", pa.string()),
                ("r_score", pa.int64()),
                ("f_score", pa.int64()),
                ("m_score", pa.int64()),
                ("loyalty_index", pa.int64()),
                ("predicted_value", pa.int64()),
            ]
        ),
    )


def test_a_bulk_read_gives_the_schema_with_dates_flags_and_empty_values(target: extract.AdbcTarget) -> None:
    schema = pa.schema(
        [
            ("order_id", pa.int64()),
            ("day", pa.date32()),
            ("net", pa.int64()),
            ("paid", pa.bool_()),
            ("note", pa.string()),
        ]
    )
    # Days since 1970 and 1/0 flags, as the extract's queries give them; a NULL in the second row.
    sql = "SELECT * FROM (VALUES (1, 20000, 15000, 1, 'a'), (2, 20001, NULL, 0, 'b')) AS v"
    (table,) = extract._read_adbc(target, [(sql, schema)])
    assert table.schema == schema
    assert table.to_pylist() == [
        {"order_id": 1, "day": dt.date(2024, 10, 4), "net": 15000, "paid": True, "note": "a"},
        {"order_id": 2, "day": dt.date(2024, 10, 5), "net": None, "paid": False, "note": "b"},
    ]
    (empty,) = extract._read_adbc(target, [(sql.replace("AS v", "AS v WHERE 1 = 0"), schema)])
    assert empty.num_rows == 0 and empty.schema == schema


def test_a_bulk_append_then_upsert_adds_new_rows_and_updates_existing_ones(target: extract.AdbcTarget) -> None:
    first = [(1, "2026-06-29", "champions", 5, 5, 5, 80, 1_000_000), (2, "2026-06-29", "lost", 1, 1, 1, 0, 0)]
    engine._adbc_write(
        target, CustomerScoreSnapshot, engine.SNAPSHOT_COLUMNS, _snapshots(first), mode="append", conflict=[]
    )
    assert _stored(target) == first
    # Customer 1 again on the same day (updated), customer 2 on a new day (added).
    second = [(1, "2026-06-29", "loyal", 4, 4, 4, 70, 900_000), (2, "2026-06-30", "new", 5, 1, 1, 10, 50_000)]
    engine._adbc_write(
        target,
        CustomerScoreSnapshot,
        engine.SNAPSHOT_COLUMNS,
        _snapshots(second),
        mode="upsert",
        conflict=["customer_id", "date"],
    )
    assert _stored(target) == [second[0], first[1], second[1]]


def _scores(customers: list[int], segment: str) -> pa.Table:
    """Score rows as the refresh writes them (dates and the time as text)."""
    values: dict[str, Any] = {}
    for column in engine.SCORE_COLUMNS:
        if column == "customer_id":
            values[column] = pa.array(customers, pa.int64())
        elif column in ("first_purchase", "last_purchase"):
            values[column] = pa.array(["2026-06-01"] * len(customers))
        elif column == "computed_at":
            values[column] = pa.array(["2026-06-30T10:00:00+00:00"] * len(customers))
        elif column == "rfm_segment":
            values[column] = pa.array([segment] * len(customers))
        elif column in ("predicted_purchases", "prob_alive", "churn_risk"):
            values[column] = pa.array([0.5] * len(customers), pa.float64())
        else:
            values[column] = pa.array([3] * len(customers), pa.int32())
    return pa.table(values)


def _scored(target: extract.AdbcTarget) -> list[tuple[Any, ...]]:
    sql = f"SELECT customer_id, rfm_segment, r_score FROM {CustomerScore._meta.db_table} ORDER BY customer_id"
    if target.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return list(cursor.fetchall())
    with sqlite3.connect(target.uri) as db:
        return db.execute(sql).fetchall()


def _indexes(target: extract.AdbcTarget) -> set[str]:
    table = CustomerScore._meta.db_table
    if target.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s", [table])
            return {row[0] for row in cursor.fetchall()}
    with sqlite3.connect(target.uri) as db:
        return {row[0] for row in db.execute("SELECT sql FROM sqlite_master WHERE tbl_name = ?", [table])}


def test_a_bulk_replace_leaves_exactly_the_new_rows_and_the_same_indexes(target: extract.AdbcTarget) -> None:
    indexes = _indexes(target)
    assert any("rfm_segment" in (definition or "") for definition in indexes)
    engine._adbc_write(
        target, CustomerScore, engine.SCORE_COLUMNS, _scores([1, 2, 3], "lost"), mode="replace", conflict=[]
    )
    engine._adbc_write(
        target, CustomerScore, engine.SCORE_COLUMNS, _scores([2, 7], "loyal"), mode="replace", conflict=[]
    )
    assert _scored(target) == [(2, "loyal", 3), (7, "loyal", 3)]
    assert _indexes(target) == indexes
