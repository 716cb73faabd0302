"""Panels and quick actions on the customer 360° page, contributed by higher apps.

Like timeline sources, an app registers a `Panel` in `AppConfig.ready`: a template and a
function giving its context for a customer (or None to hide it). `customers` renders them in
order in one of three places — the quick-action bar, the side column or the main column above
the timeline — and never imports the apps that contribute them.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from setia.core.errors import ApplicationError
from setia.core.forms import add_application_error
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


# Extra questions on the new-customer form that higher apps ask (loyalty: "join as member now"
# when the form is opened from the till). `form(request)` gives a small form bound to the POST
# (or None to leave the block out), rendered by `template` with `form`; `save(request, customer,
# form)` runs inside the transaction that creates the customer and may return a line to tell the
# user. An `ApplicationError` from it refuses the whole save: no customer is created either.
CreateExtraForm = Callable[[HttpRequest], forms.Form | None]
CreateExtraSave = Callable[[HttpRequest, Customer, forms.Form], str | None]


@dataclass(frozen=True)
class CreateExtra:
    key: str
    template: str
    form: CreateExtraForm
    save: CreateExtraSave
    order: int = 100


_create_extras: dict[str, CreateExtra] = {}


def register_create_extra(extra: CreateExtra) -> None:
    _create_extras[extra.key] = extra


@dataclass
class CreateExtras:
    """The extra blocks offered on one new-customer form, with their bound forms."""

    offered: list[tuple[CreateExtra, forms.Form]]

    def is_valid(self) -> bool:
        checked = [form.is_valid() for _extra, form in self.offered]  # every form, so each shows its errors
        return all(checked)

    def rendered(self, request: HttpRequest) -> list[SafeString]:
        return [
            mark_safe(render_to_string(extra.template, {"form": form}, request=request)) for extra, form in self.offered
        ]

    @transaction.atomic
    def create(self, request: HttpRequest, create: Callable[[], Customer]) -> tuple[Customer, list[str]]:
        """`create()` and then each extra's save, in one transaction; the lines they tell."""
        customer = create()
        told = [extra.save(request, customer, form) for extra, form in self.offered]
        return customer, [line for line in told if line]

    def show_error(self, error: ApplicationError) -> bool:
        """Put a refusal naming an extra's field under that field; False when none names it."""
        for _extra, form in self.offered:
            if any(name in form.fields for name in error.extra):
                add_application_error(form, error)
                return True
        return False


def create_extras(request: HttpRequest) -> CreateExtras:
    offered = []
    for extra in sorted(_create_extras.values(), key=lambda e: e.order):
        form = extra.form(request)
        if form is not None:
            offered.append((extra, form))
    return CreateExtras(offered)
