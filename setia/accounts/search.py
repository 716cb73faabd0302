from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from setia.accounts.selectors import branch_list, staff_list
from setia.core.search import Hit, Provider, register_provider


def _search_staff(actor: Any, query: str, limit: int) -> list[Hit]:
    if not actor.has_capability("staff.view"):
        return []
    return [
        Hit(
            str(member),
            f"{member.get_role_display()} · {member.branch or '—'}",
            reverse("accounts:staff_detail", args=[member.pk]),
            "person-badge",
        )
        for member in staff_list(actor=actor, query=query)[:limit]
    ]


def _search_branches(actor: Any, query: str, limit: int) -> list[Hit]:
    if not actor.has_capability("branches.view"):
        return []
    branches = branch_list(actor=actor, include_inactive=True).filter(name__icontains=query)[:limit]
    return [
        Hit(branch.name, f"{branch.code} · {branch.city}", reverse("accounts:branch_detail", args=[branch.pk]), "shop")
        for branch in branches
    ]


register_provider(Provider("staff", _("Staff"), _search_staff, order=800))
register_provider(Provider("branches", _("Branches"), _search_branches, order=810))
