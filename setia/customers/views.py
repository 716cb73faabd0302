from functools import partial
from typing import Any

from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from setia.accounts.decorators import staff_view
from setia.accounts.models import User
from setia.accounts.selectors import branch_list_for_customers
from setia.core.errors import ApplicationError, NotFoundError
from setia.core.forms import add_application_error
from setia.core.pagination import keyset_page, parse_id
from setia.core.phones import format_phone, normalize_phone
from setia.core.tasks import enqueue_on_commit
from setia.customers import imports, merge, selectors, services
from setia.customers.custom_fields import active_definitions, display_value
from setia.customers.forms import ConsentForm, CustomerForm, CustomFieldForm, form_error
from setia.customers.models import (
    Address,
    ConsentRecord,
    Customer,
    CustomerImport,
    CustomFieldDefinition,
    District,
    DuplicateCandidate,
    Regency,
    SavedView,
    ScreenPop,
    Tag,
)
from setia.customers.panels import create_extras, panels_for
from setia.customers.tasks import check_customer_import, run_customer_import, scan_duplicates
from setia.customers.timeline import PAGE_SIZE as TIMELINE_PAGE_SIZE
from setia.customers.timeline import for_viewer, next_page, timeline_for


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


DEFAULT_COLUMNS = ["phone", "home_branch", "owner"]


def _columns(definitions: list[CustomFieldDefinition]) -> dict[str, str]:
    """Columns a user may show in the list: key → label."""
    standard = {
        "phone": _("Phone"),
        "email": _("Email"),
        "home_branch": _("Branch"),
        "owner": _("Owner"),
        "member_number": _("Member card number"),
        "city": _("City / regency"),
        "tags": _("Tags"),
        "source": _("Source"),
        "created_at": _("Customer since"),
    }
    return {**standard, **{f"custom.{d.key}": d.label for d in definitions}}


def _cell(customer: Customer, key: str, definitions: dict[str, CustomFieldDefinition]) -> str:
    from django.utils.formats import date_format

    if key == "phone":
        phone = next(iter(customer.phones.all()), None)
        return format_phone(phone.number) if phone else ""
    if key == "email":
        email = next(iter(customer.emails.all()), None)
        return email.email if email else ""
    if key == "city":
        address = next(iter(customer.addresses.all()), None)
        return str(address.regency) if address and address.regency else ""
    if key == "tags":
        return ", ".join(tag.name for tag in customer.tags.all())
    if key == "source":
        return str(customer.get_source_display())
    if key == "created_at":
        return date_format(timezone.localtime(customer.created_at), "SHORT_DATE_FORMAT")
    if key.startswith("custom."):
        definition = definitions.get(key[7:])
        return display_value(definition, customer.custom.get(key[7:])) if definition else ""
    value = getattr(customer, key, "")
    return "" if value is None else str(value)


@staff_view("customers.view")
def customer_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    definitions = active_definitions()
    filters = _filters_from(request, definitions)
    available = _columns(definitions)
    chosen = [key for key in request.GET.getlist("col") if key in available] or DEFAULT_COLUMNS
    customers = selectors.customer_list(actor=actor, filters=filters).prefetch_related(
        "phones", "emails", "tags", Prefetch("addresses", queryset=Address.objects.select_related("regency"))
    )
    page = keyset_page(customers, order=("search_name", "id"), cursor=request.GET.get("after", ""), size=50)
    by_key = {d.key: d for d in definitions}
    query_string = request.GET.copy()
    query_string.pop("after", None)
    context = {
        "nav_key": "customers",
        "page": page,
        "rows": [(customer, [_cell(customer, key, by_key) for key in chosen]) for customer in page.rows],
        "columns": [(key, available[key]) for key in chosen],
        "available_columns": list(available.items()),
        "chosen_columns": chosen,
        "filters": filters,
        "found_count": selectors.customer_list_count(actor=actor, filters=filters),
        "definitions": [d for d in definitions if _filterable(d)],
        "branches": branch_list_for_customers(actor=actor),
        "tags": Tag.objects.order_by("kind", "name"),
        "query_string": query_string.urlencode(),
        "kinds": Customer.Kind.choices,
        "staff": User.objects.filter(is_active=True).order_by("first_name", "username"),
        "saved_views": SavedView.objects.filter(owner=actor),
    }
    template = "customers/list.html#results" if request.htmx else "customers/list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@require_POST
