"""Loyalty membership as segment fields (tier, points balance, member since, is a member),
registered with `segments` from `LoyaltyConfig.ready`. Only active memberships count."""

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from setia.loyalty.models import Membership, Tier
from setia.segments.fields import FieldType, SegmentField, register_field, related_field

GROUP = _("Loyalty")


def _members() -> QuerySet[Membership]:
    return Membership.objects.filter(status=Membership.Status.ACTIVE)


def _tier_choices() -> list[tuple[str, str]]:
    return [(str(pk), name) for pk, name in Tier.objects.order_by("rank", "name").values_list("pk", "name")]


def _member_q(op: str, value: Any) -> Q:
    condition = Q(pk__in=_members().values("customer_id"))
    return condition if value else ~condition


def register() -> None:
    register_field(SegmentField("loyalty.member", _("Loyalty member"), GROUP, FieldType.BOOLEAN, None, _member_q))
    register_field(
        related_field("loyalty.tier", _("Tier"), GROUP, FieldType.CHOICE, _members, "tier_id", choices=_tier_choices)
    )
    register_field(
        related_field(
            "loyalty.points_balance", _("Points balance"), GROUP, FieldType.NUMBER, _members, "points_balance"
        )
    )
    register_field(
        related_field("loyalty.member_since", _("Member since"), GROUP, FieldType.DATE, _members, "joined_at__date")
    )
