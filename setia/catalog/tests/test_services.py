from typing import Any

import pytest
from django.utils import translation

from setia.accounts.models import Branch
from setia.catalog.models import Category, Product
from setia.catalog.services import (
    MAX_PRICE,
    category_archive,
    category_create,
    category_update,
    product_archive,
    product_create,
    product_update,
)
from setia.conftest import Business
from setia.core.errors import ApplicationError, PermissionDeniedError
from setia.core.models import AuditEvent


@pytest.fixture(autouse=True)
def english() -> Any:
    """Messages are asserted word for word, in English (the Indonesian catalog is checked elsewhere)."""
    with translation.override("en"):
        yield


def _state() -> list[Any]:
    """Everything the catalogue holds, to show that a refusal changed nothing."""
    products = [
        (
            *(p.pk, p.kind, p.name, p.sku, p.category_id, p.price, p.duration_minutes, p.is_active, p.all_branches),
            tuple(p.branches.values_list("pk", flat=True).order_by("pk")),
        )
        for p in Product.objects.order_by("pk")
    ]
    categories = [(c.pk, c.name, c.is_active) for c in Category.objects.order_by("pk")]
    return [*products, *categories, AuditEvent.objects.count()]


@pytest.fixture
def hair(business: Business) -> Category:
    return category_create(actor=business.manager, name="Hair")


@pytest.fixture
def haircut(business: Business, hair: Category) -> Product:
    return product_create(
        actor=business.manager,
        kind=Product.Kind.SERVICE,
        name="Potong rambut",
        sku="HC-01",
        category=hair,
        price=150_000,
        duration_minutes=45,
    )


# --- Categories -----------------------------------------------------------------------------


def test_category_create_trims_and_audits(business: Business) -> None:
    category = category_create(actor=business.owner, name="  Hair   care ")
    assert (category.name, category.is_active) == ("Hair care", True)
    event = AuditEvent.objects.get(object_type="catalog.category", object_id=str(category.pk))
    assert (event.action, event.actor_id) == ("create", business.owner.pk)
    assert event.changes == {"is_active": [None, True], "name": [None, "Hair care"]}


@pytest.mark.parametrize(
    ("name", "reason"), [("", "Name: enter the category's name."), ("   ", "Name: enter the category's name.")]
)
def test_category_without_name_is_refused(business: Business, name: str, reason: str) -> None:
    with pytest.raises(ApplicationError) as error:
        category_create(actor=business.owner, name=name)
    assert error.value.message == reason and error.value.extra == {"name": [reason]}
    assert not Category.objects.exists() and not AuditEvent.objects.exists()


def test_duplicate_category_name_ignores_case(business: Business, hair: Category) -> None:
    before = _state()
    with pytest.raises(ApplicationError) as error:
        category_create(actor=business.owner, name="HAIR")
    assert error.value.extra == {"name": ["Name: the category Hair already exists."]}
    nails = category_create(actor=business.owner, name="Nails")
    with pytest.raises(ApplicationError):
        category_update(actor=business.owner, category=nails, name="hair")
    nails.refresh_from_db()
    assert nails.name == "Nails"
    assert _state()[:1] == before[:1]


def test_category_rename_and_archive_are_audited(business: Business, hair: Category) -> None:
    category_update(actor=business.owner, category=hair, name="Rambut")
    category_archive(actor=business.owner, category=hair)
    hair.refresh_from_db()
    assert (hair.name, hair.is_active) == ("Rambut", False)
    events = AuditEvent.objects.filter(object_type="catalog.category", object_id=str(hair.pk)).order_by("id")
    assert [(e.action, e.changes) for e in events][1:] == [
        ("update", {"name": ["Hair", "Rambut"]}),
        ("archive", {"is_active": [True, False]}),
    ]
    category_archive(actor=business.owner, category=hair, archived=False)
    hair.refresh_from_db()
    assert hair.is_active is True
    assert events.last().action == "restore"  # type: ignore[union-attr]


@pytest.mark.parametrize("who", ["analyst", "cashier_a"])
def test_only_managers_and_owners_change_categories(business: Business, hair: Category, who: str) -> None:
    actor = getattr(business, who)
    before = _state()
    with pytest.raises(PermissionDeniedError):
        category_create(actor=actor, name="Nails")
    with pytest.raises(PermissionDeniedError):
        category_update(actor=actor, category=hair, name="Nails")
    with pytest.raises(PermissionDeniedError):
        category_archive(actor=actor, category=hair)
    assert _state() == before


