from typing import Any

import pytest
from django.test import Client

from setia.accounts.models import User
from setia.accounts.services import api_key_create
from setia.catalog.models import Category, Product
from setia.catalog.services import category_create, product_create
from setia.conftest import Business, client_for
from setia.core.models import AuditEvent

# Personas for the catalogue: reading is for every role, changing for managers and owners.
PERSONAS = ["anonymous", "analyst", "cashier", "manager", "owner"]


def _user(business: Business, persona: str) -> User | None:
    return {
        "anonymous": None,
        "analyst": business.analyst,
        "cashier": business.cashier_b,
        "manager": business.manager,
        "owner": business.owner,
    }[persona]


@pytest.fixture
def records(business: Business) -> dict[str, int]:
    hair = category_create(actor=business.owner, name="Hair")
    haircut = product_create(
        actor=business.owner, kind="service", name="Potong rambut", sku="HC-01", price=150_000, category=hair
    )
    return {"category": hair.pk, "product": haircut.pk}


VIEW_ONLY = [302, 200, 200, 200, 200]
MANAGE = [302, 403, 403, 200, 200]
PAGES = [
    ("/catalog/", VIEW_ONLY),
    ("/catalog/?q=rambut&kind=service&status=all&sort=-price", VIEW_ONLY),
    ("/catalog/categories/", VIEW_ONLY),
    ("/catalog/new/", MANAGE),
    ("/catalog/{product}/edit/", MANAGE),
    ("/catalog/categories/{category}/edit/", MANAGE),
]


@pytest.mark.parametrize(("path", "statuses"), PAGES, ids=[p for p, _ in PAGES])
@pytest.mark.parametrize("persona_index", range(len(PERSONAS)), ids=PERSONAS)
def test_pages_per_persona(
    business: Business, records: dict[str, int], path: str, statuses: list[int], persona_index: int
) -> None:
    response = client_for(_user(business, PERSONAS[persona_index])).get(path.format(**records))
    assert response.status_code == statuses[persona_index]
    if response.status_code == 302:
        assert response["Location"].startswith("/accounts/login/")


POSTS = [
    ("/catalog/new/", {"kind": "product", "name": "Sampo", "price": "85.000", "is_active": "on", "all_branches": "on"}),
    (
        "/catalog/{product}/edit/",
        {"kind": "service", "name": "Potong", "price": "1", "is_active": "on", "all_branches": "on"},
    ),
    ("/catalog/{product}/archive/", {}),
    ("/catalog/categories/", {"name": "Nails"}),
    ("/catalog/categories/{category}/edit/", {"name": "Rambut"}),
    ("/catalog/categories/{category}/archive/", {}),
]


@pytest.mark.parametrize(("path", "data"), POSTS, ids=[p for p, _ in POSTS])
@pytest.mark.parametrize("persona", ["anonymous", "analyst", "cashier"])
def test_viewers_cannot_post(
    business: Business, records: dict[str, int], path: str, data: dict[str, str], persona: str
) -> None:
    client = client_for(_user(business, persona))
    events = AuditEvent.objects.count()
    response = client.post(path.format(**records), data)
    assert response.status_code == (302 if persona == "anonymous" else 403)
    assert AuditEvent.objects.count() == events
    assert Product.objects.get().name == "Potong rambut" and Product.objects.get().is_active
    assert list(Category.objects.values_list("name", "is_active")) == [("Hair", True)]


@pytest.mark.parametrize("persona", ["manager", "owner"])
def test_managers_post_every_form(business: Business, records: dict[str, int], persona: str) -> None:
    client = client_for(_user(business, persona))
    for path, data in POSTS:
        response = client.post(path.format(**records), data)
        assert response.status_code == 302, (path, response.content[:500])
    assert sorted(Product.objects.values_list("name", "price", "is_active")) == [
        ("Potong", 1, False),
        ("Sampo", 85_000, True),
    ]
    assert list(Category.objects.order_by("name").values_list("name", "is_active")) == [
        ("Nails", True),
        ("Rambut", False),
    ]


def test_edit_buttons_only_for_managers(business: Business, records: dict[str, int]) -> None:
    for user, shown in ((business.cashier_a, False), (business.analyst, False), (business.manager, True)):
        html = client_for(user).get("/catalog/").content.decode()
        assert ('data-testid="add-product"' in html) is shown
        assert ('data-testid="edit-product"' in html) is shown
        html = client_for(user).get("/catalog/categories/").content.decode()
        assert ('data-testid="category-form"' in html) is shown


