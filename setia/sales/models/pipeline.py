"""The opportunity pipeline: pipelines with ordered stages, opportunities moving through them,
and every move kept (time in each stage). Won and lost are the opportunity's status, not
stages; the stage it was in when it closed stays recorded."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from setia.core.models import TimeStampedModel


class Pipeline(TimeStampedModel):
    name = models.CharField(_("name"), max_length=100, unique=True)
    position = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class Stage(TimeStampedModel):
    pipeline = models.ForeignKey(Pipeline, verbose_name=_("pipeline"), on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(_("order"), default=0)
    probability = models.PositiveSmallIntegerField(
        _("default probability %"), default=10, help_text=_("A new or moved opportunity takes this probability.")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["pipeline", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "name"], name="stage_unique_name"),
            models.CheckConstraint(condition=Q(probability__lte=100), name="stage_probability_max_100"),
        ]

    def __str__(self) -> str:
        return self.name


class LostReason(TimeStampedModel):
    name = models.CharField(_("name"), max_length=100, unique=True)
    position = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("lost reason")
        verbose_name_plural = _("lost reasons")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Opportunity(TimeStampedModel):
    """A possible sale to a customer. `value` is whole Rupiah; the weighted value is
    value * probability / 100. `version` grows with every move (optimistic checks in the UI)."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        WON = "won", _("won")
        LOST = "lost", _("lost")

    title = models.CharField(_("title"), max_length=200)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="opportunities"
    )
    lead = models.ForeignKey(
        "sales.Lead",
        verbose_name=_("from lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opportunities",
    )
    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("pipeline"), on_delete=models.PROTECT, related_name="opportunities"
    )
    stage = models.ForeignKey(Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="opportunities")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_opportunities",
    )
    branch = models.ForeignKey(
        "accounts.Branch",
        verbose_name=_("branch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    value = models.BigIntegerField(_("value (Rp)"), default=0)
    probability = models.PositiveSmallIntegerField(_("probability %"), default=10)
    expected_close = models.DateField(_("expected close"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    position = models.IntegerField(_("position in the column"), default=0)
    stage_entered_at = models.DateTimeField(_("in this stage since"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    lost_reason = models.ForeignKey(
        LostReason, verbose_name=_("lost reason"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    close_note = models.CharField(_("closing note"), max_length=255, blank=True, default="")
    order = models.ForeignKey(
        "sales.Order", verbose_name=_("order"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notes = models.TextField(_("notes"), blank=True, default="")
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["position", "id"]
        indexes = [
            models.Index(fields=["pipeline", "status", "stage", "position"], name="opp_board_idx"),
            # The sales figures read these alone (covering): open opportunities by stage and
            # expected close, closed ones by closing time. They lead with `status` rather than
            # being partial: SQLite cannot match a partial index to a bound status parameter.
            # (SQLite, 100,000 opportunities, one year: pipeline by stage 119 -> 6 ms, win rate
            # 85 -> 8 ms.)
            models.Index(
                fields=["status", "stage", "expected_close", "branch", "owner", "value", "probability"],
                name="opp_figures_open_idx",
            ),
            models.Index(
                fields=["status", "closed_at", "branch", "owner", "value", "created_at"],
                name="opp_figures_closed_idx",
            ),
            models.Index(fields=["owner", "status"], name="opp_owner_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(probability__lte=100), name="opp_probability_max_100"),
            models.CheckConstraint(condition=Q(value__gte=0), name="opp_value_not_negative"),
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True) | (~Q(status="open") & Q(closed_at__isnull=False)),
                name="opp_closed_at_iff_closed",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def weighted_value(self) -> int:
        return self.value * self.probability // 100


class OpportunityLine(models.Model):
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        "catalog.Product", verbose_name=_("product"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(_("description"), max_length=200, blank=True, default="")
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    unit_price = models.BigIntegerField(_("unit price (Rp)"), default=0)

    class Meta:
        verbose_name = _("opportunity product")
        verbose_name_plural = _("opportunity products")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.description or str(self.product_id)

    @property
    def total(self) -> int:
        return self.quantity * self.unit_price


class StageChange(models.Model):
    """One move of an opportunity, appended and never changed: between stages, or its status
    (won, lost, reopened). `seconds_in_previous` is how long it had been in `from_stage`."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(Stage, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status after"), max_length=8, choices=Opportunity.Status.choices, default="open")
    seconds_in_previous = models.BigIntegerField(default=0)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["changed_at", "id"]
        indexes = [models.Index(fields=["opportunity", "changed_at"], name="stagechange_opp_idx")]

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {self.from_stage_id} -> {self.to_stage_id}"
