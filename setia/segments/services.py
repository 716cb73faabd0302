"""Segments: counting, saving, evaluating, static lists, and membership for the apps that target
segments (loyalty vouchers and programmes, later campaigns).

Evaluation is set-based: one `INSERT … SELECT` adds the customers who now match, one `UPDATE`
stamps `left_at` on those who no longer do. No Python loop walks the members.
"""

import datetime as dt
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from setia.accounts.models import User
from setia.accounts.selectors import branch_scope, require
from setia.core.audit import audit_log, diff, snapshot
from setia.core.errors import ApplicationError, NotFoundError
from setia.core.texts import Message
from setia.customers.models import Customer
from setia.segments.definitions import definition_clean, definition_q
from setia.segments.models import Segment, SegmentBranchCount, SegmentMember

TRACKED = ["name", "description", "archived_at"]


def _tracked(segment: Segment) -> dict[str, Any]:
    """What the audit trail records of a segment; the definition as canonical JSON text (the
    trail sorts lists, which a list of conditions cannot be)."""
    import json

    return {**snapshot(segment, TRACKED), "definition": json.dumps(segment.definition, sort_keys=True)}


def live_customers() -> QuerySet[Customer]:
    return Customer.objects.filter(merged_into__isnull=True, archived_at__isnull=True)


def _scope(actor: User | None) -> QuerySet[Customer]:
    if actor is None:
        return live_customers()
    from setia.customers.selectors import visible_customers

    return visible_customers(actor)


def segment_queryset(definition: dict[str, Any], *, actor: User | None = None) -> QuerySet[Customer]:
    """The customers a definition selects (the live customers the actor may see; every live
    customer without an actor). The definition is checked first."""
    cleaned = definition_clean(definition, require_condition=False)
    return _scope(actor).filter(definition_q(cleaned))


def _has_or(definition: dict[str, Any]) -> bool:
    if definition.get("match") == "any" and len(definition.get("conditions", [])) > 1:
        return True
    return any(_has_or(item) for item in definition.get("conditions", []) if "conditions" in item)


