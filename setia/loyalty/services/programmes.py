"""The programme's configuration — settings, tiers, earn and cashback rules, rewards, promotions,
value propositions and 4R programmes — and what a programme achieved.

The back office edits these through one audited save: forms parse, `config_save` checks the
capability, validates the model, saves, sets its many-to-many fields and records the change.
"""

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from setia.accounts.models import User
from setia.accounts.selectors import require
from setia.core.audit import audit_changed, audit_created, snapshot
from setia.core.errors import ApplicationError, validate_instance
from setia.loyalty.models import (
    EarnRule,
    LoyaltySettings,
    Membership,
    Programme,
    Promotion,
    Referral,
    Tier,
    Voucher,
    VoucherUse,
)
from setia.segments.services import segment_customer_ids


def _fields(instance: models.Model) -> list[str]:
    return [
        f.name
        for f in instance._meta.get_fields()
        if getattr(f, "concrete", False) and not f.auto_created and f.name not in ("created_at", "updated_at")
    ]


def _check(instance: models.Model) -> None:
    if isinstance(instance, Voucher):
        from setia.loyalty.services.vouchers import _check_voucher

        instance.name = (instance.name or "").strip()
        _check_voucher(instance)
        _check_still_given(instance)
        return
    errors: dict[str, list[str]] = {}
    if isinstance(instance, Tier):
        _check_entry_tier(instance)
    if isinstance(instance, EarnRule):
        if instance.kind == EarnRule.Kind.PRODUCT and instance.product_id is None:
            errors["product"] = [_("Choose the product.")]
        if instance.kind == EarnRule.Kind.CATEGORY and instance.category_id is None:
            errors["category"] = [_("Choose the category.")]
        if instance.kind in (EarnRule.Kind.PRODUCT, EarnRule.Kind.CATEGORY) and not instance.points:
            errors["points"] = [_("Enter the extra points per item.")]
        if instance.kind == EarnRule.Kind.MULTIPLIER and instance.multiplier <= 0:
            errors["multiplier"] = [_("Enter a multiplier greater than zero.")]
        days = [d.strip() for d in instance.weekdays.split(",") if d.strip()]
        if any(d not in "1234567" or len(d) != 1 for d in days):
            errors["weekdays"] = [_("Use the numbers 1 (Monday) to 7 (Sunday), separated by commas.")]
        instance.weekdays = ",".join(days)
    if isinstance(instance, Promotion):
        if instance.kind == Promotion.Kind.BUY_X_GET_Y and instance.reward_product_id is None:
            instance.reward_product_id = instance.product_id  # "buy a book, get a book"
        needs_y = instance.kind in (Promotion.Kind.BUY_X_GET_Y, Promotion.Kind.BUNDLE)
        if needs_y and instance.reward_product_id is None:
            errors["reward_product"] = [_("Choose product Y.")]
        if instance.kind == Promotion.Kind.BUNDLE and not instance.bundle_price:
            errors["bundle_price"] = [_("Enter the bundle price.")]
        if instance.kind == Promotion.Kind.NEXT_DISCOUNT and not 0 < instance.discount_percent <= 100:
            errors["discount_percent"] = [_("A percentage must be between 1 and 100.")]
        if instance.product_id is None:
            errors["product"] = [_("Choose product X.")]
        if instance.kind == Promotion.Kind.STAMP_CARD and instance.quantity < 2:
            errors["quantity"] = [_("A stamp card needs at least 2 visits before the free one.")]
        elif instance.quantity < 1:
            errors["quantity"] = [_("Enter at least 1.")]
    starts, ends = getattr(instance, "starts_on", None), getattr(instance, "ends_on", None)
    if starts and ends and ends < starts:
        errors["ends_on"] = [_("The end must be after the start.")]
    if errors:
        raise ApplicationError(next(iter(errors.values()))[0], errors)
    validate_instance(instance)


def _check_still_given(voucher: Voucher) -> None:
    """A voucher the programme gives by itself (the threshold reward for bringing friends, a
    promotion's free X or next-time discount) stays active while it is given: its codes would be
    refused at the till."""
    if voucher.is_active or voucher.pk is None:
        return
    message = ""
    if LoyaltySettings.objects.filter(pk=1, referral_threshold_voucher=voucher, referral_threshold__gt=0).exists():
        message = _(
            "Active: this voucher is the reward for bringing friends (loyalty settings). Choose another threshold "
            "reward there, or set the friends needed to 0, before switching it off."
        )
    today = timezone.localdate()
    giver = (
        Promotion.objects.filter(voucher=voucher, is_active=True)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .first()
    )
    if giver is not None:
        message = _(
            "Active: this voucher is what the promotion “%(name)s” gives. Switch the promotion off "
            "before switching the voucher off."
        ) % {"name": giver.name}
    if message:
        raise ApplicationError(message, {"is_active": [message]})


def _check_entry_tier(tier: Tier) -> None:
    """The lowest active tier is the one new members join: it is switched off last, or members
    would join a higher tier without qualifying and fall out of every tier at the next run."""
    if tier.is_active or tier.pk is None:
        return
    active = Tier.objects.filter(is_active=True)
    entry = active.order_by("rank").first()
    if entry is not None and entry.pk == tier.pk and active.exclude(pk=tier.pk).exists():
        message = _(
            "Active: “%(name)s” is the tier new members join (the lowest rank). Switch the tiers above "
            "it off first, or make another tier the entry tier by giving it a lower rank."
        ) % {"name": entry.name}
        raise ApplicationError(message, {"is_active": [message]})