@staff_view("customers.view")
def saved_view_save(request: HttpRequest) -> HttpResponse:
    try:
        view = services.saved_view_save(
            actor=_actor(request), name=request.POST.get("name", ""), query=request.POST.get("query", "")
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect(f"{reverse('customers:list')}?{request.POST.get('query', '')}")
    messages.success(request, _("View %(name)s saved.") % {"name": view.name})
    return redirect(f"{reverse('customers:list')}?{view.query}")


@require_POST
@staff_view("customers.view")
def saved_view_delete(request: HttpRequest, pk: int) -> HttpResponse:
    view = SavedView.objects.filter(pk=pk, owner=_actor(request)).first()
    if view is None:
        raise NotFoundError(_("Not found."))
    services.saved_view_delete(actor=_actor(request), view=view)
    messages.success(request, _("View %(name)s deleted.") % {"name": view.name})
    return redirect("customers:list")


def _filterable(definition: CustomFieldDefinition) -> bool:
    return definition.field_type != CustomFieldDefinition.FieldType.LONG_TEXT


_int = parse_id


def _form(
    request: HttpRequest, customer: Customer | None = None, initial: dict[str, Any] | None = None
) -> CustomerForm:
    actor = _actor(request)
    kwargs: dict[str, Any] = {"initial": initial} if initial else {}
    return CustomerForm(
        request.POST or None,
        definitions=active_definitions(),
        branches=branch_list_for_customers(actor=actor),
        companies=selectors.visible_customers(actor).filter(kind=Customer.Kind.COMPANY),
        customer=customer,
        **kwargs,
    )


@staff_view("customers.edit")
def customer_create(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    initial: dict[str, Any] = {
        "home_branch": actor.branch_id,
        "owner": actor.pk,
        "consent_notice_version": selectors.current_notice_version(),
    }
    if request.GET.get("phone"):
        initial["phone_1"] = format_phone(request.GET["phone"][:30])  # as people write it, 0812-…
        initial["source"] = Customer.Source.PHONE  # a caller card's "new customer"
    if request.GET.get("name"):
        initial["name"] = request.GET["name"][:200]
    if request.GET.get("source") in Customer.Source.values:
        initial["source"] = request.GET["source"]
    if parse_id(request.GET.get("home_branch")):
        # The till's branch for a walk-in added there (the form offers only the branches she may choose).
        initial["home_branch"] = parse_id(request.GET.get("home_branch"))
    back = _local_next(request)  # e.g. the cashier screen, which takes the new customer on
    form = _form(request, initial=initial)
    extras = create_extras(request)  # e.g. loyalty's "join as member now" at the till
    duplicates: list[Customer] = []
    elsewhere: list[tuple[str, str]] = []
    if request.method == "POST" and all([form.is_valid(), extras.is_valid()]):
        contacts = form.contacts()
        duplicates = selectors.possible_duplicates(actor=actor, name=form.cleaned_data["name"], contacts=contacts)
        elsewhere = selectors.phones_held_elsewhere(actor=actor, numbers=[phone.number for phone in contacts.phones])
        if (duplicates or elsewhere) and not form.cleaned_data.get("confirm_duplicate"):
            form.add_error(None, _("This looks like a customer you already have. Open them, or tick “Create anyway”."))
        else:
            try:
                customer, told = extras.create(
                    request,
                    partial(
                        services.customer_create,
                        actor=actor,
                        name=form.cleaned_data["name"],
                        contacts=contacts,
                        tags=form.split(form.cleaned_data["tags"]),
                        interests=form.split(form.cleaned_data["interests"]),
                        custom=form.custom_values(),
                        home_branch=form.cleaned_data.get("home_branch"),
                        marketing_consent=form.marketing_consent(),
                        notice_version=form.cleaned_data.get("consent_notice_version") or "",
                        **form.profile(),
                    ),
                )
            except ApplicationError as error:
                if not extras.show_error(error):
                    add_application_error(form, form_error(error))
            else:
                messages.success(request, _("Customer %(name)s added.") % {"name": customer})
                for line in told:
                    messages.success(request, line)
                if back:
                    return redirect(f"{back}{'&' if '?' in back else '?'}customer={customer.pk}")
                return redirect("customers:detail", pk=customer.pk)
    context = {
        "nav_key": "customers",
        "form": form,
        "extras": extras.rendered(request),
        "duplicates": duplicates,
        "elsewhere": elsewhere,
        "next": back,
    }
    return render(request, "customers/form.html", context)


def _local_next(request: HttpRequest) -> str:
    """`?next=` (or the form's `next`) when it is a path on this site, else ""."""
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return ""


@staff_view("customers.edit")
def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    customer = selectors.customer_get(actor=actor, pk=pk)
    form = _form(request, customer=customer)
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_update(
                actor=actor,
                customer=customer,
                version=form.cleaned_data.get("version") or 0,
                name=form.cleaned_data["name"],
                contacts=form.contacts(),
                tags=form.split(form.cleaned_data["tags"]),
                interests=form.split(form.cleaned_data["interests"]),
                custom=form.custom_values(),
                home_branch=form.cleaned_data.get("home_branch"),
                **form.profile(),
            )
        except ApplicationError as error:
            add_application_error(form, form_error(error))
        else:
            messages.success(request, _("Changes to %(name)s saved.") % {"name": form.cleaned_data["name"]})
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/form.html", {"nav_key": "customers", "form": form, "customer": customer})


@staff_view("customers.view")
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_get(actor=_actor(request), pk=pk)
    if customer.pk != pk:
        return redirect("customers:detail", pk=customer.pk)  # a merged-away id
    definitions = active_definitions()
    custom = [
        {"group": d.group, "label": d.label, "value": display_value(d, customer.custom.get(d.key))} for d in definitions
    ]
    consent = [
        {
            "channel": ConsentRecord.Channel(channel).label,
            "purpose": ConsentRecord.Purpose(purpose).label,
            "channel_key": channel,
            "purpose_key": purpose,
            "record": record,
        }
        for (channel, purpose), record in selectors.consent_status(customer).items()
    ]
    context = {
        "nav_key": "customers",
        "customer": customer,
        "custom": custom,
        "consent": consent,
        "consent_history": selectors.consent_history(customer, limit=20),
        **_timeline_page(request, customer),
        "panels": panels_for(request, customer),
    }
    return render(request, "customers/detail.html", context)


@staff_view("customers.edit")
def customer_consent(request: HttpRequest, pk: int) -> HttpResponse:
    """Record consent given or withdrawn for one channel and purpose (appended; the 360° page
    shows the latest per channel and purpose, and the history)."""
    actor = _actor(request)
    customer = selectors.customer_get(actor=actor, pk=pk)
    initial = {
        "channel": request.GET.get("channel", ""),
        "purpose": request.GET.get("purpose", ""),
        "notice_version": selectors.current_notice_version(),
    }
    form = ConsentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.consent_record(actor=actor, customer=customer, **form.record())
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            message = _("Consent %(state)s recorded: %(channel)s · %(purpose)s.") % {
                "state": _("given") if record.granted else _("withdrawn"),
                "channel": record.get_channel_display(),
                "purpose": record.get_purpose_display(),
            }
            messages.success(request, message)
            return redirect("customers:detail", pk=customer.pk)
    context = {
        "nav_key": "customers",
        "customer": customer,
        "form": form,
        "history": selectors.consent_history(customer),
    }
    return render(request, "customers/consent.html", context, status=400 if form.errors else 200)


def _timeline_page(request: HttpRequest, customer: Customer) -> dict[str, Any]:
    """A page of the timeline older than `?before=` (an ISO time; the newest page without it;
    with `&skip=N`, from the N+1st entry at that very time) and the cursor of the next older page
    when there may be one."""
    try:
        before = parse_datetime(request.GET.get("before", ""))
    except ValueError:  # well formed but not a time (month 13): the newest page
        before = None
    if before is not None and timezone.is_naive(before):
        before = timezone.make_aware(before)
    skip = (_int(request.GET.get("skip")) or 0) if before is not None else 0
    skip = max(0, min(skip, 10_000))
    entries = timeline_for(customer, before=before, limit=TIMELINE_PAGE_SIZE, skip=skip)
    older, shown = next_page(entries, limit=TIMELINE_PAGE_SIZE, before=before, skip=skip)
    return {"timeline": for_viewer(entries, _actor(request)), "timeline_older": older, "timeline_skip": shown}


@staff_view("customers.view")
def customer_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    """Older timeline entries for the 360° page's "Show older" (a fragment of list items)."""
    customer = selectors.customer_get(actor=_actor(request), pk=pk)
    context = {"customer": customer, **_timeline_page(request, customer)}
    return render(request, "customers/_timeline_items.html", context)


@staff_view("customers.view")
def region_options(request: HttpRequest, level: str) -> HttpResponse:
    """`<option>`s of the cities of a province, or the districts of a city (for the address form)."""
    options: Any
    if level == "regency":
        options = Regency.objects.filter(province_id=request.GET.get("address_province") or "").order_by("name")
    elif level == "district":
        options = District.objects.filter(regency_id=request.GET.get("address_regency") or "").order_by("name")
    else:
        raise NotFoundError(_("Unknown region level."))
    return render(request, "customers/region_options.html", {"options": options})


# --- Custom fields --------------------------------------------------------------------------


@staff_view("customers.fields")
def field_list(request: HttpRequest) -> HttpResponse:
    definitions = CustomFieldDefinition.objects.order_by("archived_at", "group", "position", "label")
    rows = [{"definition": d, "values": services.custom_field_value_count(d)} for d in definitions]
    return render(request, "customers/field_list.html", {"nav_key": "custom_fields", "rows": rows})


@staff_view("customers.fields")
def field_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    actor = _actor(request)
    definition = CustomFieldDefinition.objects.filter(pk=pk).first() if pk else None
    if pk and definition is None:
        raise NotFoundError(_("Field not found."))
    form = CustomFieldForm(request.POST or None, instance=definition)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "choices_text"}
        try:
            if definition is None:
                definition = services.custom_field_create(actor=actor, choices=form.choices(), **data)
            else:
                data.pop("key", None)
                data.pop("field_type", None)
                services.custom_field_update(actor=actor, definition=definition, choices=form.choices(), **data)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Field %(label)s saved.") % {"label": definition.label})
            return redirect("customers:field_list")
    context = {"nav_key": "custom_fields", "form": form, "definition": definition}
    return render(request, "customers/field_form.html", context)


@require_POST
@staff_view("customers.fields")
def field_archive(request: HttpRequest, pk: int) -> HttpResponse:
    definition = CustomFieldDefinition.objects.filter(pk=pk).first()
    if definition is None:
        raise NotFoundError(_("Field not found."))
    archive = definition.archived_at is None
    services.custom_field_archive(actor=_actor(request), definition=definition, archived=archive)
    message = _("Field %(label)s archived; its values are kept.") if archive else _("Field %(label)s restored.")
    messages.success(request, message % {"label": definition.label})
    return redirect("customers:field_list")


@staff_view("customers.fields")
def field_delete(request: HttpRequest, pk: int) -> HttpResponse:
    definition = CustomFieldDefinition.objects.filter(pk=pk).first()
    if definition is None:
        raise NotFoundError(_("Field not found."))
    count = services.custom_field_value_count(definition)
    if request.method == "POST":
        try:
            services.custom_field_delete(
                actor=_actor(request), definition=definition, confirm_value_count=_int(request.POST.get("count")) or 0
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Field %(label)s deleted with %(count)s values.") % {"label": definition.label, "count": count},
            )
            return redirect("customers:field_list")
    return render(
        request, "customers/field_delete.html", {"nav_key": "custom_fields", "definition": definition, "count": count}
    )


# --- Calls: "Who's calling?" and the screen pop ------------------------------------------------


@staff_view("calls.answer")
def calls(request: HttpRequest) -> HttpResponse:
    """The agent's call page: a "Who's calling?" box and the agent's recent calls; incoming calls
    pop up on every page."""
    context = {"nav_key": "calls", "recent": selectors.recent_calls(agent=_actor(request))}
    return render(request, "customers/calls.html", context)


@staff_view("calls.answer")
def caller_lookup(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("phone", "").strip()
    phone = ""
    error = ""
    if raw:
        try:
            phone = normalize_phone(raw)
        except ApplicationError as problem:
            error = problem.message
        if not error and request.GET.get("call") == "1":  # typed for a call (not "Show card" again)
            services.call_lookup_record(agent=_actor(request), typed=raw, phone=phone)
    card = selectors.caller_card(actor=_actor(request), phone=phone) if not error else None
    response = render(request, "customers/caller_card.html", {"card": card, "raw": raw, "error": error})
    if raw and not error and request.GET.get("call") == "1":
        response["HX-Trigger"] = "setia:call"  # the page's list of recent calls shows it
    return response


@staff_view("calls.answer")
def screen_pops(request: HttpRequest) -> JsonResponse:
    """Polled by the agent's open pages about once a second: new calls since `after`, as cards."""
    actor = _actor(request)
    after = _int(request.GET.get("after"))
    if after is None:  # a page just opened: start from now, don't replay old calls
        return JsonResponse({"last": selectors.latest_pop_id(agent=actor), "pops": []})
    pops = []
    last = after
    for pop in selectors.pops_for(agent=actor, after=after):
        last = pop.pk
        if pop.event != ScreenPop.Event.RINGING:
            continue
        card = selectors.caller_card(actor=actor, phone=pop.phone)
        html = render_to_string(
            "customers/caller_card.html", {"card": card, "raw": pop.caller, "popped": True}, request=request
        )
        pops.append({"id": pop.pk, "html": html})
    return JsonResponse({"last": last, "pops": pops})


# --- Export and bulk actions ------------------------------------------------------------------


def _filters_from(request: HttpRequest, definitions: list[CustomFieldDefinition]) -> selectors.ListFilters:
    params = request.GET if request.method == "GET" else request.POST
    return selectors.ListFilters(
        query=params.get("q", "").strip(),
        branch_id=_int(params.get("branch")),
        owner_id=_int(params.get("owner")),
        tag_id=_int(params.get("tag")),
        kind=params.get("kind", "") if params.get("kind") in Customer.Kind.values else "",
        custom={d.key: params.get(f"cf_{d.key}", "") for d in definitions if _filterable(d)},
    )


@staff_view("customers.export")
def customer_export(request: HttpRequest) -> HttpResponseBase:
    """The filtered list (or the ticked customers) as CSV or XLSX, in the layout imports read."""
    import tempfile
    from pathlib import Path

    from django.http import FileResponse, StreamingHttpResponse

    from setia.customers.exports import export_header, export_rows
    from setia.customers.tabular import XLSX_MAX_ROWS, write_csv, write_xlsx

    actor = _actor(request)
    definitions = active_definitions()
    customers = selectors.customer_list(actor=actor, filters=_filters_from(request, definitions))
    ids = [value for value in (parse_id(v) for v in request.GET.getlist("id")) if value]
    if ids:
        customers = customers.filter(pk__in=ids)
    header = export_header(definitions)
    count = customers.count()
    xlsx = request.GET.get("format") == "xlsx"
    if xlsx and count > XLSX_MAX_ROWS:
        messages.error(
            request,
            _("A spreadsheet sheet holds at most %(max)s rows; export these %(count)s customers as CSV.")
            % {
                "max": number_format(XLSX_MAX_ROWS, force_grouping=True),
                "count": number_format(count, force_grouping=True),
            },
        )
        query = request.GET.copy()
        query.pop("format")
        return redirect(f"{reverse('customers:list')}?{query.urlencode()}")
    services.customers_exported(actor=actor, count=count, description=request.GET.urlencode())
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if xlsx:
        path = Path(tempfile.mkstemp(suffix=".xlsx")[1])
        write_xlsx(header, export_rows(customers, definitions), path)
        response = FileResponse(path.open("rb"), as_attachment=True, filename=f"customers-{stamp}.xlsx")
        path.unlink()  # the open handle keeps the data until the response is sent
        return response
    streaming = StreamingHttpResponse(write_csv(header, export_rows(customers, definitions)), content_type="text/csv")
    streaming["Content-Disposition"] = f'attachment; filename="customers-{stamp}.csv"'
    return streaming


@require_POST
@staff_view("customers.edit")
def customer_bulk(request: HttpRequest) -> HttpResponse:
    """Tag or assign an owner to the ticked customers."""
    actor = _actor(request)
    ids = [value for value in (parse_id(v) for v in request.POST.getlist("id")) if value]
    action = request.POST.get("action", "")
    try:
        if action == "tag":
            count = services.customers_tag(actor=actor, ids=ids, tag=request.POST.get("tag", ""))
        elif action == "owner":
            owner = User.objects.filter(pk=parse_id(request.POST.get("owner")) or 0, is_active=True).first()
            count = services.customers_assign_owner(actor=actor, ids=ids, owner=owner)
        else:
            raise ApplicationError(_("Choose what to do with the ticked customers."))
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(count)s customers updated.") % {"count": count})
    return redirect(request.POST.get("next") or "customers:list")


# --- Import -------------------------------------------------------------------------------------


def _import_job(request: HttpRequest, pk: int) -> CustomerImport:
    job = CustomerImport.objects.filter(pk=pk, created_by=_actor(request)).first()
    if job is None:
        raise NotFoundError(_("Import not found."))
    return job


@staff_view("customers.import")
def import_start(request: HttpRequest) -> HttpResponse:
    error = ""
    if request.method == "POST":
        try:
            job = imports.import_upload(
                actor=_actor(request), uploaded=request.FILES.get("file"), mode=request.POST.get("mode", "")
            )
        except ApplicationError as problem:
            error = problem.message
        else:
            return redirect("customers:import_detail", pk=job.pk)
    recent = CustomerImport.objects.filter(created_by=_actor(request)).order_by("-created_at")[:10]
    context = {"nav_key": "customers", "modes": CustomerImport.Mode.choices, "error": error, "recent": recent}
    return render(request, "customers/import_start.html", context)


@staff_view("customers.import")
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _import_job(request, pk)
    error = ""
    field_errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            if request.POST.get("step") == "check":
                mapping = {str(i): request.POST.get(f"column_{i}", "") for i in range(len(job.header))}
                imports.import_set_mapping(
                    actor=_actor(request), job=job, mapping=mapping, mode=request.POST.get("mode", "")
                )
                enqueue_on_commit(check_customer_import, job.pk)
            elif request.POST.get("step") == "import":
                imports.import_confirm(
                    actor=_actor(request), job=job, skip_invalid=request.POST.get("skip_invalid") == "1"
                )
                enqueue_on_commit(run_customer_import, job.pk)
        except ApplicationError as problem:
            error = problem.message
            field_errors = problem.extra
        else:
            return redirect("customers:import_detail", pk=job.pk)
    job.refresh_from_db()
    context = {
        "nav_key": "customers",
        "job": job,
        # A message about one control shows beside it (the "import only the valid rows" box).
        "error": "" if "skip_invalid" in field_errors else error,
        "skip_invalid_error": " ".join(field_errors.get("skip_invalid", [])),
        "columns": [(str(index), title) for index, title in enumerate(job.header)],
        # Each problem under the file's own column title (the user's word for it), not our key.
        "problems": [(number, imports.column_title(job, target), message) for number, target, message in job.errors],
        "targets": _target_labels(imports.available_targets()),
        "modes": CustomerImport.Mode.choices,
        "working": job.status in (CustomerImport.Status.CHECKING, CustomerImport.Status.IMPORTING),
        "percent": int(100 * job.processed_rows / job.total_rows) if job.total_rows else 0,
    }
    template = "customers/import_detail.html#status" if request.htmx else "customers/import_detail.html"  # type: ignore[attr-defined]
    return render(request, template, context)


def _target_labels(targets: list[str]) -> list[tuple[str, str]]:
    """The import's target fields as (key, label) in the user's language: the form submits the
    key, people read the label (a business field by its own label)."""
    standard = {
        "external_id": _("External id"),
        "kind": _("Kind"),
        "name": _("Name"),
        "phone": _("Phone"),
        "phone_2": _("Second phone"),
        "phone_3": _("Third phone"),
        "email": _("Email"),
        "email_2": _("Second email"),
        "birthday": _("Birthday"),
        "gender": _("Gender"),
        "occupation": _("Occupation"),
        "preferred_language": _("Preferred language"),
        "preferred_channel": _("Preferred channel"),
        "source": _("Source"),
        "home_branch": _("Home branch"),
        "owner": _("Owner (staff)"),
        "tags": _("Tags"),
        "interests": _("Interests / lifestyle"),
        "address_label": _("Address label"),
        "address_line": _("Street address"),
        "address_landmark": _("Landmark / notes"),
        "province": _("Province"),
        "city": _("City / regency"),
        "district": _("District"),
        "notes": _("Notes"),
        "member_number": _("Member card number"),
        "created_at": _("Customer since"),
    }
    custom = {f"custom.{d.key}": d.label for d in active_definitions()}
    return [(target, standard.get(target) or custom.get(target) or target) for target in targets]


@staff_view("customers.import")
def import_report(request: HttpRequest, pk: int) -> HttpResponseBase:
    from django.http import FileResponse

    job = _import_job(request, pk)
    path = imports.report_path(job)
    if not path.exists():
        raise NotFoundError(_("There is no report for this import yet."))
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=_("import-%(id)s-rows-not-imported.csv") % {"id": job.pk}
    )


# --- Duplicates and merge -----------------------------------------------------------------------


@staff_view("customers.merge")
def duplicate_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    if request.method == "POST":
        enqueue_on_commit(scan_duplicates)
        messages.success(request, _("The duplicate scan has started; refresh in a moment."))
        return redirect("customers:duplicates")
    visible = selectors.visible_customers(actor)
    candidates = (
        DuplicateCandidate.objects.filter(status=DuplicateCandidate.Status.OPEN, first__in=visible, second__in=visible)
        .select_related("first", "second", "first__home_branch", "second__home_branch")
        .order_by("-score", "id")[:200]
    )
    return render(request, "customers/duplicates.html", {"nav_key": "customers", "candidates": candidates})


@staff_view("customers.merge")
def customer_merge(request: HttpRequest) -> HttpResponse:
    """Compare two customers side by side, pick the value to keep per field, and merge."""
    actor = _actor(request)
    params = request.POST if request.method == "POST" else request.GET
    first = selectors.customer_get(actor=actor, pk=parse_id(params.get("a")) or 0)
    second = selectors.customer_get(actor=actor, pk=parse_id(params.get("b")) or 0)
    if request.method == "POST":
        # Ticked boxes mean "the right-hand (b) value". When b stays, the left values that were not
        # ticked away are the ones taken from the merged-away record.
        wanted_b = set(params.getlist("take"))
        if params.get("survivor") == "b":
            survivor, merged = second, first
            differing = {row["name"] for row in _compare_rows(first, second) if row["a"] and row["a"] != row["b"]}
            take = sorted(differing - wanted_b)
        else:
            survivor, merged = first, second
            take = sorted(wanted_b)
        try:
            survivor = merge.customers_merge(actor=actor, survivor=survivor, merged=merged, take_from_merged=take)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("%(merged)s was merged into %(survivor)s.") % {"merged": merged, "survivor": survivor}
            )
            return redirect("customers:detail", pk=survivor.pk)
    rows = _compare_rows(first, second)
    summary = merge.merge_summary(actor=actor, first=first, second=second)
    context = {"nav_key": "customers", "a": first, "b": second, "rows": rows, "summary": summary}
    return render(request, "customers/merge.html", context)


def _compare_rows(first: Customer, second: Customer) -> list[dict[str, Any]]:
    rows = []
    for name in merge.CHOOSABLE:
        field = Customer._meta.get_field(name)
        label = field.verbose_name  # type: ignore[union-attr]
        rows.append({"name": name, "label": label, "a": _shown(first, name), "b": _shown(second, name)})
    for definition in active_definitions():
        rows.append(
            {
                "name": f"custom.{definition.key}",
                "label": definition.label,
                "a": display_value(definition, first.custom.get(definition.key)),
                "b": display_value(definition, second.custom.get(definition.key)),
            }
        )
    return rows


def _shown(customer: Customer, name: str) -> str:
    display = getattr(customer, f"get_{name}_display", None)
    value = display() if display else getattr(customer, name)
    return "" if value in (None, "") else str(value)


@require_POST
@staff_view("customers.merge")
def duplicate_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = DuplicateCandidate.objects.filter(pk=pk).first()
    if candidate is None:
        raise NotFoundError(_("Not found."))
    selectors.customer_get(actor=_actor(request), pk=candidate.first_id)  # visibility
    merge.duplicate_dismiss(actor=_actor(request), candidate=candidate)
    return redirect("customers:duplicates")
