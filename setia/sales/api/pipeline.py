"""The pipeline API: opportunities (list, get, create, move, win, lose, reopen), pipelines with
their stages, and lost reasons. Every endpoint calls the same services and selectors as the pages."""

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status

from setia.accounts.models import Branch, User
from setia.core.errors import field_not_found
from setia.core.pagination import api_page
from setia.customers.models import Customer
from setia.sales.models import Lead, Opportunity, Order, Pipeline, Stage
from setia.sales.schemas.pipeline import (
    LostReasonOut,
    OpportunityIn,
    OpportunityLoseIn,
    OpportunityMoveIn,
    OpportunityOut,
    OpportunityPage,
    OpportunityWinIn,
    PipelineOut,
)
from setia.sales.selectors import pipeline as selectors
from setia.sales.services import pipeline as services

router = Router(tags=["pipeline"])


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def opportunity_out(opportunity: Opportunity) -> dict[str, Any]:
    fields = {name: getattr(opportunity, name) for name in OpportunityOut.model_fields if name != "lines"}
    fields["lines"] = [
        {
            "id": line.pk,
            "product_id": line.product_id,
            "description": line.description,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "total": line.total,
        }
        for line in opportunity.lines.all()
    ]
    return fields


def _get(actor: User, pk: int) -> dict[str, Any]:
    return opportunity_out(selectors.opportunity_get(actor=actor, pk=pk))


@router.get("/opportunities", response=OpportunityPage, summary="Opportunities, newest first (keyset paged)")
def list_opportunities(
    request: HttpRequest,
    pipeline_id: int | None = None,
    stage_id: int | None = None,
    status: str = "",
    owner_id: int | None = None,
    branch_id: int | None = None,
    customer_id: int | None = None,
    after: str = "",
) -> dict[str, Any]:
    opportunities = selectors.opportunity_list(
        actor=_actor(request),
        pipeline_id=pipeline_id,
        stage_id=stage_id,
        status=status,
        owner_id=owner_id,
        branch_id=branch_id,
        customer_id=customer_id,
    )
    page = api_page(opportunities.prefetch_related("lines"), order=("-created_at", "-id"), cursor=after, size=100)
    return {"items": [opportunity_out(o) for o in page.rows], "next_cursor": page.next_cursor}


@router.get("/opportunities/{opportunity_id}", response=OpportunityOut, summary="One opportunity")
def get_opportunity(request: HttpRequest, opportunity_id: int) -> dict[str, Any]:
    return _get(_actor(request), opportunity_id)


@router.post("/opportunities", response={201: OpportunityOut}, summary="Open an opportunity")
def create_opportunity(request: HttpRequest, payload: OpportunityIn) -> Status[dict[str, Any]]:
    actor = _actor(request)
    customer = Customer.objects.filter(pk=payload.customer_id).first()
    if customer is None:
        raise field_not_found("customer_id")
    references: dict[str, Any] = {}
    for field, model in (
        ("pipeline", Pipeline),
        ("stage", Stage),
        ("owner", User),
        ("branch", Branch),
        ("lead", Lead),
    ):
        pk = getattr(payload, f"{field}_id")
        references[field] = None
        if pk is not None:
            references[field] = model.objects.filter(pk=pk).first()
            if references[field] is None:
                raise field_not_found(f"{field}_id")
    opportunity = services.opportunity_create(
        actor=actor,
        customer=customer,
        title=payload.title,
        value=payload.value,
        expected_close=payload.expected_close,
        lines=[line.dict() for line in payload.lines],
        notes=payload.notes,
        **references,
    )
    return Status(201, _get(actor, opportunity.pk))


@router.post("/opportunities/{opportunity_id}/move", response=OpportunityOut, summary="Move to another stage")
def move_opportunity(request: HttpRequest, opportunity_id: int, payload: OpportunityMoveIn) -> dict[str, Any]:
    actor = _actor(request)
    services.opportunity_move(
        actor=actor, opportunity_id=opportunity_id, stage_id=payload.stage_id, position=payload.position
    )
    return _get(actor, opportunity_id)


@router.post(
    "/opportunities/{opportunity_id}/win", response=OpportunityOut, summary="Mark won (optionally with an order)"
)
def win_opportunity(request: HttpRequest, opportunity_id: int, payload: OpportunityWinIn) -> dict[str, Any]:
    actor = _actor(request)
    opportunity = selectors.opportunity_get(actor=actor, pk=opportunity_id)
    order = None
    if payload.order_id is not None:
        order = Order.objects.filter(pk=payload.order_id).first()
        if order is None:
            raise field_not_found("order_id")
    services.opportunity_win(
        actor=actor,
        opportunity=opportunity,
        order=order,
        create_order=payload.create_order,
        payment_method=payload.payment_method,
        note=payload.note,
    )
    return _get(actor, opportunity_id)


@router.post("/opportunities/{opportunity_id}/lose", response=OpportunityOut, summary="Mark lost, with a reason")
def lose_opportunity(request: HttpRequest, opportunity_id: int, payload: OpportunityLoseIn) -> dict[str, Any]:
    actor = _actor(request)
    opportunity = selectors.opportunity_get(actor=actor, pk=opportunity_id)
    services.opportunity_lose(actor=actor, opportunity=opportunity, reason=payload.reason_id, note=payload.note)
    return _get(actor, opportunity_id)


@router.post("/opportunities/{opportunity_id}/reopen", response=OpportunityOut, summary="Reopen a won or lost one")
def reopen_opportunity(request: HttpRequest, opportunity_id: int) -> dict[str, Any]:
    actor = _actor(request)
    services.opportunity_reopen(actor=actor, opportunity=selectors.opportunity_get(actor=actor, pk=opportunity_id))
    return _get(actor, opportunity_id)


@router.get("/pipelines", response=list[PipelineOut], summary="Active pipelines with their active stages, in order")
def list_pipelines(request: HttpRequest) -> list[Pipeline]:
    return selectors.pipeline_list(actor=_actor(request))


@router.get("/lost-reasons", response=list[LostReasonOut], summary="The reasons an opportunity may be lost for")
def list_lost_reasons(request: HttpRequest) -> list[Any]:
    return selectors.lost_reason_list(actor=_actor(request))
