import datetime as dt

from ninja import Field, Schema

from setia.core.schemas import Input


class LeadIn(Input):
    name: str
    phone: str = Field("", description="Any Indonesian format (0812…, +62 812…, 62812…); stored as E.164")
    email: str = ""
    company_name: str = ""
    city: str = ""
    interest: str = ""
    estimated_value: int | None = Field(None, description="Whole Rupiah")
    source_id: int | None = None
    branch_id: int | None = None
    owner_id: int | None = Field(None, description="Left out: the assignment rules choose the owner")
    next_follow_up: dt.date | None = None
    consent_marketing: bool = False


class LeadPatch(Input):
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    company_name: str | None = None
    city: str | None = None
    interest: str | None = None
    estimated_value: int | None = None
    source_id: int | None = None
    branch_id: int | None = None
    next_follow_up: dt.date | None = None
    consent_marketing: bool | None = None


class LeadStatusIn(Input):
    status: str = Field(description="contacted, qualified or unqualified")
    reason: str = Field("", description="Required for unqualified")


class LeadAssignIn(Input):
    owner_id: int | None


class LeadConvertIn(Input):
    create_opportunity: bool = False
    opportunity_title: str = ""
    opportunity_value: int = 0
    pipeline_id: int | None = None


class LeadOut(Schema):
    id: int
    name: str
    company_name: str
    phone: str
    email: str
    city: str
    interest: str
    estimated_value: int | None
    source_id: int | None
    channel: str
    branch_id: int | None
    owner_id: int | None
    status: str
    next_follow_up: dt.date | None
    unqualified_reason: str
    consent_marketing: bool
    contacted_at: dt.datetime | None
    qualified_at: dt.datetime | None
    converted_at: dt.datetime | None
    customer_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime


class LeadPage(Schema):
    items: list[LeadOut]
    next_cursor: str | None


class LeadConvertOut(Schema):
    lead: LeadOut
    customer_id: int
    opportunity_id: int | None
