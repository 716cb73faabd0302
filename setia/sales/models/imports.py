"""A historical-orders import started from the web page: the uploaded file, its options, the
check's and the import's figures (the work is done by services/imports.py in background jobs)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from setia.core.models import TimeStampedModel


class OrderImport(TimeStampedModel):
    class Status(models.TextChoices):
        CHECKING = "checking", _("checking")
        CHECKED = "checked", _("checked")
        IMPORTING = "importing", _("importing")
        DONE = "done", _("imported")
        FAILED = "failed", _("failed")

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    original_name = models.CharField(_("file"), max_length=255)
    stored_path = models.CharField(max_length=500)
    branch = models.ForeignKey(
        "accounts.Branch",
        verbose_name=_("branch of rows without one"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    create_missing_customers = models.BooleanField(_("create missing customers"), default=False)
    apply_loyalty = models.BooleanField(_("give points and rewards"), default=False)
    skip_invalid = models.BooleanField(_("import only the valid rows"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.CHECKING)
    result = models.JSONField(default=dict, blank=True)  # the check's (then the import's) figures
    errors = models.JSONField(default=list, blank=True)  # [[row, reason]], the first ERRORS_SHOWN
    report_path = models.CharField(max_length=500, blank=True)  # the skipped rows with their reasons
    failure = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("order import")
        verbose_name_plural = _("order imports")

    def __str__(self) -> str:
        return self.original_name

    @property
    def working(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.IMPORTING)
