"""Every write to the catalogue: categories and products/services. Each is atomic, validated,
audited, and refused unless the actor may manage the catalogue."""

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from setia.accounts.models import Branch, User
from setia.accounts.selectors import require
from setia.catalog.models import Category, Product
from setia.core.audit import audit_changed, audit_created, audit_log, diff, snapshot
from setia.core.errors import ApplicationError, validate_instance
from setia.core.money import format_rupiah

CATEGORY_FIELDS = ["name", "is_active"]
PRODUCT_FIELDS = [
    "kind",
    "name",
    "sku",
    "category",
    "price",
    "duration_minutes",
    "description",
    "is_active",
    "all_branches",
    "branches",
]

# Above this a price is a typing slip (an extra zero or three), not a real price for a salon
# treatment or a taxi fare; the largest honest prices (a year's corporate contract) stay below.
MAX_PRICE = 10_000_000_000
# A week: longer "services" are contracts, not appointments.
MAX_DURATION_MINUTES = 7 * 24 * 60


class _Unset:
    """Marks an argument that was not given, so `None` can mean "clear this field"."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


def _refuse(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, {field: [message]})


# --- Categories -----------------------------------------------------------------------------


def _clean_category_name(name: str, *, exclude_pk: int | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise _refuse("name", _("Name: enter the category's name."))
    if len(name) > 100:
        raise _refuse("name", _("Name: at most 100 characters."))
    clash = Category.objects.filter(name__iexact=name).exclude(pk=exclude_pk or 0).first()
    if clash is not None:
        raise _refuse("name", _("Name: the category %(name)s already exists.") % {"name": clash.name})
    return name


def _save_unique(instance: Category | Product, field: str, message: str) -> None:
    """Save; a clash that slipped past the check (a simultaneous save) is reported on `field`."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as error:
        raise _refuse(field, message) from error


@transaction.atomic
def category_create(*, actor: User, name: str, is_active: bool = True) -> Category:
    require(actor, "catalog.manage")
    category = Category(name=_clean_category_name(name), is_active=is_active)
    _save_unique(category, "name", _("Name: this category already exists."))
    audit_created(actor=actor, instance=category, fields=CATEGORY_FIELDS)
    return category


@transaction.atomic
def category_update(
    *, actor: User, category: Category, name: str | None = None, is_active: bool | None = None
) -> Category:
    """Change the name and/or active flag; arguments not given keep their values."""
    require(actor, "catalog.manage")
    category = Category.objects.select_for_update().get(pk=category.pk)
    before = snapshot(category, CATEGORY_FIELDS)
    if name is not None:
        category.name = _clean_category_name(name, exclude_pk=category.pk)
    if is_active is not None:
        category.is_active = is_active
    _save_unique(category, "name", _("Name: this category already exists."))
    audit_changed(actor=actor, instance=category, before=before, fields=CATEGORY_FIELDS)
    return category


@transaction.atomic
def category_archive(*, actor: User, category: Category, archived: bool = True) -> Category:
    """Archive (or restore) a category. Its products keep it; it is no longer offered for new ones."""
    require(actor, "catalog.manage")
    category = Category.objects.select_for_update().get(pk=category.pk)
    before = snapshot(category, CATEGORY_FIELDS)
    category.is_active = not archived
    category.save(update_fields=["is_active", "updated_at"])
    changes = diff(before, snapshot(category, CATEGORY_FIELDS))
    if changes:
        audit_log(actor=actor, action="archive" if archived else "restore", instance=category, changes=changes)
    return category


# --- Products and services ------------------------------------------------------------------


def _clean_price(price: Any) -> int:
    if isinstance(price, bool) or not isinstance(price, int):
        raise _refuse("price", _("Price: enter a whole number of Rupiah."))
    if price < 0:
        raise _refuse("price", _("Price: cannot be negative."))
    if price > MAX_PRICE:
        message = _("Price: at most %(limit)s; check for extra zeros.") % {"limit": format_rupiah(MAX_PRICE)}
        raise _refuse("price", message)
    return price


def _clean_duration(kind: str, duration: Any) -> int | None:
    if duration is None:
        return None  # a service sold over the counter needs no duration
    if kind != Product.Kind.SERVICE:
        raise _refuse("duration_minutes", _("Duration: only services have a duration."))
    if isinstance(duration, bool) or not isinstance(duration, int) or duration <= 0:
        raise _refuse("duration_minutes", _("Duration: enter a positive number of minutes."))
    if duration > MAX_DURATION_MINUTES:
        message = _("Duration: at most %(minutes)s minutes.") % {"minutes": MAX_DURATION_MINUTES}
        raise _refuse("duration_minutes", message)
    return duration


def _clean_sku(sku: str | None, *, exclude_pk: int | None = None) -> str | None:
    sku = (sku or "").strip() or None
    if sku is None:
        return None
    if len(sku) > 50:
        raise _refuse("sku", _("SKU: at most 50 characters."))
    clash = Product.objects.filter(sku__iexact=sku).exclude(pk=exclude_pk or 0).first()
    if clash is not None:
        message = _("SKU: %(sku)s is already used by %(name)s.") % {"sku": clash.sku, "name": clash.name}
        raise _refuse("sku", message)
    return sku


