"""Joining, cards and referrals."""

import calendar
import datetime as dt
import secrets
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from setia.accounts.models import Branch, User
from setia.accounts.selectors import branch_scope, require
from setia.core.audit import audit_log
from setia.core.errors import ApplicationError
from setia.core.texts import Message
from setia.customers.models import Customer
from setia.loyalty.models import LoyaltySettings, Membership, PointsEntry, Referral, Tier
from setia.loyalty.services import ledger

# Higher apps tell loyalty whether a customer has bought before (sales registers it), so a
# referral of an existing customer can be refused without loyalty importing sales.
_history_checks: list[Callable[[int], bool]] = []

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at the counter


def register_purchase_history(check: Callable[[int], bool]) -> None:
    _history_checks.append(check)


def has_purchase_history(customer_id: int) -> bool:
    return any(check(customer_id) for check in _history_checks)


def loyalty_settings() -> LoyaltySettings:
    row, _created = LoyaltySettings.objects.get_or_create(pk=1)
    return row


def _new_referral_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(7))
        if not Membership.objects.filter(referral_code=code).exists():
            return code


def entry_tier() -> Tier | None:
    return Tier.objects.filter(is_active=True).order_by("rank").first()


def unknown_referral_code(code: str) -> str | None:
    """Why `code` names no member who may bring friends (a form checks it with her other fields,
    before anything is saved); None when it does."""
    code = code.strip().upper()
    if Membership.objects.filter(referral_code=code, status=Membership.Status.ACTIVE).exists():
        return None
    return _("The referral code %(code)s does not exist.") % {"code": code}


def _referrer_for(code: str, customer: Customer) -> Membership:
    code = code.strip().upper()
    referrer = Membership.objects.select_related("customer").filter(referral_code=code).first()
    if referrer is None or referrer.status != Membership.Status.ACTIVE:
        message = _("The referral code %(code)s does not exist.") % {"code": code}
        raise ApplicationError(message, {"referral_code": [message]})
    if referrer.customer_id == customer.pk:
        message = _("A member cannot refer herself.")
        raise ApplicationError(message, {"referral_code": [message]})
    if has_purchase_history(customer.pk):
        message = _("%(name)s is already a customer: referral codes are for new customers.") % {"name": customer.name}
        raise ApplicationError(message, {"referral_code": [message]})
    return referrer


@transaction.atomic
def membership_join(
    *, actor: User, customer: Customer, branch: Branch | None = None, referral_code: str = ""
) -> Membership:
    """Give `customer` a member card (number, QR code, referral code), the entry tier and any
    sign-up points; with a friend's referral code, link the two and reward them if the
    programme rewards at sign-up."""
    require(actor, "loyalty.enrol")
    if not branch_scope(actor).allows(customer.home_branch_id):
        raise ApplicationError(_("Customer not found."))
    if customer.merged_into_id or customer.archived_at:
        raise ApplicationError(_("This customer record is no longer in use."))
    if Membership.objects.filter(customer=customer).exists():
        message = _("%(name)s is already a member.") % {"name": customer.name}
        raise ApplicationError(message, {"customer": [message]})
    referrer = _referrer_for(referral_code, customer) if referral_code.strip() else None
    config = loyalty_settings()
    tier = entry_tier()
    branch = branch or actor.branch or customer.home_branch
    membership = Membership.objects.create(
        customer=customer,
        number=f"PENDING-{secrets.token_hex(8)}",
        branch=branch,
        tier=tier,
        tier_since=timezone.now() if tier else None,
        referral_code=_new_referral_code(),
        referred_by=referrer,
    )
    membership.number = f"{config.card_prefix}{membership.pk:08d}"
    membership.save(update_fields=["number"])
    # The card number is also searchable on the customer record.
    Customer.objects.filter(pk=customer.pk).update(member_number=membership.number)
    customer.member_number = membership.number
    if config.sign_up_points:
        ledger.points_post(
            membership=membership,
            kind=PointsEntry.Kind.BONUS,
            points=config.sign_up_points,
            source=f"loyalty.membership:{membership.pk}",
            unique_key=f"signup:{membership.pk}",
            reason=Message(gettext_noop("Welcome points for joining")),
            expires_at=expiry_from(timezone.now(), config),
            actor=actor,
        )
    if referrer is not None:
        referral = Referral.objects.create(referrer=referrer, referee=membership)
        if config.referral_trigger == LoyaltySettings.ReferralTrigger.SIGN_UP:
            referral_reward(referral=referral, actor=actor)
    audit_log(
        actor=actor,
        action="create",
        instance=membership,
        subject=customer,
        changes={
            "number": [None, membership.number],
            **({"referred_by": [None, referrer.number]} if referrer else {}),
        },
        branch_id=customer.home_branch_id,
    )
    return membership


def expiry_from(at: dt.datetime, config: LoyaltySettings) -> dt.datetime | None:
    """When points earned at `at` expire: the same day `points_expire_months` later (the last
    day of a shorter month)."""
    months = min(config.points_expire_months, 120)  # the form's limit (a value saved before it)
    if not months:
        return None
    month_index = at.month - 1 + months
    year, month = at.year + month_index // 12, month_index % 12 + 1
    return at.replace(year=year, month=month, day=min(at.day, calendar.monthrange(year, month)[1]))


