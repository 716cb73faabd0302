"""Loyalty API: a member's card and balances, joining, the ledger, and checking a voucher."""

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status

from setia.accounts.models import User
from setia.accounts.selectors import require
from setia.core.errors import ApplicationError, NotFoundError, field_not_found
from setia.core.pagination import keyset_page
from setia.customers.models import Customer
from setia.loyalty import selectors
from setia.loyalty.models import Membership
from setia.loyalty.schemas import JoinIn, LedgerPage, MemberOut, VoucherCheckIn, VoucherCheckOut
from setia.loyalty.services import ledger, membership, vouchers

router = Router(tags=["loyalty"])


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def member_out(member: Membership) -> dict[str, Any]:
    config = membership.loyalty_settings()
    soon = ledger.points_expiring_soon(days=config.expiry_notice_days, membership_ids=[member.pk])
    change = next(iter(selectors.tier_history(member, limit=1)), None)
    standing = ledger.points_standing(member)
    return {
        "customer_id": member.customer_id,
        "number": member.number,
        "status": member.status,
        "joined_at": member.joined_at,
        "tier": member.tier.name if member.tier else None,
        "tier_since": member.tier_since,
        "tier_reason": change.reason_text if change else None,
        "points": member.points_balance,
        "cashback": member.wallet_balance,
        "points_value": standing.spendable * config.point_value,
        "points_expiring_soon": soon.get(member.pk, 0),
        "points_lapsed": standing.lapsed,
        "referral_code": member.referral_code,
        "referred_by": member.referred_by.number if member.referred_by else None,
    }


@router.get("/members/{customer_id}", response=MemberOut, summary="A customer's membership: card, tier, balances")
def get_member(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    return member_out(selectors.membership_get(actor=_actor(request), customer_id=customer_id))


@router.post(
    "/members", response={201: MemberOut}, summary="Make a customer a member (optionally with a referral code)"
)
def create_member(request: HttpRequest, payload: JoinIn) -> Status:
    actor = _actor(request)
    customer = selectors.member_customer(actor=actor, customer_id=payload.customer_id)
    joined = membership.membership_join(actor=actor, customer=customer, referral_code=payload.referral_code)
    return Status(201, member_out(selectors.membership_get(actor=actor, customer_id=joined.customer_id)))


@router.get("/members/{customer_id}/ledger", response=LedgerPage, summary="A member's points ledger, newest first")
def list_member_ledger(request: HttpRequest, customer_id: int, after: str = "") -> dict[str, Any]:
    member = selectors.membership_get(actor=_actor(request), customer_id=customer_id)
    page = keyset_page(selectors.ledger_entries(member), order=("-created_at", "-id"), cursor=after, size=100)
    return {"items": page.rows, "next_cursor": page.next_cursor}


@router.post("/vouchers/check", response=VoucherCheckOut, summary="What a voucher code takes off a cart, or why not")
def check_voucher(request: HttpRequest, payload: VoucherCheckIn) -> dict[str, Any]:
    actor = _actor(request)
    require(actor, "loyalty.view")
    customer: Customer | None = None
    if payload.customer_id is not None:
        try:
            customer = selectors.member_customer(actor=actor, customer_id=payload.customer_id)
        except NotFoundError as error:
            raise field_not_found("customer_id") from error
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
