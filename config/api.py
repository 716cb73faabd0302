"""The one API: `/api/v1/`. Authentication, error shape and rate limits are set here once."""

import functools
import logging
import math
import threading
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import DataError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.http.response import HttpResponseBase
from django.urls import URLPattern
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.security import HttpBearer
from ninja.throttling import BaseThrottle

from setia.accounts.selectors import api_key_user
from setia.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from setia.core.middleware import api_accepted_language
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
        if (
            settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            and api_accepted_language(request) is None
            and user.language in LANGUAGES
        ):
            # Without the language switch's cookie or an Accept-Language the product speaks, answers
            # speak the key owner's language (the messages, reasons and labels her screens show).
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


# The services name a reference by the record (`lines[2].product`, as the pages' forms call it);
# a request body names it by its id field (`lines[2].product_id`), and so do its errors.
_REFERENCES = frozenset(
    {"branch", "customer", "product", "staff", "driver", "pickup_address", "owner", "stage", "pipeline", "category"}
)


def _request_field(key: str) -> str:
    head, dot, name = key.rpartition(".")
    return f"{head}{dot}{name}_id" if name in _REFERENCES else key


@api.exception_handler(ApplicationError)
def on_application_error(request: HttpRequest, error: ApplicationError) -> HttpResponse:
    status = 403 if isinstance(error, PermissionDeniedError) else 404 if isinstance(error, NotFoundError) else 400
    extra = {_request_field(str(key)): value for key, value in error.extra.items()}
    return _error(request, error.message, status, extra)


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


def _field_path(location: tuple[Any, ...]) -> str:
    """`("body", "payload", "lines", 1, "quantity")` → `lines[2].quantity`: the request's own
    field names, list items counted from 1 as the services' messages count them ("Item 2")."""
    path = ""
    for part in location:
        if part in ("body", "query", "path", "payload", "[key]"):
            continue
        if isinstance(part, int):
            path += f"[{part + 1}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "__all__"


# What a request body got wrong, in the reader's language (pydantic's own messages are English).
_SCHEMA_MESSAGES: dict[str, Callable[[dict[str, Any]], str]] = {
    "missing": lambda ctx: _("This field is required."),
    "extra_forbidden": lambda ctx: _("Unknown field: leave it out or check its spelling."),
    "int_type": lambda ctx: _("Enter a whole number (a JSON number, not text)."),
    "int_parsing": lambda ctx: _("Enter a whole number (a JSON number, not text)."),
    "int_from_float": lambda ctx: _("Enter a whole number (a JSON number, not text)."),
    "string_type": lambda ctx: _("Enter text."),
    "bool_type": lambda ctx: _("Enter true or false."),
    "bool_parsing": lambda ctx: _("Enter true or false."),
    "list_type": lambda ctx: _("Enter a list."),
    "dict_type": lambda ctx: _("Enter an object."),
    "model_type": lambda ctx: _("Enter an object."),
    "model_attributes_type": lambda ctx: _("Enter an object."),
    "datetime_type": lambda ctx: _("Enter a date and time, e.g. 2026-12-24T15:00:00+07:00."),
    "datetime_parsing": lambda ctx: _("Enter a date and time, e.g. 2026-12-24T15:00:00+07:00."),
    "datetime_from_date_parsing": lambda ctx: _("Enter a date and time, e.g. 2026-12-24T15:00:00+07:00."),
    "date_type": lambda ctx: _("Enter a date, e.g. 2026-12-24."),
    "date_parsing": lambda ctx: _("Enter a date, e.g. 2026-12-24."),
    "date_from_datetime_parsing": lambda ctx: _("Enter a date, e.g. 2026-12-24."),
    "greater_than_equal": lambda ctx: _("Enter at least %(limit)s.") % {"limit": ctx.get("ge")},
    "greater_than": lambda ctx: _("Enter more than %(limit)s.") % {"limit": ctx.get("gt")},
    "less_than_equal": lambda ctx: _("Enter at most %(limit)s.") % {"limit": ctx.get("le")},
    "less_than": lambda ctx: _("Enter less than %(limit)s.") % {"limit": ctx.get("lt")},
    "string_too_long": lambda ctx: _("Enter at most %(limit)s characters.") % {"limit": ctx.get("max_length")},
    "string_too_short": lambda ctx: _("Enter at least %(limit)s characters.") % {"limit": ctx.get("min_length")},
    "too_long": lambda ctx: _("At most %(limit)s items.") % {"limit": ctx.get("max_length")},
    "too_short": lambda ctx: _("At least %(limit)s items.") % {"limit": ctx.get("min_length")},
    "literal_error": lambda ctx: _("Choose one of: %(choices)s.") % {"choices": ctx.get("expected")},
    "enum": lambda ctx: _("Choose one of: %(choices)s.") % {"choices": ctx.get("expected")},
    "json_invalid": lambda ctx: _("The request body is not valid JSON."),
}


