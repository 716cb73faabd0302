import datetime as dt

from ninja import Field, Schema

from setia.core.schemas import Input


class ActivityIn(Input):
    kind: str = Field("task", description="call, meeting, task or note")
    subject: str
    details: str = ""
    due_at: dt.datetime | None = None
    remind_at: dt.datetime | None = Field(
        None, description="Empty: 30 minutes before a call or meeting, at the due time of a task"
    )
    assigned_to_id: int | None = Field(None, description="Empty: yourself")
    customer_id: int | None = None
    lead_id: int | None = None
    opportunity_id: int | None = None


class ActivityCompleteIn(Input):
    outcome: str = Field("", description="Required for a call")


class ActivityOut(Schema):
    id: int
    kind: str
    subject: str
    details: str
    due_at: dt.datetime | None
    remind_at: dt.datetime | None
    reminded_at: dt.datetime | None
    done_at: dt.datetime | None
    outcome: str
    assigned_to_id: int | None
    created_by_id: int | None
    customer_id: int | None
    lead_id: int | None
    opportunity_id: int | None
    created_at: dt.datetime


class ActivityPage(Schema):
    items: list[ActivityOut]
    next_cursor: str | None
