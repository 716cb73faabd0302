"""Duplicate detection and merging.

Merging moves everything that hangs on the merged-away customer to the survivor through
handlers: this app's own (phones, emails, addresses, consent, tags, history) and those that
higher apps register (purchases, points, tickets…) with `register_merge_handler` — customers
never imports them. The merged-away record stays, pointing at the survivor, so its old id
still resolves.

The merge screen shows, beside each record, what helps tell the live one from the stale one:
customer since and last contact from here, and facts higher apps register with
`register_merge_facts` (orders and spend, membership…), each asked once for both customers.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from setia.accounts.models import User
from setia.accounts.selectors import require
from setia.core.audit import audit_log, object_key
from setia.core.errors import ApplicationError
from setia.core.models import AuditEvent
from setia.core.texts import Message
from setia.customers.models import (
    Address,
    ConsentRecord,
    Customer,
    CustomerEmail,
    CustomerPhone,
    DuplicateCandidate,
)
from setia.customers.selectors import visible_customers
from setia.customers.services import PROFILE_FIELDS
from setia.customers.timeline import last_interactions

MergeHandler = Callable[[Customer, Customer, User], None]
_handlers: dict[str, MergeHandler] = {}

# Fields the merge screen lets the user pick per field (custom fields are picked per key).
CHOOSABLE = [name for name in PROFILE_FIELDS if name != "custom"]


def register_merge_handler(key: str, handler: MergeHandler) -> None:
    _handlers[key] = handler


def _move_contact_points(survivor: Customer, merged: Customer, actor: User) -> None:
    have_phones = set(survivor.phones.values_list("number", flat=True))
    CustomerPhone.objects.filter(customer=merged).exclude(number__in=have_phones).update(
        customer=survivor, is_primary=False
    )
    CustomerPhone.objects.filter(customer=merged).delete()
    have_emails = set(survivor.emails.values_list("email", flat=True))
    CustomerEmail.objects.filter(customer=merged).exclude(email__in=have_emails).update(
        customer=survivor, is_primary=False
    )
    CustomerEmail.objects.filter(customer=merged).delete()
    Address.objects.filter(customer=merged).update(customer=survivor)
    ConsentRecord.objects.filter(customer=merged).update(customer=survivor)
    survivor.tags.add(*merged.tags.all())
    # The merged-away customer's history now shows on the survivor's timeline.
    AuditEvent.objects.filter(subject_key=object_key(merged)).update(subject_key=object_key(survivor))


register_merge_handler("customers", _move_contact_points)


@dataclass(frozen=True)
class MergeFact:
    """One line of a record's summary on the merge screen. Facts with the same `key` sit on one
    row, the two records side by side; rows come in `order`."""

    key: str
    label: str
    value: str
    order: int = 100


# `(viewer, customer ids) -> {customer id: [facts]}`, one query for all the ids; a fact the viewer
# may not see (no capability for it) is left out.
MergeFacts = Callable[[User, list[int]], dict[int, list[MergeFact]]]
_facts: dict[str, MergeFacts] = {}


def register_merge_facts(key: str, facts: MergeFacts) -> None:
    _facts[key] = facts


def _own_facts(customers: list[Customer]) -> dict[int, list[MergeFact]]:
    """Customer since, and the newest contact (a purchase, a call…) from the timeline's
    interaction sources, asked for both customers at once."""
    latest = last_interactions(customers, limit=1)
    found: dict[int, list[MergeFact]] = {}
    for customer in customers:
        since = date_format(timezone.localtime(customer.created_at), "DATE_FORMAT")
        entries = latest.get(customer.pk) or []
        if entries:
            when = date_format(timezone.localtime(entries[0].at), "DATE_FORMAT")
            last = f"{when} · {entries[0].title}"
        else:
            last = _("No contact recorded")
        found[customer.pk] = [
            MergeFact("customers.since", _("Customer since"), since, order=10),
            MergeFact("customers.last_activity", _("Last activity"), last, order=20),
        ]
    return found


def merge_summary(*, actor: User, first: Customer, second: Customer) -> list[dict[str, str]]:
    """The rows of the merge screen's summary: `{"label", "a", "b"}`, a value empty where that
    record has no such fact."""
    customers = [first, second]
    ids = [customer.pk for customer in customers]
    by_customer: dict[int, list[MergeFact]] = _own_facts(customers)
    for facts in _facts.values():
        for pk, found in facts(actor, ids).items():
            by_customer.setdefault(pk, []).extend(found)
    rows: dict[str, dict[str, Any]] = {}
    for side, customer in (("a", first), ("b", second)):
        for fact in by_customer.get(customer.pk, []):
            row = rows.setdefault(fact.key, {"label": fact.label, "order": fact.order, "a": "", "b": ""})
            row[side] = fact.value
    ordered = sorted(rows.values(), key=lambda row: row["order"])
    return [{"label": row["label"], "a": row["a"], "b": row["b"]} for row in ordered]


@transaction.atomic
def customers_merge(
    *, actor: User, survivor: Customer, merged: Customer, take_from_merged: list[str] | None = None
) -> Customer:
    """Merge `merged` into `survivor`. `take_from_merged` names the fields (and `custom.<key>`) whose
    value comes from the merged-away customer; every other field keeps the survivor's value."""
    require(actor, "customers.merge")
    if survivor.pk == merged.pk:
        raise ApplicationError(_("Choose two different customers."))
    visible = visible_customers(actor)
    locked = {c.pk: c for c in visible.select_for_update().filter(pk__in=[survivor.pk, merged.pk]).order_by("pk")}
    if len(locked) != 2:
        raise ApplicationError(_("Customer not found."))
    survivor, merged = locked[survivor.pk], locked[merged.pk]
    chosen = set(take_from_merged or [])
    unknown = {f for f in chosen if f not in CHOOSABLE and not f.startswith("custom.")}
    if unknown:
        raise ApplicationError(_("Unknown field: %(field)s") % {"field": ", ".join(sorted(unknown))})
    changes: dict[str, list[Any]] = {}
    unique_values = {}
    for name in CHOOSABLE:
        field = Customer._meta.get_field(name)
        attribute = field.attname  # type: ignore[union-attr]
        if name in chosen or (
            getattr(survivor, attribute) in (None, "") and getattr(merged, attribute) not in (None, "")
        ):
            new = getattr(merged, attribute)
            if new != getattr(survivor, attribute):
                changes[name] = [getattr(survivor, attribute), new]
                if name == "external_id":
                    unique_values[attribute] = new
                else:
                    setattr(survivor, attribute, new)
    custom = dict(merged.custom)
    custom.update({k: v for k, v in survivor.custom.items() if f"custom.{k}" not in chosen})
    if custom != survivor.custom:
        changes["custom"] = [survivor.custom, custom]
        survivor.custom = custom
    if not survivor.member_number and merged.member_number:
        unique_values["member_number"] = merged.member_number
    # Unique values move: free them on the merged-away record first.
    Customer.objects.filter(pk=merged.pk).update(
        merged_into=survivor, archived_at=timezone.now(), external_id=None, member_number=None
    )
    for attribute, value in unique_values.items():
        setattr(survivor, attribute, value)
    from setia.customers.text import search_key

    survivor.search_name = search_key(survivor.name)
    survivor.version += 1
    survivor.save()
    for handler in _handlers.values():
        handler(survivor, merged, actor)
    DuplicateCandidate.objects.filter(first__in=[survivor, merged], second__in=[survivor, merged]).update(
        status=DuplicateCandidate.Status.MERGED
    )
    audit_log(
        actor=actor,
        action="update",
        instance=survivor,
        changes=changes,
        message=Message(gettext_noop("Merged customer #%(id)s into this one"), {"id": str(merged.pk)}),
        branch_id=survivor.home_branch_id,
    )
    audit_log(
        actor=actor,
        action="archive",
        instance=merged,
        subject=survivor,
        message=Message(gettext_noop("Merged into customer #%(id)s"), {"id": str(survivor.pk)}),
        branch_id=merged.home_branch_id,
    )
    return survivor


