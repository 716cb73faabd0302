from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Router, Schema
from ninja.responses import Status

from setia.accounts.models import Branch, User
from setia.core.errors import ApplicationError, field_not_found
from setia.core.pagination import api_page
from setia.core.phones import normalize_phone
from setia.customers import selectors, services
from setia.customers.custom_fields import active_definitions
from setia.customers.models import Address, Customer
from setia.customers.panels import caller_facts
from setia.customers.schemas import (
    ConsentIn,
    ConsentOut,
    CustomerIn,
    CustomerOut,
    CustomerPage,
    CustomerPatch,
    FieldOut,
    LookupOut,
)
from setia.customers.timeline import last_interactions

router = Router(tags=["customers"])


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def address_out(address: Address) -> dict[str, Any]:
    place = ", ".join(str(part) for part in (address.district, address.regency, address.province) if part)
    return {
        "id": address.pk,
        "label": address.label,
        "line": address.line,
        "landmark": address.landmark,
        "province_code": address.province_id,
        "regency_code": address.regency_id,
        "district_code": address.district_id,
        "place": place,
        "postal_code": address.postal_code,
        "last_used_at": address.last_used_at,
    }


def customer_out(customer: Customer) -> dict[str, Any]:
    tags = list(customer.tags.all())
    return {
        **{name: getattr(customer, name) for name in CustomerOut.model_fields if hasattr(customer, name)},
        "phones": [{"number": p.number, "label": p.label} for p in customer.phones.all()],
        "emails": [e.email for e in customer.emails.all()],
        "addresses": [address_out(a) for a in customer.addresses.all()],
        "tags": [t.name for t in tags if t.kind == "label"],
        "interests": [t.name for t in tags if t.kind == "interest"],
    }


def _contacts(payload: Any) -> services.ContactPoints | None:
    if payload.phones is None and payload.emails is None and payload.addresses is None:
        return None
    return services.ContactPoints(
        phones=[services.PhoneIn(p.number, p.label) for p in payload.phones or []],
        emails=list(payload.emails or []),
        addresses=[
            services.AddressIn(
                line=a.line,
                label=a.label,
                landmark=a.landmark,
                province_id=a.province_code,
                regency_id=a.regency_code,
                district_id=a.district_code,
                postal_code=a.postal_code,
                id=a.id,
            )
            for a in payload.addresses or []
        ],
    )


def _relations(actor: User, fields: dict[str, Any]) -> None:
    """Resolve ids in the payload to records the actor may see, with errors naming the field."""
    if fields.get("company_id") is not None:
        companies = selectors.visible_customers(actor).filter(kind=Customer.Kind.COMPANY)
        fields["company"] = companies.filter(pk=fields.pop("company_id")).first()
        if fields["company"] is None:
            raise field_not_found("company_id")
    else:
        fields.pop("company_id", None)
    if fields.get("owner_id") is not None:
        fields["owner"] = User.objects.filter(pk=fields.pop("owner_id"), is_active=True).first()
        if fields["owner"] is None:
            raise field_not_found("owner_id")
    else:
        fields.pop("owner_id", None)
    if fields.get("home_branch_id") is not None:
        fields["home_branch"] = Branch.objects.filter(pk=fields.pop("home_branch_id")).first()
        if fields["home_branch"] is None:
            raise field_not_found("home_branch_id")
    else:
        fields.pop("home_branch_id", None)


@router.get("/customers/fields", response=list[FieldOut], summary="The custom fields, with their types")
def list_customer_fields(request: HttpRequest) -> list[dict[str, Any]]:
    selectors.visible_customers(_actor(request))  # permission check
    return [
        {
            "key": d.key,
            "label": d.label,
            "type": d.field_type,
            "required": d.required,
            "help_text": d.help_text,
            "choices": d.choices,
            "group": d.group,
            "position": d.position,
            "minimum": d.minimum,
            "maximum": d.maximum,
        }
        for d in active_definitions()
    ]


@router.get("/customers/lookup", response=LookupOut, summary="Who is calling? Customers with this phone, any format")
def lookup_customers(request: HttpRequest, phone: str) -> dict[str, Any]:
    actor = _actor(request)
    try:
        number: str | None = normalize_phone(phone)
    except ApplicationError:
        return {"phone": None, "match": "invalid", "customers": []}
    customers = []
    found = selectors.caller_lookup(actor=actor, number=number or "")
    interactions = last_interactions([customer for customer, _phones, _addresses in found], limit=5)
    # Only members have loyalty facts (a card number is given on joining): no query for the rest.
    facts = caller_facts([customer.pk for customer, _phones, _addresses in found if customer.member_number])
    for customer, phones, addresses in found:
        customers.append(
            {
                "id": customer.pk,
                "name": customer.name,
                "member_number": customer.member_number,
                "tier": facts.get(customer.pk, {}).get("tier"),
                "points": facts.get(customer.pk, {}).get("points"),
                "phones": phones,
                "addresses": addresses,
                "last_interactions": [
                    {"at": e.at, "kind": e.kind, "title": e.title, "detail": e.detail}
                    for e in interactions[customer.pk]
                ],
                "url": reverse("customers:detail", args=[customer.pk]),
            }
        )
    match_kind = "none" if not customers else "one" if len(customers) == 1 else "several"
    return {"phone": number, "match": match_kind, "customers": customers}


