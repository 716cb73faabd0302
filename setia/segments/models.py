"""Segments: a named group of customers, defined by conditions (dynamic) or by a fixed list
(static), and the history of who was in it when."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from setia.core.models import TimeStampedModel


class Segment(TimeStampedModel):
    """`definition` is a tree of groups: `{"match": "all"|"any", "conditions": [...]}` where each
    item is a condition `{"field", "op", "value"}` or another group (see definitions.py).

    A dynamic segment's members are re-evaluated from its definition (on save, on demand and after
    every analytics refresh); a static segment's members change only when a list is uploaded."""

    class Kind(models.TextChoices):
        DYNAMIC = "dynamic", _("dynamic (by conditions)")
        STATIC = "static", _("static (fixed list)")

    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=255, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.DYNAMIC)
    definition = models.JSONField(_("conditions"), default=dict, blank=True)
    member_count = models.PositiveIntegerField(_("members"), default=0)
    evaluated_at = models.DateTimeField(_("evaluated"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)
    # Not a column: the count of members the reading user may see, set on segments read through
    # `selectors.segment_list` / `segment_get` (`member_count` is the whole business's).
    visible_member_count: int

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class SegmentMember(models.Model):
    """One stay of a customer in a segment: joined, and left (empty while still a member). A
    customer who leaves and joins again has a second row, so the rows are the history."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="memberships")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="segment_memberships", db_index=False
    )
    joined_at = models.DateTimeField(_("joined"))
    left_at = models.DateTimeField(_("left"), null=True, blank=True)

    class Meta:
        verbose_name = _("segment member")
        verbose_name_plural = _("segment members")
        constraints = [
            models.UniqueConstraint(
                fields=["segment", "customer"], condition=Q(left_at__isnull=True), name="segment_member_current_once"
            )
        ]
        indexes = [
            models.Index(fields=["customer", "segment"], name="segment_member_customer_idx"),
            models.Index(fields=["segment", "-joined_at"], name="segment_member_joined_idx"),
            models.Index(
                fields=["segment", "-left_at"], name="segment_member_left_idx", condition=Q(left_at__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.segment_id}:{self.customer_id}"


class SegmentBranchCount(models.Model):
    """How many of a segment's current members are live customers of a branch, written with
    `Segment.member_count`. A user who sees some branches only is shown the sum of their branches'
    rows: a few rows per segment instead of a count over its members, which a segment of hundreds of
    thousands would cost on every page (ADR 0013)."""

    # No index of their own: the unique constraint below serves every read (by segment, then
    # branch), and the table holds a few rows per segment.
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="branch_counts", db_index=False)
    branch = models.ForeignKey("accounts.Branch", on_delete=models.CASCADE, related_name="+", db_index=False)
    members = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("segment members in a branch")
        verbose_name_plural = _("segment members in branches")
        constraints = [models.UniqueConstraint(fields=["segment", "branch"], name="segment_branch_count_once")]

    def __str__(self) -> str:
        return f"{self.segment_id}:{self.branch_id}={self.members}"
