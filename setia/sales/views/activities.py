"""Pages for activities: "my day", the activity form, quick actions (done, reopen, delete) and
the activities block shown on a customer's, lead's or opportunity's page."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from setia.accounts.decorators import staff_view
from setia.accounts.models import User
from setia.accounts.selectors import branch_scope
from setia.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from setia.core.forms import add_application_error
from setia.core.navigation import Section
from setia.customers.selectors import customer_get, search_customers
from setia.sales.forms.activities import ActivityForm, CompleteForm, LinkForm, initial_for
from setia.sales.models import Activity
from setia.sales.selectors import activities as selectors
from setia.sales.services import activities as services

RECORDS = ("customer", "lead", "opportunity")


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _staff_choices(actor: User) -> list[tuple[int, str]]:
    """Colleagues an activity may be given to: active staff of the actor's branches."""
    staff = User.objects.filter(is_active=True).exclude(pk=actor.pk).order_by("first_name", "username")
    scope = branch_scope(actor)
    if not scope.all_branches:
        staff = staff.filter(branch__in=scope.branch_ids)
    return [(user.pk, str(user)) for user in staff[:300] if user.has_capability("activities.use")]


# --- My day -----------------------------------------------------------------------------------


@staff_view("activities.use")
def my_day(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    plan = selectors.my_day(actor=actor)
    context = {
        "nav_key": "my_day",
        "plan": plan,
        "now": timezone.now(),
        "lead_urls": {lead.pk: selectors.record_url("sales:lead_detail", lead.pk) for lead in plan.leads},
        "opportunity_urls": {o.pk: selectors.record_url("sales:opportunity_detail", o.pk) for o in plan.opportunities},
        "renewal_urls": {
            sub.pk: selectors.record_url("sales:subscription_detail", sub.pk)
            or selectors.record_url("customers:detail", sub.customer_id)
            for sub in plan.renewals
        },
        "record_urls": {
            a.pk: selectors.activity_record_url(a) for a in [*plan.overdue, *plan.due_today, *plan.upcoming]
        },
    }
    return render(request, "sales/activities/my_day.html", context)


# --- The activity form --------------------------------------------------------------------------


def _link_summary(actor: User, links: dict[str, int]) -> list[str]:
    """What the new activity will be linked to, as names to show above the form."""
    names = []
    if links.get("opportunity"):
        found = selectors.linkable_opportunities(actor).filter(pk=links["opportunity"]).first()
        if found is None:
            raise NotFoundError(_("Opportunity not found."))
        names.append(_("Opportunity: %(name)s") % {"name": found.title})
    if links.get("lead"):
        lead = selectors.linkable_leads(actor).filter(pk=links["lead"]).first()
        if lead is None:
            raise NotFoundError(_("Lead not found."))
        names.append(_("Lead: %(name)s") % {"name": lead.name})
    if links.get("customer"):
        customer = customer_get(actor=actor, pk=links["customer"])
        names.append(_("Customer: %(name)s") % {"name": customer.name})
    return names


@staff_view("activities.use")
def activity_new(request: HttpRequest) -> HttpResponseBase:
    """A new activity. With ?customer=, ?lead= or ?opportunity= it is linked to that record;
    without, the page offers the actor's open leads and opportunities and a customer search."""
    actor = _actor(request)
    data = request.POST if request.method == "POST" else None
    link_form = LinkForm(request.POST if data is not None else request.GET)
    links: dict[str, int | None] = link_form.cleaned_data if link_form.is_valid() else {}
    fixed = {name: request.GET.get(name, "") for name in RECORDS if request.GET.get(name)}
    form = ActivityForm(data, staff=_staff_choices(actor))
    if data is not None and form.is_valid() and link_form.is_valid():
        try:
            activity = services.activity_create(
                actor=actor,
                kind=form.cleaned_data["kind"],
                subject=form.cleaned_data["subject"],
                details=form.cleaned_data["details"],
                due_at=form.cleaned_data["due_at"],
                remind_at=form.cleaned_data["remind_at"],
                assigned_to_id=form.cleaned_data["assigned_to"],
                customer_id=links.get("customer"),
                lead_id=links.get("lead"),
                opportunity_id=links.get("opportunity"),
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Activity “%(subject)s” saved.") % {"subject": activity.subject})
            return _back(request, selectors.activity_record_url(activity))
    context = {
        "nav_key": "my_day",
        "form": form,
        "fixed": fixed,
        "linked_to": _link_summary(actor, {k: int(v) for k, v in fixed.items() if v.isdigit()}) if fixed else [],
        "my_leads": []
        if fixed
        else list(
            selectors.linkable_leads(actor)
            .filter(owner=actor)
            .exclude(status__in=["converted", "unqualified"])
            .order_by("name")[:200]
        ),
        "my_opportunities": []
        if fixed
        else list(selectors.linkable_opportunities(actor).filter(owner=actor, status="open").order_by("title")[:200]),
        "chosen": links,
        "next": request.GET.get("next", "") or request.POST.get("next", ""),
    }
    return render(request, "sales/activities/form.html", context)


def _back(request: HttpRequest, fallback: str) -> HttpResponseBase:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect(fallback or "sales:my_day")


@staff_view("activities.use")
def activity_customers(request: HttpRequest) -> HttpResponse:
    """Customer search on the "new activity" page: radio buttons named `customer`."""
    query = request.GET.get("find", "").strip()
    found = search_customers(actor=_actor(request), query=query, limit=8) if len(query) >= 2 else []
    return render(request, "sales/activities/_customer_choices.html", {"found": found, "query": query})


@staff_view("activities.use")
def activity_edit(request: HttpRequest, pk: int) -> HttpResponseBase:
    actor = _actor(request)
    activity = selectors.activity_get(actor=actor, pk=pk)
    if not selectors.may_change(actor, activity):
        raise PermissionDeniedError(_("Only the person it is assigned to, its author or a manager may change it."))
    form = ActivityForm(
        request.POST if request.method == "POST" else None, initial=initial_for(activity), staff=_staff_choices(actor)
    )
    if activity.assigned_to_id and activity.assigned_to_id != actor.pk:
        choices = dict(form.fields["assigned_to"].choices)  # type: ignore[attr-defined]
        if activity.assigned_to_id not in choices:
            form.fields["assigned_to"].choices = [  # type: ignore[attr-defined]
                *form.fields["assigned_to"].choices,  # type: ignore[attr-defined]
                (activity.assigned_to_id, str(activity.assigned_to)),
            ]
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_update(
                actor=actor,
                activity=activity,
                kind=form.cleaned_data["kind"],
                subject=form.cleaned_data["subject"],
                details=form.cleaned_data["details"],
                due_at=form.cleaned_data["due_at"],
                remind_at=form.cleaned_data["remind_at"],
                assigned_to_id=form.cleaned_data["assigned_to"] or actor.pk,
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Activity “%(subject)s” saved.") % {"subject": form.cleaned_data["subject"]})
            return _back(request, selectors.activity_record_url(activity))
    context = {
        "nav_key": "my_day",
        "form": form,
        "activity": activity,
        "linked_to": [selectors.activity_record_label(activity)],
        "next": request.GET.get("next", "") or request.POST.get("next", ""),
    }
    return render(request, "sales/activities/form.html", context)


# --- Quick actions --------------------------------------------------------------------------------


def _after_action(
    request: HttpRequest, activity: Activity | None, error: ApplicationError | None = None
) -> HttpResponseBase:
    """Where a quick action answers: the record's activities block (when posted from one), the
    row itself on "my day" (empty once done or deleted), or a redirect without HTMX."""
    record = _record_param(request)
    if record is not None:
        return _record_block(request, record[0], record[1], error=error)
    if _htmx(request):
        if error is not None and activity is not None:
            return render(
                request,
                "sales/activities/_row.html",
                {"activity": activity, "error": error.message, "now": timezone.now()},
            )
        return HttpResponse("")
    if error is not None:
        messages.error(request, error.message)
    return _back(request, "")


def _record_param(request: HttpRequest) -> tuple[str, int] | None:
    """The record block a quick action was posted from (`record=lead:12`), checked to be one the
    actor may see, before anything is changed."""
    kind, _sep, pk = request.POST.get("record", "").partition(":")
    if kind not in RECORDS or not pk.isdigit():
        return None
    _check_record(_actor(request), kind, int(pk))
    return kind, int(pk)


@require_POST
@staff_view("activities.use")
def activity_complete(request: HttpRequest, pk: int) -> HttpResponseBase:
    actor = _actor(request)
    activity = selectors.activity_get(actor=actor, pk=pk)
    _record_param(request)
    form = CompleteForm(request.POST)
    outcome = form.cleaned_data["outcome"] if form.is_valid() else request.POST.get("outcome", "")[:300]
    try:
        services.activity_complete(actor=actor, activity=activity, outcome=outcome)
    except ApplicationError as error:
        return _after_action(request, activity, error)
    return _after_action(request, activity)


@require_POST
@staff_view("activities.use")
def activity_reopen(request: HttpRequest, pk: int) -> HttpResponseBase:
    actor = _actor(request)
    activity = selectors.activity_get(actor=actor, pk=pk)
    _record_param(request)
    try:
        services.activity_reopen(actor=actor, activity=activity)
    except ApplicationError as error:
        return _after_action(request, activity, error)
    return _after_action(request, activity)


@require_POST
@staff_view("activities.use")
def activity_delete(request: HttpRequest, pk: int) -> HttpResponseBase:
    actor = _actor(request)
    activity = selectors.activity_get(actor=actor, pk=pk)
    _record_param(request)
    try:
        services.activity_delete(actor=actor, activity=activity)
    except ApplicationError as error:
        return _after_action(request, activity, error)
    return _after_action(request, None)


# --- The activities block of a customer, lead or opportunity ----------------------------------------


def record_context(request: HttpRequest, record: str, pk: int, form: ActivityForm | None = None) -> dict[str, Any]:
    """What `sales/activities/_for_record.html` needs (also used by the customer's 360° panel)."""
    actor = _actor(request)
    filters = {f"{record}_id": pk}
    open_ones, done = selectors.activities_for_record(actor=actor, **filters)
    return {
        "record": record,
        "record_pk": pk,
        "open_activities": open_ones,
        "done_activities": done,
        "activity_form": form or ActivityForm(staff=_staff_choices(actor), auto_id=f"id_{record}{pk}_%s"),
        "now": timezone.now(),
    }


def _check_record(actor: User, record: str, pk: int) -> None:
    if record == "customer":
        customer_get(actor=actor, pk=pk)
    elif record == "lead":
        if not selectors.linkable_leads(actor).filter(pk=pk).exists():
            raise NotFoundError(_("Lead not found."))
    elif record == "opportunity":
        if not selectors.linkable_opportunities(actor).filter(pk=pk).exists():
            raise NotFoundError(_("Opportunity not found."))
    else:
        raise NotFoundError(_("Page not found."))


def _record_block(
    request: HttpRequest, record: str, pk: int, form: ActivityForm | None = None, error: ApplicationError | None = None
) -> HttpResponse:
    context = record_context(request, record, pk, form)
    context["error"] = error.message if error is not None else ""
    return render(request, "sales/activities/_for_record.html", context)


@staff_view("activities.use")
def activities_for_record(request: HttpRequest, record: str, pk: int) -> HttpResponseBase:
    """GET: the block (open and recent activities, and the add form). POST: add an activity to
    the record and answer with the block again."""
    actor = _actor(request)
    _check_record(actor, record, pk)
    if request.method != "POST":
        return _record_block(request, record, pk)
    form = ActivityForm(request.POST, staff=_staff_choices(actor), auto_id=f"id_{record}{pk}_%s")
    if form.is_valid():
        try:
            services.activity_create(
                actor=actor,
                kind=form.cleaned_data["kind"],
                subject=form.cleaned_data["subject"],
                details=form.cleaned_data["details"],
                due_at=form.cleaned_data["due_at"],
                remind_at=form.cleaned_data["remind_at"],
                assigned_to_id=form.cleaned_data["assigned_to"],
                customer_id=pk if record == "customer" else None,
                lead_id=pk if record == "lead" else None,
                opportunity_id=pk if record == "opportunity" else None,
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            if not _htmx(request):
                messages.success(request, _("Activity saved."))
                return _back(request, "")
            return _record_block(request, record, pk)
    return _record_block(request, record, pk, form=form)


urlpatterns: list[URLPattern] = [
    path("my-day/", my_day, name="my_day"),
    path("activities/new/", activity_new, name="activity_new"),
    path("activities/customers/", activity_customers, name="activity_customers"),
    path("activities/<int:pk>/edit/", activity_edit, name="activity_edit"),
    path("activities/<int:pk>/complete/", activity_complete, name="activity_complete"),
    path("activities/<int:pk>/reopen/", activity_reopen, name="activity_reopen"),
    path("activities/<int:pk>/delete/", activity_delete, name="activity_delete"),
    path("activities/for/<str:record>/<int:pk>/", activities_for_record, name="activities_for_record"),
]
NAVIGATION: list[Section] = [Section("my_day", gettext_lazy("My day"), "sales:my_day", "sun", 5, "activities.use")]
