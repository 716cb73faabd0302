import datetime as dt
from typing import Any

from ninja import Field, Schema
from ninja.schema import DjangoGetter
from pydantic import model_validator

from setia.core.schemas import Input


class PhoneSchema(Schema):
    number: str
    label: str = "mobile"


class PhoneIn(Input):
    """A phone in a request: `{"number": "0812…", "label": "mobile"}`, or only the number as text
    (`"0812…"`, a mobile)."""

    number: str
    label: str = "mobile"

    @model_validator(mode="before")
    @classmethod
    def _number_alone(cls, value: Any) -> Any:
        raw = value._obj if isinstance(value, DjangoGetter) else value  # as ninja's Schema hands it over
        return {"number": raw} if isinstance(raw, str) else value


class AddressSchema(Schema):
    id: int | None = None
    label: str = "home"
    line: str
    landmark: str = ""
    province_code: str | None = None
    regency_code: str | None = None
    district_code: str | None = None
    place: str = ""
    postal_code: str = ""
    last_used_at: dt.datetime | None = None


class AddressIn(Input):
    id: int | None = None
    label: str = "home"
    line: str
    landmark: str = ""
    province_code: str | None = None
    regency_code: str | None = None
    district_code: str | None = None
    postal_code: str = ""


class CustomerOut(Schema):
    id: int
    kind: str
    name: str
    company_id: int | None
    phones: list[PhoneSchema]
    emails: list[str]
    addresses: list[AddressSchema]
    birthday: dt.date | None
    gender: str
    occupation: str
    preferred_language: str
    preferred_channel: str
    source: str
    owner_id: int | None
    home_branch_id: int | None
    external_id: str | None
    member_number: str | None
    notes: str
    tags: list[str]
    interests: list[str]
    custom: dict[str, Any]
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class CustomerIn(Input):
    kind: str = "person"
    name: str
    company_id: int | None = None
    phones: list[PhoneIn] = []
    emails: list[str] = []
    addresses: list[AddressIn] = []
    birthday: dt.date | None = None
    gender: str = ""
    occupation: str = ""
    preferred_language: str = "id"
    preferred_channel: str = "whatsapp"
    source: str = "other"
    owner_id: int | None = None
    home_branch_id: int | None = None
    external_id: str | None = None
    notes: str = ""
    tags: list[str] = []
    interests: list[str] = []
    custom: dict[str, Any] = {}


class CustomerPatch(Input):
    version: int
    kind: str | None = None
    name: str | None = None
    company_id: int | None = None
    phones: list[PhoneIn] | None = None
    emails: list[str] | None = None
    addresses: list[AddressIn] | None = None
    birthday: dt.date | None = None
    gender: str | None = None
    occupation: str | None = None
    preferred_language: str | None = None
    preferred_channel: str | None = None
    source: str | None = None
    owner_id: int | None = None
    home_branch_id: int | None = None
    external_id: str | None = None
    notes: str | None = None
    tags: list[str] | None = None
    interests: list[str] | None = None
    custom: dict[str, Any] | None = None


class CustomerPage(Schema):
    items: list[CustomerOut]
    next_cursor: str | None


class FieldOut(Schema):
    key: str
    label: str
    type: str
    required: bool
    help_text: str
    choices: list[str]
    group: str
    position: int
    # Whole-number, decimal and date fields: the limits in the form `custom` values take (an integer,
    # a decimal as text such as "0.5", a date as "YYYY-MM-DD"); null for no limit.
    minimum: int | str | None = Field(None, description="smallest value allowed (dates: the earliest); null: none")
    maximum: int | str | None = Field(None, description="largest value allowed (dates: the latest); null: none")


class InteractionOut(Schema):
    at: dt.datetime
    kind: str
    title: str
    detail: str


class LookupCustomer(Schema):
    id: int
    name: str
    member_number: str | None
    tier: str | None  # the loyalty tier of an active member
    points: int | None  # her points balance
    phones: list[PhoneSchema]
    addresses: list[AddressSchema]
    last_interactions: list[InteractionOut]
    url: str


class LookupOut(Schema):
    phone: str | None
    match: str  # "one", "several", "none", "invalid"
    customers: list[LookupCustomer]


class ConsentIn(Input):
    channel: str
    purpose: str
    granted: bool
    notice_version: str


class ConsentOut(Schema):
    channel: str
    purpose: str
    granted: bool | None
    source: str | None
    notice_version: str | None
    recorded_at: dt.datetime | None
