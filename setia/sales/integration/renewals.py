"""What renewals contribute to other apps: subscriptions on the customer's 360° timeline (started,
and the outcome of each term), a 360° panel of the customer's subscriptions, and subscriptions
moved to the surviving customer by a merge."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from setia.core.money import format_rupiah
from setia.customers import merge, panels, timeline
from setia.customers.models import Customer
from setia.sales.models import Subscription
from setia.sales.selectors.renewals import customer_subscriptions


def _subscriptions_source(customer: Customer, before: dt.datetime | None, limit: int) -> list[timeline.Entry]:
    subscriptions = Subscription.objects.filter(customer=customer).select_related("owner", "outcome_by")
    started = subscriptions.filter(renewal_of__isnull=True)
    closed = subscriptions.filter(outcome_at__isnull=False)
    if before is not None:
        started = started.filter(created_at__lt=before)
        closed = closed.filter(outcome_at__lt=before)
    url = "sales:subscription_detail"
    entries = [
        timeline.Entry(
            at=s.created_at,
            kind="subscriptions",
            icon="arrow-repeat",
            title=_("Subscription %(name)s started") % {"name": s.name},
            detail=f"{_day(s.starts_on)} \u2013 {_day(s.ends_on)} · {format_rupiah(s.price)}",
            actor=str(s.owner) if s.owner else "",
            url=reverse(url, args=[s.pk]),
            capability="subscriptions.view",
        )
        for s in started.order_by("-created_at", "-id")[:limit]
    ]
    titles = {
        Subscription.Status.RENEWED: _("Subscription %(name)s renewed"),
        Subscription.Status.LAPSED: _("Subscription %(name)s lapsed"),
        Subscription.Status.CANCELLED: _("Subscription %(name)s cancelled"),
    }
    for s in closed.order_by("-outcome_at", "-id")[:limit]:
        assert s.outcome_at is not None
        entries.append(
            timeline.Entry(
                at=s.outcome_at,
                kind="subscriptions",
                icon="arrow-repeat" if s.status == Subscription.Status.RENEWED else "slash-circle",
                title=titles[Subscription.Status(s.status)] % {"name": s.name},
                detail=s.outcome_note,
                actor=str(s.outcome_by) if s.outcome_by else "",
                url=reverse(url, args=[s.pk]),
                capability="subscriptions.view",
            )
        )
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:limit]


def _move_subscriptions(survivor: Customer, merged: Customer, actor: Any) -> None:
    Subscription.objects.filter(customer=merged).update(customer=survivor)


def _panel(request: HttpRequest, customer: Customer) -> dict[str, Any] | None:
    user = request.user
    if not user.has_capability("subscriptions.view"):  # type: ignore[union-attr]
        return None
    return {
        "subscriptions": customer_subscriptions(actor=user, customer_id=customer.pk),  # type: ignore[arg-type]
        "can_add": user.has_capability("subscriptions.edit"),  # type: ignore[union-attr]
        "today": timezone.localdate(),
    }


def register() -> None:
    timeline.register_source("subscriptions", _subscriptions_source)
    merge.register_merge_handler("subscriptions", _move_subscriptions)
    panels.register_panel(panels.Panel("sales.subscriptions", "sales/renewals/_panel.html", _panel, "side", 45))


def _day(day: dt.date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")