def test_list_shows_rupiah_and_empty_state(business: Business, records: dict[str, int]) -> None:
    client = client_for(business.cashier_a)
    client.cookies["django_language"] = "id"
    html = client.get("/catalog/").content.decode()
    assert "Rp 150.000" in html and "Potong rambut" in html
    html = client.get("/catalog/?q=tidak-ada").content.decode()
    assert 'data-testid="empty-state"' in html and "Potong rambut" not in html


def test_list_pages_with_a_cursor(business: Business) -> None:
    for number in range(55):
        product_create(actor=business.owner, name=f"Produk {number:02}", price=number)
    client = client_for(business.analyst)
    first = client.get("/catalog/")
    assert first.content.decode().count('data-testid="product-row"') == 50
    cursor = first.context["page"].next_cursor
    second = client.get(f"/catalog/?after={cursor}")
    assert [p.name for p in second.context["page"].rows] == [f"Produk {n}" for n in range(50, 55)]
    assert second.context["page"].next_cursor is None


def test_htmx_filter_returns_only_the_results(business: Business, records: dict[str, int]) -> None:
    response = client_for(business.manager).get("/catalog/?q=hc-0", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "Potong rambut" in html and "<html" not in html


def test_form_errors_are_shown_on_their_fields(business: Business, records: dict[str, int]) -> None:
    client = client_for(business.manager)
    client.cookies["django_language"] = "en"
    response = client.post("/catalog/new/", {"kind": "product", "name": "Dup", "sku": "hc-01", "price": "10"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"sku": ["SKU: HC-01 is already used by Potong rambut."]}
    response = client.post("/catalog/new/", {"kind": "product", "name": "X", "price": "-5", "all_branches": "on"})
    assert list(response.context["form"].errors) == ["price"]
    response = client.post("/catalog/new/", {"kind": "product", "name": "X", "price": "1", "branches": []})
    assert response.context["form"].errors == {
        "branches": ["Branches: choose at least one branch, or sell it in every branch."]
    }
    response = client.post("/catalog/categories/", {"name": "hair"})
    assert response.context["form"].errors == {"name": ["Name: the category Hair already exists."]}
    assert Product.objects.count() == 1 and Category.objects.count() == 1


def test_form_creates_a_service_for_some_branches(business: Business) -> None:
    response = client_for(business.manager).post(
        "/catalog/new/",
        {
            "kind": "service",
            "name": "Antar Bandara",
            "price": "Rp 250.000",
            "duration_minutes": "90",
            "is_active": "on",
            "branches": [str(business.branch_b.pk)],
        },
    )
    assert response.status_code == 302
    product = Product.objects.get()
    assert (product.kind, product.price, product.duration_minutes, product.all_branches) == (
        "service",
        250_000,
        90,
        False,
    )
    assert list(product.branches.values_list("pk", flat=True)) == [business.branch_b.pk]


@pytest.mark.parametrize(
    ("text", "amount"),
    [("150000", 150_000), ("150.000", 150_000), ("Rp 1.250.000", 1_250_000), ("150.000,00", 150_000), ("0", 0)],
)
def test_prices_as_people_type_them(text: str, amount: int) -> None:
    from setia.core.money import parse_rupiah

    assert parse_rupiah(text) == amount


@pytest.mark.parametrize("text", ["-5", "1,5", "15.00.0", "abc", "1.5e3"])
def test_prices_that_are_not_whole_rupiah(text: str) -> None:
    from setia.core.money import parse_rupiah

    assert parse_rupiah(text) is None


# --- API ------------------------------------------------------------------------------------


def _headers(user: User | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key_create(actor=user, name='t')[1]}"} if user else {}


API_READS = [
    ("/api/v1/products", [401, 200, 200, 200, 200]),
    ("/api/v1/products?q=hc&kind=service&active=true&sort=-price", [401, 200, 200, 200, 200]),
    ("/api/v1/products/{product}", [401, 200, 200, 200, 200]),
    ("/api/v1/products/999999", [401, 404, 404, 404, 404]),
    ("/api/v1/categories", [401, 200, 200, 200, 200]),
]


@pytest.mark.parametrize(("path", "statuses"), API_READS, ids=[p for p, _ in API_READS])
@pytest.mark.parametrize("persona_index", range(len(PERSONAS)), ids=PERSONAS)
def test_api_reads_per_persona(
    business: Business, records: dict[str, int], path: str, statuses: list[int], persona_index: int
) -> None:
    user = _user(business, PERSONAS[persona_index])
    response = Client().get(path.format(**records), headers=_headers(user))
    assert response.status_code == statuses[persona_index]


API_WRITES: list[tuple[str, str, dict[str, Any]]] = [
    ("post", "/api/v1/products", {"name": "Sampo", "price": 85_000}),
    ("patch", "/api/v1/products/{product}", {"price": 1}),
    ("post", "/api/v1/categories", {"name": "Nails"}),
]


@pytest.mark.parametrize(("method", "path", "body"), API_WRITES, ids=[f"{m} {p}" for m, p, _ in API_WRITES])
@pytest.mark.parametrize("persona_index", range(len(PERSONAS)), ids=PERSONAS)
def test_api_writes_per_persona(
    business: Business, records: dict[str, int], method: str, path: str, body: dict[str, Any], persona_index: int
) -> None:
    client = Client(headers=_headers(_user(business, PERSONAS[persona_index])))
    events = AuditEvent.objects.count()
    response = getattr(client, method)(path.format(**records), body, content_type="application/json")
    expected = [401, 403, 403, 201 if method == "post" else 200, 201 if method == "post" else 200]
    assert response.status_code == expected[persona_index]
    if expected[persona_index] >= 400:
        assert AuditEvent.objects.count() == events
        assert Product.objects.get().price == 150_000 and Category.objects.count() == 1


def test_api_product_round_trip(business: Business, records: dict[str, int]) -> None:
    headers = _headers(business.manager)
    client = Client(headers=headers)
    response = client.post(
        "/api/v1/products",
        {
            "kind": "service",
            "name": "Antar Bandara",
            "sku": "TRIP-1",
            "category_id": records["category"],
            "price": 250_000,
            "duration_minutes": 90,
            "all_branches": False,
            "branch_ids": [business.branch_b.pk],
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    product_id = body.pop("id")
    body.pop("created_at"), body.pop("updated_at")
    assert body == {
        "kind": "service",
        "name": "Antar Bandara",
        "sku": "TRIP-1",
        "category_id": records["category"],
        "category_name": "Hair",
        "price": 250_000,
        "duration_minutes": 90,
        "description": "",
        "is_active": True,
        "all_branches": False,
        "branch_ids": [business.branch_b.pk],
    }
    response = client.patch(
        f"/api/v1/products/{product_id}",
        {"price": 275_000, "category_id": None, "name": None},
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["price"], body["category_id"], body["name"], body["duration_minutes"]) == (
        275_000,
        None,
        "Antar Bandara",
        90,
    )
    listed = client.get(f"/api/v1/products?branch={business.branch_a.pk}").json()
    assert [item["name"] for item in listed["items"]] == ["Potong rambut"]
    assert listed["next_cursor"] is None


def test_api_errors_name_the_field(business: Business, records: dict[str, int]) -> None:
    client = Client(headers={**_headers(business.owner), "Accept-Language": "en"})
    client.cookies["django_language"] = "en"
    cases: list[tuple[dict[str, Any], str]] = [
        ({"name": "X", "price": -1}, "price"),
        ({"name": "X", "price": 1, "sku": "HC-01"}, "sku"),
        ({"name": "", "price": 1}, "name"),
        ({"name": "X", "price": 1, "category_id": 999_999}, "category_id"),
        ({"name": "X", "price": 1, "all_branches": False, "branch_ids": [999_999]}, "branch_ids"),
        ({"name": "X", "price": 1, "kind": "service", "duration_minutes": 0}, "duration_minutes"),
        ({"name": "X", "price": 1.5}, "price"),
        ({"name": "X"}, "price"),
    ]
    for body, field in cases:
        response = client.post("/api/v1/products", body, content_type="application/json")
        assert response.status_code == 400, body
        error = response.json()
        assert set(error) == {"message", "extra"} and list(error["extra"]) == [field], error
    response = client.post("/api/v1/categories", {"name": "hair"}, content_type="application/json")
    assert response.json() == {
        "message": "Name: the category Hair already exists.",
        "extra": {"name": ["Name: the category Hair already exists."]},
    }
    assert Product.objects.count() == 1 and Category.objects.count() == 1


def test_api_paginates_with_a_cursor(business: Business) -> None:
    for number in range(5):
        product_create(actor=business.owner, name=f"Produk {number}", price=number)
    client = Client(headers=_headers(business.cashier_a))
    first = client.get("/api/v1/products?limit=3&sort=-price").json()
    assert [item["price"] for item in first["items"]] == [4, 3, 2]
    second = client.get(f"/api/v1/products?limit=3&sort=-price&after={first['next_cursor']}").json()
    assert [item["price"] for item in second["items"]] == [1, 0]
    assert second["next_cursor"] is None
