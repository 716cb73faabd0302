"""Fast bulk writes for imports: plain `executemany` (SQLite) or COPY (PostgreSQL) of prepared rows.

Django's `bulk_create` spends most of its time compiling SQL for every batch (measured here:
about 60% of an import's write time). These helpers prepare each value with the field's own
`get_db_prep_save`, so dates, JSON and foreign keys are stored exactly as the ORM would store
them, and send one parametrised INSERT for the whole batch. Callers run them inside a
transaction; they bypass `save()` and signals, which the product does not use for logic.
"""

import contextlib
import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import partial
from itertools import chain
from typing import Any

from django.db import DatabaseError, connection, models


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """Reserve `count` primary keys for rows inserted with explicit ids (inside a write transaction)."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, model._meta.pk.column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite: the write lock is held from BEGIN IMMEDIATE, so the maximum cannot move under us.
        cursor.execute(f'SELECT COALESCE(MAX("{model._meta.pk.column}"), 0) FROM "{table}"')
        highest = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        start = max(highest, row[0] if row else 0) + 1
        return list(range(start, start + count))


def bulk_insert(objects: Sequence[models.Model], *, with_ids: bool = False) -> None:
    """INSERT unsaved instances of one model in one `executemany`. With `with_ids`, their pks (from
    `allocate_ids`) are written too; otherwise the database assigns them (and they are not read back)."""
    if not objects:
        return
    model = type(objects[0])
    fields = [field for field in model._meta.concrete_fields if with_ids or not field.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(field.column)) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})"
    # Text, numbers, booleans and foreign-key ids go to the driver as they are; only values whose
    # stored form differs (JSON, dates, decimals, auto_now) go through the field (most of the cost).
    prepared = [_needs_preparing(field) for field in fields]
    rows: list[tuple[Any, ...]] = [
        tuple(
            field.get_db_prep_save(field.pre_save(obj, add=True), connection)
            if prepare
            else getattr(obj, field.attname)
            for field, prepare in zip(fields, prepared, strict=True)
        )
        for obj in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def insert_rows(model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """INSERT rows of values already in their stored form (column order as `columns`, the fields'
    `attname`s; datetimes from `connection.ops.adapt_datetimefield_value`, JSON as text).

    PostgreSQL: `COPY … FROM STDIN`; SQLite: one `executemany` (measured on these machines: ~600k
    and ~400k rows/s). Inside the caller's transaction; no save(), no signals.
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        _sqlite_insert(cursor, f"INSERT INTO {table} ({names}) VALUES ", ["?"] * len(columns), rows)


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_value(value: Any) -> str:
    """One value in COPY's text format: text escaped, None as \\N, booleans as t/f, dates and
    aware datetimes in ISO form (which PostgreSQL reads as they are), anything else as str()."""
    if value.__class__ is str:
        # Most text has nothing to escape; both tests run in C (translate with a table does not).
        return value if value.isprintable() and "\\" not in value else value.translate(_ESCAPES)
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def copy_text(table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], constants: str = "") -> None:
    """PostgreSQL: COPY rows in the text format, formatted here in blocks. psycopg adapting each
    value of each row one by one (`write_row`) cost more than the server's insert of a narrow row.
    `constants` is the already formatted tail (`\\t`-led) that every row shares."""
    if not rows:
        return
    quote = connection.ops.quote_name
    sql = f"COPY {quote(table)} ({', '.join(quote(name) for name in columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for start in range(0, len(rows), 5000):
            copy.write(copy_block(rows[start : start + 5000], constants))


def copy_block(rows: Sequence[Sequence[Any]], constants: str = "") -> str:
    """Rows in COPY's text format (`copy_value` for each value, `constants` after each row), a
    column at a time: a column of plain text is tested for anything to escape in one call on the
    whole column, a column of integers goes through `str`, so most values never reach Python code
    of their own (per value, `copy_value` cost about as much as the server's work on a phone row)."""
    if not rows:
        return ""
    columns = [_copy_column(list(column)) for column in zip(*rows, strict=True)]
    tail = constants + "\n"
    return tail.join(map("\t".join, zip(*columns, strict=True))) + tail


