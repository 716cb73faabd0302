from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from setia.core.texts import shown


class WeekdaysField(models.JSONField):
    """Days of the week as a sorted list of numbers, Monday 0 to Sunday 6 (`date.weekday()`),
    ticked on forms as one checkbox per day."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("default", list)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs: Any) -> Any:
        from django import forms
        from django.utils.dates import WEEKDAYS
        from django.utils.text import capfirst

        return forms.TypedMultipleChoiceField(
            label=capfirst(self.verbose_name),
            help_text=self.help_text,
            choices=sorted(WEEKDAYS.items()),
            coerce=int,
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )


def check_closed_days(days: Any) -> list[int]:
    """Closed days as stored (sorted, each once), or refused naming `closed_days`: numbers of
    weekdays only, and a day left open."""
    from django.utils.translation import gettext

    from setia.core.errors import ApplicationError

    try:
        cleaned = sorted({int(day) for day in days or []})
    except (TypeError, ValueError):
        cleaned = [-1]
    if any(not 0 <= day <= 6 for day in cleaned):
        message = gettext("Choose days of the week.")
        raise ApplicationError(message, {"closed_days": [message]})
    if len(cleaned) == 7:
        message = gettext("Leave at least one day open.")
        raise ApplicationError(message, {"closed_days": [message]})
    return cleaned


class TimeStampedModel(models.Model):
    """Base for the product's models: creation and last-change times."""

    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class AuditEvent(models.Model):
    """One write to the product: who did what to which record, when, and which fields changed.

    Append-only. `changes` maps field name to `[before, after]`. `subject_key` names the person
    the values are about (by default the record itself), so an erasure request can redact the
    personal values (`audit_redact_subject`) while keeping who did what and when.
    """

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("updated")
        DELETE = "delete", _("deleted")
        ARCHIVE = "archive", _("archived")
        LOGIN = "login", _("signed in")
        LOGOUT = "logout", _("signed out")
        LOGIN_FAILED = "login_failed", _("failed sign-in")
        REVOKE = "revoke", _("revoked")
        OTHER = "other", _("other")

    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("who (name)"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    object_type = models.CharField(_("record type"), max_length=100)
    object_id = models.CharField(_("record id"), max_length=64)
    object_repr = models.CharField(_("record"), max_length=200, blank=True)
    subject_key = models.CharField(_("data subject"), max_length=120, blank=True, db_index=True)
    branch_id = models.BigIntegerField(_("branch"), null=True, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    message = models.CharField(_("note"), max_length=255, blank=True)
    # The note's values where the system wrote it (`core.texts`): shown in the reader's language.
    message_args = models.JSONField(null=True, blank=True, editable=False)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    redacted_at = models.DateTimeField(_("redacted"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "-created_at"], name="audit_object_idx"),
            models.Index(fields=["actor", "-created_at"], name="audit_actor_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_label} {self.action} {self.object_type}:{self.object_id}"

    @property
    def message_text(self) -> str:
        """The note in the active language (a typed note as typed)."""
        return shown(self.message, self.message_args)


class ScheduledRun(models.Model):
    """One firing of a periodic job. The unique key makes two schedulers enqueue a slot once."""

    job_key = models.CharField(max_length=100)
    slot = models.DateTimeField()
    enqueued_at = models.DateTimeField(default=timezone.now)
    task_result_id = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job_key", "slot"], name="scheduled_run_once_per_slot")]
        ordering = ["-slot"]

    def __str__(self) -> str:
        return f"{self.job_key} @ {self.slot:%Y-%m-%d %H:%M}"


class RateCounter(models.Model):
    """Requests counted per key in fixed windows, shared by every server process.

    One row per key (a staff member's API use, an address guessing keys); updated with a single
    atomic upsert per request (see `setia.core.ratelimit`).
    """

    key = models.CharField(max_length=200, primary_key=True)
    bucket = models.BigIntegerField(help_text="Start of the current window, in Unix seconds.")
    hits = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.hits} since {self.bucket}"


class Notification(models.Model):
    """An in-app message to one staff member ("Follow up Bu Sari today", "Lead assigned to you").
    Shown under the bell in the top bar until read. Any app may post one (`core.notifications`)."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    text = models.CharField(_("text"), max_length=255)
    url = models.CharField(_("link"), max_length=255, blank=True, default="")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    key = models.CharField(
        max_length=120, blank=True, default="", help_text="Set to post a notification once (e.g. one reminder)."
    )

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"], condition=~models.Q(key=""), name="notification_once_per_key"
            )
        ]

    def __str__(self) -> str:
        return self.text
