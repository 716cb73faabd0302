from typing import Any

from django import template

from setia.core.money import format_rupiah
from setia.core.phones import format_phone

register = template.Library()


@register.filter
def rupiah(amount: Any) -> str:
    """`{{ order.total|rupiah }}` → `Rp 1.250.000` in Indonesian, `Rp 1,250,000` in English."""
    return format_rupiah(amount)


@register.filter
def phone(e164: str) -> str:
    return format_phone(e164)


@register.simple_tag(takes_context=True)
def active(context: dict[str, Any], key: str) -> str:
    return "active" if context.get("nav_key") == key else ""


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    """`{{ values|get_item:key }}`: a dictionary entry by a variable key, or a list item by index."""
    if isinstance(mapping, list | tuple):
        index = int(key)
        return mapping[index] if 0 <= index < len(mapping) else ""
    return (mapping or {}).get(key, "")
