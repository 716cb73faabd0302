"""Loyalty API: members (one, the list, joining, the ledger), vouchers (definitions, their codes,
issuing codes) and checking a voucher code against a cart."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router
from ninja.responses import Status

from setia.accounts.models import User
from setia.accounts.selectors import require
from setia.core.errors import ApplicationError, NotFoundError, field_not_found
from setia.core.pagination import api_page
from setia.core.schemas import ERRORS
from setia.customers.models import Customer
from setia.loyalty import api_selectors, selectors
from setia.loyalty.models import Membership, Voucher, VoucherCode
from setia.loyalty.schemas import (
    CodesIssuedOut,
    CodesIssueIn,
    JoinIn,
    LedgerPage,
    MemberOut,
    MemberPage,
    VoucherCheckIn,
    VoucherCheckOut,
    VoucherCodePage,
    VoucherOut,
    VoucherPage,
)
from setia.loyalty.services import membership, vouchers

router = Router(tags=["loyalty"])

PAGE_SIZE = 100
EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)  # before anything Setia records


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def member_out(member: Membership, facts: api_selectors.MemberFacts) -> dict[str, Any]:
    change = facts.tier_change
    return {
        "customer_id": member.customer_id,
        "number": member.number,
        "status": member.status,
        "joined_at": member.joined_at,
        "tier": member.tier.name if member.tier else None,
        "tier_id": member.tier_id,
        "tier_since": member.tier_since,
        "tier_reason": change.reason_text if change else None,
        "points": member.points_balance,
        "cashback": member.wallet_balance,
        "points_value": (member.points_balance - facts.lapsed) * facts.point_value,
        "points_expiring_soon": facts.expiring_soon,
        "points_lapsed": facts.lapsed,
        "referral_code": member.referral_code,
        "referred_by": member.referred_by.number if member.referred_by else None,
    }


def _member(member: Membership) -> dict[str, Any]:
    return member_out(member, api_selectors.member_facts([member])[member.pk])


def voucher_out(voucher: Voucher) -> dict[str, Any]:
    return {
        **{name: getattr(voucher, name) for name in VoucherOut.model_fields if hasattr(voucher, name)},
        "product_ids": sorted(product.pk for product in voucher.products.all()),
        "category_ids": sorted(category.pk for category in voucher.categories.all()),
        "tier_ids": sorted(tier.pk for tier in voucher.tiers.all()),
    }


def code_out(code: VoucherCode, hidden: frozenset[int]) -> dict[str, Any]:
    return {
        "id": code.pk,
        "code": code.code,
        "customer_id": None if code.customer_id in hidden else code.customer_id,
        "personal": code.customer_id is not None,
        "uses": code.uses,
        "max_uses": code.max_uses,
        # As every time the API gives: UTC (a code just issued holds the time as it was sent).
        "issued_at": _utc(code.issued_at),
        "valid_until": _utc(code.valid_until),
        "expires_at": _utc(code.ends_at),
    }


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.astimezone(dt.UTC) if moment is not None else None


def _body_customer(actor: User, customer_id: int | None) -> Customer | None:
    """The customer a request body names by `customer_id` (none when left out); one not found or
    not the actor's to see is refused at that field, as every reference in a body."""
    if customer_id is None:
        return None
    try:
        return selectors.member_customer(actor=actor, customer_id=customer_id)
    except NotFoundError as error:
        raise field_not_found("customer_id") from error


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    """A time sent without an offset is the business's local time (as the pages take it)."""
    return timezone.make_aware(moment) if moment is not None and timezone.is_naive(moment) else moment


@router.get("/members", response=MemberPage, summary="Members you may see, newest card first (keyset paged)")
def list_members(
    request: HttpRequest,
    tier: int | None = None,
    branch_id: int | None = None,
    q: str = Query("", max_length=100),
    updated_since: dt.datetime | None = None,
    after: str = "",
) -> dict[str, Any]:
    since = _aware(updated_since)
    if since is not None:
        since = max(since, EARLIEST)  # the same members, and no overflow turning year 1 into UTC
    filters = api_selectors.MemberListFilters(tier_id=tier, branch_id=branch_id, query=q.strip(), updated_since=since)
    members = api_selectors.membership_list(actor=_actor(request), filters=filters)
    page = api_page(members, order=("-id",), cursor=after, size=PAGE_SIZE)
    facts = api_selectors.member_facts(page.rows)
    return {"items": [member_out(m, facts[m.pk]) for m in page.rows], "next_cursor": page.next_cursor}


