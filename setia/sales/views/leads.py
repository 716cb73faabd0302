"""Pages for leads: the list and a lead's page (status, owner, conversion), entry and import,
the lead sources (with their public web form) and the assignment rules; and the public form
itself at /f/<form_key>/, which anyone may open and a business may embed in its site."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csp import csp_override
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from setia.accounts.decorators import staff_view
from setia.accounts.models import User
from setia.core.errors import ApplicationError, NotFoundError
from setia.core.forms import add_application_error
from setia.core.navigation import Group, Section
from setia.core.pagination import keyset_page, parse_id
from setia.core.ratelimit import hit
from setia.sales.forms.leads import (
    AssignmentRuleForm,
    ConvertForm,
    ImportUploadForm,
    LeadForm,
    LeadSourceForm,
    PublicLeadForm,
    StatusForm,
)
from setia.sales.models import Lead, LeadSource, Pipeline
from setia.sales.selectors import leads as selectors
from setia.sales.services import leads as services

# The public form: posts per client address per form in a window (spam and flooding).
FORM_RATE_LIMIT = 5
FORM_RATE_PERIOD = 600


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _lead_form(actor: User, data: Any = None, *, lead: Lead | None = None) -> LeadForm:
    initial = None
    sources = selectors.source_choices()
    if lead is not None:
        initial = {name: getattr(lead, name) for name in services.EDITABLE_FIELDS}
        # The lead's own source stays choosable after it was switched off.
        sources = LeadSource.objects.filter(Q(active=True) | Q(pk=lead.source_id or 0)).order_by("name")
    return LeadForm(
        data,
        initial=initial,
        sources=sources,
        branches=selectors.lead_branch_choices(actor=actor),
        owners=selectors.lead_owner_choices(actor=actor),
        editing=lead is not None,
    )


# --- List and detail ----------------------------------------------------------------------------


@staff_view("leads.view")
def lead_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    filters = selectors.LeadFilters(
        status=request.GET.get("status", ""),
        source_id=parse_id(request.GET.get("source")),
        owner=request.GET.get("owner", ""),
        branch_id=parse_id(request.GET.get("branch")),
        follow_up=request.GET.get("follow_up", ""),
        query=request.GET.get("q", "").strip(),
    )
    leads = selectors.lead_list(actor=actor, filters=filters)
    page = keyset_page(leads, order=("-created_at", "-id"), cursor=request.GET.get("after", ""), size=50)
    query_string = request.GET.copy()
    query_string.pop("after", None)
    context = {
        "nav_key": "leads",
        "page": page,
        "filters": filters,
        "statuses": Lead.Status.choices,
        "sources": selectors.source_choices(),
        "branches": selectors.lead_branch_choices(actor=actor),
        "owners": selectors.lead_owner_choices(actor=actor),
        "query_string": query_string.urlencode(),
        "filtered": filters.any(),
        "today": timezone.localdate(),
        "open_statuses": selectors.OPEN_STATUSES,
    }
    template = "sales/leads/list.html#results" if request.htmx else "sales/leads/list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@staff_view("leads.view")
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    lead = selectors.lead_get(actor=actor, pk=pk)
    context = {
        "nav_key": "leads",
        "lead": lead,
        "status_form": StatusForm(initial={"status": lead.status}),
        "owners": selectors.lead_owner_choices(actor=actor, branch=lead.branch),
        "next_statuses": [
            (value, label) for value, label in Lead.Status.choices if value in services.TRANSITIONS[lead.status]
        ],
    }
    return render(request, "sales/leads/detail.html", context)


@staff_view("leads.edit")
def lead_create(request: HttpRequest) -> HttpResponseBase:
    actor = _actor(request)
    form = _lead_form(actor, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            lead = services.lead_create(actor=actor, **data)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Lead %(name)s added.") % {"name": lead.name})
            return redirect("sales:lead_detail", pk=lead.pk)
    return render(request, "sales/leads/form.html", {"nav_key": "leads", "form": form})


@staff_view("leads.edit")
def lead_edit(request: HttpRequest, pk: int) -> HttpResponseBase:
    actor = _actor(request)
    lead = selectors.lead_get(actor=actor, pk=pk)
    form = _lead_form(actor, request.POST if request.method == "POST" else None, lead=lead)
    if request.method == "POST" and form.is_valid():
        try:
            services.lead_update(actor=actor, lead=lead, **form.cleaned_data)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Changes to %(name)s saved.") % {"name": form.cleaned_data["name"]})
            return redirect("sales:lead_detail", pk=lead.pk)
    return render(request, "sales/leads/form.html", {"nav_key": "leads", "form": form, "lead": lead})


@require_POST
@staff_view("leads.edit")
def lead_status(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    lead = selectors.lead_get(actor=actor, pk=pk)
    try:
        services.lead_set_status(
            actor=actor, lead=lead, status=request.POST.get("status", ""), reason=request.POST.get("reason", "")
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Status saved."))
    return redirect("sales:lead_detail", pk=pk)


@require_POST
@staff_view("leads.edit")
def lead_assign(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    lead = selectors.lead_get(actor=actor, pk=pk)
    owner_id = parse_id(request.POST.get("owner"))
    owner = User.objects.filter(pk=owner_id).first() if owner_id else None
    try:
        if owner_id and owner is None:
            raise ApplicationError(_("Staff member not found."), {"owner": [_("Staff member not found.")]})
        services.lead_assign(actor=actor, lead=lead, owner=owner)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Owner saved."))
    return redirect("sales:lead_detail", pk=pk)


def _after_conversion(customer_id: int, opportunity: Any) -> str:
    if opportunity is not None:
        try:
            return reverse("sales:opportunity_detail", args=[opportunity.pk])
        except NoReverseMatch:
            pass  # the opportunity pages are not installed: the customer's page shows it
    return reverse("customers:detail", args=[customer_id])


@staff_view("leads.edit")
def lead_convert(request: HttpRequest, pk: int) -> HttpResponseBase:
    actor = _actor(request)
    lead = selectors.lead_get(actor=actor, pk=pk)
    if lead.status == Lead.Status.CONVERTED:
        messages.info(request, _("This lead was already converted."))
        return redirect("sales:lead_detail", pk=pk)
    can_open = actor.has_capability("opportunities.edit")
    pipelines = Pipeline.objects.filter(active=True).order_by("position", "id") if can_open else None
    form = ConvertForm(
        request.POST if request.method == "POST" else None,
        pipelines=pipelines,
        initial={"opportunity_title": lead.interest[:100] or lead.name, "opportunity_value": lead.estimated_value},
    )
    if not can_open:
        for name in ("create_opportunity", "opportunity_title", "opportunity_value"):
            form.fields.pop(name, None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            customer, opportunity = services.lead_convert(
                actor=actor,
                lead=lead,
                create_opportunity=bool(data.get("create_opportunity")),
                opportunity_title=data.get("opportunity_title") or "",
                opportunity_value=data.get("opportunity_value") or 0,
                pipeline=data.get("pipeline"),
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("%(name)s is now a customer.") % {"name": customer.name})
            return redirect(_after_conversion(customer.pk, opportunity))
    context = {
        "nav_key": "leads",
        "lead": lead,
        "form": form,
        "existing": services.matching_customer(lead),
        "can_open": can_open,
    }
    return render(request, "sales/leads/convert.html", context)


# --- Import -------------------------------------------------------------------------------------


@staff_view("leads.import")
def lead_import(request: HttpRequest) -> HttpResponseBase:
    """Upload → check (row errors, nothing saved) → confirm → write."""
    actor = _actor(request)
    form = ImportUploadForm(
        request.POST if request.method == "POST" and "file" in request.FILES else None, request.FILES or None
    )
    context: dict[str, Any] = {"nav_key": "leads", "form": form, "columns": services.IMPORT_COLUMNS}
    if request.method != "POST":
        return render(request, "sales/leads/import.html", context)
    if request.POST.get("action") == "confirm":
        try:
            path, file_format = services.leads_import_file(actor=actor, token=request.POST.get("token", ""))
            leads = services.leads_import(actor=actor, path=path, file_format=file_format)
        except ApplicationError as error:
            context["import_error"] = error.message
            return render(request, "sales/leads/import.html", context)
        path.unlink(missing_ok=True)
        messages.success(request, _("%(count)s leads imported.") % {"count": len(leads)})
        return redirect("sales:lead_list")
    if not form.is_valid():
        return render(request, "sales/leads/import.html", context)
    try:
        token = services.leads_import_store(actor=actor, uploaded=form.cleaned_data["file"])
        path, file_format = services.leads_import_file(actor=actor, token=token)
        check = services.leads_import_check(actor=actor, path=path, file_format=file_format)
    except ApplicationError as error:
        add_application_error(form, error)
        return render(request, "sales/leads/import.html", context)
    if not check.ok:
        path.unlink(missing_ok=True)  # with errors the file is uploaded again once fixed
    context.update(
        {"check": check, "token": token, "preview": list(zip(check.row_numbers, check.rows, strict=True))[:20]}
    )
    return render(request, "sales/leads/import.html", context)


# --- Sources and rules (configuration) ----------------------------------------------------------


@staff_view("sales.configure")
def source_list(request: HttpRequest) -> HttpResponse:
    sources = selectors.source_list(actor=_actor(request))
    return render(request, "sales/leads/sources.html", {"nav_key": "lead_sources", "sources": sources})


def _embed(form_url: str) -> str:
    """The snippet a business pastes into its site (shown as text, so escaped by the template)."""
    title = _("Contact form")
    return (
        f'<iframe src="{form_url}" title="{title}" '
        'style="width:100%;max-width:32rem;height:640px;border:0" loading="lazy"></iframe>'
    )


@staff_view("sales.configure")
def source_edit(request: HttpRequest, pk: int | None = None) -> HttpResponseBase:
    actor = _actor(request)
    source = selectors.source_get(actor=actor, pk=pk) if pk else None
    form = LeadSourceForm(
        request.POST if request.method == "POST" else None,
        instance=source,
        branches=selectors.lead_branch_choices(actor=actor),
    )
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in services.SOURCE_FIELDS}
        try:
            if source is None:
                source = services.source_create(actor=actor, **fields)
            else:
                services.source_update(actor=actor, source=source, **fields)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Source %(name)s saved.") % {"name": fields["name"]})
            return redirect("sales:lead_source_edit", pk=source.pk)
    context: dict[str, Any] = {"nav_key": "lead_sources", "form": form, "source": source}
    if source is not None and source.pk:
        form_url = request.build_absolute_uri(reverse("sales:lead_form", args=[source.form_key]))
        context.update({"form_url": form_url, "embed": _embed(form_url)})
    return render(request, "sales/leads/source_form.html", context)


@staff_view("sales.configure")
def rule_list(request: HttpRequest) -> HttpResponseBase:
    actor = _actor(request)
    form = AssignmentRuleForm(
        request.POST if request.method == "POST" else None,
        branches=selectors.lead_branch_choices(actor=actor),
        owners=selectors.lead_owner_choices(actor=actor),
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.rule_create(actor=actor, **data)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Rule added."))
            return redirect("sales:lead_rules")
    context = {"nav_key": "lead_rules", "rules": selectors.rule_list(actor=actor), "form": form}
    return render(request, "sales/leads/rules.html", context)


@staff_view("sales.configure")
def rule_edit(request: HttpRequest, pk: int) -> HttpResponseBase:
    actor = _actor(request)
    rule = selectors.rule_get(actor=actor, pk=pk)
    form = AssignmentRuleForm(
        request.POST if request.method == "POST" else None,
        instance=rule,
        branches=selectors.lead_branch_choices(actor=actor),
        owners=selectors.lead_owner_choices(actor=actor, keep=rule.assign_to),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.rule_update(actor=actor, rule=rule, **form.cleaned_data)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Rule saved."))
            return redirect("sales:lead_rules")
    return render(request, "sales/leads/rule_form.html", {"nav_key": "lead_rules", "form": form, "rule": rule})


@require_POST
@staff_view("sales.configure")
def rule_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    actor = _actor(request)
    rule = selectors.rule_get(actor=actor, pk=pk)
    if action == "delete":
        services.rule_delete(actor=actor, rule=rule)
        messages.success(request, _("Rule deleted."))
    elif action in ("up", "down"):
        services.rule_move(actor=actor, rule=rule, direction=action)
    else:
        raise NotFoundError(_("Unknown action."))
    return redirect("sales:lead_rules")


# --- The public web form ------------------------------------------------------------------------

# The form is meant to be embedded in the business's own site: it alone may be framed by any page.
EMBEDDABLE_CSP: dict[str, Any] = {**settings.SECURE_CSP, "frame-ancestors": ["*"]}


def _client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or ""


@login_not_required
@csrf_exempt  # posted from inside other sites' pages, where the session's cookies are not sent
@xframe_options_exempt
@csp_override(EMBEDDABLE_CSP)
def lead_form(request: HttpRequest, form_key: str) -> HttpResponseBase:
    """A source's public form. Every post counts against a limit per address; a filled honeypot
    gets the thank-you page and saves nothing."""
    source = selectors.public_form_source(form_key)
    context: dict[str, Any] = {"source": source, "sent": request.GET.get("sent") == "1"}
    if request.method != "POST":
        context["form"] = PublicLeadForm()
        return render(request, "sales/leads/public_form.html", context)
    ip = _client_ip(request)
    decision = hit(f"lead-form:{source.pk}:{ip}", FORM_RATE_LIMIT, FORM_RATE_PERIOD)
    form = PublicLeadForm(request.POST)
    context["form"] = form
    if not decision.allowed:
        minutes = max(1, round(decision.retry_after / 60))
        context["throttled"] = _(
            "Too many messages were sent from your connection. Please try again in %(minutes)s minutes."
        ) % {"minutes": minutes}
        response = render(request, "sales/leads/public_form.html", context, status=429)
        response["Retry-After"] = str(decision.retry_after)
        return response
    if form.is_valid():
        data = form.cleaned_data
        if data["website"]:
            return redirect(f"{reverse('sales:lead_form', args=[form_key])}?sent=1")  # a bot: pretend
        try:
            services.lead_submit_form(
                source=source,
                name=data["name"],
                phone=data["phone"],
                email=data["email"],
                city=data["city"],
                message=data["message"],
                consent_marketing=data["consent"],
                ip_address=ip or None,
            )
        except ApplicationError as error:
            if "interest" in error.extra:
                error.extra["message"] = error.extra.pop("interest")
            add_application_error(form, error)
        else:
            return redirect(f"{reverse('sales:lead_form', args=[form_key])}?sent=1")
    return render(request, "sales/leads/public_form.html", context, status=400)


urlpatterns: list[URLPattern] = [
    path("leads/", lead_list, name="lead_list"),
    path("leads/new/", lead_create, name="lead_create"),
    path("leads/import/", lead_import, name="lead_import"),
    path("leads/<int:pk>/", lead_detail, name="lead_detail"),
    path("leads/<int:pk>/edit/", lead_edit, name="lead_edit"),
    path("leads/<int:pk>/status/", lead_status, name="lead_status"),
    path("leads/<int:pk>/assign/", lead_assign, name="lead_assign"),
    path("leads/<int:pk>/convert/", lead_convert, name="lead_convert"),
    path("leads/sources/", source_list, name="lead_sources"),
    path("leads/sources/new/", source_edit, name="lead_source_create"),
    path("leads/sources/<int:pk>/", source_edit, name="lead_source_edit"),
    path("leads/rules/", rule_list, name="lead_rules"),
    path("leads/rules/<int:pk>/", rule_edit, name="lead_rule_edit"),
    path("leads/rules/<int:pk>/<str:action>/", rule_action, name="lead_rule_action"),
    path("f/<str:form_key>/", lead_form, name="lead_form"),
]

NAVIGATION: list[Section] = [
    Section("leads", gettext_lazy("Leads"), "sales:lead_list", "person-plus", 40, "leads.view"),
    Section(
        "lead_sources",
        gettext_lazy("Lead sources"),
        "sales:lead_sources",
        "funnel",
        840,
        "sales.configure",
        Group.ADMIN,
    ),
    Section(
        "lead_rules",
        gettext_lazy("Lead assignment"),
        "sales:lead_rules",
        "shuffle",
        841,
        "sales.configure",
        Group.ADMIN,
    ),
]