# --- Products -------------------------------------------------------------------------------


def test_service_create_stores_exact_values_and_audits(business: Business, haircut: Product, hair: Category) -> None:
    haircut.refresh_from_db()
    assert (haircut.kind, haircut.name, haircut.sku, haircut.category_id) == (
        "service",
        "Potong rambut",
        "HC-01",
        hair.pk,
    )
    assert (haircut.price, haircut.duration_minutes, haircut.is_active, haircut.all_branches) == (
        150_000,
        45,
        True,
        True,
    )
    assert list(haircut.branches.all()) == []
    event = AuditEvent.objects.get(object_type="catalog.product", object_id=str(haircut.pk))
    assert event.action == "create" and event.actor_id == business.manager.pk
    assert event.changes["price"] == [None, 150_000]
    assert event.changes["category"] == [None, hair.pk]
    assert event.changes["duration_minutes"] == [None, 45]


def test_service_without_duration_and_free_product_are_fine(business: Business) -> None:
    service = product_create(actor=business.owner, kind="service", name="Konsultasi", price=0)
    assert (service.duration_minutes, service.price, service.sku) == (None, 0, None)
    product = product_create(actor=business.owner, name="Sampo 250 ml", price=85_000, sku="  ")
    assert (product.kind, product.sku) == ("product", None)


def test_sold_in_some_branches(business: Business) -> None:
    product = product_create(
        actor=business.owner, name="Airport trip", price=250_000, all_branches=False, branches=[business.branch_b]
    )
    assert list(product.branches.values_list("pk", flat=True)) == [business.branch_b.pk]
    event = AuditEvent.objects.get(object_type="catalog.product", object_id=str(product.pk))
    assert event.changes["branches"] == [None, [business.branch_b.pk]]
    assert event.changes["all_branches"] == [None, False]


REFUSALS = [
    ({"name": "  "}, "name", "Name: enter the name of the product or service."),
    ({"price": -1}, "price", "Price: cannot be negative."),
    ({"price": MAX_PRICE + 1}, "price", "Price: at most Rp 10,000,000,000; check for extra zeros."),
    ({"price": 1.5}, "price", "Price: enter a whole number of Rupiah."),
    ({"price": True}, "price", "Price: enter a whole number of Rupiah."),
    ({"kind": "gift"}, "kind", "Kind: choose product or service."),
    ({"kind": "service", "duration_minutes": 0}, "duration_minutes", "Duration: enter a positive number of minutes."),
    ({"kind": "service", "duration_minutes": -30}, "duration_minutes", "Duration: enter a positive number of minutes."),
    ({"kind": "service", "duration_minutes": 10081}, "duration_minutes", "Duration: at most 10080 minutes."),
    ({"kind": "product", "duration_minutes": 30}, "duration_minutes", "Duration: only services have a duration."),
    ({"sku": "hc-01"}, "sku", "SKU: HC-01 is already used by Potong rambut."),
    ({"all_branches": False}, "branches", "Branches: choose at least one branch, or sell it in every branch."),
    ({"all_branches": False, "branches": [999_999]}, "branches", "Branches: no branch with id 999999."),
]


@pytest.mark.parametrize(("changes", "field", "message"), REFUSALS, ids=[r[1] + ":" + str(r[0]) for r in REFUSALS])
def test_product_create_refusals_name_the_field_and_save_nothing(
    business: Business, haircut: Product, changes: dict[str, Any], field: str, message: str
) -> None:
    before = _state()
    arguments: dict[str, Any] = {"actor": business.owner, "name": "Creambath", "price": 120_000, **changes}
    with pytest.raises(ApplicationError) as error:
        product_create(**arguments)
    assert error.value.message == message
    assert error.value.extra == {field: [message]}
    assert _state() == before


@pytest.mark.parametrize(("changes", "field", "message"), REFUSALS, ids=[r[1] + ":" + str(r[0]) for r in REFUSALS])
def test_product_update_refusals_change_nothing(
    business: Business, haircut: Product, changes: dict[str, Any], field: str, message: str
) -> None:
    other = product_create(actor=business.owner, name="Creambath", price=120_000)
    before = _state()
    with pytest.raises(ApplicationError) as error:
        product_update(actor=business.owner, product=other, **changes)
    assert error.value.extra == {field: [message]}
    assert _state() == before


