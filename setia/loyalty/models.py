"""Memberships, tiers, the points and cashback ledgers, rewards, vouchers, promotions,
referrals, value propositions and 4R programmes.

Balances live on the membership and change only by a conditional UPDATE in the same
transaction as the ledger entry that explains them; a CHECK constraint keeps them from going
negative and `loyalty_check` compares them with the ledger sums. Ledger rows are never edited
or deleted: a correction is a new entry.
"""

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from setia.core.models import TimeStampedModel
from setia.core.money import format_rupiah
from setia.core.texts import shown

# Limits met at the field with a message in words, before a CHECK constraint would name itself
# (Django skips a constraint whose fields already failed). Each constraint also carries a message.
AT_LEAST_ONE = MinValueValidator(1, message=_("Enter at least 1, or leave it empty for no limit."))
PERCENT_UP_TO_100 = [
    MinValueValidator(0, message=_("Enter a percentage from 0 to 100.")),
    MaxValueValidator(100, message=_("Enter a percentage from 0 to 100.")),
]
PERCENT_ABOVE_0 = [
    MinValueValidator(Decimal("0.01"), message=_("Enter a percentage greater than 0 and at most 100.")),
    MaxValueValidator(100, message=_("Enter a percentage greater than 0 and at most 100.")),
]
MULTIPLIER_ABOVE_0 = MinValueValidator(Decimal("0.01"), message=_("Enter a multiplier greater than zero."))


