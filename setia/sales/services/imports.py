"""Importing historical orders from a CSV file (a cash register's or an old system's export).

The same discipline as the customer import: the file is checked first (a dry run that lists
every bad row with its row number and reason); with errors nothing is imported unless the caller
chooses to skip the bad rows, and the skipped rows are written to a report CSV with the reasons.

A file row is one order line. Rows with the same `order_ref` (kept together) form one order;
a row without `order_ref` is an order of its own. The minimal file has `customer_ref,date,amount`.

Speed (rule 8 of docs/ARCHITECTURE): on PostgreSQL (without `apply_loyalty`) the server reads,
checks and writes the rows itself — services/imports_sql.py, ADR 0016 — with this module's rules
and wording; what follows is the path for SQLite, loyalty, and files PostgreSQL's CSV reader
refuses. The file is read and checked once. Rows are read in chunks
of whole orders; each chunk resolves its customer references in one query per kind of reference
and finds which of its orders are in the database already. The import keeps each chunk's valid
new orders, as resolved, in a private temporary file and writes them from there: per chunk one
transaction, the order ids allocated in one query, PostgreSQL: the orders and their lines COPYed
as text straight into their tables (should another run have inserted one of the orders since, the
chunk goes through a staging table and `INSERT … ON CONFLICT DO NOTHING RETURNING id` instead, so
nothing is doubled), by two connections side by side; SQLite: `executemany`. No ORM object is
built per row.

Re-running the same file changes nothing: every order carries `idempotency_key = import:<ref>`
(or, without `order_ref`, a digest of the row's content and its occurrence in the file), and an
order already present is left as it is. Points and rewards are not given for history unless
asked (`apply_loyalty`), and then only for orders this run inserted.
"""

import csv
import dataclasses
import datetime as dt
import hashlib
import pickle
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from setia.accounts.models import Branch, User
from setia.accounts.selectors import branch_scope, require
from setia.catalog.models import Product
from setia.core.audit import audit_log
from setia.core.bulk import allocate_ids, copy_text, copy_value, key_pairs
from setia.core.errors import ApplicationError
from setia.core.phones import normalize_phone
from setia.core.texts import Message
from setia.customers.models import Customer, CustomerEmail, CustomerPhone
from setia.customers.tabular import escape_cell
from setia.customers.text import search_key
from setia.loyalty.cart import CartLine
from setia.loyalty.models import Membership
from setia.loyalty.services.purchases import purchase_recorded
from setia.sales.models import Order, OrderLine
from setia.sales.models.orders import order_source
from setia.sales.services import imports_sql

CHUNK = 20_000  # lines per transaction (a chunk ends at an order boundary)
MAX_ERRORS_KEPT = 1000
MAX_AMOUNT = 10_000_000_000  # Rp 10 billion per line: anything above is a typing error
MAX_QUANTITY = 10_000
MAX_REF = 64  # customers.Customer.external_id; order refs fit `import:<ref>` in 100 characters
REQUIRED = ("customer_ref", "date", "amount")
OPTIONAL = ("branch", "channel", "order_ref", "product", "quantity", "unit_price")
ALIASES = {
    "customer": "customer_ref",
    "pelanggan": "customer_ref",
    "kode pelanggan": "customer_ref",
    "external_id": "customer_ref",
    "tanggal": "date",
    "jumlah": "amount",
    "total": "amount",
    "cabang": "branch",
    "kanal": "channel",
    "order": "order_ref",
    "no order": "order_ref",
    "nomor order": "order_ref",
    "produk": "product",
    "sku": "product",
    "qty": "quantity",
    "jumlah barang": "quantity",
    "harga": "unit_price",
    "price": "unit_price",
}
# A customer created for an unknown reference (`create_missing_customers`) has nothing but its
# external id. Customers has no field for "imported without contact details"; this line in its
# notes (with source = import) is the flag, and what staff see on the customer's page.
NO_CONTACT_NOTE = gettext_noop("Imported with historical orders, without contact details.")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
JAKARTA = ZoneInfo("Asia/Jakarta")

ORDER_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "number",
    "kind",
    "customer_id",
    "branch_id",
    "channel",
    "status",
    "placed_at",
    "business_date",
    "subtotal",
    "discount_total",
    "tax_total",
    "tax_rate",
    "rounding",
    "total",
    "refunded_total",
    "points_earned",
    "points_redeemed",
    "cashback_earned",
    "voucher_code",
    "service_address_id",
    "note",
    "imported",
    "idempotency_key",
    "request_digest",
    "created_by_id",
)
LINE_COLUMNS = (
    "order_id",
    "product_id",
    "category_id_at_sale",
    "description",
    "quantity",
    "unit_price",
    "discount",
    "total",
    "refunded_quantity",
    "staff_id",
    "promotion_note",
)


@dataclass
class ImportOptions:
    branch_code: str = ""  # the branch of rows without a `branch` column; default the first active branch
    create_missing_customers: bool = False
    apply_loyalty: bool = False
    skip_invalid: bool = False
    # The branches whose customers and orders the importer may see (None: all). Set from the actor
    # by the service: a branch or customer outside them is not found, as on every other page.
    branch_ids: frozenset[int] | None = None


