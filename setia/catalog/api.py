from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status

from setia.accounts.models import User
from setia.catalog import selectors, services
from setia.catalog.models import Category, Product
from setia.catalog.schemas import CategoryIn, CategoryOut, ProductIn, ProductOut, ProductPage, ProductPatch
from setia.core.errors import ApplicationError, field_not_found
from setia.core.pagination import api_page

router = Router(tags=["catalogue"])

# The services name model fields; the API names ids.
_API_FIELD = {"category": "category_id", "branches": "branch_ids"}
_NOT_CLEARABLE = (
    "kind",
    "name",
    "price",
    "description",
    "is_active",
    "all_branches",
)  # fields that cannot be cleared: `null` in a PATCH leaves them as they are


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@contextmanager
def _api_names() -> Iterator[None]:
    try:
        yield
    except ApplicationError as error:
        error.extra = {_API_FIELD.get(key, key): value for key, value in error.extra.items()}
        raise


def product_out(product: Product) -> dict[str, Any]:
    return {
        "id": product.pk,
        "kind": product.kind,
        "name": product.name,
        "sku": product.sku,
        "category_id": product.category_id,
        "category_name": product.category.name if product.category else None,
        "price": product.price,
        "duration_minutes": product.duration_minutes,
        "description": product.description,
        "is_active": product.is_active,
        "all_branches": product.all_branches,
        "branch_ids": sorted(branch.pk for branch in product.branches.all()),
        "created_at": product.created_at,
        "updated_at": product.updated_at,
    }


def _category(category_id: int | None) -> Category | None:
    if category_id is None:
        return None
    category = Category.objects.filter(pk=category_id).first()
    if category is None:
        raise field_not_found("category_id")
    return category


@router.get("/products", response=ProductPage, summary="Products and services, filtered and paged (keyset)")
def list_products(
    request: HttpRequest,
    q: str = "",
    category: int | None = None,
    kind: str = "",
    active: bool | None = None,
    branch: int | None = None,
    sort: str = "name",
    after: str = "",
    limit: int = 100,
) -> dict[str, Any]:
    """`active` omitted: on sale and archived alike. `branch`: what that branch sells.
    `sort`: name, -name, price, -price or -created. Pass `next_cursor` as `after` for the next page."""
    products = selectors.product_list(
        actor=_actor(request), query=q, category_id=category, kind=kind, active=active, branch_id=branch
    ).prefetch_related("branches")
    order = selectors.PRODUCT_ORDERS.get(sort, selectors.PRODUCT_ORDERS["name"])
    page = api_page(products, order=order, cursor=after, size=max(1, min(limit, 500)))
    return {"items": [product_out(p) for p in page.rows], "next_cursor": page.next_cursor}


@router.get("/products/{product_id}", response=ProductOut, summary="One product or service")
def get_product(request: HttpRequest, product_id: int) -> dict[str, Any]:
    return product_out(selectors.product_get(actor=_actor(request), pk=product_id))


@router.post("/products", response={201: ProductOut}, summary="Add a product or service")
def create_product(request: HttpRequest, payload: ProductIn) -> Status[dict[str, Any]]:
    actor = _actor(request)
    fields = payload.dict(exclude={"category_id", "branch_ids"})
    with _api_names():
        product = services.product_create(
            actor=actor, category=_category(payload.category_id), branches=payload.branch_ids, **fields
        )
    return Status(201, product_out(selectors.product_get(actor=actor, pk=product.pk)))


@router.patch("/products/{product_id}", response=ProductOut, summary="Change a product or service")
def update_product(request: HttpRequest, product_id: int, payload: ProductPatch) -> dict[str, Any]:
    actor = _actor(request)
    product = selectors.product_get(actor=actor, pk=product_id)
    given = payload.dict(exclude_unset=True)
    fields = {key: value for key, value in given.items() if not (key in _NOT_CLEARABLE and value is None)}
    with _api_names():
        if "category_id" in fields:
            fields["category"] = _category(fields.pop("category_id"))
        if "branch_ids" in fields:
            fields["branches"] = fields.pop("branch_ids") or []
        services.product_update(actor=actor, product=product, **fields)
    return product_out(selectors.product_get(actor=actor, pk=product.pk))


@router.get("/categories", response=list[CategoryOut], summary="Categories, archived ones last")
def list_categories(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {"id": c.pk, "name": c.name, "is_active": c.is_active} for c in selectors.category_list(actor=_actor(request))
    ]


@router.post("/categories", response={201: CategoryOut}, summary="Add a category")
def create_category(request: HttpRequest, payload: CategoryIn) -> Status[dict[str, Any]]:
    category = services.category_create(actor=_actor(request), name=payload.name, is_active=payload.is_active)
    return Status(201, {"id": category.pk, "name": category.name, "is_active": category.is_active})
