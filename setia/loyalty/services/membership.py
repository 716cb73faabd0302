"""Joining, cards and referrals."""

import calendar
import datetime as dt
import secrets
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from setia.accounts.models import Branch, User
from setia.accounts.selectors import branch_scope, require
from setia.core.audit import audit_log
from setia.core.errors import ApplicationError
from setia.customers.models import Customer
from setia.loyalty.models import LoyaltySettings, Membership, PointsEntry, Referral, Tier
from setia.loyalty.services import ledger

# Higher apps tell loyalty whether a customer has bought before (sales registers it), so a
# referral of an existing customer can be refused without loyalty importing sales.
_history_checks: list[Callable[[int], bool]] = []

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at the counter


def register_purchase_history(check: Callable[[int], bool]) -> None:
    _history_checks.append(check)


def has_purchase_history(customer_id: int) -> bool:
    return any(check(customer_id) for check in _history_checks)


def loyalty_settings() -> LoyaltySettings:
    row, _created = LoyaltySettings.objects.get_or_create(pk=1)
    return row


def _new_referral_code() -> str:
    while True:
        code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(7))
        if not Membership.objects.filter(referral_code=code).exists():
            return code


def entry_tier() -> Tier | None:
    return Tier.objects.filter(is_active=True).order_by("rank").first()


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
            reason=_("Welcome points for joining"),
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
            "member_number": [None, membership.number],
            **({"referred_by": [None, referrer.number]} if referrer else {}),
        },
        branch_id=customer.home_branch_id,
    )
    return membership


def expiry_from(at: dt.datetime, config: LoyaltySettings) -> dt.datetime | None:
    """When points earned at `at` expire: the same day `points_expire_months` later (the last
    day of a shorter month)."""
    months = config.points_expire_months
    if not months:
        return None
    month_index = at.month - 1 + months
    year, month = at.year + month_index // 12, month_index % 12 + 1
    return at.replace(year=year, month=month, day=min(at.day, calendar.monthrange(year, month)[1]))


@transaction.atomic
def referral_reward(*, referral: Referral, actor: User | None) -> None:
    """Reward both sides once, and the referrer's threshold reward when she reaches it."""
    locked = Referral.objects.select_for_update().select_related("referrer", "referee").get(pk=referral.pk)
    if locked.status == Referral.Status.REWARDED:
        return
    config = loyalty_settings()
    now = timezone.now()
    source = f"loyalty.referral:{locked.pk}"
    if config.referrer_points:
        ledger.points_post(
            membership=locked.referrer,
            kind=PointsEntry.Kind.BONUS,
            points=config.referrer_points,
            source=source,
            unique_key=f"referral:{locked.pk}:referrer",
            reason=_("Referral: a friend joined"),
            expires_at=expiry_from(now, config),
            actor=actor,
        )
    if config.referee_points:
        ledger.points_post(
            membership=locked.referee,
            kind=PointsEntry.Kind.BONUS,
            points=config.referee_points,
            source=source,
            unique_key=f"referral:{locked.pk}:referee",
            reason=_("Referral: welcome from a friend"),
            expires_at=expiry_from(now, config),
            actor=actor,
        )
    locked.status = Referral.Status.REWARDED
    locked.rewarded_at = now
    locked.save(update_fields=["status", "rewarded_at"])
    if config.referral_threshold and config.referral_threshold_voucher_id:
        rewarded = Referral.objects.filter(referrer=locked.referrer, status=Referral.Status.REWARDED).count()
        if rewarded % config.referral_threshold == 0:
            from setia.loyalty.services import vouchers

            vouchers.code_issue_system(
                voucher=config.referral_threshold_voucher,  # type: ignore[arg-type]
                customer=locked.referrer.customer,
                unique_key=f"referral-threshold:{locked.referrer_id}:{rewarded}",
                reason=_("Brought %(count)s friends") % {"count": rewarded},
            )
