"""Importing customers from CSV/XLSX: map columns, check every row (dry run), then write in
batches as a background job.

Guarantees: a row that fails validation is never written; each batch is written in one
transaction together with the job's checkpoint, so an interrupted import resumes after the last
whole batch; matching on external id, phone or email makes a re-run of the same file in the same
mode change nothing.
"""

import contextlib
import datetime as dt
import fcntl
import functools
import gc
import hashlib
import itertools
import json
import logging
import marshal
import os
import select
import signal
import threading
import warnings
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from json.encoder import encode_basestring_ascii as _json_text
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from setia.accounts.models import Branch, User
from setia.accounts.selectors import branch_scope
from setia.core.audit import audit_event, audit_log
from setia.core.bulk import (
    allocate_ids,
    bulk_insert,
    hold_keys,
    key_pairs,
    refresh_statistics,
    row_checks_skippable,
    row_template,
    write_rows,
)
from setia.core.errors import ApplicationError
from setia.core.models import AuditEvent
from setia.core.phones import normalize_phone
from setia.core.texts import Message, choice_label, stored, stored_json
from setia.customers.custom_fields import active_definitions, convert_type, convert_value
from setia.customers.models import (
    Address,
    Customer,
    CustomerEmail,
    CustomerImport,
    CustomerPhone,
    District,
    ImportMapping,
    Province,
    Regency,
    Tag,
)
from setia.customers.name_search import indexing_in_bulk
from setia.customers.regions import RegencyNames
from setia.customers.tabular import COLUMNS, MAX_UPLOAD_BYTES, detect_format, read_rows
from setia.customers.text import search_key

logger = logging.getLogger(__name__)

BATCH = 1000  # rows checked together (one query per kind of match)
STAGE_CHUNK = 1000  # rows per record of the check's staged rows
# A CSV file this large (~25,000 rows) is parsed by two processes during the check
# (`_parsed_in_two`); a smaller one is checked in well under a second by one.
HELPER_MIN_BYTES = 2_000_000
HELPER_PATIENCE = 30.0  # seconds without a byte from the helper before this process parses alone
WRITE_BATCH = 5000  # rows written in one transaction with their checkpoint (PostgreSQL)
# SQLite: each batch rewrites every index page it touches into the write-ahead log, and new names
# land on random pages of the name indexes; at a million customers a batch of 5,000 touched
# nearly one page per row. Larger batches share pages (the write lock is held ~1-2 s per batch).
SQLITE_WRITE_BATCH = 20_000
# PostgreSQL: batches written at once, each on its own connection (the server's index and
# foreign-key work is most of the write, and it can use more than one core).
WRITERS = 2
MAX_ERRORS_KEPT = 1000
READ_ONLY = {"id", "member_number", "created_at"}
TARGETS = [column for column in COLUMNS if column not in READ_ONLY]
_ALIASES = {
    "nama": "name",
    "nama lengkap": "name",
    "full name": "name",
    "telepon": "phone",
    "hp": "phone",
    "no hp": "phone",
    "nomor hp": "phone",
    "phone number": "phone",
    "mobile": "phone",
    "whatsapp": "phone",
    "e-mail": "email",
    "surel": "email",
    "alamat": "address_line",
    "address": "address_line",
    "kota": "city",
    "kabupaten": "city",
    "kecamatan": "district",
    "provinsi": "province",
    "tanggal lahir": "birthday",
    "jenis kelamin": "gender",
    "pekerjaan": "occupation",
    "catatan": "notes",
    "cabang": "home_branch",
    "ref": "external_id",
    "customer_ref": "external_id",
    "kode pelanggan": "external_id",
}


def _imports_dir() -> Path:
    directory = Path(settings.MEDIA_ROOT) / "imports"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _shape(header: list[str]) -> str:
    return hashlib.sha256("\x1f".join(h.strip().lower() for h in header).encode()).hexdigest()


def available_targets() -> list[str]:
    return [*TARGETS, *(f"custom.{d.key}" for d in active_definitions())]


def suggest_mapping(header: list[str]) -> dict[str, str]:
    """The mapping used last time for this header, else columns matched by name."""
    remembered = ImportMapping.objects.filter(shape=_shape(header)).first()
    if remembered is not None:
        return dict(remembered.mapping)
    targets = set(available_targets())
    labels = {d.label.strip().lower(): f"custom.{d.key}" for d in active_definitions()}
    mapping: dict[str, str] = {}
    for index, title in enumerate(header):
        key = title.strip().lower()
        spaced = " ".join(key.replace("_", " ").replace("-", " ").split())  # tanggal_lahir, jenis-kelamin
        target = (
            key
            if key in targets
            else _ALIASES.get(key)
            or _ALIASES.get(spaced)
            or labels.get(key)
            or labels.get(spaced)
            or (f"custom.{key}" if f"custom.{key}" in targets else "")
        )
        if target and target not in mapping.values():
            mapping[str(index)] = target
    return mapping


# --- Upload and mapping ---------------------------------------------------------------------


@transaction.atomic
def import_upload(*, actor: User, uploaded: Any, mode: str) -> CustomerImport:
    """Store an uploaded file after checking its type, size and header. Nothing is imported yet."""
    from setia.accounts.selectors import require

    require(actor, "customers.import")
    if mode not in CustomerImport.Mode.values:
        message = _("Choose how to import.")
        raise ApplicationError(message, {"mode": [message]})
    if uploaded is None:
        message = _("Choose a file.")
        raise ApplicationError(message, {"file": [message]})
    if uploaded.size > MAX_UPLOAD_BYTES:
        message = _("The file is larger than 50 MB; split it into smaller files.")
        raise ApplicationError(message, {"file": [message]})
    head = uploaded.read(8)
    uploaded.seek(0)
    file_format = detect_format(uploaded.name, head)
    path = (
        _imports_dir()
        / f"{timezone.now():%Y%m%d%H%M%S}-{hashlib.sha1(uploaded.name.encode()).hexdigest()[:8]}.{file_format}"
    )
    with path.open("wb") as target:
        for chunk in uploaded.chunks():
            target.write(chunk)
    try:
        header = next(read_rows(path, file_format), None)
    except ApplicationError:
        path.unlink(missing_ok=True)
        raise
    except Exception as error:
        path.unlink(missing_ok=True)
        message = _("The file cannot be read as %(format)s.") % {"format": file_format.upper()}
        raise ApplicationError(message, {"file": [message]}) from error
    if not header:
        path.unlink(missing_ok=True)
        message = _("The file is empty.")
        raise ApplicationError(message, {"file": [message]})
    job = CustomerImport.objects.create(
        created_by=actor,
        original_name=uploaded.name[:255],
        stored_path=str(path),
        file_format=file_format,
        mode=mode,
        header=header,
        mapping=suggest_mapping(header),
    )
    audit_log(
        actor=actor,
        action="create",
        instance=job,
        message=Message(gettext_noop("Uploaded %(file)s"), {"file": uploaded.name[:200]}),
    )
    return job