@transaction.atomic
def duplicate_dismiss(*, actor: User, candidate: DuplicateCandidate) -> None:
    require(actor, "customers.merge")
    candidate.status = DuplicateCandidate.Status.DISMISSED
    candidate.save(update_fields=["status", "updated_at"])
    audit_log(actor=actor, action="update", instance=candidate, message=Message(gettext_noop("Not a duplicate")))


def duplicate_scan() -> int:
    """Find customers sharing a phone or an email, or a name in the same city. Returns new pairs.

    Runs as a job (nightly, or on demand). Pairs already reviewed keep their status.
    """
    active = Customer.objects.filter(merged_into__isnull=True)
    pairs: dict[tuple[int, int], tuple[str, int]] = {}

    def add(ids: list[int], reason: str, score: int) -> None:
        ids = sorted(set(ids))[:20]  # a number shared by very many (a switchboard) is not a person
        for index, first in enumerate(ids):
            for second in ids[index + 1 :]:
                if (first, second) not in pairs or pairs[(first, second)][1] < score:
                    pairs[(first, second)] = (reason, score)

    shared = (
        CustomerPhone.objects.filter(customer__in=active)
        .values("number")
        .annotate(n=Count("customer", distinct=True))
        .filter(n__gt=1)
        .values_list("number", flat=True)
    )
    for number in shared.iterator():
        add(
            list(
                CustomerPhone.objects.filter(number=number, customer__in=active).values_list("customer_id", flat=True)
            ),
            "phone",
            90,
        )
    shared_emails = (
        CustomerEmail.objects.filter(customer__in=active)
        .values("email")
        .annotate(n=Count("customer", distinct=True))
        .filter(n__gt=1)
        .values_list("email", flat=True)
    )
    for email in shared_emails.iterator():
        add(
            list(CustomerEmail.objects.filter(email=email, customer__in=active).values_list("customer_id", flat=True)),
            "email",
            80,
        )
    same_name_city = (
        Address.objects.filter(customer__in=active, regency__isnull=False)
        .values("customer__search_name", "regency_id")
        .annotate(n=Count("customer", distinct=True))
        .filter(n__gt=1)
    )
    for group in same_name_city.iterator():
        ids = list(
            Address.objects.filter(
                customer__in=active,
                customer__search_name=group["customer__search_name"],
                regency_id=group["regency_id"],
            ).values_list("customer_id", flat=True)
        )
        add(ids, "name_city", 60)
    created = 0
    for (first, second), (reason, score) in pairs.items():
        try:
            with transaction.atomic():
                _obj, new = DuplicateCandidate.objects.get_or_create(
                    first_id=first, second_id=second, defaults={"reason": reason, "score": score}
                )
                created += int(new)
        except IntegrityError:
            continue
    return created
