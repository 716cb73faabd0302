"""Global search: each app registers a provider; the search box queries them all.

A provider receives the acting user and the query and returns at most `limit` hits the user
may see. Providers live in each app's `search.py` and are imported by `autodiscover()`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class Hit:
    title: str
    subtitle: str
    url: str
    icon: str


@dataclass(frozen=True)
class Provider:
    key: str
    label: Any
    search: Callable[[Any, str, int], list[Hit]]
    order: int = 100


_providers: dict[str, Provider] = {}


def register_provider(provider: Provider) -> None:
    _providers[provider.key] = provider


def autodiscover() -> None:
    autodiscover_modules("search")


def search_all(actor: Any, query: str, limit: int = 8) -> list[tuple[Provider, list[Hit]]]:
    query = query.strip()
    if len(query) < 2:
        return []
    results = []
    for provider in sorted(_providers.values(), key=lambda p: p.order):
        hits = provider.search(actor, query, limit)
        if hits:
            results.append((provider, hits))
    return results
