from typing import Any

from django.http import HttpRequest

from setia.accounts.roles import CAPABILITIES
from setia.accounts.selectors import business_settings


def business(request: HttpRequest) -> dict[str, Any]:
    """The business's name for the shell, and `caps`: what the user may do, for showing buttons."""
    user: Any = request.user
    caps = {name for name in CAPABILITIES if user.is_authenticated and user.has_capability(name)}
    return {"business": business_settings(), "caps": caps}
