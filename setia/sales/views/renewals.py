"""Pages for renewals: the queue of subscriptions coming up for renewal (overdue first), a
subscription with its outcome actions and earlier terms, and the new-subscription form."""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from setia.accounts.decorators import staff_view
from setia.accounts.models import Branch, User
from setia.accounts.selectors import branch_scope
from setia.catalog.models import Product
from setia.core.errors import ApplicationError
from setia.core.forms import add_application_error
from setia.core.navigation import Section
from setia.core.pagination import parse_id
from setia.customers.selectors import customer_get, search_customers
from setia.sales.forms.renewals import OutcomeForm, RenewForm, SubscriptionForm
from setia.sales.models import Subscription
from setia.sales.selectors import renewals as selectors
from setia.sales.services import renewals as services

QUEUE_CHOICES = (7, 30, 60, 90)
QUEUE_LIMIT = 500


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _branches(actor: User) -> list[Branch]:
    return list(branch_scope(actor).filter(Branch.objects.filter(is_active=True), field="pk").order_by("name"))


@staff_view("subscriptions.view")
def renewal_queue(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    days = parse_id(request.GET.get("days")) or 30
    if days not in QUEUE_CHOICES:
        days = 30
    today = timezone.localdate()
    branch_id = parse_id(request.GET.get("branch"))
    mine = request.GET.get("mine") == "1"
    rows = list(
        selectors.renewal_queue(
            actor=actor, days=days, today=today, branch_id=branch_id, owner_id=actor.pk if mine else None
        )[: QUEUE_LIMIT + 1]
    )
    context: dict[str, Any] = {
        "nav_key": "renewals",
        "rows": [
            {"subscription": s, "days_left": (s.ends_on - today).days, "overdue_days": (today - s.ends_on).days}
            for s in rows[:QUEUE_LIMIT]
        ],
        "more": len(rows) > QUEUE_LIMIT,
        "overdue": sum(1 for s in rows if s.ends_on < today),
        "days": days,
        "day_choices": QUEUE_CHOICES,
        "branch_id": branch_id,
        "mine": mine,
        "branches": _branches(actor),
        "today": today,
    }
    template = "sales/renewals/queue.html#results" if request.htmx else "sales/renewals/queue.html"  # type: ignore[attr-defined]
    return render(request, template, context)


def _products() -> list[Product]:
    return list(Product.objects.filter(is_active=True).order_by("name")[:1000])


@staff_view("subscriptions.edit")
def subscription_new(request: HttpRequest) -> HttpResponseBase:
    actor = _actor(request)
    customer_id = parse_id(request.POST.get("customer") or request.GET.get("customer"))
    if not customer_id:
        query = request.GET.get("q", "").strip()
        found = search_customers(actor=actor, query=query, limit=20) if query else []
        return render(
            request, "sales/renewals/choose_customer.html", {"nav_key": "renewals", "query": query, "found": found}
        )
    customer = customer_get(actor=actor, pk=customer_id)
    branches = _branches(actor)
    products = _products()
    default_branch = actor.branch_id or customer.home_branch_id
    form = SubscriptionForm(
        request.POST or None,
        branches=branches,
        products=products,
        initial={
            "branch": default_branch if any(b.pk == default_branch for b in branches) else None,
            "starts_on": timezone.localdate(),
            "term_months": 12,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            subscription = services.subscription_create(
                actor=actor,
                customer=customer,
                branch=next(b for b in branches if b.pk == data["branch"]),
                name=data["name"],
                product=next((p for p in products if p.pk == data["product"]), None),
                price=data["price"],
                term_months=data["term_months"],
                starts_on=data["starts_on"],
                notes=data["notes"],
            )
        except ApplicationError as failure:
            add_application_error(form, failure)
        else:
            messages.success(
                request,
                _("Subscription saved: renewal due on %(date)s.")
                % {"date": date_format(subscription.ends_on, "SHORT_DATE_FORMAT")},
            )
            return redirect("sales:subscription_detail", pk=subscription.pk)
    return render(request, "sales/renewals/form.html", {"nav_key": "renewals", "form": form, "customer": customer})


@staff_view("subscriptions.view")
def subscription_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    subscription = selectors.subscription_get(actor=actor, pk=pk)
    today = timezone.localdate()
    renewed_by = Subscription.objects.filter(renewal_of=subscription).only("pk", "starts_on", "ends_on").first()
    context = {
        "nav_key": "renewals",
        "subscription": subscription,
        "history": selectors.renewal_history(subscription),
        "renewed_by": renewed_by,
        "next_start": subscription.ends_on + dt.timedelta(days=1),
        "renew_form": RenewForm(
            initial={"price": subscription.price, "term_months": subscription.term_months},
            prefix="renew",
        ),
        "outcome_form": OutcomeForm(),
        "can_edit": actor.has_capability("subscriptions.edit"),
        "days_left": (subscription.ends_on - today).days,
        "today": today,
    }
    return render(request, "sales/renewals/detail.html", context)


@require_POST
@staff_view("subscriptions.edit")
def subscription_renew(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    subscription = selectors.subscription_get(actor=actor, pk=pk)
    form = RenewForm(request.POST, prefix="renew")
    if not form.is_valid():
        messages.error(request, " ".join(str(error) for errors in form.errors.values() for error in errors))
        return redirect("sales:subscription_detail", pk=pk)
    try:
        renewal = services.subscription_renew(
            actor=actor,
            subscription=subscription,
            note=form.cleaned_data["note"],
            price=form.cleaned_data["price"],
            term_months=form.cleaned_data["term_months"],
            payment_method=form.cleaned_data["payment_method"],
        )
    except ApplicationError as failure:
        messages.error(request, failure.message)
        return redirect("sales:subscription_detail", pk=pk)
    messages.success(
        request, _("Renewed until %(date)s.") % {"date": date_format(renewal.ends_on, "SHORT_DATE_FORMAT")}
    )
    return redirect("sales:subscription_detail", pk=renewal.pk)


def _outcome(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    actor = _actor(request)
    subscription = selectors.subscription_get(actor=actor, pk=pk)
    form = OutcomeForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    service = services.subscription_lapse if action == "lapse" else services.subscription_cancel
    try:
        service(actor=actor, subscription=subscription, note=note)
    except ApplicationError as failure:
        messages.error(request, failure.message)
    else:
        messages.success(request, _("Outcome recorded."))
    return redirect("sales:subscription_detail", pk=pk)


@require_POST
@staff_view("subscriptions.edit")
def subscription_lapse(request: HttpRequest, pk: int) -> HttpResponse:
    return _outcome(request, pk, "lapse")


@require_POST
@staff_view("subscriptions.edit")
def subscription_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _outcome(request, pk, "cancel")


urlpatterns: list[URLPattern] = [
    path("renewals/", renewal_queue, name="renewal_queue"),
    path("renewals/new/", subscription_new, name="subscription_new"),
    path("renewals/subscriptions/<int:pk>/", subscription_detail, name="subscription_detail"),
    path("renewals/subscriptions/<int:pk>/renew/", subscription_renew, name="subscription_renew"),
    path("renewals/subscriptions/<int:pk>/lapse/", subscription_lapse, name="subscription_lapse"),
    path("renewals/subscriptions/<int:pk>/cancel/", subscription_cancel, name="subscription_cancel"),
]
NAVIGATION: list[Section] = [
    Section("renewals", gettext_lazy("Renewals"), "sales:renewal_queue", "arrow-repeat", 55, "subscriptions.view"),
]