@contextmanager
def _set_based(definition: dict[str, Any]) -> Iterator[None]:
    """PostgreSQL settings for counting and evaluating a segment, for this transaction only.

    A condition inside an OR group stays an `IN (subquery)` filter, which PostgreSQL answers with
    a hash of the subquery's ids only when the hash fits in `work_mem` (4 MB by default: ~100k
    ids); otherwise it re-reads the whole list for every customer (1M customers, 330k addresses in
    Jawa Barat: over ten minutes instead of under one second). Under an OR, parallel workers would
    each build the same hashes again (1M customers on two cores: 970 ms with two workers, 640 ms
    without), while an AND of semi-joins gains from them (210 ms instead of 400 ms). JIT compiling
    costs more than it saves on queries this short."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute("SET LOCAL jit = off")
            if _has_or(definition):
                cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        yield


def segment_count(definition: dict[str, Any], *, actor: User | None = None) -> int:
    """The live count the builder shows while a segment is edited."""
    if actor is not None:
        require(actor, "segments.view")
    customers = segment_queryset(definition, actor=actor)
    with _set_based(definition):
        return customers.count()


# --- Saving -----------------------------------------------------------------------------------


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("Name: enter a name."), {"name": [_("Enter a name.")]})
    if len(name) > 100:
        raise ApplicationError(_("Name: at most 100 characters."), {"name": [_("At most 100 characters.")]})
    if Segment.objects.filter(name__iexact=name, archived_at__isnull=True).exists():
        raise ApplicationError(
            _("Name: a segment with this name already exists."),
            {"name": [_("A segment with this name already exists.")]},
        )
    return name


def _clean_description(description: str) -> str:
    description = (description or "").strip()
    if len(description) > 255:
        raise ApplicationError(
            _("Description: at most 255 characters."), {"description": [_("At most 255 characters.")]}
        )
    return description


@transaction.atomic
def segment_create(
    *, actor: User, name: str, definition: dict[str, Any], description: str = "", kind: str = Segment.Kind.DYNAMIC
) -> Segment:
    """A new dynamic segment, evaluated at once; or an empty static list (filled by an upload)."""
    require(actor, "segments.edit")
    if kind not in Segment.Kind.values:
        raise ApplicationError(_("Kind: choose dynamic or static."), {"kind": [_("Choose dynamic or static.")]})
    name = _clean_name(name)
    description = _clean_description(description)
    cleaned = definition_clean(definition) if kind == Segment.Kind.DYNAMIC else {"match": "all", "conditions": []}
    segment = Segment.objects.create(
        name=name, description=description, kind=kind, definition=cleaned, created_by=actor
    )
    audit_log(actor=actor, action="create", instance=segment, changes=diff({}, _tracked(segment)))
    if kind == Segment.Kind.DYNAMIC:
        _evaluate(segment)
    else:
        segment.evaluated_at = timezone.now()
        segment.save(update_fields=["evaluated_at"])
    return segment


@transaction.atomic
def segment_update(
    *, actor: User, segment: Segment, name: str, description: str = "", definition: dict[str, Any] | None = None
) -> Segment:
    """Rename, describe, and (dynamic segments) change the conditions; re-evaluated at once."""
    require(actor, "segments.edit")
    segment = Segment.objects.select_for_update().get(pk=segment.pk)
    if segment.archived_at:
        raise ApplicationError(_("This segment is archived."))
    before = _tracked(segment)
    name = (name or "").strip()
    segment.name = name if name.lower() == segment.name.lower() else _clean_name(name)
    if not segment.name:
        raise ApplicationError(_("Name: enter a name."), {"name": [_("Enter a name.")]})
    segment.description = _clean_description(description)
    if definition is not None and segment.kind == Segment.Kind.DYNAMIC:
        segment.definition = definition_clean(definition)
    segment.save()
    changes = diff(before, _tracked(segment))
    if changes:
        audit_log(actor=actor, action="update", instance=segment, changes=changes)
    if segment.kind == Segment.Kind.DYNAMIC and "definition" in changes:
        _evaluate(segment)
    return segment


@transaction.atomic
def segment_archive(*, actor: User, segment: Segment) -> Segment:
    """Archive: the segment stops being evaluated and offered; its history stays."""
    require(actor, "segments.edit")
    segment = Segment.objects.select_for_update().get(pk=segment.pk)
    if segment.archived_at is None:
        segment.archived_at = timezone.now()
        segment.save(update_fields=["archived_at", "updated_at"])
        audit_log(actor=actor, action="archive", instance=segment)
    return segment


# --- Evaluation -------------------------------------------------------------------------------


@dataclass
class Evaluation:
    joined: int
    left: int
    members: int
    seconds: float


def _customer_sql(customers: QuerySet[Customer]) -> tuple[str, tuple[Any, ...]]:
    query = customers.order_by().values(member_id=F("pk")).query
    return query.get_compiler(using=customers.db).as_sql()


def _members_table() -> str:
    return connection.ops.quote_name(SegmentMember._meta.db_table)


def _add_members(segment: Segment, customers: QuerySet[Customer], now: dt.datetime) -> int:
    """Insert the customers not yet current members, in one statement. A segment without current
    members (a first evaluation) skips the "not yet a member" check: on a members table that
    PostgreSQL believes empty (new, or not yet analysed) the check becomes a nested loop that
    re-reads, for every customer, the rows this very statement is inserting (measured: 100 s for
    107,000 customers instead of 2 s)."""
    sql, params = _customer_sql(customers)
    table = _members_table()
    stamp = connection.ops.adapt_datetimefield_value(now)
    check, check_params = "", []
    if SegmentMember.objects.filter(segment=segment, left_at__isnull=True).exists():
        check = (
            f" WHERE NOT EXISTS (SELECT 1 FROM {table} c "
            "WHERE c.segment_id = %s AND c.customer_id = m.member_id AND c.left_at IS NULL)"
        )
        check_params = [segment.pk]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (segment_id, customer_id, joined_at, left_at) "
            f"SELECT %s, m.member_id, %s, NULL FROM ({sql}) m{check}",
            [segment.pk, stamp, *params, *check_params],
        )
        return max(cursor.rowcount, 0)


def _remove_members(segment: Segment, keep: QuerySet[Customer] | None, now: dt.datetime) -> int:
    """Stamp `left_at` on current members outside `keep` (all of them when `keep` is None)."""
    table = _members_table()
    stamp = connection.ops.adapt_datetimefield_value(now)
    condition, params = "", []
    if keep is not None:
        sql, keep_params = _customer_sql(keep)
        condition, params = f" AND customer_id NOT IN ({sql})", list(keep_params)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET left_at = %s WHERE segment_id = %s AND left_at IS NULL{condition}",
            [stamp, segment.pk, *params],
        )
        return max(cursor.rowcount, 0)


@transaction.atomic
def counts_store(segment_id: int, *, evaluated_at: dt.datetime | None = None) -> int:
    """Count a segment's current members and store the count, with how many of them are live
    customers of each branch (`SegmentBranchCount`: what a branch-scoped user is shown). Under the
    segment's row lock, so two writers never interleave their counts. Returns the member count."""
    list(Segment.objects.select_for_update().filter(pk=segment_id).values_list("pk", flat=True))
    current = SegmentMember.objects.filter(segment_id=segment_id, left_at__isnull=True)
    members = current.count()
    # One pass over the segment's open stays (read from its partial unique index) joined to their
    # customers; ADR 0013 has the plans and timings.
    per_branch = (
        current.filter(
            customer__merged_into__isnull=True,
            customer__archived_at__isnull=True,
            customer__home_branch__isnull=False,
        )
        .order_by()
        .values_list("customer__home_branch")
        .annotate(members=Count("pk"))
    )
    rows = [SegmentBranchCount(segment_id=segment_id, branch_id=branch, members=count) for branch, count in per_branch]
    SegmentBranchCount.objects.filter(segment_id=segment_id).delete()
    SegmentBranchCount.objects.bulk_create(rows)
    fields: dict[str, Any] = {"member_count": members}
    if evaluated_at is not None:
        fields["evaluated_at"] = evaluated_at
    Segment.objects.filter(pk=segment_id).update(**fields)
    return members


