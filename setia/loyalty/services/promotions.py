"""Up-sell and cross-sell promotions applied to a cart, and the suggestion of what one more
item would unlock."""

import copy
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from setia.catalog.models import Product
from setia.core.money import format_rupiah
from setia.customers.models import Customer
from setia.loyalty.cart import CartLine
from setia.loyalty.models import Promotion, Voucher
from setia.loyalty.services import vouchers


@dataclass
class PromotionOutcome:
    line_discounts: dict[int, int] = field(default_factory=dict)
    notes: dict[int, str] = field(default_factory=dict)
    applied: list[str] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)

    @property
    def discount(self) -> int:
        return sum(self.line_discounts.values())


def active_promotions(on: dt.date) -> list[Promotion]:
    """The promotions running on `on` (remembered per process for a few seconds, as copies:
    `setia.loyalty.services.config`)."""
    from setia.loyalty.services import config

    return config.promotions(on)


def _quantities(lines: list[CartLine]) -> dict[int, list[int]]:
    by_product: dict[int, list[int]] = {}
    for index, line in enumerate(lines):
        if line.product_id is not None:
            by_product.setdefault(line.product_id, []).append(index)
    return by_product


def _take(
    outcome: PromotionOutcome, lines: list[CartLine], indexes: list[int], items: int, per_item: int, note: str
) -> None:
    """Discount `items` items of the lines at `indexes` by `per_item` each."""
    for index in indexes:
        if items <= 0:
            break
        line = lines[index]
        already = outcome.line_discounts.get(index, 0)
        room = line.amount - already
        count = min(items, line.quantity)
        amount = min(room, count * per_item)
        if amount > 0:
            outcome.line_discounts[index] = already + amount
            outcome.notes[index] = note
        items -= count


def promotions_apply(*, lines: list[CartLine], on: dt.date) -> PromotionOutcome:
    outcome = PromotionOutcome()
    by_product = _quantities(lines)

    def count(product_id: int | None) -> int:
        return sum(lines[index].quantity for index in by_product.get(product_id or 0, []))

    from setia.loyalty.services import config

    for promotion in config.running_promotions(on):  # only read here: no copies
        x = promotion.product
        bought = count(x.pk)
        same_item = promotion.kind == Promotion.Kind.BUY_X_GET_Y and promotion.reward_product_id == x.pk
        if promotion.kind == Promotion.Kind.BUY_N_GET_ONE or same_item:
            # "Buy a book, get a book": of every N+1 of the same item, one is free.
            group = promotion.quantity + 1
            free = bought // group
            if free:
                _take(outcome, lines, by_product[x.pk], free, lines[by_product[x.pk][0]].unit_price, promotion.name)
                outcome.applied.append(promotion.name)
            if bought and bought % group == promotion.quantity:
                outcome.suggestions.append(
                    _("Add one more %(item)s: it is free (%(name)s).") % {"item": x.name, "name": promotion.name}
                )
        elif promotion.kind == Promotion.Kind.BUY_X_GET_Y and promotion.reward_product is not None:
            y = promotion.reward_product
            entitled = bought // max(promotion.quantity, 1)
            taken = count(y.pk)
            free = min(entitled, taken)
            if free:
                _take(outcome, lines, by_product[y.pk], free, lines[by_product[y.pk][0]].unit_price, promotion.name)
                outcome.applied.append(promotion.name)
            if entitled > taken:
                outcome.suggestions.append(
                    _("Add %(free)s: it is free with %(item)s (%(name)s).")
                    % {"free": y.name, "item": x.name, "name": promotion.name}
                )
            elif bought and bought % max(promotion.quantity, 1) == promotion.quantity - 1:
                outcome.suggestions.append(
                    _("One more %(item)s and %(free)s is free (%(name)s).")
                    % {"item": x.name, "free": y.name, "name": promotion.name}
                )
            elif not bought and taken:
                outcome.suggestions.append(
                    _("Add %(item)s and %(free)s is free (%(name)s).")
                    % {"item": x.name, "free": y.name, "name": promotion.name}
                )
        elif (
            promotion.kind == Promotion.Kind.BUNDLE and promotion.reward_product is not None and promotion.bundle_price
        ):
            y = promotion.reward_product
            # The prices on the sale (a branch price, a manual price), not the catalogue's.
            x_price = lines[by_product[x.pk][0]].unit_price if x.pk in by_product else x.price
            y_price = lines[by_product[y.pk][0]].unit_price if y.pk in by_product else y.price
            full = x_price + y_price
            bundles = min(bought, count(y.pk))
            saving = full - promotion.bundle_price
            if bundles and saving > 0:
                _take(outcome, lines, by_product[y.pk], bundles, saving, promotion.name)
                outcome.applied.append(promotion.name)
            if bought > bundles or (count(y.pk) > bundles):
                missing = y if bought > bundles else x
                outcome.suggestions.append(
                    _("Add %(item)s: together they cost %(price)s (%(name)s).")
                    % {"item": missing.name, "price": format_rupiah(promotion.bundle_price), "name": promotion.name}
                )
        elif promotion.kind == Promotion.Kind.NEXT_DISCOUNT and bought:
            outcome.suggestions.append(
                _("Buying %(item)s gives %(percent)s%% off the next one (%(name)s).")
                % {"item": x.name, "percent": _percent(promotion.discount_percent), "name": promotion.name}
            )
    return outcome


def _percent(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _next_voucher(promotion: Promotion) -> Voucher:
    if promotion.voucher_id is None:
        # A remembered promotion may be older than its voucher (made in another process).
        promotion.refresh_from_db(fields=["voucher"])
    if promotion.voucher_id is None:
        voucher = Voucher.objects.create(
            name=promotion.name,
            kind=Voucher.Kind.PERCENT,
            value=int(promotion.discount_percent),
            per_customer_limit=None,
        )
        voucher.products.set([promotion.product_id])
        Promotion.objects.filter(pk=promotion.pk, voucher__isnull=True).update(voucher=voucher)
        promotion.refresh_from_db(fields=["voucher"])
        from setia.loyalty.services import config

        config.CONFIG.clear()  # the update sends no signal
    assert promotion.voucher is not None
    return promotion.voucher


def promotions_after_purchase(*, customer: Customer, lines: list[CartLine], source: str, on: dt.date) -> list[str]:
    """Give the buyer what "the next one is discounted" promises: a personal code per purchase."""
    from setia.loyalty.services import config

    issued = []
    bought = {line.product_id for line in lines if line.product_id is not None}
    for running in config.running_promotions(on):
        if running.kind != Promotion.Kind.NEXT_DISCOUNT or running.product_id not in bought:
            continue
        promotion = copy.copy(running)  # its voucher may be read or made below: not on the shared one
        code = vouchers.code_issue_system(
            voucher=_next_voucher(promotion),
            customer=customer,
            unique_key=f"next:{promotion.pk}:{source}",
            reason=promotion.name,
            valid_until=_end_of_day(on + dt.timedelta(days=promotion.next_valid_days))
            if promotion.next_valid_days
            else None,
        )
        issued.append(code.code)
    return issued


def _end_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


def product_names(ids: list[int]) -> dict[int, str]:
    return dict(Product.objects.filter(pk__in=ids).values_list("pk", "name"))
