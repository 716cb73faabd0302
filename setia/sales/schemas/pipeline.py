import datetime as dt

from ninja import Field, Schema

from setia.core.schemas import Input


class OpportunityLineIn(Input):
    product_id: int | None = None
    quantity: int = 1
    unit_price: int | None = Field(None, description="Whole Rupiah; the catalogue price when left out")
    description: str = ""


class OpportunityLineOut(Schema):
    id: int
    product_id: int | None
    description: str
    quantity: int
    unit_price: int
    total: int


class OpportunityIn(Input):
    customer_id: int
    title: str
    pipeline_id: int | None = Field(None, description="Default: the first active pipeline")
    stage_id: int | None = Field(None, description="Default: the pipeline's first active stage")
    value: int = Field(0, description="Whole Rupiah; 0 with lines takes the sum of the lines")
    owner_id: int | None = Field(None, description="Default: the caller")
    branch_id: int | None = Field(None, description="Default: the customer's home branch")
    lead_id: int | None = None
    expected_close: dt.date | None = None
    lines: list[OpportunityLineIn] = []
    notes: str = ""


class OpportunityOut(Schema):
    id: int
    title: str
    customer_id: int
    lead_id: int | None
    pipeline_id: int
    stage_id: int
    owner_id: int | None
    branch_id: int | None
    value: int
    probability: int
    weighted_value: int
    expected_close: dt.date | None
    status: str
    position: int
    stage_entered_at: dt.datetime
    closed_at: dt.datetime | None
    lost_reason_id: int | None
    close_note: str
    order_id: int | None
    notes: str
    version: int
    created_at: dt.datetime
    lines: list[OpportunityLineOut]


class OpportunityPage(Schema):
    items: list[OpportunityOut]
    next_cursor: str | None


class OpportunityMoveIn(Input):
    stage_id: int
    position: int | None = Field(None, description="0-based place in the target column; default: the end")


class OpportunityWinIn(Input):
    order_id: int | None = Field(None, description="Link an existing order of the same customer")
    create_order: bool = Field(False, description="Create an order from the opportunity's lines")
    payment_method: str = Field(
        "", description="With create_order: how the customer paid (a paid sale); empty: a placed, unpaid order"
    )
    note: str = ""


class OpportunityLoseIn(Input):
    reason_id: int
    note: str = ""


class StageOut(Schema):
    id: int
    name: str
    position: int
    probability: int


class PipelineOut(Schema):
    id: int
    name: str
    position: int
    stages: list[StageOut]


class LostReasonOut(Schema):
    id: int
    name: str
