"""The 360° page's timeline: one list of events merged from sources that apps register.

A source is a function `(customer, before, limit) -> list[Entry]` returning at most `limit`
entries older than `before` (or the newest when `before` is None), newest first. Later apps
(sales, loyalty, tickets, communications…) register theirs in `AppConfig.ready`; customers never
imports them.
"""

import datetime as dt
import heapq
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from setia.customers.models import Customer


@dataclass(frozen=True)
class Entry:
    at: dt.datetime
    kind: str  # the source's key, for filtering and styling
    icon: str
    title: str
    detail: str = ""
    actor: str = ""
    url: str = ""
    # The capability a viewer needs to follow `url` (the target page's own); "" for none beyond
    # seeing the customer. `for_viewer` drops the link for anyone without it.
    capability: str = ""


# Entries per page of the 360° page's timeline ("Show older" asks for the next).
PAGE_SIZE = 50

Source = Callable[[Customer, dt.datetime | None, int], list[Entry]]
# `(customer ids, limit) -> {customer id: the newest `limit` entries, newest first}`.
Batch = Callable[[list[int], int], dict[int, list[Entry]]]
_sources: dict[str, Source] = {}
_interactions: set[str] = set()
_batches: dict[str, Batch] = {}
# Audit object types whose creation a source already shows (an order is its purchase entry): the
# audit source leaves out their "created" events, so the timeline does not say it twice.
_covered: set[str] = set()


def register_source(
    key: str,
    source: Source,
    *,
    interaction: bool = False,
    batch: Batch | None = None,
    covers: tuple[str, ...] = (),
) -> None:
    """`interaction`: the source's entries are contacts with the customer (a purchase, a trip,
    a call), which the caller card lists as "last interactions". `batch`: the same newest entries
    for several customers in one query, for the caller lookup (the phone system asks it for
    every call). `covers`: audit object types (`app.model`) whose creation its entries show."""
    _sources[key] = source
    _covered.update(covers)
    if interaction:
        _interactions.add(key)
    if batch is not None:
        _batches[key] = batch


def last_interactions(customers: list[Customer], *, limit: int = 5) -> dict[int, list[Entry]]:
    """The newest `limit` interaction entries of each customer: what `timeline_for(customer,
    limit=limit, interactions_only=True)` gives, in one query per source for all the customers
    (a source without a batch form is asked customer by customer)."""
    streams: dict[int, list[list[Entry]]] = {customer.pk: [] for customer in customers}
    for key, source in _sources.items():
        if key not in _interactions:
            continue
        batch = _batches.get(key)
        if batch is not None:
            found = batch(list(streams), limit)
            for pk, entries in streams.items():
                entries.append(found.get(pk, []))
        else:
            for customer in customers:
                streams[customer.pk].append(source(customer, None, limit))
    return {
        pk: list(heapq.merge(*entries, key=lambda entry: entry.at, reverse=True))[:limit]
        for pk, entries in streams.items()
    }


def timeline_for(
    customer: Customer,
    *,
    before: dt.datetime | None = None,
    limit: int = 50,
    interactions_only: bool = False,
    skip: int = 0,
) -> list[Entry]:
    """The newest `limit` entries (older than `before`) across every source, or across the
    interaction sources only (one query each: the caller lookup reads these per matching customer).

    With `skip`, the page goes on from inside a moment: the entries *at* `before` are included
    except the first `skip` of them, which an earlier page showed (a batch of records can share
    one time to the microsecond, and a page may end among them). Entries at one time come in the
    same order on every call (sources in their order, each newest first by time then id)."""
    if before is not None and skip:
        streams = [
            source(customer, before + dt.timedelta(microseconds=1), limit + skip)
            for key, source in _sources.items()
            if not interactions_only or key in _interactions
        ]
        merged = heapq.merge(*streams, key=lambda entry: entry.at, reverse=True)
        entries: list[Entry] = []
        for entry in merged:
            if entry.at == before and skip:
                skip -= 1
                continue
            entries.append(entry)
            if len(entries) == limit:
                break
        return entries
    streams = [
        source(customer, before, limit)
        for key, source in _sources.items()
        if not interactions_only or key in _interactions
    ]
    return list(heapq.merge(*streams, key=lambda entry: entry.at, reverse=True))[:limit]