@transaction.atomic
def import_set_mapping(*, actor: User, job: CustomerImport, mapping: dict[str, str], mode: str) -> CustomerImport:
    if job.status not in (CustomerImport.Status.UPLOADED, CustomerImport.Status.CHECKED):
        raise ApplicationError(_("This import has already started."))
    targets = set(available_targets())
    cleaned = {column: target for column, target in mapping.items() if target}
    unknown = [t for t in cleaned.values() if t not in targets]
    if unknown:
        message = _("Unknown column target: %(target)s") % {"target": unknown[0]}
        raise ApplicationError(message, {"mapping": [message]})
    if len(set(cleaned.values())) != len(cleaned):
        message = _("Two columns are mapped to the same field.")
        raise ApplicationError(message, {"mapping": [message]})
    if not {"name", "external_id", "phone", "email"} & set(cleaned.values()):
        message = _("Map at least the name, or a phone, email or external id to match customers by.")
        raise ApplicationError(message, {"mapping": [message]})
    if mode not in CustomerImport.Mode.values:
        raise ApplicationError(_("Choose how to import."), {"mode": [_("Choose how to import.")]})
    job.mapping, job.mode, job.status = cleaned, mode, CustomerImport.Status.CHECKING
    job.save(update_fields=["mapping", "mode", "status", "updated_at"])
    ImportMapping.objects.update_or_create(shape=_shape(job.header), defaults={"mapping": cleaned})
    return job


# --- Checking rows ----------------------------------------------------------------------------


@dataclass
class Row:
    number: int  # 1-based line in the file, header included
    cells: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    custom: dict[str, Any] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)
    # Business fields whose value is outside the field's limits, with the reason: allowed only if
    # the matched customer already holds that value (limits set later never refuse a kept value).
    beyond_limits: dict[str, str] = field(default_factory=dict)
    match_id: int | None = None


