import datetime as dt
from typing import Any

from ninja import Schema

from setia.core.schemas import Input


class SegmentOut(Schema):
    id: int
    name: str
    description: str
    kind: str
    definition: dict[str, Any]
    member_count: int
    evaluated_at: dt.datetime | None
    created_by: str | None
    created_at: dt.datetime
    archived: bool


class SegmentPage(Schema):
    items: list[SegmentOut]
    next_cursor: str | None


class SegmentIn(Input):
    name: str
    description: str = ""
    kind: str = "dynamic"
    definition: dict[str, Any] = {}


class DefinitionIn(Input):
    definition: dict[str, Any]


class CountOut(Schema):
    count: int


class MemberOut(Schema):
    customer_id: int
    name: str
    joined_at: dt.datetime


class MemberPage(Schema):
    items: list[MemberOut]
    next_cursor: str | None