def _copy_column(values: list[Any]) -> Sequence[str]:
    kinds = set(map(type, values))
    if kinds == {str}:
        joined = "".join(values)
        return values if joined.isprintable() and "\\" not in joined else [copy_value(v) for v in values]
    if kinds == {int}:
        return list(map(str, values))
    if kinds == {type(None)}:
        return ["\\N"] * len(values)
    if kinds == {str, type(None)}:
        joined = "".join(filter(None, values))
        if joined.isprintable() and "\\" not in joined:
            return ["\\N" if value is None else value for value in values]
    elif kinds == {int, type(None)}:
        return ["\\N" if value is None else str(value) for value in values]
    return list(map(copy_value, values))


def write_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    constants: Mapping[str, Any] | None = None,
) -> None:
    """INSERT rows whose values are text, numbers, booleans, None or ISO dates (datetimes as
    `connection.ops.adapt_datetimefield_value` gives them), plus `constants`: columns with the
    same value in every row. PostgreSQL: text COPY (`copy_text`); SQLite: one `executemany`."""
    if not rows:
        return
    constants = constants or {}
    names = [*columns, *constants]
    if connection.vendor == "postgresql":
        tail = "".join("\t" + copy_value(value) for value in constants.values())
        copy_text(model._meta.db_table, names, rows, tail)
        return
    if not constants:
        insert_rows(model, names, rows)
        return
    # SQLite: the constants go into the statement as literals (quoted by SQLite itself), so each
    # row binds only its own values and no row tuple is copied to append them.
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(['quote(%s)'] * len(constants))}", list(constants.values()))
        _sqlite_insert(
            cursor,
            f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(name) for name in names)}) VALUES ",
            [*(["?"] * len(columns)), *cursor.fetchone()],
            rows,
        )


# Rows per INSERT statement on SQLite (fewer if the columns would pass the limit on parameters).
SQLITE_ROWS_PER_STATEMENT = 250


def _sqlite_insert(cursor: Any, head: str, row_values: list[str], rows: Sequence[Sequence[Any]]) -> None:
    """SQLite: the rows as multi-row `INSERT … VALUES (…), (…), …` statements of up to
    `SQLITE_ROWS_PER_STATEMENT` rows. Measured on a phone row: `executemany`, one statement run
    per row, cost ~6 µs per row (each run starts and ends a statement: the AUTOINCREMENT counter
    read and written, a statement journal, the module's per-row work); 250 rows a statement ~1.5.

    `row_values` are `?` for a row's parameters or SQL literals. The statements go to the driver's
    cursor as they are: Django's wrapper would rewrite `%s` to `?` with a regular expression over
    each statement of a few thousand characters (~3 µs per imported customer)."""
    width = row_values.count("?")
    per_statement = max(
        1, min(SQLITE_ROWS_PER_STATEMENT, (connection.features.max_query_params or 999) // max(1, width))
    )
    one_row = f"({', '.join(row_values)})"
    full = head + ", ".join([one_row] * per_statement)
    run = partial(sqlite3.Cursor.execute, cursor.cursor)
    for start in range(0, len(rows), per_statement):
        part = rows[start : start + per_statement]
        sql = full if len(part) == per_statement else head + ", ".join([one_row] * len(part))
        run(sql, list(chain.from_iterable(part)))


def row_template(model: type[models.Model]) -> dict[str, Any]:
    """Every concrete column (by attname) with the field's default, as stored: a base to copy for
    each row of `insert_rows`, so a column a caller does not set gets what the ORM would give it."""
    template: dict[str, Any] = {}
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        value = field.get_default()
        if isinstance(field, models.JSONField):
            value = json.dumps(value)
        elif isinstance(value, str):
            # A choices default is an enum member (a str subclass): as plain text, so that a column
            # of them takes the fast path of `copy_block` and not `copy_value` value by value.
            value = str(value)
        template[field.attname] = value
    return template


_PLAIN = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.ForeignKey,
    models.AutoField,
    models.BigAutoField,
)


def _needs_preparing(field: models.Field[Any, Any]) -> bool:
    if isinstance(field, models.DateTimeField | models.DateField) and (field.auto_now or field.auto_now_add):
        return True
    return not isinstance(field, _PLAIN) or isinstance(field, models.GenericIPAddressField)


