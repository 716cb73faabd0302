"""Up-sell and cross-sell promotions applied to a cart, the suggestion of what one more item
would unlock, and what a purchase earns after it: "the next one is discounted" codes and stamp
card stamps ("every sixth creambath is free").

A stamp card counts visits, not items: a purchase with product X earns one stamp (`Stamp`, one per
promotion and purchase, so a retried sale stamps once). When the stamps since her last free code
reach N, the customer gets a personal code for one free X, valid `next_valid_days`. The visit she
uses that code on earns no stamp towards the next card (its stamp is left out of the count), so
every N+1-th visit is free. A refund of the whole purchase reverses its stamp; a code already
issued stays.
"""

import copy
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from setia.accounts.models import User
from setia.catalog.models import Product
from setia.core import statements
from setia.core.money import format_rupiah
from setia.customers.models import Customer
from setia.loyalty.cart import CartLine
from setia.loyalty.models import Promotion, Stamp, Voucher, VoucherCode, VoucherUse
from setia.loyalty.services import vouchers


@dataclass
class PromotionOutcome:
    line_discounts: dict[int, int] = field(default_factory=dict)
    notes: dict[int, str] = field(default_factory=dict)
    applied: list[str] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    # Which of `suggestions` each stamp card made (promotion id -> its texts): a sale that spends
    # that card's free code earns no stamp, and the till drops them (`without_spent_card`).
    card_suggestions: dict[int, list[str]] = field(default_factory=dict)
    # The item a suggestion asks to add (its text -> the product's id), for the till's "Add" button.
    suggested_products: dict[str, int] = field(default_factory=dict)

    def suggest(self, text: str, product_id: int | None = None) -> None:
        self.suggestions.append(text)
        if product_id is not None:
            self.suggested_products[text] = product_id

    @property
    def discount(self) -> int:
        return sum(self.line_discounts.values())

    def without_spent_card(self, code: VoucherCode | None) -> list[str]:
        """The suggestions, less those of the stamp card whose free code `code` is (if it is one)."""
        spent = self.card_suggestions.get(stamp_card_of(code) or 0, [])
        return [text for text in self.suggestions if text not in spent]


def stamp_card_of(code: VoucherCode | None) -> int | None:
    """The stamp card (promotion id) whose free code `code` is, if it is one: its issue key is
    `stamp:<promotion>:<purchase>` (`_stamp`)."""
    prefix, _sep, rest = ((code.issue_key or "") if code is not None else "").partition(":")
    card_id = rest.partition(":")[0]
    return int(card_id) if prefix == "stamp" and card_id.isdigit() else None


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


