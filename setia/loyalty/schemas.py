import datetime as dt
from typing import Any

from ninja import Field, Schema

from setia.core.schemas import Input


class MemberOut(Schema):
    customer_id: int
    number: str
    status: str
    joined_at: dt.datetime
    tier: str | None
    tier_since: dt.datetime | None
    tier_reason: str | None  # why she is in her tier (the latest change's), in the key owner's language
    points: int
    cashback: int
    points_value: int  # Rupiah the points pay for now (those past their date pay nothing)
    points_expiring_soon: int
    points_lapsed: int  # past their date, not spendable; the nightly expiry takes them
    referral_code: str
    referred_by: str | None  # the referrer's card number


class JoinIn(Input):
    customer_id: int
    referral_code: str = ""


class LedgerEntryOut(Schema):
    id: int
    kind: str
    points: int
    balance_after: int
    created_at: dt.datetime
    expires_at: dt.datetime | None
    source: str
    reason: str  # in the language the request asks for (the reasons the system writes)

    @staticmethod
    def resolve_reason(entry: Any) -> str:
        return str(entry.reason_text)


class LedgerPage(Schema):
    items: list[LedgerEntryOut]
    next_cursor: str | None


class LineIn(Input):
    product_id: int | None = None
    category_id: int | None = None
    quantity: int = 1
    unit_price: int
    discount: int = 0


class VoucherCheckIn(Input):
    code: str = Field(min_length=1, max_length=40)
    customer_id: int | None = None
    lines: list[LineIn]


class VoucherCheckOut(Schema):
    valid: bool
    code: str
    discount: int
    line_discounts: dict[int, int] = Field(description="The line's number (from 1, as `lines[1]`) -> Rupiah off it")
    message: str
