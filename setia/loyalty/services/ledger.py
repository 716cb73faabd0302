"""The points and cashback ledgers.

Every movement is one append-only entry. The balance on the membership changes in the same
transaction by a conditional UPDATE (`balance + delta >= 0`), so two concurrent debits can
never both spend the same points: the second finds the row changed and either still fits or
is refused. A CHECK constraint on the balance is the last line of defence.
"""

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max, Min, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from setia.accounts.models import User
from setia.accounts.selectors import require
from setia.core.audit import audit_log
from setia.core.bulk import insert_rows, row_checks_skippable
from setia.core.errors import ApplicationError
from setia.core.money import format_count, format_rupiah
from setia.core.texts import Message, stored, stored_json
from setia.loyalty.models import LedgerCheck, Membership, PointsEntry, WalletEntry

# What a refund gave back of the points a purchase was paid with (`spent_return_source`): it undoes
# that much of the redemption, so for expiry it is a debit taken back — her lots stand as if she had
# redeemed that much less (debits use the oldest points first), with the dates they have — not
# points that never expire.
REFUND_SUFFIX = ":refund"
GIVEN_BACK = Q(kind=PointsEntry.Kind.ADJUST, points__gt=0, source__endswith=REFUND_SUFFIX)


def given_back(entry: PointsEntry) -> bool:
    """`entry` gave back points a refunded purchase was paid with (`GIVEN_BACK`)."""
    return entry.kind == PointsEntry.Kind.ADJUST and entry.points > 0 and entry.source.endswith(REFUND_SUFFIX)


def _move(
    *,
    membership_id: int,
    balance_field: str,
    delta: int,
    insufficient: Callable[[int], str],
    field: str,
) -> int:
    """Change a balance by `delta` unless it would go below zero; the new balance. One conditional
    `UPDATE … RETURNING` (PostgreSQL, SQLite ≥ 3.35): the row lock and the check are the same as
    an ORM update's, and the new balance comes back without a second read. `insufficient`: the
    refusal, given the balance there is."""
    assert balance_field in ("points_balance", "wallet_balance")
    table = connection.ops.quote_name(Membership._meta.db_table)
    column = connection.ops.quote_name(balance_field)
    condition = f" AND {column} >= %s" if delta < 0 else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {column} = {column} + %s WHERE id = %s{condition} RETURNING {column}",
            [delta, membership_id, -delta] if delta < 0 else [delta, membership_id],
        )
        row = cursor.fetchone()
    if row is None:
        balance = Membership.objects.filter(pk=membership_id).values_list(balance_field, flat=True).first() or 0
        message = insufficient(balance)
        raise ApplicationError(message, {field: [message]})
    return int(row[0])


def _existing(model: Any, unique_key: str | None) -> Any:
    return model.objects.filter(unique_key=unique_key).first() if unique_key else None


# No transaction of its own around the whole: the balance move and the entry are one atomic block
# below (a savepoint inside a caller's transaction), and the rest only reads. An outer block cost
# two round trips per movement inside checkout's transaction.
def points_post(
    *,
    membership: Membership,
    kind: str,
    points: int,
    source: str = "",
    unique_key: str | None = None,
    reason: str | Message = "",
    actor: User | None = None,
    expires_at: dt.datetime | None = None,
    at: dt.datetime | None = None,
    fresh: bool = False,
) -> PointsEntry:
    """Record one points movement (signed) and move the balance. A repeated `unique_key` returns
    the entry already recorded and changes nothing. `fresh`: the key is made from a row the
    caller's transaction created (a sale's new order), so no entry can have it: no look-up and
    no savepoint (an error rolls back the caller's whole transaction)."""
    if points == 0:
        raise ApplicationError(_("Enter a number of points other than zero."), {"points": [_("Must not be zero.")]})

    def message(balance: int) -> str:
        return _("Not enough points: %(points)s needed, and the balance is %(balance)s.") % {
            "points": format_count(abs(points)),
            "balance": format_count(balance),
        }

    text, args = stored(reason)

    def post() -> PointsEntry:
        balance = _move(
            membership_id=membership.pk,
            balance_field="points_balance",
            delta=points,
            insufficient=message,
            field="points",
        )
        entry = PointsEntry.objects.create(
            membership_id=membership.pk,
            kind=kind,
            points=points,
            balance_after=balance,
            source=source,
            unique_key=unique_key,
            reason=text,
            reason_args=args,
            actor=actor if actor is not None and actor.is_authenticated else None,
            expires_at=expires_at,
            created_at=at or timezone.now(),
        )
        membership.points_balance = balance
        return entry

    if fresh:
        return post()
    existing = _existing(PointsEntry, unique_key)
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            entry = post()
    except IntegrityError:
        # The same unique key recorded concurrently: the first one stands.
        existing = _existing(PointsEntry, unique_key)
        if existing is None:
            raise
        return existing
    return entry


