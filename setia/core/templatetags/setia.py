from typing import Any

from django import template

from setia.core.money import format_count, format_rupiah, format_rupiah_short
from setia.core.phones import format_phone

register = template.Library()


@register.filter
def rupiah(amount: Any) -> str:
    """`{{ order.total|rupiah }}` → `Rp 1.250.000` in Indonesian, `Rp 1,250,000` in English."""
    return format_rupiah(amount)


@register.filter
def rupiah_short(amount: Any) -> str:
    """`Rp 11,8 jt`: for narrow cells; give the full amount beside it."""
    return format_rupiah_short(amount)


@register.filter
def count(number: Any) -> str:
    """`{{ membership.points_balance|count }}` → `4.377` in Indonesian, `4,377` in English."""
    return format_count(number)


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


@register.filter
def record_type(object_type: str) -> str:
    """An audit event's record type in words ("Opportunity" for "sales.opportunity")."""
    from setia.core.audit import record_type_label

    return record_type_label(object_type)


@register.filter
def iso_date(value: Any) -> str:
    """A day stored as ISO text ("2026-09-03", in a JSON figure) in the reader's date format; other
    text as it is."""
    from django.utils import formats
    from django.utils.dateparse import parse_date

    try:
        day = parse_date(str(value)) if value else None
    except ValueError:
        day = None
    return str(formats.date_format(day, "SHORT_DATE_FORMAT")) if day else ("" if value is None else str(value))


@register.filter
def action_verb(action: str) -> str:
    """`{{ event.actor_label }} {{ event.action|action_verb }}`: the verb of what she did."""
    from setia.core.audit import action_verb as verb

    return verb(action)


@register.filter
def who(event: Any) -> str:
    """`{{ event|who }}`: `core.audit.actor_name`."""
    from setia.core.audit import actor_name

    return actor_name(event)
