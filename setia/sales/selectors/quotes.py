"""Reads of quotes, through the actor's branch scope."""

import datetime as dt

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from setia.accounts.models import User
from setia.accounts.selectors import branch_scope, require
from setia.core.errors import NotFoundError
from setia.sales.models import Quote, QuoteLine


def visible_quotes(actor: User) -> QuerySet[Quote]:
    require(actor, "quotes.view")
    return branch_scope(actor).filter(Quote.objects.all(), field="branch")


def quote_get(*, actor: User, pk: int) -> Quote:
    quote = (
        visible_quotes(actor)
        .select_related("customer", "branch", "owner", "opportunity", "order")
        .prefetch_related(Prefetch("lines", queryset=QuoteLine.objects.select_related("product")))
        .filter(pk=pk)
        .first()
    )
    if quote is None:
        raise NotFoundError(_("Quote not found."))
    return quote


def quote_list(
    *,
    actor: User,
    status: str = "",
    customer_id: int | None = None,
    branch_id: int | None = None,
    opportunity_id: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    query: str = "",
) -> QuerySet[Quote]:
    """Quotes the actor may see, filtered; `date_from`/`date_to` bound the issue date."""
    quotes = visible_quotes(actor).select_related("customer", "branch")
    if status:
        quotes = quotes.filter(status=status)
    if customer_id:
        quotes = quotes.filter(customer_id=customer_id)
    if branch_id:
        quotes = quotes.filter(branch_id=branch_id)
    if opportunity_id:
        quotes = quotes.filter(opportunity_id=opportunity_id)
    if date_from:
        quotes = quotes.filter(issue_date__gte=date_from)
    if date_to:
        quotes = quotes.filter(issue_date__lte=date_to)
    query = query.strip()
    if query:
        quotes = quotes.filter(
            Q(number__icontains=query) | Q(title__icontains=query) | Q(customer__name__icontains=query)
        )
    return quotes


def opportunity_quotes(*, actor: User, opportunity_id: int) -> list[Quote]:
    """An opportunity's quotes, newest first (empty for someone who may not see quotes)."""
    if not actor.has_capability("quotes.view"):
        return []
    return list(quote_list(actor=actor, opportunity_id=opportunity_id).order_by("-issue_date", "-id")[:20])