# No transaction of its own around the whole: the balance move and the entry are one atomic block
# below (a savepoint inside a caller's transaction), and the rest only reads. An outer block cost
# two round trips per movement inside checkout's transaction.
def wallet_post(
    *,
    membership: Membership,
    kind: str,
    amount: int,
    source: str = "",
    unique_key: str | None = None,
    reason: str | Message = "",
    actor: User | None = None,
    at: dt.datetime | None = None,
    fresh: bool = False,
) -> WalletEntry:
    """Record one cashback / stored-value movement (signed Rupiah); same guarantees as points,
    `fresh` as there."""
    if amount == 0:
        raise ApplicationError(_("Enter an amount other than zero."), {"amount": [_("Must not be zero.")]})

    def message(balance: int) -> str:
        return _("Not enough cashback: %(amount)s needed, and the balance is %(balance)s.") % {
            "amount": format_rupiah(abs(amount)),
            "balance": format_rupiah(balance),
        }

    text, args = stored(reason)

    def post() -> WalletEntry:
        balance = _move(
            membership_id=membership.pk,
            balance_field="wallet_balance",
            delta=amount,
            insufficient=message,
            field="cashback",
        )
        entry = WalletEntry.objects.create(
            membership_id=membership.pk,
            kind=kind,
            amount=amount,
            balance_after=balance,
            source=source,
            unique_key=unique_key,
            reason=text,
            reason_args=args,
            actor=actor if actor is not None and actor.is_authenticated else None,
            created_at=at or timezone.now(),
        )
        membership.wallet_balance = balance
        return entry

    if fresh:
        return post()
    existing = _existing(WalletEntry, unique_key)
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            entry = post()
    except IntegrityError:
        existing = _existing(WalletEntry, unique_key)
        if existing is None:
            raise
        return existing
    return entry


def _adjustment_reason(actor: User, reason: str) -> str:
    """Manual corrections need a permitted role and a reason."""
    require(actor, "loyalty.adjust")
    reason = (reason or "").strip()
    if not reason:
        message = _("Give a reason for the adjustment.")
        raise ApplicationError(message, {"reason": [message]})
    return reason


def _audit_adjustment(actor: User, membership: Membership, field: str, delta: int, after: int, reason: str) -> None:
    audit_log(
        actor=actor,
        action="update",
        instance=membership,
        subject=membership.customer,
        changes={field: [after - delta, after]},
        message=reason,
    )


@transaction.atomic
def points_adjust(*, actor: User, membership: Membership, points: int, reason: str) -> PointsEntry:
    reason = _adjustment_reason(actor, reason)
    entry = points_post(membership=membership, kind=PointsEntry.Kind.ADJUST, points=points, reason=reason, actor=actor)
    _audit_adjustment(actor, membership, "points_balance", points, entry.balance_after, reason)
    return entry


