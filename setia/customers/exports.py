"""Export of the customers a user may see, in the layout imports read back."""

from collections.abc import Iterator
from typing import Any

from django.db.models import Prefetch, QuerySet

from setia.customers.models import Address, Customer, CustomFieldDefinition
from setia.customers.tabular import COLUMNS


def export_header(definitions: list[CustomFieldDefinition]) -> list[str]:
    return [*COLUMNS, *(f"custom.{d.key}" for d in definitions)]


def export_rows(customers: QuerySet[Customer], definitions: list[CustomFieldDefinition]) -> Iterator[list[Any]]:
    """One row per customer, read in chunks (prefetching per chunk) so memory stays flat."""
    queryset = customers.select_related("home_branch", "owner").prefetch_related(
        "phones",
        "emails",
        "tags",
        Prefetch("addresses", queryset=Address.objects.select_related("province", "regency", "district")),
    )
    for customer in queryset.order_by("id").iterator(chunk_size=1000):
        phones = [p.number for p in customer.phones.all()] + ["", "", ""]
        emails = [e.email for e in customer.emails.all()] + ["", ""]
        address = next(iter(customer.addresses.all()), None)
        tags = list(customer.tags.all())
        row = [
            customer.pk,
            customer.external_id or "",
            customer.member_number or "",
            customer.kind,
            customer.name,
            phones[0],
            phones[1],
            phones[2],
            emails[0],
            emails[1],
            customer.birthday.isoformat() if customer.birthday else "",
            customer.gender,
            customer.occupation,
            customer.preferred_language,
            customer.preferred_channel,
            customer.source,
            customer.home_branch.code if customer.home_branch else "",
            customer.owner.username if customer.owner else "",
            ", ".join(t.name for t in tags if t.kind == "label"),
            ", ".join(t.name for t in tags if t.kind == "interest"),
            address.label if address else "",
            address.line if address else "",
            address.landmark if address else "",
            address.province.name if address and address.province else "",
            address.regency.name if address and address.regency else "",
            address.district.name if address and address.district else "",
            customer.notes,
            customer.created_at.isoformat(timespec="seconds"),
        ]
        for definition in definitions:
            value = customer.custom.get(definition.key)
            row.append("; ".join(value) if isinstance(value, list) else "" if value is None else value)
        yield row
