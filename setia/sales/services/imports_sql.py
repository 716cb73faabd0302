"""PostgreSQL's path of the historical order import: the server reads, checks and writes the rows.

`imports.py` reads and checks every row in Python (about 20 µs a line) and then sends the orders
back as COPY text; at millions of lines that Python work was most of an import. Here the file
goes to the server as it is, once, and the server does the per-line work in set-based SQL:

1. `COPY … FROM STDIN (FORMAT csv)` into an UNLOGGED staging table, each row numbered as in the
   file (`n`, the header being row 1); a large file in two parts side by side, each into its own
   partition, cut where an order starts (`_boundary`). A file PostgreSQL's CSV reader refuses (rows
   of different widths, a blank line inside, bytes that are not UTF-8) goes the Python way
   instead, which reads anything a spreadsheet writes and names the problem.
2. The values that repeat — dates, branches, channels, products — are read once per distinct
   value by the same Python code as the other path (so the rules are the same); customer refs are
   matched by one join on external id, the rest (phones, emails) by the Python code.
   Rows without `order_ref` get their digest key from Python (the same key as the other path,
   so a file imported by either is recognised by both).
3. One statement builds the checked table: every line with its resolved values, whether it is
   bad and whether its order's cells differ from the row before (for a large file two connections
   side by side, each on its part, split where an order starts); then the bad orders (a bad line,
   rows of an order that disagree, an order_ref in two places, an unknown customer) and the orders
   imported before, without grouping every line by order (`_Checker._orders`).
4. Only the bad rows come back to Python, for their reasons, worded by the same code as the other
   path's, and for the report.
5. The import writes ranges of rows (ending at order boundaries), each in one transaction: one
   statement allocates the order ids, inserts the orders (`ON CONFLICT DO NOTHING`: an order
   another run inserted meanwhile wins) and the lines of the orders it inserted. Two connections
   write ranges side by side.

Nothing is written to orders by the check; the staging tables are dropped at the end (and are
UNLOGGED: they cost no write-ahead log).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import DataError, IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from setia.accounts.models import Branch, User
from setia.catalog.models import Product
from setia.core.bulk import hold_keys, row_checks_skippable
from setia.customers.models import Customer
from setia.sales.models import Order, OrderLine

if TYPE_CHECKING:
    from setia.sales.services.imports import ImportOptions, ImportResult, Line, _Reader

log = logging.getLogger(__name__)

# Python's str.strip() removes these; the SQL trims the same characters.
WHITESPACE = "".join(chr(code) for code in range(0x3001) if chr(code).isspace())
# The code points of WHITESPACE, for a cheap test of a cell's first and last character.
SPACE_CODES = ", ".join(str(ord(character)) for character in WHITESPACE)
TOO_LARGE = 10**18  # a number cell's value past this reads as this (too large either way; fits bigint)
SPLIT_ROWS = 200_000  # rows from which the check's per-row statement runs on two connections
SPLIT_SEARCH = 10_000  # rows past the middle searched for an order's start
# The customer id of a reference to another branch's customer, one the importer may not see: the
# row is bad (and with `create_missing_customers` no second customer is made with her external id).
HIDDEN = -1
RANGE = 100_000  # rows per write transaction (extended to the end of the order it stops in)
BLOCK = 1 << 20  # bytes per COPY write
SPLIT_BYTES = 16 << 20  # files from this size are loaded in two parts side by side


class NotForSql(Exception):
    """The file needs the Python path (PostgreSQL's CSV reader refused it)."""


@dataclass
class Tables:
    stage: str
    checked: str
    skip: str
    token: str = ""
    # Where the second part of a file loaded in two parts begins (its first row's number, a row that
    # starts an order); None when the file was loaded by one COPY.
    split: int | None = None

    def lookup(self, name: str) -> str:
        """A table of resolved values the checked statement joins (a plain UNLOGGED table, not a
        temporary one: the check's second connection reads it too)."""
        return f"setia_oi_{name}_{self.token}"

    def all(self) -> tuple[str, ...]:
        parts = (f"{self.stage}_a", f"{self.stage}_b")
        return (self.stage, *parts, self.checked, self.skip, *(self.lookup(name) for name in LOOKUPS))


LOOKUPS = ("dates", "branches", "channels", "products", "customers", "keys")


def names() -> Tables:
    token = secrets.token_hex(4)
    return Tables(f"setia_oi_stage_{token}", f"setia_oi_checked_{token}", f"setia_oi_skip_{token}", token)


def drop(tables: Tables) -> None:
    with connection.cursor() as cursor:
        for table in tables.all():
            cursor.execute(f"DROP TABLE IF EXISTS {table}")


def _header(path: Path) -> list[str]:
    from setia.core.errors import ApplicationError

    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            first = next(csv.reader(handle), None)
    except UnicodeDecodeError as error:
        message = _(
            "The file is not UTF-8 text (a byte at position %(position)s cannot be read): save it as "
            "“CSV UTF-8” and upload it again."
        ) % {"position": error.start}
        raise ApplicationError(message, {"file": [message]}) from error
    if not first:
        message = _("The file is empty.")
        raise ApplicationError(message, {"file": [message]})
    return first


def _file_blocks(path: Path, start: int = 0, end: int | None = None) -> Iterator[bytes]:
    """The file's bytes from `start` to `end`; to its end, with blank lines at the end left out
    (PostgreSQL's CSV reader refuses a blank line; the Python reader skips it)."""
    with path.open("rb") as handle:
        handle.seek(start)
        if end is not None:
            while (left := end - handle.tell()) > 0 and (block := handle.read(min(BLOCK, left))):
                yield block
            return
        previous = handle.read(BLOCK)
        newline = b"\r\n" if b"\r\n" in previous else b"\n"
        while block := handle.read(BLOCK):
            yield previous
            previous = block
        tail = previous.rstrip(b"\r\n")
        if tail:
            yield tail + newline


def _boundary(path: Path, width: int, order_ref: int | None) -> tuple[int, int] | None:
    """Where a large file is cut to load it in two parts side by side: the byte offset of a line
    near the middle that starts an order, and that row's number. The rows of the first part are
    counted by their line breaks, so only where they cannot be inside quotes (the first part has no
    quote character) and the line breaks are of one kind; else, or when no order starts near the
    middle, None (one COPY). An order starts where the order_ref differs from the row before's
    (trimmed, as the check compares them), or is empty, or there is no order_ref column."""
    size = path.stat().st_size
    if size < SPLIT_BYTES:
        return None
    with path.open("rb") as handle:
        handle.seek(size // 2)
        window = handle.read(BLOCK)
    first = window.find(b"\n")
    offset, previous = size // 2 + first + 1, None
    for raw in window[first + 1 :].split(b"\n")[:-1] if first >= 0 else []:
        line = raw.removesuffix(b"\r")
        try:
            cells = line.decode().split(",")
        except UnicodeDecodeError:
            return None
        if b'"' in line or len(cells) != width:
            return None
        ref = None if all(cell == "" for cell in cells) else "" if order_ref is None else cells[order_ref].strip()
        if previous is not None and ref is not None and (ref == "" or ref != previous):
            break
        previous, offset = ref, offset + len(raw) + 1
    else:
        return None
    lines = returns = 0
    for block in _file_blocks(path, 0, offset):
        if b'"' in block:
            return None
        lines, returns = lines + block.count(b"\n"), returns + block.count(b"\r")
    if returns not in (0, lines):
        return None
    return offset, lines + 1  # the header is row 1


def _load(path: Path, tables: Tables, width: int, *, order_ref: int | None, parallel: bool) -> None:
    """COPY the file into the staging table; NotForSql if PostgreSQL's CSV reader refuses it.

    With `parallel` (outside a caller's transaction) a large file is loaded in two parts by two
    connections side by side, each into its own partition of the staging table (rows numbered as in
    the file); the check's two connections then each read their own part."""
    import psycopg

    cells = [f"c{index}" for index in range(width)]
    columns = ", ".join(f"{name} text" for name in cells)
    boundary = _boundary(path, width, order_ref) if parallel else None

    def copy(table: str, *, header: bool, start: int = 0, end: int | None = None) -> None:
        sql = (
            f"COPY {table} ({', '.join(cells)}) FROM STDIN "
            f"(FORMAT csv, HEADER {str(header).lower()}, ENCODING 'UTF8', FORCE_NOT_NULL ({', '.join(cells)}))"
        )
        try:
            with transaction.atomic(), connection.cursor() as cursor, cursor.cursor.copy(sql) as copied:
                for block in _file_blocks(path, start, end):
                    copied.write(block)
        except (DataError, psycopg.DataError) as error:
            log.info("order import: PostgreSQL's CSV reader refused %s (%s); the Python path reads it", path, error)
            raise NotForSql(str(error)) from error

    if boundary is None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE UNLOGGED TABLE {tables.stage} (n bigint GENERATED BY DEFAULT AS IDENTITY (START 2), {columns})"
            )
        copy(tables.stage, header=True)
        return
    offset, split = boundary
    first, second = f"{tables.stage}_a", f"{tables.stage}_b"
    with connection.cursor() as cursor:
        # Each part numbers its rows from its own first row; the checks let the partitions attach
        # without a scan.
        cursor.execute(
            f"CREATE UNLOGGED TABLE {first} (n bigint GENERATED BY DEFAULT AS IDENTITY (START 2) "
            f"CHECK (n < {split}), {columns})"
        )
        cursor.execute(
            f"CREATE UNLOGGED TABLE {second} (n bigint GENERATED BY DEFAULT AS IDENTITY (START {split}) "
            f"CHECK (n >= {split}), {columns})"
        )
    from concurrent.futures import ThreadPoolExecutor

    def other() -> None:
        try:
            copy(second, header=False, start=offset)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="orders-load") as pool:
        loading = pool.submit(other)
        try:
            copy(first, header=True, end=offset)
        finally:
            loading.result()
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {tables.stage} (n bigint NOT NULL, {columns}) PARTITION BY RANGE (n)")
        cursor.execute(f"ALTER TABLE {tables.stage} ATTACH PARTITION {first} FOR VALUES FROM (MINVALUE) TO ({split})")
        cursor.execute(f"ALTER TABLE {tables.stage} ATTACH PARTITION {second} FOR VALUES FROM ({split}) TO (MAXVALUE)")
    tables.split = split


