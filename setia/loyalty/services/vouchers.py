"""Voucher definitions, codes, and their use at the cashier and through the API.

A code is used under a row lock on the code and on its voucher, and the use counters change by
conditional UPDATEs guarded by CHECK constraints: a single-use code used from two cashier
screens at once succeeds once.
"""

import datetime as dt
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from setia.accounts.models import User
from setia.accounts.selectors import require
from setia.core import statements
from setia.core.audit import audit_created, audit_log
from setia.core.errors import ApplicationError, validate_instance
from setia.core.money import format_count, format_rupiah
from setia.core.texts import Message, stored
from setia.customers.models import Customer
from setia.loyalty.cart import CartLine, cart_total
from setia.loyalty.models import Membership, Tier, Voucher, VoucherCode, VoucherUse
from setia.segments.services import is_member

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
# Codes issued by one click: a flyer run's worth. A mistyped 100.000 would otherwise fill the
# voucher's list (and its CSV) with codes nobody meant to print.
MAX_BULK_CODES = 10_000


def _refuse(message: str) -> ApplicationError:
    return ApplicationError(message, {"voucher_code": [message]})


@transaction.atomic
def voucher_create(
    *,
    actor: User,
    products: Iterable[Any] = (),
    categories: Iterable[Any] = (),
    tiers: Iterable[Any] = (),
    **fields: Any,
) -> Voucher:
    require(actor, "loyalty.manage")
    voucher = Voucher(**fields)
    voucher.name = (voucher.name or "").strip()
    _check_voucher(voucher)
    voucher.save()
    voucher.products.set(products)
    voucher.categories.set(categories)
    voucher.tiers.set(tiers)
    audit_created(
        actor=actor, instance=voucher, fields=["name", "kind", "value", "min_spend", "valid_until", "usage_limit"]
    )
    return voucher


def _check_voucher(voucher: Voucher) -> None:
    errors: dict[str, list[str]] = {}
    if not voucher.name:
        errors["name"] = [_("Enter a name.")]
    if voucher.kind == Voucher.Kind.PERCENT and not 0 < voucher.value <= 100:
        errors["value"] = [_("A percentage must be between 1 and 100.")]
    if voucher.kind == Voucher.Kind.AMOUNT and voucher.value <= 0:
        errors["value"] = [_("Enter an amount greater than zero.")]
    if voucher.kind == Voucher.Kind.FREE_ITEM and voucher.free_product_id is None:
        errors["free_product"] = [_("Choose the free item.")]
    if voucher.valid_from and voucher.valid_until and voucher.valid_until <= voucher.valid_from:
        errors["valid_until"] = [_("The end must be after the start.")]
    if errors:
        raise ApplicationError(next(iter(errors.values()))[0], errors)
    validate_instance(voucher)


def _new_code(prefix: str) -> str:
    """Eight random characters, after `prefix` and a hyphen when there is one (RAMADAN-7KQ2M9XA)."""
    if prefix and not prefix.endswith("-"):
        prefix += "-"
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(8))


_CODE_CHARACTERS = re.compile(r"[A-Z0-9-]*")


def _check_code_text(value: str, field: str, label: str) -> None:
    """Codes are typed at the cashier and printed on flyers: letters, digits and hyphens only."""
    if not _CODE_CHARACTERS.fullmatch(value):
        message = _("%(field)s may hold only letters, digits and hyphens (no spaces).") % {"field": label}
        raise ApplicationError(message, {field: [message]})


