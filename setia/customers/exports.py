"""Export of the customers a user may see, in the layout imports read back."""

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import F, QuerySet

from setia.customers.models import Address, Customer, CustomerEmail, CustomerPhone, CustomFieldDefinition
from setia.customers.tabular import COLUMNS


def export_header(definitions: list[CustomFieldDefinition]) -> list[str]:
    return [*COLUMNS, *(f"custom.{d.key}" for d in definitions)]


CHUNK = 1000

# The columns that are the customer's own field of the same name (the rest are her contacts, tags,
# address, branch and owner, filled below).
_OWN = [name for name in COLUMNS if name in {f.name for f in Customer._meta.concrete_fields if not f.is_relation}]


def _plain(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _by_customer(rows: Iterable[tuple[Any, ...]]) -> dict[int, list[tuple[Any, ...]]]:
    grouped: dict[int, list[tuple[Any, ...]]] = {}
    for customer_id, *values in rows:
        grouped.setdefault(customer_id, []).append(tuple(values))
    return grouped


def export_rows(customers: QuerySet[Customer], definitions: list[CustomFieldDefinition]) -> Iterator[list[Any]]:
    """One row per customer (`COLUMNS`, then the business fields), a thousand at a time in id order
    so memory stays flat: the customers' columns in one query, then their phones, emails, tags and
    addresses in one query each — read as values, not model instances (the instances and the
    prefetching machinery were four fifths of the time: 100,000 customers took 30 s)."""
    own = customers.order_by("id").values(*_OWN, "home_branch__code", "owner__username", "custom")
    last = 0
    while chunk := list(own.filter(pk__gt=last)[:CHUNK]):
        ids = [customer["id"] for customer in chunk]
        last = ids[-1]
        phones = _by_customer(
            CustomerPhone.objects.filter(customer_id__in=ids)
            .order_by("customer_id", "-is_primary", "id")
            .values_list("customer_id", "number")
        )
        emails = _by_customer(
            CustomerEmail.objects.filter(customer_id__in=ids)
            .order_by("customer_id", "-is_primary", "id")
            .values_list("customer_id", "email")
        )
        tags = _by_customer(
            Customer.tags.through.objects.filter(customer_id__in=ids)
            .order_by("customer_id", "tag__name")
            .values_list("customer_id", "tag__name", "tag__kind")
        )
        addresses = _by_customer(  # her most recently used (else newest) address comes first
            Address.objects.filter(customer_id__in=ids)
            .order_by("customer_id", F("last_used_at").desc(nulls_last=True), "-created_at", "-id")
            .values_list(
                "customer_id", "label", "line", "landmark", "province__name", "regency__name", "district__name"
            )
        )
        for customer in chunk:
            pk = customer["id"]
            cells = {name: _plain(customer[name]) for name in _OWN}
            numbers = [number for (number,) in phones.get(pk, ())] + ["", "", ""]
            mails = [email for (email,) in emails.get(pk, ())] + ["", ""]
            labels = tags.get(pk, [])
            address = next(iter(addresses.get(pk, ())), (None,) * 6)
            cells.update(
                zip(
                    ("address_label", "address_line", "address_landmark", "province", "city", "district"),
                    map(_plain, address),
                    strict=True,
                ),
                phone=numbers[0],
                phone_2=numbers[1],
                phone_3=numbers[2],
                email=mails[0],
                email_2=mails[1],
                home_branch=_plain(customer["home_branch__code"]),
                owner=_plain(customer["owner__username"]),
                tags=", ".join(tag for tag, kind in labels if kind == "label"),
                interests=", ".join(tag for tag, kind in labels if kind == "interest"),
            )
            row = [cells[name] for name in COLUMNS]
            for definition in definitions:
                value = customer["custom"].get(definition.key)
                row.append("; ".join(value) if isinstance(value, list) else _plain(value))
            yield row
