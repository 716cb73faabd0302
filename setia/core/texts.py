"""Messages the system writes into the database, kept untranslated and shown in the reader's
language.

A ledger entry written while the cashier uses Indonesian and read later by the owner in English
stores the message's source text (its msgid, marked with `gettext_noop` where it is written so
the catalogs hold it) and the values it names; each reader sees it in her own language. Text a
person types (an adjustment's reason, a promotion's name) is stored and shown as typed: its
values are None. Whole numbers among the values are grouped as the reader's language writes them
(`5.500.000` in Indonesian, `5,500,000` in English); a value that is itself a `Message` (a
choice's label, say) is shown in the reader's language too, and a day in her date format."""

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from django.utils import formats, translation
from django.utils.translation import gettext

from setia.core.money import format_count


@dataclass(frozen=True)
class Message:
    msgid: str
    args: dict[str, Any] = field(default_factory=dict)


def choice_label(text: Any) -> Message:
    """A choice's label as a message: its source text, so that each reader sees it in her own
    language. `text` is the lazy label (`Model.Status(value).label`); `get_…_display()` has
    already translated it into the writer's language."""
    with translation.override(None):
        return Message(str(text))


def stored(text: "str | Message") -> tuple[str, dict[str, Any] | None]:
    """The text and the values to store for `text` (None: typed text, shown as it is)."""
    if isinstance(text, Message):
        return text.msgid[:255], {name: _value(value) for name, value in text.args.items()}
    return text[:255], None


def _value(value: Any) -> Any:
    if isinstance(value, Message):
        return {_NESTED: value.msgid, "args": {name: _value(inner) for name, inner in value.args.items()}}
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return {_DATE: value.isoformat()}
    return value


_NESTED = "msgid"  # a value stored as {"msgid": …, "args": {…}} is a message of its own
_DATE = "date"  # a value stored as {"date": "2027-01-14"} is a day, shown in the reader's format


def stored_json(args: dict[str, Any] | None) -> str | None:
    """The values as a row written in bulk stores them (JSON text)."""
    return None if args is None else json.dumps(args)


def shown(text: str, args: dict[str, Any] | None) -> str:
    """The stored text in the active language: a message translated with its values filled in;
    typed text, and text stored before messages were kept this way, as it is."""
    if args is None:
        return text
    translated = gettext(text)
    if not args:
        return translated

    values = {name: _shown_value(value) for name, value in args.items()}
    # A catalog whose placeholders do not match falls back to the source text; values that match
    # neither leave the text unfilled rather than break the page that shows it.
    for candidate in (translated, text):
        try:
            return candidate % values
        except (KeyError, TypeError, ValueError):
            continue
    return translated


def _shown_value(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return format_count(value)
    if isinstance(value, dict) and isinstance(value.get(_NESTED), str):
        return shown(value[_NESTED], value.get("args") or {})
    if isinstance(value, dict) and isinstance(value.get(_DATE), str):
        try:
            return formats.date_format(dt.date.fromisoformat(value[_DATE]), "SHORT_DATE_FORMAT")
        except ValueError:
            return value[_DATE]
    return value