@transaction.atomic
def codes_issue(
    *,
    actor: User,
    voucher: Voucher,
    count: int = 1,
    customer: Customer | None = None,
    max_uses: int | None = 1,
    prefix: str = "",
    code: str = "",
    valid_until: dt.datetime | None = None,
) -> list[VoucherCode]:
    """Issue `count` random codes (or one given `code`), optionally to one customer."""
    require(actor, "loyalty.manage")
    prefix = prefix.strip().upper()
    _check_code_text(prefix, "code_prefix", _("Prefix"))
    if not 1 <= count <= MAX_BULK_CODES:
        message = _("How many codes: issue between 1 and %(max)s at a time.") % {"max": format_count(MAX_BULK_CODES)}
        raise ApplicationError(message, {"count": [message]})
    if code.strip() and count != 1:  # one code of her choice is one code, not `count` silently cut to one
        message = _(
            "How many codes: a code of your choice is one code. Enter 1, or leave the code of your choice empty "
            "to issue %(count)s random codes."
        ) % {"count": format_count(count)}
        raise ApplicationError(message, {"count": [message]})
    if valid_until is not None and valid_until <= timezone.now():
        message = _("Codes valid until: that moment has passed; choose a later one or leave it empty.")
        raise ApplicationError(message, {"valid_until": [message]})
    if code:
        code = code.strip().upper()
        _check_code_text(code, "code", _("The code"))
        if VoucherCode.objects.filter(code=code).exists():
            message = _("The code %(code)s already exists.") % {"code": code}
            raise ApplicationError(message, {"code": [message]})
        codes = [VoucherCode(voucher=voucher, code=code, customer=customer, max_uses=max_uses, valid_until=valid_until)]
    else:
        wanted: set[str] = set()
        while len(wanted) < count:
            while len(wanted) < count:
                wanted.add(_new_code(prefix))
            # A clash with an existing code is drawn again, so exactly `count` codes are issued.
            wanted -= set(VoucherCode.objects.filter(code__in=wanted).values_list("code", flat=True))
        codes = [
            VoucherCode(voucher=voucher, code=value, customer=customer, max_uses=max_uses, valid_until=valid_until)
            for value in sorted(wanted)
        ]
    try:
        with transaction.atomic():
            created = VoucherCode.objects.bulk_create(codes, batch_size=5000)
    except IntegrityError as clash:  # issued elsewhere between the check above and now
        if code:
            message = _("The code %(code)s already exists.") % {"code": code}
            raise ApplicationError(message, {"code": [message]}) from clash
        message = _("How many codes: another issue took some of the same codes at the same moment. Issue again.")
        raise ApplicationError(message, {"count": [message]}) from clash
    audit_log(
        actor=actor,
        action="create",
        instance=voucher,
        message=Message(gettext_noop("%(count)s codes issued"), {"count": len(created)}),
    )
    return created


def code_issue_system(
    *,
    voucher: Voucher,
    customer: Customer,
    unique_key: str,
    reason: str | Message,
    valid_until: dt.datetime | None = None,
    at: dt.datetime | None = None,
) -> VoucherCode:
    """A code the programme gives for an event (a threshold reached, a purchase); once per key.
    `at`: when the event happened (a purchase recorded later is dated at the purchase)."""
    existing = VoucherCode.objects.filter(issue_key=unique_key).first()
    if existing is not None:
        return existing
    text, args = stored(reason)
    try:
        with transaction.atomic():
            return VoucherCode.objects.create(
                voucher=voucher,
                code=_new_code(""),
                customer=customer,
                max_uses=1,
                issue_key=unique_key,
                reason=text,
                reason_args=args,
                valid_until=valid_until,
                issued_at=at or timezone.now(),
            )
    except IntegrityError:
        return VoucherCode.objects.get(issue_key=unique_key)


@dataclass(frozen=True)
class VoucherResult:
    code: VoucherCode
    discount: int
    line_discounts: dict[int, int]  # index of the cart line -> discount on it
    note: str


def _eligible(targets: "_Targets", lines: list[CartLine]) -> list[int]:
    if not targets.products and not targets.categories:
        return list(range(len(lines)))
    return [
        index
        for index, line in enumerate(lines)
        if line.product_id in targets.products
        or (line.category_id is not None and line.category_id in targets.categories)
    ]


@dataclass(frozen=True)
class _Targets:
    """The products, categories and tiers a voucher is limited to (empty: not limited)."""

    products: frozenset[int]
    categories: frozenset[int]
    tiers: frozenset[int]


_CODE_COLUMNS = statements.Columns(VoucherCode, [field.attname for field in VoucherCode._meta.concrete_fields], "c")
_VOUCHER_COLUMNS = statements.Columns(Voucher, [field.attname for field in Voucher._meta.concrete_fields], "v")


