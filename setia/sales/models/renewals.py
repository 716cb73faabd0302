"""Subscriptions and contracts that come up for renewal (a yearly membership package, a
corporate transport contract). Renewing closes the old term as renewed and opens the next."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from setia.core.models import TimeStampedModel


class Subscription(TimeStampedModel):
    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        RENEWED = "renewed", _("renewed")
        LAPSED = "lapsed", _("lapsed")
        CANCELLED = "cancelled", _("cancelled")

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="subscriptions"
    )
    name = models.CharField(_("name"), max_length=200)
    product = models.ForeignKey(
        "catalog.Product", verbose_name=_("product"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    branch = models.ForeignKey(
        "accounts.Branch", verbose_name=_("branch"), on_delete=models.PROTECT, related_name="subscriptions"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    price = models.BigIntegerField(_("price per term (Rp)"))
    term_months = models.PositiveSmallIntegerField(_("term (months)"), default=12)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("renewal date"), help_text=_("The last day of the term."))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    outcome_at = models.DateTimeField(_("outcome recorded"), null=True, blank=True)
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome_note = models.CharField(_("outcome note"), max_length=255, blank=True, default="")
    renewal_of = models.OneToOneField(
        "self",
        verbose_name=_("renews"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="renewed_by",
    )
    order = models.ForeignKey(
        "sales.Order", verbose_name=_("order"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opportunity = models.ForeignKey(
        "sales.Opportunity",
        verbose_name=_("opportunity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="subscriptions",
    )
    notes = models.TextField(_("notes"), blank=True, default="")

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        ordering = ["ends_on", "id"]
        indexes = [models.Index(fields=["status", "ends_on"], name="subscription_due_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="subscription_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="subscription_price_not_negative"),
            models.CheckConstraint(
                condition=Q(status="active", outcome_at__isnull=True)
                | (~Q(status="active") & Q(outcome_at__isnull=False)),
                name="subscription_outcome_iff_closed",
            ),
        ]

    def __str__(self) -> str:
        return self.name
