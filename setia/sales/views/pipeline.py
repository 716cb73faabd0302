"""Pages of the opportunity pipeline: the board (drag and drop between stages), the list, one
opportunity with its history and actions, the create and edit forms, and the configuration of
pipelines, stages and lost reasons."""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from setia.accounts.decorators import staff_view
from setia.accounts.models import Branch, User
from setia.accounts.selectors import branch_scope
from setia.catalog.models import Product
from setia.core.errors import ApplicationError, NotFoundError
from setia.core.forms import add_application_error
from setia.core.money import format_rupiah
from setia.core.navigation import Group, Section
from setia.core.pagination import keyset_page, parse_id
from setia.customers.models import Customer
from setia.customers.selectors import customer_get, search_customers
from setia.sales.forms.pipeline import (
    LINE_ROWS,
    LoseForm,
    LostReasonForm,
    OpportunityForm,
    PipelineForm,
    StageForm,
    WinForm,
    parse_lines,
)
from setia.sales.models import LostReason, Opportunity, Stage
from setia.sales.selectors import pipeline as selectors
from setia.sales.services import pipeline as services


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _branches(actor: User) -> list[Branch]:
    return list(branch_scope(actor).filter(Branch.objects.filter(is_active=True), field="pk").order_by("name"))


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value or "")
    except ValueError:
        return None


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


# --- Board -----------------------------------------------------------------------------------


def _board_filters(data: Any) -> dict[str, Any]:
    return {"owner_id": parse_id(data.get("owner")), "branch_id": parse_id(data.get("branch"))}


def _totals_json(actor: User, pipeline_id: int, filters: dict[str, int | None]) -> dict[str, Any]:
    pipeline = selectors.pipeline_get(actor=actor, pk=pipeline_id)
    totals = selectors.column_totals(actor=actor, pipeline=pipeline, **filters) if pipeline else {}
    columns: dict[str, dict[str, Any]] = {}
    count = total = weighted = 0
    for stage in pipeline.stages.filter(active=True) if pipeline else []:
        figures = totals.get(stage.pk, {"count": 0, "total": 0, "weighted": 0})
        columns[str(stage.pk)] = {
            **figures,
            "total_display": format_rupiah(figures["total"]),
            "weighted_display": format_rupiah(figures["weighted"]),
        }
        count, total, weighted = count + figures["count"], total + figures["total"], weighted + figures["weighted"]
    return {
        "columns": columns,
        "board": {
            "count": count,
            "total": total,
            "weighted": weighted,
            "total_display": format_rupiah(total),
            "weighted_display": format_rupiah(weighted),
        },
    }


def _card_labels() -> dict[str, str]:
    """Resolved once per page, not once per card: the board renders hundreds of cards."""
    detail = reverse("sales:opportunity_detail", args=[0])
    return {
        "opportunity_url": detail[: detail.rindex("0/")],
        "expected_close_label": _("Expected close"),
        "overdue_label": _("overdue"),
    }


