"""Every write to customers: create, update (with an optimistic version check), tags, consent,
custom field definitions. Each is atomic, validated and audited."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from setia.accounts.models import Branch, User
from setia.accounts.selectors import branch_scope, require
from setia.core.audit import audit_changed, audit_log, diff, snapshot
from setia.core.errors import ApplicationError, validate_instance
from setia.core.phones import normalize_phone
from setia.core.texts import Message, choice_label
from setia.customers.custom_fields import (
    LIMITED_TYPES,
    clean_custom,
    comparable,
    convert_type,
    index_create,
    index_drop,
)
from setia.customers.models import (
    Address,
    ConsentRecord,
    Customer,
    CustomerEmail,
    CustomerPhone,
    CustomFieldDefinition,
    SavedView,
    ScreenPop,
    Tag,
)
from setia.customers.text import search_key

PROFILE_FIELDS = [
    "kind",
    "name",
    "company",
    "birthday",
    "gender",
    "occupation",
    "preferred_language",
    "preferred_channel",
    "source",
    "owner",
    "home_branch",
    "external_id",
    "notes",
    "custom",
]
AUDITED_FIELDS = [*PROFILE_FIELDS, "tags"]


@dataclass
class PhoneIn:
    number: str
    label: str = CustomerPhone.Label.MOBILE


@dataclass
class AddressIn:
    line: str
    label: str = Address.Label.HOME
    landmark: str = ""
    province_id: str | None = None
    regency_id: str | None = None
    district_id: str | None = None
    postal_code: str = ""
    id: int | None = None

    @classmethod
    def from_model(cls, address: Address) -> "AddressIn":
        """An existing address as it is, to keep it when contact points are replaced."""
        return cls(
            line=address.line,
            label=address.label,
            landmark=address.landmark,
            province_id=address.province_id,
            regency_id=address.regency_id,
            district_id=address.district_id,
            postal_code=address.postal_code,
            id=address.pk,
        )


@dataclass
class ContactPoints:
    phones: list[PhoneIn] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    addresses: list[AddressIn] = field(default_factory=list)


def _clean_phones(phones: Iterable[PhoneIn]) -> list[PhoneIn]:
    cleaned: list[PhoneIn] = []
    seen: set[str] = set()
    for index, phone in enumerate(phones):
        if not phone.number or not phone.number.strip():
            continue
        number = normalize_phone(phone.number, field=f"phones.{index}")
        if number in seen:
            continue
        seen.add(number)
        if phone.label not in CustomerPhone.Label.values:
            message = _("Unknown phone label: %(label)s") % {"label": phone.label}
            raise ApplicationError(message, {f"phones.{index}": [message]})
        cleaned.append(PhoneIn(number, phone.label))
    return cleaned


def _clean_emails(emails: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    for index, raw in enumerate(emails):
        email = (raw or "").strip().lower()
        if not email:
            continue
        try:
            validate_email(email)
        except ValidationError as error:
            message = _("“%(value)s” is not an email address.") % {"value": raw}
            raise ApplicationError(message, {f"emails.{index}": [message]}) from error
        if email not in cleaned:
            cleaned.append(email)
    return cleaned


def _clean_addresses(addresses: Iterable[AddressIn]) -> list[AddressIn]:
    from setia.customers.models import District, Regency

    cleaned = []
    for index, address in enumerate(addresses):
        if not address.line or not address.line.strip():
            continue
        address.line = address.line.strip()
        if address.label not in Address.Label.values:
            message = _("Unknown address label: %(label)s") % {"label": address.label}
            raise ApplicationError(message, {f"addresses.{index}": [message]})
        # Fill the parents from the most precise level given, and refuse a mismatch.
        if address.district_id:
            district = District.objects.select_related("regency").filter(pk=address.district_id).first()
            if district is None or (address.regency_id and address.regency_id != district.regency_id):
                message = _("The district does not belong to the city/regency.")
                raise ApplicationError(message, {f"addresses.{index}": [message]})
            address.regency_id = district.regency_id
        if address.regency_id:
            regency = Regency.objects.filter(pk=address.regency_id).first()
            if regency is None or (address.province_id and address.province_id != regency.province_id):
                message = _("The city/regency does not belong to the province.")
                raise ApplicationError(message, {f"addresses.{index}": [message]})
            address.province_id = regency.province_id
        cleaned.append(address)
    return cleaned


def _check_branch(actor: User, branch: Branch | None) -> None:
    scope = branch_scope(actor)
    if branch is None and not scope.all_branches:
        message = _("Choose the customer's home branch.")
        raise ApplicationError(message, {"home_branch": [message]})
    if branch is not None and not scope.allows(branch.pk):
        message = _("You can only add customers to your own branch.")
        raise ApplicationError(message, {"home_branch": [message]})


def _check_company(customer: Customer) -> None:
    if customer.company_id is None:
        return
    if (
        customer.kind == Customer.Kind.COMPANY
        or customer.company is None
        or customer.company.kind != Customer.Kind.COMPANY
    ):
        message = _("A person can belong to a company; a company cannot belong to another.")
        raise ApplicationError(message, {"company": [message]})


def _check_external_id(customer: Customer) -> None:
    customer.external_id = (customer.external_id or "").strip() or None
    if (
        customer.external_id
        and Customer.objects.filter(external_id=customer.external_id).exclude(pk=customer.pk).exists()
    ):
        message = _("Another customer already has the external id %(value)s.") % {"value": customer.external_id}
        raise ApplicationError(message, {"external_id": [message]})


OLDEST_AGE_YEARS = 120


def _check_birthday(birthday: Any) -> None:
    """A birthday is a day in the past, at most 120 years ago."""
    if isinstance(birthday, str):
        try:
            birthday = dt.date.fromisoformat(birthday)
        except ValueError:
            return  # not a date: the model's validation names the field
    if not isinstance(birthday, dt.date):
        return
    today = timezone.localdate()
    if birthday > today:
        message = _("Birthday: the date is in the future.")
        raise ApplicationError(message, {"birthday": [message]})
    try:
        oldest = today.replace(year=today.year - OLDEST_AGE_YEARS)
    except ValueError:  # 29 February
        oldest = today.replace(year=today.year - OLDEST_AGE_YEARS, day=28)
    if birthday < oldest:
        message = _("Birthday: the date is more than %(years)s years ago.") % {"years": OLDEST_AGE_YEARS}
        raise ApplicationError(message, {"birthday": [message]})


def _save_contact_points(customer: Customer, contacts: ContactPoints) -> None:
    phones = _clean_phones(contacts.phones)
    emails = _clean_emails(contacts.emails)
    addresses = _clean_addresses(contacts.addresses)
    CustomerPhone.objects.filter(customer=customer).exclude(number__in=[p.number for p in phones]).delete()
    for index, phone in enumerate(phones):
        CustomerPhone.objects.update_or_create(
            customer=customer, number=phone.number, defaults={"label": phone.label, "is_primary": index == 0}
        )
    CustomerEmail.objects.filter(customer=customer).exclude(email__in=emails).delete()
    for index, email in enumerate(emails):
        CustomerEmail.objects.update_or_create(customer=customer, email=email, defaults={"is_primary": index == 0})
    kept_ids = [address.id for address in addresses if address.id]
    Address.objects.filter(customer=customer).exclude(pk__in=kept_ids).delete()
    for address in addresses:
        values = {
            "label": address.label,
            "line": address.line,
            "landmark": address.landmark.strip(),
            "province_id": address.province_id or None,
            "regency_id": address.regency_id or None,
            "district_id": address.district_id or None,
            "postal_code": address.postal_code.strip(),
        }
        if address.id:
            Address.objects.filter(pk=address.id, customer=customer).update(**values)
        else:
            Address.objects.create(customer=customer, **values)


def _contact_snapshot(customer: Customer) -> dict[str, Any]:
    return {
        "phones": sorted(customer.phones.values_list("number", flat=True)),
        "emails": sorted(customer.emails.values_list("email", flat=True)),
        "addresses": sorted(str(address) for address in customer.addresses.select_related("regency", "district")),
    }


def _tags(names: Iterable[str], kind: str) -> list[Tag]:
    tags = []
    for name in {n.strip() for n in names if n and n.strip()}:
        tag = Tag.objects.filter(kind=kind, name__iexact=name).first() or Tag.objects.create(kind=kind, name=name[:60])
        tags.append(tag)
    return tags


@transaction.atomic
def customer_create(
    *,
    actor: User,
    name: str,
    contacts: ContactPoints | None = None,
    tags: Iterable[str] = (),
    interests: Iterable[str] = (),
    custom: dict[str, Any] | None = None,
    home_branch: Branch | None = None,
    marketing_consent: Iterable[str] = (),
    notice_version: str = "",
    **fields: Any,
) -> Customer:
    """A new customer. `marketing_consent`: channels she agreed, on the new-customer form, to
    receive marketing by (recorded as consent from a form under `notice_version`)."""
    require(actor, "customers.edit")
    if home_branch is None and actor.branch_id and not branch_scope(actor).all_branches:
        home_branch = actor.branch
    customer = Customer(name=(name or "").strip(), home_branch=home_branch, **fields)
    customer.search_name = search_key(customer.name)
    if not customer.name:
        message = _("Enter the customer's name.")
        raise ApplicationError(message, {"name": [message]})
    _check_branch(actor, home_branch)
    _check_company(customer)
    _check_external_id(customer)
    _check_birthday(customer.birthday)
    customer.custom = clean_custom(custom)
    validate_instance(customer, exclude=["search_name", "company", "owner", "home_branch"])
    customer.save()
    _save_contact_points(customer, contacts or ContactPoints())
    customer.tags.set([*_tags(tags, Tag.Kind.LABEL), *_tags(interests, Tag.Kind.INTEREST)])
    after = {**snapshot(customer, AUDITED_FIELDS), **_contact_snapshot(customer)}
    changes = diff({}, {name: value for name, value in after.items() if value not in (None, "", [], {})})
    audit_log(actor=actor, action="create", instance=customer, changes=changes, branch_id=customer.home_branch_id)
    for channel in dict.fromkeys(marketing_consent):
        consent_record(
            actor=actor,
            customer=customer,
            channel=channel,
            purpose=ConsentRecord.Purpose.MARKETING,
            granted=True,
            source=ConsentRecord.Source.FORM,
            notice_version=notice_version,
        )
    return customer


@transaction.atomic
def customer_update(
    *,
    actor: User,
    customer: Customer,
    version: int,
    contacts: ContactPoints | None = None,
    tags: Iterable[str] | None = None,
    interests: Iterable[str] | None = None,
    custom: dict[str, Any] | None = None,
    **fields: Any,
) -> Customer:
    """Update `customer` if nobody else changed it since `version` was read.

    Fields not given keep their values; `contacts`, when given, replaces phones, emails and
    addresses (addresses with an `id` are updated in place and keep their last use).
    """
    require(actor, "customers.edit")
    # The version check and bump happen in one conditional UPDATE: the second of two concurrent
    # editors updates nothing and is told to reload.
    bumped = Customer.objects.filter(pk=customer.pk, version=version).update(version=F("version") + 1)
    if not bumped:
        message = _("Someone else changed this customer while you were editing. Reload to see their changes.")
        raise ApplicationError(message, {"version": [message]})
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if not branch_scope(actor).allows(customer.home_branch_id):
        raise ApplicationError(_("Customer not found."))
    before = {**snapshot(customer, AUDITED_FIELDS), **_contact_snapshot(customer)}
    if "birthday" in fields and fields["birthday"] != customer.birthday:
        # Only a changed birthday is checked: an old record keeps saving while other fields change.
        _check_birthday(fields["birthday"])
    for name, value in fields.items():
        if name not in PROFILE_FIELDS or name == "custom":
            raise ApplicationError(_("Unknown field: %(field)s") % {"field": name})
        setattr(customer, name, value.strip() if isinstance(value, str) else value)
    customer.search_name = search_key(customer.name)
    if not customer.name:
        message = _("Enter the customer's name.")
        raise ApplicationError(message, {"name": [message]})
    if "home_branch" in fields:
        _check_branch(actor, customer.home_branch)
    _check_company(customer)
    _check_external_id(customer)
    if custom is not None:
        customer.custom = clean_custom(custom, existing=customer.custom, partial=True)
    validate_instance(customer, exclude=["search_name", "company", "owner", "home_branch"])
    customer.save()
    if contacts is not None:
        _save_contact_points(customer, contacts)
    if tags is not None or interests is not None:
        current_labels = list(customer.tags.filter(kind=Tag.Kind.LABEL).values_list("name", flat=True))
        current_interests = list(customer.tags.filter(kind=Tag.Kind.INTEREST).values_list("name", flat=True))
        customer.tags.set(
            [
                *_tags(tags if tags is not None else current_labels, Tag.Kind.LABEL),
                *_tags(interests if interests is not None else current_interests, Tag.Kind.INTEREST),
            ]
        )
    changes = diff(before, {**snapshot(customer, AUDITED_FIELDS), **_contact_snapshot(customer)})
    if changes:
        audit_log(actor=actor, action="update", instance=customer, changes=changes, branch_id=customer.home_branch_id)
    return customer


# --- Consent ----------------------------------------------------------------------------------


@transaction.atomic
def consent_record(
    *,
    actor: User | None,
    customer: Customer,
    channel: str,
    purpose: str,
    granted: bool,
    source: str,
    notice_version: str,
) -> ConsentRecord:
    """Append one consent statement. Nothing is ever updated: the latest record is the status.
    Staff record it if they may edit customers; `actor` None is the customer herself (portal)."""
    if actor is not None:
        require(actor, "customers.edit")
    record = ConsentRecord(
        customer=customer,
        channel=channel,
        purpose=purpose,
        granted=granted,
        source=source,
        notice_version=(notice_version or "").strip(),
        actor=actor if actor is not None and actor.is_authenticated else None,
    )
    validate_instance(record, exclude=["customer", "actor"])
    record.save()
    audit_log(
        actor=actor,
        action="update",
        instance=customer,
        changes={f"consent.{channel}.{purpose}": [None, granted]},
        message=Message(
            gettext_noop("Consent given (%(source)s, notice %(notice)s)")
            if granted
            else gettext_noop("Consent withdrawn (%(source)s, notice %(notice)s)"),
            {"source": choice_label(ConsentRecord.Source(record.source).label), "notice": record.notice_version or "—"},
        ),
        branch_id=customer.home_branch_id,
    )
    return record


# --- Custom field definitions ---------------------------------------------------------------

DEFINITION_FIELDS = [
    "key",
    "label",
    "field_type",
    "required",
    "help_text",
    "choices",
    "group",
    "position",
    "minimum",
    "maximum",
    "archived_at",
]


def _clean_definition(definition: CustomFieldDefinition) -> None:
    definition.label = definition.label.strip()
    definition.choices = [str(choice).strip() for choice in (definition.choices or []) if str(choice).strip()]
    choice_types = (CustomFieldDefinition.FieldType.CHOICE, CustomFieldDefinition.FieldType.MULTI_CHOICE)
    if definition.field_type in choice_types and not definition.choices:
        message = _("List the choices, one per line.")
        raise ApplicationError(message, {"choices": [message]})
    if definition.field_type not in choice_types:
        definition.choices = []
    if len({choice.lower() for choice in definition.choices}) != len(definition.choices):
        message = _("Each choice may appear only once.")
        raise ApplicationError(message, {"choices": [message]})
    _clean_limits(definition)
    validate_instance(definition)


def _clean_limits(definition: CustomFieldDefinition) -> None:
    """Minimum and maximum in the stored form of the field's values. Only whole numbers, decimals
    and dates have limits; a limit on another type is refused rather than silently dropped.
    Stored values are never touched: one outside new limits stays until it is next edited."""
    labels = {"minimum": _("Minimum"), "maximum": _("Maximum")}
    for name, label in labels.items():
        raw = getattr(definition, name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            setattr(definition, name, None)
            continue
        if definition.field_type not in LIMITED_TYPES:
            message = _("Only whole number, decimal number and date fields have a minimum and maximum.")
            raise ApplicationError(message, {name: [message]})
        try:
            setattr(definition, name, convert_type(definition, raw))
        except ValueError as error:
            raise ApplicationError(f"{label}: {error}", {name: [str(error)]}) from error
    low, high = definition.minimum, definition.maximum
    if low is not None and high is not None and comparable(definition, low) > comparable(definition, high):
        message = _("The minimum must not be more than the maximum.")
        raise ApplicationError(message, {"minimum": [message]})


@transaction.atomic
def custom_field_create(*, actor: User, key: str, label: str, field_type: str, **fields: Any) -> CustomFieldDefinition:
    require(actor, "customers.fields")
    definition = CustomFieldDefinition(
        key=key.strip().lower().replace("-", "_"), label=label, field_type=field_type, **fields
    )
    if CustomFieldDefinition.objects.filter(key=definition.key).exists():
        message = _("A field with this key already exists (perhaps archived).")
        raise ApplicationError(message, {"key": [message]})
    _clean_definition(definition)
    definition.save()
    index_create(definition)
    audit_log(actor=actor, action="create", instance=definition, changes={"label": [None, definition.label]})
    return definition


@transaction.atomic
def custom_field_update(*, actor: User, definition: CustomFieldDefinition, **fields: Any) -> CustomFieldDefinition:
    """Change a definition. Its key and type stay fixed, and a removed choice must not be in use,
    so no stored value is silently invalidated."""
    require(actor, "customers.fields")
    definition = CustomFieldDefinition.objects.select_for_update().get(pk=definition.pk)
    before = snapshot(definition, DEFINITION_FIELDS)
    for name in ("key", "field_type"):
        if name in fields and fields.pop(name) != getattr(definition, name):
            message = _("The key and type of a field cannot change; archive it and add a new one.")
            raise ApplicationError(message, {name: [message]})
    for name, value in fields.items():
        setattr(definition, name, value)
    removed = set(before["choices"]) - set(definition.choices or [])
    if removed and custom_field_value_count(definition, only_choices=removed):
        message = _("Some customers still have the choice(s) %(choices)s; change them first.") % {
            "choices": ", ".join(sorted(removed))
        }
        raise ApplicationError(message, {"choices": [message]})
    _clean_definition(definition)
    definition.save()
    if definition.archived_at is None:
        index_create(definition)  # a restored field is filterable again
    else:
        index_drop(definition)  # an archived field is not offered as a filter
    audit_changed(actor=actor, instance=definition, before=before, fields=DEFINITION_FIELDS)
    return definition


def custom_field_value_count(definition: CustomFieldDefinition, only_choices: set[str] | None = None) -> int:
    """How many customers hold a value for this field (optionally: one of these choices)."""
    count = 0
    for values in Customer.objects.filter(custom__has_key=definition.key).values_list("custom", flat=True).iterator():
        value = values.get(definition.key)
        held = set(value) if isinstance(value, list) else {value}
        if only_choices is None or held & only_choices:
            count += 1
    return count


@transaction.atomic
def custom_field_archive(
    *, actor: User, definition: CustomFieldDefinition, archived: bool = True
) -> CustomFieldDefinition:
    """Hide a field from forms and lists; its values stay on the customers and come back on restore."""
    return custom_field_update(actor=actor, definition=definition, archived_at=timezone.now() if archived else None)


@transaction.atomic
def custom_field_delete(*, actor: User, definition: CustomFieldDefinition, confirm_value_count: int) -> int:
    """Delete a field and its values. The caller must confirm how many values go (as shown to the user)."""
    require(actor, "customers.fields")
    count = custom_field_value_count(definition)
    if count != confirm_value_count:
        message = _("%(count)s customers have a value for this field; confirm that number to delete it.") % {
            "count": count
        }
        raise ApplicationError(message, {"confirm_value_count": [message]})
    for customer in Customer.objects.filter(custom__has_key=definition.key).only("custom").iterator():
        customer.custom.pop(definition.key, None)
        Customer.objects.filter(pk=customer.pk).update(custom=customer.custom)
    audit_log(
        actor=actor,
        action="delete",
        instance=definition,
        message=Message(gettext_noop("%(count)s values deleted"), {"count": count}),
    )
    index_drop(definition)
    definition.delete()
    return count


# --- Telephony --------------------------------------------------------------------------------

WITHHELD = {"", "anonymous", "private", "withheld", "unknown", "restricted"}
TELEPHONY_EVENTS = {ScreenPop.Event.RINGING, ScreenPop.Event.ANSWERED, ScreenPop.Event.MISSED}


@transaction.atomic
def telephony_event_receive(*, actor: User, event: str, caller: str, agent_username: str) -> ScreenPop:
    """A phone system reports a call for an agent; their open browser shows the caller's card."""
    require(actor, "calls.answer")
    if event not in TELEPHONY_EVENTS:
        message = _("Unknown event %(event)s; expected ringing, answered or missed.") % {"event": event}
        raise ApplicationError(message, {"event": [message]})
    agent = User.objects.filter(username=agent_username, is_active=True).first()
    # The agent's screen is one the sender may reach: her own, or one of a branch she sees (a call
    # agent's key cannot pop calls on another branch's screens); others are not named as existing.
    reachable = agent is not None and (agent.pk == actor.pk or branch_scope(actor).allows(agent.branch_id))
    if agent is None or not reachable or not agent.has_capability("calls.answer"):
        message = _("No agent %(agent)s who answers calls.") % {"agent": agent_username}
        raise ApplicationError(message, {"agent": [message]})
    raw = (caller or "").strip()
    phone = ""
    if raw.lower() not in WITHHELD:
        phone = normalize_phone(raw, field="caller")
    return ScreenPop.objects.create(agent=agent, event=event, caller=raw[:40], phone=phone)


