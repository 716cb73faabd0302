from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from setia.accounts import selectors, services
from setia.accounts.decorators import staff_view
from setia.accounts.forms import ApiKeyForm, BranchForm, BusinessSettingsForm, ProfileForm, StaffForm, TeamForm
from setia.accounts.models import ApiKey, User
from setia.accounts.roles import Role
from setia.core.errors import ApplicationError
from setia.core.forms import add_application_error
from setia.core.pagination import keyset_page, parse_id


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# --- Staff ----------------------------------------------------------------------------------


@staff_view("staff.view")
def staff_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    query = request.GET.get("q", "").strip()
    role = request.GET.get("role", "")
    branch_id = request.GET.get("branch", "")
    staff = selectors.staff_list(
        actor=actor,
        query=query,
        role=role if role in Role.values else "",
        branch_id=parse_id(branch_id),
        include_inactive=request.GET.get("inactive") == "1",
    )
    page = keyset_page(staff, order=("username", "id"), cursor=request.GET.get("after", ""), size=50)
    context = {
        "nav_key": "staff",
        "page": page,
        "query": query,
        "role": role,
        "branch_id": branch_id,
        "show_inactive": request.GET.get("inactive") == "1",
        "roles": Role.choices,
        "branches": selectors.branch_list(actor=actor),
    }
    template = "accounts/staff_list.html#results" if request.htmx else "accounts/staff_list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@staff_view("staff.view")
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from allauth.mfa.utils import is_mfa_enabled

    member = selectors.staff_get(actor=_actor(request), pk=pk)
    context = {"nav_key": "staff", "member": member, "uses_two_factor": is_mfa_enabled(member)}
    return render(request, "accounts/staff_detail.html", context)


def _staff_fields(form: StaffForm) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    data.pop("password", None)
    return data


@staff_view("staff.manage")
def staff_create(request: HttpRequest) -> HttpResponse:
    form = StaffForm(request.POST or None, creating=True)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.staff_create(
                actor=_actor(request), password=form.cleaned_data["password"], **_staff_fields(form)
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("%(name)s can now sign in.") % {"name": member})
            return redirect("accounts:staff_detail", pk=member.pk)
    return render(request, "accounts/staff_form.html", {"nav_key": "staff", "form": form, "creating": True})


