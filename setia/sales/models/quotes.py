"""Proposals (quotes): numbered, lines from the catalogue, discounts and PPN, a validity date,
and the timestamps of sending and the customer's answer. Money is whole Rupiah."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from setia.core.models import TimeStampedModel


class Quote(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SENT = "sent", _("sent")
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", _("rejected")
        EXPIRED = "expired", _("expired")

    number = models.CharField(_("number"), max_length=32, unique=True)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="quotes"
    )
    opportunity = models.ForeignKey(
        "sales.Opportunity",
        verbose_name=_("opportunity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quotes",
    )
    branch = models.ForeignKey(
        "accounts.Branch", verbose_name=_("branch"), on_delete=models.PROTECT, related_name="quotes"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("prepared by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    issue_date = models.DateField(_("date"))
    valid_until = models.DateField(_("valid until"))
    title = models.CharField(_("subject"), max_length=200, blank=True, default="")
    notes = models.TextField(_("notes"), blank=True, default="")
    terms = models.TextField(_("terms"), blank=True, default="")
    # Tax as set when the quote was made (the business's settings may change later).
    tax_registered = models.BooleanField(_("PPN charged"), default=True)
    ppn_percent = models.DecimalField(_("PPN rate %"), max_digits=5, decimal_places=2, default=11)
    prices_include_tax = models.BooleanField(_("prices include PPN"), default=True)
    subtotal = models.BigIntegerField(_("subtotal"), default=0)
    discount_total = models.BigIntegerField(_("discount"), default=0)
    tax_amount = models.BigIntegerField(_("PPN"), default=0)
    total = models.BigIntegerField(_("total"), default=0)
    sent_to = models.EmailField(_("sent to"), blank=True, default="")
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    decided_at = models.DateTimeField(_("answered"), null=True, blank=True)
    order = models.ForeignKey(
        "sales.Order", verbose_name=_("order"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["-issue_date", "-id"]
        indexes = [models.Index(fields=["status", "sent_at"], name="quote_status_sent_idx")]
        constraints = [models.CheckConstraint(condition=Q(total__gte=0), name="quote_total_not_negative")]

    def __str__(self) -> str:
        return self.number


class QuoteLine(models.Model):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    product = models.ForeignKey(
        "catalog.Product", verbose_name=_("product"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(_("description"), max_length=255)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    unit_price = models.BigIntegerField(_("unit price (Rp)"))
    discount_percent = models.DecimalField(_("discount %"), max_digits=5, decimal_places=2, default=0)
    line_total = models.BigIntegerField(_("amount"), default=0)

    class Meta:
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="quoteline_price_not_negative"),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0, discount_percent__lte=100), name="quoteline_discount_range"
            ),
        ]

    def __str__(self) -> str:
        return self.description


class QuoteSequence(models.Model):
    """The last quote number given out in a year. Its row is locked while a number is taken,
    so two quotes made at the same moment never get the same number."""

    year = models.PositiveIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("quote numbering")
        verbose_name_plural = _("quote numbering")

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"