def next_page(entries: list[Entry], *, limit: int, before: dt.datetime | None, skip: int) -> tuple[str, int]:
    """The cursor of the page after `entries` (a full page of `timeline_for`): the time of its
    last entry and how many entries at that time have been shown, this page's and, when the page
    never left the previous page's moment, the earlier pages' too. ("", 0) when it was the last."""
    if len(entries) < limit:
        return "", 0
    last = entries[-1].at
    shown = sum(1 for entry in entries if entry.at == last)
    if before is not None and last == before:
        shown += skip
    return last.isoformat(), shown


def for_viewer(entries: list[Entry], viewer: Any) -> list[Entry]:
    """The entries as `viewer` may follow them: a link to a page she may not open is removed
    (the entry itself stays: it is about a customer she sees)."""
    return [
        entry
        if not entry.url or not entry.capability or viewer.has_capability(entry.capability)
        else replace(entry, url="")
        for entry in entries
    ]


def _audit_source(customer: Customer, before: dt.datetime | None, limit: int) -> list[Entry]:
    from django.urls import reverse
    from django.utils.translation import gettext

    from setia.core.audit import action_verb, actor_name, model_of, object_key
    from setia.core.models import AuditEvent

    events = AuditEvent.objects.filter(subject_key=object_key(customer))
    if _covered:
        events = events.exclude(action=AuditEvent.Action.CREATE, object_type__in=sorted(_covered))
    if before is not None:
        events = events.filter(created_at__lt=before)
    entries = []
    for event in events.select_related("actor").order_by("-created_at", "-id")[:limit]:
        model = model_of(event.object_type)
        labels = (_field_label(name, model) for name in sorted(event.changes))
        detail = ", ".join(labels) if event.changes else event.message_text
        title = action_verb(event.action)
        if model is not None and model is not Customer:  # a record of hers: say which
            title = gettext("%(action)s %(kind)s %(name)s") % {
                "action": title,
                "kind": model._meta.verbose_name,
                "name": event.object_repr,
            }
        entries.append(
            Entry(
                at=event.created_at,
                kind="audit",
                icon="pencil-square" if event.action != "create" else "person-plus",
                title=title,
                detail=detail,
                actor=actor_name(event),
                url=reverse("core:audit_record", args=[event.object_type, event.object_id]),
                capability="audit.view",
            )
        )
    imported = _imported_entry(customer, before)
    if imported is not None:
        entries = sorted([*entries, imported], key=lambda entry: entry.at, reverse=True)[:limit]
    return entries


def _imported_entry(customer: Customer, before: dt.datetime | None) -> Entry | None:
    """A customer created by an import has no audit event of her own: the import writes one per
    batch (see `imports.imported_event`). Shown as "imported", linking to the import."""
    from django.urls import reverse
    from django.utils.translation import gettext

    from setia.core.audit import actor_name
    from setia.customers.imports import imported_event

    if before is not None and customer.created_at >= before:
        return None
    event = imported_event(customer)
    if event is None:
        return None
    return Entry(
        at=event.created_at,
        kind="audit",
        icon="person-plus",
        title=gettext("imported"),
        detail=gettext("import #%(id)s: %(file)s") % {"id": event.object_id, "file": event.object_repr},
        actor=actor_name(event),
        url=reverse("customers:import_detail", args=[int(event.object_id)]),
        capability="customers.import",
    )


def _field_label(name: str, model: Any = None) -> str:
    """The translated label of a changed field of `model` (the customer by default) for the
    timeline; a consent change (`consent.whatsapp.marketing`) is "consent"."""
    from django.utils.translation import gettext

    from setia.core.audit import field_label

    if name.startswith("consent."):
        return gettext("consent")
    label = field_label(model or Customer, name)
    if label == name and model not in (None, Customer):  # a value written on her own record (a card number)
        label = field_label(Customer, name)
    return label


def register_builtin_sources() -> None:
    register_source("audit", _audit_source)
