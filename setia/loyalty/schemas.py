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
    tier_id: int | None = Field(
        None, description="The tier's id, as `GET /members?tier=` and vouchers' `tier_ids` take it"
    )
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


class MemberPage(Schema):
    items: list[MemberOut]
    next_cursor: str | None


class VoucherOut(Schema):
    id: int
    name: str
    kind: str  # amount, percent or free_item
    value: int  # Rupiah off (amount) or percent off (percent); 0 for a free item
    max_discount: int | None  # a percentage's cap in Rupiah; null: no cap
    free_product_id: int | None  # the free item's product
    min_spend: int
    valid_from: dt.datetime | None
    valid_until: dt.datetime | None
    usage_limit: int | None  # uses in total; null: no limit
    per_customer_limit: int | None  # uses per customer; null: no limit
    times_used: int
    product_ids: list[int]  # only for these products (empty: not limited)
    category_ids: list[int]  # only for these categories (empty: not limited)
    tier_ids: list[int]  # only for members of these tiers (empty: not limited)
    segment_id: int | None  # only for the customers of this segment
    is_active: bool
    created_at: dt.datetime


class VoucherPage(Schema):
    items: list[VoucherOut]
    next_cursor: str | None


class VoucherCodeOut(Schema):
    id: int
    code: str
    customer_id: int | None = Field(
        description="The customer the code is for; null for anyone's code, and for a customer of a branch "
        "the key's owner does not see"
    )
    personal: bool  # issued to one customer (shown or not)
    uses: int
    max_uses: int | None  # null: no limit
    issued_at: dt.datetime
    valid_until: dt.datetime | None  # the code's own end, if it has one
    expires_at: dt.datetime | None  # when it stops working: the earlier of its own end and the voucher's


class VoucherCodePage(Schema):
    items: list[VoucherCodeOut]
    next_cursor: str | None


class CodesIssueIn(Input):
    code: str = Field("", max_length=32, description="One code of your choice (letters, digits, hyphens)")
    count: int = Field(1, description="Random codes to issue (1 to 10,000); 1 with `code`")
    prefix: str = Field("", max_length=12, description="Random codes start with it and a hyphen (RAMADAN-7KQ2M9XA)")
    customer_id: int | None = None
    max_uses: int | None = Field(1, ge=1, description="Uses allowed per code; null: no limit")
    valid_until: dt.datetime | None = None


class CodesIssuedOut(Schema):
    count: int
    items: list[VoucherCodeOut]
