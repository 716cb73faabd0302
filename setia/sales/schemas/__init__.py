import datetime as dt

from ninja import Field, Schema

from setia.core.money import WholeNumber
from setia.core.schemas import Input


class LineSchema(Input):
    product_id: int | None = None
    quantity: WholeNumber = 1
    unit_price: WholeNumber | None = Field(None, description="Whole Rupiah; the catalogue price when left out")
    description: str = ""
    staff_id: int | None = None


class PaymentSchema(Input):
    method: str = Field(description="cash, qris, gopay, ovo, dana, shopeepay, transfer, card")
    amount: WholeNumber
    reference: str = ""


class OrderIn(Input):
    branch_id: int
    customer_id: int | None = None
    channel: str = "outlet"
    lines: list[LineSchema]
    payments: list[PaymentSchema]
    voucher_code: str = ""
    points: WholeNumber = Field(0, description="Points the member pays with")
    cashback: WholeNumber = Field(0, description="Cashback balance (Rupiah) the member pays with")
    note: str = ""


class LineOut(Schema):
    id: int
    product_id: int | None
    description: str
    quantity: int
    unit_price: int
    discount: int
    total: int
    staff_id: int | None
    refunded_quantity: int = Field(0, description="How many of the line's items refunds took back")


class RefundOut(Schema):
    id: int
    created_at: dt.datetime
    amount: int = Field(description="Whole Rupiah given back")
    reason: str
    lines: dict[str, int] = Field(description="For a refund of items: line id -> how many; empty for an amount")
    promotions_lost: int = Field(
        description="Taken off the refund: what the items kept no longer get of promotions the items taken back "
        "had earned them, and of a voucher whose minimum spend they no longer reach (0 when none; negative when "
        "it gives back what an earlier refund kept back). In the terms of `amount`: with PPN added on top, or "
        "cash rounding, as the items' share of what was paid"
    )
    promotions_note: str = Field(description="Those promotions' (and the voucher's) names")


class PaymentOut(Schema):
    method: str
    amount: int
    reference: str
    tendered: int | None = Field(
        None, description="cash: what the customer handed over, when more than `amount` (null otherwise)"
    )
    change: int = Field(0, description="cash: the change given back (`tendered` - `amount`)")


class OrderOut(Schema):
    id: int
    number: str
    kind: str
    status: str
    customer_id: int | None
    branch_id: int
    channel: str
    placed_at: dt.datetime
    business_date: dt.date
    subtotal: int
    discount_total: int
    # An order recorded before the kinds were kept (or imported, or agreed as a quote) has 0 in all
    # three and its whole discount in discount_total.
    member_discount: int = Field(description="The member's tier discount; 0 when the split is not known")
    promotion_discount: int = Field(description="Promotions; 0 when the split is not known")
    voucher_discount: int = Field(description="The voucher; 0 when the split is not known")
    member_tier: str = Field(description="The tier whose discount applied, as it was named at the sale")
    member_discount_percent: float = Field(description="That tier's discount % at the sale")
    tax_rate: float
    tax_total: int
    rounding: int
    total: int
    refunded_total: int
    points_earned: int
    points_redeemed: int
    cashback_earned: int
    voucher_code: str
    lines: list[LineOut]
    payments: list[PaymentOut]
    refunds: list[RefundOut] = Field(default_factory=list, description="Oldest first")


class OrderPage(Schema):
    items: list[OrderOut]
    next_cursor: str | None


class OrderPayIn(Input):
    payments: list[PaymentSchema] = Field(description="One or more; cash is rounded and change given as at the cashier")
    points: WholeNumber = Field(0, description="Points the member pays with")
    cashback: WholeNumber = Field(0, description="Cashback balance (Rupiah) the member pays with")


class RefundIn(Input):
    reason: str
    amount: WholeNumber | None = None
    lines: dict[int, WholeNumber] | None = Field(None, description="Line id -> quantity to refund")


class TripIn(Input):
    customer_id: int
    branch_id: int
    pickup_at: dt.datetime = Field(description="From an hour ago to a year ahead; without a zone: local time")
    pickup_address_id: int | None = Field(None, description="one of the customer's saved addresses")
    pickup_text: str = Field("", max_length=255, description="without pickup_address_id: the place typed")
    landmark: str = Field("", max_length=255, description="the saved address's landmark notes when left out")
    destination: str = Field("", max_length=255)


class TripOut(Schema):
    id: int
    order_id: int
    number: str
    customer_id: int
    branch_id: int
    status: str = Field(description="booked, assigned, completed or cancelled")
    pickup_at: dt.datetime
    pickup_text: str
    landmark: str
    destination: str
    driver_id: int | None
    driver_name: str
    vehicle: str
    fare: int | None
    cancel_reason: str = Field("", description="A cancelled trip: the reason given (empty otherwise)")


class TripAssignIn(Input):
    driver_id: int | None = Field(None, description="a driver from the branch's list (GET the trip board's drivers)")
    driver_name: str = Field(
        "",
        max_length=100,
        description="without driver_id: matched against the branch's drivers by name; with it: her name or left out",
    )
    vehicle: str = Field(
        "", max_length=50, description="the plate driven today; the driver's listed plate when left out"
    )


class TripCompleteIn(Input):
    fare: WholeNumber
    method: str = Field("cash", description="cash, qris, gopay, ovo, dana, shopeepay, transfer, card")
