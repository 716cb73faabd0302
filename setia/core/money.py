"""Rupiah amounts: integers or Decimal, never float; shown as `Rp 1.250.000` (id) or `Rp 1,250,000` (en)."""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import get_language


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