def _ids(value: Any) -> frozenset[int]:
    """A list of ids aggregated in SQL: an array (PostgreSQL) or comma-separated text (SQLite)."""
    if not value:
        return frozenset()
    if isinstance(value, str):
        return frozenset(int(part) for part in value.split(","))
    return frozenset(int(part) for part in value)


def _code_with_voucher(code: str, lock: bool) -> tuple[VoucherCode, _Targets] | None:
    """The code, its voucher and the voucher's target ids in one statement. `lock`: the code's row
    is locked (PostgreSQL; SQLite's transaction holds the write lock already) — the voucher's row
    is not: its counter moves by a conditional UPDATE when the code is used (`voucher_redeem`)."""
    postgres = connection.vendor == "postgresql"
    aggregate = (
        "ARRAY(SELECT {column} FROM {table} WHERE {owner} = v.id)"
        if postgres
        else ("(SELECT group_concat({column}) FROM {table} WHERE {owner} = v.id)")
    )
    targets = []
    for relation in (Voucher.products, Voucher.categories, Voucher.tiers):
        field = relation.field
        targets.append(
            aggregate.format(column=field.m2m_reverse_name(), table=field.m2m_db_table(), owner=field.m2m_column_name())
        )
    rows = statements.run(
        f"SELECT {_CODE_COLUMNS.sql}, {_VOUCHER_COLUMNS.sql}, {', '.join(targets)} "
        f"FROM {VoucherCode._meta.db_table} c JOIN {Voucher._meta.db_table} v ON v.id = c.voucher_id "
        f"WHERE c.code = %s{' FOR UPDATE OF c' if lock and postgres else ''}",
        [code],
    )
    if not rows:
        return None
    row = rows[0]
    found: VoucherCode = _CODE_COLUMNS.instance(row)
    found.voucher = _VOUCHER_COLUMNS.instance(row, _CODE_COLUMNS.count)
    start = _CODE_COLUMNS.count + _VOUCHER_COLUMNS.count
    return found, _Targets(_ids(row[start]), _ids(row[start + 1]), _ids(row[start + 2]))


