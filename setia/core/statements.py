"""Hand-written statements for a sale's hot path (checkout through the API), where building a
statement through the ORM took longer than the database took to run it (ADR 0015, update
2026-11-30).

- `insert(model, names, rows)`: one INSERT of one or more rows with `RETURNING`. Values whose
  stored form differs from the Python value (dates, times, decimals, JSON) go through their
  field's `get_db_prep_save`, so they are stored exactly as the ORM stores them.
- `run(sql, params)`: a SELECT, or a write with `RETURNING`; on PostgreSQL prepared on its pooled
  connection and so planned once (`setia.core.sql.fetch_all`, `DB_PREPARED_STATEMENTS`).
- `Columns(model, names, alias)`: the select list for some of a model's fields and the instances
  made from such rows, values converted as the ORM converts them (SQLite's dates, decimals and
  booleans); the fields not selected are deferred (read on first use, as with `.only()`).

Statement texts are built once per shape and kept. No `save()`, no signals (the product keeps
no logic there); the caller's transaction holds everything. Table and column names come from
the models, so a renamed column is followed; a changed query shape needs the SQL here changed.
"""

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import connection, models

from setia.core.sql import fetch_all

# Fields whose Python value is what the database stores: handed to the driver as they are.
_PLAIN = (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.ForeignKey)

_INSERTS: dict[tuple[Any, ...], tuple[str, list[models.Field | None]]] = {}


def run(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """The rows of `sql` (a SELECT, or a write with RETURNING) on the default database.

    On PostgreSQL the statement goes with PostgreSQL's own `$n` placeholders (converted here once
    per statement text) through a raw psycopg cursor: psycopg parses a `%s` statement on every
    call when it is long or has many parameters (it caches only short ones), and the sale's
    batch of writes is both. Prepared as `setia.core.sql.fetch_all` prepares (and switched off
    with it, `DB_PREPARED_STATEMENTS`); through Django's cursor wrapper (logged, errors mapped)."""
    if connection.vendor != "postgresql" or not settings.DB_PREPARED_STATEMENTS:
        return fetch_all(sql, params)
    connection.ensure_connection()
    database = connection.connection
    if database.prepare_threshold is None:
        database.prepare_threshold = 2**31  # as fetch_all: only explicitly prepared statements
    raw = _PREPARING_RAW_CURSOR(database)
    wrapped = connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)
    with wrapped as cursor:
        cursor.execute(_native(sql), params)
        return list(cursor.fetchall())


_NATIVE: dict[str, str] = {}


def _native(sql: str) -> str:
    """`sql` with `$1`, `$2`, … for its `%s` placeholders (no other `%` may appear in it)."""
    found = _NATIVE.get(sql)
    if found is None:
        parts = sql.split("%s")
        if any("%" in part for part in parts):
            raise ValueError("only %s placeholders are supported here")
        found = parts[0] + "".join(f"${number}{part}" for number, part in enumerate(parts[1:], start=1))
        if len(_NATIVE) >= 1000:
            _NATIVE.clear()
        _NATIVE[sql] = found
    return found


class _LazyPreparingRawCursor:
    """A psycopg `RawCursor` (native placeholders) preparing every statement; psycopg is imported
    only where PostgreSQL is used."""

    _class: Any = None

    def __call__(self, database: Any) -> Any:
        if self._class is None:
            import psycopg

            class PreparingRawCursor(psycopg.RawCursor):
                def execute(
                    self, query: Any, params: Any = None, *, prepare: bool | None = None, binary: Any = None
                ) -> Any:
                    return super().execute(query, params, prepare=True, binary=binary)

            type(self)._class = PreparingRawCursor
        return self._class(database)


_PREPARING_RAW_CURSOR = _LazyPreparingRawCursor()


def _field(model: type[models.Model], name: str) -> Any:
    return model._meta.get_field(name)


def insert(
    model: type[models.Model],
    names: Sequence[str],
    rows: Sequence[Sequence[Any]],
    returning: str = "id",
    *,
    skip_conflicts: bool = False,
) -> list[tuple[Any, ...]]:
    """INSERT `rows` (values in the order of `names`, the fields' attnames) in one statement;
    the `returning` column of each row, in the order of `rows`. `skip_conflicts`: a row that
    would break a unique constraint is left out (`ON CONFLICT DO NOTHING`) and returns nothing."""
    if not rows:
        return []
    sql, params = _insert_statement(model, names, rows, returning, skip_conflicts=skip_conflicts)
    return run(sql, params)


def _insert_statement(
    model: type[models.Model],
    names: Sequence[str],
    rows: Sequence[Sequence[Any]],
    returning: str,
    *,
    skip_conflicts: bool,
) -> tuple[str, list[Any]]:
    key = (connection.vendor, model, tuple(names), len(rows), returning, skip_conflicts)
    plan = _INSERTS.get(key)
    if plan is None:
        quote = connection.ops.quote_name
        fields = [_field(model, name) for name in names]
        one = "(" + ", ".join(["%s"] * len(fields)) + ")"
        sql = (
            f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) "
            f"VALUES {', '.join([one] * len(rows))}{' ON CONFLICT DO NOTHING' if skip_conflicts else ''} "
            f"RETURNING {quote(_field(model, returning).column)}"
        )
        plan = (sql, [None if isinstance(field, _PLAIN) else field for field in fields])
        _INSERTS[key] = plan
    sql, preparers = plan
    params: list[Any] = []
    for row in rows:
        for value, field in zip(row, preparers, strict=True):
            params.append(value if field is None or value is None else field.get_db_prep_save(value, connection))
    return sql, params