@transaction.atomic
def referral_reward(*, referral: Referral, actor: User | None, at: dt.datetime | None = None, source: str = "") -> None:
    """Reward both sides once, and the referrer's threshold reward when she reaches it. `at`: when
    the friend earned it (a purchase recorded afterwards, such as an imported one, is rewarded as of
    its time); now by default. `source`: the purchase that set it off, as the ledger names it."""
    # The referrer's row first: two friends rewarded at once must both be counted towards her
    # threshold, so the counting is serialized per referrer.
    Membership.objects.select_for_update().filter(pk=referral.referrer_id).values_list("pk", flat=True).first()
    locked = Referral.objects.select_for_update().select_related("referrer", "referee").get(pk=referral.pk)
    if locked.status == Referral.Status.REWARDED:
        return
    config = loyalty_settings()
    now = at or timezone.now()
    ledger_source = f"loyalty.referral:{locked.pk}"
    if config.referrer_points:
        ledger.points_post(
            membership=locked.referrer,
            kind=PointsEntry.Kind.BONUS,
            points=config.referrer_points,
            source=ledger_source,
            unique_key=f"referral:{locked.pk}:referrer",
            reason=Message(
                gettext_noop("Referral: a friend joined")
                if config.referral_trigger == LoyaltySettings.ReferralTrigger.SIGN_UP
                else gettext_noop("Referral: a friend's first purchase")
            ),
            expires_at=expiry_from(now, config),
            actor=actor,
            at=now,
        )
    if config.referee_points:
        ledger.points_post(
            membership=locked.referee,
            kind=PointsEntry.Kind.BONUS,
            points=config.referee_points,
            source=ledger_source,
            unique_key=f"referral:{locked.pk}:referee",
            reason=Message(gettext_noop("Referral: welcome from a friend")),
            expires_at=expiry_from(now, config),
            actor=actor,
            at=now,
        )
    locked.status = Referral.Status.REWARDED
    locked.rewarded_at = now
    locked.rewarded_source = source
    locked.save(update_fields=["status", "rewarded_at", "rewarded_source"])
    if config.referral_threshold and config.referral_threshold_voucher_id:
        rewarded = Referral.objects.filter(referrer=locked.referrer, status=Referral.Status.REWARDED).count()
        if rewarded % config.referral_threshold == 0:
            from setia.loyalty.services import vouchers

            # Keyed by the count reached: the 3rd friend gives one code, ever; the 6th another.
            locked.threshold_code = vouchers.code_issue_system(
                voucher=config.referral_threshold_voucher,  # type: ignore[arg-type]
                customer=locked.referrer.customer,
                unique_key=f"referral-threshold:{locked.referrer_id}:{rewarded}",
                reason=Message(gettext_noop("Brought %(count)s friends"), {"count": rewarded}),
                at=now,
            )
            locked.save(update_fields=["threshold_code"])


@transaction.atomic
def referral_link(*, actor: User, membership: Membership, referral_code: str) -> Referral:
    """Link a member who joined without a code to the friend who brought her (before her first
    purchase); rewarded like a referral made at joining."""
    require(actor, "loyalty.enrol")
    membership = Membership.objects.select_for_update().select_related("customer").get(pk=membership.pk)
    code = (referral_code or "").strip().upper()
    if not code:
        message = _("Enter the friend's referral code.")
        raise ApplicationError(message, {"referral_code": [message]})
    if code == membership.referral_code:
        message = _("A member cannot refer herself.")
        raise ApplicationError(message, {"referral_code": [message]})
    if membership.referred_by_id is not None:
        message = _("%(name)s was already referred by another member.") % {"name": membership.customer.name}
        raise ApplicationError(message, {"referral_code": [message]})
    referrer = _referrer_for(code, membership.customer)
    if referrer.referred_by_id == membership.pk:
        message = _("%(name)s was brought by this member: referrals cannot go in a circle.") % {
            "name": referrer.customer.name
        }
        raise ApplicationError(message, {"referral_code": [message]})
    membership.referred_by = referrer
    membership.save(update_fields=["referred_by", "updated_at"])
    referral = Referral.objects.create(referrer=referrer, referee=membership)
    if loyalty_settings().referral_trigger == LoyaltySettings.ReferralTrigger.SIGN_UP:
        referral_reward(referral=referral, actor=actor)
    audit_log(
        actor=actor,
        action="update",
        instance=membership,
        subject=membership.customer,
        changes={"referred_by": [None, referrer.number]},
    )
    return referral


def referral_url(membership: Membership) -> str:
    """The link a member shares with a friend: the public invitation with her code (relative; the
    page adds the host)."""
    from django.urls import reverse

    return reverse("loyalty:referral_invite", args=[membership.referral_code])