@transaction.atomic
def wallet_adjust(*, actor: User, membership: Membership, amount: int, reason: str) -> WalletEntry:
    reason = _adjustment_reason(actor, reason)
    entry = wallet_post(membership=membership, kind=WalletEntry.Kind.ADJUST, amount=amount, reason=reason, actor=actor)
    _audit_adjustment(actor, membership, "wallet_balance", amount, entry.balance_after, reason)
    return entry


def _earned_and_reversed(
    model: Any, amount_field: str, membership: Membership, source: str, earn_kinds: list[str]
) -> tuple[int, int]:
    rows = model.objects.filter(membership=membership, source=source)
    earned = rows.filter(kind__in=earn_kinds).aggregate(total=Coalesce(Sum(amount_field), 0))["total"]
    reversed_already = -rows.filter(kind="reverse").aggregate(total=Coalesce(Sum(amount_field), 0))["total"]
    return int(earned), int(reversed_already)


def _lock(membership: Membership) -> None:
    Membership.objects.select_for_update().filter(pk=membership.pk).values_list("pk", flat=True).first()


@transaction.atomic
def points_reverse_source(
    *, membership: Membership, source: str, refunded_share: float, actor: User | None, reason: str | Message
) -> int:
    """After a refund, take back the refunded share (cumulative, 0 to 1) of what `source` earned,
    less what earlier refunds took back — never more than the balance holds (points already
    spent stay spent). Returns the points taken back now."""
    # The member's row lock serializes two refunds of the same sale (and any spending meanwhile).
    _lock(membership)
    earned, reversed_already = _earned_and_reversed(
        PointsEntry, "points", membership, source, [PointsEntry.Kind.EARN, PointsEntry.Kind.BONUS]
    )
    membership.refresh_from_db(fields=["points_balance"])
    due = min(round(earned * min(refunded_share, 1.0)) - reversed_already, membership.points_balance)
    if due <= 0:
        return 0
    # Taken from the sale's own lot: it carries that lot's date, and expiry counts it against that
    # lot, not against her oldest points (`_expiring_by_member`).
    lot_expires = (
        PointsEntry.objects.filter(
            membership=membership, source=source, kind__in=[PointsEntry.Kind.EARN, PointsEntry.Kind.BONUS]
        )
        .order_by("-expires_at")
        .values_list("expires_at", flat=True)
        .first()
    )
    points_post(
        membership=membership,
        kind=PointsEntry.Kind.REVERSE,
        points=-due,
        source=source,
        reason=reason,
        actor=actor,
        expires_at=lot_expires,
    )
    return due


@transaction.atomic
def wallet_reverse_source(
    *, membership: Membership, source: str, refunded_share: float, actor: User | None, reason: str | Message
) -> int:
    """The cashback counterpart of `points_reverse_source`."""
    _lock(membership)
    credited, reversed_already = _earned_and_reversed(
        WalletEntry, "amount", membership, source, [WalletEntry.Kind.CASHBACK]
    )
    membership.refresh_from_db(fields=["wallet_balance"])
    due = min(round(credited * min(refunded_share, 1.0)) - reversed_already, membership.wallet_balance)
    if due <= 0:
        return 0
    wallet_post(
        membership=membership, kind=WalletEntry.Kind.REVERSE, amount=-due, source=source, reason=reason, actor=actor
    )
    return due


