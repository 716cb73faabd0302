"""Reads of customers, always through the actor's branch scope."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from setia.accounts.models import User
from setia.accounts.selectors import BranchScope, branch_scope, require
from setia.core.errors import ApplicationError, NotFoundError
from setia.core.phones import normalize_phone
from setia.core.sql import db_datetime, fetch_all, placeholders
from setia.customers.models import Address, ConsentRecord, Customer, CustomerEmail, CustomerPhone
from setia.customers.name_search import name_contains, name_has_words
from setia.customers.text import search_key

_PHONE_LIKE = re.compile(r"^[\d\s()+.-]{6,}$")


def visible_customers(actor: User) -> QuerySet[Customer]:
    require(actor, "customers.view")
    customers = Customer.objects.filter(merged_into__isnull=True, archived_at__isnull=True)
    return branch_scope(actor).filter(customers, field="home_branch")


def customers_out_of_view(*, actor: User, customers: Sequence[Customer | None]) -> frozenset[int]:
    """The ids of those customers whose branch the actor does not see. Records of other apps (an
    order, a voucher code, a referral) are seen by their own branch; a customer named on them who
    belongs to a branch the reader does not see is shown as "of another branch", without her
    name or contacts."""
    scope = branch_scope(actor)
    return frozenset(
        customer.pk for customer in customers if customer is not None and not scope.allows(customer.home_branch_id)
    )


def customer_get(*, actor: User, pk: int) -> Customer:
    """One customer the actor may see. A merged-away id resolves to the surviving customer."""
    customer = Customer.objects.filter(pk=pk).only("id", "merged_into_id").first()
    seen = set()
    while customer is not None and customer.merged_into_id and customer.pk not in seen:
        seen.add(customer.pk)
        customer = Customer.objects.filter(pk=customer.merged_into_id).only("id", "merged_into_id").first()
    found = (
        visible_customers(actor)
        .select_related("home_branch", "owner", "company")
        .prefetch_related(
            "phones",
            "emails",
            "tags",
            Prefetch("addresses", queryset=Address.objects.select_related("province", "regency", "district")),
        )
        .filter(pk=customer.pk if customer else 0)
        .first()
    )
    if found is None:
        raise NotFoundError(_("Customer not found."))
    return found


def name_prefix(key: str) -> dict[str, str]:
    """Names starting with `key` as an index range (a LIKE 'key%' cannot use the index on SQLite,
    whose LIKE ignores case)."""
    return {"search_name__gte": key, "search_name__lt": key + "\U0010ffff"}


def search_customers(*, actor: User, query: str, limit: int = 20) -> list[Customer]:
    """By name (prefix, word prefix, then contained; case and accents ignored), by phone in any
    typed form, by email, or by member card number / external id. Best matches first."""
    query = query.strip()
    customers = visible_customers(actor)
    if len(query) < 2:
        return []
    if "@" in query:
        return _by_ids(customers, _email_ids(query), limit)
    found = {customer.pk: customer for customer in _by_ids(customers, _code_ids(query), limit)}
    if _is_phone_like(query):
        for customer in _by_ids(customers, _phone_ids(query), limit):
            found.setdefault(customer.pk, customer)
        if not found:  # the start of a number, as typed so far (the search runs as you type)
            for customer in _by_ids(customers, _phone_prefix_ids(query, 200), limit):
                found.setdefault(customer.pk, customer)
        return list(found.values())[:limit]
    key = search_key(query)
    for queryset in (
        customers.filter(**name_prefix(key)),
        customers.filter(name_contains(f" {key}")),
        customers.filter(name_contains(key)),
        *([customers.filter(name_has_words(key))] if " " in key else []),  # the words in another order
    ):
        if len(found) >= limit:
            break
        for customer in queryset.prefetch_related("phones").order_by("search_name", "id")[: limit - len(found)]:
            found.setdefault(customer.pk, customer)
    return list(found.values())[:limit]


# The lookups by contact point the search box and the customer list share: each is one indexed
# lookup (the email, member number, external id and phone number indexes) giving customer ids
# of any state; callers narrow them to what the actor may see.
LOOKUP_LIMIT = 1000  # ids taken from the start of a phone number (a six-digit start can match many)


def _is_phone_like(query: str) -> bool:
    return bool(_PHONE_LIKE.match(query)) and sum(char.isdigit() for char in query) >= 6


def _email_ids(query: str) -> list[int]:
    return list(CustomerEmail.objects.filter(email=query.strip().lower()).values_list("customer_id", flat=True)[:200])


def _code_ids(query: str) -> list[int]:
    """A member card number (spaces ignored) or an external id, exactly. Two lookups, not one
    OR: SQLite answers an OR of two columns with a full scan."""
    compact = query.replace(" ", "")
    return [
        *Customer.objects.filter(member_number=compact).values_list("pk", flat=True)[:200],
        *Customer.objects.filter(external_id=query.strip()).values_list("pk", flat=True)[:200],
    ]


def _phone_ids(query: str) -> list[int]:
    """Customers with this full number, typed in any form."""
    try:
        number = normalize_phone(query)
    except ApplicationError:
        return []
    return list(CustomerPhone.objects.filter(number=number).values_list("customer_id", flat=True)[:200])


def _phone_prefix_ids(query: str, limit: int) -> list[int]:
    """Customers with a number starting with what was typed (six digits or more), as an index range."""
    start = phone_prefix(query)
    if not start:
        return []
    return list(
        CustomerPhone.objects.filter(number__gte=start, number__lt=_after_prefix(start))
        .order_by("number")
        .values_list("customer_id", flat=True)[:limit]
    )


@dataclass
class ContactLookup:
    """What a list search typed as a contact point found: customer ids (any state) and how."""

    ids: list[int]
    by: str  # "email", "phone", "phone_start", "card"
    capped: bool = False  # the start of a number matched more than LOOKUP_LIMIT phones


def contact_lookup(query: str) -> ContactLookup | None:
    """The customers an email, a phone (whole in any form, or its first six digits or more), a
    member card number or an external id points to; None when the text is none of these (a name)."""
    query = query.strip()
    if len(query) < 2:
        return None
    if "@" in query:
        return ContactLookup(_email_ids(query), "email")
    codes = _code_ids(query)
    if codes:
        return ContactLookup(codes, "card")
    if not _is_phone_like(query):
        return None
    whole = _phone_ids(query)
    if whole:
        return ContactLookup(whole, "phone")
    if not phone_prefix(query):
        return ContactLookup([], "phone")
    starts = _phone_prefix_ids(query, LOOKUP_LIMIT + 1)
    return ContactLookup(starts[:LOOKUP_LIMIT], "phone_start", capped=len(starts) > LOOKUP_LIMIT)


def _only_elsewhere(scope: BranchScope, holders: Sequence[tuple[int | None, str | None]]) -> str:
    """The (first) branch name of `holders` (home branch id, name) when the scope allows none."""
    if any(scope.allows(branch_id) for branch_id, _name in holders):
        return ""
    names = sorted({name for branch_id, name in holders if branch_id is not None and name})
    return names[0] if names else ""


def _stored_number(typed: str) -> str:
    try:
        return normalize_phone(typed) or "" if typed.strip() else ""
    except ApplicationError:
        return ""


def held_elsewhere(*, actor: User, card: str = "", phone: str = "") -> str:
    """The name of a branch whose customer holds member card `card` or phone number `phone` (any
    typed form), when the actor may see no customer holding it (branches that do not share
    customers): the till, the caller card and the new-customer form can then say why the number
    finds nobody, instead of taking her for someone new. Only the branch's name: never who she is.
    "" when nobody holds it, when someone the actor may see holds it, or when the actor sees all."""
    scope = branch_scope(actor)
    if scope.all_branches:
        return ""
    compact = card.replace(" ", "").upper()
    if compact:
        holders = list(
            Customer.objects.filter(
                member_number=compact, merged_into__isnull=True, archived_at__isnull=True
            ).values_list("home_branch_id", "home_branch__name")[:20]
        )
        if holders:
            return _only_elsewhere(scope, holders)
    number = _stored_number(phone)
    return numbers_elsewhere(actor=actor, numbers={number}).get(number, "") if number else ""


def numbers_elsewhere(*, actor: User, numbers: set[str]) -> dict[str, str]:
    """`held_elsewhere` for several stored (E.164) numbers in one query: number -> branch name, for
    the numbers that only customers the actor may not see hold."""
    scope = branch_scope(actor)
    if scope.all_branches or not numbers:
        return {}
    rows = CustomerPhone.objects.filter(
        number__in=numbers, customer__merged_into__isnull=True, customer__archived_at__isnull=True
    ).values_list("number", "customer__home_branch_id", "customer__home_branch__name")
    holders: dict[str, list[tuple[int | None, str | None]]] = {}
    for number, branch_id, name in rows:
        holders.setdefault(number, []).append((branch_id, name))
    found = {number: _only_elsewhere(scope, branches) for number, branches in holders.items()}
    return {number: branch for number, branch in found.items() if branch}


def card_elsewhere(*, actor: User, number: str) -> str:
    """What the till's customer box typed (a card number, or a phone number) belongs to a
    customer of another branch: that branch's name (see `held_elsewhere`)."""
    return held_elsewhere(actor=actor, card=number, phone=number if _is_phone_like(number.strip()) else "")


