"""Readable names and links for references stored as text, `app.model:id` with an optional
`:suffix` (what a points or cashback entry came from: `sales.order:314`, `sales.order:314:refund`,
`loyalty.referral:6`). Each app registers how to name its own kinds; a page resolves a whole list
of references at once (one query per kind), so it never shows the raw text to people."""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Reference:
    label: str
    url: str = ""


# A resolver receives the ids of one kind and returns a Reference for each it knows.
Resolver = Callable[[list[str]], dict[str, Reference]]

_resolvers: dict[str, Resolver] = {}


def register_reference(kind: str, resolver: Resolver) -> None:
    _resolvers[kind] = resolver


def _parts(reference: str) -> tuple[str, str, str]:
    kind, _sep, rest = reference.partition(":")
    key, _sep, suffix = rest.partition(":")
    return kind, key, suffix


SUFFIXES = {"refund": lambda: _("refund")}


def resolve(references: Iterable[str]) -> dict[str, Reference]:
    """A Reference for every non-empty reference given; one the apps do not know keeps its text."""
    wanted: dict[str, set[str]] = defaultdict(set)
    given = {reference for reference in references if reference}
    for reference in given:
        kind, key, _suffix = _parts(reference)
        wanted[kind].add(key)
    known: dict[tuple[str, str], Reference] = {}
    for kind, keys in wanted.items():
        resolver = _resolvers.get(kind)
        if resolver is not None:
            for key, named_reference in resolver(sorted(keys)).items():
                known[(kind, key)] = named_reference
    resolved = {}
    for reference in given:
        kind, key, suffix = _parts(reference)
        found = known.get((kind, key))
        if found is not None and suffix:
            named = SUFFIXES.get(suffix)
            found = Reference(f"{found.label} ({named() if named else suffix})", found.url)
        resolved[reference] = found or Reference(reference)
    return resolved