@transaction.atomic
def spent_return_source(
    *, membership: Membership, source: str, refunded_share: float, actor: User | None, reason: str | Message
) -> tuple[int, int]:
    """After a refund, give back the refunded share (cumulative, 0 to 1) of the points and cashback
    `source` was paid with, less what earlier refunds gave back: a refund returns what she paid with
    to where it came from. Posted as adjustments keyed `<source>:refund` (the ledger names them "…
    (refund)"). Returns (points, cashback) given back now."""
    _lock(membership)
    returned_source = f"{source}{REFUND_SUFFIX}"
    share = min(max(refunded_share, 0.0), 1.0)

    def points(due: int) -> object:
        return points_post(
            membership=membership, kind="adjust", points=due, source=returned_source, reason=reason, actor=actor
        )

    def cashback(due: int) -> object:
        return wallet_post(
            membership=membership, kind="adjust", amount=due, source=returned_source, reason=reason, actor=actor
        )

    given = []
    for model, field, spent_kind, post in (
        (PointsEntry, "points", PointsEntry.Kind.REDEEM, points),
        (WalletEntry, "amount", WalletEntry.Kind.SPEND, cashback),
    ):
        rows = model.objects.filter(membership=membership)
        spent = -int(rows.filter(source=source, kind=spent_kind).aggregate(total=Coalesce(Sum(field), 0))["total"])
        back = int(rows.filter(source=returned_source, kind="adjust").aggregate(total=Coalesce(Sum(field), 0))["total"])
        due = max(round(spent * share) - back, 0)
        if due:
            post(due)
        given.append(due)
    return given[0], given[1]


@dataclass(frozen=True)
class Mismatch:
    membership_id: int
    number: str
    kind: str  # "points" or "cashback"
    balance: int
    ledger: int


def ledger_mismatches() -> list[Mismatch]:
    """Members whose stored balance differs from the sum of their ledger (there should be none)."""
    found = []
    points = Membership.objects.annotate(ledger=Coalesce(Sum("points_entries__points"), 0)).exclude(
        ledger=F("points_balance")
    )
    for membership in points.only("id", "number", "points_balance"):
        found.append(Mismatch(membership.pk, membership.number, "points", membership.points_balance, membership.ledger))
    wallet = Membership.objects.annotate(ledger=Coalesce(Sum("wallet_entries__amount"), 0)).exclude(
        ledger=F("wallet_balance")
    )
    for membership in wallet.only("id", "number", "wallet_balance"):
        found.append(
            Mismatch(membership.pk, membership.number, "cashback", membership.wallet_balance, membership.ledger)
        )
    return found


def _expiring_by_member(
    cutoff: dt.datetime, membership_ids: list[int] | None = None, within: Q | None = None
) -> dict[int, int]:
    """Points that will have expired by `cutoff` and are not yet used, per member (of
    `membership_ids`, or of the members `within` names, e.g. a range of ids).

    Debits (redeemed, expired, reversed, negative adjustments) use the oldest points first, and
    every lot has the same validity, so the unused part of the lots past their date is what
    they earned minus everything debited so far — when positive. Two debits are not her oldest
    points': a refund's reversal of what a sale earned is taken from that sale's lot (it carries the
    lot's date: counted with the lot), and points a refund gave back of a redemption (`GIVEN_BACK`)
    undo that much of the debits.
    """
    entries = PointsEntry.objects.all()
    if membership_ids is not None:
        entries = entries.filter(membership_id__in=membership_ids)
    if within is not None:
        entries = entries.filter(within)
    lots = Q(kind__in=[PointsEntry.Kind.EARN, PointsEntry.Kind.BONUS, PointsEntry.Kind.REVERSE], expires_at__lte=cutoff)
    debits = (
        Q(kind__in=[PointsEntry.Kind.REDEEM, PointsEntry.Kind.EXPIRE])
        | Q(kind=PointsEntry.Kind.REVERSE, expires_at__isnull=True)  # recorded before reversals had a lot
        | Q(kind=PointsEntry.Kind.ADJUST, points__lt=0)
        | GIVEN_BACK
    )
    rows = (
        entries.values("membership_id")
        .annotate(
            expired=Coalesce(Sum("points", filter=lots), 0),
            debited=Coalesce(Sum("points", filter=debits), 0),
        )
        .filter(expired__gt=0)
    )
    return {
        row["membership_id"]: row["expired"] + row["debited"] for row in rows if row["expired"] + row["debited"] > 0
    }


EXPIRY_CHUNK = 5000


