from typing import Any

from django.contrib.auth.decorators import login_not_required, login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from setia.core import selectors
from setia.core.audit import changes_shown
from setia.core.dashboard import panels_for
from setia.core.errors import NotFoundError
from setia.core.models import AuditEvent
from setia.core.notifications import notification_list, notification_mark_read, notifications_mark_all_read
from setia.core.pagination import keyset_page, parse_id
from setia.core.search import search_all


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"nav_key": "home", "panels": panels_for(request)})


@login_required
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    context = {"query": query, "groups": search_all(request.user, query)}
    template = "core/search.html#results" if request.htmx else "core/search.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    filters: dict[str, Any] = {
        "object_type": request.GET.get("type", ""),
        "action": request.GET.get("action", ""),
        "query": request.GET.get("q", "").strip(),
    }
    actor_id = request.GET.get("actor", "")
    events = selectors.audit_event_list(actor=request.user, actor_id=parse_id(actor_id), **filters)
    page = keyset_page(events, order=("-created_at", "-id"), cursor=request.GET.get("after", ""), size=50)
    changes_shown(page.rows)
    context = {
        "nav_key": "audit",
        "page": page,
        "filters": filters,
        "actor_id": actor_id,
        "object_types": selectors.audit_object_types(),
        "actions": AuditEvent.Action.choices,
    }
    template = "core/audit_list.html#results" if request.htmx else "core/audit_list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@login_required
def audit_record(request: HttpRequest, object_type: str, object_id: str) -> HttpResponse:
    events = selectors.audit_event_list(actor=request.user, object_type=object_type, object_id=object_id)
    page = keyset_page(events, order=("-created_at", "-id"), cursor=request.GET.get("after", ""), size=100)
    changes_shown(page.rows)
    context = {"nav_key": "audit", "page": page, "object_type": object_type, "object_id": object_id}
    return render(request, "core/audit_record.html", context)


@login_required
def jobs(request: HttpRequest) -> HttpResponse:
    from django.utils import timezone

    overview = selectors.job_overview(
        actor=request.user,
        now=timezone.now(),
        job=request.GET.get("job", "")[:200],
        failed=request.GET.get("failed") == "1",
    )
    return render(request, "core/jobs.html", {"nav_key": "jobs", **overview})


@login_not_required
def healthz(request: HttpRequest) -> JsonResponse:
    """For a load balancer: the app answers and the database is reachable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_not_required
def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    from django.templatetags.static import static

    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


# --- Notifications (the bell in the top bar) -------------------------------------------------------


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    items = notification_list(user=request.user)
    unread = sum(1 for item in items if item.read_at is None)
    return render(request, "core/notifications.html", {"items": items, "unread": unread})


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Mark one notification read; with `open`, go on to the page it points at."""
    notification = notification_mark_read(user=request.user, pk=pk)
    if notification is None:
        raise NotFoundError(_("Notification not found."))
    target = notification.url
    if (
        request.POST.get("open")
        and target
        and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure())
    ):
        return redirect(target)
    return redirect("core:notifications")


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponseBase:
    notifications_mark_all_read(user=request.user)
    return redirect("core:notifications")