class _Checker:
    """Checks the staged rows; keeps what the writers need in the checked and skip tables.

    The per-row work is kept to what each row needs (measured, backend CPU at 1,000,000 lines:
    the checked table 7.5 s → 3 s). Columns whose values repeat (customer refs, dates, branches,
    channels, products) are looked up by their cell as it is in the file: the distinct cells are
    trimmed and resolved once, not every row's (a trim with Python's set of spaces costs about
    0.35 µs a cell). `order_ref` is trimmed only when one of its cells has a space around it (one
    pass finds out). The numbers of a row are tested by one regular expression together, and
    trimmed and tested one by one only where that fails."""

    def __init__(self, reader: _Reader, tables: Tables, options: ImportOptions) -> None:
        self.reader = reader
        self.tables = tables
        self.options = options
        self.trimmed: set[str] = set()  # columns with a cell that has spaces around it
        self.constant: dict[str, tuple[Any, ...]] = {}  # column -> its resolved value, where one cell throughout

    def raw(self, name: str) -> str:
        """The cell of a column as it is in the file, as SQL ('' for an absent column)."""
        index = self.reader.columns.get(name)
        return "''" if index is None else f"c{index}"

    def cell(self, name: str) -> str:
        """The trimmed cell of a column as SQL ('' for an absent column); not trimmed where no cell
        of the column has spaces around it (`find_spaces`)."""
        raw = self.raw(name)
        return f"btrim({raw}, %(ws)s)" if name in self.trimmed else raw

    def find_spaces(self, cursor: Any, name: str) -> None:
        """Whether a cell of the column begins or ends with a space (what `str.strip()` removes):
        one pass that tests two characters of each cell, stopping at the first found."""
        raw = self.raw(name)
        if raw == "''":
            return
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {self.tables.stage} WHERE ascii({raw}) IN ({SPACE_CODES}) "
            f"OR ascii(right({raw}, 1)) IN ({SPACE_CODES}))"
        )
        if cursor.fetchone()[0]:
            self.trimmed.add(name)

    def distinct(self, name: str) -> list[str]:
        """The column's distinct cells as they are in the file (blank rows' included)."""
        index = self.reader.columns.get(name)
        if index is None:
            return []
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT DISTINCT c{index} FROM {self.tables.stage}")
            return [row[0] for row in cursor.fetchall()]

    def _values(
        self, cursor: Any, table: str, columns: str, rows: list[tuple[Any, ...]], kind: str = "UNLOGGED"
    ) -> None:
        cursor.execute(f"CREATE {kind} TABLE {table} ({columns})")
        if rows:
            with cursor.cursor.copy(f"COPY {table} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        cursor.execute(f"ANALYZE {table}")

    def run(self, result: ImportResult, *, parallel: bool) -> None:
        """With `parallel` (not inside a caller's transaction), the checked table is built by two
        connections side by side, each on its part of the file (split where an order starts)."""
        reader, tables = self.reader, self.tables
        lookup, customers = tables.lookup, tables.lookup("customers")
        width = len(reader.header_cells)
        blank = " AND ".join(f"c{index} = ''" for index in range(width))
        # Each distinct cell, trimmed as the Python path trims, and resolved by its code.
        dates: list[tuple[str, dt.date | None]] = []
        for cell in self.distinct("date"):
            text = cell.strip()
            value = reader.dates.get(text)
            if value is None:
                value = reader.dates[text] = reader._date(text)
            dates.append((cell, value if isinstance(value, dt.date) else None))
        default_branch = reader.default_branch.pk
        branches = [
            (cell, (branch.pk if (branch := reader.branches.get(text.lower())) else None) if text else default_branch)
            for cell in self.distinct("branch")
            for text in (cell.strip(),)
        ]
        outlet = Order.Channel.OUTLET.value
        channels = [
            (cell, reader.channels.get(text.lower(), "") if text else outlet)
            for cell in self.distinct("channel")
            for text in (cell.strip(),)
        ]
        products = [
            (cell, product.pk if (product := reader.products.get(text.lower())) else None, not text or bool(product))
            for cell in self.distinct("product")
            for text in (cell.strip(),)
        ]
        with transaction.atomic(), connection.cursor() as cursor:
            self._values(cursor, lookup("dates"), "t text, d date", dates)
            self._values(cursor, lookup("branches"), "t text, id bigint", branches)
            self._values(cursor, lookup("channels"), "t text, v text", channels)
            self._values(cursor, lookup("products"), "t text, id bigint, ok boolean", products)
            # A column with one cell throughout (a single branch left empty, one channel): its value
            # as a constant, not a join per row.
            self.constant = {
                name: values[0][1:]
                for name, values in (("branch", branches), ("channel", channels), ("product", products))
                if len(values) == 1
            }
            # Customers: external id by one join; phones and emails of the rest by the Python path's code.
            raw = self.raw("customer_ref")
            # Only customers of the branches the importer may see (`ImportOptions.branch_ids`).
            scoped = "" if self.options.branch_ids is None else " AND c.home_branch_id = ANY(%(branches)s)"
            cursor.execute(
                f"CREATE UNLOGGED TABLE {customers} AS "
                f"SELECT r.t, r.ref, c.id FROM (SELECT t, btrim(t, %(ws)s) AS ref "
                f"FROM (SELECT DISTINCT {raw} AS t FROM {tables.stage}) d) r "
                f"LEFT JOIN {Customer._meta.db_table} c "
                f"ON c.external_id = r.ref AND c.merged_into_id IS NULL AND r.ref <> ''{scoped}",
                {"ws": WHITESPACE, "branches": sorted(self.options.branch_ids or ())},
            )
            cursor.execute(f"SELECT DISTINCT ref FROM {customers} WHERE id IS NULL AND ref <> ''")
            rest = {row[0] for row in cursor.fetchall()}
            if rest:
                found = reader._customers(rest)
                if found:
                    self._values(cursor, "oi_found", "ref text, id bigint", list(found.items()), "TEMP")
                    cursor.execute(f"UPDATE {customers} c SET id = f.id FROM oi_found f WHERE c.ref = f.ref")
                if reader.hidden:  # another branch's customers: bad rows, never created again (HIDDEN)
                    cursor.execute(f"UPDATE {customers} SET id = {HIDDEN} WHERE ref = ANY(%s)", [sorted(reader.hidden)])
            cursor.execute(f"CREATE UNIQUE INDEX ON {customers} (t)")
            cursor.execute(f"ANALYZE {customers}")
            self.find_spaces(cursor, "order_ref")
            # Keys of rows without order_ref: a digest of the row and its occurrence (the Python path's).
            log.info("order import: values and customers resolved")
            self._keys(cursor, width, blank)
            log.info("order import: keys of rows without order_ref")
            split = self._split(cursor, blank) if parallel else None
        # Committed: the second connection reads the lookups.
        self._check(blank, split)
        log.info("order import: rows checked")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")  # this and `_starts_once`'s, in memory
            cursor.execute(f"CREATE INDEX ON {tables.checked} (n)")
            cursor.execute(f"ANALYZE {tables.checked}")
            self._orders(cursor, result)
            log.info("order import: orders checked")
            for table in ("oi_bad", "oi_found", *(lookup(name) for name in LOOKUPS)):
                cursor.execute(f"DROP TABLE IF EXISTS {table}")

    def _split(self, cursor: Any, blank: str) -> int | None:
        """Where the second connection's part of the file begins: a row near the middle that starts
        an order (its order_ref not the one of the row before), so that both parts find the same
        order starts as one pass; None for a small file or where no order starts near the middle.
        A file loaded in two parts is checked in the same two (`_boundary` cut it where an order
        starts)."""
        if self.tables.split is not None:
            return self.tables.split
        cursor.execute(f"SELECT min(n), max(n) FROM {self.tables.stage}")
        first, last = cursor.fetchone()
        if first is None or last - first + 1 < SPLIT_ROWS:
            return None
        middle = (first + last + 1) // 2
        if "order_ref" not in self.reader.columns:
            return int(middle)  # every row is an order
        cursor.execute(
            f"SELECT n, {self.cell('order_ref')}, NOT ({blank}) FROM {self.tables.stage} "
            "WHERE n >= %(from)s AND n < %(to)s ORDER BY n",
            {"ws": WHITESPACE, "from": middle - 1, "to": middle + SPLIT_SEARCH},
        )
        previous = None
        for n, ref, filled in cursor.fetchall():
            if not filled:
                continue  # blank rows are left out; the order goes on after them
            if previous is not None and (ref == "" or ref != previous):
                return int(n)
            previous = ref
        return None

    def _keys(self, cursor: Any, width: int, blank: str) -> None:
        keys = self.tables.lookup("keys")
        cursor.execute(f"CREATE UNLOGGED TABLE {keys} (n bigint PRIMARY KEY, key text)")
        cells = ", ".join(f"c{index}" for index in range(width))
        cursor.execute(
            f"SELECT n, {cells} FROM {self.tables.stage} WHERE {self.cell('order_ref')} = '' AND NOT ({blank}) "
            "ORDER BY n",
            {"ws": WHITESPACE},
        )
        occurrences: dict[int, int] = {}
        rows = []
        for n, *values in cursor.fetchall():
            digest = hashlib.blake2b("\x1f".join(values).encode(), digest_size=10).hexdigest()
            token = int(digest, 16)
            seen = occurrences.get(token, 0)
            occurrences[token] = seen + 1
            rows.append((n, f"import:row:{digest}:{seen}"))
        if rows:
            with cursor.cursor.copy(f"COPY {keys} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        cursor.execute(f"ANALYZE {keys}")

    def _check(self, blank: str, split: int | None) -> None:
        """The checked table: one row per non-blank file row, its values resolved, `bad` if the row
        itself has an error (the cross-row rules are `_orders`'). With `split`, the rows from there
        on are checked by a second connection at the same time."""
        from setia.sales.services.imports import MAX_AMOUNT, MAX_QUANTITY, MAX_REF

        raw, columns = self.raw, self.reader.columns
        amount, quantity, price = raw("amount"), raw("quantity"), raw("unit_price")

        def number(cell: str) -> str:
            # A cell the fast test refused: trimmed, digits only, any length (too large is bad anyway).
            trimmed = f"btrim({cell}, %(ws)s)"
            return f"CASE WHEN {trimmed} ~ '^[0-9]+$' THEN least({trimmed}::numeric, {TOO_LARGE})::bigint END"

        lookup = self.tables.lookup
        joins = [
            f"LEFT JOIN {lookup('customers')} cu ON cu.t = w.ref_t",
            f"LEFT JOIN {lookup('dates')} d ON d.t = w.date_t",
        ]
        branch_id, channel, product_id, product_ok = (
            f"{self.reader.default_branch.pk}::bigint",
            "%(outlet)s",
            "NULL::bigint",
            "true",
        )
        constant = self.constant
        if "branch" in constant:
            branch_id = "%(branch)s::bigint"
        elif "branch" in columns:
            joins.append(f"LEFT JOIN {lookup('branches')} b ON b.t = w.branch_t")
            branch_id = "b.id"
        if "channel" in constant:
            channel = "%(channel)s::text"
        elif "channel" in columns:
            joins.append(f"LEFT JOIN {lookup('channels')} ch ON ch.t = w.channel_t")
            channel = "coalesce(ch.v, '')"
        if "product" in constant:
            product_id, product_ok = "%(product)s::bigint", "%(product_ok)s"
        elif "product" in columns:
            joins.append(f"LEFT JOIN {lookup('products')} pr ON pr.t = w.product_t")
            product_id, product_ok = "pr.id", "coalesce(pr.ok, false)"
        # The window that finds where orders start only where rows carry an order_ref (else every
        # row is an order). OFFSET 0 keeps each level's values computed once per row (a subquery
        # pulled up would repeat its expressions wherever they are used).
        prev_oref = "lag(oref) OVER (ORDER BY n)" if "order_ref" in columns else "NULL::text"
        # Whether a row's order-level cells (customer, date, branch, channel) differ from the row
        # before it, as they are in the file: the rows of an order lie together (else its order_ref
        # is in two places, found by `_orders`), so an order whose rows never differ from the row
        # before agrees throughout. Cells that differ may still mean the same ("C-1" and " C-1"):
        # `_orders` compares the resolved values of those orders only.
        compared = ["ref_t", "date_t", *(f"{name}_t" for name in ("branch", "channel") if name in columns)]
        before = ", ".join(f"lag({name}) OVER (ORDER BY n)" for name in compared)
        cells_differ = f"({', '.join(compared)}) IS DISTINCT FROM ({before})" if "order_ref" in columns else "false"
        select = f"""
            WITH s AS (
                SELECT n, {raw("customer_ref")} AS ref_t, {raw("date")} AS date_t, {raw("branch")} AS branch_t,
                       {raw("channel")} AS channel_t, {raw("product")} AS product_t, {self.cell("order_ref")} AS oref,
                       {amount} AS amount_c, {quantity} AS quantity_c, {price} AS price_c,
                       ({amount} || ',' || {quantity} || ',' || {price}) ~ '^[0-9]+,[0-9]*,[0-9]*$'
                       AND octet_length({amount}) < 19 AND octet_length({quantity}) < 19
                       AND octet_length({price}) < 19 AS plain
                FROM {self.tables.stage} WHERE NOT ({blank}) AND n >= %(from)s AND n < %(to)s
                OFFSET 0
            ), w AS (
                SELECT n, ref_t, date_t, branch_t, channel_t, product_t, oref, {prev_oref} AS prev_oref,
                       {cells_differ} AS cells_differ,
                       CASE WHEN plain THEN amount_c::bigint ELSE {number("amount_c")} END AS a,
                       CASE WHEN plain THEN CASE WHEN quantity_c = '' THEN 1 ELSE quantity_c::bigint END
                            WHEN btrim(quantity_c, %(ws)s) = '' THEN 1 ELSE {number("quantity_c")} END AS q,
                       CASE WHEN plain THEN CASE WHEN price_c <> '' THEN price_c::bigint END
                            ELSE {number("price_c")} END AS p,
                       CASE WHEN plain THEN price_c <> '' ELSE btrim(price_c, %(ws)s) <> '' END AS priced
                FROM s
                OFFSET 0
            ), v AS (
                SELECT w.*, cu.ref, cu.id AS customer_id, d.d AS date, {branch_id} AS branch_id,
                       {channel} AS channel, {product_id} AS product_id, {product_ok} AS product_ok,
                       k.key AS row_key,
                       (a IS NOT NULL AND a BETWEEN 1 AND {MAX_AMOUNT}) AS a_ok,
                       (q IS NOT NULL AND q BETWEEN 1 AND {MAX_QUANTITY}) AS q_ok,
                       (NOT priced OR (p IS NOT NULL AND p <= {MAX_AMOUNT})) AS p_ok
                FROM w
                {" ".join(joins)}
                LEFT JOIN {lookup("keys")} k ON k.n = w.n
            )
            SELECT n, coalesce(ref, '') AS ref, oref, coalesce(row_key, 'import:' || oref) AS key,
                   (oref = '' OR oref IS DISTINCT FROM prev_oref) AS starts,
                   (oref <> '' AND oref IS NOT DISTINCT FROM prev_oref AND cells_differ) AS differs,
                   customer_id, date, branch_id, channel, product_id,
                   CASE WHEN a_ok THEN a END AS amount,
                   CASE WHEN q_ok THEN q::integer END AS quantity,
                   CASE WHEN NOT (a_ok AND q_ok AND p_ok) THEN NULL
                        WHEN NOT priced THEN (a + q - 1) / q ELSE p END AS unit_price,
                   (coalesce(ref, '') = '' OR length(ref) > {MAX_REF} OR date IS NULL OR NOT a_ok
                    OR branch_id IS NULL OR channel = '' OR NOT product_ok OR NOT q_ok OR NOT p_ok
                    OR CASE WHEN a_ok AND q_ok AND p_ok AND priced THEN a > q * p ELSE false END
                    OR length(oref) > {MAX_REF}) AS bad
            FROM v
        """
        params: dict[str, Any] = {"ws": WHITESPACE, "outlet": Order.Channel.OUTLET.value, "from": 0, "to": 1 << 62}
        params.update({name: value[0] for name, value in constant.items()})
        if "product" in constant:
            params["product_ok"] = constant["product"][1]
        checked = self.tables.checked
        if split is None:
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE UNLOGGED TABLE {checked} AS {select}", params)
            return
        from concurrent.futures import ThreadPoolExecutor

        with connection.cursor() as cursor:
            cursor.execute(f"CREATE UNLOGGED TABLE {checked} AS {select} WITH NO DATA", params)

        def part(start: int, end: int) -> None:
            with connection.cursor() as cursor:
                cursor.execute("SET work_mem = '256MB'")
                cursor.execute(f"INSERT INTO {checked} {select}", {**params, "from": start, "to": end})

        start = split

        def second() -> None:
            try:
                part(start, 1 << 62)
            finally:
                connection.close()

        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="orders-check") as pool:
            other = pool.submit(second)
            part(0, split)
            other.result()

    def _orders(self, cursor: Any, result: ImportResult) -> None:
        """Bad orders (any bad row, rows that disagree, an order_ref in two places, an unknown
        customer) and orders imported before: the skip table. The figures of the check.

        Without a grouping of every row by order (at 10,000,000 lines the longest step of the
        check): one pass counts; the orders that start twice are found among the rows that start
        one; rows that disagree are known from the per-row statement (`differs`), and only their
        orders are grouped. The skip table keeps only the bad orders and those imported before —
        usually few, where the writers look every order up."""
        unknown = f"customer_id = {HIDDEN}"
        if not self.options.create_missing_customers:
            unknown = f"({unknown} OR (ref <> '' AND customer_id IS NULL))"
        checked, skip = self.tables.checked, self.tables.skip
        cursor.execute(
            f"SELECT count(*), count(*) FILTER (WHERE starts), count(*) FILTER (WHERE bad OR {unknown}), "
            f"count(*) FILTER (WHERE differs) FROM {checked}"
        )
        rows, starts, bad_rows, differing = cursor.fetchone()
        cursor.execute("CREATE TEMP TABLE oi_bad (key text)")
        twice = 0
        if "order_ref" in self.reader.columns and not self._starts_once(cursor):
            cursor.execute(
                f"WITH twice AS (SELECT key, count(*) AS starts FROM {checked} WHERE starts GROUP BY key "
                "HAVING count(*) > 1), bad AS (INSERT INTO oi_bad SELECT key FROM twice) "
                "SELECT coalesce(sum(starts - 1), 0) FROM twice"
            )
            (twice,) = cursor.fetchone()
        if differing:
            cursor.execute(
                f"INSERT INTO oi_bad SELECT key FROM {checked} "
                f"WHERE key IN (SELECT key FROM {checked} WHERE differs) GROUP BY key "
                "HAVING min(ref) <> max(ref) OR min(coalesce(date, 'infinity')) <> max(coalesce(date, 'infinity')) "
                "OR min(coalesce(branch_id, 0)) <> max(coalesce(branch_id, 0)) OR min(channel) <> max(channel)"
            )
        if bad_rows:
            cursor.execute(f"INSERT INTO oi_bad SELECT DISTINCT key FROM {checked} WHERE bad OR {unknown}")
        cursor.execute(f"CREATE UNLOGGED TABLE {skip} AS SELECT DISTINCT key, true AS bad FROM oi_bad")
        cursor.execute(f"SELECT count(*) FROM {skip}")
        (bad_orders,) = cursor.fetchone()
        bad_lines = 0
        if bad_orders:
            cursor.execute(f"ANALYZE {skip}")
            cursor.execute(f"SELECT count(*) FROM {checked} c WHERE c.key IN (SELECT key FROM {skip})")
            (bad_lines,) = cursor.fetchone()
        # Orders imported before (none of them bad: a bad order's key is in the skip table already).
        cursor.execute(
            f"INSERT INTO {skip} SELECT c.key, false FROM {checked} c WHERE c.starts "
            f"AND EXISTS (SELECT 1 FROM {Order._meta.db_table} x WHERE x.idempotency_key = c.key) "
            f"AND NOT EXISTS (SELECT 1 FROM {skip} s WHERE s.key = c.key)"
        )
        existing = cursor.rowcount
        cursor.execute(f"CREATE UNIQUE INDEX ON {skip} (key)")
        cursor.execute(f"ANALYZE {skip}")
        result.rows = int(rows)
        result.invalid_rows = int(bad_lines)
        result.valid_rows = result.rows - result.invalid_rows
        result.orders = int(starts) - int(twice) - int(bad_orders)
        result.orders_existing = int(existing)
        if self.options.create_missing_customers:
            cursor.execute(
                f"SELECT count(DISTINCT c.ref) FROM {checked} c WHERE c.customer_id IS NULL AND c.ref <> '' "
                f"AND NOT EXISTS (SELECT 1 FROM {skip} s WHERE s.key = c.key AND s.bad)"
            )
            result.customers_created = int(cursor.fetchone()[0])

    def _starts_once(self, cursor: Any) -> bool:
        """Whether every order's key starts one order only (no order_ref in two places): a unique
        index on the keys of the rows that start one, built by the server's parallel workers (at
        10,000,000 lines half the time of a grouping that counts them), refused at a repeat. It
        also serves the look-up of orders imported before."""
        try:
            with transaction.atomic():
                cursor.execute(f"CREATE UNIQUE INDEX ON {self.tables.checked} (key) WHERE starts")
        except IntegrityError:
            return False
        return True

    def bad_lines(self) -> Iterator[Line]:
        """The rows of bad orders, in file order, with their reasons worded by the Python path's code."""
        reader, tables = self.reader, self.tables
        width = len(reader.header_cells)
        cells = ", ".join(f"s.c{index}" for index in range(width))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT c.n, c.key, c.starts, c.ref, {cells} FROM {tables.checked} c "
                f"JOIN {tables.skip} k ON k.key = c.key AND k.bad JOIN {tables.stage} s ON s.n = c.n ORDER BY c.n"
            )
            rows = cursor.fetchall()
        refs = {row[3] for row in rows if row[3]}
        customers = dict(self._customer_ids(refs))
        started: set[str] = set()
        by_key: dict[str, list[Line]] = {}
        for n, key, starts, _ref, *values in rows:
            line = reader.parse_alone(n, values)
            line.key = key
            if starts and line.order_ref:
                if key in started:
                    line.errors.append(
                        _("order_ref %(ref)s appears earlier in the file: keep an order's rows together")
                        % {"ref": line.order_ref}
                    )
                started.add(key)
            by_key.setdefault(key, []).append(line)
        lines = [line for group in by_key.values() for line in group]
        lines.sort(key=lambda line: line.number)
        reader.cross_check(lines, customers)
        yield from lines

    def _customer_ids(self, refs: set[str]) -> list[tuple[str, int]]:
        if not refs:
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT DISTINCT ref, customer_id FROM {self.tables.checked} "
                f"WHERE customer_id IS NOT NULL AND customer_id <> {HIDDEN} AND ref = ANY(%s)",
                [list(refs)],
            )
            return list(cursor.fetchall())


