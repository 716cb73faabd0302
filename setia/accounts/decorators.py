from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from setia.accounts.selectors import require


def staff_view(capability: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Signed-in staff holding `capability`; anonymous users go to sign-in, others get 403."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            require(request.user, capability)  # type: ignore[arg-type]
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
