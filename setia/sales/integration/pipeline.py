"""What the pipeline contributes to other apps: opportunities created, won and lost on the
customer's 360° timeline, a panel of her open opportunities, and opportunities moved by a merge."""

import datetime as dt
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from setia.core.money import format_rupiah
from setia.customers import merge, panels, timeline
from setia.customers.models import Customer
from setia.sales.models import Opportunity, StageChange
from setia.sales.selectors.pipeline import visible_opportunities


def _opportunities_source(customer: Customer, before: dt.datetime | None, limit: int) -> list[timeline.Entry]:
    changes = StageChange.objects.filter(opportunity__customer=customer).filter(
        Q(from_stage__isnull=True) | Q(status__in=[Opportunity.Status.WON, Opportunity.Status.LOST])
    )
    if before is not None:
        changes = changes.filter(changed_at__lt=before)
    changes = changes.select_related("opportunity", "opportunity__lost_reason", "to_stage", "changed_by")
    entries = []
    for change in changes.order_by("-changed_at", "-id")[:limit]:
        opportunity = change.opportunity
        if change.from_stage_id is None:
            title = _("Opportunity opened: %(title)s") % {"title": opportunity.title}
            icon, detail = "briefcase", f"{change.to_stage.name} · {format_rupiah(opportunity.value)}"
        elif change.status == Opportunity.Status.WON:
            title = _("Opportunity won: %(title)s") % {"title": opportunity.title}
            icon, detail = "trophy", format_rupiah(opportunity.value)
        else:
            title = _("Opportunity lost: %(title)s") % {"title": opportunity.title}
            icon = "x-circle"
            detail = opportunity.lost_reason.name if opportunity.lost_reason else ""
        entries.append(
            timeline.Entry(
                at=change.changed_at,
                kind="opportunity",
                icon=icon,
                title=title,
                detail=detail,
                actor=str(change.changed_by) if change.changed_by else "",
                url=reverse("sales:opportunity_detail", args=[opportunity.pk]),
                capability="opportunities.view",
            )
        )
    return entries


def _move_opportunities(survivor: Customer, merged: Customer, actor: Any) -> None:
    Opportunity.objects.filter(customer=merged).update(customer=survivor)


def _opportunities_panel(request: HttpRequest, customer: Customer) -> dict[str, Any] | None:
    user = request.user
    if not user.has_capability("opportunities.view"):  # type: ignore[union-attr]
        return None
    opportunities = (
        visible_opportunities(user)  # type: ignore[arg-type]
        .filter(customer=customer, status=Opportunity.Status.OPEN)
        .select_related("stage", "owner")
        .order_by("expected_close", "id")[:10]
    )
    return {
        "opportunities": list(opportunities),
        "can_create": user.has_capability("opportunities.edit"),  # type: ignore[union-attr]
    }


def register() -> None:
    timeline.register_source("opportunities", _opportunities_source)
    merge.register_merge_handler("opportunities", _move_opportunities)
    panels.register_panel(
        panels.Panel("sales.opportunities", "sales/pipeline/_customer_panel.html", _opportunities_panel, "main", 25)
    )
