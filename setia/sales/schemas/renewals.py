import datetime as dt

from ninja import Field, Schema

from setia.core.schemas import Input


class SubscriptionIn(Input):
    customer_id: int
    branch_id: int
    name: str = Field("", description="Default: the product's name")
    product_id: int | None = None
    price: int = Field(description="Whole Rupiah per term")
    term_months: int = Field(12, description="1 to 120")
    starts_on: dt.date
    notes: str = ""


class SubscriptionRenewIn(Input):
    price: int | None = Field(None, description="Price of the next term; default: the same")
    term_months: int | None = Field(None, description="Default: the same term")
    payment_method: str = Field("", description="Paid now: cash, qris, transfer, … (a sale is recorded)")
    note: str = ""


class SubscriptionOutcomeIn(Input):
    note: str = ""


class SubscriptionOut(Schema):
    id: int
    customer_id: int
    branch_id: int
    name: str
    product_id: int | None
    owner_id: int | None
    price: int
    term_months: int
    starts_on: dt.date
    ends_on: dt.date
    status: str
    outcome_at: dt.datetime | None
    outcome_by_id: int | None
    outcome_note: str
    renewal_of_id: int | None
    order_id: int | None
    notes: str


class SubscriptionPage(Schema):
    items: list[SubscriptionOut]
    next_cursor: str | None