@router.get("/customers", response=CustomerPage, summary="Customers, filtered and paged (keyset)")
def list_customers(request: HttpRequest, q: str = "", branch: int | None = None, after: str = "") -> dict[str, Any]:
    actor = _actor(request)
    if q:
        rows = selectors.search_customers(actor=actor, query=q, limit=50)
        full = [selectors.customer_get(actor=actor, pk=c.pk) for c in rows]
        return {"items": [customer_out(c) for c in full], "next_cursor": None}
    customers = selectors.customer_list(actor=actor, filters=selectors.ListFilters(branch_id=branch)).prefetch_related(
        "phones", "emails", "addresses", "tags"
    )
    page = api_page(customers, order=("search_name", "id"), cursor=after, size=100)
    return {"items": [customer_out(c) for c in page.rows], "next_cursor": page.next_cursor}


@router.get("/customers/{customer_id}", response=CustomerOut, summary="One customer")
def get_customer(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    return customer_out(selectors.customer_get(actor=_actor(request), pk=customer_id))


@router.post("/customers", response={201: CustomerOut}, summary="Create a customer")
def create_customer(request: HttpRequest, payload: CustomerIn) -> Status[dict[str, Any]]:
    actor = _actor(request)
    fields = payload.dict(exclude={"phones", "emails", "addresses", "tags", "interests", "custom", "name"})
    _relations(actor, fields)
    home_branch = fields.pop("home_branch", None)
    customer = services.customer_create(
        actor=actor,
        name=payload.name,
        contacts=_contacts(payload),
        tags=payload.tags,
        interests=payload.interests,
        custom=payload.custom,
        home_branch=home_branch,
        **fields,
    )
    return Status(201, customer_out(selectors.customer_get(actor=actor, pk=customer.pk)))


@router.patch("/customers/{customer_id}", response=CustomerOut, summary="Change a customer (send the version you read)")
def update_customer(request: HttpRequest, customer_id: int, payload: CustomerPatch) -> dict[str, Any]:
    actor = _actor(request)
    customer = selectors.customer_get(actor=actor, pk=customer_id)
    given = payload.dict(exclude_unset=True)
    fields = {
        k: v
        for k, v in given.items()
        if k not in {"phones", "emails", "addresses", "tags", "interests", "custom", "version"}
    }
    _relations(actor, fields)
    services.customer_update(
        actor=actor,
        customer=customer,
        version=payload.version,
        contacts=_contacts(payload) if {"phones", "emails", "addresses"} & set(given) else None,
        tags=given.get("tags"),
        interests=given.get("interests"),
        custom=given.get("custom"),
        **fields,
    )
    return customer_out(selectors.customer_get(actor=actor, pk=customer.pk))


@router.get(
    "/customers/{customer_id}/consent", response=list[ConsentOut], summary="Current consent per channel and purpose"
)
def get_consent(request: HttpRequest, customer_id: int) -> list[dict[str, Any]]:
    customer = selectors.customer_get(actor=_actor(request), pk=customer_id)
    return [
        {
            "channel": channel,
            "purpose": purpose,
            "granted": record.granted if record else None,
            "source": record.source if record else None,
            "notice_version": record.notice_version if record else None,
            "recorded_at": record.recorded_at if record else None,
        }
        for (channel, purpose), record in selectors.consent_status(customer).items()
    ]


@router.post(
    "/customers/{customer_id}/consent", response={201: ConsentOut}, summary="Record consent given or withdrawn"
)
def record_consent(request: HttpRequest, customer_id: int, payload: ConsentIn) -> Status[dict[str, Any]]:
    actor = _actor(request)
    customer = selectors.customer_get(actor=actor, pk=customer_id)
    record = services.consent_record(
        actor=actor,
        customer=customer,
        channel=payload.channel,
        purpose=payload.purpose,
        granted=payload.granted,
        source="api",
        notice_version=payload.notice_version,
    )
    return Status(
        201,
        {
            "channel": record.channel,
            "purpose": record.purpose,
            "granted": record.granted,
            "source": record.source,
            "notice_version": record.notice_version,
            "recorded_at": record.recorded_at,
        },
    )


class TelephonyEventIn(Schema):
    event: str
    caller: str = ""
    agent: str


class TelephonyEventOut(Schema):
    id: int
    event: str
    phone: str
    agent: str


@router.post(
    "/telephony/events",
    response={201: TelephonyEventOut},
    tags=["calls"],
    summary="A phone system reports a call (ringing pops the caller's card on the agent's screen)",
)
def post_telephony_event(request: HttpRequest, payload: TelephonyEventIn) -> Status[dict[str, Any]]:
    pop = services.telephony_event_receive(
        actor=_actor(request), event=payload.event, caller=payload.caller, agent_username=payload.agent
    )
    return Status(201, {"id": pop.pk, "event": pop.event, "phone": pop.phone, "agent": payload.agent})