def _evaluate(segment: Segment) -> Evaluation:
    import time

    started = time.perf_counter()
    now = timezone.now()
    candidates = live_customers().filter(definition_q(segment.definition))
    matching: QuerySet[Customer] | None = candidates
    try:
        _customer_sql(candidates)
    except EmptyResultSet:  # a condition that can match nobody (e.g. on a deleted choice)
        matching = None
    with _set_based(segment.definition):
        left = _remove_members(segment, matching, now)
        joined = _add_members(segment, matching, now) if matching is not None else 0
    members = counts_store(segment.pk, evaluated_at=now)
    segment.member_count, segment.evaluated_at = members, now
    return Evaluation(joined, left, members, round(time.perf_counter() - started, 3))


@transaction.atomic
def segment_evaluate(*, actor: User | None, segment: Segment) -> Evaluation:
    """Re-evaluate a dynamic segment now: who joined, who left. Under a row lock, so two
    evaluations of one segment never interleave."""
    if actor is not None:
        require(actor, "segments.edit")
    segment = Segment.objects.select_for_update().get(pk=segment.pk)
    if segment.kind != Segment.Kind.DYNAMIC:
        raise ApplicationError(_("A static list is not re-evaluated; upload a list to change it."))
    if segment.archived_at:
        raise ApplicationError(_("This segment is archived."))
    result = _evaluate(segment)
    if actor is not None:
        audit_log(
            actor=actor,
            action="other",
            instance=segment,
            message=Message(
                gettext_noop("Evaluated: %(joined)s joined, %(left)s left, %(members)s members"),
                {"joined": result.joined, "left": result.left, "members": result.members},
            ),
        )
    return result