def call_lookup_record(*, agent: User, typed: str, phone: str) -> ScreenPop:
    """A number the agent typed into "Who's calling?": kept as a call of theirs (their recent
    calls list it), as a ringing event from a phone system would be. Never popped up on their
    screens: they are looking at it already. `phone` is `typed` normalised (empty: not a number)."""
    require(agent, "calls.answer")
    return ScreenPop.objects.create(agent=agent, event=ScreenPop.Event.LOOKUP, caller=typed[:40], phone=phone)


# --- Bulk actions and exports -------------------------------------------------------------------


def _visible_ids(actor: User, ids: Iterable[int]) -> list[int]:
    from setia.customers.selectors import visible_customers

    wanted = list(ids)
    if not wanted:
        message = _("Tick at least one customer.")
        raise ApplicationError(message, {"id": [message]})
    return list(visible_customers(actor).filter(pk__in=wanted).values_list("pk", flat=True))


@transaction.atomic
def customers_tag(*, actor: User, ids: Iterable[int], tag: str) -> int:
    require(actor, "customers.edit")
    name = (tag or "").strip()
    if not name:
        message = _("Enter the tag to add.")
        raise ApplicationError(message, {"tag": [message]})
    label = _tags([name], Tag.Kind.LABEL)[0]
    visible = _visible_ids(actor, ids)
    through = Customer.tags.through
    have = set(through.objects.filter(tag=label, customer_id__in=visible).values_list("customer_id", flat=True))
    through.objects.bulk_create([through(customer_id=pk, tag=label) for pk in visible if pk not in have])
    for customer in Customer.objects.filter(pk__in=[pk for pk in visible if pk not in have]):
        audit_log(
            actor=actor,
            action="update",
            instance=customer,
            changes={"tags": [None, label.name]},
            branch_id=customer.home_branch_id,
        )
    return len(visible) - len(have)


