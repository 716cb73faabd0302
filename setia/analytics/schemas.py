import datetime as dt
from typing import Any

from ninja import Schema


class ComponentOut(Schema):
    name: str
    value: int
    weight: int
    counted: bool
    points: float


class ScoresOut(Schema):
    customer_id: int
    scored: bool
    computed_at: dt.datetime | None = None
    rfm_segment: str | None = None
    rfm_segment_label: str | None = None
    recency_days: int | None = None
    frequency: int | None = None
    monetary: int | None = None
    r_score: int | None = None
    f_score: int | None = None
    m_score: int | None = None
    historic_value: int | None = None
    predicted_purchases: float | None = None
    predicted_value: int | None = None
    prob_alive: float | None = None
    churn_risk: float | None = None
    loyalty_index: int | None = None
    loyalty_components: list[ComponentOut] = []


class ProductRef(Schema):
    id: int
    name: str
    price: int


class OfferOut(Schema):
    product: ProductRef
    because: ProductRef
    kind: str
    confidence: float
    lift: float
    reason: str


class OffersOut(Schema):
    customer_id: int | None
    items: list[OfferOut]


class RuleOut(Schema):
    id: int
    kind: str
    antecedent: ProductRef
    consequent: ProductRef
    together: int
    antecedent_count: int
    consequent_count: int
    total: int
    support: float
    confidence: float
    lift: float


class RulePage(Schema):
    items: list[RuleOut]
    next_cursor: str | None


class RunOut(Schema):
    id: int
    status: str
    trigger: str
    progress: int
    step: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    error: str


class SummaryOut(Schema):
    run: RunOut | None
    figures: dict[str, Any]