def phones_held_elsewhere(*, actor: User, numbers: list[str]) -> list[tuple[str, str]]:
    """(number as typed, branch name) for each of `numbers` that only a customer of a branch the
    actor may not see holds: the new-customer form warns before a duplicate is made. One query."""
    stored = {typed: _stored_number(typed) for typed in numbers if typed and typed.strip()}
    branches = numbers_elsewhere(actor=actor, numbers={number for number in stored.values() if number})
    return [(typed, branches[number]) for typed, number in stored.items() if number in branches]


def phone_prefix(query: str) -> str:
    """The E.164 start of an Indonesian number typed in part (`0813 44`, `62813`, `+62 813`, `813`):
    "" unless it has at least six digits (fewer would match too many numbers)."""
    digits = re.sub(r"\D", "", query)
    if len(digits) < 6:
        return ""
    if query.strip().startswith("+"):
        return "+" + digits
    if digits.startswith("0") and not digits.startswith("00"):
        return "+62" + digits[1:]
    if digits.startswith("62"):
        return "+" + digits
    if digits.startswith("8"):
        return "+62" + digits
    return ""


def _after_prefix(prefix: str) -> str:
    """The smallest string after every number starting with `prefix` (digits after a `+`): the
    prefix with its last digit that is not 9 counted up and what follows dropped. Numbers that
    start with it are the index range [prefix, this), in any collation, as they differ only in digits."""
    body = prefix.rstrip("9")
    if body in ("", "+"):
        return prefix + ":"  # after every digit
    return body[:-1] + chr(ord(body[-1]) + 1)


