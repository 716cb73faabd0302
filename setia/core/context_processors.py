from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from setia.core.navigation import sections_for
from setia.core.notifications import unread_count


def shell(request: HttpRequest) -> dict[str, Any]:
    """What the base layout needs on every page: the navigation this user may see."""
    sections = sections_for(request.user)
    user = request.user
    return {
        "nav_main": [s for s in sections if s["group"] == "main"],
        "nav_admin": [s for s in sections if s["group"] == "admin"],
        # One indexed COUNT, run only when a page shows the bell.
        "unread_notifications": SimpleLazyObject(lambda: unread_count(user)) if user.is_authenticated else 0,
    }
