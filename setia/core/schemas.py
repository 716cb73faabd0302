"""What every API request body shares (`Input`)."""

from typing import Any

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import ConfigDict, field_validator

# The largest whole number a request may carry: an id or an amount beyond it cannot be stored (the
# database's 64-bit integers) or summed safely, and no Rupiah amount, count or id comes near it.
MAX_WHOLE = 10**15 - 1


class Input(Schema):
    """A request body. A field it does not know is refused, not left out: a misspelt `qty` or
    `customer` would otherwise record the sale with quantity 1, or as a guest's. A whole number
    larger than `MAX_WHOLE` is refused at its field rather than failing when it is stored."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _whole_numbers_fit(cls, value: Any) -> Any:
        numbers = value if isinstance(value, list) else value.values() if isinstance(value, dict) else [value]
        for number in numbers:
            if isinstance(number, int) and not isinstance(number, bool) and abs(number) > MAX_WHOLE:
                raise ValueError(_("The number is too large."))
        return value


class ErrorOut(Schema):
    """Every error's body (`config/api.py`): a sentence for people, and the problem per field."""

    message: str
    extra: dict[str, list[str]]


# What a write endpoint may answer besides its result, for the OpenAPI description.
ERRORS: dict[int, type[Schema]] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut}