# An id in the path or a query parameter is text in the address, not JSON.
_ADDRESS_MESSAGES: dict[str, Callable[[dict[str, Any]], str]] = {
    "int_type": lambda ctx: _("Enter a whole number, e.g. 42."),
    "int_parsing": lambda ctx: _("Enter a whole number, e.g. 42."),
    "int_from_float": lambda ctx: _("Enter a whole number, e.g. 42."),
}


def _schema_message(item: dict[str, Any]) -> str:
    location = tuple(item.get("loc", ()))
    if item.get("type") == "missing" and location[:1] == ("body",) and _field_path(location) == "__all__":
        return _("Send a JSON object as the request body: {} when every field is left out.")
    in_address = location[:1] in (("path",), ("query",))
    worded = (_ADDRESS_MESSAGES if in_address else {}).get(str(item.get("type", ""))) or _SCHEMA_MESSAGES.get(
        str(item.get("type", ""))
    )
    if worded is not None:
        return worded(item.get("ctx") or {})
    message = str(item.get("msg", ""))
    return message.removeprefix("Value error, ")  # our own validators' words, already translated


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, error: ValidationError) -> HttpResponse:
    extra: dict[str, list[str]] = {}
    for item in error.errors:
        extra.setdefault(_field_path(tuple(item.get("loc", ()))), []).append(_schema_message(item))
    field, messages = next(iter(extra.items()), ("__all__", [_("Invalid input.")]))
    return _error(request, _("%(field)s: %(reason)s") % {"field": field, "reason": messages[0]}, 400, extra)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    message = str(error)
    if error.status_code == 400 and message.startswith("Cannot parse request body"):
        message = _("The request body is not valid JSON.")
    return _error(request, message, error.status_code)


@api.exception_handler(Exception)
def on_unexpected_error(request: HttpRequest, error: Exception) -> HttpResponse:
    if isinstance(error, OverflowError) or (isinstance(error, DataError) and "out of range" in str(error)):
        # An id in the path or the query beyond what the database stores (bodies are checked first).
        return _error(request, _("A number in the request is too large."), 400)
    logger.exception("API error on %s %s", request.method, request.path, exc_info=error)
    return _error(request, _("Something went wrong on our side. It has been logged; please try again."), 500)


def _methods_in_json(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A method an endpoint does not take answers in the API's error shape (ninja answers a plain
    "Method not allowed"), with its `Allow` header."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if not isinstance(response, HttpResponseNotAllowed):
            return response
        allowed = response["Allow"]
        message = _("%(method)s is not allowed here; this endpoint takes %(allowed)s.") % {
            "method": request.method,
            "allowed": allowed,
        }
        answer = JsonResponse({"message": message, "extra": {}}, status=405)
        answer["Allow"] = allowed
        return answer

    return wrapped


def api_urls() -> tuple[list[Any], str, str]:
    """`api.urls` with every endpoint's view wrapped by `_methods_in_json`."""
    patterns, app_name, namespace = api.urls
    wrapped = []
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            view = _methods_in_json(pattern.callback)
            pattern = URLPattern(pattern.pattern, view, pattern.default_args, pattern.name)
        wrapped.append(pattern)
    return wrapped, app_name, namespace


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