def _spread(total: int, lines: list[CartLine], indexes: list[int]) -> dict[int, int]:
    """Split a discount (at most the lines' amount) over lines in proportion to their amounts,
    never more than a line's amount: each takes its share rounded down, and the Rupiah left by
    the rounding go one each to the lines with room left, largest first (a free line, Rp 0,
    takes none)."""
    base = sum(lines[index].amount for index in indexes)
    shares = {index: total * lines[index].amount // base if base else 0 for index in indexes}
    left = total - sum(shares.values())
    for index in sorted(indexes, key=lambda index: -lines[index].amount):
        if left <= 0:
            break
        extra = min(left, lines[index].amount - shares[index])
        shares[index] += extra
        left -= extra
    return shares


def _tier_names(ids: frozenset[int]) -> str:
    """The tiers a voucher is for, lowest first ("Gold, Platinum"), for a refusal."""
    return ", ".join(Tier.objects.filter(pk__in=ids).order_by("rank").values_list("name", flat=True))


def _target_names(targets: _Targets) -> str:
    """The products and categories a voucher applies to ("Creambath, category Rambut"), for a refusal."""
    from setia.catalog.models import Category, Product

    products = Product.objects.filter(pk__in=targets.products).order_by("name").values_list("name", flat=True)
    categories = Category.objects.filter(pk__in=targets.categories).order_by("name").values_list("name", flat=True)
    return ", ".join([*products, *(_("category %(name)s") % {"name": name} for name in categories)])


@dataclass(frozen=True)
class LineAsked:
    """A cart line as a caller sends it to ask what a code would take off (the API's check)."""

    product_id: int | None
    category_id: int | None
    quantity: int
    unit_price: int
    discount: int = 0


def cart_for_check(lines: list[LineAsked]) -> list[CartLine]:
    """The lines of a voucher check, refused as a sale would refuse them, each at its field
    (`lines[2].quantity`, counted from 1): at least one line; quantities of 1 or more; prices and
    discounts not negative, a discount no larger than its line; products and categories that
    exist. A product's line is counted in the product's category (a voucher for a category
    looks there), whatever category the caller named."""
    from setia.catalog.models import Category, Product

    if not lines:
        reason = _("Add at least one line.")
        raise ApplicationError(f"lines: {reason}", {"lines": [reason]})
    errors: dict[str, list[str]] = {}
    products = Product.objects.in_bulk({line.product_id for line in lines if line.product_id is not None})
    categories = set(
        Category.objects.filter(
            pk__in={line.category_id for line in lines if line.category_id is not None}
        ).values_list("pk", flat=True)
    )
    cart = []
    for number, line in enumerate(lines, start=1):
        field = f"lines[{number}]"
        if line.quantity < 1:
            errors[f"{field}.quantity"] = [_("Enter a quantity of 1 or more.")]
        if line.unit_price < 0:
            errors[f"{field}.unit_price"] = [_("Enter a price of 0 or more.")]
        if not 0 <= line.discount <= max(line.quantity, 0) * max(line.unit_price, 0):
            errors[f"{field}.discount"] = [_("Enter a discount from 0 up to the line's amount.")]
        product = products.get(line.product_id) if line.product_id is not None else None
        if line.product_id is not None and product is None:
            errors[f"{field}.product_id"] = [_("not found")]
        if line.category_id is not None and line.category_id not in categories:
            errors[f"{field}.category_id"] = [_("not found")]
        category_id = product.category_id if product is not None else line.category_id
        cart.append(CartLine(line.product_id, category_id, line.quantity, line.unit_price, line.discount))
    if errors:
        field, reasons = next(iter(errors.items()))
        raise ApplicationError(f"{field}: {reasons[0]}", errors)
    return cart


def voucher_evaluate(
    *, code: str, customer: Customer | None, lines: list[CartLine], at: dt.datetime | None = None, lock: bool = False
) -> VoucherResult:
    """What `code` takes off this cart, or a refusal naming why."""
    at = at or timezone.now()
    code = (code or "").strip().upper()
    loaded = _code_with_voucher(code, lock)
    if loaded is None:
        return_message = _("The voucher code %(code)s does not exist.") % {"code": code}
        raise _refuse(return_message)
    found, targets = loaded
    voucher = found.voucher
    if not voucher.is_active:
        raise _refuse(_("The voucher %(code)s is no longer valid.") % {"code": code})
    if voucher.valid_from and at < voucher.valid_from:
        raise _refuse(_("The voucher %(code)s is not valid yet.") % {"code": code})
    if found.has_ended(at):
        raise _refuse(_("The voucher %(code)s has expired.") % {"code": code})
    if found.max_uses is not None and found.uses >= found.max_uses:
        raise _refuse(_("The voucher %(code)s has already been used.") % {"code": code})
    if voucher.usage_limit is not None and voucher.times_used >= voucher.usage_limit:
        raise _refuse(_("The voucher %(code)s has been used up.") % {"code": code})
    if found.customer_id is not None:
        if customer is None:  # a walk-in: the code may well be hers, once she is chosen
            raise _refuse(_("The voucher %(code)s is personal: choose the customer first.") % {"code": code})
        if found.customer_id != customer.pk:
            raise _refuse(_("The voucher %(code)s belongs to another customer.") % {"code": code})
    if voucher.per_customer_limit is not None:
        if customer is None:
            raise _refuse(_("The voucher %(code)s is for members: choose the customer first.") % {"code": code})
        used = VoucherUse.objects.filter(code__voucher=voucher, customer=customer, reversed_at__isnull=True).count()
        if used >= voucher.per_customer_limit:
            raise _refuse(_("%(name)s has already used this voucher.") % {"name": customer.name})
    if targets.tiers:
        membership = Membership.objects.filter(customer=customer).first() if customer else None
        if membership is None or membership.tier_id not in targets.tiers:
            names = _tier_names(targets.tiers)
            if customer is None:
                message = _("The voucher %(code)s is for members of %(tiers)s: choose the customer first.")
            else:
                message = _("The voucher %(code)s is only for members of %(tiers)s.")
            raise _refuse(message % {"code": code, "tiers": names})
    if voucher.segment_id is not None:
        if customer is None:  # a walk-in: whether she is in the segment is not known yet
            raise _refuse(_("The voucher %(code)s is for some customers: choose the customer first.") % {"code": code})
        if not is_member(voucher.segment_id, customer.pk):
            raise _refuse(_("The voucher %(code)s is for the customers of another segment.") % {"code": code})
    # What the voucher applies to is checked before the minimum spend: without an item it is for,
    # the spend is not what stands in the way.
    if voucher.kind == Voucher.Kind.FREE_ITEM:
        eligible = [index for index, line in enumerate(lines) if line.product_id == voucher.free_product_id]
        if not eligible:
            name = voucher.free_product.name if voucher.free_product else ""
            raise _refuse(_("Add %(item)s to the sale to use this voucher.") % {"item": name})
    else:
        eligible = _eligible(targets, lines)
        if not eligible:
            raise _refuse(
                _("Nothing in this sale qualifies for the voucher %(code)s: it is for %(items)s.")
                % {"code": code, "items": _target_names(targets)}
            )
    total = cart_total(lines)
    if total < voucher.min_spend:
        if total < sum(line.gross for line in lines):  # the till passes lines less member discount and promotions
            message = _(
                "The voucher %(code)s needs a purchase of at least %(amount)s after the member discount and "
                "promotions; this sale comes to %(total)s after them."
            )
            raise _refuse(
                message % {"code": code, "amount": format_rupiah(voucher.min_spend), "total": format_rupiah(total)}
            )
        raise _refuse(
            _("The voucher %(code)s needs a purchase of at least %(amount)s.")
            % {"code": code, "amount": format_rupiah(voucher.min_spend)}
        )
    if voucher.kind == Voucher.Kind.FREE_ITEM:
        first = eligible[0]
        discount = min(lines[first].unit_price, lines[first].amount)
        return VoucherResult(found, discount, {first: discount}, _("Free: %(item)s") % {"item": lines[first].name})
    base = sum(lines[index].amount for index in eligible)
    discount = base * voucher.value // 100 if voucher.kind == Voucher.Kind.PERCENT else voucher.value
    if voucher.max_discount is not None:
        discount = min(discount, voucher.max_discount)
    discount = min(discount, base)
    return VoucherResult(found, discount, _spread(discount, lines, eligible) if discount else {}, voucher.name)


def voucher_terms(code: str) -> tuple[str, int] | None:
    """The name and minimum spend of the voucher a code belongs to (a refund checks what is kept
    against it); None for a code that no longer exists."""
    found = VoucherCode.objects.filter(code=code).values_list("voucher__name", "voucher__min_spend").first()
    return (found[0], found[1]) if found is not None else None


def voucher_redeem(
    *,
    code: str,
    customer: Customer | None,
    lines: list[CartLine],
    source: str,
    at: dt.datetime | None = None,
    evaluated: VoucherResult | None = None,
    batch: statements.Batch | None = None,
) -> VoucherResult:
    """Use `code` for a sale (inside the sale's transaction): counts the use or refuses.
    `evaluated`: this code's evaluation for these lines made with `lock=True` earlier in the same
    transaction (the code's row stays locked, so it cannot have been used meanwhile); otherwise it
    is evaluated here.

    The code's and the voucher's counters move by conditional UPDATEs (guarded by CHECK
    constraints too), so neither goes past its limit whatever runs at the same time. A refusal
    leaves nothing written, so a caller may catch it and go on; no savepoint is needed for that.
    The voucher's row stays locked from its UPDATE to the end of the transaction, which every sale
    with one of its codes waits for: a caller with more to write should redeem last.

    `batch` (with `evaluated`): the writes are sent with the caller's other writes, and a refusal
    comes when the batch runs — after which the caller's transaction can only be rolled back."""
    if batch is not None and evaluated is not None:
        _use_in(batch, evaluated, customer, source, at)
        return evaluated
    if not connection.in_atomic_block:
        with transaction.atomic():
            return _redeem(code, customer, lines, source, at, evaluated)
    return _redeem(code, customer, lines, source, at, evaluated)


def _use_in(
    batch: statements.Batch, result: VoucherResult, customer: Customer | None, source: str, at: dt.datetime | None
) -> None:
    def counted(ids: list[int]) -> None:
        if not ids:
            raise _refuse(_("The voucher %(code)s has already been used.") % {"code": result.code.code})

    batch.add(_USE_CODE, [result.code.pk], counted)
    batch.add(_COUNT_VOUCHER, [result.code.voucher_id], counted)
    batch.insert(VoucherUse, _USE_COLUMNS, [_use_row(result, customer, source, at)])


_USE_CODE = (
    f"UPDATE {VoucherCode._meta.db_table} SET uses = uses + 1 "
    "WHERE id = %s AND (max_uses IS NULL OR uses < max_uses) RETURNING id"
)
_COUNT_VOUCHER = (
    f"UPDATE {Voucher._meta.db_table} SET times_used = times_used + 1 "
    "WHERE id = %s AND (usage_limit IS NULL OR times_used < usage_limit) RETURNING id"
)
_USE_COLUMNS = ("code_id", "customer_id", "source", "discount", "created_at")


def _use_row(result: VoucherResult, customer: Customer | None, source: str, at: dt.datetime | None) -> tuple[Any, ...]:
    customer_id = customer.pk if customer is not None else None
    return (result.code.pk, customer_id, source, result.discount, at or timezone.now())


def _redeem(
    code: str,
    customer: Customer | None,
    lines: list[CartLine],
    source: str,
    at: dt.datetime | None,
    evaluated: VoucherResult | None,
) -> VoucherResult:
    result = evaluated or voucher_evaluate(code=code, customer=customer, lines=lines, at=at, lock=True)
    if not statements.run(_USE_CODE, [result.code.pk]):
        raise _refuse(_("The voucher %(code)s has already been used.") % {"code": result.code.code})
    if not statements.run(_COUNT_VOUCHER, [result.code.voucher_id]):
        # Taken back, so the refusal leaves nothing behind (the code's row is locked by us).
        statements.run(
            f"UPDATE {VoucherCode._meta.db_table} SET uses = uses - 1 WHERE id = %s RETURNING id", [result.code.pk]
        )
        raise _refuse(_("The voucher %(code)s has already been used.") % {"code": result.code.code})
    statements.insert(VoucherUse, _USE_COLUMNS, [_use_row(result, customer, source, at)])
    return result


def usable_codes(at: dt.datetime) -> QuerySet[VoucherCode]:
    """Codes that can still be used at `at`: an active voucher in its dates, the code in its own,
    uses left (the per-customer limit and a cart's rules are `voucher_evaluate`'s)."""
    return (
        VoucherCode.objects.select_related("voucher")
        .filter(voucher__is_active=True)
        .filter(Q(max_uses__isnull=True) | Q(uses__lt=F("max_uses")))
        .filter(Q(voucher__valid_until__isnull=True) | Q(voucher__valid_until__gte=at))
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=at))
        .filter(Q(voucher__valid_from__isnull=True) | Q(voucher__valid_from__lte=at))
    )


def codes_for_customer(customer: Customer, *, at: dt.datetime | None = None) -> list[VoucherCode]:
    """Personal codes the customer can still use (shown at the cashier and on her page): not those
    of a voucher used up, for everyone or for her (its per-customer limit reached), which
    `voucher_evaluate` would refuse."""
    her_uses = (
        VoucherUse.objects.filter(code__voucher=OuterRef("voucher_id"), customer=customer, reversed_at__isnull=True)
        .order_by()
        .values("code__voucher")
        .annotate(count=Count("id"))
        .values("count")
    )
    codes = (
        usable_codes(at or timezone.now())
        .filter(customer=customer)
        .filter(Q(voucher__usage_limit__isnull=True) | Q(voucher__times_used__lt=F("voucher__usage_limit")))
        .annotate(her_uses=Coalesce(Subquery(her_uses), 0))
        .filter(Q(voucher__per_customer_limit__isnull=True) | Q(her_uses__lt=F("voucher__per_customer_limit")))
        .order_by("voucher__valid_until", "id")
    )
    return list(codes)
