"""The subscriptions API: list (or the renewal queue), get, create, renew, lapse and cancel. Every
endpoint calls the same services and selectors as the pages."""

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status

from setia.accounts.models import Branch, User
from setia.catalog.models import Product
from setia.core.errors import ApplicationError, field_not_found
from setia.core.pagination import api_page
from setia.customers.models import Customer
from setia.sales.models import Subscription
from setia.sales.schemas.renewals import (
    SubscriptionIn,
    SubscriptionOut,
    SubscriptionOutcomeIn,
    SubscriptionPage,
    SubscriptionRenewIn,
)
from setia.sales.selectors import renewals as selectors
from setia.sales.services import renewals as services

router = Router(tags=["renewals"])


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def subscription_out(subscription: Subscription) -> dict[str, Any]:
    return {name: getattr(subscription, name) for name in SubscriptionOut.model_fields}


@router.get("/subscriptions", response=SubscriptionPage, summary="Subscriptions by renewal date (keyset paged)")
def list_subscriptions(
    request: HttpRequest,
    status: str = "",
    customer_id: int | None = None,
    branch_id: int | None = None,
    due_within_days: int | None = None,
    after: str = "",
) -> dict[str, Any]:
    """With `due_within_days`, the renewal queue: active subscriptions ending within that many
    days, overdue ones first."""
    actor = _actor(request)
    if status and status not in Subscription.Status.values:
        raise ApplicationError(
            "status: unknown status", {"status": [f"one of {', '.join(Subscription.Status.values)}"]}
        )
    if due_within_days is not None:
        if not 0 <= due_within_days <= 366:
            raise ApplicationError("due_within_days: 0 to 366", {"due_within_days": ["a number of days from 0 to 366"]})
        subscriptions = selectors.renewal_queue(actor=actor, days=due_within_days, branch_id=branch_id)
        if customer_id:
            subscriptions = subscriptions.filter(customer_id=customer_id)
    else:
        subscriptions = selectors.subscription_list(
            actor=actor, status=status, customer_id=customer_id, branch_id=branch_id
        )
    page = api_page(subscriptions, order=("ends_on", "id"), cursor=after, size=100)
    return {"items": [subscription_out(s) for s in page.rows], "next_cursor": page.next_cursor}


@router.get("/subscriptions/{subscription_id}", response=SubscriptionOut, summary="One subscription")
def get_subscription(request: HttpRequest, subscription_id: int) -> dict[str, Any]:
    return subscription_out(selectors.subscription_get(actor=_actor(request), pk=subscription_id))


@router.post("/subscriptions", response={201: SubscriptionOut}, summary="Record a subscription (its first term)")
def create_subscription(request: HttpRequest, payload: SubscriptionIn) -> Status[dict[str, Any]]:
    customer = Customer.objects.filter(pk=payload.customer_id).first()
    if customer is None:
        raise field_not_found("customer_id")
    branch = Branch.objects.filter(pk=payload.branch_id).first()
    if branch is None:
        raise field_not_found("branch_id")
    product = None
    if payload.product_id is not None:
        product = Product.objects.filter(pk=payload.product_id).first()
        if product is None:
            raise field_not_found("product_id")
    subscription = services.subscription_create(
        actor=_actor(request),
        customer=customer,
        branch=branch,
        name=payload.name,
        product=product,
        price=payload.price,
        term_months=payload.term_months,
        starts_on=payload.starts_on,
        notes=payload.notes,
    )
    return Status(201, subscription_out(subscription))


@router.post(
    "/subscriptions/{subscription_id}/renew",
    response={201: SubscriptionOut},
    summary="Renew: close this term and open the next (returned)",
)
def renew_subscription(
    request: HttpRequest, subscription_id: int, payload: SubscriptionRenewIn
) -> Status[dict[str, Any]]:
    actor = _actor(request)
    renewal = services.subscription_renew(
        actor=actor,
        subscription=selectors.subscription_get(actor=actor, pk=subscription_id),
        price=payload.price,
        term_months=payload.term_months,
        payment_method=payload.payment_method,
        note=payload.note,
    )
    return Status(201, subscription_out(renewal))


@router.post("/subscriptions/{subscription_id}/lapse", response=SubscriptionOut, summary="The customer did not renew")
def lapse_subscription(request: HttpRequest, subscription_id: int, payload: SubscriptionOutcomeIn) -> dict[str, Any]:
    actor = _actor(request)
    subscription = services.subscription_lapse(
        actor=actor, subscription=selectors.subscription_get(actor=actor, pk=subscription_id), note=payload.note
    )
    return subscription_out(subscription)


@router.post("/subscriptions/{subscription_id}/cancel", response=SubscriptionOut, summary="Stopped before its term")
def cancel_subscription(request: HttpRequest, subscription_id: int, payload: SubscriptionOutcomeIn) -> dict[str, Any]:
    actor = _actor(request)
    subscription = services.subscription_cancel(
        actor=actor, subscription=selectors.subscription_get(actor=actor, pk=subscription_id), note=payload.note
    )
    return subscription_out(subscription)
