"""What loyalty tells the merge screen about each record: the member card, its tier and points."""

from django.utils.translation import gettext as _

from setia.accounts.models import User
from setia.core.money import format_count
from setia.customers import merge
from setia.loyalty.models import Membership


def membership_facts(viewer: User, customer_ids: list[int]) -> dict[int, list[merge.MergeFact]]:
    """Card number, tier and points of each customer's membership (its status when it is not
    active), or that she is not a member, in one query for all the customers."""
    if not viewer.has_capability("loyalty.view"):
        return {}
    memberships = {
        membership.customer_id: membership
        for membership in Membership.objects.filter(customer_id__in=customer_ids)
        .select_related("tier")
        .only("customer_id", "number", "status", "points_balance", "tier__name")
    }
    found = {}
    for pk in customer_ids:
        membership = memberships.get(pk)
        if membership is None:
            value = _("Not a member yet.")
        else:
            parts = [_("card %(number)s") % {"number": membership.number}]
            if membership.tier is not None:
                parts.append(membership.tier.name)
            parts.append(_("%(points)s points") % {"points": format_count(membership.points_balance)})
            if membership.status != Membership.Status.ACTIVE:
                parts.append(membership.get_status_display())
            value = " · ".join(parts)
        found[pk] = [merge.MergeFact("loyalty.membership", _("Membership"), value, order=40)]
    return found


def register() -> None:
    merge.register_merge_facts("loyalty.membership", membership_facts)
