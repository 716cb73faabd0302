import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from setia.catalog.models import Category, Product
from setia.catalog.selectors import product_get, product_list, product_search, products_for_branch
from setia.catalog.services import category_create, product_archive, product_create
from setia.conftest import Business
from setia.core.errors import NotFoundError, PermissionDeniedError
from setia.core.pagination import keyset_page


@pytest.fixture
def catalogue(business: Business) -> dict[str, Product]:
    owner = business.owner
    hair = category_create(actor=owner, name="Hair")
    return {
        "haircut": product_create(
            actor=owner, kind="service", name="Potong Rambut", sku="HC-01", price=150_000, category=hair
        ),
        "shampoo": product_create(actor=owner, name="Sampo Rambut 250 ml", sku="SMP-250", price=85_000),
        "trip": product_create(
            actor=owner,
            kind="service",
            name="Antar Bandara",
            price=250_000,
            all_branches=False,
            branches=[business.branch_b],
        ),
        "both": product_create(
            actor=owner,
            name="Kartu Hadiah",
            sku="GIFT",
            price=100_000,
            all_branches=False,
            branches=[business.branch_a, business.branch_b],
        ),
        "old": product_archive(actor=owner, product=product_create(actor=owner, name="Rambut Lama", price=1)),
    }


def _names(products: object) -> list[str]:
    return [p.name for p in products]  # type: ignore[attr-defined]


def test_products_for_branch_are_active_and_sold_there(business: Business, catalogue: dict[str, Product]) -> None:
    in_a = products_for_branch(business.branch_a.pk).order_by("name")
    in_b = products_for_branch(business.branch_b.pk).order_by("name")
    assert _names(in_a) == ["Kartu Hadiah", "Potong Rambut", "Sampo Rambut 250 ml"]
    assert _names(in_b) == ["Antar Bandara", "Kartu Hadiah", "Potong Rambut", "Sampo Rambut 250 ml"]


def test_product_search_for_the_cashier(business: Business, catalogue: dict[str, Product]) -> None:
    a = business.branch_a.pk
    # Exact SKU first, then prefixes, then contained; case ignored; archived and other-branch left out.
    assert _names(product_search(actor=business.cashier_a, branch_id=a, query="rambut")) == [
        "Potong Rambut",
        "Sampo Rambut 250 ml",
    ]
    assert _names(product_search(actor=business.cashier_a, branch_id=a, query="hc-01")) == ["Potong Rambut"]
    assert _names(product_search(actor=business.cashier_a, branch_id=a, query="smp")) == ["Sampo Rambut 250 ml"]
    assert _names(product_search(actor=business.cashier_a, branch_id=a, query="SAMPO")) == ["Sampo Rambut 250 ml"]
    assert _names(product_search(actor=business.cashier_a, branch_id=a, query="bandara")) == []
    assert _names(product_search(actor=business.cashier_b, branch_id=business.branch_b.pk, query="bandara")) == [
        "Antar Bandara"
    ]
    assert product_search(actor=business.cashier_a, branch_id=a, query="  ") == []
    assert _names(product_search(actor=business.cashier_a, branch_id=a, query="r", limit=2)) == [
        "Kartu Hadiah",
        "Potong Rambut",
    ]


def test_product_search_puts_the_exact_sku_first(business: Business) -> None:
    product_create(actor=business.owner, name="Aaa sampo G1", sku="G10", price=1)
    product_create(actor=business.owner, name="Zzz sampo", sku="G1", price=1)
    found = product_search(actor=business.cashier_a, branch_id=business.branch_a.pk, query="g1")
    assert [p.sku for p in found] == ["G1", "G10"]


def test_product_list_filters(business: Business, catalogue: dict[str, Product]) -> None:
    owner = business.owner
    hair = Category.objects.get(name="Hair")
    assert _names(product_list(actor=owner).order_by("name")) == [
        "Antar Bandara",
        "Kartu Hadiah",
        "Potong Rambut",
        "Sampo Rambut 250 ml",
    ]
    assert _names(product_list(actor=owner, query="RAMBUT").order_by("name")) == [
        "Potong Rambut",
        "Sampo Rambut 250 ml",
    ]
    assert _names(product_list(actor=owner, query="smp-2")) == ["Sampo Rambut 250 ml"]
    assert _names(product_list(actor=owner, category_id=hair.pk)) == ["Potong Rambut"]
    assert _names(product_list(actor=owner, kind="service").order_by("name")) == ["Antar Bandara", "Potong Rambut"]
    assert _names(product_list(actor=owner, active=False)) == ["Rambut Lama"]
    assert len(product_list(actor=owner, active=None)) == 5
    assert _names(product_list(actor=owner, branch_id=business.branch_a.pk).order_by("name")) == [
        "Kartu Hadiah",
        "Potong Rambut",
        "Sampo Rambut 250 ml",
    ]


def test_every_role_may_read_the_catalogue(business: Business, catalogue: dict[str, Product]) -> None:
    for actor in (business.analyst, business.cashier_b, business.manager):
        assert product_get(actor=actor, pk=catalogue["trip"].pk).name == "Antar Bandara"
        assert len(product_list(actor=actor)) == 4
    with pytest.raises(NotFoundError):
        product_get(actor=business.owner, pk=999_999)


def test_inactive_staff_read_nothing(business: Business, catalogue: dict[str, Product]) -> None:
    business.cashier_a.is_active = False
    with pytest.raises(PermissionDeniedError):
        product_list(actor=business.cashier_a)
    with pytest.raises(PermissionDeniedError):
        product_search(actor=business.cashier_a, branch_id=business.branch_a.pk, query="rambut")


def test_list_page_queries_do_not_grow_with_page_size(business: Business) -> None:
    hair = category_create(actor=business.owner, name="Hair")
    for number in range(30):
        product_create(actor=business.owner, name=f"Produk {number:02}", price=number, category=hair)
    counts = []
    for size in (5, 25):
        with CaptureQueriesContext(connection) as queries:
            page = keyset_page(product_list(actor=business.owner), order=("name", "id"), size=size)
            [p.category.name if p.category else "" for p in page.rows]
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_keyset_pages_cover_every_product_once(business: Business) -> None:
    for number in range(7):
        product_create(actor=business.owner, name="Sama", price=number * 1000)
    seen: list[int] = []
    cursor = ""
    while True:
        page = keyset_page(product_list(actor=business.owner), order=("-price", "-id"), cursor=cursor, size=3)
        seen += [p.price for p in page.rows]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert seen == [6000, 5000, 4000, 3000, 2000, 1000, 0]
