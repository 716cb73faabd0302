"""The one API: `/api/v1/`. Authentication, error shape and rate limits are set here once."""

import logging
import math
import threading
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.security import HttpBearer
from ninja.throttling import BaseThrottle

from setia.accounts.selectors import api_key_user
from setia.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from setia.core.ratelimit import hit, parse_rate

logger = logging.getLogger(__name__)

LANGUAGES = frozenset(code for code, _name in settings.LANGUAGES)
FAILED_KEY_LIMIT = 30  # wrong keys per address per minute before the address is made to wait


class ApiKeyAuth(HttpBearer):
    """`Authorization: Bearer KEY`. Keys are looked up by SHA-256 digest: one indexed query."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_key_user(token)
        if user is None:
            decision = hit(f"api-failed-key:{request.META.get('REMOTE_ADDR', '')}", FAILED_KEY_LIMIT, 60)
            if not decision.allowed:
                raise Throttled(wait=decision.retry_after)
            return None
        request.user = user
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES and user.language in LANGUAGES:
            # Without the language switch's cookie, answers speak the key owner's language (the
            # messages, reasons and labels the API returns are the ones her screens show).
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return user


class StaffThrottle(BaseThrottle):
    """API requests per staff member (all their keys together), counted in the database so the
    limit holds across every server process (`setia.core.ratelimit`)."""

    def __init__(self, rate: str) -> None:
        self.num_requests, self.duration = parse_rate(rate)
        self._retry_after = threading.local()

    def allow_request(self, request: HttpRequest) -> bool:
        user = getattr(request, "auth", None)
        if user is None:
            return True
        decision = hit(f"api-user:{user.pk}", self.num_requests, self.duration)
        self._retry_after.value = decision.retry_after
        return decision.allowed

    def wait(self) -> float | None:
        return float(getattr(self._retry_after, "value", self.duration))


STAFF_THROTTLE = StaffThrottle(settings.API_RATE_LIMIT)


api = NinjaAPI(
    title="Setia CRM API",
    version="1",
    urls_namespace="api",
    auth=ApiKeyAuth(),
    throttle=[STAFF_THROTTLE],
    description="Customer data, loyalty and sales of one business. Send `Authorization: Bearer <API key>`.",
)


def _error(request: HttpRequest, message: str, status: int, extra: dict[str, Any] | None = None) -> HttpResponse:
    return api.create_response(request, {"message": message, "extra": extra or {}}, status=status)


@api.exception_handler(ApplicationError)
def on_application_error(request: HttpRequest, error: ApplicationError) -> HttpResponse:
    status = 403 if isinstance(error, PermissionDeniedError) else 404 if isinstance(error, NotFoundError) else 400
    return _error(request, error.message, status, error.extra)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    header = request.headers.get("Authorization", "")
    message = _("The API key is invalid or revoked.") if header else _("Send an API key: Authorization: Bearer <key>.")
    response = _error(request, message, 401)
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(Throttled)
def on_throttled(request: HttpRequest, error: Throttled) -> HttpResponse:
    wait = max(1, math.ceil(error.wait or 1))
    response = _error(request, _("Too many requests. Try again in %(seconds)s seconds.") % {"seconds": wait}, 429)
    response["Retry-After"] = str(wait)
    return response


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, error: ValidationError) -> HttpResponse:
    extra: dict[str, list[str]] = {}
    for item in error.errors:
        location = [str(part) for part in item.get("loc", ()) if part not in ("body", "query", "path", "payload")]
        extra.setdefault(".".join(location) or "__all__", []).append(str(item.get("msg", "")))
    field, messages = next(iter(extra.items()), ("__all__", [_("Invalid input.")]))
    return _error(request, _("%(field)s: %(reason)s") % {"field": field, "reason": messages[0]}, 400, extra)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    return _error(request, str(error), error.status_code)


@api.exception_handler(Exception)
def on_unexpected_error(request: HttpRequest, error: Exception) -> HttpResponse:
    logger.exception("API error on %s %s", request.method, request.path, exc_info=error)
    return _error(request, _("Something went wrong on our side. It has been logged; please try again."), 500)


def not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    """Unknown paths under /api/v1/ answer in the API's error shape, not an HTML page."""
    return JsonResponse(
        {"message": _("No such API endpoint: %(path)s") % {"path": request.path}, "extra": {}}, status=404
    )


api.add_router("/", "setia.accounts.api.router")
api.add_router("/", "setia.core.api.router")
api.add_router("/", "setia.customers.api.router")
api.add_router("/", "setia.catalog.api.router")
api.add_router("/", "setia.segments.api.router")
api.add_router("/", "setia.sales.api.router")
api.add_router("/", "setia.loyalty.api.router")
api.add_router("/", "setia.analytics.api.router")
