"""What quotes contribute to other apps: sent and answered quotes on the customer's 360°
timeline, and quotes moved to the surviving customer by a merge."""

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from setia.core.money import format_rupiah
from setia.customers import merge, timeline
from setia.customers.models import Customer
from setia.sales.models import Quote


def _quotes_source(customer: Customer, before: dt.datetime | None, limit: int) -> list[timeline.Entry]:
    quotes = Quote.objects.filter(customer=customer).select_related("owner")
    sent = quotes.filter(sent_at__isnull=False)
    answered = quotes.filter(decided_at__isnull=False, status__in=[Quote.Status.ACCEPTED, Quote.Status.REJECTED])
    if before is not None:
        sent = sent.filter(sent_at__lt=before)
        answered = answered.filter(decided_at__lt=before)
    entries = []
    for quote in sent.order_by("-sent_at", "-id")[:limit]:
        assert quote.sent_at is not None
        entries.append(_entry(quote, quote.sent_at, "send", _("Quote %(number)s sent") % {"number": quote.number}))
    titles = {
        Quote.Status.ACCEPTED: (_("Quote %(number)s accepted"), "check2-circle"),
        Quote.Status.REJECTED: (_("Quote %(number)s rejected"), "x-circle"),
    }
    for quote in answered.order_by("-decided_at", "-id")[:limit]:
        assert quote.decided_at is not None
        title, icon = titles[Quote.Status(quote.status)]
        entries.append(_entry(quote, quote.decided_at, icon, title % {"number": quote.number}))
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:limit]


def _entry(quote: Quote, at: dt.datetime, icon: str, title: str) -> timeline.Entry:
    detail = format_rupiah(quote.total)
    if quote.title:
        detail = f"{quote.title} · {detail}"
    return timeline.Entry(
        at=at,
        kind="quotes",
        icon=icon,
        title=title,
        detail=detail,
        actor=str(quote.owner) if quote.owner else "",
        url=reverse("sales:quote_detail", args=[quote.pk]),
        capability="quotes.view",
    )


def _move_quotes(survivor: Customer, merged: Customer, actor: Any) -> None:
    Quote.objects.filter(customer=merged).update(customer=survivor)


def register() -> None:
    timeline.register_source("quotes", _quotes_source)
    merge.register_merge_handler("quotes", _move_quotes)
