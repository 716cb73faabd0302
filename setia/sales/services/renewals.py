"""Subscriptions and contracts that come up for renewal: a term of whole months from a start
date to the day before the same date months later (`term_end`), then renewed (the next term
starts the day after), lapsed or cancelled — each outcome recorded with who, when and a note.

A renewal closes the old term as `renewed` and opens the next one linked to it (`renewal_of` is
one-to-one, so a term is renewed once even when two people click at the same moment). When the
customer pays for the new term on the spot, the sale is recorded by checkout like any other.
"""

import calendar
import datetime as dt

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from setia.accounts.models import Branch, User
from setia.accounts.selectors import branch_scope, require
from setia.catalog.models import Product
from setia.core.audit import audit_log
from setia.core.errors import ApplicationError, NotFoundError
from setia.core.texts import Message
from setia.customers.models import Customer
from setia.sales.models import Order, Payment, Subscription
from setia.sales.services import checkout

MAX_TERM_MONTHS = 120
MAX_NAME = 200
MAX_NOTE = 255


def _error(field_name: str, message: str) -> ApplicationError:
    return ApplicationError(message, {field_name: [message]})


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later; the month's last day when it is shorter (31 Jan + 1 month =
    28 or 29 Feb), as dateutil's relativedelta does."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def term_end(starts_on: dt.date, term_months: int) -> dt.date:
    """The last day of a term: the start plus the term, less one day (1 Jan + 12 months -> 31 Dec)."""
    return add_months(starts_on, term_months) - dt.timedelta(days=1)


def _check_term(term_months: object) -> int:
    if isinstance(term_months, bool) or not isinstance(term_months, int) or not 1 <= term_months <= MAX_TERM_MONTHS:
        raise _error("term_months", _("The term is 1 to %(max)s months.") % {"max": MAX_TERM_MONTHS})
    return term_months


def _check_price(price: object) -> int:
    if isinstance(price, bool) or not isinstance(price, int) or price < 0:
        raise _error("price", _("Enter the price per term in whole Rupiah (zero or more)."))
    if price > checkout.MAX_PRICE:
        raise _error("price", _("The price is too large."))
    return price


def _check_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise _error("note", _("The note is too long (at most %(count)s characters).") % {"count": MAX_NOTE})
    return note


@transaction.atomic
def subscription_create(
    *,
    actor: User,
    customer: Customer,
    branch: Branch,
    name: str,
    price: int,
    starts_on: dt.date,
    term_months: int = 12,
    product: Product | None = None,
    owner: User | None = None,
    notes: str = "",
) -> Subscription:
    require(actor, "subscriptions.edit")
    scope = branch_scope(actor)
    if customer.merged_into_id or customer.archived_at or not scope.allows(customer.home_branch_id):
        raise _error("customer", _("Customer not found."))
    if not branch.is_active or not scope.allows(branch.pk):
        raise _error("branch", _("You cannot record subscriptions for this branch."))
    if product is not None and not product.is_active:
        raise _error("product", _("The product is not sold any more."))
    name = (name or "").strip() or (product.name if product else "")
    if not name:
        raise _error("name", _("Name the subscription, e.g. Yearly membership package."))
    if len(name) > MAX_NAME:
        raise _error("name", _("The name is too long (at most %(count)s characters).") % {"count": MAX_NAME})
    if not isinstance(starts_on, dt.date):
        raise _error("starts_on", _("Enter the start date."))
    term_months = _check_term(term_months)
    subscription = Subscription.objects.create(
        customer=customer,
        branch=branch,
        name=name,
        product=product,
        owner=owner or actor,
        price=_check_price(price),
        term_months=term_months,
        starts_on=starts_on,
        ends_on=term_end(starts_on, term_months),
        notes=(notes or "").strip(),
    )
    audit_log(
        actor=actor,
        action="create",
        instance=subscription,
        subject=customer,
        branch_id=branch.pk,
        changes={"ends_on": [None, subscription.ends_on.isoformat()], "price": [None, subscription.price]},
        message=Message(
            gettext_noop("Subscription %(name)s until %(date)s"),
            {"name": subscription.name, "date": subscription.ends_on},
        ),
    )
    return subscription


def _locked(actor: User, subscription: Subscription) -> Subscription:
    found = (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("customer", "branch", "product")
        .filter(pk=subscription.pk)
        .first()
    )
    if found is None or not branch_scope(actor).allows(found.branch_id):
        raise NotFoundError(_("Subscription not found."))
    return found


def _active(subscription: Subscription, message: str) -> None:
    if subscription.status != Subscription.Status.ACTIVE:
        raise _error("status", message % {"name": subscription.name, "status": subscription.get_status_display()})


