"""Reads of subscriptions, through the actor's branch scope, and the renewal queue."""

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from setia.accounts.models import User
from setia.accounts.selectors import branch_scope, require
from setia.core.errors import NotFoundError
from setia.sales.models import Subscription

QUEUE_DAYS = 30


def visible_subscriptions(actor: User) -> QuerySet[Subscription]:
    require(actor, "subscriptions.view")
    return branch_scope(actor).filter(Subscription.objects.all(), field="branch")


def subscription_get(*, actor: User, pk: int) -> Subscription:
    subscription = (
        visible_subscriptions(actor)
        .select_related("customer", "branch", "product", "owner", "outcome_by", "order", "renewal_of", "opportunity")
        .filter(pk=pk)
        .first()
    )
    if subscription is None:
        raise NotFoundError(_("Subscription not found."))
    return subscription


def subscription_list(
    *,
    actor: User,
    status: str = "",
    customer_id: int | None = None,
    branch_id: int | None = None,
    due_before: dt.date | None = None,
) -> QuerySet[Subscription]:
    subscriptions = visible_subscriptions(actor).select_related("customer", "branch", "product", "order")
    if status:
        subscriptions = subscriptions.filter(status=status)
    if customer_id:
        subscriptions = subscriptions.filter(customer_id=customer_id)
    if branch_id:
        subscriptions = subscriptions.filter(branch_id=branch_id)
    if due_before:
        subscriptions = subscriptions.filter(ends_on__lte=due_before)
    return subscriptions


def renewal_queue(
    *,
    actor: User,
    days: int = QUEUE_DAYS,
    today: dt.date | None = None,
    branch_id: int | None = None,
    owner_id: int | None = None,
) -> QuerySet[Subscription]:
    """Active subscriptions whose term ends within `days` days — overdue ones (ended, not yet
    renewed or lapsed) first, then by renewal date."""
    today = today or timezone.localdate()
    queue = subscription_list(
        actor=actor, status=Subscription.Status.ACTIVE, branch_id=branch_id, due_before=today + dt.timedelta(days=days)
    )
    if owner_id:
        queue = queue.filter(owner_id=owner_id)
    return queue.select_related("owner").order_by("ends_on", "id")


def renewal_history(subscription: Subscription) -> list[Subscription]:
    """The terms before this one, newest first (each renews the one before)."""
    terms: list[Subscription] = []
    current = subscription.renewal_of
    seen = {subscription.pk}
    while current is not None and current.pk not in seen and len(terms) < 100:
        seen.add(current.pk)
        terms.append(current)
        previous_id = current.renewal_of_id
        if previous_id is None:
            break
        current = Subscription.objects.select_related("outcome_by", "order").filter(pk=previous_id).first()
    return terms


def customer_subscriptions(*, actor: User, customer_id: int, limit: int = 10) -> list[Subscription]:
    return list(
        subscription_list(actor=actor, customer_id=customer_id)
        .exclude(status=Subscription.Status.RENEWED)
        .order_by("-ends_on", "-id")[:limit]
    )