def _by_ids(customers: QuerySet[Customer], ids: Any, limit: int) -> list[Customer]:
    """Exact matches (a phone, an email, a card number): found through their own indexes, then
    fetched by id. Ordering them by name in SQL would make the planner walk the name index."""
    wanted = list(ids[:200])
    rows = list(customers.filter(pk__in=wanted).prefetch_related("phones")) if wanted else []
    return sorted(rows, key=lambda customer: (customer.search_name, customer.pk))[:limit]


@dataclass
class ListFilters:
    query: str = ""
    branch_id: int | None = None
    owner_id: int | None = None
    tag_id: int | None = None
    kind: str = ""
    custom: dict[str, str] | None = None


def customer_list(*, actor: User, filters: ListFilters) -> QuerySet[Customer]:
    customers = visible_customers(actor).select_related("home_branch", "owner")
    if filters.query:
        lookup = contact_lookup(filters.query)
        if lookup is not None:  # a phone, an email, a card number: found through their own indexes
            customers = customers.filter(pk__in=lookup.ids)
        else:
            key = search_key(filters.query)
            # Each word contained, in any order (a name starting with the text contains it too).
            customers = customers.filter(name_has_words(key))
    if filters.branch_id:
        customers = customers.filter(home_branch_id=filters.branch_id)
    if filters.owner_id:
        customers = customers.filter(owner_id=filters.owner_id)
    if filters.tag_id:
        customers = customers.filter(tags__id=filters.tag_id)
    if filters.kind:
        customers = customers.filter(kind=filters.kind)
    if filters.custom:
        customers = _filter_custom(customers, filters.custom)
    return customers