def row_checks_skippable(*models: type[models.Model]) -> bool:
    """PostgreSQL: whether a transaction may write `models`' tables with `SET LOCAL
    session_replication_role = replica`, which skips the per-row foreign-key checks (the
    constraints' internal triggers) — about half of the server's work per inserted row when the
    rows are narrow. Only for a superuser (the setting needs one), and only while none of the
    tables has a trigger of its own, which the setting would silently skip as well. The caller
    must then check the rows' parents itself (`hold_keys`). False on SQLite."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper AND NOT EXISTS (SELECT 1 FROM pg_trigger WHERE NOT tgisinternal "
            "AND tgrelid = ANY(%s::text[]::regclass[])) FROM pg_roles WHERE rolname = current_user",
            [[model._meta.db_table for model in models]],
        )
        row = cursor.fetchone()
    return bool(row and row[0])


def hold_keys(model: type[models.Model], keys: Iterable[Any]) -> bool:
    """PostgreSQL: lock the rows of `model` with these primary keys until the transaction ends, with
    the lock a foreign-key check takes (`FOR KEY SHARE`: they can be neither deleted nor have their
    key changed, while other work on them goes on), and say whether every one of them exists. One
    statement for a batch's parents instead of one check per inserted row."""
    wanted = sorted(set(keys) - {None})
    if not wanted:
        return True
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(str(model._meta.pk.column))
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH held AS (SELECT {column} FROM {table} WHERE {column} = ANY(%s) ORDER BY {column} "
            "FOR KEY SHARE) SELECT count(*) FROM held",
            [wanted],
        )
        return bool(cursor.fetchone()[0] == len(wanted))


_SEPARATOR = "\x1f"  # the unit separator: in no reference, key, phone number or email a file holds


def key_pairs(table: str, key: str, value: str, keys: list[Any], condition: str = "") -> list[tuple[Any, Any]]:
    """(key, value) of the rows of `table` whose `key` column is one of `keys` (and that meet the
    SQL `condition`): one indexed query for a batch of thousands, written out because building a
    large IN through the ORM cost as much as running it. PostgreSQL: `= ANY(…)`, text keys sent as
    one parameter the server splits (adapting a list of thousands of strings as an array cost more
    than the query), and only through indexes (`reading_indexes`: the table may be one an import
    is filling). SQLite: IN lists within its limit on parameters."""
    if not keys:
        return []
    quote = connection.ops.quote_name
    select = f"SELECT {quote(key)}, {quote(value)} FROM {quote(table)} WHERE {quote(key)}"
    where = f" AND {condition}" if condition else ""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with reading_indexes(cursor):
                if all(isinstance(item, str) and _SEPARATOR not in item for item in keys):
                    cursor.execute(
                        f"{select} = ANY(string_to_array(%s, %s)){where}", [_SEPARATOR.join(keys), _SEPARATOR]
                    )
                else:
                    cursor.execute(f"{select} = ANY(%s){where}", [keys])
                return list(cursor.fetchall())
        size = min(10_000, connection.features.max_query_params or 999)
        rows: list[tuple[Any, Any]] = []
        for start in range(0, len(keys), size):
            part = keys[start : start + size]
            cursor.execute(f"{select} IN ({', '.join(['%s'] * len(part))}){where}", part)
            rows.extend(cursor.fetchall())
        return rows


@contextlib.contextmanager
def reading_indexes(cursor: Any) -> Iterator[None]:
    """PostgreSQL: the block's queries read indexes, never a whole table. Thousands of keys looked
    up in a table without statistics (one an import is filling for the first time: the server
    analyses it a minute or more later) are estimated to match every row, and the server chose a
    (parallel) scan of the whole table for each batch: a million-customer import into an empty
    database re-read what it had just written, batch after batch (measured: the write pass's
    server CPU 42 -> 31 µs per customer with this). Set for the session and reset after; a query
    that failed inside a transaction leaves the reset to its rollback."""
    cursor.execute("SET enable_seqscan = off")
    try:
        yield
    finally:
        with contextlib.suppress(DatabaseError):
            cursor.execute("RESET enable_seqscan")


def refresh_statistics(*tables: type[models.Model]) -> None:
    """After a bulk load the query planner still believes the tables are small and picks plans that
    scan them (measured: a phone lookup 20 ms instead of 0.1 ms on PostgreSQL) until autovacuum
    runs; SQLite has no statistics at all until ANALYZE. Analyze now: the given models' tables, or
    every table."""
    with connection.cursor() as cursor:
        if not tables:
            cursor.execute("ANALYZE")
        for model in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
