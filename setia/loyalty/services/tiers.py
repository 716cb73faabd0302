"""Tier qualification: spend or visits in a rolling window, re-evaluated periodically and
upgraded at once when a purchase qualifies. Every change records why."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Literal

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from setia.accounts.models import User
from setia.accounts.selectors import require
from setia.core.audit import audit_log
from setia.core.bulk import hold_keys, insert_rows, row_checks_skippable
from setia.core.money import format_count, format_rupiah
from setia.core.tasks import enqueue_on_commit
from setia.core.texts import Message, stored, stored_json
from setia.loyalty.models import Membership, QualifyingActivity, Tier, TierChange


def _qualifies(tier: Tier, spend: int, visits: int) -> bool:
    if tier.min_spend == 0 and tier.min_visits == 0:
        return True
    return (tier.min_spend > 0 and spend >= tier.min_spend) or (tier.min_visits > 0 and visits >= tier.min_visits)


def tier_rule(tier: Tier) -> str:
    """A tier's rule in words, as `_qualifies` applies it: the spend OR the visits is enough
    ("Rp 2.000.000 spent or 6 visits"); a tier without either is everyone's."""
    spend = format_rupiah(tier.min_spend)
    visits = format_count(tier.min_visits)
    if tier.min_spend and tier.min_visits:
        return ngettext(
            "%(spend)s spent or %(visits)s visit", "%(spend)s spent or %(visits)s visits", tier.min_visits
        ) % {"spend": spend, "visits": visits}
    if tier.min_spend:
        return _("%(spend)s spent") % {"spend": spend}
    if tier.min_visits:
        return ngettext("%(visits)s visit", "%(visits)s visits", tier.min_visits) % {"visits": visits}
    return _("every member")


def _activity(since: dt.date, today: dt.date, membership_ids: list[int] | None = None) -> dict[int, tuple[int, int]]:
    rows = QualifyingActivity.objects.filter(occurred_on__gt=since, occurred_on__lte=today)
    if membership_ids is not None:
        rows = rows.filter(membership_id__in=membership_ids)
    totals = rows.values("membership_id").annotate(spend=Sum("amount"), visits=Sum("visits"))
    return {row["membership_id"]: (int(row["spend"] or 0), int(row["visits"] or 0)) for row in totals}


def _reason(tier: Tier | None, spend: int, visits: int, window: int, lowest: Tier) -> Message:
    """Why the member is in `tier` (None: in none, short of the lowest tier's rule)."""
    if tier is None:
        return Message(
            gettext_noop("Rp %(spend)s and %(visits)s visits in the last %(days)s days: below %(tier)s"),
            {"spend": spend, "visits": visits, "days": window, "tier": lowest.name},
        )
    return Message(
        gettext_noop("Rp %(spend)s and %(visits)s visits in the last %(days)s days: %(tier)s"),
        {"spend": spend, "visits": visits, "days": window, "tier": tier.name},
    )


def _best(
    tiers: list[Tier], activity: dict[int, dict[int, tuple[int, int]]], membership_id: int
) -> tuple[Tier | None, int, int, int]:
    """The highest tier whose rule the member meets (`tiers` highest rank first), with her spend
    and visits in its window; None and her figures in the lowest tier's window if she meets none."""
    for tier in tiers:
        spend, visits = activity[tier.window_days].get(membership_id, (0, 0))
        if _qualifies(tier, spend, visits):
            return tier, spend, visits, tier.window_days
    spend, visits = activity[tiers[-1].window_days].get(membership_id, (0, 0))
    return None, spend, visits, tiers[-1].window_days


def windows_to_check(active_tiers: list[Tier], current_rank: int | None) -> list[int]:
    """The tier windows (days) a purchase must sum to see whether it lifts the member to a higher
    tier; none when there are no tiers or she is in the highest one already (as
    `tiers_reevaluate` decides for one member with `upgrade_only`)."""
    if not active_tiers or (current_rank is not None and current_rank >= max(tier.rank for tier in active_tiers)):
        return []
    return sorted({tier.window_days for tier in active_tiers})


