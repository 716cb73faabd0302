import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from setia.core.schemas import Input


class QuoteLineSchema(Input):
    product_id: int | None = Field(None, description="A catalogue product: its name and price are the defaults")
    description: str = Field("", description="Required for a line without a product")
    quantity: int = 1
    unit_price: int | None = Field(None, description="Whole Rupiah; the catalogue price when left out")
    discount_percent: Decimal = Field(Decimal(0), ge=0, le=100, description="0 to 100, at most two decimals")


class QuoteIn(Input):
    customer_id: int
    branch_id: int
    opportunity_id: int | None = None
    lines: list[QuoteLineSchema] | None = Field(
        None, description="Left out with an opportunity_id: the opportunity's products are copied"
    )
    valid_until: dt.date | None = Field(None, description="Default: today plus the configured validity")
    title: str = ""
    notes: str = ""
    terms: str | None = Field(None, description="Default: the configured quote terms")


class QuoteSendIn(Input):
    to: str | None = Field(None, description="Default: the customer's primary email address")


class QuoteAcceptIn(Input):
    create_order: bool = Field(True, description="Place an (unpaid) order from the quote's lines")


class QuoteRejectIn(Input):
    reason: str = ""


class QuoteLineOut(Schema):
    id: int
    product_id: int | None
    description: str
    quantity: int
    unit_price: int
    discount_percent: float
    line_total: int


class QuoteOut(Schema):
    id: int
    number: str
    status: str
    customer_id: int
    branch_id: int
    opportunity_id: int | None
    owner_id: int | None
    issue_date: dt.date
    valid_until: dt.date
    title: str
    notes: str
    terms: str
    tax_registered: bool
    ppn_percent: float
    prices_include_tax: bool
    subtotal: int
    discount_total: int
    tax_amount: int
    total: int
    sent_to: str
    sent_at: dt.datetime | None
    decided_at: dt.datetime | None
    order_id: int | None
    order_number: str | None
    lines: list[QuoteLineOut]


class QuotePage(Schema):
    items: list[QuoteOut]
    next_cursor: str | None