class RowChecker:
    """Turns raw cells into clean values, and finds the customer each row matches."""

    def __init__(self, job: CustomerImport) -> None:
        self.job = job
        self.actor: User = job.created_by
        self.scope = branch_scope(self.actor)
        self.definitions = {d.key: d for d in active_definitions()}
        self.columns = {int(index): target for index, target in job.mapping.items()}
        self.branches = {b.code.lower(): b for b in Branch.objects.all()}
        self.owners = {u.username.lower(): u for u in User.objects.filter(is_active=True)}
        self.regencies = {search_key(r.name): r for r in Regency.objects.all()}
        self.regency_names = RegencyNames(self.regencies.values())
        self.districts: dict[tuple[str, str], District] = {}
        self.seen: dict[str, int] = {}  # match keys already used by an earlier row of this file
        # For rows read back from the check's staging file, which holds ids instead of objects.
        self.by_id: dict[str, dict[Any, Any]] = {
            "home_branch": {b.pk: b for b in self.branches.values()},
            "owner": {u.pk: u for u in self.owners.values()},
            "regency": {r.pk: r for r in self.regencies.values()},
        }

    def parse(self, number: int, cells: list[str]) -> Row:
        row = Row(number, cells)
        raw = {target: (cells[index] if index < len(cells) else "") for index, target in self.columns.items()}
        for target, value in raw.items():
            if value == "":
                continue
            try:
                self._set(row, target, value)
            except ValueError as error:
                row.errors.append((target, str(error)))
            except ApplicationError as error:
                row.errors.append((target, error.message))
        return row

    def _set(self, row: Row, target: str, value: str) -> None:
        if target in ("phone", "phone_2", "phone_3"):
            row.phones.append(_normalize_phone(value, target))
        elif target in ("email", "email_2"):
            try:
                validate_email(value)
            except ValidationError as error:
                raise ValueError(_("“%(value)s” is not an email address.") % {"value": value}) from error
            row.emails.append(value.lower())
        elif target.startswith("custom."):
            key = target[7:]
            try:
                row.custom[key] = convert_value(self.definitions[key], value)
            except ValueError as error:
                row.custom[key] = convert_type(self.definitions[key], value)  # a wrong type: its own error
                row.beyond_limits[key] = str(error)  # decided once the row's customer is known (`finish`)
        elif target == "birthday":
            row.values["birthday"] = convert_value(_DATE, value)
        elif target in ("kind", "gender", "preferred_language", "preferred_channel", "source", "address_label"):
            row.values[target] = self._choice(target, value)
        elif target == "home_branch":
            branch = self.branches.get(value.lower())
            if branch is None:
                raise ValueError(_("no branch with code %(code)s") % {"code": value})
            if not self.scope.allows(branch.pk):
                raise ValueError(_("you cannot add customers to branch %(code)s") % {"code": value})
            row.values["home_branch"] = branch
        elif target == "owner":
            owner = self.owners.get(value.lower())
            if owner is None:
                raise ValueError(_("no active staff member %(username)s") % {"username": value})
            row.values["owner"] = owner
        elif target == "city":
            row.values["regency"] = self.regency_names.find(value)
        elif target in ("tags", "interests"):
            row.values[target] = [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
        else:
            row.values[target] = value

    def _choice(self, target: str, value: str) -> str:
        field_name = "label" if target == "address_label" else target
        model = Address if target == "address_label" else Customer
        choices = dict(model._meta.get_field(field_name).choices or [])  # type: ignore[union-attr]
        for key, label in choices.items():
            if value.lower() in (str(key).lower(), str(label).lower()):
                return str(key)
        raise ValueError(
            _("“%(value)s” is not one of: %(choices)s") % {"value": value, "choices": ", ".join(map(str, choices))}
        )

    def finish(self, rows: list[Row]) -> None:
        """Row-independent checks for one batch: duplicates in the file, matches in the database."""
        external_ids = [r.values["external_id"] for r in rows if r.values.get("external_id")]
        phones = [p for r in rows for p in r.phones]
        emails = [e for r in rows for e in r.emails]
        # A merged-away customer keeps no phones, emails or external id, so no join is needed
        # (a join on customers here made each batch scan the growing table).
        by_external = dict(key_pairs(Customer._meta.db_table, "external_id", "id", external_ids))
        by_phone: dict[str, int] = {}
        for number, pk in key_pairs(CustomerPhone._meta.db_table, "number", "customer_id", phones):
            by_phone.setdefault(number, pk)
        by_email: dict[str, int] = {}
        for email, pk in key_pairs(CustomerEmail._meta.db_table, "email", "customer_id", emails):
            by_email.setdefault(email, pk)
        seen = self.seen
        mode = self.job.mode
        required = [d.label for d in self.definitions.values() if d.required]
        matched: list[tuple[Row, int]] = []  # rows that match a customer when only new ones may come
        for row in rows:
            # Each match key of the row, with the row that used it first (maybe this one): the
            # first key an earlier row used makes this row a duplicate (one dict call per key).
            line = row.number
            external = row.values.get("external_id")
            earlier = seen.setdefault(f"x:{external}", line) if external else line
            for phone in row.phones:
                first = seen.setdefault(f"p:{phone}", line)
                if earlier == line:
                    earlier = first
            for email in row.emails:
                first = seen.setdefault(f"e:{email}", line)
                if earlier == line:
                    earlier = first
            if earlier != line:
                row.errors.append(("", _("duplicate of row %(row)s in this file") % {"row": earlier}))
            match = by_external.get(external) if external else None
            if match is None:
                for phone in row.phones:
                    if phone in by_phone:
                        match = by_phone[phone]
                        break
            if match is None:
                for email in row.emails:
                    if email in by_email:
                        match = by_email[email]
                        break
            row.match_id = match
            if mode == CustomerImport.Mode.CREATE and match:
                matched.append((row, match))
            elif mode == CustomerImport.Mode.UPDATE and not match:
                row.errors.append(("", _("no existing customer matches (external id, phone or email)")))
            if not match and not row.values.get("name"):
                row.errors.append(("name", _("a new customer needs a name")))
            if required and not match and mode != CustomerImport.Mode.UPDATE:
                missing = [d.label for d in self.definitions.values() if d.required and d.key not in row.custom]
                if missing:
                    row.errors.append(("custom", _("required: %(fields)s") % {"fields": ", ".join(missing)}))
            if match and not self.scope.all_branches:
                branch_id = Customer.objects.filter(pk=match).values_list("home_branch_id", flat=True).first()
                if not self.scope.allows(branch_id):
                    row.errors.append(("", _("matches a customer of another branch")))
        self._name_matches(matched)
        self._limits(rows)

    def _name_matches(self, matched: list[tuple["Row", int]]) -> None:
        """ "matches existing customer Ayu Lestari (#7)": by name, one query for the batch; a
        customer of a branch the importer cannot see by number only."""
        if not matched:
            return
        found = Customer.objects.filter(pk__in={pk for _row, pk in matched}).values_list("pk", "name", "home_branch_id")
        names = {pk: name for pk, name, branch_id in found if self.scope.allows(branch_id)}
        for row, pk in matched:
            if pk in names:
                message = _("matches existing customer %(name)s (#%(id)s)") % {"name": names[pk], "id": pk}
            else:
                message = _("matches existing customer #%(id)s") % {"id": pk}
            row.errors.append(("", message))

    def _limits(self, rows: list[Row]) -> None:
        """A business field's value outside its limits is refused, unless the row updates a
        customer who holds that very value (e.g. a file exported before the limits were set, sent
        back unchanged): the form and the API keep such a value in the same way."""
        beyond = [row for row in rows if row.beyond_limits]
        if not beyond:
            return
        matched = [row.match_id for row in beyond if row.match_id]
        held = dict(Customer.objects.filter(pk__in=matched).values_list("pk", "custom")) if matched else {}
        for row in beyond:
            kept = held.get(row.match_id, {}) if row.match_id else {}
            for key, message in row.beyond_limits.items():
                if key not in kept or kept[key] != row.custom[key]:
                    row.errors.append((f"custom.{key}", message))


def _search_key(name: str) -> str:
    """`search_key`, with a short way for plain ASCII names (most of a file), which have no accents
    to remove and for which lower() and casefold() agree."""
    return " ".join(name.lower().split()) if name.isascii() else search_key(name)


@functools.lru_cache(maxsize=100_000)
def _normalize_phone(value: str, target: str) -> str:
    """`normalize_phone`, remembered: files repeat numbers (a household, a company's switchboard),
    and parsing one costs ~25 µs. Errors are not cached (they are rare and carry the message)."""
    return normalize_phone(value, field=target)


class _DateDefinition:
    field_type = "date"
    choices: list[str] = []


_DATE: Any = _DateDefinition()


def stage_path(job: CustomerImport) -> Path:
    """The check's parsed rows, for the import to read back instead of validating the file a second
    time; present only once the check has staged the whole file (`_Stage`)."""
    return Path(f"{job.stored_path}.checked")


_OBJECT_VALUES = ("home_branch", "owner", "regency")


class _Stage:
    """Writes the check's parsed rows (clean values, E.164 phones, converted custom fields, or
    their errors) in `marshal` records of `STAGE_CHUNK` rows, each led by its length, to a file
    that takes `stage_path`'s name only when the check has finished.

    `marshal`, not JSON lines: reading a row back cost ~5 µs as JSON, about a seventh of the whole
    import's work per row at 200,000 rows. The file is the application's own (written by this
    check, read by this job's import), never a user's: the values are the plain types JSON had."""

    def __init__(self, job: CustomerImport) -> None:
        self.path = stage_path(job)
        self.path.unlink(missing_ok=True)  # an earlier check's rows: this check replaces them
        self.partial = self.path.with_name(self.path.name + ".part")
        self.handle = self.partial.open("wb")
        self.records: list[tuple[Any, ...]] = []

    def add(self, row: Row) -> None:
        self.records.append(_record(row))
        if len(self.records) >= STAGE_CHUNK:
            self._flush()

    def add_blob(self, blob: bytes) -> None:
        """A record already made (`marshal.dumps` of `_record`s), e.g. by the check's helper."""
        self._flush()
        self.handle.write(len(blob).to_bytes(8, "little") + blob)

    def _flush(self) -> None:
        if self.records:
            blob = marshal.dumps(self.records)
            self.handle.write(len(blob).to_bytes(8, "little") + blob)
            self.records = []

    def close(self, complete: bool) -> None:
        if complete:
            self._flush()
        self.handle.close()
        if complete:
            self.partial.replace(self.path)
        else:
            self.partial.unlink(missing_ok=True)


def _record(row: Row) -> tuple[Any, ...]:
    """A parsed row as the stage holds it: plain values, ids for the objects it names."""
    values = {
        key: (value.pk if key in _OBJECT_VALUES else value) for key, value in row.values.items() if value is not None
    }
    # The row's errors as they are now: the batch's checks add theirs after this (duplicates,
    # matches), and the import makes those again; a chunk written later must not hold them.
    return (row.number, row.cells, values, row.phones, row.emails, row.custom, list(row.errors), row.beyond_limits)


def _row(record: tuple[Any, ...], by_id: dict[str, dict[Any, Any]]) -> Row:
    """A staged record back as a row, with the objects its ids name (`RowChecker.by_id`)."""
    row = Row(*record)
    values = row.values
    for key in _OBJECT_VALUES:
        if key in values:
            found = by_id[key].get(values[key])
            if found is None:  # e.g. the staff member was deactivated after the check
                row.errors.append((key, _("no longer available; check the file again")))
            values[key] = found
    return row


def _staged_rows(path: Path, checker: RowChecker, start_after: int) -> Iterator[Row]:
    by_id = checker.by_id
    seen = 0
    with path.open("rb") as handle:
        while head := handle.read(8):
            records = marshal.loads(handle.read(int.from_bytes(head, "little")))
            skip, seen = max(0, start_after - seen), seen + len(records)
            for record in records[skip:]:
                yield _row(record, by_id)


def _parsed_rows(
    job: CustomerImport, checker: RowChecker, start_after: int, stage: _Stage | None = None
) -> Iterator[Row]:
    """Rows after the first `start_after`, parsed: from the check's staged rows when it staged the
    whole file, else from the file itself (during the check, or for a job checked before staging
    existed). With `stage` (the check) each parsed row is staged as well; a large CSV file is then
    parsed by two processes (`_parsed_in_two`)."""
    staged = stage_path(job)
    if job.status == CustomerImport.Status.IMPORTING and staged.exists():
        yield from _staged_rows(staged, checker, start_after)
        return
    if stage is not None and _helper_pays(job):
        yield from _parsed_in_two(job, checker, stage)
        return
    for index, cells in enumerate(read_rows(Path(job.stored_path), job.file_format)):
        if index == 0 or index <= start_after:
            continue  # the header, or a row already written (resume)
        row = checker.parse(index + 1, cells)
        if stage is not None:
            stage.add(row)
        yield row


def _helper_pays(job: CustomerImport) -> bool:
    """Whether the check forks a helper to parse with: a CSV file of `HELPER_MIN_BYTES` or more,
    where processes can fork. An XLSX file is not: each process would read the whole workbook,
    which costs more than its rows' parse."""
    return hasattr(os, "fork") and job.file_format == "csv" and Path(job.stored_path).stat().st_size >= HELPER_MIN_BYTES


def _chunks(job: CustomerImport) -> Iterator[list[tuple[int, list[str]]]]:
    """The file's rows after the header, numbered as `_parsed_rows` numbers them, `STAGE_CHUNK` at
    a time."""
    rows = enumerate(read_rows(Path(job.stored_path), job.file_format), start=1)
    next(rows, None)  # the header
    while chunk := list(itertools.islice(rows, STAGE_CHUNK)):
        yield chunk


def _helpers(chunk: int) -> bool:
    """The helper parses three chunks of every four: this process also reads every row back,
    stages it and runs the batch checks (duplicates, matches), so it parses less (measured at
    250,000 rows: about 100,000 rows/s, against ~93,000 with two of three and ~96,000 with four
    of five)."""
    return chunk % 4 != 0


def _parsed_in_two(job: CustomerImport, checker: RowChecker, stage: _Stage) -> Iterator[Row]:
    """The check's rows in file order, parsed by this process and a helper forked from it, chunk by
    chunk in turn (`_helpers`): a row's parse (phones, emails, dates, choices, business fields) is
    independent of every other row and is most of the check's work, so a large file is checked in
    about half the time on two cores.

    The helper reads the file too, parses its chunks and sends each as one staged record (`marshal`
    of `_record`s) through a pipe, in file order. It never touches the database or a lock another
    thread of this process may hold (a process that serves jobs has the connection pool's threads;
    the locks the helper does take — imports, logging, the allocator's — are made anew in a forked
    child by Python and the C library), and it ends with `os._exit`: nothing of this process's
    (connections, open files) is closed or flushed by it. This process writes each record to the
    stage as it came and rebuilds its rows (`_row`) for the batch checks, which stay here.
    If the helper stops, sends something short, or sends nothing for `HELPER_PATIENCE` seconds, it
    is stopped and this process parses the rest itself: the rows are the same either way (tested)."""
    read_end, write_end = os.pipe()
    with contextlib.suppress(OSError):  # a larger pipe: the helper may run a few chunks ahead
        fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 1 << 20)
    with warnings.catch_warnings():
        # "use of fork() may lead to deadlocks in the child": not with what the helper does (above).
        warnings.filterwarnings("ignore", "This process .* is multi-threaded", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the helper
        os.close(read_end)
        code = 1
        try:
            with open(write_end, "wb") as pipe:
                for index, chunk in enumerate(_chunks(job)):
                    if _helpers(index):
                        blob = marshal.dumps([_record(checker.parse(number, cells)) for number, cells in chunk])
                        pipe.write(len(blob).to_bytes(8, "little") + blob)
                        pipe.flush()
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    helping = True
    try:
        for index, chunk in enumerate(_chunks(job)):
            if helping and _helpers(index):
                received = _receive(read_end)
                if received is not None:
                    stage.add_blob(received)
                    by_id = checker.by_id
                    for record in marshal.loads(received):
                        yield _row(record, by_id)
                    continue
                logger.warning("customer import %s: the check's helper stopped; parsing here", job.pk)
                helping = False
                _stop(pid)
            for number, cells in chunk:
                row = checker.parse(number, cells)
                stage.add(row)
                yield row
    finally:
        os.close(read_end)
        _stop(pid)  # done already, unless the check stopped part way: its work is not wanted
        os.waitpid(pid, 0)


def _stop(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _receive(pipe: int) -> bytes | None:
    """The helper's next record, or None if it stopped, or sent nothing for `HELPER_PATIENCE`
    seconds, before sending all of it."""
    head = _read(pipe, 8)
    return _read(pipe, int.from_bytes(head, "little")) if head is not None else None


def _read(pipe: int, size: int) -> bytes | None:
    waiting = select.poll()  # not select(): a worker that has run long may hold descriptors past 1024
    waiting.register(pipe, select.POLLIN)
    parts = []
    while size:
        ready = waiting.poll(HELPER_PATIENCE * 1000)
        part = os.read(pipe, min(size, 1 << 20)) if ready else b""
        if not part:
            return None
        parts.append(part)
        size -= len(part)
    return b"".join(parts)


def _batches(
    job: CustomerImport, checker: RowChecker, start_after: int = 0, stage: _Stage | None = None, size: int = BATCH
) -> Iterator[list[Row]]:
    """Rows in batches; `start_after` skips rows already written (resume). With `stage` (during the
    check) each parsed row is also staged before the batch checks add theirs: those (duplicates
    in the file, matches in the database) are made again when importing."""
    batch: list[Row] = []
    for row in _parsed_rows(job, checker, start_after, stage):
        batch.append(row)
        if len(batch) >= size:
            checker.finish(batch)
            yield batch
            batch = []
    if batch:
        checker.finish(batch)
        yield batch


def column_title(job: CustomerImport, target: str) -> str:
    """What the file calls the column mapped to `target` (its header), for messages about it; ""
    for a problem of the whole row. A business field's required values: its label."""
    for index, mapped in job.mapping.items():
        if mapped == target and int(index) < len(job.header):
            return job.header[int(index)]
    if target == "custom":
        return _("business fields")
    return target


def report_path(job: CustomerImport) -> Path:
    return Path(f"{job.stored_path}.report.csv")


class _Report:
    """The rows that were not (or would not be) imported, as in the file, with the reasons."""

    def __init__(self, job: CustomerImport, append: bool = False) -> None:
        import csv

        exists = append and report_path(job).exists()
        self.job = job
        self.handle = report_path(job).open("a" if exists else "w", encoding="utf-8", newline="")
        self.writer = csv.writer(self.handle)
        if not exists:
            self.writer.writerow([*job.header, _("row"), _("problem")])

    def add(self, row: Row) -> None:
        from setia.customers.tabular import escape_cell

        reasons = "; ".join(
            f"{column_title(self.job, target)}: {message}" if target else message for target, message in row.errors
        )
        self.writer.writerow([escape_cell(cell) for cell in row.cells] + [row.number, reasons])

    def close(self) -> None:
        self.handle.close()


def import_check(job_id: int) -> CustomerImport:
    """The dry run: count and list every bad row with its reason. Writes nothing but the job."""
    job = CustomerImport.objects.select_related("created_by").get(pk=job_id)
    checker = RowChecker(job)
    total = valid = invalid = 0
    errors: list[list[Any]] = []
    report = _Report(job)
    stage = _Stage(job)
    complete = False
    try:
        with _long_lived_frozen():
            for batch in _batches(job, checker, stage=stage):
                for row in batch:
                    total += 1
                    if row.errors:
                        invalid += 1
                        report.add(row)
                        if len(errors) < MAX_ERRORS_KEPT:
                            errors.extend([row.number, target, message] for target, message in row.errors)
                    else:
                        valid += 1
                CustomerImport.objects.filter(pk=job.pk).update(total_rows=total, updated_at=timezone.now())
        complete = True
    finally:
        report.close()
        stage.close(complete)
    CustomerImport.objects.filter(pk=job.pk).update(
        total_rows=total,
        valid_rows=valid,
        invalid_rows=invalid,
        errors=errors[:MAX_ERRORS_KEPT],
        status=CustomerImport.Status.CHECKED,
    )
    job.refresh_from_db()
    return job


# --- Writing ------------------------------------------------------------------------------------


@transaction.atomic
def import_confirm(*, actor: User, job: CustomerImport, skip_invalid: bool) -> CustomerImport:
    if job.status != CustomerImport.Status.CHECKED:
        raise ApplicationError(_("Check the file first."))
    if job.invalid_rows and not skip_invalid:
        message = _("%(count)s rows have errors. Fix the file, or choose to import only the valid rows.") % {
            "count": job.invalid_rows
        }
        raise ApplicationError(message, {"skip_invalid": [message]})
    job.skip_invalid, job.status = skip_invalid, CustomerImport.Status.IMPORTING
    job.save(update_fields=["skip_invalid", "status", "updated_at"])
    audit_log(
        actor=actor,
        action="update",
        instance=job,
        message=Message(
            gettext_noop("Import started (%(mode)s)"), {"mode": choice_label(CustomerImport.Mode(job.mode).label)}
        ),
    )
    return job


def import_run(job_id: int) -> CustomerImport:
    """Write the valid rows, batch by batch, each batch with its checkpoint in one transaction."""
    job = CustomerImport.objects.select_related("created_by").get(pk=job_id)
    if job.status == CustomerImport.Status.DONE:
        return job
    checker = RowChecker(job)
    report = _Report(job, append=job.processed_rows > 0)  # the skipped rows, rewritten by the run itself
    with _few_checkpoints(), _long_lived_frozen():
        _run_batches(job, checker, report)
    report.close()
    stage_path(job).unlink(missing_ok=True)
    refresh_statistics(Customer, CustomerPhone, CustomerEmail, Address, AuditEvent)
    CustomerImport.objects.filter(pk=job.pk).update(status=CustomerImport.Status.DONE, finished_at=timezone.now())
    job.refresh_from_db()
    audit_log(
        actor=job.created_by,
        action="update",
        instance=job,
        message=Message(
            gettext_noop("Import done: %(created)s created, %(updated)s updated, %(skipped)s skipped"),
            {"created": job.created_count, "updated": job.updated_count, "skipped": job.skipped_count},
        ),
    )
    return job


@contextlib.contextmanager
def _long_lived_frozen() -> Iterator[None]:
    """Python's cycle collector skips the objects that exist when the import starts (the
    framework's, the modules': hundreds of thousands) until it ends (`gc.freeze`/`unfreeze`).
    An import allocates a few containers per row, so collections run every few hundred rows,
    and the older ones walked all of those objects each time: measured ~9 µs of the SQLite write's
    ~60 µs of CPU per row. The collector keeps running on what the import itself allocates.
    A process that had frozen its startup objects (a server worker, `core.asgi`) gets them frozen
    again afterwards: `unfreeze` releases everything, not only what this froze.

    And the youngest generation is collected after 100,000 new containers instead of 700: a batch
    keeps its rows alive until it is written, so each early collection walked them only to find
    them still in use and passed them on to the next generation, then that one (measured: ~12% of
    the write pass's samples, ~10% of the check's, in `gc_collect_main`)."""
    frozen_before = gc.get_freeze_count()
    gc.freeze()
    thresholds = gc.get_threshold()
    gc.set_threshold(100_000, 50, 50)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
        if frozen_before:
            gc.collect()
            gc.freeze()


@contextlib.contextmanager
def _few_checkpoints() -> Iterator[None]:
    """SQLite: let the write-ahead log grow to ~256 MB before copying it into the database, instead
    of after 4 MB. Consecutive batches touch many of the same index pages, which are
    then written once instead of once per batch (measured: the commits were ~15% of the write
    time at 220k customers). And a page cache of 256 MB instead of 2 MB for the import's
    connection: the customer indexes of a million customers do not fit in 2 MB, and every insert
    lands on a random page of the name indexes."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        before = cursor.fetchone()[0]
        cursor.execute("PRAGMA cache_size")
        cache = cursor.fetchone()[0]
        cursor.execute("PRAGMA foreign_keys")
        foreign_keys = cursor.fetchone()[0]
        cursor.execute("PRAGMA wal_autocheckpoint = 65536")
        cursor.execute("PRAGMA cache_size = -262144")
        cursor.execute("PRAGMA temp_store")
        temp_store = cursor.fetchone()[0]
        # Each multi-row INSERT keeps a statement journal (the pages it changes, as they were, to
        # undo the statement alone); past 64 KB SQLite writes it to a temporary file, and 250
        # customers touch a few hundred index pages. In memory instead (measured: the journal's
        # file writes were ~20% of the write pass's samples). Outside a transaction only.
        outside = not connection.in_atomic_block
        if outside:
            cursor.execute("PRAGMA temp_store = MEMORY")
        # Per-row foreign-key lookups cost ~10 µs per imported customer (phones, emails and
        # addresses point at customers, addresses at regions); each batch checks the rows it
        # refers to once instead (`_check_references`). Outside a transaction only (a no-op inside).
        cursor.execute("PRAGMA foreign_keys = OFF")
        try:
            yield
        finally:
            cursor.execute(f"PRAGMA wal_autocheckpoint = {int(before)}")
            cursor.execute(f"PRAGMA cache_size = {int(cache)}")
            if outside:
                cursor.execute(f"PRAGMA temp_store = {int(temp_store)}")
            cursor.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")


def _run_batches(job: CustomerImport, checker: RowChecker, report: "_Report") -> None:
    size = WRITE_BATCH if connection.vendor == "postgresql" else SQLITE_WRITE_BATCH
    batches = _batches(job, checker, start_after=job.processed_rows, size=size)
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        _run_pipelined(job, batches, report)
        return
    for batch in batches:
        _report_skipped(batch, report)
        _write_and_checkpoint(job, batch)


def _report_skipped(batch: list[Row], report: "_Report") -> None:
    for row in batch:
        if row.errors:
            report.add(row)
    report.handle.flush()


def _write_and_checkpoint(job: CustomerImport, batch: list[Row], previous: Future[None] | None = None) -> None:
    """One batch and the job's checkpoint, in one transaction. With `previous` (the batch before,
    written at the same time on another connection), the new customers are inserted first, then
    this transaction waits for that batch to commit before it touches existing customers (updates)
    or the checkpoint: commits stay in file order, and a failed batch rolls back the one after it."""
    with transaction.atomic():
        _commit_without_waiting()
        _turn.previous = previous
        try:
            counts = _write_batch(job, [row for row in batch if not row.errors])
            _wait_for_previous()
        finally:
            _turn.previous = None
        CustomerImport.objects.filter(pk=job.pk).update(
            processed_rows=F("processed_rows") + len(batch),
            created_count=F("created_count") + counts["created"],
            updated_count=F("updated_count") + counts["updated"],
            unchanged_count=F("unchanged_count") + counts["unchanged"],
            skipped_count=F("skipped_count") + sum(1 for row in batch if row.errors),
            updated_at=timezone.now(),
        )


_turn = threading.local()  # the writer thread's `previous` batch, while it writes one


def _wait_for_previous() -> None:
    """Block until the batch before this one is committed; raise its error if it failed."""
    previous = getattr(_turn, "previous", None)
    if previous is not None:
        previous.result()
        _turn.previous = None


def _run_pipelined(job: CustomerImport, batches: Iterator[list[Row]], report: "_Report") -> None:
    """PostgreSQL: `WRITERS` threads, each with its own connection, write consecutive batches at
    the same time while this thread reads and checks the next one, so the server's work (indexes,
    foreign-key checks) uses more than one core and overlaps ours. Each batch waits for the one
    before it to commit before its own checkpoint (`_write_and_checkpoint`), so the checkpoint still
    means "every row before it is written", and an interrupted import resumes exactly.

    Checking batch N+2 before N and N+1 are committed matches the same customers: a row that names
    one of their new customers (same external id, phone or email) is a duplicate within the file,
    which the checker finds without the database. Tags are created before a batch is handed over
    (committed on their own), so two batches never both create the same tag. Not inside a
    caller's transaction: another connection could not see what it has not committed."""
    started = threading.Barrier(WRITERS)

    def close() -> None:
        started.wait(timeout=60)  # one close per writer thread: each waits until all have one
        connection.close()  # the writer thread's own connection

    tag_cache: dict[tuple[str, str], int] = {}
    with ThreadPoolExecutor(max_workers=WRITERS, thread_name_prefix="customer-import") as writers:
        in_flight: deque[Future[None]] = deque()
        previous: Future[None] | None = None
        try:
            for batch in batches:
                while len(in_flight) >= WRITERS:
                    in_flight.popleft().result()  # a writer is free (or the error is raised here)
                _report_skipped(batch, report)
                _create_tags(batch, tag_cache)
                previous = writers.submit(_write_and_checkpoint, job, batch, previous)
                in_flight.append(previous)
            while in_flight:
                in_flight.popleft().result()
        finally:
            closing = [writers.submit(close) for _ in range(WRITERS)]
            for future in closing:
                future.result()