@dataclass(frozen=True)
class Upgrade:
    tier: Tier
    spend: int
    visits: int
    reason: Message


def purchase_upgrade(
    *, membership: Membership, active_tiers: list[Tier], activity: dict[int, tuple[int, int]]
) -> Upgrade | None:
    """The higher tier a purchase lifts the member to, if any — the decision `tiers_reevaluate`
    makes for one member with `upgrade_only` — from her spend and visits per window (days),
    this purchase included. The caller writes the change."""
    rank = {tier.pk: tier.rank for tier in active_tiers}
    best, spend, visits, window = _best(
        active_tiers, {days: {membership.pk: totals} for days, totals in activity.items()}, membership.pk
    )
    if best is None or best.pk == membership.tier_id or rank[best.pk] <= rank.get(membership.tier_id or 0, -1):
        return None
    return Upgrade(best, spend, visits, _reason(best, spend, visits, window, active_tiers[-1]))


def tiers_reevaluate(
    *,
    today: dt.date | None = None,
    membership_ids: list[int] | None = None,
    upgrade_only: bool = False,
    active_tiers: list[Tier] | None = None,
    current_rank: int | Literal["look up"] | None = "look up",
    at: dt.datetime | None = None,
) -> dict[str, int]:
    """Put every member (or the given ones) in the highest tier whose rule she meets.
    `active_tiers`: the active tiers, highest rank first, when the caller has them;
    `current_rank`: the one given member's tier rank (None: no tier), when the caller has it;
    `at`: when the change happened (a purchase recorded later: the purchase's moment), else now."""
    today = today or timezone.localdate()
    tiers = active_tiers if active_tiers is not None else list(Tier.objects.filter(is_active=True).order_by("-rank"))
    if not tiers:
        return {"upgraded": 0, "downgraded": 0}
    if upgrade_only and membership_ids is not None and len(membership_ids) == 1:
        # At a purchase: nothing to do for a member already in the highest tier.
        current = (
            Membership.objects.filter(pk=membership_ids[0]).values_list("tier__rank", flat=True).first()
            if current_rank == "look up"
            else current_rank
        )
        if current is not None and current >= max(tier.rank for tier in tiers):
            return {"upgraded": 0, "downgraded": 0}
    rank = {tier.pk: tier.rank for tier in tiers}
    activity = {
        window: _activity(today - dt.timedelta(days=window), today, membership_ids)
        for window in {t.window_days for t in tiers}
    }
    members = Membership.objects.filter(status=Membership.Status.ACTIVE)
    if membership_ids is not None:
        members = members.filter(pk__in=membership_ids)
    moves: dict[int | None, list[int]] = defaultdict(list)
    changes: list[tuple[int, int | None, int | None, int, int, str, str | None]] = []
    counts = {"upgraded": 0, "downgraded": 0}
    pairs = members.values_list("pk", "tier_id")
    # Everyone: streamed in chunks. A few given members (a purchase): one plain query, not a
    # server-side cursor's three round trips.
    rows = pairs.iterator(chunk_size=20_000) if membership_ids is None or len(membership_ids) > 1000 else pairs
    for membership_id, tier_id in rows:
        best, spend, visits, window = _best(tiers, activity, membership_id)
        best_id = best.pk if best else None
        if best_id == tier_id:
            continue
        up = rank.get(best_id or 0, -1) > rank.get(tier_id or 0, -1)
        if upgrade_only and not up:
            continue
        counts["upgraded" if up else "downgraded"] += 1
        moves[best_id].append(membership_id)
        reason, args = stored(_reason(best, spend, visits, window, tiers[-1]))
        changes.append((membership_id, tier_id, best_id, spend, visits, reason, stored_json(args)))
    if changes:
        _write_moves(moves, changes, at or timezone.now())
    return counts


