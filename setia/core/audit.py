"""Recording and reading the audit trail. Every service write calls `audit_log`."""

import datetime as dt
import decimal
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext

from setia.core.models import AuditEvent
from setia.core.money import format_count
from setia.core.texts import Message, stored

REDACTED = "[redacted]"


def object_type_of(instance: models.Model) -> str:
    return instance._meta.label_lower


def object_key(instance: models.Model) -> str:
    return f"{object_type_of(instance)}:{instance.pk}"


def model_of(object_type: str) -> type[models.Model] | None:
    """The model an event's `object_type` ("sales.opportunity") names, or None."""
    from django.apps import apps

    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def record_type_label(object_type: str) -> str:
    """ "Opportunity" for "sales.opportunity", in the current language (the raw type if unknown)."""
    model = model_of(object_type)
    return str(model._meta.verbose_name).capitalize() if model is not None else object_type


def _field(model: type[models.Model] | None, name: str) -> Any:
    """The model field a changed name stands for (a field of a record kept one-to-one beside this
    one too: an order's appointment or trip), or None when unknown."""
    from django.core.exceptions import FieldDoesNotExist

    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        for relation in model._meta.related_objects:
            if relation.one_to_one and not isinstance(relation.related_model, str):
                found = _field(relation.related_model, name)
                if found is not None:
                    return found
        return None


def field_label(model: type[models.Model] | None, name: str) -> str:
    """The translated label of a changed field: the field's own, a related set's plural name
    (a customer's "phones", an order's "lines"), or the name itself when unknown."""
    field = _field(model, name)
    if field is None:
        return name
    if getattr(field, "verbose_name", None):
        return str(field.verbose_name)
    if field.related_model is not None and not isinstance(field.related_model, str):
        return str(field.related_model._meta.verbose_name_plural)
    return name


@dataclass(frozen=True)
class ShownChange:
    """One changed field as the trail shows it."""

    name: str  # as stored (the trail shows it on hover)
    label: str
    before: str
    after: str | None  # None: no value now


def changes_shown(events: Iterable[AuditEvent]) -> None:
    """Give each event `shown_changes`: its changed fields by label, their values as the reader
    reads them (`value_shown`), a related record by its name — one query per kind of related
    record on the page, not one per value."""
    events = list(events)
    wanted: dict[type[models.Model], set[int]] = defaultdict(set)
    for event in events:
        model = model_of(event.object_type)
        for name, values in event.changes.items():
            field = _field(model, name)
            if field is not None and field.many_to_one and field.concrete:
                wanted[field.related_model].update(v for v in _pair(values) if type(v) is int)
    names = {
        related: {pk: str(record) for pk, record in related._base_manager.in_bulk(sorted(ids)).items()}
        for related, ids in wanted.items()
    }
    for event in events:
        model = model_of(event.object_type)
        shown = []
        for name, values in event.changes.items():
            before, after = _pair(values)
            shown.append(
                ShownChange(
                    name=name,
                    label=field_label(model, name),
                    before=value_shown(model, name, before, names),
                    after=None if after is None else value_shown(model, name, after, names),
                )
            )
        event.shown_changes = shown  # type: ignore[attr-defined]


def _pair(values: Any) -> tuple[Any, Any]:
    """A change's [before, after] (a lone value: after)."""
    if isinstance(values, list | tuple) and len(values) == 2:
        return values[0], values[1]
    return None, values


def value_shown(
    model: type[models.Model] | None,
    name: str,
    value: Any,
    names: dict[Any, dict[int, str]] | None = None,
) -> str:
    """A changed value as the reader reads it: a choice by its label, yes/no, a whole number grouped
    as her language writes it, a moment or a date in her format and the business's time zone, a
    related record by its name (from `names`), a list of values one after the other; anything
    else (text, a redacted value) as stored."""
    from django.utils import formats, timezone
    from django.utils.dateparse import parse_date, parse_datetime

    field = _field(model, name)
    if value is None or field is None:
        return "" if value is None else str(value)
    choices = dict(field.flatchoices) if getattr(field, "choices", None) else {}
    if choices and isinstance(value, str | int) and value in choices:
        return str(choices[value])
    if field.many_to_one and type(value) is int:
        return (names or {}).get(field.related_model, {}).get(value, str(value))
    if isinstance(field, models.BooleanField) and isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, list):  # a related set's values (a customer's phones)
        return ", ".join(str(item) for item in value)
    if isinstance(field, models.IntegerField) and type(value) is int and not field.primary_key:
        return format_count(value)
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        moment = parse_datetime(value)
        if moment is not None:
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            return str(formats.date_format(moment, "SHORT_DATETIME_FORMAT"))
    elif isinstance(field, models.DateField) and isinstance(value, str):
        day = parse_date(value)
        if day is not None:
            return str(formats.date_format(day, "SHORT_DATE_FORMAT"))
    return str(value)


