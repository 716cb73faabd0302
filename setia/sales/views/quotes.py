"""Pages for quotes: the list, the new/edit form (lines added and removed with HTMX, or by a
plain post without JavaScript), one quote with its actions, the PDF, and the quote settings."""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from setia.accounts.decorators import staff_view
from setia.accounts.models import Branch, User
from setia.accounts.selectors import branch_scope
from setia.catalog.models import Product
from setia.catalog.selectors import products_for_branch
from setia.core.errors import ApplicationError, NotFoundError
from setia.core.forms import add_application_error
from setia.core.navigation import Group, Section
from setia.core.pagination import keyset_page, parse_id
from setia.customers.models import Customer
from setia.customers.selectors import customer_get, search_customers
from setia.sales.forms.quotes import (
    LineRow,
    QuoteForm,
    QuoteSettingsForm,
    SendForm,
    lines_from,
    parse_date,
    rows_for,
    rows_from,
)
from setia.sales.models import Opportunity, Quote
from setia.sales.selectors import quotes as selectors
from setia.sales.services import quotes as services
from setia.sales.services.checkout import sales_settings

EMPTY_ROWS = 1
MAX_PRODUCTS_IN_FORM = 1000


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _branches(actor: User) -> list[Branch]:
    return list(branch_scope(actor).filter(Branch.objects.filter(is_active=True), field="pk").order_by("name"))


@staff_view("quotes.view")
def quote_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    filters: dict[str, Any] = {
        "status": request.GET.get("status", "") if request.GET.get("status") in Quote.Status.values else "",
        "customer_id": parse_id(request.GET.get("customer")),
        "branch_id": parse_id(request.GET.get("branch")),
        "date_from": parse_date(request.GET.get("from")),
        "date_to": parse_date(request.GET.get("to")),
        "query": request.GET.get("q", "").strip()[:100],
    }
    quotes = selectors.quote_list(actor=actor, **filters)
    page = keyset_page(quotes, order=("-issue_date", "-id"), cursor=request.GET.get("after", ""), size=50)
    query_string = request.GET.copy()
    query_string.pop("after", None)
    customer = (
        Customer.objects.filter(pk=filters["customer_id"]).only("name").first() if filters["customer_id"] else None
    )
    context = {
        "nav_key": "quotes",
        "page": page,
        "filters": filters,
        "customer": customer,
        "branches": _branches(actor),
        "statuses": Quote.Status.choices,
        "query_string": query_string.urlencode(),
        "filtered": any(filters.values()),
        "today": timezone.localdate(),
    }
    template = "sales/quotes/list.html#results" if request.htmx else "sales/quotes/list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


def _products(branch: Branch) -> QuerySet[Product]:
    return products_for_branch(branch.pk).order_by("name", "id")[:MAX_PRODUCTS_IN_FORM]


def _form_context(
    *,
    actor: User,
    form: QuoteForm,
    rows: list[LineRow],
    customer: Customer,
    opportunity: Opportunity | None,
    quote: Quote | None,
    error: ApplicationError | None = None,
) -> dict[str, Any]:
    branch_id = parse_id(str(form["branch"].value() or ""))
    branches = _branches(actor)
    branch = next((b for b in branches if b.pk == branch_id), branches[0] if branches else None)
    preview = None
    lines = lines_from(rows)
    if lines and branch is not None and error is None:
        config = sales_settings()
        try:
            preview = services.price_quote(
                branch=branch,
                lines=lines,
                tax_registered=config.tax_registered,
                ppn_percent=config.ppn_percent,
                prices_include_tax=config.prices_include_tax,
            )
        except ApplicationError as failure:
            error = failure
    if preview is not None:
        priced = iter(preview.lines)
        for row in rows:
            row.amount = None if row.blank else next(priced).total
    return {
        "nav_key": "quotes",
        "form": form,
        "rows": rows,
        "customer": customer,
        "opportunity": opportunity,
        "quote": quote,
        "products": _products(branch) if branch else [],
        "preview": preview,
        "tax": sales_settings(),
        "line_errors": [
            m for field, ms in (error.extra.items() if error else []) if field.startswith("lines") for m in ms
        ],
        "error": error,
    }


def _line_action(request: HttpRequest, rows: list[LineRow]) -> bool:
    """Add or remove a row (the "add line" and "remove" buttons). True when one of them was used."""
    action = request.POST.get("action", "")
    if action == "add_line":
        rows.append(LineRow())
        return True
    if action.startswith("remove:"):
        index = parse_id(action[7:])
        if index is not None and index < len(rows):
            rows.pop(index)
        return True
    return action == "refresh"