def _scoped(actor: User, options: ImportOptions) -> ImportOptions:
    scope = branch_scope(actor)
    return dataclasses.replace(options, branch_ids=None if scope.all_branches else scope.branch_ids)


def default_branch(options: ImportOptions) -> Branch | None:
    """The branch of rows that name none: the one chosen, else the first active one the importer
    may see."""
    branches = Branch.objects.filter(is_active=True)
    if options.branch_ids is not None:
        branches = branches.filter(pk__in=options.branch_ids)
    if options.branch_code:
        return branches.filter(code__iexact=options.branch_code).first()
    return branches.order_by("pk").first()


@dataclass(slots=True)
class Line:
    number: int  # 1-based line of the file, header included
    cells: list[str]
    key: str  # the order's idempotency key
    customer_ref: str
    date: dt.date | None
    amount: int
    branch_id: int | None
    channel: str
    order_ref: str
    product: Product | None
    quantity: int
    unit_price: int
    errors: list[str]


@dataclass
class Chunk:
    lines: list[Line]
    customers: dict[str, int]  # customer_ref -> customer id
    missing: dict[str, int | None]  # unknown customer refs to create -> branch of their first order
    existing: set[str]  # order keys already imported


@dataclass
class ImportResult:
    rows: int = 0
    valid_rows: int = 0
    invalid_rows: int = 0
    orders: int = 0  # orders in the file (valid ones)
    orders_existing: int = 0  # already imported: left as they are
    orders_created: int = 0
    lines_created: int = 0
    customers_created: int = 0  # in a dry run: would be created
    points_earned: int = 0
    cashback_earned: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (row, reason), the first MAX_ERRORS_KEPT
    report: Path | None = None
    applied: bool = False


def default_report_path(path: Path) -> Path:
    return path.with_name(f"{path.name}.skipped.csv")