def _plain(value: Any) -> Any:
    """A JSON-safe form of a field value (dates as ISO text, money exact, records by id)."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return sorted(_plain(item) for item in value)
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return value


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """Current values of `fields`; many-to-many fields as sorted id lists."""
    values: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        if field.many_to_many:
            values[name] = sorted((instance.pk and getattr(instance, name).values_list("pk", flat=True)) or [])
        elif field.is_relation:
            values[name] = getattr(instance, field.attname)  # type: ignore[union-attr]
        else:
            values[name] = _plain(getattr(instance, name))
    return values


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """`{field: [before, after]}` for the fields whose value changed."""
    changes = {}
    for name in sorted(set(before) | set(after)):
        old, new = _plain(before.get(name)), _plain(after.get(name))
        if old != new:
            changes[name] = [old, new]
    return changes


def audit_event(
    *,
    actor: Any,
    action: str,
    instance: models.Model,
    changes: dict[str, list[Any]] | None = None,
    subject: models.Model | None = None,
    branch_id: int | None = None,
    message: "str | Message" = "",
    ip_address: str | None = None,
) -> AuditEvent:
    """One write's audit row, not saved yet (`audit_log` saves it; checkout sends it with the sale's
    other rows). `message` is a note: a `texts.Message` where the system words it (shown in each
    reader's language), text as typed where a person wrote it (a reason, a file's name)."""
    text, args = stored(message)
    real_actor = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent(
        actor=real_actor,
        actor_label=real_actor.get_username() if real_actor else (str(actor) if actor else "system"),
        action=action,
        object_type=object_type_of(instance),
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        subject_key=object_key(subject or instance),
        branch_id=branch_id,
        changes=changes or {},
        message=text,
        message_args=args,
        ip_address=ip_address,
    )


def _saved[**P](make: Callable[P, AuditEvent]) -> Callable[P, AuditEvent]:
    def save(*args: P.args, **kwargs: P.kwargs) -> AuditEvent:
        event = make(*args, **kwargs)
        event.save(force_insert=True)
        return event

    save.__doc__ = "Record one write (`audit_event`, saved)."
    return save


audit_log = _saved(audit_event)


def audit_redact_subject(subject_key: str, *, fields: Iterable[str] | None = None) -> int:
    """Blank the personal values in every event about `subject_key`; keep who, what and when.

    `fields` limits the redaction to those field names (default: every changed value, every
    value in a note the system worded, and a note a person typed).
    Returns the number of events redacted.
    """
    from django.utils import timezone

    only = set(fields) if fields is not None else None
    count = 0
    for event in AuditEvent.objects.filter(subject_key=subject_key).iterator():
        event.changes = {
            name: ([REDACTED, REDACTED] if only is None or name in only else values)
            for name, values in event.changes.items()
        }
        if event.message_args:  # a note's values may be personal too (the address a quote went to)
            event.message_args = {
                name: (REDACTED if only is None or name in only else value)
                for name, value in event.message_args.items()
            }
        elif event.message and only is None:  # a note a person typed: all of it
            event.message = REDACTED
        event.object_repr = REDACTED
        event.redacted_at = timezone.now()
        event.save(update_fields=["changes", "message", "message_args", "object_repr", "redacted_at"])
        count += 1
    return count


def audit_created(
    *, actor: Any, instance: models.Model, fields: Iterable[str], branch_id: int | None = None
) -> AuditEvent:
    """Record a new record with every audited field as `[None, value]`."""
    return audit_log(
        actor=actor,
        action="create",
        instance=instance,
        changes=diff({}, snapshot(instance, fields)),
        branch_id=branch_id,
    )


def audit_changed(
    *,
    actor: Any,
    instance: models.Model,
    before: dict[str, Any],
    fields: Iterable[str],
    branch_id: int | None = None,
) -> dict[str, list[Any]]:
    """Record an update if any of `fields` changed since `before` (a `snapshot`). Returns the changes."""
    changes = diff(before, snapshot(instance, fields))
    if changes:
        audit_log(actor=actor, action="update", instance=instance, changes=changes, branch_id=branch_id)
    return changes


def actor_name(event: AuditEvent) -> str:
    """Who did it, by name as staff know each other (`str(user)`: "Sari Utomo", not "cashier") when
    the query loaded the actor (`select_related("actor")`), else the label recorded with the event
    (also for an account that is gone)."""
    actor = event._state.fields_cache.get("actor") if event.actor_id else None
    if actor is not None:
        return str(actor)
    return gettext("system") if event.actor_label == "system" else event.actor_label


def action_verb(action: str) -> str:
    """What the actor did, as a verb after her name ("Sari created …", Indonesian "Sari membuat …"):
    the audit list's column says what happened to the record instead ("created", "dibuat")."""
    from django.utils.translation import pgettext

    verbs = {
        "create": pgettext("someone did it", "created"),
        "update": pgettext("someone did it", "updated"),
        "delete": pgettext("someone did it", "deleted"),
        "archive": pgettext("someone did it", "archived"),
        "login": pgettext("someone did it", "signed in"),
        "logout": pgettext("someone did it", "signed out"),
        "login_failed": pgettext("someone did it", "failed to sign in"),
        "revoke": pgettext("someone did it", "revoked"),
    }
    return verbs.get(action, pgettext("someone did it", "recorded"))