def _unused_lots(membership: Membership) -> list[tuple[dt.datetime | None, int]]:
    """The member's points as lots still unused, oldest first: (expires_at, points). Debits use the
    oldest lots first, as expiry does (points a refund gave back undo that much of them); points
    without a lot (positive adjustments) come last."""
    entries = list(PointsEntry.objects.filter(membership=membership).order_by("created_at", "id"))
    lots = [e for e in entries if e.kind in (PointsEntry.Kind.EARN, PointsEntry.Kind.BONUS)]
    left = [e.points for e in lots]
    # A refund's reversal with its lot's date is taken from its own sale's lots.
    reversals = [e for e in entries if e.kind == PointsEntry.Kind.REVERSE and e.expires_at is not None]
    unplaced = 0
    for reversal in reversals:
        due = -reversal.points
        for index, lot in enumerate(lots):
            if lot.source == reversal.source and due > 0:
                used = min(left[index], due)
                left[index] -= used
                due -= used
        unplaced += due
    returned = [e for e in entries if ledger.given_back(e)]
    loose = sum(e.points for e in entries if e.kind == PointsEntry.Kind.ADJUST and e.points > 0) - sum(
        e.points for e in returned
    )
    taken = -sum(e.points for e in entries if e.points < 0) - sum(-e.points for e in reversals)
    debit = max(taken + unplaced - sum(e.points for e in returned), 0)
    for index, points in enumerate(left):
        used = min(points, debit)
        left[index] -= used
        debit -= used
    loose -= debit
    remaining = [(lot.expires_at, points) for lot, points in zip(lots, left, strict=True) if points > 0]
    if loose > 0:
        remaining.append((None, loose))
    return remaining


def membership_merge(survivor: Customer, merged: Customer, actor: User) -> None:
    """Customers merge handler. Only the merged-away customer is a member: her membership moves.
    Both are: the survivor keeps her card; the merged card's points and cashback move to it as a
    pair of entries — out of the old card, into the survivor's (keeping each lot's expiry date) —
    so both ledgers still add up, and the old card is cancelled. Personal voucher codes, tier
    activity and referrals follow the person."""
    from setia.loyalty.models import QualifyingActivity, VoucherCode, VoucherUse, WalletEntry

    VoucherCode.objects.filter(customer=merged).update(customer=survivor)
    VoucherUse.objects.filter(customer=merged).update(customer=survivor)
    old = Membership.objects.select_for_update().filter(customer=merged).first()
    if old is None:
        return
    kept = Membership.objects.select_for_update().filter(customer=survivor).first()
    if kept is None:
        Membership.objects.filter(pk=old.pk).update(customer=survivor)
        Customer.objects.filter(pk=survivor.pk).update(member_number=old.number)
        survivor.member_number = old.number
        audit_log(
            actor=actor,
            action="update",
            instance=old,
            subject=survivor,
            message=Message(gettext_noop("Membership %(number)s moved from a merged customer"), {"number": old.number}),
        )
        return
    source = f"loyalty.merge:{old.pk}"
    reason = _("Merged: card %(old)s into %(new)s") % {"old": old.number, "new": kept.number}
    lots = _unused_lots(old)
    moved = sum(points for _expires, points in lots)
    if old.points_balance != moved:  # a points balance the lots do not explain: move the balance itself
        lots = [(None, old.points_balance)]
        moved = old.points_balance
    if moved:
        ledger.points_post(
            membership=old,
            kind=PointsEntry.Kind.ADJUST,
            points=-moved,
            source=source,
            unique_key=f"{source}:points-out",
            reason=reason,
            actor=actor,
        )
        for index, (expires, points) in enumerate(lots):
            ledger.points_post(
                membership=kept,
                kind=PointsEntry.Kind.BONUS if expires else PointsEntry.Kind.ADJUST,
                points=points,
                source=source,
                unique_key=f"{source}:points-in:{index}",
                reason=reason,
                actor=actor,
                expires_at=expires,
            )
    if old.wallet_balance:
        amount = old.wallet_balance
        ledger.wallet_post(
            membership=old,
            kind=WalletEntry.Kind.ADJUST,
            amount=-amount,
            source=source,
            unique_key=f"{source}:wallet-out",
            reason=reason,
            actor=actor,
        )
        ledger.wallet_post(
            membership=kept,
            kind=WalletEntry.Kind.ADJUST,
            amount=amount,
            source=source,
            unique_key=f"{source}:wallet-in",
            reason=reason,
            actor=actor,
        )
    QualifyingActivity.objects.filter(membership=old).update(membership=kept)
    # Friends the old card brought now count for the survivor (not a friend who is the survivor).
    Referral.objects.filter(referrer=old).exclude(referee=kept).update(referrer=kept)
    Membership.objects.filter(referred_by=old).exclude(pk=kept.pk).update(referred_by=kept)
    Membership.objects.filter(pk=old.pk).update(status=Membership.Status.CANCELLED)
    audit_log(
        actor=actor,
        action="update",
        instance=kept,
        subject=survivor,
        changes={"points": [kept.points_balance - moved, kept.points_balance]},
        message=reason,
    )
    from setia.loyalty.services.tiers import tiers_reevaluate

    tiers_reevaluate(membership_ids=[kept.pk], upgrade_only=True)
