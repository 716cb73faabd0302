"""Segment pages: the list, the builder (with its live count), a segment's members and history,
export, re-evaluation, static lists (upload, snapshot). Thin: parse, call a service or selector,
render."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from setia.accounts.decorators import staff_view
from setia.accounts.models import User
from setia.core.errors import ApplicationError
from setia.core.pagination import keyset_page
from setia.segments import builder, selectors, services
from setia.segments.models import Segment

PAGE_SIZE = 50


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@staff_view("segments.view")
def segment_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    query = request.GET.get("q", "").strip()[:100]
    kind = request.GET.get("kind", "")
    archived = request.GET.get("archived") == "1"
    segments = selectors.segment_list(actor=actor, query=query, kind=kind, archived=archived)
    page = keyset_page(segments, order=("name", "id"), cursor=request.GET.get("after", ""), size=PAGE_SIZE)
    query_string = request.GET.copy()
    query_string.pop("after", None)
    context = {
        "nav_key": "segments",
        "page": page,
        "query": query,
        "kind": kind,
        "archived": archived,
        "kinds": Segment.Kind.choices,
        "query_string": query_string.urlencode(),
        "filtered": bool(query or kind or archived),
    }
    template = "segments/list.html#results" if request.htmx else "segments/list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


def _builder_context(
    tree: dict[str, Any], errors: dict[str, list[str]] | None = None, count: int | None = None
) -> dict[str, Any]:
    return {"tree": builder.render_tree(tree, errors), "field_options": builder.field_options(), "count": count}


def _live_count(actor: User, tree: dict[str, Any]) -> dict[str, Any]:
    """The count for the tree as typed, or why there is none yet."""
    if not builder.is_complete(tree):
        return {"count": None, "count_note": _("Choose a field for every condition to see the count.")}
    try:
        return {"count": services.segment_count(tree, actor=actor), "count_note": ""}
    except ApplicationError as error:
        return {"count": None, "count_note": error.message}


def _blank_tree() -> dict[str, Any]:
    return {"match": "all", "conditions": [{"field": "", "op": "", "value": None}]}


def _builder_page(request: HttpRequest, segment: Segment | None) -> HttpResponse:
    actor = _actor(request)
    errors: dict[str, list[str]] = {}
    form_error = ""
    name = segment.name if segment else ""
    description = segment.description if segment else ""
    if request.method == "POST":
        tree = builder.tree_from_post(request.POST)
        name = request.POST.get("name", "")
        description = request.POST.get("description", "")
        try:
            if segment is None:
                saved = services.segment_create(actor=actor, name=name, description=description, definition=tree)
                count = selectors.segment_get(actor=actor, pk=saved.pk).visible_member_count
                messages.success(
                    request, _("Segment %(name)s saved: %(count)s members.") % {"name": saved.name, "count": count}
                )
            else:
                saved = services.segment_update(
                    actor=actor, segment=segment, name=name, description=description, definition=tree
                )
                messages.success(request, _("Changes to %(name)s saved.") % {"name": saved.name})
        except ApplicationError as error:
            errors = {key: [str(m) for m in value] for key, value in error.extra.items()}
            form_error = error.message
        else:
            return redirect("segments:detail", pk=saved.pk)
    else:
        tree = segment.definition if segment and segment.definition.get("conditions") else _blank_tree()
    context = {
        "nav_key": "segments",
        "segment": segment,
        "name": name,
        "description": description,
        "errors": errors,
        "form_error": form_error,
        **_builder_context(tree, errors),
        **_live_count(actor, tree),
    }
    return render(request, "segments/builder.html", context)


@staff_view("segments.edit")
def segment_create(request: HttpRequest) -> HttpResponse:
    return _builder_page(request, None)


@staff_view("segments.edit")
def segment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    segment = selectors.segment_get(actor=_actor(request), pk=pk)
    if segment.kind != Segment.Kind.DYNAMIC or segment.archived_at:
        messages.error(request, _("Only the conditions of an active dynamic segment can be edited."))
        return redirect("segments:detail", pk=segment.pk)
    return _builder_page(request, segment)


@require_POST
@staff_view("segments.edit")
def builder_update(request: HttpRequest) -> HttpResponse:
    """HTMX: the tree after a button (add/remove) or a field change, with its count."""
    actor = _actor(request)
    tree = builder.apply_action(builder.tree_from_post(request.POST), request.POST.get("action", ""))
    context = {**_builder_context(tree), **_live_count(actor, tree)}
    return render(request, "segments/builder.html#tree", context)


@require_POST
@staff_view("segments.view")
def builder_count(request: HttpRequest) -> HttpResponse:
    """HTMX: the live count for the conditions as typed."""
    context = _live_count(_actor(request), builder.tree_from_post(request.POST))
    return render(request, "segments/builder.html#count", context)


@staff_view("segments.view")
def segment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    segment = selectors.segment_get(actor=actor, pk=pk)
    members = selectors.segment_members(actor=actor, segment=segment)
    page = keyset_page(members, order=("-joined_at", "-id"), cursor=request.GET.get("after", ""), size=PAGE_SIZE)
    context = {
        "nav_key": "segments",
        "segment": segment,
        "page": page,
        "tree": builder.render_tree(segment.definition) if segment.definition.get("conditions") else None,
        "history": selectors.segment_history(actor=actor, segment=segment),
    }
    template = "segments/detail.html#members" if request.htmx else "segments/detail.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@require_POST
@staff_view("segments.edit")
def segment_evaluate(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    segment = selectors.segment_get(actor=actor, pk=pk)
    try:
        result = services.segment_evaluate(actor=actor, segment=segment)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        seen = selectors.evaluation_figures(
            actor=actor, pk=segment.pk, joined=result.joined, left=result.left, members=result.members
        )
        messages.success(
            request,
            _("Re-evaluated: %(joined)s joined, %(left)s left, %(members)s members.")
            % {"joined": seen.joined, "left": seen.left, "members": seen.members},
        )
    return redirect("segments:detail", pk=segment.pk)


@require_POST
@staff_view("segments.edit")
def segment_archive(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    segment = services.segment_archive(actor=actor, segment=selectors.segment_get(actor=actor, pk=pk))
    messages.success(request, _("%(name)s archived.") % {"name": segment.name})
    return redirect("segments:list")


@require_POST
@staff_view("segments.edit")
def segment_snapshot(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    source = selectors.segment_get(actor=actor, pk=pk)
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    name = request.POST.get("name", "").strip() or f"{source.name} ({stamp})"
    try:
        segment = services.segment_snapshot(actor=actor, source=source, name=name[:100])
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("segments:detail", pk=source.pk)
    count = selectors.segment_get(actor=actor, pk=segment.pk).visible_member_count
    messages.success(request, _("List %(name)s saved with %(count)s members.") % {"name": segment.name, "count": count})
    return redirect("segments:detail", pk=segment.pk)


@staff_view("segments.edit")
def static_create(request: HttpRequest) -> HttpResponse:
    """A static list from an uploaded file of phones, emails, external ids or card numbers."""
    actor = _actor(request)
    errors: dict[str, list[str]] = {}
    form_error = ""
    name = request.POST.get("name", "") if request.method == "POST" else ""
    description = request.POST.get("description", "") if request.method == "POST" else ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise ApplicationError(_("File: choose a file."), {"file": [_("Choose a file.")]})
            segment, result = services.segment_create_static(
                actor=actor, name=name, description=description, file_name=upload.name or "", content=upload.read()
            )
        except ApplicationError as error:
            errors = {key: [str(m) for m in value] for key, value in error.extra.items()}
            form_error = error.message
        else:
            return _upload_done(request, segment, result)
    context = {
        "nav_key": "segments",
        "errors": errors,
        "form_error": form_error,
        "name": name,
        "description": description,
    }
    return render(request, "segments/static_form.html", context)


def _upload_done(request: HttpRequest, segment: Segment, result: services.UploadResult) -> HttpResponse:
    messages.success(
        request,
        _("%(rows)s rows read, %(matched)s matched a customer, %(added)s added to the list.")
        % {"rows": result.rows, "matched": result.matched, "added": result.added},
    )
    if result.unmatched:
        shown = "; ".join(f"{number}: {value}" for number, value in result.unmatched[:10])
        messages.warning(
            request,
            _("%(count)s rows matched no customer (row: value): %(rows)s")
            % {"count": result.rows - result.matched, "rows": shown},
        )
    return redirect("segments:detail", pk=segment.pk)


@require_POST
@staff_view("segments.edit")
def static_upload(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    segment = selectors.segment_get(actor=actor, pk=pk)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ApplicationError(_("File: choose a file."), {"file": [_("Choose a file.")]})
        result = services.segment_upload(
            actor=actor, segment=segment, file_name=upload.name or "", content=upload.read()
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("segments:detail", pk=segment.pk)
    return _upload_done(request, segment, result)


@staff_view("customers.export")
def segment_export(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The current members as CSV, in the customer export's layout (which imports read back)."""
    from setia.customers.custom_fields import active_definitions
    from setia.customers.exports import export_header, export_rows
    from setia.customers.tabular import write_csv

    actor = _actor(request)
    segment = selectors.segment_get(actor=actor, pk=pk)
    customers = selectors.member_customers(actor=actor, segment=segment)
    definitions = active_definitions()
    services.segment_exported(actor=actor, segment=segment, count=customers.count())
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(
        write_csv(export_header(definitions), export_rows(customers, definitions)), content_type="text/csv"
    )
    response["Content-Disposition"] = f'attachment; filename="segment-{segment.pk}-{stamp}.csv"'
    return response
