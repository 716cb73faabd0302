from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from setia.customers.models import Customer
from setia.customers.panels import panels_for

register = template.Library()


@register.simple_tag(takes_context=True)
def customer_panels(context: dict[str, Any], customer: Customer, place: str) -> SafeString:
    """The panels higher apps registered for `place` (e.g. "caller" on the caller card)."""
    request = context.get("request")
    if request is None:
        return mark_safe("")
    return mark_safe("".join(panels_for(request, customer, places=(place,)).get(place, [])))