def check(*, reader: _Reader, path: Path, options: ImportOptions, report: Path | None, tables: Tables) -> ImportResult:
    """Stage and check the file (NotForSql if PostgreSQL's CSV reader refuses it)."""
    from setia.sales.services.imports import MAX_ERRORS_KEPT, ImportResult, _Report, default_report_path

    header = _header(path)
    reader.use_header(header)
    parallel = not connection.in_atomic_block  # the other connection could not see a caller's tables
    _load(path, tables, len(header), order_ref=reader.columns.get("order_ref"), parallel=parallel)
    log.info("order import: file loaded")
    checker = _Checker(reader, tables, options)
    result = ImportResult(report=report or default_report_path(path))
    assert result.report is not None
    with connection.cursor() as cursor:
        cursor.execute("SET work_mem = '256MB'")
    try:
        checker.run(result, parallel=parallel)
        if result.invalid_rows:
            writer = _Report(result.report, path)
            try:
                for line in checker.bad_lines():
                    writer.add(line)
                    if len(result.errors) < MAX_ERRORS_KEPT:
                        result.errors.append((line.number, "; ".join(line.errors)))
            finally:
                writer.close()
        else:
            result.report.unlink(missing_ok=True)
            result.report = None
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET work_mem")
    return result


def write(*, actor: User, options: ImportOptions, tables: Tables, result: ImportResult, parallel: bool) -> None:
    """Write the checked rows' good orders not imported before, range by range."""
    log.info("order import: check done")
    with connection.cursor() as cursor:  # a re-run of an imported file: nothing to write
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {tables.checked} c "
            f"WHERE NOT EXISTS (SELECT 1 FROM {tables.skip} s WHERE s.key = c.key))"
        )
        (anything_new,) = cursor.fetchone()
    if not anything_new:
        log.info("order import: nothing new to write")
        return
    ranges = list(_ranges(tables))
    now = timezone.now()

    from setia.sales.services.imports import WRITERS, ImportResult

    def walk(taken: Iterator[tuple[int, int]]) -> ImportResult:
        # Only the ranges with an order to write: a re-run with a few new orders walks only theirs
        # (each range otherwise locks its parents and runs its INSERT).
        part = ImportResult()
        for start, end in taken:
            if _anything_new(tables, start, end):
                _add(part, _write_range(actor, options, tables, start, end, now))
        return part

    if not parallel:
        _add(result, walk(iter(ranges)))
        log.info("order import: written")
        return
    import threading
    from concurrent.futures import ThreadPoolExecutor

    # Each writer keeps its connection and takes the next range until none is left (or the other
    # writer has failed).
    lock, failed, pending = threading.Lock(), threading.Event(), iter(ranges)

    def taken() -> Iterator[tuple[int, int]]:
        while True:
            with lock:
                following = None if failed.is_set() else next(pending, None)
            if following is None:
                return
            yield following

    def writer() -> ImportResult:
        try:
            return walk(taken())
        except BaseException:
            failed.set()
            raise
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=WRITERS, thread_name_prefix="orders-import") as pool:
        for future in [pool.submit(writer) for _ in range(WRITERS)]:
            _add(result, future.result())
    log.info("order import: written")


