from typing import Any

from django.http import HttpRequest

from setia.core.navigation import sections_for


def shell(request: HttpRequest) -> dict[str, Any]:
    """What the base layout needs on every page: the navigation this user may see."""
    sections = sections_for(request.user)
    return {
        "nav_main": [s for s in sections if s["group"] == "main"],
        "nav_admin": [s for s in sections if s["group"] == "admin"],
    }