def _clean_category(category: Category | None, *, current_id: int | None = None) -> Category | None:
    if category is None:
        return None
    fresh = Category.objects.filter(pk=category.pk).first()
    if fresh is None:
        raise _refuse("category", _("Category: not found."))
    # A product may stay in a category archived later; it cannot be put into one.
    if not fresh.is_active and fresh.pk != current_id:
        raise _refuse("category", _("Category: %(name)s is archived.") % {"name": fresh.name})
    return fresh


def _clean_branches(all_branches: bool, branches: Iterable[Branch | int]) -> list[int]:
    ids = sorted({branch.pk if isinstance(branch, Branch) else branch for branch in branches})
    if all_branches:
        return []  # sold everywhere: a list of branches would only go stale
    if not ids:
        raise _refuse("branches", _("Branches: choose at least one branch, or sell it in every branch."))
    if any(isinstance(pk, bool) or not isinstance(pk, int) for pk in ids):
        raise _refuse("branches", _("Branches: not found."))
    known = set(Branch.objects.filter(pk__in=ids).values_list("pk", flat=True))
    unknown = [pk for pk in ids if pk not in known]
    if unknown:
        message = _("Branches: no branch with id %(ids)s.") % {"ids": ", ".join(str(pk) for pk in unknown)}
        raise _refuse("branches", message)
    return ids


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise _refuse("name", _("Name: enter the name of the product or service."))
    return name


def _clean_kind(kind: str) -> str:
    if kind not in Product.Kind.values:
        raise _refuse("kind", _("Kind: choose product or service."))
    return kind


@transaction.atomic
def product_create(
    *,
    actor: User,
    name: str,
    price: int,
    kind: str = Product.Kind.PRODUCT,
    sku: str | None = None,
    category: Category | None = None,
    duration_minutes: int | None = None,
    description: str = "",
    is_active: bool = True,
    all_branches: bool = True,
    branches: Iterable[Branch | int] = (),
) -> Product:
    require(actor, "catalog.manage")
    kind = _clean_kind(kind)
    product = Product(
        kind=kind,
        name=_clean_name(name),
        sku=_clean_sku(sku),
        category=_clean_category(category),
        price=_clean_price(price),
        duration_minutes=_clean_duration(kind, duration_minutes),
        description=(description or "").strip(),
        is_active=is_active,
        all_branches=all_branches,
    )
    branch_ids = _clean_branches(all_branches, branches)
    validate_instance(product, exclude=["sku"])
    _save_unique(product, "sku", _("SKU: already used by another product."))
    product.branches.set(branch_ids)
    audit_created(actor=actor, instance=product, fields=PRODUCT_FIELDS)
    return product


@transaction.atomic
def product_update(
    *,
    actor: User,
    product: Product,
    name: str = UNSET,
    price: int = UNSET,
    kind: str = UNSET,
    sku: str | None = UNSET,
    category: Category | None = UNSET,
    duration_minutes: int | None = UNSET,
    description: str = UNSET,
    is_active: bool = UNSET,
    all_branches: bool = UNSET,
    branches: Iterable[Branch | int] = UNSET,
) -> Product:
    """Change the given fields; the others keep their values. `None` clears an optional field."""
    require(actor, "catalog.manage")
    product = Product.objects.select_for_update().get(pk=product.pk)
    before = snapshot(product, PRODUCT_FIELDS)
    if kind is not UNSET:
        product.kind = _clean_kind(kind)
    if name is not UNSET:
        product.name = _clean_name(name)
    if sku is not UNSET:
        product.sku = _clean_sku(sku, exclude_pk=product.pk)
    if category is not UNSET:
        product.category = _clean_category(category, current_id=product.category_id)
    if price is not UNSET:
        product.price = _clean_price(price)
    if duration_minutes is not UNSET:
        product.duration_minutes = duration_minutes
    if product.kind == Product.Kind.PRODUCT and duration_minutes is UNSET:
        product.duration_minutes = None  # turned into a product: a leftover duration means nothing
    product.duration_minutes = _clean_duration(product.kind, product.duration_minutes)
    if description is not UNSET:
        product.description = (description or "").strip()
    if is_active is not UNSET:
        product.is_active = is_active
    if all_branches is not UNSET:
        product.all_branches = all_branches
    current = before["branches"] if branches is UNSET else branches
    branch_ids = _clean_branches(product.all_branches, current)
    validate_instance(product, exclude=["sku"])
    _save_unique(product, "sku", _("SKU: already used by another product."))
    product.branches.set(branch_ids)
    audit_changed(actor=actor, instance=product, before=before, fields=PRODUCT_FIELDS)
    return product


@transaction.atomic
def product_archive(*, actor: User, product: Product, archived: bool = True) -> Product:
    """Stop (or resume) selling a product. It stays in past orders and reports."""
    require(actor, "catalog.manage")
    product = Product.objects.select_for_update().get(pk=product.pk)
    before = snapshot(product, ["is_active"])
    product.is_active = not archived
    product.save(update_fields=["is_active", "updated_at"])
    changes = diff(before, snapshot(product, ["is_active"]))
    if changes:
        audit_log(actor=actor, action="archive" if archived else "restore", instance=product, changes=changes)
    return product
