"""Keyset ("seek") pagination: each page starts after the last row of the previous one.

Unlike OFFSET, the cost of a page does not grow with how far a user has paged, and no
COUNT(*) is needed. The cursor is an opaque token holding the sort values of the last row.
"""

import base64
import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from setia.core.errors import ApplicationError


@dataclass
class Page:
    rows: list[Any]
    next_cursor: str | None


def _encode(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, default=str).encode()).decode()


def _decode(cursor: str) -> list[Any] | None:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, UnicodeDecodeError):
        return None
    return values if isinstance(values, list) else None


def keyset_page(
    queryset: QuerySet[Any], *, order: tuple[str, ...], cursor: str = "", size: int = 50, strict: bool = False
) -> Page:
    """One page of `queryset` sorted by `order` (e.g. `("-created_at", "-id")`; the last must be unique).

    An unreadable cursor starts from the first page rather than failing (a link of a page typed
    or cut short); with `strict` (the API) it is refused at `after`: a program that passes a
    broken cursor would otherwise get the first page again, and page for ever.
    """
    queryset = queryset.order_by(*order)
    names = [field.lstrip("-") for field in order]
    after = _decode(cursor) if cursor else None
    if strict and cursor and (after is None or len(after) != len(order)):
        raise _unreadable()
    if after is not None and len(after) == len(order):
        condition = Q()
        for index, field in enumerate(order):
            lookup = "lt" if field.startswith("-") else "gt"
            step = Q(**{f"{names[index]}__{lookup}": after[index]})
            for previous in range(index):
                step &= Q(**{names[previous]: after[previous]})
            condition |= step
        # A tampered cursor (wrong types, nulls) starts from the first page.
        try:
            queryset = queryset.filter(condition)
        except (ValueError, TypeError, ValidationError) as error:
            if strict:
                raise _unreadable() from error
    rows = list(queryset[: size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        next_cursor = _encode([_value(last, name) for name in names])
    return Page(rows, next_cursor)


def api_page(queryset: QuerySet[Any], *, order: tuple[str, ...], cursor: str = "", size: int = 50) -> Page:
    """`keyset_page` for the API: a cursor it cannot read is refused at `after`."""
    return keyset_page(queryset, order=order, cursor=cursor, size=size, strict=True)


def _unreadable() -> ApplicationError:
    message = _("This cursor cannot be read: pass the next_cursor of the page before, as it came.")
    return ApplicationError(f"after: {message}", {"after": [message]})


def _value(row: Any, name: str) -> Any:
    value = row[name] if isinstance(row, dict) else getattr(row, name)
    return value.isoformat() if hasattr(value, "isoformat") else value


def parse_id(value: str | None) -> int | None:
    """A record id from a query string, or None for anything that is not a plain positive id."""
    if not value or not value.isascii() or not value.isdigit() or len(value) > 18:
        return None
    return int(value)
