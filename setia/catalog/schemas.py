import datetime as dt

from ninja import Schema

from setia.core.money import WholeNumber
from setia.core.schemas import Input


class CategoryOut(Schema):
    id: int
    name: str
    is_active: bool


class CategoryIn(Input):
    name: str
    is_active: bool = True


class ProductOut(Schema):
    id: int
    kind: str
    name: str
    sku: str | None
    category_id: int | None
    category_name: str | None
    price: int  # whole Rupiah
    duration_minutes: int | None
    description: str
    is_active: bool
    all_branches: bool
    branch_ids: list[int]
    created_at: dt.datetime
    updated_at: dt.datetime


class ProductPage(Schema):
    items: list[ProductOut]
    next_cursor: str | None


class ProductIn(Input):
    kind: str = "product"
    name: str
    sku: str | None = None
    category_id: int | None = None
    price: WholeNumber  # whole Rupiah: a JSON number ("150.000" as a string is refused)
    duration_minutes: int | None = None
    description: str = ""
    is_active: bool = True
    all_branches: bool = True
    branch_ids: list[int] = []


class ProductPatch(Input):
    """Only the fields sent change; `null` clears an optional one."""

    kind: str | None = None
    name: str | None = None
    sku: str | None = None
    category_id: int | None = None
    price: WholeNumber | None = None
    duration_minutes: int | None = None
    description: str | None = None
    is_active: bool | None = None
    all_branches: bool | None = None
    branch_ids: list[int] | None = None
