"""What every API request body shares (`Input`)."""

import datetime as dt
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import ConfigDict, ValidationInfo, field_validator

# The largest whole number a request may carry: an id or an amount beyond it cannot be stored (the
# database's 64-bit integers) or summed safely, and no Rupiah amount, count or id comes near it.
MAX_WHOLE = 10**15 - 1


class Input(Schema):
    """A request body. A field it does not know is refused, not left out: a misspelt `qty` or
    `customer` would otherwise record the sale with quantity 1, or as a guest's. A whole number
    larger than `MAX_WHOLE` is refused at its field rather than failing when it is stored."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _json_types(cls, value: Any, info: ValidationInfo) -> Any:
        """What JSON means, not what it can be turned into: `"26"` or `true` for an id, `"yes"` or
        `0` for true/false, a number for a time are refused (pydantic would read them)."""
        kinds = _plain_types(cls.model_fields[info.field_name].annotation) if info.field_name else set()
        if int in kinds and bool not in kinds and isinstance(value, str | bool):
            raise ValueError(_("Enter a whole number (a JSON number, not text)."))
        if bool in kinds and not isinstance(value, bool) and value is not None:
            raise ValueError(_("Enter true or false."))
        if kinds & {dt.datetime, dt.date} and isinstance(value, int | float):
            date_only = dt.datetime not in kinds
            raise ValueError(
                _("Enter a date, e.g. 2026-12-24.")
                if date_only
                else _("Enter a date and time, e.g. 2026-12-24T15:00:00+07:00.")
            )
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _whole_numbers_fit(cls, value: Any) -> Any:
        numbers = value if isinstance(value, list) else value.values() if isinstance(value, dict) else [value]
        for number in numbers:
            if isinstance(number, int) and not isinstance(number, bool) and abs(number) > MAX_WHOLE:
                raise ValueError(_("The number is too large."))
        return value


def _plain_types(annotation: Any) -> set[Any]:
    """`int | None` → {int, NoneType}; `Annotated[int, …]` → {int}; a list, dict or model → its own
    type only (their items are checked by their own schemas)."""
    if get_origin(annotation) is Annotated:
        return _plain_types(get_args(annotation)[0])
    if get_origin(annotation) in (Union, UnionType):
        return {kind for arg in get_args(annotation) for kind in _plain_types(arg)}
    return {annotation}


class ErrorOut(Schema):
    """Every error's body (`config/api.py`): a sentence for people, and the problem per field."""

    message: str
    extra: dict[str, list[str]]


# What a write endpoint may answer besides its result, for the OpenAPI description.
ERRORS: dict[int, type[Schema]] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut}
