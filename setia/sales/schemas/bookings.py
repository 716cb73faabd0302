"""Bookings over the API: the taxi trips' list and cancellation, and the salon's appointments.
A trip's own body and answer (`TripIn`, `TripOut`, …) stay in the package with the other sales
schemas they were published with."""

import datetime as dt

from ninja import Field, Schema

from setia.core.money import WholeNumber
from setia.core.schemas import Input
from setia.sales.schemas import PaymentSchema, TripOut


class TripPage(Schema):
    items: list[TripOut]
    next_cursor: str | None


class TripCancelIn(Input):
    reason: str = Field(
        "", max_length=255, description="Why (the customer called it off, no car free…); kept on the trip's order"
    )


class AppointmentIn(Input):
    customer_id: int
    branch_id: int
    service_id: int = Field(description="An active service of the catalogue (kind `service`) offered at the branch")
    starts_at: dt.datetime = Field(
        description="Within the branch's opening hours, from an hour ago to a year ahead; without a zone: local time"
    )
    staff_id: int | None = Field(
        None, description="Who serves her: a member of the branch's staff who takes appointments; left out: anyone"
    )


class AppointmentOut(Schema):
    id: int
    order_id: int
    number: str
    customer_id: int
    branch_id: int
    status: str = Field(description="booked, completed (checked out), cancelled or no_show")
    service_id: int
    service_name: str
    staff_id: int | None
    staff_name: str = Field(description="Empty when booked with any staff member")
    starts_at: dt.datetime
    ends_at: dt.datetime = Field(description="starts_at plus the service's duration")
    total: int | None = Field(description="Checked out: what the order came to (whole Rupiah); null before")


class AppointmentPage(Schema):
    items: list[AppointmentOut]
    next_cursor: str | None


class AppointmentCancelIn(Input):
    no_show: bool = Field(False, description="true: she did not come (recorded as no_show, not cancelled)")


class AppointmentCheckoutIn(Input):
    payments: list[PaymentSchema] = Field(description="One or more; cash is rounded and change given as at the cashier")
    voucher_code: str = ""
    points: WholeNumber = Field(0, description="Points the member pays with")
    cashback: WholeNumber = Field(0, description="Cashback balance (Rupiah) the member pays with")