class _Reader:
    """Reads and checks the file's rows; yields them in chunks of whole orders."""

    def __init__(self, path: Path, options: ImportOptions) -> None:
        self.path = path
        self.options = options
        branches = Branch.objects.all()
        if options.branch_ids is not None:
            branches = branches.filter(pk__in=options.branch_ids)
        self.branches = {branch.code.lower(): branch for branch in branches}
        # Refs of customers the importer may not see: not found (and never created a second time).
        self.hidden: set[str] = set()
        branch = default_branch(options)
        if options.branch_code:
            if branch is None:
                message = _("No active branch with code %(code)s.") % {"code": options.branch_code}
                raise ApplicationError(message, {"branch": [message]})
        else:
            if branch is None:
                message = _("Add a branch first: every order belongs to a branch.")
                raise ApplicationError(message, {"branch": [message]})
        self.default_branch = branch
        self.products: dict[str, Product] = {}
        for product in Product.objects.order_by("-is_active", "pk"):
            self.products.setdefault(product.name.strip().lower(), product)
        for product in Product.objects.exclude(sku=None).exclude(sku=""):
            self.products[str(product.sku).strip().lower()] = product  # a SKU wins over a name
        self.channels: dict[str, str] = {}
        for value, label in Order.Channel.choices:
            self.channels[str(value).lower()] = str(value)
            self.channels[str(label).lower()] = str(value)
        self.dates: dict[str, dt.date | str] = {}
        self.today = timezone.localdate()
        self.refs_seen: set[int] = set()  # hashes of order refs of earlier orders (rows kept together)
        self.occurrences: dict[int, int] = {}  # rows without order_ref: content digest -> times seen
        self.previous_ref = ""
        self.columns: dict[str, int] = {}
        self.header_cells: list[str] = []
        self.indexes: list[int] = []

    def header(self, cells: list[str]) -> dict[str, int]:
        columns: dict[str, int] = {}
        for index, title in enumerate(cells):
            name = title.strip().lstrip("\ufeff").lower()
            name = ALIASES.get(name, name)
            if name in REQUIRED or name in OPTIONAL:
                columns.setdefault(name, index)
        missing = [name for name in REQUIRED if name not in columns]
        if missing:
            message = _("The file needs the columns %(columns)s; missing: %(missing)s.") % {
                "columns": ", ".join(REQUIRED),
                "missing": ", ".join(missing),
            }
            if any(";" in cell for cell in cells):  # a spreadsheet set to separate with semicolons
                message += " " + _("Its columns are separated by semicolons: save it again as CSV separated by commas.")
            raise ApplicationError(message, {"file": [message]})
        return columns

    def use_header(self, cells: list[str]) -> None:
        self.columns = self.header(cells)
        self.header_cells = cells
        # Cell positions in parse()'s order; an absent column reads as empty.
        self.indexes = [self.columns.get(name, 1 << 30) for name in (*REQUIRED, *OPTIONAL)]

    def chunks(self) -> Iterator[Chunk]:
        with self.path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            first = next(reader, None)
            if not first:
                message = _("The file is empty.")
                raise ApplicationError(message, {"file": [message]})
            self.use_header(first)
            batch: list[Line] = []
            for number, cells in enumerate(reader, start=2):
                if not any(cells):
                    continue
                line = self.parse(number, cells)
                if len(batch) >= CHUNK and (not line.order_ref or line.key != batch[-1].key):
                    yield self.finish(batch)
                    batch = []
                batch.append(line)
            if batch:
                yield self.finish(batch)

    def _date(self, text: str) -> dt.date | str:
        """The date, or the reason it is not one."""
        if not _ISO_DATE.match(text):
            return _("date “%(value)s” is not a date in the form YYYY-MM-DD") % {"value": text}
        try:
            value = dt.date.fromisoformat(text)
        except ValueError:
            return _("date “%(value)s” does not exist") % {"value": text}
        if value > self.today:
            return _("date %(value)s is in the future") % {"value": text}
        return value

    def parse(self, number: int, cells: list[str]) -> Line:
        errors: list[str] = []
        width = len(cells)
        (
            customer_ref,
            date_text,
            amount_text,
            branch_code,
            channel_text,
            order_ref,
            product_text,
            quantity_text,
            price_text,
        ) = [cells[index].strip() if index < width else "" for index in self.indexes]
        if not customer_ref:
            errors.append(_("customer_ref is empty"))
        elif len(customer_ref) > MAX_REF:
            errors.append(_("customer_ref is longer than %(count)s characters") % {"count": MAX_REF})
        date = self.dates.get(date_text)
        if date is None:
            date = self.dates[date_text] = self._date(date_text)
        if isinstance(date, str):
            errors.append(date)
            date = None
        amount = _whole(amount_text, "amount", errors, minimum=1, maximum=MAX_AMOUNT)
        branch_id: int | None = self.default_branch.pk
        if branch_code:
            branch = self.branches.get(branch_code.lower())
            branch_id = branch.pk if branch else None
            if branch is None:
                errors.append(_("no branch with code %(code)s") % {"code": branch_code})
        channel = Order.Channel.OUTLET.value
        if channel_text:
            channel = self.channels.get(channel_text.lower(), "")
            if not channel:
                errors.append(
                    _("channel “%(value)s” is not one of: %(choices)s")
                    % {"value": channel_text, "choices": ", ".join(Order.Channel.values)}
                )
        product = None
        if product_text:
            product = self.products.get(product_text.lower())
            if product is None:
                errors.append(_("no product with code or name “%(value)s”") % {"value": product_text})
        quantity = _whole(quantity_text, "quantity", errors, minimum=1, maximum=MAX_QUANTITY) if quantity_text else 1
        unit_price = _whole(price_text, "unit_price", errors, minimum=0, maximum=MAX_AMOUNT) if price_text else -1
        if unit_price < 0 and quantity > 0:
            unit_price = -(-amount // quantity)  # rounded up; the difference is the line's discount
        elif amount > quantity * unit_price and not errors:
            errors.append(
                _("amount %(amount)s is more than quantity times unit_price (%(gross)s)")
                % {"amount": amount, "gross": quantity * unit_price}
            )
        if order_ref:
            if len(order_ref) > MAX_REF:
                errors.append(_("order_ref is longer than %(count)s characters") % {"count": MAX_REF})
            key = f"import:{order_ref}"
            if order_ref != self.previous_ref:
                token = hash(order_ref)
                if token in self.refs_seen:
                    errors.append(
                        _("order_ref %(ref)s appears earlier in the file: keep an order's rows together")
                        % {"ref": order_ref}
                    )
                self.refs_seen.add(token)
        else:
            # No order number: the row's content and how often the same content came before.
            content = "\x1f".join(cells).encode()
            digest = hashlib.blake2b(content, digest_size=10).hexdigest()
            token = int(digest, 16)
            seen = self.occurrences.get(token, 0)
            self.occurrences[token] = seen + 1
            key = f"import:row:{digest}:{seen}"
        self.previous_ref = order_ref
        return Line(
            number,
            cells,
            key,
            customer_ref,
            date,
            amount,
            branch_id,
            channel,
            order_ref,
            product,
            quantity,
            unit_price,
            errors,
        )

    def parse_alone(self, number: int, cells: list[str]) -> Line:
        """`parse` of one row on its own, without the checks that depend on the rows before it
        (the server's path words a bad row's reasons with it and adds those itself)."""
        self.refs_seen = set()
        self.previous_ref = ""
        self.occurrences = {}
        return self.parse(number, cells)

    def finish(self, lines: list[Line]) -> Chunk:
        """Checks across rows: an order's rows agree and are kept together; customers exist;
        which orders are in the database already. A bad line fails its whole order."""
        customers = self._customers({line.customer_ref for line in lines if line.customer_ref})
        missing = self.cross_check(lines, customers)
        keys = list({line.key for line in lines if not line.errors})
        existing = {row[0] for row in key_pairs(Order._meta.db_table, "idempotency_key", "id", keys)}
        return Chunk(lines, customers, missing, existing)

    def cross_check(self, lines: list[Line], customers: dict[str, int]) -> dict[str, int | None]:
        """An order's rows agree; its customer exists (or is to be created: the refs returned);
        a bad line fails its whole order. `lines` in file order."""
        first_of: dict[str, Line] = {}
        for line in lines:
            first = first_of.setdefault(line.key, line)
            if first is line:
                continue
            for name, label in (
                ("customer_ref", "customer_ref"),
                ("date", "date"),
                ("branch_id", "branch"),
                ("channel", "channel"),
            ):
                if getattr(line, name) != getattr(first, name):
                    line.errors.append(
                        _("%(column)s differs from row %(row)s of the same order")
                        % {"column": label, "row": first.number}
                    )
        missing: dict[str, int | None] = {}
        for line in lines:
            if line.customer_ref and line.customer_ref not in customers:
                if self.options.create_missing_customers and line.customer_ref not in self.hidden:
                    missing.setdefault(line.customer_ref, line.branch_id)
                else:
                    line.errors.append(
                        _("no customer with external id, phone or email “%(ref)s”") % {"ref": line.customer_ref}
                    )
        bad_orders = {line.key: line.number for line in lines if line.errors}
        for line in lines:
            failed = bad_orders.get(line.key)
            if failed is not None and not line.errors:
                line.errors.append(_("row %(row)s of the same order has an error") % {"row": failed})
        return missing

    def _customers(self, refs: set[str]) -> dict[str, int]:
        """Customer ids by reference: external id first, then phone, then email; one query each."""
        found: dict[str, int] = dict(
            key_pairs(Customer._meta.db_table, "external_id", "id", list(refs), "merged_into_id IS NULL")
        )
        rest = refs - found.keys()
        phones: dict[str, str] = {}
        emails: dict[str, str] = {}
        for ref in rest:
            if "@" in ref:
                emails[ref.lower()] = ref
            elif sum(character.isdigit() for character in ref) >= 8:
                try:
                    phones[normalize_phone(ref)] = ref
                except ApplicationError:
                    continue
        if phones:
            for number, pk in CustomerPhone.objects.filter(number__in=list(phones)).values_list(
                "number", "customer_id"
            ):
                found.setdefault(phones[number], pk)
        if emails:
            for email, pk in CustomerEmail.objects.filter(email__in=list(emails)).values_list("email", "customer_id"):
                found.setdefault(emails[email.lower()], pk)
        if self.options.branch_ids is not None and found:
            visible = set(
                Customer.objects.filter(
                    pk__in=set(found.values()), home_branch_id__in=self.options.branch_ids
                ).values_list("pk", flat=True)
            )
            self.hidden.update(ref for ref, pk in found.items() if pk not in visible)
            found = {ref: pk for ref, pk in found.items() if pk in visible}
        return found


def _whole(text: str, column: str, errors: list[str], *, minimum: int, maximum: int) -> int:
    """A whole number in [minimum, maximum], else 0 and the reason in `errors`."""
    if text.isascii() and text.isdigit():
        value = int(text)
        if value < minimum:
            errors.append(_("%(column)s must be greater than zero") % {"column": column})
            return 0
        if value > maximum:
            errors.append(_("%(column)s %(value)s is too large") % {"column": column, "value": text})
            return 0
        return value
    if text.startswith("-") and text[1:].isascii() and text[1:].isdigit():
        errors.append(_("%(column)s must not be negative") % {"column": column})
    elif not text:
        errors.append(_("%(column)s is empty") % {"column": column})
    elif column == "quantity":
        errors.append(_("%(column)s “%(value)s” is not a whole number") % {"column": column, "value": text})
    else:
        errors.append(
            _("%(column)s “%(value)s” is not a whole number (Rupiah without separators or decimals)")
            % {"column": column, "value": text}
        )
    return 0


class _Report:
    """The rows that were not (or would not be) imported, as in the file, with the reasons."""

    def __init__(self, path: Path, source: Path) -> None:
        with source.open(encoding="utf-8-sig", errors="replace", newline="") as handle:  # the check reports bad bytes
            header = next(csv.reader(handle), [])
        self.path = path
        self.handle = path.open("w", encoding="utf-8", newline="")
        self.writer = csv.writer(self.handle)
        self.writer.writerow([*header, "row", "error"])

    def add(self, line: Line) -> None:
        self.writer.writerow([escape_cell(cell) for cell in line.cells] + [line.number, "; ".join(line.errors)])

    def close(self) -> None:
        self.handle.close()


def orders_import_check(*, actor: User, path: Path, options: ImportOptions, report: Path | None = None) -> ImportResult:
    """The dry run: every bad row with its reason (and a report CSV of them). Writes nothing."""
    require(actor, "orders.import")
    options = _scoped(actor, options)
    if _on_server(options):
        tables = imports_sql.names()
        try:
            return _check(path, options, report, stage=tables)
        except imports_sql.NotForSql:
            pass  # the Python reader takes any CSV a spreadsheet writes
        finally:
            imports_sql.drop(tables)
    return _check(path, options, report, stage=None)


def _on_server(options: ImportOptions) -> bool:
    """PostgreSQL reads, checks and writes the rows itself (services/imports_sql.py); not with
    loyalty, whose per-order rewards take the Python path's staged orders."""
    return connection.vendor == "postgresql" and not options.apply_loyalty


def _check(
    path: Path, options: ImportOptions, report: Path | None, stage: "IO[bytes] | imports_sql.Tables | None"
) -> ImportResult:
    """Read and check every row. With `stage`, each chunk's valid orders not yet in the database
    are written there as they were resolved (`_Staged`), for the import to write without reading
    and checking the file again. With staging tables, the server reads and checks (imports_sql)."""
    reader = _Reader(path, options)
    if isinstance(stage, imports_sql.Tables):
        return imports_sql.check(reader=reader, path=path, options=options, report=report, tables=stage)
    result = ImportResult(report=report or default_report_path(path))
    assert result.report is not None
    writer = _Report(result.report, path)
    to_create: set[str] = set()
    try:
        for chunk in _decoded(reader.chunks()):
            _count(result, chunk, writer)
            # Customers the import would create: those of valid rows only (a bad row is not imported).
            valid_refs = {line.customer_ref for line in chunk.lines if not line.errors}
            to_create.update(ref for ref in chunk.missing if ref in valid_refs)
            if stage is not None:
                pickle.dump(_staged(chunk), stage, protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        writer.close()
    result.customers_created = len(to_create)
    if not result.invalid_rows:
        result.report.unlink(missing_ok=True)
        result.report = None
    return result


def _decoded(chunks: Iterator[Chunk]) -> Iterator[Chunk]:
    """The chunks, with a file that is not UTF-8 text refused in words (the file is read lazily)."""
    try:
        yield from chunks
    except UnicodeDecodeError as error:
        message = _(
            "The file is not UTF-8 text (a byte at position %(position)s cannot be read): save it as "
            "“CSV UTF-8” and upload it again."
        ) % {"position": error.start}
        raise ApplicationError(message, {"file": [message]}) from error


def _count(result: ImportResult, chunk: Chunk, writer: _Report) -> None:
    keys = set()
    for line in chunk.lines:
        result.rows += 1
        if line.errors:
            result.invalid_rows += 1
            writer.add(line)
            if len(result.errors) < MAX_ERRORS_KEPT:
                result.errors.append((line.number, "; ".join(line.errors)))
        else:
            result.valid_rows += 1
            keys.add(line.key)
    result.orders += len(keys)
    result.orders_existing += len(keys & chunk.existing)


# One order as the check resolved it: (idempotency key, customer_ref, branch id, channel, business
# date, order_ref, lines), each line (product id or None, quantity, unit price, amount).
StagedOrder = tuple[str, str, int, str, dt.date, str, list[tuple[int | None, int, int, int]]]


@dataclass
class _Staged:
    orders: list[StagedOrder]
    customers: dict[str, int]  # customer_ref -> id, as found by the check
    missing: dict[str, int | None]  # refs to create -> home branch (create_missing_customers)


def _staged(chunk: Chunk) -> _Staged:
    orders: dict[str, StagedOrder] = {}
    for line in chunk.lines:
        if line.errors or line.key in chunk.existing:
            continue
        order = orders.get(line.key)
        if order is None:
            assert line.date is not None and line.branch_id is not None
            order = orders[line.key] = (
                line.key,
                line.customer_ref,
                line.branch_id,
                line.channel,
                line.date,
                line.order_ref,
                [],
            )
        order[6].append((line.product.pk if line.product else None, line.quantity, line.unit_price, line.amount))
    refs = {order[1] for order in orders.values()}
    return _Staged(
        list(orders.values()),
        {ref: pk for ref, pk in chunk.customers.items() if ref in refs},
        {ref: branch for ref, branch in chunk.missing.items() if ref in refs},
    )


def orders_import(*, actor: User, path: Path, options: ImportOptions, report: Path | None = None) -> ImportResult:
    """Check the file, then import it unless it has errors (or `skip_invalid` is set). The check
    keeps what it parsed and resolved in a private temporary file, and the import writes from it:
    the file is read and checked once. Each chunk is written in its own transaction; an
    interrupted import is finished by running it again."""
    require(actor, "orders.import")
    options = _scoped(actor, options)
    if _on_server(options):
        tables = imports_sql.names()
        try:
            result = _check(path, options, report, stage=tables)
            if result.invalid_rows and not options.skip_invalid:
                return result
            result.applied = True
            result.customers_created = 0
            parallel = not connection.in_atomic_block
            imports_sql.write(actor=actor, options=options, tables=tables, result=result, parallel=parallel)
        except imports_sql.NotForSql:
            pass  # the Python reader takes any CSV a spreadsheet writes
        else:
            branch = default_branch(options)
            assert branch is not None  # the check refused the file otherwise
            _imported(actor, path, result, branch)
            return result
        finally:
            imports_sql.drop(tables)
    with tempfile.TemporaryFile(prefix="setia-orders-") as stage:
        result = _check(path, options, report, stage=stage)
        if result.invalid_rows and not options.skip_invalid:
            return result
        result.applied = True
        result.customers_created = 0
        stage.seek(0)
        writer = _Writer(actor, options)
        if _in_parallel(options):
            _write_in_parallel(actor, options, _chunks_of(stage), result)
        else:
            for chunk in _chunks_of(stage):
                with transaction.atomic():
                    _commit_without_waiting()
                    writer.write(chunk, result)
    _imported(actor, path, result, writer.default_branch)
    return result


def _imported(actor: User, path: Path, result: ImportResult, default_branch: Branch) -> None:
    """After the writes: fresh planner statistics and the audit row."""
    with connection.cursor() as cursor:
        # The planner's statistics after a bulk load (see core.bulk.refresh_statistics).
        for model in (Order, OrderLine):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    audit_log(
        actor=actor,
        action="create",
        instance=default_branch,
        branch_id=default_branch.pk,
        changes={
            "orders": [None, result.orders_created],
            "lines": [None, result.lines_created],
            "customers": [None, result.customers_created],
            "skipped_rows": [None, result.invalid_rows],
        },
        message=Message(
            gettext_noop("Orders import %(file)s: %(orders)s orders, %(lines)s lines"),
            {"file": path.name[:150], "orders": result.orders_created, "lines": result.lines_created},
        ),
    )


def _chunks_of(stage: IO[bytes]) -> Iterator[_Staged]:
    while True:
        try:
            # Our own file, written by `_check` in this same call: never anything from outside.
            yield pickle.load(stage)
        except EOFError:
            return


def _in_parallel(options: ImportOptions) -> bool:
    """Chunks are written by WRITERS connections side by side on PostgreSQL: the server's work per
    line (indexes, and the foreign-key checks at commit) is most of an import, and one connection
    keeps one core busy. Not inside a caller's transaction (other connections could not see what
    it has not committed), and not with loyalty, whose rewards follow the orders' dates."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block and not options.apply_loyalty


WRITERS = 2


def _write_in_parallel(actor: User, options: ImportOptions, chunks: Iterator[_Staged], result: ImportResult) -> None:
    """Each chunk in its own transaction on a writer thread's own connection. Chunks are
    independent (an order and its lines are in one chunk, and an order present already is left
    alone), so the order of their commits does not matter; at most WRITERS + 1 are in memory."""
    from collections import deque
    from concurrent.futures import Future, ThreadPoolExecutor

    def write(chunk: _Staged) -> ImportResult:
        part = ImportResult()
        try:
            with transaction.atomic():
                _commit_without_waiting()
                _Writer(actor, options).write(chunk, part)
        finally:
            connection.close()
        return part

    def add(part: ImportResult) -> None:
        result.orders_existing += part.orders_existing
        result.orders_created += part.orders_created
        result.lines_created += part.lines_created
        result.customers_created += part.customers_created

    pending: deque[Future[ImportResult]] = deque()
    with ThreadPoolExecutor(max_workers=WRITERS, thread_name_prefix="orders-import") as pool:
        try:
            for chunk in chunks:
                pending.append(pool.submit(write, chunk))
                while len(pending) > WRITERS:
                    add(pending.popleft().result())
            while pending:
                add(pending.popleft().result())
        finally:
            for future in pending:
                future.cancel()


def _commit_without_waiting() -> None:
    """PostgreSQL: this chunk's commit does not wait for its log to reach the disk. A crash may
    lose the last chunks written, never part of one, and running the import again writes exactly
    the orders that are missing (their keys are not there)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


def _create_customers(missing: dict[str, int | None], now: dt.datetime) -> dict[str, int]:
    """Minimal customers for unknown references (ref -> the branch of her first order, her home
    branch, so that branch's staff see her): the external id (and it as the name, so lists show
    something), source import, and the no-contact note. A race or re-run finds them. Sorted, so
    two writers creating overlapping sets take their locks in the same order."""
    refs = sorted(missing)
    if refs:
        note = _(NO_CONTACT_NOTE)
        rows = [
            Customer(
                name=ref,
                search_name=search_key(ref),
                external_id=ref,
                home_branch_id=missing[ref],
                source=Customer.Source.IMPORT,
                notes=note,
                created_at=now,
                updated_at=now,
            )
            for ref in refs
        ]
        fields = [f for f in Customer._meta.concrete_fields if not f.primary_key]
        quote = connection.ops.quote_name
        sql = (
            f"INSERT INTO {quote(Customer._meta.db_table)} ({', '.join(quote(str(f.column)) for f in fields)}) "
            f"VALUES ({', '.join(['%s'] * len(fields))}) ON CONFLICT DO NOTHING"
        )
        values = [tuple(f.get_db_prep_save(f.pre_save(row, add=True), connection) for f in fields) for row in rows]
        with connection.cursor() as cursor:
            cursor.executemany(sql, values)
    return {str(ref): pk for ref, pk in Customer.objects.filter(external_id__in=refs).values_list("external_id", "pk")}


class _Writer:
    """Writes staged chunks: orders and their lines as rows of stored values, no ORM objects."""

    def __init__(self, actor: User, options: ImportOptions) -> None:
        self.actor = actor
        self.options = options
        self.now = timezone.now()
        self.postgres = connection.vendor == "postgresql"
        branch = default_branch(options)
        assert branch is not None  # the check refused the file otherwise
        self.default_branch = branch
        self.products = {product.pk: product for product in Product.objects.all()}
        description = _("Imported purchase")
        if self.postgres:
            stamp = self.now.isoformat()
            # Every column of an order row but its own values, in ORDER_COLUMNS' order, as COPY text.
            self.order_text = (
                "{pk}\t" + f"{stamp}\t{stamp}\t" + "IMP-{pk}\t" + f"{Order.Kind.SALE.value}\t"
                "{customer}\t{branch}\t{channel}\t" + f"{Order.Status.FULFILLED.value}\t"
                "{placed_at}\t{date}\t{subtotal}\t{discount}\t0\t0\t0\t{total}\t0\t0\t0\t0\t\t\\N\t{ref}\tt\t{key}\t\t"
                + f"{actor.pk}\n"
            )
            self.product_text = {
                pk: f"{pk}\t{copy_value(product.category_id)}\t{copy_value(product.name[:200])}"
                for pk, product in self.products.items()
            }
            self.no_product_text = f"\\N\t\\N\t{copy_value(description)}"
        else:
            self.stamp = connection.ops.adapt_datetimefield_value(self.now)
            self.zero_rate = connection.ops.adapt_decimalfield_value(Decimal(0), 5, 2)
            self.product_values = {
                pk: (pk, product.category_id, product.name[:200]) for pk, product in self.products.items()
            }
            self.no_product_values = (None, None, description)
        self.noon: dict[dt.date, tuple[str, str]] = {}

    def _moment(self, date: dt.date) -> tuple[str, str]:
        """The order's time (noon in Jakarta that day) and date, as stored."""
        moment = self.noon.get(date)
        if moment is None:
            placed_at = dt.datetime.combine(date, dt.time(12), tzinfo=JAKARTA)
            stored = placed_at.isoformat() if self.postgres else connection.ops.adapt_datetimefield_value(placed_at)
            moment = self.noon[date] = (str(stored), date.isoformat())
        return moment

    def _customers(self, chunk: _Staged, result: ImportResult) -> dict[str, int]:
        """The chunk's customer ids: as the check found them, a customer merged since then
        replaced by the one she was merged into, and missing ones created if asked."""
        customers = dict(chunk.customers)
        merged = dict(
            key_pairs(
                Customer._meta.db_table,
                "id",
                "merged_into_id",
                list(set(customers.values())),
                "merged_into_id IS NOT NULL",
            )
        )
        if merged:
            customers = {ref: merged.get(pk, pk) for ref, pk in customers.items()}
        if chunk.missing:
            created = _create_customers(chunk.missing, self.now)
            customers.update(created)
            result.customers_created += sum(1 for ref in chunk.missing if ref in created)
        return customers

    def write(self, chunk: _Staged, result: ImportResult) -> None:
        if not chunk.orders:
            return
        customers = self._customers(chunk, result)
        present = {
            key for key, _pk in key_pairs(Order._meta.db_table, "idempotency_key", "id", [o[0] for o in chunk.orders])
        }
        orders = [order for order in chunk.orders if order[0] not in present] if present else chunk.orders
        result.orders_existing += len(chunk.orders) - len(orders)
        if not orders:
            return
        ids = allocate_ids(Order, len(orders))
        if self.postgres:
            inserted, lines = self._write_postgresql(ids, orders, customers)
        else:
            inserted, lines = self._write_sqlite(ids, orders, customers)
        result.orders_created += len(inserted)
        result.lines_created += lines
        if self.options.apply_loyalty:
            by_id = dict(zip(ids, orders, strict=True))
            _apply_loyalty([(pk, by_id[pk], customers[by_id[pk][1]]) for pk in inserted], self.products, result)

    def _write_postgresql(
        self, ids: list[int], orders: list[StagedOrder], customers: dict[str, int]
    ) -> tuple[list[int], int]:
        order_text = self.order_text.format
        products = self.product_text
        no_product = self.no_product_text
        order_rows: list[str] = []
        line_rows: list[str] = []
        count = 0
        for pk, (key, ref, branch, channel, date, order_ref, lines) in zip(ids, orders, strict=True):
            placed_at, business_date = self._moment(date)
            total = subtotal = 0
            for product, quantity, unit_price, amount in lines:
                gross = quantity * unit_price
                total += amount
                subtotal += gross
                line_rows.append(
                    f"{pk}\t{products[product] if product is not None else no_product}\t{quantity}\t{unit_price}"
                    f"\t{gross - amount}\t{amount}\t0\t\\N\t\n"
                )
            count += len(lines)
            order_rows.append(
                order_text(
                    pk=pk,
                    customer=customers[ref],
                    branch=branch,
                    channel=channel,
                    placed_at=placed_at,
                    date=business_date,
                    subtotal=subtotal,
                    discount=subtotal - total,
                    total=total,
                    ref=copy_value(order_ref),
                    key=copy_value(key),
                )
            )
        inserted = _insert_orders(order_rows, ids)
        if len(inserted) < len(ids):  # another run inserted some of these orders meanwhile
            kept = set(inserted)
            line_rows = [row for row in line_rows if int(row.split("\t", 1)[0]) in kept]
            count = len(line_rows)
        copy_lines(OrderLine._meta.db_table, LINE_COLUMNS, line_rows)
        return inserted, count

    def _write_sqlite(
        self, ids: list[int], orders: list[StagedOrder], customers: dict[str, int]
    ) -> tuple[list[int], int]:
        order_rows = []
        lines_of: dict[int, list[tuple[Any, ...]]] = {}
        for pk, (key, ref, branch, channel, date, order_ref, lines) in zip(ids, orders, strict=True):
            placed_at, business_date = self._moment(date)
            total = sum(line[3] for line in lines)
            subtotal = sum(line[1] * line[2] for line in lines)
            order_rows.append(
                (
                    pk,
                    self.stamp,
                    self.stamp,
                    f"IMP-{pk}",
                    Order.Kind.SALE.value,
                    customers[ref],
                    branch,
                    channel,
                    Order.Status.FULFILLED.value,
                    placed_at,
                    business_date,
                    subtotal,
                    subtotal - total,
                    0,
                    self.zero_rate,
                    0,
                    total,
                    0,
                    0,
                    0,
                    0,
                    "",
                    None,
                    order_ref,
                    True,
                    key,
                    "",
                    self.actor.pk,
                )
            )
            lines_of[pk] = [
                (
                    pk,
                    *(self.product_values[product] if product is not None else self.no_product_values),
                    quantity,
                    unit_price,
                    quantity * unit_price - amount,
                    amount,
                    0,
                    None,
                    "",
                )
                for product, quantity, unit_price, amount in lines
            ]
        inserted = _insert_orders_sqlite(order_rows)
        line_rows = [row for pk in inserted for row in lines_of[pk]]
        _executemany(OrderLine._meta.db_table, LINE_COLUMNS, line_rows)
        return inserted, len(line_rows)


def _insert_orders(rows: list[str], ids: list[int]) -> list[int]:
    """PostgreSQL: COPY the orders straight into their table, the check having found none of their
    keys there. Should another run have inserted one since (a unique key then fails the COPY), the
    chunk falls back to a staging table and `INSERT … ON CONFLICT DO NOTHING`: an order present
    already wins. The ids actually inserted."""
    from psycopg.errors import UniqueViolation

    quote = connection.ops.quote_name
    table = quote(Order._meta.db_table)
    try:
        with transaction.atomic():
            copy_lines(Order._meta.db_table, ORDER_COLUMNS, rows)
        return ids
    except (IntegrityError, UniqueViolation):
        pass
    columns = ", ".join(quote(name) for name in ORDER_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE setia_order_import (LIKE {table} INCLUDING DEFAULTS)")
        copy_lines("setia_order_import", ORDER_COLUMNS, rows)
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM setia_order_import ORDER BY id "
            "ON CONFLICT DO NOTHING RETURNING id"
        )
        inserted = sorted(row[0] for row in cursor.fetchall())
        cursor.execute("DROP TABLE setia_order_import")
    return inserted


def _insert_orders_sqlite(rows: list[tuple[Any, ...]]) -> list[int]:
    """SQLite: the write lock is held from BEGIN IMMEDIATE, so the keys checked in the chunk's
    check cannot have appeared since; still, ON CONFLICT keeps a duplicate out."""
    keys = [row[ORDER_COLUMNS.index("idempotency_key")] for row in rows]
    present = set(Order.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", flat=True))
    fresh = [row for row, key in zip(rows, keys, strict=True) if key not in present]
    _executemany(Order._meta.db_table, ORDER_COLUMNS, fresh, on_conflict=True)
    return [row[0] for row in fresh]


def _executemany(table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]], on_conflict: bool = False) -> None:
    if not rows:
        return
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(table)} ({', '.join(quote(name) for name in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    ) + (" ON CONFLICT DO NOTHING" if on_conflict else "")
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def copy_rows(table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """PostgreSQL COPY of prepared rows into `table` (for loaders that know there is no conflict)."""
    copy_text(table, columns, rows)


def insert_rows(table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """One `executemany` INSERT of prepared rows (SQLite's bulk path)."""
    _executemany(table, columns, rows)


def copy_lines(table: str, columns: tuple[str, ...], lines: list[str]) -> None:
    """PostgreSQL: COPY rows already formatted as COPY text lines, sent in large blocks."""
    if not lines:
        return
    quote = connection.ops.quote_name
    sql = f"COPY {quote(table)} ({', '.join(quote(name) for name in columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for start in range(0, len(lines), 20_000):
            copy.write("".join(lines[start : start + 20_000]))


def _apply_loyalty(
    inserted: list[tuple[int, StagedOrder, int]], products: dict[int, Product], result: ImportResult
) -> None:
    """Points, cashback and tier progress for members' orders (order id, the staged order, the
    customer id), through loyalty's own service: one call per order, the slow path on purpose —
    rewards have rules a bulk path would copy."""
    members = set(
        Membership.objects.filter(
            customer_id__in={customer_id for _pk, _order, customer_id in inserted}, status=Membership.Status.ACTIVE
        ).values_list("customer_id", flat=True)
    )
    if not members:
        return
    people = Customer.objects.in_bulk(members)
    updates = []
    for pk, order, customer_id in inserted:
        if customer_id not in members:
            continue
        lines = order[6]
        cart = []
        for product_id, quantity, unit_price, amount in lines:
            product = products[product_id] if product_id is not None else None
            cart.append(
                CartLine(
                    product_id,
                    product.category_id if product else None,
                    quantity,
                    unit_price,
                    quantity * unit_price - amount,
                    product.name if product else "",
                )
            )
        rewards = purchase_recorded(
            actor=None,
            customer=people[customer_id],
            source=order_source(pk),
            paid=sum(line[3] for line in lines),
            lines=cart,
            at=dt.datetime.combine(order[4], dt.time(12), tzinfo=JAKARTA),
        )
        if rewards.points or rewards.cashback:
            updates.append((rewards.points, rewards.cashback, pk))
            result.points_earned += rewards.points
            result.cashback_earned += rewards.cashback
    if updates:
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {connection.ops.quote_name(Order._meta.db_table)} "
                "SET points_earned = %s, cashback_earned = %s WHERE id = %s",
                updates,
            )