@transaction.atomic
def customers_assign_owner(*, actor: User, ids: Iterable[int], owner: User | None) -> int:
    require(actor, "customers.edit")
    if owner is None:
        message = _("Choose the staff member who will own these customers.")
        raise ApplicationError(message, {"owner": [message]})
    changed = 0
    for customer in Customer.objects.select_for_update().filter(pk__in=_visible_ids(actor, ids)):
        if customer.owner_id == owner.pk:
            continue
        before = customer.owner_id
        Customer.objects.filter(pk=customer.pk).update(owner=owner, version=F("version") + 1)
        audit_log(
            actor=actor,
            action="update",
            instance=customer,
            changes={"owner": [before, owner.pk]},
            branch_id=customer.home_branch_id,
        )
        changed += 1
    return changed


def customers_exported(*, actor: User, count: int, description: str) -> None:
    """Record who took personal data out of the system, and how much (UU PDP accountability)."""
    require(actor, "customers.export")
    audit_log(
        actor=actor,
        action="other",
        instance=actor,
        message=Message(
            gettext_noop("Exported %(count)s customers (%(filter)s)"), {"count": count, "filter": description[:180]}
        ),
    )


# --- Saved list views ---------------------------------------------------------------------------


@transaction.atomic
def saved_view_save(*, actor: User, name: str, query: str) -> SavedView:
    """Save (or overwrite) the actor's named view of the customer list."""
    from urllib.parse import parse_qsl, urlencode

    require(actor, "customers.view")
    name = (name or "").strip()
    if not name:
        message = _("Give the view a name.")
        raise ApplicationError(message, {"name": [message]})
    # Keep only the list's own parameters, never a page cursor.
    kept = [(key, value) for key, value in parse_qsl(query) if key != "after" and value]
    view, _created = SavedView.objects.update_or_create(
        owner=actor, name=name[:60], defaults={"query": urlencode(kept)[:2000]}
    )
    return view


@transaction.atomic
def saved_view_delete(*, actor: User, view: SavedView) -> None:
    if view.owner_id != actor.pk:
        raise ApplicationError(_("Not found."))
    view.delete()
