"""Leads over the API: create (assigned by the same rules as every other channel), list with the
page's filters, read, update, change status, reassign and convert."""

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status

from setia.accounts.models import Branch, User
from setia.core.errors import ApplicationError, field_not_found
from setia.core.pagination import api_page
from setia.sales.models import Lead, LeadSource, Pipeline
from setia.sales.schemas.leads import (
    LeadAssignIn,
    LeadConvertIn,
    LeadConvertOut,
    LeadIn,
    LeadOut,
    LeadPage,
    LeadPatch,
    LeadStatusIn,
)
from setia.sales.selectors import leads as selectors
from setia.sales.services import leads as services

router = Router(tags=["leads"])


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _related(model: Any, field: str, pk: int | None) -> Any:
    if pk is None:
        return None
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise field_not_found(field)
    return found


def lead_out(lead: Lead) -> dict[str, Any]:
    return {name: getattr(lead, name) for name in LeadOut.model_fields}


def _relations(given: dict[str, Any]) -> dict[str, Any]:
    """`source_id`, `branch_id`, `owner_id` in a payload → the records (400 naming the field if unknown)."""
    fields = dict(given)
    for name, model in (("source_id", LeadSource), ("branch_id", Branch), ("owner_id", User)):
        if name in fields:
            fields[name.removesuffix("_id")] = _related(model, name, fields.pop(name))
    return fields


def _rename(error: ApplicationError) -> ApplicationError:
    """The service names relations as `source`/`branch`/`owner`; the API's fields end in `_id`."""
    for name in ("source", "branch", "owner"):
        if name in error.extra:
            error.extra[f"{name}_id"] = error.extra.pop(name)
    return error


@router.post("/leads", response={201: LeadOut}, summary="Add a lead (assigned by the rules when no owner is given)")
def create_lead(request: HttpRequest, payload: LeadIn) -> Status[dict[str, Any]]:
    fields = _relations(payload.dict())
    try:
        lead = services.lead_create(actor=_actor(request), channel=Lead.Channel.API, **fields)
    except ApplicationError as error:
        raise _rename(error) from None
    return Status(201, lead_out(lead))


@router.get("/leads", response=LeadPage, summary="Leads, newest first (keyset paged)")
def list_leads(
    request: HttpRequest,
    status: str = "",
    source_id: int | None = None,
    owner: str = "",
    branch_id: int | None = None,
    follow_up: str = "",
    q: str = "",
    after: str = "",
) -> dict[str, Any]:
    filters = selectors.LeadFilters(
        status=status, source_id=source_id, owner=owner, branch_id=branch_id, follow_up=follow_up, query=q
    )
    leads = selectors.lead_list(actor=_actor(request), filters=filters)
    page = api_page(leads, order=("-created_at", "-id"), cursor=after, size=100)
    return {"items": [lead_out(lead) for lead in page.rows], "next_cursor": page.next_cursor}


@router.get("/leads/{lead_id}", response=LeadOut, summary="One lead")
def get_lead(request: HttpRequest, lead_id: int) -> dict[str, Any]:
    return lead_out(selectors.lead_get(actor=_actor(request), pk=lead_id))


@router.patch("/leads/{lead_id}", response=LeadOut, summary="Change a lead's details (only the fields sent)")
def update_lead(request: HttpRequest, lead_id: int, payload: LeadPatch) -> dict[str, Any]:
    actor = _actor(request)
    lead = selectors.lead_get(actor=actor, pk=lead_id)
    given = payload.dict(exclude_unset=True)
    for name in ("name", "phone", "email", "company_name", "city", "interest", "consent_marketing"):
        if name in given and given[name] is None:
            message = "may not be null"
            raise ApplicationError(f"{name}: {message}", {name: [message]})
    try:
        lead = services.lead_update(actor=actor, lead=lead, **_relations(given))
    except ApplicationError as error:
        raise _rename(error) from None
    return lead_out(lead)


@router.post("/leads/{lead_id}/status", response=LeadOut, summary="Move a lead to contacted, qualified or unqualified")
def set_lead_status(request: HttpRequest, lead_id: int, payload: LeadStatusIn) -> dict[str, Any]:
    actor = _actor(request)
    lead = selectors.lead_get(actor=actor, pk=lead_id)
    return lead_out(services.lead_set_status(actor=actor, lead=lead, status=payload.status, reason=payload.reason))


@router.post("/leads/{lead_id}/assign", response=LeadOut, summary="Give a lead to a sales person (null: nobody)")
def assign_lead(request: HttpRequest, lead_id: int, payload: LeadAssignIn) -> dict[str, Any]:
    actor = _actor(request)
    lead = selectors.lead_get(actor=actor, pk=lead_id)
    try:
        lead = services.lead_assign(actor=actor, lead=lead, owner=_related(User, "owner_id", payload.owner_id))
    except ApplicationError as error:
        raise _rename(error) from None
    return lead_out(lead)


@router.post(
    "/leads/{lead_id}/convert",
    response=LeadConvertOut,
    summary="Convert a lead into a customer (the existing one with the same phone or email, else a new one)",
)
def convert_lead(request: HttpRequest, lead_id: int, payload: LeadConvertIn) -> dict[str, Any]:
    actor = _actor(request)
    lead = selectors.lead_get(actor=actor, pk=lead_id)
    customer, opportunity = services.lead_convert(
        actor=actor,
        lead=lead,
        create_opportunity=payload.create_opportunity,
        opportunity_title=payload.opportunity_title,
        opportunity_value=payload.opportunity_value,
        pipeline=_related(Pipeline, "pipeline_id", payload.pipeline_id),
    )
    return {
        "lead": lead_out(selectors.lead_get(actor=actor, pk=lead_id)),
        "customer_id": customer.pk,
        "opportunity_id": opportunity.pk if opportunity is not None else None,
    }