@staff_view("staff.manage")
def staff_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    member = selectors.staff_get(actor=actor, pk=pk)
    form = StaffForm(request.POST or None, instance=member)
    if request.method == "POST" and form.is_valid():
        fields = _staff_fields(form)
        password = form.cleaned_data.get("password") or None
        try:
            services.staff_update(
                actor=actor,
                staff=member,
                managed_branches=fields.pop("managed_branches"),
                teams=fields.pop("teams"),
                password=password,
                **fields,
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            if password and member.pk == actor.pk:
                update_session_auth_hash(request, User.objects.get(pk=actor.pk))  # stay signed in
            messages.success(request, _("Changes to %(name)s saved.") % {"name": member})
            return redirect("accounts:staff_detail", pk=member.pk)
    return render(request, "accounts/staff_form.html", {"nav_key": "staff", "form": form, "member": member})


@require_POST
@staff_view("staff.manage")
def staff_reset_two_factor(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.staff_get(actor=_actor(request), pk=pk)
    services.staff_reset_two_factor(actor=_actor(request), staff=member)
    messages.success(request, _("Two-factor sign-in of %(name)s was reset.") % {"name": member})
    return redirect("accounts:staff_detail", pk=member.pk)


# --- Branches and teams ---------------------------------------------------------------------


@staff_view("branches.view")
def branch_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    branches = selectors.branch_list(actor=actor, include_inactive=True)
    return render(request, "accounts/branch_list.html", {"nav_key": "branches", "branches": branches})


@staff_view("branches.view")
def branch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    branch = selectors.branch_get(actor=actor, pk=pk)
    staff = selectors.staff_list(actor=actor, branch_id=branch.pk)
    context = {"nav_key": "branches", "branch": branch, "staff": staff, "teams": branch.teams.all()}
    return render(request, "accounts/branch_detail.html", context)


@staff_view("branches.manage")
def branch_create(request: HttpRequest) -> HttpResponse:
    form = BranchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            branch = services.branch_create(actor=_actor(request), **form.cleaned_data)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Branch %(name)s added.") % {"name": branch})
            return redirect("accounts:branch_detail", pk=branch.pk)
    return render(request, "accounts/branch_form.html", {"nav_key": "branches", "form": form})


@staff_view("branches.manage")
def branch_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    branch = selectors.branch_get(actor=actor, pk=pk)
    form = BranchForm(request.POST or None, instance=selectors.branch_get(actor=actor, pk=pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.branch_update(actor=actor, branch=branch, **form.cleaned_data)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Branch %(name)s saved.") % {"name": form.cleaned_data["name"]})
            return redirect("accounts:branch_detail", pk=branch.pk)
    return render(request, "accounts/branch_form.html", {"nav_key": "branches", "form": form, "branch": branch})


@staff_view("teams.manage")
def team_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    teams = selectors.team_list(actor=actor).prefetch_related(
        Prefetch("members", queryset=selectors.staff_list(actor=actor))  # only staff this actor may see
    )
    return render(request, "accounts/team_list.html", {"nav_key": "teams", "teams": teams})


@staff_view("teams.manage")
def team_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    actor = _actor(request)
    team = selectors.team_get(actor=actor, pk=pk) if pk else None
    form = TeamForm(request.POST or None, instance=team, branches=selectors.branch_list(actor=actor))
    if request.method == "POST" and form.is_valid():
        try:
            if team is None:
                team = services.team_create(actor=actor, **form.cleaned_data)
            else:
                services.team_update(actor=actor, team=team, **form.cleaned_data)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Team %(name)s saved.") % {"name": form.cleaned_data["name"]})
            return redirect("accounts:team_list")
    return render(request, "accounts/team_form.html", {"nav_key": "teams", "form": form, "team": team})


# --- Business settings ----------------------------------------------------------------------


@staff_view("settings.manage")
def business_settings(request: HttpRequest) -> HttpResponse:
    form = BusinessSettingsForm(request.POST or None, request.FILES or None, instance=selectors.business_settings())
    if request.method == "POST" and form.is_valid():
        try:
            services.business_settings_update(actor=_actor(request), **form.cleaned_data)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("accounts:settings")
    return render(request, "accounts/settings.html", {"nav_key": "settings", "form": form})


# --- My account -----------------------------------------------------------------------------


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    form = ProfileForm(request.POST or None, instance=User.objects.get(pk=actor.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.my_profile_update(actor=actor, **form.cleaned_data)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Your profile is saved."))
            response = redirect("accounts:profile")
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                form.cleaned_data["language"],
                max_age=settings.LANGUAGE_COOKIE_AGE,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                samesite="Lax",
            )
            return response
    return render(request, "accounts/profile.html", {"nav_key": "profile", "form": form})


@staff_view("api_keys.use")
def api_keys(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    form = ApiKeyForm(request.POST or None)
    # The new key is shown once, on the page after the redirect (a reload must not create another).
    new_key = request.session.pop("new_api_key", None)
    if request.method == "POST" and form.is_valid():
        try:
            _record, key = services.api_key_create(actor=actor, name=form.cleaned_data["name"])
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            request.session["new_api_key"] = key
            messages.success(request, _("Key created. Copy it now: it will not be shown again."))
            return redirect("accounts:api_keys")
    context = {"nav_key": "profile", "form": form, "keys": selectors.api_key_list(actor=actor), "new_key": new_key}
    return render(request, "accounts/api_keys.html", context)


@require_POST
@staff_view("api_keys.use")
def api_key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    api_key = get_object_or_404(ApiKey, pk=pk, user=actor)
    services.api_key_revoke(actor=actor, api_key=api_key)
    messages.success(request, _("Key %(name)s revoked.") % {"name": api_key.name})
    return redirect("accounts:api_keys")
