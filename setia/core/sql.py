"""Helpers for the few hand-written queries on hot paths (the caller lookup), where building the
query through the ORM costs more than the database takes to answer it."""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import connection


def db_datetime(value: Any) -> Any:
    """A datetime from a hand-written query as the ORM gives it: aware. SQLite hands back the
    stored UTC time without its zone; PostgreSQL's is aware already."""
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def placeholders(count: int) -> str:
    """`%s, %s, …` for an `IN (…)` of `count` values."""
    return ", ".join(["%s"] * count)


def fetch_all(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """The rows of a hand-written read on the default database.

    On PostgreSQL the statement is sent with server-side parameters and prepared on its connection
    (psycopg `prepare=True`; pooled connections keep it), so a hot query is planned once per
    connection instead of on every call: planning the caller lookup's queries took longer than
    running them (measured with EXPLAIN ANALYZE). `DB_PREPARED_STATEMENTS=false` turns this off for
    a connection pooler that cannot keep prepared statements (PgBouncer in transaction mode before
    1.21). The query still goes through Django's cursor wrapper: logged, counted by tests, errors
    mapped as usual.
    """
    from django.conf import settings

    if connection.vendor != "postgresql" or not settings.DB_PREPARED_STATEMENTS:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall())
    connection.ensure_connection()
    database = connection.connection
    if database.prepare_threshold is None:
        # Django turns psycopg's prepared statements off (None) for poolers; its own cursors bind
        # parameters on the client and never prepare, so a threshold no statement reaches only
        # lets the explicit `prepare=True` below through.
        database.prepare_threshold = 2**31
    raw = _PreparingCursor(database)
    wrapped = connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)
    with wrapped as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _preparing_cursor_class() -> Any:
    import psycopg

    class PreparingCursor(psycopg.Cursor):
        """Server-side parameters; every statement prepared (Django's cursor wrapper cannot pass
        `prepare=True` itself)."""

        def execute(self, query: Any, params: Any = None, *, prepare: bool | None = None, binary: Any = None) -> Any:
            return super().execute(query, params, prepare=True, binary=binary)

    return PreparingCursor


class _LazyPreparingCursor:
    """psycopg is imported only where PostgreSQL is used."""

    _class: Any = None

    def __call__(self, connection: Any) -> Any:
        if self._class is None:
            type(self)._class = _preparing_cursor_class()
        return self._class(connection)


_PreparingCursor = _LazyPreparingCursor()


def latest_per_customer(select: str, customer_ids: Sequence[int], limit: int, *, at: int) -> list[tuple[Any, ...]]:
    """The newest `limit` rows of each customer in one round trip: `select` is one customer's
    query with `%s` for the customer id and the limit, aliased `t{n}`; the parts are joined with
    UNION ALL (each part keeps its own index-ordered LIMIT) and the rows come back newest first
    by their column `at`, then their second column (the id)."""
    if not customer_ids:
        return []
    rows = fetch_all(
        " UNION ALL ".join(select.replace("{n}", str(n)) for n in range(len(customer_ids))),
        [value for pk in customer_ids for value in (pk, limit)],
    )
    rows.sort(key=lambda row: (db_datetime(row[at]), row[1]), reverse=True)
    return rows