def customer_list_count(*, actor: User, filters: ListFilters) -> int | None:
    """How many customers the list shows, when that is cheap: only for a search by contact point
    (at most LOOKUP_LIMIT ids to count). None for a name search or no search, which may match a
    large part of a million customers (the list pages by keyset and never counts them)."""
    lookup = contact_lookup(filters.query) if filters.query else None
    if lookup is None or lookup.capped:  # a name, or a number's start matching too many to say
        return None
    return customer_list(actor=actor, filters=filters).count()


def _filter_custom(customers: QuerySet[Customer], values: dict[str, str]) -> QuerySet[Customer]:
    """Filter on business fields: text contains, numbers and dates exact (typed as people type them)."""
    from setia.customers.custom_fields import active_definitions, convert_type
    from setia.customers.models import CustomFieldDefinition

    kinds = CustomFieldDefinition.FieldType
    definitions = {d.key: d for d in active_definitions()}
    for key, raw in values.items():
        definition = definitions.get(key)
        if definition is None or raw in ("", None):
            continue
        if definition.field_type in (kinds.TEXT, kinds.LONG_TEXT):
            customers = customers.filter(**{f"custom__{key}__icontains": raw})
            continue
        try:
            value = convert_type(definition, raw)  # a filter may look for a value outside the field's limits
        except ValueError:
            return customers.none()  # not a value this field can hold: nothing matches
        if definition.field_type == kinds.MULTI_CHOICE:
            for choice in value:
                customers = customers.filter(**{f"custom__{key}__icontains": f'"{choice}"'})
        else:
            customers = customers.filter(_custom_equals(key, value))
    return customers


def _custom_equals(key: str, value: Any) -> RawSQL:
    """`custom[key] = value` as exactly the expression the field's index holds (custom_fields.py)."""
    from django.db import connection

    from setia.customers.custom_fields import filter_param, value_sql

    column = f"{connection.ops.quote_name(Customer._meta.db_table)}.{connection.ops.quote_name('custom')}"
    sql = value_sql(key, connection.vendor, column)
    return RawSQL(f"{sql} = %s", [filter_param(value, connection.vendor)], output_field=BooleanField())


def consent_status(customer: Customer) -> dict[tuple[str, str], ConsentRecord | None]:
    """The latest record per (channel, purpose); None where nothing was ever recorded."""
    status: dict[tuple[str, str], ConsentRecord | None] = {
        (channel, purpose): None for channel in ConsentRecord.Channel.values for purpose in ConsentRecord.Purpose.values
    }
    for record in customer.consents.order_by("-recorded_at", "-id"):
        key = (record.channel, record.purpose)
        if status.get(key) is None:
            status[key] = record
    return status


def consent_history(customer: Customer, limit: int = 100) -> list[ConsentRecord]:
    """The customer's consent records, newest first, with who recorded each."""
    return list(customer.consents.select_related("actor").order_by("-recorded_at", "-id")[:limit])