@transaction.atomic
def config_save(*, actor: User, instance: models.Model, m2m: Mapping[str, Iterable[Any]] | None = None) -> models.Model:
    """Create or update one piece of the programme's configuration (the instance carries the new
    values; `m2m` the many-to-many ones)."""
    require(actor, "loyalty.manage")
    fields = _fields(instance)
    creating = instance._state.adding
    before = {} if creating else snapshot(type(instance)._default_manager.get(pk=instance.pk), fields + list(m2m or {}))
    _check(instance)
    instance.save()
    for name, values in (m2m or {}).items():
        getattr(instance, name).set(values)
    if creating:
        audit_created(actor=actor, instance=instance, fields=fields + list(m2m or {}))
    else:
        audit_changed(actor=actor, instance=instance, before=before, fields=fields + list(m2m or {}))
    return instance


def settings_save(*, actor: User, config: LoyaltySettings) -> LoyaltySettings:
    config.pk = 1
    config._state.adding = not LoyaltySettings.objects.filter(pk=1).exists()
    if config.referral_threshold_voucher_id and not config.referral_threshold:
        message = _("Enter how many friends earn the threshold reward.")
        raise ApplicationError(message, {"referral_threshold": [message]})
    voucher = config.referral_threshold_voucher
    if voucher is not None and not voucher.is_active and config.referral_threshold:
        message = _("Threshold reward: the voucher “%(name)s” is switched off. Choose an active voucher.") % {
            "name": voucher.name
        }
        raise ApplicationError(message, {"referral_threshold_voucher": [message]})
    config.card_prefix = config.card_prefix.strip().upper()
    saved = config_save(actor=actor, instance=config)
    assert isinstance(saved, LoyaltySettings)
    return saved


# --- Results of a programme --------------------------------------------------------------------

# Revenue needs orders, which live in `sales`: sales may register a function (programme, members
# queryset, start, end) -> Rupiah here; until it does, the results page says revenue is not measured.
RevenueFunction = Callable[[Programme, "models.QuerySet[Membership]", dt.date, dt.date | None], int]
_revenue: list[RevenueFunction] = []


def register_programme_revenue(function: RevenueFunction) -> None:
    _revenue.append(function)


@dataclass(frozen=True)
class ProgrammeResults:
    members_reached: int
    voucher_redemptions: int
    voucher_discount: int
    cost: int
    budget: int
    revenue: int | None  # None: no app measures it yet
    # Referral programmes: friends the members reached brought while it ran, and those whose
    # referral has been rewarded (the friend joined or bought, as the referral rule says).
    friends_brought: int | None = None
    friends_rewarded: int | None = None

    @property
    def budget_used(self) -> int:
        """The cost as a whole percentage of the budget (over 100 when over budget)."""
        return round(100 * self.cost / self.budget) if self.budget else 0

    @property
    def over_budget(self) -> int:
        """How far the cost is past the budget, in Rupiah (0 within it)."""
        return max(self.cost - self.budget, 0) if self.budget else 0


def programme_members(programme: Programme) -> "models.QuerySet[Membership]":
    """Active members in the programme's target: its tiers, tags and/or segment (every member when
    none is set)."""
    members = Membership.objects.filter(status=Membership.Status.ACTIVE)
    tier_ids = list(programme.tiers.values_list("pk", flat=True))
    tag_ids = list(programme.tags.values_list("pk", flat=True))
    target = Q()
    if tier_ids:
        target |= Q(tier_id__in=tier_ids)
    if tag_ids:
        target |= Q(customer__tags__in=tag_ids)
    if programme.segment_id:
        target |= Q(customer_id__in=segment_customer_ids(programme.segment_id))
    return members.filter(target).distinct() if target else members


def programme_results(programme: Programme) -> ProgrammeResults:
    # Its vouchers, and those its promotions give (a stamp card's free X, "the next one is
    # discounted"): each use is a redemption, and its discount a cost of the programme.
    given = Promotion.objects.filter(pk__in=programme.promotions.values("pk"), voucher__isnull=False)
    vouchers = Q(code__voucher__in=programme.vouchers.all()) | Q(code__voucher__in=given.values("voucher"))
    uses = VoucherUse.objects.filter(vouchers, reversed_at__isnull=True, created_at__date__gte=programme.starts_on)
    if programme.ends_on:
        uses = uses.filter(created_at__date__lte=programme.ends_on)
    totals = uses.aggregate(count=models.Count("id"), discount=Sum("discount"))
    discount = int(totals["discount"] or 0)
    members = programme_members(programme)
    revenue = (
        sum(function(programme, members, programme.starts_on, programme.ends_on) for function in _revenue)
        if _revenue
        else None
    )
    friends_brought = friends_rewarded = None
    if programme.kind == Programme.Kind.REFERRAL:
        referrals = Referral.objects.filter(
            referrer__in=members.values("pk"), created_at__date__gte=programme.starts_on
        )
        if programme.ends_on:
            referrals = referrals.filter(created_at__date__lte=programme.ends_on)
        counted = referrals.aggregate(
            brought=models.Count("id"),
            rewarded=models.Count("id", filter=Q(status=Referral.Status.REWARDED)),
        )
        friends_brought, friends_rewarded = int(counted["brought"]), int(counted["rewarded"])
    return ProgrammeResults(
        friends_brought=friends_brought,
        friends_rewarded=friends_rewarded,
        members_reached=members.count(),
        voucher_redemptions=int(totals["count"] or 0),
        voucher_discount=discount,
        cost=programme.cost + discount,
        budget=programme.budget,
        revenue=revenue,
    )


def voucher_uses(voucher: Voucher) -> "models.QuerySet[VoucherUse]":
    return VoucherUse.objects.filter(code__voucher=voucher).select_related("code", "customer").order_by("-created_at")