def segments_refresh_all() -> dict[str, Any]:
    """Re-evaluate every dynamic segment (each in its own transaction) and recount every static
    list by branch. The analytics refresh calls this at its end, so segments on scores follow the
    new scores; it is also safe to call on its own. Returns figures for the caller's run record."""
    import time

    started = time.perf_counter()
    figures: dict[str, Any] = {"segments": 0, "joined": 0, "left": 0}
    if connection.vendor == "postgresql":
        # The previous refresh may have added or stamped many members since autovacuum last
        # counted them; on stale counts PostgreSQL plans the "not yet a member" check as a nested
        # loop (measured: over a minute for 100,000 members instead of well under a second).
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {_members_table()}")
    for segment in Segment.objects.filter(kind=Segment.Kind.DYNAMIC, archived_at__isnull=True).order_by("pk"):
        result = segment_evaluate(actor=None, segment=segment)
        figures["segments"] += 1
        figures["joined"] += result.joined
        figures["left"] += result.left
    # A static list's members stay until a list changes them, but its count per branch follows
    # the customers: one who moved to another branch, or was archived, is counted afresh here.
    figures["lists_recounted"] = 0
    lists = Segment.objects.filter(kind=Segment.Kind.STATIC, archived_at__isnull=True).order_by("pk")
    for segment_id in lists.values_list("pk", flat=True):
        counts_store(segment_id)
        figures["lists_recounted"] += 1
    figures["seconds"] = round(time.perf_counter() - started, 3)
    return figures


# --- Static lists -----------------------------------------------------------------------------


@transaction.atomic
def segment_snapshot(*, actor: User, source: Segment, name: str, description: str = "") -> Segment:
    """A static list holding the customers a dynamic segment selects right now."""
    require(actor, "segments.edit")
    if source.kind != Segment.Kind.DYNAMIC:
        raise ApplicationError(_("Only a dynamic segment can be frozen into a list."))
    segment = Segment.objects.create(
        name=_clean_name(name),
        description=_clean_description(description) or _("Snapshot of “%(name)s”") % {"name": source.name},
        kind=Segment.Kind.STATIC,
        definition=source.definition,
        created_by=actor,
    )
    now = timezone.now()
    with _set_based(source.definition):
        _add_members(segment, live_customers().filter(definition_q(source.definition)), now)
    members = counts_store(segment.pk, evaluated_at=now)
    segment.refresh_from_db()
    audit_log(
        actor=actor,
        action="create",
        instance=segment,
        message=Message(
            gettext_noop("Snapshot of segment %(segment)s: %(members)s members"),
            {"segment": source.name, "members": members},
        ),
    )
    return segment


UPLOAD_COLUMNS = {
    "phone": "phone",
    "telepon": "phone",
    "hp": "phone",
    "no_hp": "phone",
    "whatsapp": "phone",
    "email": "email",
    "external_id": "external_id",
    "id_eksternal": "external_id",
    "member_number": "member_number",
    "card_number": "member_number",
    "nomor_kartu": "member_number",
}
MAX_UPLOAD_ROWS = 200_000


@dataclass
class UploadResult:
    rows: int = 0
    matched: int = 0
    added: int = 0
    unmatched: list[tuple[int, str]] = field(default_factory=list)  # (row number, what it held), first 100


def _header_key(cell: str) -> str:
    return cell.strip().lower().replace(" ", "_").replace("-", "_")