def current_notice_version() -> str:
    """The privacy notice version staff record consent under: the setting CONSENT_NOTICE_VERSION
    when there is one, else the version of the last consent staff or a form recorded (walked back
    by id, so no sort over all records), else ""."""
    from django.conf import settings

    configured = str(getattr(settings, "CONSENT_NOTICE_VERSION", "") or "").strip()
    if configured:
        return configured
    latest = (
        ConsentRecord.objects.exclude(source__in=[ConsentRecord.Source.IMPORT, ConsentRecord.Source.API])
        .order_by("-id")
        .values_list("notice_version", flat=True)
        .first()
    )
    return latest or ""


def possible_duplicates(*, actor: User, name: str, contacts: Any, exclude_id: int | None = None) -> list[Customer]:
    """Customers that may be the same person: same phone, same email, or the same name in the same city."""
    numbers = []
    for phone in contacts.phones:
        try:
            numbers.append(normalize_phone(phone.number))
        except ApplicationError:
            continue
    emails = [email.strip().lower() for email in contacts.emails if email]
    condition = Q(pk__in=CustomerPhone.objects.filter(number__in=numbers).values("customer_id")) | Q(
        pk__in=CustomerEmail.objects.filter(email__in=emails).values("customer_id")
    )
    regencies = [address.regency_id for address in contacts.addresses if address.regency_id]
    if name and regencies:
        condition |= Q(search_name=search_key(name), addresses__regency_id__in=regencies)
    found = visible_customers(actor).filter(condition)
    if exclude_id:
        found = found.exclude(pk=exclude_id)
    return list(found.distinct().order_by("search_name", "id")[:10])


@dataclass
class CallerCard:
    """What the agent sees when a call comes in: who it is, or who it might be, or nobody yet."""

    phone: str
    match: str  # "one", "several", "none", "withheld"
    customers: list[Customer]
    elsewhere: str = ""  # for "none": the branch whose customer has the number, if the agent may not see her


def callers(*, actor: User, number: str) -> list[Customer]:
    """Visible customers with this E.164 number, with what a caller card shows, in few queries."""
    ids = CustomerPhone.objects.filter(number=number).values("customer_id")
    return list(
        visible_customers(actor)
        .filter(pk__in=ids)
        .select_related("home_branch")
        .prefetch_related(
            "phones",
            Prefetch("addresses", queryset=Address.objects.select_related("province", "regency", "district")),
        )
        .order_by("-updated_at")[:20]
    )


def caller_lookup(*, actor: User, number: str) -> list[tuple[Customer, list[dict[str, Any]], list[dict[str, Any]]]]:
    """What the lookup API answers for a ringing phone: the customers `callers` finds (visible to
    the actor, not merged away or archived, the 20 changed most recently), each with its phones and
    addresses as plain values.

    The phone system asks this for every call, so it is two hand-written statements (the customers
    with their phones, then their addresses; prepared on PostgreSQL, `setia.core.sql`) and no model
    instances but the customers': building the same queries through the ORM cost ten times what
    the database took to answer them (measured, bench/bench_customers.py)."""
    require(actor, "customers.view")
    scope = branch_scope(actor)
    if not number or (not scope.all_branches and not scope.branch_ids):
        return []
    params: list[Any] = [number]
    in_scope = ""
    if not scope.all_branches:
        in_scope = f" AND c.home_branch_id IN ({placeholders(len(scope.branch_ids))})"
        params.extend(sorted(scope.branch_ids))
    # The matching customers (a number is on a customer at most once: phone_once_per_customer),
    # each with all her phones, in one statement.
    customers: dict[int, Customer] = {}
    phones: dict[int, list[dict[str, Any]]] = {}
    for pk, name, member_number, phone, label in fetch_all(
        "WITH matched AS (SELECT c.id, c.name, c.member_number, c.updated_at FROM customers_customer c"
        " JOIN customers_customerphone m ON m.customer_id = c.id"
        f" WHERE m.number = %s AND c.merged_into_id IS NULL AND c.archived_at IS NULL{in_scope}"
        " ORDER BY c.updated_at DESC LIMIT 20) "
        "SELECT matched.id, matched.name, matched.member_number, p.number, p.label FROM matched"
        " JOIN customers_customerphone p ON p.customer_id = matched.id"
        " ORDER BY matched.updated_at DESC, matched.id, p.is_primary DESC, p.id",
        params,
    ):
        if pk not in customers:
            customers[pk] = Customer.from_db(
                connection.alias, ["id", "name", "member_number"], (pk, name, member_number)
            )
            phones[pk] = []
        phones[pk].append({"number": phone, "label": label})
    if not customers:
        return []
    ids = list(customers)
    addresses: dict[int, list[dict[str, Any]]] = {pk: [] for pk in ids}
    for row in fetch_all(
        "SELECT a.customer_id, a.id, a.label, a.line, a.landmark, a.province_id, a.regency_id, a.district_id,"
        " a.postal_code, a.last_used_at, d.name, r.name, p.name FROM customers_address a"
        " LEFT JOIN customers_province p ON p.code = a.province_id"
        " LEFT JOIN customers_regency r ON r.code = a.regency_id"
        " LEFT JOIN customers_district d ON d.code = a.district_id"
        f" WHERE a.customer_id IN ({placeholders(len(ids))})"
        " ORDER BY a.last_used_at IS NULL, a.last_used_at DESC, a.created_at DESC",
        ids,
    ):
        addresses[row[0]].append(
            {
                "id": row[1],
                "label": row[2],
                "line": row[3],
                "landmark": row[4],
                "province_code": row[5],
                "regency_code": row[6],
                "district_code": row[7],
                "place": ", ".join(name for name in row[10:13] if name),
                "postal_code": row[8],
                "last_used_at": db_datetime(row[9]),
            }
        )
    return [(customer, phones[pk], addresses[pk]) for pk, customer in customers.items()]