# Up to this many active members, "Re-evaluate tiers now" runs while the owner waits (a few
# seconds at most); beyond it, the run is a background job, as the nightly one is.
REEVALUATE_NOW_LIMIT = 20_000


@dataclass(frozen=True)
class Reevaluation:
    """What "Re-evaluate tiers now" did: the members moved, or that the run was started."""

    members: int  # active members the run looks at
    upgraded: int = 0
    downgraded: int = 0
    started: bool = False  # too many to wait for: enqueued, and the counts are not known yet


@transaction.atomic
def tiers_reevaluate_now(*, actor: User) -> Reevaluation:
    """The nightly tier re-evaluation on demand (after a tier's rule changed), for those who may
    edit tiers: run at once, or enqueued when there are more than `REEVALUATE_NOW_LIMIT` members."""
    from setia.loyalty import tasks
    from setia.loyalty.services.membership import loyalty_settings

    require(actor, "loyalty.manage")
    members = Membership.objects.filter(status=Membership.Status.ACTIVE).count()
    if members > REEVALUATE_NOW_LIMIT:
        enqueue_on_commit(tasks.loyalty_tiers_reevaluate)
        result = Reevaluation(members=members, started=True)
        message = Message(gettext_noop("Tier re-evaluation started for %(members)s members"), {"members": members})
    else:
        moves = tiers_reevaluate()
        result = Reevaluation(members=members, upgraded=moves["upgraded"], downgraded=moves["downgraded"])
        message = Message(
            gettext_noop("Tiers re-evaluated for %(members)s members: %(upgraded)s up, %(downgraded)s down"),
            {"members": members, **moves},
        )
    audit_log(actor=actor, action="update", instance=loyalty_settings(), message=message)
    return result


_CHANGE_COLUMNS = ["membership_id", "from_tier_id", "to_tier_id", "spend", "visits", "reason", "reason_args"]
_MOVE_CHUNK = 100_000


def _write_moves(
    moves: dict[int | None, list[int]],
    changes: list[tuple[int, int | None, int | None, int, int, str, str | None]],
    now: dt.datetime,
) -> None:
    """Move the members to their tiers and record each change, in one transaction. Many at once on
    PostgreSQL (the nightly run): the foreign keys are checked once for the whole run, not per
    row — the tiers held (`hold_keys`), the members locked by their own update and counted —
    with the per-row checks skipped where `row_checks_skippable` allows (ADR 0016's way)."""
    tier_ids = {tier for change in changes for tier in change[1:3]}
    stamp = connection.ops.adapt_datetimefield_value(now)
    rows = [(*change[:3], stamp, *change[3:]) for change in changes]
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:  # nothing caught inside
        skip_checks = (
            len(changes) >= 1000 and row_checks_skippable(Membership, TierChange) and hold_keys(Tier, tier_ids)
        )
        if skip_checks:
            cursor.execute("SET LOCAL session_replication_role = replica")
        moved = _move(cursor, moves, now)
        if skip_checks and moved != len(changes):  # a member went since she was read: checked per row
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
            skip_checks = False
        insert_rows(TierChange, [*_CHANGE_COLUMNS[:3], "created_at", *_CHANGE_COLUMNS[3:]], rows)
        if skip_checks:
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")


def _move(cursor: Any, moves: dict[int | None, list[int]], now: dt.datetime) -> int:
    """Each member to her new tier; how many were moved."""
    moved = 0
    for target, ids in moves.items():
        if connection.vendor == "postgresql":  # one array parameter, not thousands of IN parameters
            for start in range(0, len(ids), _MOVE_CHUNK):
                cursor.execute(
                    f"UPDATE {Membership._meta.db_table} SET tier_id = %s, tier_since = %s WHERE id = ANY(%s)",
                    [target, now, ids[start : start + _MOVE_CHUNK]],
                )
                moved += cursor.rowcount
        else:
            for start in range(0, len(ids), 5000):
                moved += Membership.objects.filter(pk__in=ids[start : start + 5000]).update(
                    tier_id=target, tier_since=now
                )
    return moved