def _resolve(
    rows: list[tuple[int, dict[str, str]]], actor: User | None = None
) -> tuple[dict[int, int], list[tuple[int, str]]]:
    """Row number -> customer id, each kind of key resolved in one query per 5,000 keys. With
    `actor`, only customers of the branches the actor sees: a row naming anyone else matches
    nobody, as it would in the actor's search (an upload must not tell who is a customer elsewhere)."""
    from setia.core.phones import normalize_phone
    from setia.customers.models import CustomerEmail, CustomerPhone

    wanted: dict[str, dict[str, list[int]]] = {"phone": {}, "email": {}, "external_id": {}, "member_number": {}}
    for number, values in rows:
        for kind, raw in values.items():
            key = raw.strip()
            if not key:
                continue
            if kind == "phone":
                try:
                    key = normalize_phone(key)
                except ApplicationError:
                    continue
            elif kind == "email":
                key = key.lower()
            elif kind == "member_number":
                key = key.replace(" ", "").upper()  # card numbers are printed in capitals
            wanted[kind].setdefault(key, []).append(number)
    sources = {
        "phone": lambda keys: CustomerPhone.objects.filter(number__in=keys).values_list("number", "customer_id"),
        "email": lambda keys: CustomerEmail.objects.filter(email__in=keys).values_list("email", "customer_id"),
        "external_id": lambda keys: Customer.objects.filter(external_id__in=keys).values_list("external_id", "pk"),
        "member_number": lambda keys: Customer.objects.filter(member_number__in=keys).values_list(
            "member_number", "pk"
        ),
    }
    found: dict[int, int] = {}
    for kind, keys in wanted.items():
        items = list(keys)
        for start in range(0, len(items), 5000):
            for matched_key, customer_id in sources[kind](items[start : start + 5000]):
                for number in keys[str(matched_key)]:
                    found.setdefault(number, customer_id)
    # Merged customers are represented by the customer they were merged into.
    merged = dict(
        Customer.objects.filter(pk__in=set(found.values()), merged_into__isnull=False).values_list(
            "pk", "merged_into_id"
        )
    )
    resolved = {number: merged.get(customer_id, customer_id) for number, customer_id in found.items()}
    scope = branch_scope(actor) if actor is not None else None
    if scope is not None and not scope.all_branches:
        ids = set(resolved.values())
        visible: set[int] = set()
        id_list = list(ids)
        for start in range(0, len(id_list), 5000):
            chunk = id_list[start : start + 5000]
            visible.update(
                Customer.objects.filter(pk__in=chunk, home_branch__in=scope.branch_ids).values_list("pk", flat=True)
            )
        resolved = {number: customer_id for number, customer_id in resolved.items() if customer_id in visible}
    unmatched = [
        (number, ", ".join(value for value in values.values() if value))
        for number, values in rows
        if number not in resolved
    ]
    return resolved, unmatched


@transaction.atomic
def segment_upload(*, actor: User, segment: Segment, file_name: str, content: bytes) -> UploadResult:
    """Add the customers listed in a CSV or XLSX file to a static list. The first row names the
    columns; any of phone, email, external_id, member_number (card number) identifies a customer.
    Rows that match nobody are reported, not fatal."""
    from setia.customers.tabular import MAX_UPLOAD_BYTES, detect_format, read_rows

    require(actor, "segments.edit")
    segment = Segment.objects.select_for_update().get(pk=segment.pk)
    if segment.kind != Segment.Kind.STATIC:
        raise ApplicationError(
            _("File: a list can be uploaded into a static segment only."),
            {"file": [_("A list can be uploaded into a static segment only.")]},
        )
    if not content:
        raise ApplicationError(_("File: choose a file."), {"file": [_("Choose a file.")]})
    if len(content) > MAX_UPLOAD_BYTES:
        raise ApplicationError(_("File: the file is too large."), {"file": [_("The file is too large.")]})
    file_format = detect_format(file_name, content[:8])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload.{file_format}"
        path.write_bytes(content)
        rows_iter = read_rows(path, file_format)
        header = next(rows_iter, None)
        columns = {
            index: UPLOAD_COLUMNS[_header_key(cell)]
            for index, cell in enumerate(header or [])
            if _header_key(cell) in UPLOAD_COLUMNS
        }
        if not columns:
            message = _("The first row must name a column: phone, email, external_id or member_number.")
            raise ApplicationError(_("File: %(message)s") % {"message": message}, {"file": [message]})
        rows: list[tuple[int, dict[str, str]]] = []
        for number, row in enumerate(rows_iter, start=2):
            if len(rows) >= MAX_UPLOAD_ROWS:
                message = _("At most %(count)s rows per file.") % {"count": f"{MAX_UPLOAD_ROWS:,}"}
                raise ApplicationError(_("File: %(message)s") % {"message": message}, {"file": [message]})
            rows.append((number, {kind: row[index] if index < len(row) else "" for index, kind in columns.items()}))
    resolved, unmatched = _resolve(rows, actor)
    customer_ids = set(resolved.values())
    before = SegmentMember.objects.filter(segment=segment, left_at__isnull=True).count()
    now = timezone.now()
    for start in range(0, len(customer_ids), 5000):
        chunk = list(customer_ids)[start : start + 5000]
        _add_members(segment, live_customers().filter(pk__in=chunk), now)
    members = counts_store(segment.pk, evaluated_at=now)
    result = UploadResult(rows=len(rows), matched=len(resolved), added=members - before, unmatched=unmatched[:100])
    audit_log(
        actor=actor,
        action="other",
        instance=segment,
        message=Message(
            gettext_noop("Uploaded %(file)s: %(rows)s rows, %(matched)s matched, %(added)s added"),
            {"file": file_name[:80], "rows": result.rows, "matched": result.matched, "added": result.added},
        ),
    )
    return result


