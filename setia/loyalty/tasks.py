"""Loyalty's background jobs. Each is safe to run twice: expiry and birthday points are keyed by
day and year, tier changes only move members whose tier differs, the check only reads."""

from typing import Any

from django.tasks import task


@task
def loyalty_nightly() -> dict[str, Any]:
    """The nightly run: expire due points, give birthday points, re-evaluate tiers, then check that
    every balance equals its ledger."""
    from setia.loyalty.services import ledger, purchases, tiers

    expired = ledger.points_expire_due()
    birthdays = purchases.birthday_bonus()
    moves = tiers.tiers_reevaluate()
    check = ledger.ledger_check()
    return {"expired": expired, "birthdays": birthdays, **moves, "mismatches": len(check.mismatches)}


@task
def loyalty_check() -> int:
    """The balance check on demand (from the admin page)."""
    from setia.loyalty.services import ledger

    return len(ledger.ledger_check().mismatches)


@task
def loyalty_tiers_reevaluate() -> dict[str, int]:
    """The nightly run's tier re-evaluation on demand ("Re-evaluate tiers now" over many members)."""
    from setia.loyalty.services import tiers

    return tiers.tiers_reevaluate()