def _subtract_points(due: dict[int, int]) -> None:
    """Lower many members' balances at once (member id -> points). PostgreSQL: one UPDATE joined
    to the pairs, sent as two arrays (one statement each would cost a round trip per member, a
    CASE over thousands of members costs the ORM seconds to build, a VALUES list of thousands of
    pairs the server seconds to read); SQLite, in-process: one prepared statement run for every
    pair."""
    table = connection.ops.quote_name(Membership._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} SET points_balance = {table}.points_balance - due.points "
                f"FROM unnest(%s::bigint[], %s::bigint[]) AS due(member, points) WHERE {table}.id = due.member",
                [list(due), list(due.values())],
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET points_balance = points_balance - %s WHERE id = %s",
                [(points, member) for member, points in due.items()],
            )


def _member_chunks(membership_ids: list[int] | None) -> Iterator[Q]:
    """Conditions on `membership_id` for consecutive chunks: of the given members, or of every
    member by id range (no scan of the whole ledger to find them first)."""
    if membership_ids is not None:
        ordered = sorted(membership_ids)
        for start in range(0, len(ordered), EXPIRY_CHUNK):
            yield Q(membership_id__in=ordered[start : start + EXPIRY_CHUNK])
        return
    bounds = Membership.objects.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return
    for start in range(bounds["low"], bounds["high"] + 1, EXPIRY_CHUNK):
        yield Q(membership_id__gte=start, membership_id__lt=start + EXPIRY_CHUNK)


def points_expire_due(*, now: dt.datetime | None = None, membership_ids: list[int] | None = None) -> int:
    """Expire what is due (the nightly job); returns the points expired. Safe to run twice a day:
    each member gets at most one expiry entry per day.

    Set-based for a million members: members are taken in chunks under their row locks (every
    debit takes the member's lock too), their due points recounted in one query, and the chunk's
    entries and balances written in one INSERT and one UPDATE.
    """
    now = now or timezone.now()
    day = now.date().isoformat()
    reason, args = stored(Message(gettext_noop("Points older than the validity period")))
    json_args = stored_json(args)
    expired = 0
    # The nightly run over everyone: each entry's member is locked below (FOR UPDATE), so she
    # exists and the per-row foreign-key checks of a million entries can be skipped (ADR 0018).
    skip_checks = membership_ids is None and row_checks_skippable(PointsEntry, Membership)
    for chunk in _member_chunks(membership_ids):
        with transaction.atomic():
            # Members of the chunk holding lots past their date, under their row locks.
            lapsed = PointsEntry.objects.filter(
                chunk, kind__in=[PointsEntry.Kind.EARN, PointsEntry.Kind.BONUS], expires_at__lte=now
            ).values("membership_id")
            balances = dict(
                Membership.objects.select_for_update()
                .filter(pk__in=lapsed)
                .order_by("pk")
                .values_list("pk", "points_balance")
            )
            if not balances:
                continue
            # Counted under the locks: every debit takes the member's lock too. The chunk's own
            # condition (a range of ids), not a list of thousands of them, for this and the next
            # query; only the members locked count.
            due = {
                member: min(points, balances[member])
                for member, points in _expiring_by_member(now, within=chunk).items()
                if member in balances and min(points, balances[member]) > 0
            }
            # Expired today already (their keys, "expire:<member>:<day>", end with the day).
            done = set(
                PointsEntry.objects.filter(
                    chunk, kind=PointsEntry.Kind.EXPIRE, unique_key__endswith=f":{day}"
                ).values_list("membership_id", flat=True)
            )
            due = {member: points for member, points in due.items() if member not in done}
            if not due:
                continue
            stamp = connection.ops.adapt_datetimefield_value(now)
            if skip_checks:
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL session_replication_role = replica")
            insert_rows(
                PointsEntry,
                [
                    "membership_id",
                    "kind",
                    "points",
                    "balance_after",
                    "created_at",
                    "source",
                    "unique_key",
                    "reason",
                    "reason_args",
                ],
                [
                    (
                        member,
                        PointsEntry.Kind.EXPIRE.value,
                        -points,
                        balances[member] - points,
                        stamp,
                        "",
                        f"expire:{member}:{day}",
                        reason,
                        json_args,
                    )
                    for member, points in due.items()
                ],
            )
            _subtract_points(due)
            if skip_checks:  # back on at once: the caller's transaction may go on writing
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL session_replication_role = DEFAULT")
            expired += sum(due.values())
    return expired


