from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from setia.core.errors import ApplicationError, NotFoundError, PermissionDeniedError


class ApplicationErrorMiddleware:
    """Maps the domain error to HTML in one place: 403, 404, or 400 with the message shown.

    Views that want the error on a form catch ApplicationError themselves; this is the net.
    The API maps the same error to JSON in `config/api.py`.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, ApplicationError):
            return None
        status = (
            403
            if isinstance(exception, PermissionDeniedError)
            else 404
            if isinstance(exception, NotFoundError)
            else 400
        )
        return render(request, "error.html", {"status": status, "message": exception.message}, status=status)


def api_accepted_language(request: HttpRequest) -> str | None:
    """The first language of an API request's `Accept-Language` that the product speaks ("en-US"
    is English), or None. Only the API reads it: a program asks for its answers' language this way,
    while a shop PC's browser set up in English should still open the pages in Bahasa Indonesia."""
    from django.conf import settings
    from django.utils.translation.trans_real import parse_accept_lang_header

    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    if not header or not request.path_info.startswith("/api/"):
        return None
    supported = {code for code, _name in settings.LANGUAGES}
    for code, _quality in parse_accept_lang_header(header[:200]):
        primary = code.split("-")[0].lower()
        if primary in supported:
            return primary
    return None


class KeyAuthenticatedApiMiddleware:
    """API requests that carry an API key go straight to their view, past the browser middleware.

    The API authenticates every request by its key (`Authorization: Bearer`, `config/api.py`; it
    has no session or cookie authentication, so there is nothing for CSRF to protect), and its
    views read no session, messages or HTMX headers. For a request to `/api/` with a bearer key
    and no session cookie the middleware below this one would only cost time (a third of a caller
    lookup, measured), so this one resolves the view and calls it, doing what the skipped
    middleware did that such a request sees: the language (as `LanguageMiddleware`, which for a
    request without a session has only the cookie and the default to go by; without the cookie
    the key's authentication then switches to the key owner's language), `Content-Length`,
    and the `Content-Security-Policy`, `X-Frame-Options` and `Vary` headers, so the response is
    the same. It sits right after `SecurityMiddleware` (HTTPS redirect, HSTS, nosniff still apply).

    Everything else takes the whole chain: pages, the API's docs and schema, requests without a
    key (401), requests with a session cookie, and paths that do not resolve (`CommonMiddleware`'s
    slash redirect).
    """

    PAGES = frozenset({"openapi-view", "openapi-json"})  # the API's docs page (HTML, CSP nonce) and schema

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        from django.conf import settings
        from django.utils.csp import build_policy

        self.get_response = get_response
        self.session_cookie = settings.SESSION_COOKIE_NAME
        self.language_cookie = settings.LANGUAGE_COOKIE_NAME
        self.languages = {code for code, _name in settings.LANGUAGES}
        self.default_language = settings.LANGUAGE_CODE
        # No nonce: the policy as the CSP middleware writes it for a response that used none.
        self.headers: dict[str, str] = {"X-Frame-Options": settings.X_FRAME_OPTIONS}
        policy: Any = settings.SECURE_CSP
        if policy:
            self.headers["Content-Security-Policy"] = build_policy(policy, None)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            not request.path_info.startswith("/api/")
            or not request.META.get("HTTP_AUTHORIZATION", "").startswith("Bearer ")
            or self.session_cookie in request.COOKIES
        ):
            return self.get_response(request)
        from django.contrib.auth.models import AnonymousUser
        from django.urls import Resolver404, resolve
        from django.utils import translation
        from django.utils.cache import patch_vary_headers

        try:
            match = resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)
        if match.url_name in self.PAGES:
            return self.get_response(request)
        language = request.COOKIES.get(self.language_cookie)
        if language not in self.languages:
            language = api_accepted_language(request) or self.default_language
        translation.activate(language)
        request.LANGUAGE_CODE = language
        request.resolver_match = match
        request.user = AnonymousUser()  # the view's key authentication puts the staff member here
        response = match.func(request, *match.args, **match.kwargs)
        for header, value in self.headers.items():
            response.headers.setdefault(header, value)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)  # the key owner's, once known
        patch_vary_headers(response, ("Cookie",))
        if not response.streaming and "Content-Length" not in response:
            response.headers["Content-Length"] = str(len(response.content))
        return response


class LanguageMiddleware:
    """Language by the switch (cookie), else the user's saved preference, else Indonesian.

    The browser's Accept-Language is deliberately ignored for pages: a shop PC set up in English
    should still open in Bahasa Indonesia unless someone chooses otherwise. An API request's is
    read after the cookie (`api_accepted_language`).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings
        from django.utils import translation

        supported = {code for code, _name in settings.LANGUAGES}
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in supported:
            language = api_accepted_language(request)
        if language not in supported:
            user = getattr(request, "user", None)
            language = getattr(user, "language", None) if user is not None and user.is_authenticated else None
        if language not in supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)  # an API key may change it
        return response


class HtmxLoginRedirectMiddleware:
    """An HTMX request whose session expired gets `HX-Redirect` to the sign-in page, so the whole
    page goes there instead of the sign-in form landing inside a search dropdown or a table."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings
        from django.shortcuts import resolve_url

        response = self.get_response(request)
        login_url = resolve_url(settings.LOGIN_URL)
        location = response.get("Location", "")
        if request.headers.get("HX-Request") and response.status_code == 302 and location.startswith(login_url):
            response.status_code = 204
            response["HX-Redirect"] = location
            del response["Location"]
        return response