class LoyaltySettings(TimeStampedModel):
    """The programme's rules that are one per business (a single row, id 1)."""

    class ReferralTrigger(models.TextChoices):
        SIGN_UP = "sign_up", _("when the friend joins")
        FIRST_PURCHASE = "first_purchase", _("at the friend's first purchase")

    # Card numbers are the prefix and eight digits (SET00000042), typed at the till and printed on
    # cards: letters and digits only (saved in capitals).
    card_prefix = models.CharField(
        _("card number prefix"),
        max_length=6,
        default="SET",
        validators=[RegexValidator(r"^[A-Za-z0-9]+\Z", message=_("Use letters and digits only, e.g. SET."))],
    )
    # Base earn rule: `points_per_unit` points for every `spend_unit` Rupiah.
    spend_unit = models.PositiveIntegerField(
        _("Rupiah per point step"),
        default=10_000,
        validators=[
            MinValueValidator(1, message=_("Enter at least Rp 1: a sale earns points for every step of this amount."))
        ],
    )
    points_per_unit = models.PositiveIntegerField(_("points per step"), default=1)
    point_value = models.PositiveIntegerField(
        _("value of one point when paying (Rp)"), default=100, help_text=_("0 turns off paying with points.")
    )
    # Upper limits keep the dates they make within the calendar (10,000 months was year 10360: every
    # member's sale failed).
    points_expire_months = models.PositiveIntegerField(
        _("points expire after (months)"),
        default=12,
        help_text=_("0: points never expire."),
        validators=[MaxValueValidator(120, message=_("Enter at most 120 months (10 years), or 0: never."))],
    )
    expiry_notice_days = models.PositiveIntegerField(
        _("warn this many days before points expire"),
        default=30,
        validators=[MaxValueValidator(365, message=_("Enter at most 365 days."))],
    )
    sign_up_points = models.PositiveIntegerField(_("points for joining"), default=0)
    birthday_points = models.PositiveIntegerField(_("points on the birthday"), default=0)
    referral_trigger = models.CharField(
        _("referral rewarded"), max_length=20, choices=ReferralTrigger.choices, default=ReferralTrigger.FIRST_PURCHASE
    )
    referrer_points = models.PositiveIntegerField(_("points for the member who referred"), default=0)
    referee_points = models.PositiveIntegerField(_("points for the friend"), default=0)
    referral_threshold = models.PositiveIntegerField(
        _("friends needed for the threshold reward"), default=3, help_text=_("0 turns the threshold reward off.")
    )
    referral_threshold_voucher = models.ForeignKey(
        "Voucher",
        verbose_name=_("threshold reward (voucher)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("loyalty settings")
        verbose_name_plural = _("loyalty settings")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class Tier(TimeStampedModel):
    """A membership level. A member holds the highest tier whose rule she meets in the window."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    rank = models.PositiveSmallIntegerField(_("rank"), help_text=_("Higher is better; the entry tier has rank 0."))
    min_spend = models.PositiveBigIntegerField(_("minimum spend in the window (Rp)"), default=0)
    min_visits = models.PositiveIntegerField(_("minimum visits in the window"), default=0)
    window_days = models.PositiveIntegerField(
        _("qualification window (days)"),
        default=365,
        validators=[
            MinValueValidator(1, message=_("Enter at least 1 day.")),
            MaxValueValidator(3660, message=_("Enter at most 3,660 days (10 years).")),
        ],
    )
    discount_percent = models.DecimalField(
        _("member discount %"), max_digits=5, decimal_places=2, default=0, validators=PERCENT_UP_TO_100
    )
    points_multiplier = models.DecimalField(
        _("points multiplier"), max_digits=4, decimal_places=2, default=1, validators=[MULTIPLIER_ABOVE_0]
    )
    free_items = models.CharField(
        _("free items"),
        max_length=255,
        blank=True,
        help_text=_("In words, what members of this tier get free, e.g. a drink at every visit."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint(fields=["rank"], name="tier_rank_unique"),
            models.CheckConstraint(
                condition=Q(discount_percent__lte=100),
                name="tier_discount_at_most_100",
                violation_error_message=_("The member discount can be at most 100."),
            ),
        ]

    def unique_error_message(self, model_class: type[models.Model], unique_check: Sequence[str]) -> ValidationError:
        """A rank another tier holds names that tier."""
        rank_taken = tuple(unique_check) == ("rank",)
        holder = Tier.objects.filter(rank=self.rank).exclude(pk=self.pk).first() if rank_taken else None
        if holder is not None:
            message = _("Rank %(rank)s is %(tier)s's: give each tier a rank of its own.")
            return ValidationError(message % {"rank": self.rank, "tier": holder.name}, code="unique")
        return super().unique_error_message(model_class, unique_check)

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # "Gold" and "gold" would read as one tier on every list and card.
        name = (self.name or "").strip()
        same = Tier.objects.filter(name__iexact=name).exclude(pk=self.pk).first() if name else None
        if same is not None:
            raise ValidationError({"name": _("There is already a tier named %(name)s.") % {"name": same.name}})


class Membership(TimeStampedModel):
    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        CANCELLED = "cancelled", _("cancelled")

    customer = models.OneToOneField(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="membership"
    )
    # Unique through Meta constraints, not `unique=True`: on PostgreSQL that adds a second index
    # for LIKE searches nobody runs, and every change of a balance or tier updates each index.
    number = models.CharField(_("card number"), max_length=32)
    branch = models.ForeignKey(
        "accounts.Branch",
        verbose_name=_("joined at"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    joined_at = models.DateTimeField(_("joined"), default=timezone.now)
    tier = models.ForeignKey(Tier, verbose_name=_("tier"), null=True, blank=True, on_delete=models.PROTECT)
    tier_since = models.DateTimeField(_("tier since"), null=True, blank=True)
    points_balance = models.BigIntegerField(_("points"), default=0)
    wallet_balance = models.BigIntegerField(_("cashback balance (Rp)"), default=0)
    referral_code = models.CharField(_("referral code"), max_length=16)
    referred_by = models.ForeignKey(
        "self", verbose_name=_("referred by"), null=True, blank=True, on_delete=models.PROTECT, related_name="referrals"
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["-joined_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(points_balance__gte=0),
                name="membership_points_not_negative",
                violation_error_message=_("The points balance cannot go below zero."),
            ),
            models.CheckConstraint(
                condition=Q(wallet_balance__gte=0),
                name="membership_wallet_not_negative",
                violation_error_message=_("The cashback balance cannot go below zero."),
            ),
            models.UniqueConstraint(fields=["number"], name="membership_number_unique"),
            models.UniqueConstraint(fields=["referral_code"], name="membership_referral_code_unique"),
        ]

    def __str__(self) -> str:
        return self.number


class PointsEntry(models.Model):
    """One movement of points. Append-only; the balance is the sum of `points`.

    Earned points expire oldest first: what expires is whatever of the lots past their expiry
    date has not already been used by later debits (see `services.points_expire_due`).
    """

    class Kind(models.TextChoices):
        EARN = "earn", _("earned")
        BONUS = "bonus", _("bonus")
        REDEEM = "redeem", _("redeemed")
        EXPIRE = "expire", _("expired")
        REVERSE = "reverse", _("reversed")
        ADJUST = "adjust", _("adjusted")

    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="points_entries")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    points = models.BigIntegerField(_("points"))
    balance_after = models.BigIntegerField(_("balance after"))
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    # What caused it, e.g. "sales.order:12" — and a key that makes a repeat of the same cause a no-op.
    source = models.CharField(_("source"), max_length=64, blank=True)
    unique_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    # The values of a reason the system wrote (its untranslated message); None for typed text.
    reason_args = models.JSONField(null=True, blank=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["membership", "-created_at", "-id"], name="points_member_time_idx"),
            models.Index(fields=["source"], name="points_source_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(balance_after__gte=0),
                name="points_entry_balance_not_negative",
                violation_error_message=_("The points balance cannot go below zero."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["earn", "bonus"], points__gt=0)
                | Q(kind__in=["redeem", "expire", "reverse"], points__lt=0)
                | Q(kind="adjust"),
                name="points_entry_sign_matches_kind",
                violation_error_message=_("Points earned must be more than zero, points taken less than zero."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.points:+d}"

    @property
    def reason_text(self) -> str:
        """The reason in the reader's language (`setia.core.texts`)."""
        return shown(self.reason, self.reason_args)


class WalletEntry(models.Model):
    """One movement of cashback / stored value (Rupiah). Append-only, like `PointsEntry`."""

    class Kind(models.TextChoices):
        CASHBACK = "cashback", _("cashback")
        TOP_UP = "top_up", _("top-up")
        SPEND = "spend", _("spent")
        REVERSE = "reverse", _("reversed")
        ADJUST = "adjust", _("adjusted")

    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="wallet_entries")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    amount = models.BigIntegerField(_("amount (Rp)"))
    balance_after = models.BigIntegerField(_("balance after"))
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    source = models.CharField(_("source"), max_length=64, blank=True)
    unique_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    # The values of a reason the system wrote (its untranslated message); None for typed text.
    reason_args = models.JSONField(null=True, blank=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("cashback entry")
        verbose_name_plural = _("cashback entries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["membership", "-created_at", "-id"], name="wallet_member_time_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(balance_after__gte=0),
                name="wallet_entry_balance_not_negative",
                violation_error_message=_("The cashback balance cannot go below zero."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["cashback", "top_up"], amount__gt=0)
                | Q(kind__in=["spend", "reverse"], amount__lt=0)
                | Q(kind="adjust"),
                name="wallet_entry_sign_matches_kind",
                violation_error_message=_("Cashback credited must be more than zero, cashback taken less than zero."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount:+d}"

    @property
    def reason_text(self) -> str:
        """The reason in the reader's language (`setia.core.texts`)."""
        return shown(self.reason, self.reason_args)


class QualifyingActivity(models.Model):
    """Spend and visits that count towards tiers, kept by loyalty itself so tier rules need no
    orders: one row per purchase (negative amount for a refund)."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="qualifying")
    occurred_on = models.DateField()
    amount = models.BigIntegerField()
    visits = models.IntegerField(default=1)
    source = models.CharField(max_length=64, blank=True)

    class Meta:
        indexes = [models.Index(fields=["occurred_on", "membership"], name="qualifying_day_member_idx")]

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.amount}"


class TierChange(models.Model):
    """Why a member's tier changed: kept for every upgrade and downgrade."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="tier_changes")
    from_tier = models.ForeignKey(Tier, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    to_tier = models.ForeignKey(Tier, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    spend = models.BigIntegerField(_("spend in the window"))
    visits = models.IntegerField(_("visits in the window"))
    reason = models.CharField(_("reason"), max_length=255)
    reason_args = models.JSONField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.reason_text

    @property
    def reason_text(self) -> str:
        """The reason in the reader's language (`setia.core.texts`)."""
        return shown(self.reason, self.reason_args)


class EarnRule(TimeStampedModel):
    """Points beyond the base rule: per product or category, or a time-boxed multiplier such as
    "double points at the weekend"."""

    class Kind(models.TextChoices):
        PRODUCT = "product", _("extra points per item of a product")
        CATEGORY = "category", _("extra points per item of a category")
        MULTIPLIER = "multiplier", _("multiplier on a period (promotion)")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    product = models.ForeignKey(
        "catalog.Product", verbose_name=_("product"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    category = models.ForeignKey(
        "catalog.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    points = models.PositiveIntegerField(_("points per item"), default=0)
    multiplier = models.DecimalField(
        _("multiplier"), max_digits=4, decimal_places=2, default=1, validators=[MULTIPLIER_ABOVE_0]
    )
    weekdays = models.CharField(
        _("only on these weekdays"),
        max_length=20,
        blank=True,
        help_text=_("Numbers 1 (Monday) to 7 (Sunday), e.g. 6,7."),
    )
    starts_on = models.DateField(_("from"), null=True, blank=True)
    ends_on = models.DateField(_("until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("earn rule")
        verbose_name_plural = _("earn rules")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CashbackRule(TimeStampedModel):
    """A share of the spend credited to the member's wallet, e.g. 10% for returning customers."""

    name = models.CharField(_("name"), max_length=100)
    percent = models.DecimalField(_("cashback %"), max_digits=5, decimal_places=2, validators=PERCENT_ABOVE_0)
    min_spend = models.PositiveBigIntegerField(_("minimum spend (Rp)"), default=0)
    max_amount = models.PositiveBigIntegerField(_("at most (Rp)"), null=True, blank=True, validators=[AT_LEAST_ONE])
    returning_only = models.BooleanField(_("only for returning customers"), default=True)
    starts_on = models.DateField(_("from"), null=True, blank=True)
    ends_on = models.DateField(_("until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("cashback rule")
        verbose_name_plural = _("cashback rules")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__gt=0, percent__lte=100),
                name="cashback_percent_range",
                violation_error_message=_("Enter a percentage greater than 0 and at most 100."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class Reward(TimeStampedModel):
    """Something a member can take for points, with limited stock when `stock` is set."""

    name = models.CharField(_("name"), max_length=100)
    points_cost = models.PositiveIntegerField(
        _("points"), validators=[MinValueValidator(1, message=_("A reward costs at least 1 point."))]
    )
    stock = models.PositiveIntegerField(_("stock"), null=True, blank=True, help_text=_("Empty: unlimited."))
    product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("product given"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("reward")
        verbose_name_plural = _("rewards")
        ordering = ["points_cost", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(points_cost__gt=0),
                name="reward_costs_points",
                violation_error_message=_("A reward costs at least 1 point."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class RewardRedemption(models.Model):
    reward = models.ForeignKey(Reward, on_delete=models.PROTECT, related_name="redemptions")
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="reward_redemptions")
    points_entry = models.OneToOneField(PointsEntry, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("reward given")
        verbose_name_plural = _("rewards given")

    def __str__(self) -> str:
        return self.reward.name


class Voucher(TimeStampedModel):
    """A voucher definition; customers use its codes (`VoucherCode`)."""

    class Kind(models.TextChoices):
        AMOUNT = "amount", _("amount off (Rp)")
        PERCENT = "percent", _("percent off")
        FREE_ITEM = "free_item", _("a free item")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    value = models.PositiveBigIntegerField(_("value"), default=0, help_text=_("Rupiah, or percent."))
    max_discount = models.PositiveBigIntegerField(
        _("discount at most (Rp)"), null=True, blank=True, validators=[AT_LEAST_ONE]
    )
    free_product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("free item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    min_spend = models.PositiveBigIntegerField(_("minimum spend (Rp)"), default=0)
    products = models.ManyToManyField("catalog.Product", verbose_name=_("only for these products"), blank=True)
    categories = models.ManyToManyField("catalog.Category", verbose_name=_("only for these categories"), blank=True)
    tiers = models.ManyToManyField(Tier, verbose_name=_("only for these tiers"), blank=True)
    segment = models.ForeignKey(
        "segments.Segment",
        verbose_name=_("only for this segment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"archived_at__isnull": True},
    )
    valid_from = models.DateTimeField(_("valid from"), null=True, blank=True)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    usage_limit = models.PositiveIntegerField(
        _("uses in total"), null=True, blank=True, help_text=_("Empty: no limit."), validators=[AT_LEAST_ONE]
    )
    per_customer_limit = models.PositiveIntegerField(
        _("uses per customer"), null=True, blank=True, default=1, validators=[AT_LEAST_ONE]
    )
    times_used = models.PositiveIntegerField(default=0, editable=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(usage_limit__isnull=True) | Q(times_used__lte=models.F("usage_limit")),
                name="voucher_not_over_used",
                violation_error_message=_("The voucher has been used more often than its limit of uses allows."),
            ),
            models.CheckConstraint(
                condition=~Q(kind="percent") | Q(value__gt=0, value__lte=100),
                name="voucher_percent_range",
                violation_error_message=_("A percentage must be between 1 and 100."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # The constraints above, met first at their field (they depend on another field).
        errors: dict[str, Any] = {}
        if self.kind == self.Kind.PERCENT and self.value is not None and not 0 < self.value <= 100:
            errors["value"] = _("A percentage must be between 1 and 100.")
        if self.usage_limit is not None and self.times_used > self.usage_limit:
            errors["usage_limit"] = _(
                "Already used %(count)s times: enter at least %(count)s, or leave it empty for no limit."
            ) % {"count": self.times_used}
        if errors:
            raise ValidationError(errors)


class VoucherCode(models.Model):
    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="codes")
    code = models.CharField(_("code"), max_length=32, unique=True)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("issued to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="voucher_codes",
    )
    max_uses = models.PositiveIntegerField(_("uses allowed"), null=True, blank=True, default=1)
    uses = models.PositiveIntegerField(default=0)
    issued_at = models.DateTimeField(default=timezone.now)
    # A personal code may run out before its voucher does ("the next one is discounted" for 30 days).
    valid_until = models.DateTimeField(_("code valid until"), null=True, blank=True)
    reason = models.CharField(_("why issued"), max_length=255, blank=True)
    reason_args = models.JSONField(null=True, blank=True, editable=False)
    # Set when the system issues a code for an event, so the event issues it once.
    issue_key = models.CharField(max_length=100, null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("voucher code")
        verbose_name_plural = _("voucher codes")
        constraints = [
            models.CheckConstraint(
                condition=Q(max_uses__isnull=True) | Q(uses__lte=models.F("max_uses")),
                name="voucher_code_not_over_used",
                violation_error_message=_("The code has been used more often than its limit of uses allows."),
            )
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def reason_text(self) -> str:
        """Why the code was issued, in the reader's language (`setia.core.texts`)."""
        return shown(self.reason, self.reason_args)

    @property
    def ends_at(self) -> dt.datetime | None:
        """When the code stops working: the earlier of its own end and its voucher's, if any."""
        ends = [end for end in (self.valid_until, self.voucher.valid_until) if end is not None]
        return min(ends) if ends else None

    def has_ended(self, at: dt.datetime | None = None) -> bool:
        ends_at = self.ends_at
        return ends_at is not None and (at or timezone.now()) > ends_at

    @property
    def has_expired(self) -> bool:
        return self.has_ended()


class VoucherUse(models.Model):
    code = models.ForeignKey(VoucherCode, on_delete=models.PROTECT, related_name="redemptions")
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(max_length=64, blank=True)
    discount = models.BigIntegerField(_("discount (Rp)"))
    created_at = models.DateTimeField(default=timezone.now)
    reversed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["code", "customer"], name="voucher_use_code_customer_idx")]

    def __str__(self) -> str:
        return f"{self.code_id} {self.discount}"


class Promotion(TimeStampedModel):
    """Up-sell and cross-sell rules of the shapes the business asks for."""

    class Kind(models.TextChoices):
        BUY_X_GET_Y = "buy_x_get_y", _("buy X, get Y free")
        NEXT_DISCOUNT = "next_discount", _("buy X now, the next X is discounted")
        BUY_N_GET_ONE = "buy_n_get_one", _("buy N, get one free")
        BUNDLE = "bundle", _("bundle price")
        STAMP_CARD = "stamp_card", _("stamp card: every N visits with X, the next X is free")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    product = models.ForeignKey(
        "catalog.Product", verbose_name=_("product X"), on_delete=models.PROTECT, related_name="+"
    )
    reward_product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("product Y (free or in the bundle)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    quantity = models.PositiveIntegerField(
        _("N (items to buy)"), default=1, validators=[MinValueValidator(1, message=_("Enter at least 1."))]
    )
    discount_percent = models.DecimalField(
        _("discount %"), max_digits=5, decimal_places=2, default=0, validators=PERCENT_UP_TO_100
    )
    bundle_price = models.PositiveBigIntegerField(
        _("bundle price (Rp)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1, message=_("Enter the bundle price."))],
    )
    next_valid_days = models.PositiveIntegerField(
        _("next purchase discount valid (days)"),
        default=30,
        validators=[
            MinValueValidator(1, message=_("Enter at least 1 day.")),
            MaxValueValidator(3660, message=_("Enter at most 3,660 days (10 years).")),
        ],
    )
    # For "the next X is discounted" and the stamp card: the voucher whose personal codes buyers of
    # X receive (a free X for a full stamp card).
    voucher = models.ForeignKey(
        Voucher, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    starts_on = models.DateField(_("from"), null=True, blank=True)
    ends_on = models.DateField(_("until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("promotion")
        verbose_name_plural = _("promotions")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # A bundle dearer than its items bought apart saves nothing: the till would ignore it.
        if self.kind != self.Kind.BUNDLE or not self.bundle_price or not self.product_id or not self.reward_product_id:
            return
        from setia.catalog.models import Product

        items = Product.objects.filter(pk__in=[self.product_id, self.reward_product_id])
        prices = dict(items.values_list("pk", "price"))
        if self.product_id not in prices or self.reward_product_id not in prices:
            return  # a product that is gone: its own field says so
        normal = prices[self.product_id] + prices[self.reward_product_id]
        if self.bundle_price > normal:
            message = _("Bought apart, X and Y cost %(price)s: enter a bundle price of at most that.") % {
                "price": format_rupiah(normal)
            }
            raise ValidationError({"bundle_price": message})


class Stamp(models.Model):
    """A visit that earned a stamp on a stamp card (`Promotion.Kind.STAMP_CARD`): one per purchase
    with product X, whatever its quantity. Rows are never deleted: a refund of the whole purchase
    marks its stamp reversed, and the stamps that completed a card point to the code they earned.
    `source` names the purchase ("sales.order:12"), as on the ledgers; loyalty never reads orders."""

    promotion = models.ForeignKey(Promotion, on_delete=models.PROTECT, related_name="stamps")
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("source"), max_length=64)
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    reversed_at = models.DateTimeField(_("reversed"), null=True, blank=True)
    reward_code = models.ForeignKey(
        VoucherCode,
        verbose_name=_("free code earned"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("stamp")
        verbose_name_plural = _("stamps")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["customer", "promotion"], name="stamp_customer_idx")]
        constraints = [
            # Source first: a refund finds a purchase's stamps by it. A retried sale stamps once.
            models.UniqueConstraint(fields=["source", "promotion"], name="stamp_once_per_purchase")
        ]

    def __str__(self) -> str:
        return f"{self.promotion_id} {self.source}"


class Referral(models.Model):
    """A friend brought by a member. One referrer per friend."""

    class Status(models.TextChoices):
        JOINED = "joined", _("joined")
        REWARDED = "rewarded", _("rewarded")

    referrer = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="referrals_made")
    referee = models.OneToOneField(Membership, on_delete=models.PROTECT, related_name="referral")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.JOINED)
    created_at = models.DateTimeField(default=timezone.now)
    rewarded_at = models.DateTimeField(null=True, blank=True)
    # What set the reward off, as the ledger names sources ("sales.order:42", the friend's first
    # purchase); empty when it was her joining. The sale's page tells the cashier of it.
    rewarded_source = models.CharField(max_length=64, blank=True, default="")
    # The threshold reward ("bring 3 friends, get a free treatment") this friend completed, if she did.
    threshold_code = models.ForeignKey(
        "VoucherCode", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(referrer=models.F("referee")),
                name="referral_not_self",
                violation_error_message=_("A member cannot refer herself."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.referrer_id} -> {self.referee_id}"


class ValueProposition(TimeStampedModel):
    """What the business promises its customers, typed as the articles do."""

    class Kind(models.TextChoices):
        FINANCIAL = "financial", _("financial")
        EMOTIONAL = "emotional", _("emotional")
        SPIRITUAL = "spiritual", _("spiritual")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    tiers = models.ManyToManyField(Tier, verbose_name=_("aimed at tiers"), blank=True)
    tags = models.ManyToManyField("customers.Tag", verbose_name=_("aimed at tags"), blank=True)
    segments = models.ManyToManyField(
        "segments.Segment",
        verbose_name=_("aimed at segments"),
        blank=True,
        related_name="+",
        limit_choices_to={"archived_at__isnull": True},
    )

    class Meta:
        verbose_name = _("value proposition")
        verbose_name_plural = _("value propositions")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class Programme(TimeStampedModel):
    """A loyalty programme typed by the 4R, with its target, benefits, schedule and budget."""

    class Kind(models.TextChoices):
        RELATIONSHIP = "relationship", _("Relationship")
        RETENTION = "retention", _("Retention")
        REFERRAL = "referral", _("Referral")
        RECOVERY = "recovery", _("Recovery")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("4R type"), max_length=12, choices=Kind.choices)
    goal = models.CharField(_("goal"), max_length=255)
    value_proposition = models.ForeignKey(
        ValueProposition, verbose_name=_("value proposition"), null=True, blank=True, on_delete=models.SET_NULL
    )
    tiers = models.ManyToManyField(Tier, verbose_name=_("target tiers"), blank=True)
    tags = models.ManyToManyField("customers.Tag", verbose_name=_("target tags"), blank=True, related_name="+")
    segment = models.ForeignKey(
        "segments.Segment",
        verbose_name=_("target segment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"archived_at__isnull": True},
    )
    earn_rules = models.ManyToManyField(EarnRule, verbose_name=_("points rules"), blank=True)
    vouchers = models.ManyToManyField(Voucher, verbose_name=_("vouchers"), blank=True)
    promotions = models.ManyToManyField(Promotion, verbose_name=_("promotions"), blank=True)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    budget = models.PositiveBigIntegerField(_("budget (Rp)"), default=0)
    cost = models.PositiveBigIntegerField(_("cost so far (Rp)"), default=0)

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["-starts_on", "name"]

    def __str__(self) -> str:
        return self.name


class LedgerCheck(models.Model):
    """One run of `loyalty_check`: did every balance equal its ledger sum? Kept for the admin page."""

    created_at = models.DateTimeField(default=timezone.now)
    checked = models.PositiveIntegerField(_("memberships checked"), default=0)
    mismatches = models.JSONField(_("mismatches"), default=list)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {len(self.mismatches)}"

    @property
    def ok(self) -> bool:
        return not self.mismatches
