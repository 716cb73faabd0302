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
        status = 403 if isinstance(exception, PermissionDeniedError) else 404 if isinstance(exception, NotFoundError) else 400
        return render(request, "error.html", {"status": status, "message": exception.message}, status=status)
