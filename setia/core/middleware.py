from collections.abc import Callable

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


class LanguageMiddleware:
    """Language by the switch (cookie), else the user's saved preference, else Indonesian.

    The browser's Accept-Language is deliberately ignored: a shop PC set up in English should
    still open in Bahasa Indonesia unless someone chooses otherwise.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings
        from django.utils import translation

        supported = {code for code, _name in settings.LANGUAGES}
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in supported:
            user = getattr(request, "user", None)
            language = getattr(user, "language", None) if user is not None and user.is_authenticated else None
        if language not in supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
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