def caller_card(*, actor: User, phone: str) -> CallerCard:
    if not phone:
        return CallerCard("", "withheld", [])
    matches = callers(actor=actor, number=phone)
    if not matches:
        return CallerCard(phone, "none", [], elsewhere=held_elsewhere(actor=actor, phone=phone))
    return CallerCard(phone, "one" if len(matches) == 1 else "several", matches)


def pops_for(*, agent: User, after: int) -> list[Any]:
    from setia.customers.models import ScreenPop

    require(agent, "calls.answer")
    return list(ScreenPop.objects.filter(agent=agent, id__gt=after).order_by("id")[:5])


@dataclass
class RecentCall:
    pop: Any  # ScreenPop
    customers: list[tuple[int, str]]  # (id, name) of the visible customers with the caller's number
    elsewhere: str = ""  # else the branch whose customer has it (see `held_elsewhere`)


def recent_calls(*, agent: User, limit: int = 20) -> list[RecentCall]:
    """The agent's last calls (ringing events and numbers typed into "Who's calling?", newest
    first), each with the customers, visible to the agent, whose number it was: two queries for
    the whole list."""
    from setia.customers.models import ScreenPop

    require(agent, "calls.answer")
    calls = ScreenPop.objects.filter(agent=agent, event__in=[ScreenPop.Event.RINGING, ScreenPop.Event.LOOKUP])
    pops = list(calls.order_by("-id")[:limit])
    numbers = {pop.phone for pop in pops if pop.phone}
    names: dict[str, list[tuple[int, str]]] = {}
    if numbers and agent.has_capability("customers.view"):
        rows = (
            visible_customers(agent)
            .filter(phones__number__in=numbers)
            .order_by("name", "id")
            .values_list("phones__number", "id", "name")
        )
        for number, pk, name in rows:
            names.setdefault(number, []).append((pk, name))
    elsewhere = numbers_elsewhere(actor=agent, numbers=numbers - set(names)) if numbers - set(names) else {}
    return [RecentCall(pop, names.get(pop.phone, []), elsewhere.get(pop.phone, "")) for pop in pops]


def latest_pop_id(*, agent: User) -> int:
    from setia.customers.models import ScreenPop

    return ScreenPop.objects.filter(agent=agent).order_by("-id").values_list("id", flat=True).first() or 0