def promotions_apply(*, lines: list[CartLine], on: dt.date, customer_id: int | None = None) -> PromotionOutcome:
    """What the running promotions take off the cart, and what one more item would unlock. With
    `customer_id`, her stamp cards add a suggestion when this visit completes one or nearly does."""
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
                outcome.suggest(
                    _("Add one more %(item)s: it is free (%(name)s).") % {"item": x.name, "name": promotion.name}, x.pk
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
                outcome.suggest(
                    _("Add %(free)s: it is free with %(item)s (%(name)s).")
                    % {"free": y.name, "item": x.name, "name": promotion.name},
                    y.pk,
                )
            elif promotion.quantity > 1 and bought % promotion.quantity == promotion.quantity - 1:
                # Buy 3, get one free: two in the sale. (Buy 1: each already brings its own.)
                outcome.suggest(
                    _("One more %(item)s and %(free)s is free (%(name)s).")
                    % {"item": x.name, "free": y.name, "name": promotion.name},
                    x.pk,
                )
            elif not bought and taken:
                outcome.suggest(
                    _("Add %(item)s and %(free)s is free (%(name)s).")
                    % {"item": x.name, "free": y.name, "name": promotion.name},
                    x.pk,
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
                outcome.suggest(
                    _("Add %(item)s: together they cost %(price)s (%(name)s).")
                    % {"item": missing.name, "price": format_rupiah(promotion.bundle_price), "name": promotion.name},
                    missing.pk,
                )
        elif promotion.kind == Promotion.Kind.NEXT_DISCOUNT and bought:
            # The code for the next one is a member's own: a walk-in or a non-member gets none.
            suggestion = (
                _("Buying %(item)s gives %(percent)s%% off the next one (%(name)s).")
                if customer_id is not None
                else _("Members get %(percent)s%% off the next %(item)s (%(name)s): choose her, or offer her the card.")
            )
            outcome.suggestions.append(
                suggestion % {"item": x.name, "percent": _percent(promotion.discount_percent), "name": promotion.name}
            )
    if customer_id is not None:
        outcome.card_suggestions = _stamp_suggestions(customer_id, {line.product_id for line in lines}, on)
        for texts in outcome.card_suggestions.values():
            outcome.suggestions += texts
    return outcome


def _percent(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _fits(promotion: Promotion, voucher: Voucher | None) -> bool:
    """Whether the promotion's voucher gives what it promises: a stamp card's is one free X (a
    promotion changed to a stamp card, or to another X, gets a new one; so does a promotion switched
    on again after its voucher was switched off)."""
    if voucher is None or not voucher.is_active:
        return False
    if promotion.kind == Promotion.Kind.STAMP_CARD:
        return voucher.kind == Voucher.Kind.FREE_ITEM and voucher.free_product_id == promotion.product_id
    return True


def _next_voucher(promotion: Promotion) -> Voucher:
    if not _fits(promotion, promotion.voucher):
        # A remembered promotion may be older than its voucher (made in another process).
        promotion.refresh_from_db(fields=["voucher"])
    current = promotion.voucher
    if not _fits(promotion, current):
        if promotion.kind == Promotion.Kind.STAMP_CARD:
            voucher = Voucher.objects.create(
                name=promotion.name,
                kind=Voucher.Kind.FREE_ITEM,
                free_product_id=promotion.product_id,
                per_customer_limit=None,
            )
        else:
            voucher = Voucher.objects.create(
                name=promotion.name,
                kind=Voucher.Kind.PERCENT,
                value=int(promotion.discount_percent),
                per_customer_limit=None,
            )
        voucher.products.set([promotion.product_id])
        Promotion.objects.filter(pk=promotion.pk, voucher=current).update(voucher=voucher)
        promotion.refresh_from_db(fields=["voucher"])
        from setia.loyalty.services import config

        config.CONFIG.clear()  # the update sends no signal
    assert promotion.voucher is not None
    return promotion.voucher


def promotions_after_purchase(
    *, customer: Customer, lines: list[CartLine], source: str, on: dt.date, spent_code: VoucherCode | None = None
) -> list[str]:
    """Give the buyer what "the next one is discounted" promises (a personal code per purchase)
    and a stamp on each stamp card whose X she bought (a code for a free X when it completes the
    card), except on the visit that spends the card's own free code (`spent_code`: the voucher
    code this purchase uses, if any; its use is written after this). The codes issued."""
    from setia.loyalty.services import config

    issued = []
    bought = {line.product_id for line in lines if line.product_id is not None}
    for running in config.running_promotions(on):
        if running.product_id not in bought:
            continue
        if running.kind == Promotion.Kind.STAMP_CARD:
            if stamp_card_of(spent_code) == running.pk:
                continue  # every sixth is free: the free visit earns no stamp
            stamp_code = _stamp(copy.copy(running), customer, source, on)
            if stamp_code is not None:
                issued.append(stamp_code.code)
            continue
        if running.kind != Promotion.Kind.NEXT_DISCOUNT:
            continue
        promotion = copy.copy(running)  # its voucher may be read or made below: not on the shared one
        issued.append(_personal_code(promotion, customer, _next_key(promotion.pk, source), on).code)
    return issued


_NEXT = "next:"


def _next_key(promotion_id: int, source: str) -> str:
    """The issue key of her code for the next one, given once per promotion and purchase."""
    return f"{_NEXT}{promotion_id}:{source}"


def codes_for_purchase(*, customer_id: int, source: str) -> list[VoucherCode]:
    """The codes for next time a purchase (`source`) gave her, to be told on its receipt."""
    codes = VoucherCode.objects.filter(
        customer_id=customer_id, issue_key__startswith=_NEXT, issue_key__endswith=f":{source}"
    )
    return list(codes.select_related("voucher").order_by("pk"))


def _personal_code(promotion: Promotion, customer: Customer, unique_key: str, on: dt.date) -> VoucherCode:
    """Her own code of the promotion's voucher, valid `next_valid_days` from `on` (0: no end)."""
    days = promotion.next_valid_days
    return vouchers.code_issue_system(
        voucher=_next_voucher(promotion),
        customer=customer,
        unique_key=unique_key,
        reason=promotion.name,
        valid_until=_end_of_day(on + dt.timedelta(days=days)) if days else None,
    )


def _end_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


# --- Stamp cards -------------------------------------------------------------------------------


def _open_stamps(promotion_ids: list[int], customer_id: int) -> "QuerySet[Stamp]":
    """Her stamps that count towards the next free X: not reversed, not already rewarded, and not
    earned on the visit that used the card's own free code. The same rule as SQL, counted per
    card for the till: `_open_count_sql` (a change here goes there too)."""
    free_visit = VoucherUse.objects.filter(
        source=OuterRef("source"),
        customer_id=OuterRef("customer_id"),
        code__voucher_id=OuterRef("promotion__voucher_id"),
    )
    return Stamp.objects.filter(
        promotion_id__in=promotion_ids, customer_id=customer_id, reversed_at__isnull=True, reward_code__isnull=True
    ).exclude(Exists(free_visit))


def _moment(on: dt.date) -> dt.datetime:
    """When a stamp was earned: now for today's sale, midday of the day for history imported."""
    if on == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(dt.datetime.combine(on, dt.time(12)))


def _stamp(promotion: Promotion, customer: Customer, source: str, on: dt.date) -> VoucherCode | None:
    """One stamp for this purchase; the code for a free X when it completes her card."""
    stamp = Stamp(promotion=promotion, customer=customer, source=source, created_at=_moment(on))
    if not statements.insert_objects([stamp], skip_conflicts=True):
        return None  # stamped already: the same purchase recorded again
    needed = max(promotion.quantity, 1)
    # Her stamps are locked so that a refund at the same moment cannot reverse one being rewarded.
    counted = list(
        _open_stamps([promotion.pk], customer.pk)
        .select_for_update(of=("self",))
        .order_by("created_at", "id")
        .values_list("pk", flat=True)[:needed]
    )
    if len(counted) < needed:
        return None
    code = _personal_code(promotion, customer, f"stamp:{promotion.pk}:{source}", on)
    Stamp.objects.filter(pk__in=counted).update(reward_code=code)
    return code


def stamps_reverse(*, source: str, at: dt.datetime) -> int:
    """A purchase was refunded in full: its stamps no longer count (a free code already issued for
    a card it completed stays hers). The stamps reversed."""
    return Stamp.objects.filter(source=source, reversed_at__isnull=True).update(reversed_at=at)


@dataclass(frozen=True)
class StampCard:
    """Where a customer stands on one running stamp card."""

    promotion: Promotion
    stamps: int
    needed: int

    @property
    def label(self) -> str:
        return _("%(item)s: %(count)s of %(needed)s stamps") % {
            "item": self.promotion.product.name,
            "count": self.stamps,
            "needed": self.needed,
        }

    @property
    def dots(self) -> list[bool]:
        """One per stamp of the card, filled for those she has (the panel draws them)."""
        return [index < self.stamps for index in range(self.needed)]


def stamp_cards(customer_id: int, on: dt.date | None = None) -> list[StampCard]:
    """Her place on each stamp card running on `on` (today): one statement, none without a card.
    The till asks at every quote and sale, so the count is a prepared statement (`_open_count_sql`):
    built through the ORM, with its subquery, it cost ~1.8 ms a sale, mostly building and planning."""
    from setia.loyalty.services import config

    cards = [p for p in config.running_promotions(on or timezone.localdate()) if p.kind == Promotion.Kind.STAMP_CARD]
    if not cards:
        return []
    ids = [card.pk for card in cards]
    counts = dict(statements.run(_open_count_sql(len(ids)), [customer_id, *ids]))
    result = []
    for card in cards:
        needed = max(card.quantity, 1)
        result.append(StampCard(card, min(counts.get(card.pk, 0), needed), needed))
    return result


def _open_count_sql(cards: int) -> str:
    """`_open_stamps` counted per card, as SQL: her stamps on `cards` promotions that are not
    reversed, not rewarded, and not earned on a visit that used the card's own free code."""
    stamp, promotion = Stamp._meta.db_table, Promotion._meta.db_table
    use, code = VoucherUse._meta.db_table, VoucherCode._meta.db_table
    return (
        f"SELECT s.promotion_id, COUNT(*) FROM {stamp} s JOIN {promotion} p ON p.id = s.promotion_id"
        f" WHERE s.customer_id = %s AND s.promotion_id IN ({', '.join(['%s'] * cards)})"
        " AND s.reversed_at IS NULL AND s.reward_code_id IS NULL"
        f" AND NOT EXISTS (SELECT 1 FROM {use} u JOIN {code} c ON c.id = u.code_id"
        " WHERE c.voucher_id = p.voucher_id AND u.customer_id = s.customer_id AND u.source = s.source)"
        " GROUP BY s.promotion_id"
    )


def _stamp_suggestions(customer_id: int, cart: set[int | None], on: dt.date) -> dict[int, list[str]]:
    """What each of her stamp cards tells the cashier about this cart (promotion id -> texts)."""
    suggestions: dict[int, list[str]] = {}
    for card in stamp_cards(customer_id, on):
        item, name = card.promotion.product.name, card.promotion.name
        after = card.stamps + 1  # with this visit's stamp
        text = ""
        if card.promotion.product_id in cart:
            if after >= card.needed:
                text = _("This visit completes her stamp card: the next %(item)s is free (%(name)s).")
            elif after == card.needed - 1:
                text = _("One more visit and the next %(item)s is free (%(name)s).")
        elif after >= card.needed:
            text = _("Add %(item)s: this visit completes her stamp card and the next one is free (%(name)s).")
        if text:
            suggestions[card.promotion.pk] = [text % {"item": item, "name": name}]
    return suggestions


def stamps_merge(survivor: Customer, merged: Customer, actor: User) -> None:
    """Customers merge handler: the merged-away customer's stamps count for the survivor."""
    Stamp.objects.filter(customer=merged).update(customer=survivor)


def product_names(ids: list[int]) -> dict[int, str]:
    return dict(Product.objects.filter(pk__in=ids).values_list("pk", "name"))