def insert_objects(objects: Sequence[models.Model], *, skip_conflicts: bool = False) -> bool:
    """INSERT new instances of one model in one statement, as `save()` would write them (defaults,
    `auto_now`; their ids when they all have one), and give them their ids. `skip_conflicts`:
    see `insert`; False when a row was left out (its instance keeps no id)."""
    if not objects:
        return True
    model = type(objects[0])
    fields = _fields_to_insert(objects)
    rows = [tuple(field.pre_save(obj, True) for field in fields) for obj in objects]
    ids = insert(model, [field.attname for field in fields], rows, skip_conflicts=skip_conflicts)
    if len(ids) != len(objects):
        return False
    for obj, (pk,) in zip(objects, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias
    return True


def _fields_to_insert(objects: Sequence[models.Model]) -> list[Any]:
    """Every concrete field; the primary key only when the instances have theirs already."""
    with_ids = all(obj.pk is not None for obj in objects)
    return [field for field in objects[0]._meta.concrete_fields if with_ids or not field.primary_key]


def prepared(model: type[models.Model], name: str, value: Any) -> Any:
    """`value` of field `name` in its stored form (for a hand-written UPDATE or WHERE)."""
    field = _field(model, name)
    if value is None or isinstance(field, _PLAIN):
        return value
    return field.get_db_prep_save(value, connection)


class Columns:
    """Some of `model`'s fields, selected from the table under `alias`, and the instances made
    from such rows. `names` are attnames; they are used in the model's field order."""

    def __init__(self, model: type[models.Model], names: Sequence[str], alias: str) -> None:
        wanted = set(names)
        self.model = model
        self.fields = [field for field in model._meta.concrete_fields if field.attname in wanted]
        if len(self.fields) != len(wanted):
            raise ValueError(f"unknown fields of {model.__name__}: {sorted(wanted)}")
        self.attnames = [field.attname for field in self.fields]
        self.sql = ", ".join(f"{alias}.{connection.ops.quote_name(str(field.column))}" for field in self.fields)
        self.count = len(self.fields)
        self._converters: dict[str, list[tuple[int, list[Any], Any]]] = {}

    def _converters_for(self) -> list[tuple[int, list[Any], Any]]:
        found = self._converters.get(connection.vendor)
        if found is None:
            found = []
            for index, field in enumerate(self.fields):
                column = field.get_col(self.model._meta.db_table)
                converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
                if converters:
                    found.append((index, converters, column))
            self._converters[connection.vendor] = found
        return found

    def instance(self, row: Sequence[Any], start: int = 0) -> Any:
        """The instance from `row[start : start + count]`."""
        values = list(row[start : start + self.count])
        for index, converters, column in self._converters_for():
            value = values[index]
            for converter in converters:
                value = converter(value, column, connection)
            values[index] = value
        return self.model.from_db(connection.alias, self.attnames, values)


class Batch:
    """Writes that need nothing from one another, collected and then sent together: on PostgreSQL
    as one statement (each write a data-modifying `WITH` part, which runs once and to completion
    whether or not it is read), elsewhere one after the other. Every write has a `RETURNING` of
    one column; `on_result` gets that column's values (ascending: an INSERT's ids in the order of
    its rows), e.g. to give instances their ids or to refuse when a conditional UPDATE changed
    nothing — raising there rolls the caller's transaction back.

    PostgreSQL forbids two parts changing the same row in one statement: a batch changes each row
    at most once. Nothing in a batch sees another part's changes."""

    def __init__(self) -> None:
        self._writes: list[tuple[str, list[Any], Any]] = []

    def add(self, sql: str, params: Sequence[Any], on_result: Any = None) -> None:
        self._writes.append((sql, list(params), on_result))

    def insert(
        self, model: type[models.Model], names: Sequence[str], rows: Sequence[Sequence[Any]], on_result: Any = None
    ) -> None:
        if rows:
            sql, params = _insert_statement(model, names, rows, "id", skip_conflicts=False)
            self.add(sql, params, on_result)

    def insert_objects(self, objects: Sequence[models.Model]) -> None:
        """As `insert_objects`; the instances get their ids when the batch runs."""
        if not objects:
            return
        model = type(objects[0])
        fields = _fields_to_insert(objects)
        rows = [tuple(field.pre_save(obj, True) for field in fields) for obj in objects]

        def give_ids(ids: list[Any]) -> None:
            for obj, pk in zip(objects, ids, strict=True):
                obj.pk = pk
                obj._state.adding = False
                obj._state.db = connection.alias

        self.insert(model, [field.attname for field in fields], rows, give_ids)

    def run(self) -> None:
        """Send what was collected (and forget it)."""
        writes, self._writes = self._writes, []
        if not writes:
            return
        if connection.vendor != "postgresql" or len(writes) == 1:
            for sql, params, on_result in writes:
                values = sorted(row[0] for row in run(sql, params))
                if on_result is not None:
                    on_result(values)
            return
        parts = ", ".join(f"w{number} AS ({sql})" for number, (sql, _params, _result) in enumerate(writes))
        results = ", ".join(f"ARRAY(SELECT * FROM w{number} ORDER BY 1)" for number in range(len(writes)))
        row = run(f"WITH {parts} SELECT {results}", [value for _sql, params, _result in writes for value in params])[0]
        for (_sql, _params, on_result), values in zip(writes, row, strict=True):
            if on_result is not None:
                on_result(list(values))
