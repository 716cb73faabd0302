"""Finding customers whose name *contains* a piece of text ("nurha" → "Siti Nurhaliza") without
reading every customer.

`Customer.search_name` is already lower-case with accents removed (`text.search_key`), so both
databases search it as it is:

- PostgreSQL: a pg_trgm GIN index on `search_name` (live customers) serves `LIKE '%nurha%'`.
- SQLite: an FTS5 table with the trigram tokenizer (`customer_name_fts`, external content: it
  stores only the index), kept in step with `customers_customer` by triggers, so every write path
  (services, imports, merges, bulk inserts) updates it without code of its own.

On SQLite the index answers "which ids contain this text". When few customers match, the list
and search fetch those by id; when very many match (a common syllable such as "an"), walking the
name index with LIKE finds a page of them sooner than fetching and sorting them all. Text shorter
than three characters has no trigram and also walks the name index. See docs/adr/0010.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django.db.models import Q

FTS_TABLE = "customer_name_fts"
# Above this many candidates the matches are dense enough that walking the name index in order
# reaches a page (50) of them within a few thousand rows.
MAX_IDS = 5000

SQLITE_INSERT_TRIGGER = f"""CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_insert AFTER INSERT ON customers_customer BEGIN
        INSERT INTO {FTS_TABLE}(rowid, search_name) VALUES (new.id, new.search_name);
    END"""
SQLITE_INSTALL = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "search_name, content='customers_customer', content_rowid='id', tokenize='trigram')",
    SQLITE_INSERT_TRIGGER,
    f"""CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_delete AFTER DELETE ON customers_customer BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_name) VALUES ('delete', old.id, old.search_name);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_update AFTER UPDATE OF search_name ON customers_customer
    WHEN old.search_name IS NOT new.search_name BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_name) VALUES ('delete', old.id, old.search_name);
        INSERT INTO {FTS_TABLE}(rowid, search_name) VALUES (new.id, new.search_name);
    END""",
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')",
]
SQLITE_UNINSTALL = [
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_insert",
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_delete",
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_update",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
]
POSTGRESQL_INSTALL = [
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS customer_live_name_trgm_idx ON customers_customer "
    "USING gin (search_name gin_trgm_ops) WHERE merged_into_id IS NULL AND archived_at IS NULL",
]
POSTGRESQL_UNINSTALL = ["DROP INDEX IF EXISTS customer_live_name_trgm_idx"]


# Migration 0009 paused the insert trigger with a row in a table that its WHEN clause looked for;
# migration 0011 went back to the plain trigger (see `indexing_in_bulk`). Kept for those migrations.
SQLITE_PAUSE = [
    f"CREATE TABLE IF NOT EXISTS {FTS_TABLE}_paused (id integer PRIMARY KEY)",
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_insert",
    f"""CREATE TRIGGER {FTS_TABLE}_insert AFTER INSERT ON customers_customer
    WHEN NOT EXISTS (SELECT 1 FROM {FTS_TABLE}_paused) BEGIN
        INSERT INTO {FTS_TABLE}(rowid, search_name) VALUES (new.id, new.search_name);
    END""",
]
SQLITE_UNPAUSE = [
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_insert",
    f"""CREATE TRIGGER {FTS_TABLE}_insert AFTER INSERT ON customers_customer BEGIN
        INSERT INTO {FTS_TABLE}(rowid, search_name) VALUES (new.id, new.search_name);
    END""",
    f"DROP TABLE IF EXISTS {FTS_TABLE}_paused",
]


@contextmanager
def indexing_in_bulk(names: list[tuple[int, str]]) -> Iterator[None]:
    """Inside a transaction: customers inserted in the block are not indexed row by row; their
    (id, search_name) pairs `names` are indexed together at the end.

    SQLite: FTS5 fed row by row from the trigger costs ~5x more per row (measured: 120 vs 12 µs at
    220k customers), and a trigger that merely runs and finds itself paused (migration 0009's WHEN
    clause) still cost ~25 µs per row. So the insert trigger is dropped inside the caller's
    transaction and created again before the block ends: other connections only ever see the
    committed schema, which has it (DDL is transactional in SQLite); if the block fails, the
    trigger is created again before the error goes on, and a rollback restores it anyway."""
    if connection.vendor != "sqlite":
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("indexing_in_bulk needs a transaction")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER IF EXISTS {FTS_TABLE}_insert")
        try:
            yield
        finally:
            cursor.execute(SQLITE_INSERT_TRIGGER)
        cursor.executemany(f"INSERT INTO {FTS_TABLE}(rowid, search_name) VALUES (%s, %s)", names)


def statements(install: bool, vendor: str) -> list[str]:
    if vendor == "sqlite":
        return SQLITE_INSTALL if install else SQLITE_UNINSTALL
    if vendor == "postgresql":
        return POSTGRESQL_INSTALL if install else POSTGRESQL_UNINSTALL
    return []


def _phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def candidate_ids(text: str, limit: int = MAX_IDS + 1) -> list[int] | None:
    """Ids of customers (any state) whose search_name contains `text`, from the SQLite trigram
    index; None where that index cannot answer (other databases, text under three characters)."""
    if connection.vendor != "sqlite" or len(text) < 3:
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s LIMIT %s", [_phrase(text), limit])
        return [row[0] for row in cursor.fetchall()]


def name_contains(text: str) -> Q:
    """Customers whose search_name contains `text` (already a `search_key`)."""
    ids = candidate_ids(text)
    if ids is not None and len(ids) <= MAX_IDS:
        return Q(pk__in=ids)
    return Q(search_name__contains=text)


def name_has_words(text: str) -> Q:
    """Customers whose search_name contains each word of `text`, in any order ("sihombing nur"
    finds Nur Sihombing); one word: `name_contains`."""
    words = list(dict.fromkeys(text.split()))
    condition = name_contains(words[0] if words else text)
    for word in words[1:]:
        condition &= name_contains(word)
    return condition