def _render_form(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    action = request.POST.get("action")
    if request.htmx and action == "refresh":  # type: ignore[attr-defined]
        return render(request, "sales/quotes/form.html#totals", context)
    if request.htmx and action != "save":  # type: ignore[attr-defined]
        return render(request, "sales/quotes/form.html#lines", context)
    return render(request, "sales/quotes/form.html", context)


@staff_view("quotes.edit")
def quote_new(request: HttpRequest) -> HttpResponseBase:
    actor = _actor(request)

    def given(name: str) -> int | None:
        return parse_id(request.POST.get(name) or request.GET.get(name))

    opportunity = None
    opportunity_id = given("opportunity")
    if opportunity_id:
        opportunity = (
            Opportunity.objects.select_related("customer").prefetch_related("lines").filter(pk=opportunity_id).first()
        )
        if opportunity is None or not branch_scope(actor).allows(opportunity.branch_id or actor.branch_id):
            raise NotFoundError(_("Opportunity not found."))
    customer_id = opportunity.customer_id if opportunity else given("customer")
    if not customer_id:
        query = request.GET.get("q", "").strip()
        found = search_customers(actor=actor, query=query, limit=20) if query else []
        return render(
            request, "sales/quotes/choose_customer.html", {"nav_key": "quotes", "query": query, "found": found}
        )
    customer = customer_get(actor=actor, pk=customer_id)
    branches = _branches(actor)
    if request.method != "POST":
        default_branch = (opportunity.branch_id if opportunity else None) or actor.branch_id or customer.home_branch_id
        initial = {
            "branch": default_branch if any(b.pk == default_branch for b in branches) else None,
            "title": opportunity.title if opportunity else "",
            "valid_until": timezone.localdate() + dt.timedelta(days=sales_settings().quote_validity_days or 14),
            "terms": sales_settings().quote_terms,
        }
        rows = (
            [
                LineRow(str(line.product_id or ""), line.description, str(line.quantity), str(line.unit_price or ""))
                for line in opportunity.lines.all()
            ]
            if opportunity
            else []
        )
        rows += [LineRow() for _ in range(EMPTY_ROWS)]
        form = QuoteForm(initial=initial, branches=branches)
        return render(
            request,
            "sales/quotes/form.html",
            _form_context(actor=actor, form=form, rows=rows, customer=customer, opportunity=opportunity, quote=None),
        )
    form = QuoteForm(request.POST, branches=branches)
    rows = rows_from(request.POST)
    error: ApplicationError | None = None
    if not _line_action(request, rows) and form.is_valid():
        branch = next(b for b in branches if b.pk == form.cleaned_data["branch"])
        try:
            quote = services.quote_create(
                actor=actor,
                customer=customer,
                branch=branch,
                opportunity=opportunity,
                lines=lines_from(rows),
                valid_until=form.cleaned_data["valid_until"],
                title=form.cleaned_data["title"],
                notes=form.cleaned_data["notes"],
                terms=form.cleaned_data["terms"],
            )
        except ApplicationError as failure:
            error = failure
            add_application_error(form, failure)
        else:
            messages.success(request, _("Quote %(number)s saved as a draft.") % {"number": quote.number})
            return redirect("sales:quote_detail", pk=quote.pk)
    context = _form_context(
        actor=actor, form=form, rows=rows, customer=customer, opportunity=opportunity, quote=None, error=error
    )
    return _render_form(request, context)


@staff_view("quotes.edit")
def quote_edit(request: HttpRequest, pk: int) -> HttpResponseBase:
    actor = _actor(request)
    quote = selectors.quote_get(actor=actor, pk=pk)
    if quote.status != Quote.Status.DRAFT:
        messages.error(request, _("Only a draft quote can be edited."))
        return redirect("sales:quote_detail", pk=pk)
    branches = _branches(actor)
    if request.method != "POST":
        form = QuoteForm(initial=QuoteForm.initial_for(quote), branches=branches)
        context = _form_context(
            actor=actor,
            form=form,
            rows=[*rows_for(quote), LineRow()],
            customer=quote.customer,
            opportunity=quote.opportunity,
            quote=quote,
        )
        return render(request, "sales/quotes/form.html", context)
    form = QuoteForm(request.POST, branches=branches)
    rows = rows_from(request.POST)
    error: ApplicationError | None = None
    if not _line_action(request, rows) and form.is_valid():
        branch = next(b for b in branches if b.pk == form.cleaned_data["branch"])
        try:
            services.quote_update(
                actor=actor,
                quote=quote,
                branch=branch,
                lines=lines_from(rows),
                valid_until=form.cleaned_data["valid_until"],
                title=form.cleaned_data["title"],
                notes=form.cleaned_data["notes"],
                terms=form.cleaned_data["terms"],
            )
        except ApplicationError as failure:
            error = failure
            add_application_error(form, failure)
        else:
            messages.success(request, _("Quote %(number)s saved.") % {"number": quote.number})
            return redirect("sales:quote_detail", pk=quote.pk)
    context = _form_context(
        actor=actor,
        form=form,
        rows=rows,
        customer=quote.customer,
        opportunity=quote.opportunity,
        quote=quote,
        error=error,
    )
    return _render_form(request, context)


@staff_view("quotes.view")
def quote_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    quote = selectors.quote_get(actor=actor, pk=pk)
    email = quote.customer.emails.first()
    context = {
        "nav_key": "quotes",
        "quote": quote,
        "lines": list(quote.lines.all()),
        "send_form": SendForm(initial={"to": quote.sent_to or (email.email if email else "")}),
        "can_edit": actor.has_capability("quotes.edit"),
        "today": timezone.localdate(),
    }
    return render(request, "sales/quotes/detail.html", context)


@staff_view("quotes.view")
def quote_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    quote = selectors.quote_get(actor=_actor(request), pk=pk)
    response = HttpResponse(services.quote_pdf(quote), content_type="application/pdf")
    disposition = "attachment" if request.GET.get("download") else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{services.quote_pdf_filename(quote)}"'
    return response


@require_POST
@staff_view("quotes.edit")
def quote_send(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    quote = selectors.quote_get(actor=actor, pk=pk)
    form = SendForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a valid email address."))
        return redirect("sales:quote_detail", pk=pk)
    try:
        services.quote_send(actor=actor, quote=quote, to=form.cleaned_data["to"])
    except ApplicationError as failure:
        messages.error(request, failure.message)
    except OSError as failure:  # the mail server refused or could not be reached (after commit)
        messages.warning(
            request,
            _("The quote is marked as sent, but the email could not be delivered: %(error)s")
            % {"error": str(failure) or failure.__class__.__name__},
        )
    else:
        messages.success(request, _("Quote sent to %(email)s.") % {"email": form.cleaned_data["to"]})
    return redirect("sales:quote_detail", pk=pk)


@require_POST
@staff_view("quotes.edit")
def quote_accept(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    quote = selectors.quote_get(actor=actor, pk=pk)
    try:
        accepted = services.quote_accept(actor=actor, quote=quote, create_order=bool(request.POST.get("create_order")))
    except ApplicationError as failure:
        messages.error(request, failure.message)
    else:
        if accepted.order is not None:
            messages.success(
                request,
                _("Quote %(number)s accepted: order %(order)s placed.")
                % {"number": accepted.number, "order": accepted.order.number},
            )
        else:
            messages.success(request, _("Quote %(number)s accepted.") % {"number": accepted.number})
    return redirect("sales:quote_detail", pk=pk)


@require_POST
@staff_view("quotes.edit")
def quote_reject(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    quote = selectors.quote_get(actor=actor, pk=pk)
    try:
        services.quote_reject(actor=actor, quote=quote, reason=request.POST.get("reason", ""))
    except ApplicationError as failure:
        messages.error(request, failure.message)
    else:
        messages.success(request, _("Quote %(number)s marked as rejected.") % {"number": quote.number})
    return redirect("sales:quote_detail", pk=pk)


@staff_view("sales.configure")
def quote_settings(request: HttpRequest) -> HttpResponseBase:
    form = QuoteSettingsForm(request.POST or None, instance=sales_settings())
    if request.method == "POST" and form.is_valid():
        try:
            services.quote_settings_update(
                actor=_actor(request),
                quote_validity_days=form.cleaned_data["quote_validity_days"],
                quote_terms=form.cleaned_data["quote_terms"],
            )
        except ApplicationError as failure:
            add_application_error(form, failure)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("sales:quote_settings")
    return render(request, "sales/quotes/settings.html", {"nav_key": "quote_settings", "form": form})


urlpatterns: list[URLPattern] = [
    path("quotes/", quote_list, name="quote_list"),
    path("quotes/new/", quote_new, name="quote_new"),
    path("quotes/<int:pk>/", quote_detail, name="quote_detail"),
    path("quotes/<int:pk>/edit/", quote_edit, name="quote_edit"),
    path("quotes/<int:pk>/pdf/", quote_pdf, name="quote_pdf"),
    path("quotes/<int:pk>/send/", quote_send, name="quote_send"),
    path("quotes/<int:pk>/accept/", quote_accept, name="quote_accept"),
    path("quotes/<int:pk>/reject/", quote_reject, name="quote_reject"),
    path("settings/quotes/", quote_settings, name="quote_settings"),
]
NAVIGATION: list[Section] = [
    Section("quotes", gettext_lazy("Quotes"), "sales:quote_list", "file-earmark-text", 50, "quotes.view"),
    Section(
        "quote_settings",
        gettext_lazy("Quote settings"),
        "sales:quote_settings",
        "file-earmark-text",
        835,
        "sales.configure",
        Group.ADMIN,
    ),
]
