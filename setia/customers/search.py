from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from setia.core.phones import format_phone
from setia.core.search import Hit, Provider, register_provider
from setia.customers.selectors import search_customers


def _search(actor: Any, query: str, limit: int) -> list[Hit]:
    if not actor.has_capability("customers.view"):
        return []
    hits = []
    for customer in search_customers(actor=actor, query=query, limit=limit):
        phone = next(iter(customer.phones.all()), None)
        subtitle = " · ".join(
            part for part in (format_phone(phone.number) if phone else "", customer.member_number or "") if part
        )
        hits.append(Hit(customer.name, subtitle, reverse("customers:detail", args=[customer.pk]), "person-vcard"))
    return hits


register_provider(Provider("customers", _("Customers"), _search, order=10))
