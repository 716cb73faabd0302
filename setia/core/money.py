"""Rupiah amounts: integers or Decimal, never float; shown as `Rp 1.250.000` (id) or `Rp 1,250,000` (en)."""

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from django.utils.translation import get_language
from pydantic import Strict


def format_rupiah(amount: int | Decimal | None, language: str | None = None) -> str:
    if amount is None:
        return ""
    value = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    language = (language or get_language() or "id")[:2]
    thousands, decimals = (".", ",") if language == "id" else (",", ".")
    sign = "-" if value < 0 else ""
    whole, fraction = f"{abs(value):.2f}".split(".")
    grouped = f"{int(whole):,}".replace(",", thousands)
    text = grouped if fraction == "00" else f"{grouped}{decimals}{fraction}"
    return f"{sign}Rp {text}"


def format_count(number: int | Decimal | None, language: str | None = None) -> str:
    """A whole number grouped as the language writes it: `4.377` (id), `4,377` (en); points, visits."""
    if number is None:
        return ""
    language = (language or get_language() or "id")[:2]
    grouped = f"{int(number):,}"
    return grouped.replace(",", ".") if language == "id" else grouped


# Short amounts as the browser's Intl compact notation writes them (the charts' axes): Indonesian
# ribu, juta, miliar, triliun; English thousand, million, billion, trillion.
_SHORT_UNITS = {
    "id": ((10**12, "T"), (10**9, "M"), (10**6, "jt"), (10**3, "rb")),
    "en": ((10**12, "T"), (10**9, "B"), (10**6, "M"), (10**3, "K")),
}


def format_rupiah_short(amount: int | Decimal | None, language: str | None = None) -> str:
    """`Rp 11,8 jt` (id) / `Rp 11.8M` (en): one decimal at most, for cells too narrow for the
    full amount (show `format_rupiah` beside it, e.g. on hover)."""
    if amount is None:
        return ""
    language = (language or get_language() or "id")[:2]
    units = _SHORT_UNITS.get(language, _SHORT_UNITS["en"])
    value = Decimal(amount)
    sign = "-" if value < 0 else ""
    for index, (size, suffix) in enumerate(units):
        if abs(value) >= size:
            short = (abs(value) / size).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            if short >= 1000 and index:  # 999.950 is "1 jt", not "1000 rb"
                size, suffix = units[index - 1]
                short = (abs(value) / size).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            text = f"{short:f}".removesuffix(".0")
            if language == "id":
                return f"{sign}Rp {text.replace('.', ',')} {suffix}"
            return f"{sign}Rp {text}{suffix}"
    return format_rupiah(amount, language)


# "150000", "150.000", "150,000", "Rp 150.000", "150.000,00": whole Rupiah with optional grouping.
_RUPIAH = re.compile(r"^(?:rp\.?\s*)?(\d{1,3}(?:[.,\s]\d{3})+|\d+)(?:,00|\.00)?$", re.IGNORECASE)


def parse_rupiah(text: str) -> int | None:
    """A whole number as people here type it (an amount, a quantity, points): digits, grouped by
    dots, commas or spaces in threes or not at all, with an optional `Rp` and `,00`. None for
    anything else — "1.5" is not a grouping, so it is refused rather than read as 15."""
    match = _RUPIAH.match(text.strip())
    if match is None:
        return None
    return int(re.sub(r"\D", "", match.group(1)))


def parse_whole(text: str) -> int | None:
    """`parse_rupiah` with an optional minus sign: "-1.500" is -1500 (a lower limit, a negative
    number a service refuses in its own words)."""
    text = text.strip()
    number = parse_rupiah(text.removeprefix("-"))
    return -number if number is not None and text.startswith("-") else number


# A whole number in an API body: a JSON number without a fraction. A string is refused, not read
# ("150.000" would otherwise be taken for 150 with a zero fraction — a thousandth of what was meant).
WholeNumber = Annotated[int, Strict()]
