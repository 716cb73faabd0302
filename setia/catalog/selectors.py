"""Reads of the catalogue. Every role may look at what the business sells (`catalog.view`);
which branch sells a product is a filter, not a visibility rule."""

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from setia.accounts.models import User
from setia.accounts.selectors import require
from setia.catalog.models import Category, Product
from setia.core.errors import NotFoundError

# Sort keys a list may ask for → keyset order (the last column is unique).
PRODUCT_ORDERS: dict[str, tuple[str, ...]] = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "price": ("price", "id"),
    "-price": ("-price", "-id"),
    "-created": ("-created_at", "-id"),
}


def _sold_in(branch_id: int) -> Q:
    # A subquery, not a join: joining the branch table under an OR would repeat products.
    in_branch = Product.branches.through.objects.filter(branch_id=branch_id).values("product_id")
    return Q(all_branches=True) | Q(pk__in=in_branch)


def products_for_branch(branch_id: int) -> QuerySet[Product]:
    """Active products sold in the branch: those sold everywhere and those listed for it."""
    return Product.objects.filter(_sold_in(branch_id), is_active=True)


def product_list(
    *,
    actor: User,
    query: str = "",
    category_id: int | None = None,
    kind: str = "",
    active: bool | None = True,
    branch_id: int | None = None,
) -> QuerySet[Product]:
    """Products matching the filters (name or SKU contains `query`, case ignored), unsorted."""
    require(actor, "catalog.view")
    products = Product.objects.select_related("category")
    query = query.strip()
    if query:
        products = products.filter(Q(name__icontains=query) | Q(sku__icontains=query))
    if category_id is not None:
        products = products.filter(category_id=category_id)
    if kind:
        products = products.filter(kind=kind)
    if active is not None:
        products = products.filter(is_active=active)
    if branch_id is not None:
        products = products.filter(_sold_in(branch_id))
    return products


def product_search(*, actor: User, branch_id: int, query: str, limit: int = 20) -> list[Product]:
    """For the cashier screen: active products sold in the branch whose SKU or name matches.

    Best matches first: the exact SKU, then SKU or name starting with the text, then name or
    SKU containing it (case ignored). An empty query finds nothing.
    """
    require(actor, "catalog.view")
    query = query.strip()
    if not query or limit <= 0:
        return []
    available = products_for_branch(branch_id).select_related("category")
    found: dict[int, Product] = {}
    for queryset in (
        available.filter(sku__iexact=query),
        available.filter(Q(sku__istartswith=query) | Q(name__istartswith=query)),
        available.filter(Q(name__icontains=query) | Q(sku__icontains=query)),
    ):
        if len(found) >= limit:
            break
        for product in queryset.exclude(pk__in=list(found)).order_by("name", "id")[: limit - len(found)]:
            found[product.pk] = product
    return list(found.values())


def product_get(*, actor: User, pk: int) -> Product:
    require(actor, "catalog.view")
    product = Product.objects.select_related("category").prefetch_related("branches").filter(pk=pk).first()
    if product is None:
        raise NotFoundError(_("Product not found."))
    return product


def category_list(*, actor: User, include_inactive: bool = True) -> QuerySet[Category]:
    require(actor, "catalog.view")
    categories = Category.objects.annotate(product_count=Count("products")).order_by("-is_active", "name")
    return categories if include_inactive else categories.filter(is_active=True)


def category_get(*, actor: User, pk: int) -> Category:
    require(actor, "catalog.view")
    category = Category.objects.filter(pk=pk).first()
    if category is None:
        raise NotFoundError(_("Category not found."))
    return category