def points_lapsed(membership: Membership, *, now: dt.datetime | None = None) -> int:
    """Points past their date that the nightly expiry has not taken yet: part of the balance, not
    spendable; the next debit expires them first (`expire_lapsed`)."""
    return points_lapsed_many([membership], now=now)[membership.pk]


def points_lapsed_many(memberships: Sequence[Membership], *, now: dt.datetime | None = None) -> dict[int, int]:
    """`points_lapsed` of many members in one query (a page of the API's member list)."""
    due = _expiring_by_member(now or timezone.now(), [member.pk for member in memberships])
    return {member.pk: max(0, min(due.get(member.pk, 0), member.points_balance)) for member in memberships}


@dataclass(frozen=True)
class PointsStanding:
    """Her balance as the pages show it: what she can pay with now, and what is past its date."""

    spendable: int
    lapsed: int


def points_standing(membership: Membership, *, now: dt.datetime | None = None) -> PointsStanding:
    lapsed = points_lapsed(membership, now=now)
    return PointsStanding(membership.points_balance - lapsed, lapsed)


def lapsed_refusal(spendable: int, lapsed: int, field: str) -> ApplicationError:
    """More points asked for than she can spend, some of her balance being past its date."""
    message = _("Not enough points: %(spendable)s can be used; %(lapsed)s are past their date.") % {
        "spendable": spendable,
        "lapsed": lapsed,
    }
    return ApplicationError(message, {field: [message]})


def expire_lapsed(
    membership: Membership, *, spend: int, field: str = "points", now: dt.datetime | None = None, fresh: bool = False
) -> int:
    """Before `spend` points are spent: expire what is past its date (the nightly job may not
    have run since), so a redemption never spends expired points and the ledger says so in order.
    Refused, with nothing written, when what is left is less than `spend` (the message names
    `field`). Under the member's row lock (as every debit and the nightly job take it), so two
    debits at once do not both expire the same points. Returns the points expired. `fresh`: as
    `points_post`."""
    now = now or timezone.now()
    balance = (
        Membership.objects.select_for_update().filter(pk=membership.pk).values_list("points_balance", flat=True).first()
    )
    if balance is None:
        return 0
    membership.points_balance = balance
    due = points_lapsed(membership, now=now)
    if not due:
        return 0
    if balance - due < spend:
        raise lapsed_refusal(balance - due, due, field)
    points_post(
        membership=membership,
        kind=PointsEntry.Kind.EXPIRE,
        points=-due,
        reason=Message(gettext_noop("Points older than the validity period")),
        at=now,
        fresh=fresh,
    )
    return due


def points_expiring_soon(
    *, days: int, now: dt.datetime | None = None, membership_ids: list[int] | None = None
) -> dict[int, int]:
    """Points each member will lose within `days` unless she uses them (for the notice ahead)."""
    now = now or timezone.now()
    later = _expiring_by_member(now + dt.timedelta(days=days), membership_ids)
    already = _expiring_by_member(now, membership_ids)
    return {
        member: points - already.get(member, 0) for member, points in later.items() if points > already.get(member, 0)
    }


@transaction.atomic
def ledger_check(*, actor: User | None = None) -> LedgerCheck:
    """Compare every balance with its ledger and keep the result (the nightly job, the admin page)."""
    if actor is not None:
        require(actor, "loyalty.manage")
    found = ledger_mismatches()
    return LedgerCheck.objects.create(
        checked=Membership.objects.count(),
        mismatches=[dataclasses.asdict(m) for m in found],
        actor=actor if actor is not None and actor.is_authenticated else None,
    )
