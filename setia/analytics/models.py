"""Per-customer scores computed by the analytics refresh (RFM, lifetime value, churn risk, loyalty
index), their history, the refresh runs and the fitted lifetime-value models.

The scores are derived data: the refresh rewrites them in bulk (see services/engine.py); nothing
else writes them.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from setia.core.models import TimeStampedModel


class AnalyticsSettings(TimeStampedModel):
    """The business's analytics choices (a single row, id 1)."""

    class TimeUnit(models.TextChoices):
        DAY = "day", _("day")
        WEEK = "week", _("week (7 days)")

    rfm_window_days = models.PositiveIntegerField(
        _("RFM window (days)"),
        default=365,
        validators=[MinValueValidator(7), MaxValueValidator(3650)],
        help_text=_("Frequency and monetary value count the purchases of this many days up to today."),
    )
    clv_time_unit = models.CharField(
        _("lifetime value time unit"), max_length=4, choices=TimeUnit.choices, default=TimeUnit.DAY
    )
    clv_holdout_days = models.PositiveIntegerField(
        _("hold-out period (days)"),
        default=90,
        validators=[MaxValueValidator(730)],
        help_text=_(
            "The model is fitted on purchases up to this many days ago and checked against the purchases "
            "made since. 0: fit on everything, no check."
        ),
    )
    rules_min_count = models.PositiveIntegerField(
        _("rule minimum count"),
        default=5,
        validators=[MinValueValidator(2), MaxValueValidator(100000)],
        help_text=_(
            "A cross-sell rule is kept when at least this many orders (bought together) or customers "
            "(bought later) hold both products."
        ),
    )
    rules_min_confidence = models.PositiveSmallIntegerField(
        _("rule minimum confidence (%)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("A rule is kept when at least this share of the buyers of the first product bought the second."),
    )
    # Set by a customer merge (orders change owner without changing their `updated_at`): the next
    # refresh re-extracts every order instead of only the changed ones.
    full_extract_required = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = _("analytics settings")
        verbose_name_plural = _("analytics settings")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class CustomerScore(models.Model):
    """One row per customer with at least one purchase: the latest refresh's scores. The lifetime
    value fields are empty while the model cannot be fitted (too few customers)."""

    # No database foreign key on the derived tables: the refresh writes a million rows at a time and
    # a per-row key check slowed PostgreSQL's writes; deleting a customer still deletes her scores
    # (Django's on_delete), and the refresh only writes ids taken from orders.
    customer = models.OneToOneField(
        "customers.Customer",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="analytics_score",
        db_constraint=False,
    )
    first_purchase = models.DateField(_("first purchase"))
    last_purchase = models.DateField(_("last purchase"))
    recency_days = models.PositiveIntegerField(_("days since the last purchase"))
    frequency = models.PositiveIntegerField(_("purchase days in the RFM window"))
    monetary = models.BigIntegerField(_("spend in the RFM window"))
    r_score = models.PositiveSmallIntegerField(_("R score"))
    f_score = models.PositiveSmallIntegerField(_("F score"))
    m_score = models.PositiveSmallIntegerField(_("M score"))
    fm_score = models.PositiveSmallIntegerField(_("FM score"))
    rfm_segment = models.CharField(_("RFM segment"), max_length=20, db_index=True)
    historic_value = models.BigIntegerField(_("historic value"))
    predicted_purchases = models.FloatField(_("predicted purchases (next 365 days)"), null=True)
    prob_alive = models.FloatField(_("probability still a customer"), null=True)
    churn_risk = models.FloatField(_("churn risk"), null=True)
    predicted_value = models.BigIntegerField(_("predicted value (next 12 months)"), null=True)
    loyalty_index = models.PositiveSmallIntegerField(_("loyalty index"))
    loyalty_regularity = models.PositiveSmallIntegerField(_("regular repeat purchases"))
    loyalty_feedback = models.PositiveSmallIntegerField(_("constructive suggestions"))
    loyalty_breadth = models.PositiveSmallIntegerField(_("other products bought here"))
    loyalty_staying = models.PositiveSmallIntegerField(_("staying"))
    loyalty_referrals = models.PositiveSmallIntegerField(_("referring others"))
    purchase_days = models.PositiveIntegerField(_("purchase days (all time)"))
    categories_bought = models.PositiveIntegerField(_("categories bought"))
    referrals_made = models.PositiveIntegerField(_("referrals made"))
    computed_at = models.DateTimeField(_("computed"))

    class Meta:
        verbose_name = _("customer score")
        verbose_name_plural = _("customer scores")

    def __str__(self) -> str:
        return f"{self.customer_id} {self.rfm_segment}"


class CustomerScoreSnapshot(models.Model):
    """The history of a customer's segment and scores, stored as changes: a row is written on the
    day a customer's segment, R/F/M scores or loyalty index differ from the previous refresh (or
    the customer is scored for the first time). The state on any day is the latest row at or
    before it. Rows of the last 90 days are all kept (daily history); older ones are thinned to
    the last row of each calendar month (monthly history) by `snapshots_prune`."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    date = models.DateField(_("date"))
    rfm_segment = models.CharField(_("RFM segment"), max_length=20)
    r_score = models.PositiveSmallIntegerField()
    f_score = models.PositiveSmallIntegerField()
    m_score = models.PositiveSmallIntegerField()
    loyalty_index = models.PositiveSmallIntegerField()
    predicted_value = models.BigIntegerField()

    class Meta:
        # The unique constraint's index serves the lookups by customer and date.
        constraints = [models.UniqueConstraint(fields=["customer", "date"], name="score_snapshot_unique_day")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.date} {self.rfm_segment}"


class AssociationRule(models.Model):
    """A cross-sell rule "bought X → bought Y" mined by the refresh from the purchases of the RFM
    window (setia/analytics/services/rules.py): over baskets (X and Y in the same order) or over
    customers' purchase sequences (Y bought on a later day than X). Replaced by every refresh."""

    class Kind(models.TextChoices):
        BASKET = "basket", _("bought together")
        SEQUENCE = "sequence", _("bought later")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    # No database keys (derived table, rewritten in bulk); a deleted product's rules go with it.
    antecedent = models.ForeignKey(
        "catalog.Product", verbose_name=_("bought"), on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    consequent = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("then bought"),
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    together = models.PositiveIntegerField(_("orders or customers with both"))
    antecedent_count = models.PositiveIntegerField(_("with the first product"))
    consequent_count = models.PositiveIntegerField(_("with the second product"))
    total = models.PositiveIntegerField(_("orders or customers counted"))
    support = models.FloatField(_("support"))
    confidence = models.FloatField(_("confidence"))
    lift = models.FloatField(_("lift"))

    class Meta:
        verbose_name = _("cross-sell rule")
        verbose_name_plural = _("cross-sell rules")
        indexes = [models.Index(fields=["antecedent", "kind"], name="rule_antecedent")]

    def __str__(self) -> str:
        return f"{self.antecedent_id} -> {self.consequent_id} ({self.kind})"

    @property
    def support_percent(self) -> float:
        return round(100 * self.support, 2)

    @property
    def confidence_percent(self) -> int:
        return round(100 * self.confidence)


class AnalyticsRun(models.Model):
    """One refresh: progress while it runs (polled by the analytics page), figures and step
    timings when it is done."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    class Trigger(models.TextChoices):
        MANUAL = "manual", _("on demand")
        SCHEDULE = "schedule", _("nightly")
        COMMAND = "command", _("command")

    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    trigger = models.CharField(_("started by"), max_length=8, choices=Trigger.choices, default=Trigger.MANUAL)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    progress = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])
    step = models.CharField(max_length=40, blank=True)
    figures = models.JSONField(default=dict, blank=True)
    timings = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("analytics refresh")
        verbose_name_plural = _("analytics refreshes")

    def __str__(self) -> str:
        return f"{self.pk} {self.status}"

    @property
    def working(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class ClvFit(models.Model):
    """A BG/NBD + Gamma-Gamma fit: the parameters, the calibration window and how well the model
    predicted the repeat purchases of the hold-out period that followed it."""

    run = models.ForeignKey(AnalyticsRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="fits")
    created_at = models.DateTimeField(default=timezone.now)
    calibration_start = models.DateField(_("first purchase in the calibration window"), null=True)
    calibration_end = models.DateField(_("calibration end"))
    time_unit = models.CharField(_("time unit"), max_length=4, choices=AnalyticsSettings.TimeUnit.choices)
    holdout_days = models.PositiveIntegerField(_("hold-out period (days)"), default=0)
    r = models.FloatField()
    alpha = models.FloatField()
    a = models.FloatField()
    b = models.FloatField()
    p = models.FloatField(null=True)
    q = models.FloatField(null=True)
    v = models.FloatField(null=True, help_text="Gamma-Gamma scale, in Rupiah")
    customers = models.PositiveIntegerField(_("customers"))
    repeat_customers = models.PositiveIntegerField(_("customers with a repeat purchase"))
    quality = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lifetime value fit")
        verbose_name_plural = _("lifetime value fits")

    def __str__(self) -> str:
        return f"{self.calibration_end} {self.time_unit}"
