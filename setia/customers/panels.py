"""Panels and quick actions on the customer 360° page, contributed by higher apps.

Like timeline sources, an app registers a `Panel` in `AppConfig.ready`: a template and a
function giving its context for a customer (or None to hide it). `customers` renders them in
order in one of three places — the quick-action bar, the side column or the main column above
the timeline — and never imports the apps that contribute them.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from setia.customers.models import Customer

Context = Callable[[HttpRequest, Customer], dict[str, Any] | None]


@dataclass(frozen=True)
class Panel:
    key: str
    template: str
    context: Context
    place: str = "side"  # "actions", "side", "main" (the 360° page) or "caller" (the caller card)
    order: int = 100


_panels: dict[str, Panel] = {}


def register_panel(panel: Panel) -> None:
    _panels[panel.key] = panel


def panels_for(
    request: HttpRequest, customer: Customer, places: tuple[str, ...] = ("actions", "side", "main")
) -> dict[str, list[SafeString]]:
    """Rendered panels by place, in order; a panel whose context is None is left out."""
    placed: dict[str, list[SafeString]] = {place: [] for place in places}
    for panel in sorted(_panels.values(), key=lambda p: p.order):
        if panel.place not in placed:
            continue
        context = panel.context(request, customer)
        if context is None:
            continue
        html = render_to_string(panel.template, {"customer": customer, **context}, request=request)
        placed[panel.place].append(mark_safe(html))
    return placed


# Facts about callers that higher apps know (loyalty: the tier and points), for the caller lookup
# API: `(customer ids) -> {customer id: {"tier": …, "points": …}}`, one query for all of them.
CallerFacts = Callable[[list[int]], dict[int, dict[str, Any]]]
_caller_facts: list[CallerFacts] = []


def register_caller_facts(facts: CallerFacts) -> None:
    _caller_facts.append(facts)


def caller_facts(customer_ids: list[int]) -> dict[int, dict[str, Any]]:
    merged: dict[int, dict[str, Any]] = {pk: {} for pk in customer_ids}
    if customer_ids:
        for facts in _caller_facts:
            for pk, found in facts(customer_ids).items():
                merged.setdefault(pk, {}).update(found)
    return merged