@staff_view("opportunities.view")
def pipeline_board(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    pipeline = selectors.pipeline_get(actor=actor, pk=parse_id(request.GET.get("pipeline")))
    if pipeline is None:
        # A business without a pipeline yet: say so, and offer those who configure it a button
        # (a POST) that sets one up; reading the page writes nothing.
        empty: dict[str, Any] = {
            "nav_key": "pipeline",
            "board": None,
            "can_configure": actor.has_capability("sales.configure"),
        }
        return render(request, "sales/pipeline/board.html", empty)
    filters = _board_filters(request.GET)
    board = selectors.pipeline_board(actor=actor, pipeline=pipeline, **filters)
    query = request.GET.copy()
    query["pipeline"] = str(pipeline.pk)
    context = {
        "nav_key": "pipeline",
        "board": board,
        "pipelines": selectors.pipeline_list(actor=actor),
        "owners": selectors.owner_filter_choices(actor=actor),
        "branches": _branches(actor),
        "filters": filters,
        "query_string": query.urlencode(),
        "can_edit": actor.has_capability("opportunities.edit"),
        **_card_labels(),
    }
    return render(request, "sales/pipeline/board.html", context)


@staff_view("opportunities.view")
def pipeline_column(request: HttpRequest, stage_id: int) -> HttpResponse:
    """The next cards of one column ("show more"), after the card `after` (an id)."""
    actor = _actor(request)
    stage = Stage.objects.select_related("pipeline").filter(pk=stage_id, active=True).first()
    if stage is None:
        raise NotFoundError(_("Stage not found."))
    filters = _board_filters(request.GET)
    after = None
    last = Opportunity.objects.filter(pk=parse_id(request.GET.get("after")) or 0, stage=stage).first()
    if last is not None:
        after = (last.position, last.pk)
    query = request.GET.copy()
    query.pop("after", None)
    size = selectors.CARDS_PER_COLUMN
    cards = selectors.column_cards(actor=actor, stage=stage, after=after, size=size + 1, **filters)
    context = {
        "cards": cards[:size],
        "more": len(cards) > size,
        "stage": stage,
        "query_string": query.urlencode(),
        **_card_labels(),
    }
    return render(request, "sales/pipeline/_cards.html", context)


@require_POST
@staff_view("opportunities.edit")
def opportunity_move(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Drop a card on a column (fetch, JSON answer with the columns' new totals) or choose
    "Move to stage" on the opportunity's page (a form post, redirected back)."""
    actor = _actor(request)
    stage_id = parse_id(request.POST.get("stage"))
    position = parse_id(request.POST.get("position"))
    try:
        if stage_id is None:
            raise ApplicationError(_("Choose a stage."), {"stage": [_("Choose a stage.")]})
        opportunity = services.opportunity_move(actor=actor, opportunity_id=pk, stage_id=stage_id, position=position)
    except ApplicationError as failure:
        if _wants_json(request):
            status = 404 if isinstance(failure, NotFoundError) else 400
            return JsonResponse({"message": failure.message, "extra": failure.extra}, status=status)
        if isinstance(failure, NotFoundError):
            raise
        messages.error(request, failure.message)
        return redirect("sales:opportunity_detail", pk=pk)
    if _wants_json(request):
        body = _totals_json(actor, opportunity.pipeline_id, _board_filters(request.POST))
        body.update({"id": opportunity.pk, "stage": opportunity.stage_id, "version": opportunity.version})
        body["probability"] = opportunity.probability
        return JsonResponse(body)
    messages.success(request, _("Moved to %(stage)s.") % {"stage": opportunity.stage.name})
    return redirect("sales:opportunity_detail", pk=pk)


# --- List, detail, forms ---------------------------------------------------------------------


@staff_view("opportunities.view")
def opportunity_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    data = request.GET
    status = data.get("status", "")
    filters: dict[str, Any] = {
        "pipeline_id": parse_id(data.get("pipeline")),
        "stage_id": parse_id(data.get("stage")),
        "status": status if status in Opportunity.Status.values else "",
        "owner_id": parse_id(data.get("owner")),
        "branch_id": parse_id(data.get("branch")),
        "customer_id": parse_id(data.get("customer")),
        "close_from": _date(data.get("close_from")),
        "close_to": _date(data.get("close_to")),
        "query": data.get("q", "")[:100],
    }
    opportunities = selectors.opportunity_list(actor=actor, **filters)
    page = keyset_page(opportunities, order=("-created_at", "-id"), cursor=data.get("after", ""), size=50)
    query_string = data.copy()
    query_string.pop("after", None)
    pipelines = selectors.pipeline_list(actor=actor)
    context = {
        "nav_key": "pipeline",
        "page": page,
        "filters": filters,
        "pipelines": pipelines,
        "stages": [stage for pipeline in pipelines for stage in pipeline.stages.all()],
        "statuses": Opportunity.Status.choices,
        "owners": selectors.owner_filter_choices(actor=actor),
        "branches": _branches(actor),
        "query_string": query_string.urlencode(),
        "filtered": any(value for value in filters.values()),
        "today": timezone.localdate(),
    }
    template = "sales/pipeline/list.html#results" if request.htmx else "sales/pipeline/list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


def _line_rows(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return rows + [{"product": "", "quantity": "", "price": "", "description": ""} for _ in range(LINE_ROWS)]


def _stages_for_form(actor: User) -> QuerySet[Stage]:
    return (
        Stage.objects.filter(active=True, pipeline__active=True)
        .select_related("pipeline")
        .order_by("pipeline__position", "pipeline_id", "position", "id")
    )


def _products() -> list[Product]:
    return list(Product.objects.filter(is_active=True).only("id", "name", "price").order_by("name")[:1000])


@staff_view("opportunities.edit")
def opportunity_new(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    data = request.POST if request.method == "POST" else request.GET
    customer_id = parse_id(data.get("customer"))
    customer: Customer | None = customer_get(actor=actor, pk=customer_id) if customer_id else None
    if customer is None:
        query = request.GET.get("q", "")
        found = search_customers(actor=actor, query=query) if query else []
        return render(
            request,
            "sales/pipeline/choose_customer.html",
            {"nav_key": "pipeline", "query": query, "found": found},
        )
    pipeline = selectors.pipeline_get(actor=actor, pk=parse_id(data.get("pipeline")))
    if pipeline is None:
        return redirect("sales:pipeline_board")  # which explains how a pipeline is set up
    first_stage = pipeline.stages.filter(active=True).order_by("position", "id").first()
    form_options: dict[str, Any] = {"stages": _stages_for_form(actor), "owners": selectors.owner_choices(actor=actor)}
    form_options["branches"] = Branch.objects.filter(pk__in=[branch.pk for branch in _branches(actor)])
    rows: list[dict[str, str]] = []
    if request.method == "POST":
        form = OpportunityForm(request.POST, **form_options)
        lines, rows = parse_lines(request.POST)
        if form.is_valid():
            values = form.cleaned_data
            try:
                opportunity = services.opportunity_create(
                    actor=actor,
                    customer=customer,
                    title=values["title"],
                    stage=values["stage"],
                    value=values["value"] or 0,
                    owner=values["owner"],
                    branch=values["branch"],
                    expected_close=values["expected_close"],
                    lines=lines,
                    notes=values["notes"],
                )
            except ApplicationError as failure:
                add_application_error(form, failure)
            else:
                messages.success(request, _("Opportunity created."))
                return redirect("sales:opportunity_detail", pk=opportunity.pk)
    else:
        form = OpportunityForm(initial={"stage": first_stage, "value": 0}, **form_options)
    context = {
        "nav_key": "pipeline",
        "form": form,
        "customer": customer,
        "rows": _line_rows([row for row in rows if any(row.values())]),
        "products": _products(),
        "editing": False,
    }
    return render(request, "sales/pipeline/form.html", context)


@staff_view("opportunities.edit")
def opportunity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    opportunity = selectors.opportunity_get(actor=actor, pk=pk)
    owners = selectors.owner_choices(actor=actor, keep=opportunity.owner)
    form_options: dict[str, Any] = {"stages": _stages_for_form(actor), "owners": owners}
    form_options["branches"] = Branch.objects.filter(pk__in=[branch.pk for branch in _branches(actor)])
    if request.method == "POST":
        form = OpportunityForm(request.POST, editing=True, **form_options)
        lines, rows = parse_lines(request.POST)
        if form.is_valid():
            values = form.cleaned_data
            try:
                services.opportunity_update(
                    actor=actor,
                    opportunity=opportunity,
                    title=values["title"],
                    value=values["value"] or 0,
                    owner=values["owner"],
                    branch=values["branch"],
                    expected_close=values["expected_close"],
                    notes=values["notes"],
                    lines=lines,
                )
            except ApplicationError as failure:
                add_application_error(form, failure)
            else:
                messages.success(request, _("Opportunity saved."))
                return redirect("sales:opportunity_detail", pk=opportunity.pk)
    else:
        initial = {
            "title": opportunity.title,
            "value": opportunity.value,
            "owner": opportunity.owner,
            "branch": opportunity.branch,
            "expected_close": opportunity.expected_close,
            "notes": opportunity.notes,
        }
        form = OpportunityForm(initial=initial, editing=True, **form_options)
        rows = [
            {
                "product": str(line.product_id or ""),
                "quantity": str(line.quantity),
                "price": str(line.unit_price),
                "description": line.description,
            }
            for line in opportunity.lines.all()
        ]
    context = {
        "nav_key": "pipeline",
        "form": form,
        "customer": opportunity.customer,
        "opportunity": opportunity,
        "rows": _line_rows([row for row in rows if any(row.values())]),
        "products": _products(),
        "editing": True,
    }
    return render(request, "sales/pipeline/form.html", context)


def _duration(seconds: int) -> str:
    """A time span as people say it: "3 days 4 hours", "2 hours 5 minutes", "40 seconds"."""
    days, rest = divmod(max(0, int(seconds)), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts: list[str] = []
    if days:
        parts.append(_("%(count)s day") % {"count": days} if days == 1 else _("%(count)s days") % {"count": days})
    if hours and len(parts) < 2:
        parts.append(_("%(count)s hour") % {"count": hours} if hours == 1 else _("%(count)s hours") % {"count": hours})
    if minutes and not days and len(parts) < 2:
        parts.append(
            _("%(count)s minute") % {"count": minutes} if minutes == 1 else _("%(count)s minutes") % {"count": minutes}
        )
    if not parts:
        parts.append(_("%(count)s seconds") % {"count": secs})
    return " ".join(parts)


def _history(opportunity: Opportunity) -> list[dict[str, Any]]:
    """Each move with the time spent before it, and the current stage with its time so far."""
    rows = []
    labels = {
        Opportunity.Status.WON: _("Won"),
        Opportunity.Status.LOST: _("Lost"),
        Opportunity.Status.OPEN: _("Reopened"),
    }
    for change in opportunity.stage_changes.all():
        if change.from_stage_id is None:
            what = _("Created in %(stage)s") % {"stage": change.to_stage.name}
        elif change.from_stage is not None and change.from_stage_id != change.to_stage_id:
            what = _("%(from)s → %(to)s") % {"from": change.from_stage.name, "to": change.to_stage.name}
        else:
            what = f"{labels[Opportunity.Status(change.status)]} · {change.to_stage.name}"
        rows.append(
            {
                "at": change.changed_at,
                "what": what,
                "status": change.status,
                "before": _duration(change.seconds_in_previous) if change.from_stage_id else "",
                "by": (change.changed_by.get_full_name() or change.changed_by.get_username())
                if change.changed_by
                else "",
            }
        )
    return rows


@staff_view("opportunities.view")
def opportunity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    opportunity = selectors.opportunity_get(actor=actor, pk=pk)
    in_stage = (timezone.now() - opportunity.stage_entered_at).total_seconds()
    context = {
        "nav_key": "pipeline",
        "opportunity": opportunity,
        "lines": list(opportunity.lines.all()),
        "history": _history(opportunity),
        "in_stage": _duration(int(in_stage)) if opportunity.status == Opportunity.Status.OPEN else "",
        "stages": list(opportunity.pipeline.stages.filter(active=True).order_by("position", "id")),
        "can_edit": actor.has_capability("opportunities.edit"),
        "can_order": actor.has_capability("orders.create"),
        "win_form": WinForm(methods=services.checkout_payment_methods()),
        "lose_form": LoseForm(reasons=LostReason.objects.filter(active=True).order_by("position", "name")),
        "today": timezone.localdate(),
    }
    return render(request, "sales/pipeline/detail.html", context)


@require_POST
@staff_view("opportunities.edit")
def opportunity_win(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    opportunity = selectors.opportunity_get(actor=actor, pk=pk)
    form = WinForm(request.POST, methods=services.checkout_payment_methods())
    if not form.is_valid():
        messages.error(request, _("Unknown payment method."))
        return redirect("sales:opportunity_detail", pk=pk)
    try:
        won = services.opportunity_win(
            actor=actor,
            opportunity=opportunity,
            create_order=form.cleaned_data["create_order"],
            payment_method=form.cleaned_data["payment_method"],
            note=form.cleaned_data["note"],
        )
    except ApplicationError as failure:
        messages.error(request, failure.message)
    else:
        if won.order is not None:
            messages.success(request, _("Won. Order %(number)s created.") % {"number": won.order.number})
        else:
            messages.success(request, _("Marked as won."))
    return redirect("sales:opportunity_detail", pk=pk)


@require_POST
@staff_view("opportunities.edit")
def opportunity_lose(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    opportunity = selectors.opportunity_get(actor=actor, pk=pk)
    form = LoseForm(request.POST, reasons=LostReason.objects.filter(active=True))
    if not form.is_valid():
        messages.error(request, _("Choose why the opportunity was lost."))
        return redirect("sales:opportunity_detail", pk=pk)
    try:
        services.opportunity_lose(
            actor=actor, opportunity=opportunity, reason=form.cleaned_data["reason"], note=form.cleaned_data["note"]
        )
    except ApplicationError as failure:
        messages.error(request, failure.message)
    else:
        messages.success(request, _("Marked as lost."))
    return redirect("sales:opportunity_detail", pk=pk)


@require_POST
@staff_view("opportunities.edit")
def opportunity_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    opportunity = selectors.opportunity_get(actor=actor, pk=pk)
    try:
        services.opportunity_reopen(actor=actor, opportunity=opportunity)
    except ApplicationError as failure:
        messages.error(request, failure.message)
    else:
        messages.success(request, _("Reopened."))
    return redirect("sales:opportunity_detail", pk=pk)


# --- Configuration ---------------------------------------------------------------------------


@staff_view("sales.configure")
def pipeline_settings(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    pipelines = selectors.pipeline_list(actor=actor, include_inactive=True)
    context = {
        "nav_key": "pipeline_settings",
        "pipelines": pipelines,
        "has_active_pipeline": any(pipeline.active for pipeline in pipelines),
        "reasons": selectors.lost_reason_list(actor=actor, include_inactive=True),
        "in_use": selectors.stage_open_counts(actor=actor),
        "pipeline_form": PipelineForm(prefix="new-pipeline"),
        "reason_form": LostReasonForm(prefix="new-reason"),
    }
    return render(request, "sales/pipeline/settings.html", context)


@require_POST
@staff_view("sales.configure")
def pipeline_setup(request: HttpRequest) -> HttpResponse:
    """The button on the empty board: the pipeline a business starts with."""
    pipeline = services.pipeline_setup(actor=_actor(request))
    messages.success(request, _("Pipeline %(name)s is ready.") % {"name": pipeline.name})
    return redirect("sales:pipeline_board")


def _back_to_settings(request: HttpRequest, failure: ApplicationError | None, success: str) -> HttpResponse:
    if failure is not None:
        messages.error(request, failure.message)
    else:
        messages.success(request, success)
    return redirect("sales:pipeline_settings")


def _form_failure(form: Any) -> ApplicationError:
    field, errors = next(iter(form.errors.items()))
    label = form.fields[field].label if field in form.fields else ""
    message = f"{label}: {errors[0]}" if label else str(errors[0])
    return ApplicationError(message, {field: [str(errors[0])]})


@require_POST
@staff_view("sales.configure")
def pipeline_save(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    actor = _actor(request)
    form = PipelineForm(request.POST, prefix=None if pk else "new-pipeline")
    failure = None
    if not form.is_valid():
        failure = _form_failure(form)
    else:
        values = form.cleaned_data
        try:
            if pk:
                pipeline = selectors.pipeline_config_get(actor=actor, pk=pk)
                services.pipeline_update(actor=actor, pipeline=pipeline, **values)
            else:
                services.pipeline_create(actor=actor, **values)
        except ApplicationError as error:
            failure = error
    return _back_to_settings(request, failure, _("Pipeline saved."))


@require_POST
@staff_view("sales.configure")
def stage_save(request: HttpRequest, pipeline_pk: int, pk: int | None = None) -> HttpResponse:
    actor = _actor(request)
    pipeline = selectors.pipeline_config_get(actor=actor, pk=pipeline_pk)
    form = StageForm(request.POST)
    failure = None
    if not form.is_valid():
        failure = _form_failure(form)
    else:
        values = form.cleaned_data
        try:
            if pk:
                stage = selectors.stage_config_get(actor=actor, pk=pk)
                if stage.pipeline_id != pipeline.pk:
                    raise NotFoundError(_("Stage not found."))
                position = values["position"] if values["position"] is not None else stage.position
                services.stage_update(
                    actor=actor,
                    stage=stage,
                    name=values["name"],
                    probability=values["probability"],
                    position=position,
                    active=values["active"],
                )
            else:
                services.stage_create(
                    actor=actor,
                    pipeline=pipeline,
                    name=values["name"],
                    probability=values["probability"],
                    position=values["position"],
                )
        except NotFoundError:
            raise
        except ApplicationError as error:
            failure = error
    return _back_to_settings(request, failure, _("Stage saved."))


@require_POST
@staff_view("sales.configure")
def stage_delete(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    stage = selectors.stage_config_get(actor=actor, pk=pk)
    failure = None
    try:
        services.stage_delete(actor=actor, stage=stage)
    except ApplicationError as error:
        failure = error
    return _back_to_settings(request, failure, _("Stage deleted."))


@require_POST
@staff_view("sales.configure")
def stage_shift(request: HttpRequest, pk: int, direction: str) -> HttpResponse:
    """Move a stage one place up or down (buttons that work without JavaScript)."""
    actor = _actor(request)
    stage = selectors.stage_config_get(actor=actor, pk=pk)
    if direction not in ("up", "down"):
        raise NotFoundError(_("Stage not found."))
    services.stage_shift(actor=actor, stage=stage, direction=direction)
    return _back_to_settings(request, None, _("Stages reordered."))


@require_POST
@staff_view("sales.configure")
def lost_reason_save(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    actor = _actor(request)
    form = LostReasonForm(request.POST, prefix=None if pk else "new-reason")
    failure = None
    if not form.is_valid():
        failure = _form_failure(form)
    else:
        values = form.cleaned_data
        try:
            if pk:
                reason = selectors.lost_reason_config_get(actor=actor, pk=pk)
                services.lost_reason_update(actor=actor, reason=reason, **values)
            else:
                services.lost_reason_create(actor=actor, name=values["name"], position=values["position"])
        except ApplicationError as error:
            failure = error
    return _back_to_settings(request, failure, _("Lost reason saved."))


@require_POST
@staff_view("sales.configure")
def lost_reason_delete(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    reason = selectors.lost_reason_config_get(actor=actor, pk=pk)
    failure = None
    try:
        services.lost_reason_delete(actor=actor, reason=reason)
    except ApplicationError as error:
        failure = error
    return _back_to_settings(request, failure, _("Lost reason deleted."))


urlpatterns: list[URLPattern] = [
    path("pipeline/", pipeline_board, name="pipeline_board"),
    path("pipeline/columns/<int:stage_id>/", pipeline_column, name="pipeline_column"),
    path("opportunities/", opportunity_list, name="opportunity_list"),
    path("opportunities/new/", opportunity_new, name="opportunity_new"),
    path("opportunities/<int:pk>/", opportunity_detail, name="opportunity_detail"),
    path("opportunities/<int:pk>/edit/", opportunity_edit, name="opportunity_edit"),
    path("opportunities/<int:pk>/move/", opportunity_move, name="opportunity_move"),
    path("opportunities/<int:pk>/win/", opportunity_win, name="opportunity_win"),
    path("opportunities/<int:pk>/lose/", opportunity_lose, name="opportunity_lose"),
    path("opportunities/<int:pk>/reopen/", opportunity_reopen, name="opportunity_reopen"),
    path("settings/pipelines/", pipeline_settings, name="pipeline_settings"),
    path("settings/pipelines/new/", pipeline_save, name="pipeline_create"),
    path("settings/pipelines/setup/", pipeline_setup, name="pipeline_setup"),
    path("settings/pipelines/<int:pk>/", pipeline_save, name="pipeline_update"),
    path("settings/pipelines/<int:pipeline_pk>/stages/new/", stage_save, name="stage_create"),
    path("settings/pipelines/<int:pipeline_pk>/stages/<int:pk>/", stage_save, name="stage_update"),
    path("settings/stages/<int:pk>/delete/", stage_delete, name="stage_delete"),
    path("settings/stages/<int:pk>/<str:direction>/", stage_shift, name="stage_shift"),
    path("settings/lost-reasons/new/", lost_reason_save, name="lost_reason_create"),
    path("settings/lost-reasons/<int:pk>/", lost_reason_save, name="lost_reason_update"),
    path("settings/lost-reasons/<int:pk>/delete/", lost_reason_delete, name="lost_reason_delete"),
]

NAVIGATION: list[Section] = [
    Section("pipeline", gettext_lazy("Pipeline"), "sales:pipeline_board", "kanban", 45, "opportunities.view"),
    Section(
        "pipeline_settings",
        gettext_lazy("Pipelines and stages"),
        "sales:pipeline_settings",
        "kanban-fill",
        845,
        "sales.configure",
        Group.ADMIN,
    ),
]
