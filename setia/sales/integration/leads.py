"""What leads contribute to the customers app: on a converted customer's timeline, when she came
in as a lead and when she was converted; and a merge moves the merged-away customer's leads."""

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from setia.customers import merge, timeline
from setia.customers.models import Customer
from setia.sales.models import Lead


def _leads_source(customer: Customer, before: dt.datetime | None, limit: int) -> list[timeline.Entry]:
    entries = []
    leads = Lead.objects.filter(customer=customer).select_related("source", "created_by", "owner")
    if before is not None:
        leads = leads.filter(created_at__lt=before)  # a conversion never precedes its lead
    for lead in leads.order_by("-created_at", "-id")[:limit]:
        url = reverse("sales:lead_detail", args=[lead.pk])
        source = lead.source.name if lead.source else lead.get_channel_display()
        entries.append(
            timeline.Entry(
                at=lead.created_at,
                kind="lead",
                icon="person-plus",
                title=_("Came in as a lead (%(source)s)") % {"source": source},
                detail=lead.interest[:200],
                actor=str(lead.created_by) if lead.created_by else "",
                url=url,
                capability="leads.view",
            )
        )
        if lead.converted_at is not None:
            entries.append(
                timeline.Entry(
                    at=lead.converted_at,
                    kind="lead",
                    icon="person-check",
                    title=_("Lead converted to customer"),
                    detail=_("Owner: %(owner)s") % {"owner": str(lead.owner)} if lead.owner else "",
                    url=url,
                    capability="leads.view",
                )
            )
    if before is not None:
        entries = [entry for entry in entries if entry.at < before]
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:limit]


def _move_leads(survivor: Customer, merged: Customer, actor: Any) -> None:
    Lead.objects.filter(customer=merged).update(customer=survivor)


def register() -> None:
    timeline.register_source("leads", _leads_source)
    merge.register_merge_handler("leads", _move_leads)