@router.get("/members/{customer_id}", response=MemberOut, summary="A customer's membership: card, tier, balances")
def get_member(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    return _member(selectors.membership_get(actor=_actor(request), customer_id=customer_id))


@router.post(
    "/members", response={201: MemberOut}, summary="Make a customer a member (optionally with a referral code)"
)
def create_member(request: HttpRequest, payload: JoinIn) -> Status:
    actor = _actor(request)
    customer = selectors.member_customer(actor=actor, customer_id=payload.customer_id)
    joined = membership.membership_join(actor=actor, customer=customer, referral_code=payload.referral_code)
    return Status(201, _member(selectors.membership_get(actor=actor, customer_id=joined.customer_id)))


@router.get("/members/{customer_id}/ledger", response=LedgerPage, summary="A member's points ledger, newest first")
def list_member_ledger(request: HttpRequest, customer_id: int, after: str = "") -> dict[str, Any]:
    member = selectors.membership_get(actor=_actor(request), customer_id=customer_id)
    page = api_page(selectors.ledger_entries(member), order=("-created_at", "-id"), cursor=after, size=100)
    return {"items": page.rows, "next_cursor": page.next_cursor}


@router.post("/vouchers/check", response=VoucherCheckOut, summary="What a voucher code takes off a cart, or why not")
def check_voucher(request: HttpRequest, payload: VoucherCheckIn) -> dict[str, Any]:
    actor = _actor(request)
    require(actor, "loyalty.view")
    customer = _body_customer(actor, payload.customer_id)
    lines = vouchers.cart_for_check(
        [
            vouchers.LineAsked(line.product_id, line.category_id, line.quantity, line.unit_price, line.discount)
            for line in payload.lines
        ]
    )
    try:
        result = vouchers.voucher_evaluate(code=payload.code, customer=customer, lines=lines)
    except ApplicationError as error:
        return {
            "valid": False,
            "code": payload.code.strip().upper(),
            "discount": 0,
            "line_discounts": {},
            "message": error.message,
        }
    return {
        "valid": True,
        "code": result.code.code,
        "discount": result.discount,
        "line_discounts": {index + 1: off for index, off in result.line_discounts.items()},
        "message": result.note,
    }


@router.get("/vouchers", response=VoucherPage, summary="Voucher definitions, newest first (keyset paged)")
def list_vouchers(request: HttpRequest, active: bool | None = None, after: str = "") -> dict[str, Any]:
    found = api_selectors.voucher_list(actor=_actor(request), active=active)
    page = api_page(found, order=("-id",), cursor=after, size=PAGE_SIZE)
    return {"items": [voucher_out(voucher) for voucher in page.rows], "next_cursor": page.next_cursor}


@router.get("/vouchers/{voucher_id}", response=VoucherOut, summary="One voucher definition")
def get_voucher(request: HttpRequest, voucher_id: int) -> dict[str, Any]:
    return voucher_out(api_selectors.voucher_get(actor=_actor(request), pk=voucher_id))


@router.get(
    "/vouchers/{voucher_id}/codes", response=VoucherCodePage, summary="A voucher's codes, newest first (keyset paged)"
)
def list_voucher_codes(request: HttpRequest, voucher_id: int, after: str = "") -> dict[str, Any]:
    actor = _actor(request)
    codes = api_selectors.voucher_codes(actor=actor, voucher=api_selectors.voucher_get(actor=actor, pk=voucher_id))
    page = api_page(codes, order=("-issued_at", "-id"), cursor=after, size=PAGE_SIZE)
    hidden = api_selectors.hidden_customers(actor=actor, codes=page.rows)
    return {"items": [code_out(code, hidden) for code in page.rows], "next_cursor": page.next_cursor}


# The service names the prefix as the voucher page's form does; the request calls it `prefix`.
_ISSUE_FIELDS = {"code_prefix": "prefix"}


@router.post(
    "/vouchers/{voucher_id}/codes",
    response={201: CodesIssuedOut, **ERRORS},
    summary="Issue codes of a voucher: one code of your choice, or many random ones (optionally for one customer)",
)
def issue_voucher_codes(request: HttpRequest, voucher_id: int, payload: CodesIssueIn) -> Status:
    actor = _actor(request)
    require(actor, "loyalty.manage")  # before looking anything up, as the voucher page refuses the form
    voucher = api_selectors.voucher_get(actor=actor, pk=voucher_id)
    customer = _body_customer(actor, payload.customer_id)
    try:
        issued = vouchers.codes_issue(
            actor=actor,
            voucher=voucher,
            count=payload.count,
            customer=customer,
            max_uses=payload.max_uses,
            prefix=payload.prefix,
            code=payload.code.strip(),
            valid_until=_aware(payload.valid_until),
        )
    except ApplicationError as error:
        if not set(error.extra) & set(_ISSUE_FIELDS):
            raise
        extra = {_ISSUE_FIELDS.get(key, key): value for key, value in error.extra.items()}
        raise ApplicationError(error.message, extra) from error
    for code in issued:
        code.voucher = voucher  # each code's end reads its voucher's
    items = [code_out(code, frozenset()) for code in issued]  # her customer is one the actor sees
    return Status(201, {"count": len(items), "items": items})