def _create_tags(batch: list[Row], cache: dict[tuple[str, str], int]) -> None:
    """The batch's tags, created now if new (each committed on its own, outside the batch)."""
    for row in batch:
        if not row.errors and ("tags" in row.values or "interests" in row.values):
            _tag_ids(row.values.get("tags", []), "label", cache)
            _tag_ids(row.values.get("interests", []), "interest", cache)


def _commit_without_waiting() -> None:
    """PostgreSQL: this transaction's commit does not wait for its log to reach the disk (measured:
    a third of the write pass went to those waits). A crash may then lose the last few batches,
    never part of one: each batch and its checkpoint are one transaction, so a resumed import
    writes exactly the batches that were lost. Other writes keep the server's setting."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


def _tag_ids(names: list[str], kind: str, cache: dict[tuple[str, str], int]) -> list[int]:
    ids = []
    for name in names:
        key = (kind, name.lower())
        if key not in cache:
            tag = Tag.objects.filter(kind=kind, name__iexact=name).first() or Tag.objects.create(
                kind=kind, name=name[:60]
            )
            cache[key] = tag.pk
        ids.append(cache[key])
    return ids


PROFILE_FIELDS = [
    "kind",
    "name",
    "birthday",
    "gender",
    "occupation",
    "preferred_language",
    "preferred_channel",
    "source",
    "external_id",
    "notes",
    "home_branch",
    "owner",
]


def _write_batch(job: CustomerImport, rows: list[Row]) -> dict[str, int]:
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    now = timezone.now()
    actor = job.created_by
    tag_cache: dict[tuple[str, str], int] = {}
    new_rows = [row for row in rows if not row.match_id]
    # The batch's references checked once per table instead of once per row (see
    # `_check_references`): SQLite always (its connection writes with foreign keys off);
    # PostgreSQL when the per-row checks may be skipped, for the new customers' rows.
    checked = connection.vendor == "sqlite" or row_checks_skippable(*_INSERTED)
    if checked:
        _create_tags(rows, tag_cache)  # the tag ids, so that the check can hold them too
        _check_references(job, rows, tag_cache)
    _insert_new(job, new_rows, now, tag_cache, skip_row_checks=checked and connection.vendor == "postgresql")
    counts["created"] = len(new_rows)
    events: list[AuditEvent] = []
    if any(row.match_id for row in rows):
        _wait_for_previous()  # existing customers are touched in file order only (no lock cycles)
    for row in rows:
        if row.match_id:
            changed = _update_existing(row, actor, PROFILE_FIELDS, tag_cache, now, events, job)
            counts["updated" if changed else "unchanged"] += 1
    bulk_insert(events)
    return counts


def _check_references(job: CustomerImport, rows: list[Row], tag_cache: dict[tuple[str, str], int]) -> None:
    """Each batch checks, in one query per table, that every branch, staff member, region and tag
    its rows name still exists, and keeps them until it commits; a missing one fails the batch
    (`IntegrityError`, as the per-row check would at commit) and nothing of it is written.

    SQLite: the import writes with foreign-key enforcement off (`_few_checkpoints`); the batch
    holds the database's write lock until it commits, so they cannot disappear before then.
    PostgreSQL (when `row_checks_skippable`): they are locked `FOR KEY SHARE`, the lock the per-row
    checks take, and the new customers' rows are then written without those checks.
    Either way the customers its phones, emails, addresses and tags point at are the ones it has
    just inserted (or, on SQLite, the matched ones it reads under the same lock; on PostgreSQL
    the matched customers' rows keep the per-row checks)."""
    actor = job.created_by
    wanted: dict[type[Any], set[Any]] = {
        Branch: {actor.branch_id} - {None},
        User: {actor.pk},
        Regency: set(),
        Province: set(),
        Tag: set(tag_cache.values()),
    }
    # Distinct objects first (a file names a few branches, staff and cities many times over).
    for key, model in (("home_branch", Branch), ("owner", User), ("regency", Regency)):
        found = {id(value): value for row in rows if (value := row.values.get(key)) is not None}
        wanted[model].update(value.pk for value in found.values())
        if model is Regency:
            wanted[Province].update(value.province_id for value in found.values())
    for model, keys in wanted.items():
        if connection.vendor == "postgresql":
            present = hold_keys(model, keys)
        else:
            present = not keys or model._default_manager.filter(pk__in=keys).count() == len(keys)
        if not present:
            raise IntegrityError(f"{model._meta.label}: a row this import refers to no longer exists")


@contextlib.contextmanager
def _without_row_checks(skip: bool) -> Iterator[None]:
    """PostgreSQL: the block's inserts skip the per-row foreign-key checks (`session_replication_role
    = replica`, for this transaction only, reset after the block); their parents were checked and
    locked for the whole batch first (`_check_references`). About a third of the server's work per
    imported customer: home branch, owner, and each phone's, email's and address's customer, the
    address's regency and province."""
    if not skip:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        yield
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")


def _insert_new(
    job: CustomerImport,
    rows: list[Row],
    now: dt.datetime,
    tag_cache: dict[tuple[str, str], int],
    skip_row_checks: bool = False,
) -> None:
    """New customers with their phones, emails, address and tags, as rows of stored values sent in
    one COPY/executemany per table (no model instances, no per-row SQL), and one audit event for
    the whole batch: it names the import and the ids it created (see `imported_event`). With
    `skip_row_checks` (PostgreSQL, the batch's parents already held), without per-row foreign-key
    checks (`_without_row_checks`)."""
    if not rows:
        return
    actor = job.created_by
    stamp = connection.ops.adapt_datetimefield_value(now)
    default_branch = actor.branch_id if not branch_scope(actor).all_branches else None
    template = row_template(Customer)
    source = Customer.Source.IMPORT.value
    label = Address.Label.HOME.value
    # A column the file does not map has the same value in every row: it goes to the database as
    # a constant of the batch (`write_rows`), not value by value in each row (measured: the seven
    # profile columns alone cost ~2 µs a row to build, format and send). Values come only from
    # mapped columns, so a row never has one the mapping does not name.
    mapped = set(job.mapping.values())
    varying = [(key, default) for key, default in (("source", source), *_profile(template)) if key in mapped]
    with_branch, with_owner = "home_branch" in mapped, "owner" in mapped
    with_label, with_landmark = "address_label" in mapped, "address_landmark" in mapped
    customers: list[tuple[Any, ...]] = []
    phones: list[tuple[Any, ...]] = []
    emails: list[tuple[Any, ...]] = []
    addresses: list[tuple[Any, ...]] = []
    tag_links: list[tuple[Any, ...]] = []
    ids = allocate_ids(Customer, len(rows))
    for row, pk in zip(rows, ids, strict=True):
        values = row.values
        get = values.get
        name = values["name"]
        customer: tuple[Any, ...] = (
            pk,
            name,
            _search_key(name),
            get("external_id") or None,
            _json_object(row.custom) if row.custom else "{}",
        )
        if varying:
            customer += tuple([get(key, default) for key, default in varying])
        if with_branch:
            branch = get("home_branch")
            customer += (branch.pk if branch is not None else default_branch,)
        if with_owner:
            owner = get("owner")
            customer += (owner.pk if owner is not None else None,)
        customers.append(customer)
        if row.phones:
            for index, number in enumerate(dict.fromkeys(row.phones)):
                phones.append((pk, number, index == 0))
        if row.emails:
            for index, email in enumerate(dict.fromkeys(row.emails)):
                emails.append((pk, email, index == 0))
        if get("address_line"):
            regency = get("regency")
            address: tuple[Any, ...] = (
                pk,
                values["address_line"],
                regency.pk if regency else None,
                regency.province_id if regency else None,
            )
            if with_label:
                address += (get("address_label", label),)
            if with_landmark:
                address += (get("address_landmark", ""),)
            addresses.append(address)
        if "tags" in values or "interests" in values:
            tag_ids = _tag_ids(get("tags", []), "label", tag_cache) + _tag_ids(
                get("interests", []), "interest", tag_cache
            )
            tag_links.extend((pk, tag_id) for tag_id in dict.fromkeys(tag_ids))
    columns = [
        "id",
        "name",
        "search_name",
        "external_id",
        "custom",
        *(key for key, _default in varying),
        *(["home_branch_id"] if with_branch else []),
        *(["owner_id"] if with_owner else []),
    ]
    by_default = {"source": source, "home_branch_id": default_branch, "owner_id": None}
    template = {**template, **{key: value for key, value in by_default.items() if key not in columns}}
    constants = {**_rest(Customer, columns, template), "created_at": stamp, "updated_at": stamp}
    with _without_row_checks(skip_row_checks):
        with indexing_in_bulk([(row[0], row[2]) for row in customers]):
            write_rows(Customer, columns, customers, constants)
        address_columns = [
            "customer_id",
            "line",
            "regency_id",
            "province_id",
            *(["label"] if with_label else []),
            *(["landmark"] if with_landmark else []),
        ]
        _insert_details(job, ids, stamp, default_branch, phones, emails, (address_columns, addresses), tag_links)


# The tables an import inserts into (a trigger of their own would rule out `_without_row_checks`).
_INSERTED = (Customer, CustomerPhone, CustomerEmail, Address, Customer.tags.through, AuditEvent)


def _insert_details(
    job: CustomerImport,
    ids: list[int],
    stamp: Any,
    default_branch: int | None,
    phones: list[tuple[Any, ...]],
    emails: list[tuple[Any, ...]],
    addresses: tuple[list[str], list[tuple[Any, ...]]],
    tag_links: list[tuple[Any, ...]],
) -> None:
    """The new customers' phones, emails, addresses (columns, rows) and tag links, and the batch's
    audit event."""
    actor = job.created_by
    phone_columns = ["customer_id", "number", "is_primary"]
    write_rows(CustomerPhone, phone_columns, phones, _rest(CustomerPhone, phone_columns))
    email_columns = ["customer_id", "email", "is_primary"]
    write_rows(CustomerEmail, email_columns, emails, _rest(CustomerEmail, email_columns))
    address_columns, address_rows = addresses
    address_template = {**row_template(Address), "label": Address.Label.HOME.value}
    address_constants = {**_rest(Address, address_columns, address_template), "created_at": stamp, "updated_at": stamp}
    write_rows(Address, address_columns, address_rows, address_constants)
    write_rows(Customer.tags.through, ["customer_id", "tag_id"], tag_links)
    event_columns = ["created_at", "changes", "message", "message_args"]
    message, message_args = stored(Message(gettext_noop("Imported %(count)s customers"), {"count": len(ids)}))
    write_rows(
        AuditEvent,
        event_columns,
        [
            (
                stamp,
                json.dumps({"customers": [None, len(ids)], "ids": [None, _runs(ids)]}),
                message,
                stored_json(message_args),
            )
        ],
        {
            **_rest(AuditEvent, event_columns),
            "actor_id": actor.pk,
            "actor_label": actor.username,
            "action": AuditEvent.Action.CREATE.value,
            "object_type": IMPORT_EVENT_TYPE,
            "object_id": str(job.pk),
            "object_repr": job.original_name[:200],
            "subject_key": f"{IMPORT_EVENT_TYPE}:{job.pk}",
            "branch_id": default_branch,
        },
    )


def _rest(model: type[Any], columns: list[str], template: dict[str, Any] | None = None) -> dict[str, Any]:
    """The defaults of the model's other columns (or `template`'s values), as constants for `write_rows`."""
    return {key: value for key, value in (template or row_template(model)).items() if key not in columns}


def _profile(template: dict[str, Any]) -> list[tuple[str, Any]]:
    """(key, stored default) of the profile values stored as the file gives them."""
    return [(key, template[key]) for key in _PLAIN_PROFILE]


def _runs(ids: list[int]) -> list[list[int]]:
    """Ascending ids as [first, last] runs of consecutive ids (one run, as they are allocated)."""
    runs: list[list[int]] = []
    for pk in sorted(ids):
        if runs and runs[-1][1] == pk - 1:
            runs[-1][1] = pk
        else:
            runs.append([pk, pk])
    return runs


IMPORT_EVENT_TYPE = "customers.customerimport"


def imported_event(customer: Customer) -> AuditEvent | None:
    """The audit event of the import batch that created `customer`, if an import did: written with
    the batch's rows and stamped with their `created_at`, it names the ids it created."""
    events = AuditEvent.objects.filter(object_type=IMPORT_EVENT_TYPE, created_at=customer.created_at)
    for event in events.select_related("actor"):
        runs = (event.changes.get("ids") or [None, []])[1]
        if any(first <= customer.pk <= last for first, last in runs):
            return event
    return None


# Profile values stored as the file gave them (after checking); the rest are set explicitly above.
_PLAIN_PROFILE = ("kind", "birthday", "gender", "occupation", "preferred_language", "preferred_channel", "notes")


def _json_object(values: dict[str, Any]) -> str:
    """`json.dumps` of a custom-field dict, text values written directly (json.dumps sets up an
    encoder on every call: ~3 µs, as much as the rest of the row's tuple)."""
    parts = []
    for key, value in values.items():
        if value.__class__ is not str:
            return json.dumps(values)
        parts.append(f"{_json_text(key)}: {_json_text(value)}")
    return "{" + ", ".join(parts) + "}"


def _address(customer: Customer, row: Row, now: dt.datetime) -> Address:
    regency = row.values.get("regency")
    return Address(
        customer=customer,
        label=row.values.get("address_label", Address.Label.HOME),
        line=row.values["address_line"],
        landmark=row.values.get("address_landmark", ""),
        regency=regency,
        province_id=regency.province_id if regency else None,
        created_at=now,
        updated_at=now,
    )


def _event(actor: User, customer: Customer, action: str, changes: dict[str, Any], now: dt.datetime) -> AuditEvent:
    event = audit_event(
        actor=actor,
        action=action,
        instance=customer,
        changes=changes,
        branch_id=customer.home_branch_id,
        message=Message(gettext_noop("Imported from a file")),
    )
    event.created_at = now
    return event


def _update_existing(
    row: Row,
    actor: User,
    profile_fields: list[str],
    tag_cache: dict[tuple[str, str], int],
    now: dt.datetime,
    events: list[AuditEvent],
    job: CustomerImport,
) -> bool:
    """Fill in what the file says; phones and emails are added, never removed. True if anything changed."""
    customer = Customer.objects.select_for_update().get(pk=row.match_id or 0)
    changes: dict[str, list[Any]] = {}
    for name in profile_fields:
        if name in row.values:
            old = getattr(customer, name)
            new = row.values[name]
            if isinstance(new, str) and name == "birthday":
                new = dt.date.fromisoformat(new)
            if old != new:
                changes[name] = [str(old) if old is not None else None, str(new)]
                setattr(customer, name, new)
    merged_custom = {**customer.custom, **row.custom}
    if merged_custom != customer.custom:
        changes["custom"] = [customer.custom, merged_custom]
        customer.custom = merged_custom
    have_phones = set(customer.phones.values_list("number", flat=True))
    new_phones = [p for p in dict.fromkeys(row.phones) if p not in have_phones]
    have_emails = set(customer.emails.values_list("email", flat=True))
    new_emails = [e for e in dict.fromkeys(row.emails) if e not in have_emails]
    CustomerPhone.objects.bulk_create([CustomerPhone(customer=customer, number=p) for p in new_phones])
    CustomerEmail.objects.bulk_create([CustomerEmail(customer=customer, email=e) for e in new_emails])
    if new_phones:
        changes["phones"] = [None, new_phones]
    if new_emails:
        changes["emails"] = [None, new_emails]
    if (
        row.values.get("address_line")
        and not customer.addresses.filter(line__iexact=row.values["address_line"]).exists()
    ):
        _address(customer, row, now).save()
        changes["addresses"] = [None, row.values["address_line"]]
    tag_ids = _tag_ids(row.values.get("tags", []), "label", tag_cache) + _tag_ids(
        row.values.get("interests", []), "interest", tag_cache
    )
    existing_tags = set(customer.tags.values_list("pk", flat=True))
    if set(tag_ids) - existing_tags:
        customer.tags.add(*tag_ids)
        changes["tags"] = [None, sorted(set(tag_ids) - existing_tags)]
    if not changes:
        return False
    customer.search_name = search_key(customer.name)
    customer.version += 1
    customer.save()
    changes["import"] = [None, job.pk]
    events.append(_event(actor, customer, "update", changes, now))
    return True
