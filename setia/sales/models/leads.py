"""Leads (prospects) and how they reach a sales person: sources with a public web form,
assignment rules, and the round-robin cursor of each branch."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from setia.core.models import TimeStampedModel


def _form_key() -> str:
    return secrets.token_urlsafe(12)


class LeadSource(TimeStampedModel):
    """Where leads come from ("Instagram", "Website", "Walk-in"). A source may publish a web
    form: a page and an embeddable snippet addressed by `form_key`."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    active = models.BooleanField(_("active"), default=True)
    form_enabled = models.BooleanField(_("public web form"), default=False)
    form_key = models.CharField(_("form key"), max_length=32, unique=True, default=_form_key, editable=False)
    form_title = models.CharField(_("form title"), max_length=150, blank=True, default="")
    form_intro = models.TextField(_("form introduction"), blank=True, default="")
    form_thanks = models.CharField(_("thank-you message"), max_length=255, blank=True, default="")
    branch = models.ForeignKey(
        "accounts.Branch",
        verbose_name=_("branch for its leads"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lead_sources",
    )

    class Meta:
        verbose_name = _("lead source")
        verbose_name_plural = _("lead sources")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Lead(TimeStampedModel):
    """A prospect who is not (yet) a customer. `created_at`, `contacted_at`, `qualified_at` and
    `converted_at` are the timestamps the sales metrics read."""

    class Status(models.TextChoices):
        NEW = "new", _("new")
        CONTACTED = "contacted", _("contacted")
        QUALIFIED = "qualified", _("qualified")
        UNQUALIFIED = "unqualified", _("unqualified")
        CONVERTED = "converted", _("converted")

    class Channel(models.TextChoices):
        MANUAL = "manual", _("entered by staff")
        FORM = "form", _("web form")
        IMPORT = "import", _("import")
        API = "api", _("API")

    name = models.CharField(_("name"), max_length=150)
    company_name = models.CharField(_("company"), max_length=150, blank=True, default="")
    phone = models.CharField(_("phone"), max_length=20, blank=True, default="", help_text=_("Stored as E.164."))
    email = models.EmailField(_("email"), blank=True, default="")
    city = models.CharField(_("city"), max_length=100, blank=True, default="")
    interest = models.TextField(_("interest / message"), blank=True, default="")
    estimated_value = models.BigIntegerField(_("estimated value (Rp)"), null=True, blank=True)
    source = models.ForeignKey(
        LeadSource, verbose_name=_("source"), null=True, blank=True, on_delete=models.PROTECT, related_name="leads"
    )
    channel = models.CharField(_("captured by"), max_length=10, choices=Channel.choices, default=Channel.MANUAL)
    branch = models.ForeignKey(
        "accounts.Branch",
        verbose_name=_("branch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_leads",
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.NEW)
    next_follow_up = models.DateField(_("next follow-up"), null=True, blank=True)
    unqualified_reason = models.CharField(_("why unqualified"), max_length=255, blank=True, default="")
    consent_marketing = models.BooleanField(_("agreed to marketing messages"), default=False)
    contacted_at = models.DateTimeField(_("first contacted"), null=True, blank=True)
    qualified_at = models.DateTimeField(_("qualified"), null=True, blank=True)
    converted_at = models.DateTimeField(_("converted"), null=True, blank=True)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_ip = models.GenericIPAddressField(_("submitted from"), null=True, blank=True)

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "status"], name="lead_owner_status_idx"),
            models.Index(fields=["status", "created_at"], name="lead_status_created_idx"),
            models.Index(fields=["phone"], name="lead_phone_idx", condition=~Q(phone="")),
            models.Index(fields=["email"], name="lead_email_idx", condition=~Q(email="")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="converted") | Q(customer__isnull=False), name="lead_converted_has_customer"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class LeadAssignmentRule(TimeStampedModel):
    """Checked in `position` order; the first rule that matches a new lead assigns it: to
    `assign_to`, or round-robin among the branch's active sales staff when that is empty."""

    position = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)
    source = models.ForeignKey(
        LeadSource,
        verbose_name=_("when the source is"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="rules",
        help_text=_("Empty: any source."),
    )
    city = models.CharField(
        _("when the city is"), max_length=100, blank=True, default="", help_text=_("Empty: any city.")
    )
    branch = models.ForeignKey(
        "accounts.Branch", verbose_name=_("branch"), on_delete=models.CASCADE, related_name="lead_rules"
    )
    assign_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assign to"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty: take turns among the branch's sales staff."),
    )

    class Meta:
        verbose_name = _("lead assignment rule")
        verbose_name_plural = _("lead assignment rules")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.position}: {self.branch}"


class RoundRobinCursor(models.Model):
    """The last sales person of a branch who was given a lead; locked while the next is chosen."""

    branch = models.OneToOneField("accounts.Branch", on_delete=models.CASCADE, related_name="+")
    last_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("round-robin cursor")
        verbose_name_plural = _("round-robin cursors")

    def __str__(self) -> str:
        return f"{self.branch_id}: {self.last_user_id}"
