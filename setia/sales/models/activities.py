"""Activities: calls, meetings, tasks and notes, linked to a customer, a lead or an
opportunity, with a due time and a reminder."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from setia.core.models import TimeStampedModel


class Activity(TimeStampedModel):
    class Kind(models.TextChoices):
        CALL = "call", _("call")
        MEETING = "meeting", _("meeting")
        TASK = "task", _("task")
        NOTE = "note", _("note")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.TASK)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("details"), blank=True, default="")
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    remind_at = models.DateTimeField(_("remind at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=255, blank=True, default="")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
    )
    lead = models.ForeignKey(
        "sales.Lead", verbose_name=_("lead"), null=True, blank=True, on_delete=models.CASCADE, related_name="activities"
    )
    opportunity = models.ForeignKey(
        "sales.Opportunity",
        verbose_name=_("opportunity"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
    )

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["assigned_to", "done_at", "due_at"], name="activity_my_day_idx"),
            models.Index(fields=["remind_at"], name="activity_remind_idx", condition=Q(reminded_at__isnull=True)),
            models.Index(fields=["customer", "created_at"], name="activity_customer_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(customer__isnull=False) | Q(lead__isnull=False) | Q(opportunity__isnull=False),
                name="activity_has_subject",
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_open(self) -> bool:
        return self.done_at is None and self.kind != self.Kind.NOTE


class DigestDelivery(models.Model):
    """The morning digest one staff member is owed for one day. Written when the digest is due
    (before the email is sent); `sent_at` is stamped once the mail server has taken the email. A
    send that failed stays owed, with its error, and a later run the same day sends it; one that
    was taken is never sent again that day (the unique pair below)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # the unique (user, day) serves lookups by user
    )
    day = models.DateField(_("day"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # When a run last took the send on (a lease: another run leaves it alone for a while).
    attempted_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=255, blank=True, default="")

    class Meta:
        verbose_name = _("morning digest")
        verbose_name_plural = _("morning digests")
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="digest_delivery_once")]
        indexes = [models.Index(fields=["day"], name="digest_delivery_owed_idx", condition=Q(sent_at__isnull=True))]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.day}"