def test_archived_category_is_refused_for_new_products_but_kept_by_old(
    business: Business, hair: Category, haircut: Product
) -> None:
    category_archive(actor=business.owner, category=hair)
    with pytest.raises(ApplicationError) as error:
        product_create(actor=business.owner, name="Creambath", price=1, category=hair)
    assert error.value.extra == {"category": ["Category: Hair is archived."]}
    product_update(actor=business.owner, product=haircut, category=hair, price=160_000)
    haircut.refresh_from_db()
    assert (haircut.category_id, haircut.price) == (hair.pk, 160_000)


def test_update_changes_only_given_fields_and_audits_the_difference(
    business: Business, haircut: Product, hair: Category
) -> None:
    product_update(
        actor=business.owner,
        product=haircut,
        price=175_000,
        duration_minutes=None,
        sku=None,
        all_branches=False,
        branches=[business.branch_a.pk],
    )
    haircut.refresh_from_db()
    assert (haircut.name, haircut.kind, haircut.category_id) == ("Potong rambut", "service", hair.pk)
    assert (haircut.price, haircut.duration_minutes, haircut.sku, haircut.all_branches) == (175_000, None, None, False)
    assert list(haircut.branches.values_list("pk", flat=True)) == [business.branch_a.pk]
    event = AuditEvent.objects.filter(object_type="catalog.product", action="update").get()
    assert event.changes == {
        "all_branches": [True, False],
        "branches": [[], [business.branch_a.pk]],
        "duration_minutes": [45, None],
        "price": [150_000, 175_000],
        "sku": ["HC-01", None],
    }
    # Nothing changed: no audit row.
    product_update(actor=business.owner, product=haircut, price=175_000)
    assert AuditEvent.objects.filter(object_type="catalog.product", action="update").count() == 1


def test_selling_everywhere_forgets_the_branch_list(business: Business) -> None:
    product = product_create(
        actor=business.owner, name="Trip", price=1, all_branches=False, branches=[business.branch_a, business.branch_b]
    )
    product_update(actor=business.owner, product=product, all_branches=True)
    assert list(product.branches.all()) == []


def test_service_turned_into_product_loses_its_duration(business: Business, haircut: Product) -> None:
    product_update(actor=business.owner, product=haircut, kind="product")
    haircut.refresh_from_db()
    assert (haircut.kind, haircut.duration_minutes) == ("product", None)


def test_archive_and_restore(business: Business, haircut: Product) -> None:
    product_archive(actor=business.manager, product=haircut)
    haircut.refresh_from_db()
    assert haircut.is_active is False
    product_archive(actor=business.manager, product=haircut, archived=False)
    haircut.refresh_from_db()
    assert haircut.is_active is True
    actions = list(
        AuditEvent.objects.filter(object_type="catalog.product").order_by("id").values_list("action", flat=True)
    )
    assert actions == ["create", "archive", "restore"]


@pytest.mark.parametrize("who", ["analyst", "cashier_a", "cashier_b"])
def test_only_managers_and_owners_change_products(business: Business, haircut: Product, who: str) -> None:
    actor = getattr(business, who)
    before = _state()
    with pytest.raises(PermissionDeniedError):
        product_create(actor=actor, name="X", price=1)
    with pytest.raises(PermissionDeniedError):
        product_update(actor=actor, product=haircut, price=1)
    with pytest.raises(PermissionDeniedError):
        product_archive(actor=actor, product=haircut)
    assert _state() == before


def test_inactive_staff_cannot_change_anything(business: Business) -> None:
    business.manager.is_active = False
    business.manager.save()
    with pytest.raises(PermissionDeniedError):
        product_create(actor=business.manager, name="X", price=1)
    assert not Product.objects.exists()


def test_branch_ids_and_records_are_both_accepted(business: Business) -> None:
    closed = Branch.objects.create(name="Tutup", code="ttp", is_active=False)
    product = product_create(
        actor=business.owner, name="Trip", price=1, all_branches=False, branches=[business.branch_a, closed.pk]
    )
    assert sorted(product.branches.values_list("pk", flat=True)) == sorted([business.branch_a.pk, closed.pk])