def _close(actor: User, subscription: Subscription, status: str, note: str) -> None:
    before = subscription.status
    subscription.status = status
    subscription.outcome_at = timezone.now()
    subscription.outcome_by = actor
    subscription.outcome_note = note
    subscription.save(update_fields=["status", "outcome_at", "outcome_by", "outcome_note", "updated_at"])
    audit_log(
        actor=actor,
        action="update",
        instance=subscription,
        subject=subscription.customer,
        branch_id=subscription.branch_id,
        changes={"status": [before, status]},
        message=note,
    )


@transaction.atomic
def subscription_renew(
    *,
    actor: User,
    subscription: Subscription,
    note: str = "",
    price: int | None = None,
    term_months: int | None = None,
    payment_method: str = "",
) -> Subscription:
    """Close the term as renewed and open the next, from the day after it ends, at the same price
    and term unless others are given. With `payment_method` the customer pays the new term now:
    the sale goes through checkout (paid in full, loyalty rewards as for any sale) and is linked.
    Returns the new term."""
    require(actor, "subscriptions.edit")
    subscription = _locked(actor, subscription)
    _active(subscription, _("Only an active subscription can be renewed; %(name)s is %(status)s."))
    note = _check_note(note)
    price = subscription.price if price is None else _check_price(price)
    term_months = subscription.term_months if term_months is None else _check_term(term_months)
    if payment_method and payment_method not in checkout.MONEY_METHODS:
        raise _error("payment_method", _("Unknown payment method."))
    if payment_method and price <= 0:
        raise _error("payment_method", _("A free term needs no payment."))
    _close(actor, subscription, Subscription.Status.RENEWED, note)
    starts_on = subscription.ends_on + dt.timedelta(days=1)
    renewal = Subscription.objects.create(
        customer=subscription.customer,
        branch=subscription.branch,
        name=subscription.name,
        product=subscription.product,
        owner=subscription.owner,
        opportunity=subscription.opportunity,
        price=price,
        term_months=term_months,
        starts_on=starts_on,
        ends_on=term_end(starts_on, term_months),
        renewal_of=subscription,
        notes=subscription.notes,
    )
    if payment_method:
        renewal.order = _paid_order(actor, renewal, payment_method)
        renewal.save(update_fields=["order", "updated_at"])
    audit_log(
        actor=actor,
        action="create",
        instance=renewal,
        subject=renewal.customer,
        branch_id=renewal.branch_id,
        changes={
            "ends_on": [None, renewal.ends_on.isoformat()],
            "price": [None, renewal.price],
            "order": [None, renewal.order_id],
        },
        message=Message(
            gettext_noop("Renewal of %(name)s until %(date)s"),
            {"name": renewal.name, "date": renewal.ends_on},
        ),
    )
    return renewal


def _paid_order(actor: User, renewal: Subscription, payment_method: str) -> Order:
    line = checkout.LineIn(
        product_id=renewal.product_id if renewal.product_id and renewal.product and renewal.product.is_active else None,
        quantity=1,
        unit_price=renewal.price,
        description=_("%(name)s, %(start)s to %(end)s")
        % {
            "name": renewal.name,
            "start": formats.date_format(renewal.starts_on, "SHORT_DATE_FORMAT"),
            "end": formats.date_format(renewal.ends_on, "SHORT_DATE_FORMAT"),
        },
    )
    priced = checkout.quote(branch=renewal.branch, customer=renewal.customer, lines=[line])
    order, _created = checkout.checkout(
        actor=actor,
        branch=renewal.branch,
        customer=renewal.customer,
        lines=[line],
        payments=[checkout.exact_payment(priced, payment_method)],
        note=_("Renewal: %(name)s") % {"name": renewal.name},
    )
    return order


@transaction.atomic
def subscription_lapse(*, actor: User, subscription: Subscription, note: str = "") -> Subscription:
    """The customer did not renew."""
    require(actor, "subscriptions.edit")
    subscription = _locked(actor, subscription)
    _active(subscription, _("Only an active subscription can lapse; %(name)s is %(status)s."))
    _close(actor, subscription, Subscription.Status.LAPSED, _check_note(note))
    return subscription


@transaction.atomic
def subscription_cancel(*, actor: User, subscription: Subscription, note: str = "") -> Subscription:
    """Ended before its term (the customer or the business stopped it)."""
    require(actor, "subscriptions.edit")
    subscription = _locked(actor, subscription)
    _active(subscription, _("Only an active subscription can be cancelled; %(name)s is %(status)s."))
    _close(actor, subscription, Subscription.Status.CANCELLED, _check_note(note))
    return subscription


PAYMENT_METHODS = [(method.value, method.label) for method in Payment.Method if method.value in checkout.MONEY_METHODS]