def _add(result: ImportResult, part: ImportResult) -> None:
    result.orders_created += part.orders_created
    result.lines_created += part.lines_created
    result.customers_created += part.customers_created


def _anything_new(tables: Tables, start: int, end: int) -> bool:
    """Whether rows [start, end) have an order to write (one not bad nor imported before)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {tables.checked} c WHERE c.n >= %s AND c.n < %s "
            f"AND NOT EXISTS (SELECT 1 FROM {tables.skip} s WHERE s.key = c.key))",
            [start, end],
        )
        return bool(cursor.fetchone()[0])


def _ranges(tables: Tables) -> Iterator[tuple[int, int]]:
    """[start, end) row ranges of about RANGE rows, each ending where an order starts."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT min(n), max(n) FROM {tables.checked}")
        first, last = cursor.fetchone()
        if first is None:
            return
        start = first
        while start <= last:
            cursor.execute(
                f"SELECT n FROM {tables.checked} WHERE n >= %s AND starts ORDER BY n LIMIT 1", [start + RANGE]
            )
            row = cursor.fetchone()
            end = row[0] if row else last + 1
            yield start, end
            start = end


def _write_range(
    actor: User, options: ImportOptions, tables: Tables, start: int, end: int, now: dt.datetime
) -> ImportResult:
    from setia.sales.services.imports import ORDER_COLUMNS, ImportResult, _commit_without_waiting, _create_customers

    part = ImportResult()
    checked, skip = tables.checked, tables.skip
    quote = connection.ops.quote_name
    orders, lines = quote(Order._meta.db_table), quote(OrderLine._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        _commit_without_waiting()
        # The range's sorts and groupings in memory (at the default 4 MB they went to disk).
        cursor.execute("SET LOCAL work_mem = '64MB'")
        # Compiling the statement (its estimates can pass the server's threshold) costs more than it saves.
        cursor.execute("SET LOCAL jit = off")
        if options.create_missing_customers:
            cursor.execute(
                # Each with the branch of her first order in the range, her home branch.
                f"SELECT DISTINCT ON (c.ref) c.ref, c.branch_id FROM {checked} c WHERE c.n >= %s AND c.n < %s "
                f"AND c.customer_id IS NULL AND c.ref <> '' "
                f"AND NOT EXISTS (SELECT 1 FROM {skip} s WHERE s.key = c.key) ORDER BY c.ref, c.n",
                [start, end],
            )
            missing = dict(cursor.fetchall())
            if missing:
                created = _create_customers(missing, now)
                part.customers_created += len(set(missing) & created.keys())
                found = list(created.items())
                cursor.execute(
                    f"UPDATE {checked} c SET customer_id = f.id FROM unnest(%s::text[], %s::bigint[]) AS f(ref, id) "
                    "WHERE c.n >= %s AND c.n < %s AND c.customer_id IS NULL AND c.ref = f.ref",
                    [[ref for ref, _pk in found], [pk for _ref, pk in found], start, end],
                )
        merged: dict[int, int] = {}
        checked_parents = _parents_held(cursor, tables, start, end, actor, merged)
        if checked_parents:
            cursor.execute("SET LOCAL session_replication_role = replica")
        # The customers merged since the check (their orders go to the survivor): found while their
        # rows were locked where the parents were checked per range, else looked up order by order.
        merged_into = (
            "unnest(%(merged_from)s::bigint[], %(merged_to)s::bigint[]) AS cu(id, merged_into_id)"
            if checked_parents
            else f"{quote(Customer._meta.db_table)} cu"
        )
        # The columns the Python path writes (imports.ORDER_COLUMNS), without a service address.
        order_columns = ", ".join(quote(name) for name in ORDER_COLUMNS if name != "service_address_id")
        line_columns = ", ".join(quote(name) for name in LINE_INSERT)
        # The rows of an order lie together (else it is bad, `_orders`) and its first row `starts` it,
        # so `ord` — the starts counted in file order — tells each row's order without grouping or
        # joining on the text key; the order's own values are its first row's (its rows agree).
        statement = f"""
            WITH src AS MATERIALIZED (
                SELECT c.*, count(*) FILTER (WHERE c.starts) OVER (ORDER BY c.n) AS ord FROM {checked} c
                WHERE c.n >= %(start)s AND c.n < %(end)s AND NOT EXISTS (SELECT 1 FROM {skip} s WHERE s.key = c.key)
            ), sums AS (
                SELECT ord, sum(quantity::bigint * unit_price) AS subtotal, sum(amount) AS total FROM src GROUP BY ord
            ), numbered AS MATERIALIZED (
                SELECT nextval(%(sequence)s::regclass) AS id, f.*
                FROM (SELECT s.ord, s.key, s.customer_id, s.branch_id, s.channel, s.date, s.oref, t.subtotal, t.total
                      FROM src s JOIN sums t ON t.ord = s.ord WHERE s.starts ORDER BY s.ord) f
            ), o AS (
                INSERT INTO {orders} ({order_columns})
                SELECT m.id, %(now)s, %(now)s, 'IMP-' || m.id, %(kind)s, coalesce(cu.merged_into_id, m.customer_id),
                       m.branch_id, m.channel, %(status)s, (m.date + time '12:00') AT TIME ZONE %(zone)s, m.date,
                       m.subtotal, m.subtotal - m.total, 0, 0, 0, m.total, 0, 0, 0, 0, '', m.oref, true, m.key, '',
                       %(actor)s
                FROM numbered m LEFT JOIN {merged_into} ON cu.id = m.customer_id
                ORDER BY m.id
                {{conflict}}
                RETURNING id
            ), l AS (
                INSERT INTO {lines} ({line_columns})
                SELECT m.id, src.product_id, p.category_id, coalesce(left(p.name, 200), %(description)s),
                       src.quantity, src.unit_price, src.quantity::bigint * src.unit_price - src.amount, src.amount,
                       0, ''
                FROM src JOIN numbered m ON m.ord = src.ord {{inserted}}
                LEFT JOIN {quote(Product._meta.db_table)} p ON p.id = src.product_id
                ORDER BY src.n
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM o), (SELECT count(*) FROM l)
            """
        params: dict[str, Any] = {
            "start": start,
            "end": end,
            "sequence": _sequence(cursor),
            "now": now,
            "kind": Order.Kind.SALE.value,
            "status": Order.Status.FULFILLED.value,
            "zone": "Asia/Jakarta",
            "actor": actor.pk,
            "description": _("Imported purchase"),
            "merged_from": list(merged),
            "merged_to": list(merged.values()),
        }
        try:
            # The check found none of these orders: a plain INSERT (an arbiter for each unique index
            # on every row, as ON CONFLICT has, cost more than the rare retry).
            with transaction.atomic():
                cursor.execute(statement.replace("{conflict}", "").replace("{inserted}", ""), params)
        except IntegrityError:
            # Another run inserted some of them since: theirs stay, this range writes the others and
            # only their lines.
            retry = statement.replace("{conflict}", "ON CONFLICT DO NOTHING")
            cursor.execute(retry.replace("{inserted}", "JOIN o ON o.id = m.id"), params)
        created_orders, created_lines = cursor.fetchone()
        if checked_parents:
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    part.orders_created = int(created_orders)
    part.lines_created = int(created_lines)
    return part


def _parents_held(
    cursor: Any, tables: Tables, start: int, end: int, actor: User, merged: dict[int, int] | None = None
) -> bool:
    """The foreign keys' checks for a range, set-based: every customer, branch and product its rows
    refer to (and the actor) exists, and is held until commit (`FOR KEY SHARE`, the lock the
    per-row checks take). Then the range's INSERT may skip the per-row checks — half of the
    server's work per line, measured — with `session_replication_role = replica` for that one
    statement. Only for a superuser (the setting needs one) and only while the two tables have no
    trigger of their own; otherwise (or if a parent has gone) the per-row checks run as usual.
    The customers merged into another since the check go into `merged` (id -> survivor), the
    survivors held too. One pass over the range's rows finds the ids (was one per table)."""
    if not row_checks_skippable(Order, OrderLine):
        return False
    cursor.execute(
        "SELECT coalesce(array_agg(DISTINCT c.customer_id) FILTER (WHERE c.customer_id IS NOT NULL), '{}'), "
        "coalesce(array_agg(DISTINCT c.branch_id) FILTER (WHERE c.branch_id IS NOT NULL), '{}'), "
        "coalesce(array_agg(DISTINCT c.product_id) FILTER (WHERE c.product_id IS NOT NULL), '{}') "
        f"FROM {tables.checked} c WHERE c.n >= %s AND c.n < %s "
        f"AND NOT EXISTS (SELECT 1 FROM {tables.skip} s WHERE s.key = c.key)",
        [start, end],
    )
    customers, branches, products = cursor.fetchone()
    cursor.execute(
        f"WITH held AS (SELECT id, merged_into_id FROM {connection.ops.quote_name(Customer._meta.db_table)} "
        "WHERE id = ANY(%s) ORDER BY id FOR KEY SHARE) "
        "SELECT count(*), coalesce(array_agg(id) FILTER (WHERE merged_into_id IS NOT NULL), '{}'), "
        "coalesce(array_agg(merged_into_id) FILTER (WHERE merged_into_id IS NOT NULL), '{}') FROM held",
        [customers],
    )
    count, sources, survivors = cursor.fetchone()
    if count != len(customers):
        return False
    # Then the survivors of merges, branches, products and the actor, in the order the per-row checks had.
    for model, keys in ((Customer, survivors), (Branch, branches), (Product, products), (User, [actor.pk])):
        if not hold_keys(model, keys):
            return False
    if merged is not None:
        merged.update(zip(sources, survivors, strict=True))
    return True


def _sequence(cursor: Any) -> str:
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [Order._meta.db_table])
    return str(cursor.fetchone()[0])


LINE_INSERT = (
    "order_id",
    "product_id",
    "category_id_at_sale",
    "description",
    "quantity",
    "unit_price",
    "discount",
    "total",
    "refunded_quantity",
    "promotion_note",
)