@transaction.atomic
def segment_create_static(
    *, actor: User, name: str, description: str, file_name: str, content: bytes
) -> tuple[Segment, UploadResult]:
    """A new static list filled from a file, or nothing at all if the file is refused."""
    segment = segment_create(actor=actor, name=name, description=description, definition={}, kind=Segment.Kind.STATIC)
    return segment, segment_upload(actor=actor, segment=segment, file_name=file_name, content=content)


@transaction.atomic
def segment_remove_members(*, actor: User, segment: Segment, customer_ids: list[int]) -> int:
    """Take customers off a static list (their stay ends now; the history keeps it)."""
    require(actor, "segments.edit")
    segment = Segment.objects.select_for_update().get(pk=segment.pk)
    if segment.kind != Segment.Kind.STATIC:
        raise ApplicationError(_("Members of a dynamic segment follow its conditions."))
    removed = SegmentMember.objects.filter(segment=segment, customer_id__in=customer_ids, left_at__isnull=True).update(
        left_at=timezone.now()
    )
    counts_store(segment.pk)
    if removed:
        audit_log(
            actor=actor,
            action="other",
            instance=segment,
            message=Message(gettext_noop("Removed %(count)s members"), {"count": removed}),
        )
    return removed


def segment_exported(*, actor: User, segment: Segment, count: int) -> None:
    """Record who took a segment's members out of the system (UU PDP accountability)."""
    require(actor, "customers.export")
    audit_log(
        actor=actor,
        action="other",
        instance=segment,
        message=Message(gettext_noop("Exported %(count)s members"), {"count": count}),
    )


# --- Segments as targets ----------------------------------------------------------------------


def segment_customer_ids(segment: Segment | int) -> QuerySet[Any]:
    """The current members' customer ids, as a lazy queryset (usable as a subquery:
    `Customer.objects.filter(pk__in=segment_customer_ids(segment))`). Dynamic segments answer
    as of their last evaluation."""
    segment_id = segment.pk if isinstance(segment, Segment) else segment
    return SegmentMember.objects.filter(segment_id=segment_id, left_at__isnull=True).values_list(
        "customer_id", flat=True
    )


def is_member(segment: Segment | int, customer_id: int) -> bool:
    """Whether the customer is a current member (one indexed lookup)."""
    segment_id = segment.pk if isinstance(segment, Segment) else segment
    return SegmentMember.objects.filter(segment_id=segment_id, customer_id=customer_id, left_at__isnull=True).exists()


def segment_get_any(pk: int) -> Segment:
    """A segment by id for other apps (no actor: the caller has checked its own permission)."""
    segment = Segment.objects.filter(pk=pk).first()
    if segment is None:
        raise NotFoundError(_("Segment not found."))
    return segment


def merge_memberships(survivor: Customer, merged: Customer) -> None:
    """On a customer merge: the merged customer's stays end; the survivor takes their place in
    static lists (dynamic segments find the survivor at their next evaluation)."""
    now = timezone.now()
    static_ids = list(
        SegmentMember.objects.filter(
            customer=merged, left_at__isnull=True, segment__kind=Segment.Kind.STATIC
        ).values_list("segment_id", flat=True)
    )
    SegmentMember.objects.filter(customer=merged, left_at__isnull=True).update(left_at=now)
    already = set(
        SegmentMember.objects.filter(customer=survivor, segment_id__in=static_ids, left_at__isnull=True).values_list(
            "segment_id", flat=True
        )
    )
    SegmentMember.objects.bulk_create(
        [SegmentMember(segment_id=pk, customer=survivor, joined_at=now) for pk in static_ids if pk not in already]
    )
    for segment_id in sorted(static_ids):
        counts_store(segment_id)


def condition_q(definition: dict[str, Any]) -> Q:
    """The Q of a definition after checking it (for callers that build their own query)."""
    return definition_q(definition_clean(definition, require_condition=False))
