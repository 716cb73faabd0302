"""Home page panels. Apps register a panel (template + context function); the home page shows
those the user may see, in order. Later apps (sales, loyalty, analytics) add theirs."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class Panel:
    key: str
    template: str
    context: Callable[[HttpRequest], dict[str, Any]]
    order: int = 100
    capability: str | None = None
    width: int = 6  # Bootstrap columns on a laptop; panels take the full width on a phone
    section: str | None = None  # hidden where the business does not use this part (core.navigation)


_panels: dict[str, Panel] = {}


def register_panel(panel: Panel) -> None:
    _panels[panel.key] = panel


def panels_for(request: HttpRequest) -> list[dict[str, Any]]:
    user: Any = request.user
    shown = []
    for panel in sorted(_panels.values(), key=lambda p: p.order):
        if panel.capability and not user.has_capability(panel.capability):
            continue
        if panel.section and panel.section in getattr(user, "unused_sections", frozenset()):
            continue
        shown.append({"key": panel.key, "template": panel.template, "width": panel.width, **panel.context(request)})
    return shown
