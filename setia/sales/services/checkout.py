"""Pricing a cart and recording a sale: member discount, promotions, voucher, PPN, cash
rounding, payments (points and cashback among them) and the purchase's rewards — in one
transaction, so a failure at any step leaves no half order.

An `Idempotency-Key` makes a retried request return the order it already created: the order
row (which holds the key under a unique constraint) is inserted before anything else, so a
concurrent duplicate waits for the first and then finds it.
"""

import datetime as dt
import hashlib
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any, Literal

from django.db import IntegrityError, connection, transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from setia.accounts.models import Branch, User
from setia.accounts.selectors import BranchScope, access_settings, branch_scope, require
from setia.catalog.models import Product
from setia.core import statements
from setia.core.audit import audit_event, audit_log
from setia.core.bulk import allocate_ids
from setia.core.errors import ApplicationError, NotFoundError, field_not_found
from setia.core.memo import Memo
from setia.core.money import format_rupiah
from setia.core.sql import placeholders
from setia.core.texts import Message
from setia.customers.models import Address, Customer
from setia.loyalty.cart import CartLine
from setia.loyalty.models import Membership
from setia.loyalty.services import config as loyalty_config
from setia.loyalty.services import ledger, promotions, purchases, vouchers
from setia.sales.models import Order, OrderLine, Payment, SalesSettings

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,100}$")
MAX_LINES = 500
MAX_QUANTITY = 10_000
MAX_PRICE = 10_000_000_000  # Rp 10 billion per item: anything above is a typing error
MAX_CHANGE = 10_000_000  # cash handed over beyond what is due by more than this is a typing error
MONEY_METHODS = {m.value for m in Payment.Method} - {Payment.Method.POINTS, Payment.Method.CASHBACK}


def sales_settings() -> SalesSettings:
    row, _created = SalesSettings.objects.get_or_create(pk=1)
    return row


# The sales settings for pricing, remembered per process for MEMO_SECONDS (setia.core.memo) like
# loyalty's configuration (setia/loyalty/services/config.py): read them, never change them.
SALES_CONFIG = Memo("sales settings", max_entries=1)


def _settings_for_pricing() -> SalesSettings:
    value: SalesSettings = SALES_CONFIG.get(1, sales_settings)
    return value


def _forget_sales_settings(sender: Any, **kwargs: Any) -> None:
    SALES_CONFIG.clear()


post_save.connect(_forget_sales_settings, sender=SalesSettings, dispatch_uid="memo-sales-settings-save")
post_delete.connect(_forget_sales_settings, sender=SalesSettings, dispatch_uid="memo-sales-settings-delete")


@dataclass
class LineIn:
    product_id: int | None = None
    quantity: int = 1
    unit_price: int | None = None
    description: str = ""
    staff_id: int | None = None


@dataclass
class PaymentIn:
    method: str
    amount: int
    reference: str = ""


@dataclass
class PricedLine:
    product_id: int | None
    category_id: int | None
    description: str
    quantity: int
    unit_price: int
    staff_id: int | None
    member_discount: int = 0
    promotion_discount: int = 0
    voucher_discount: int = 0
    note: str = ""

    @property
    def gross(self) -> int:
        return self.quantity * self.unit_price

    @property
    def discount(self) -> int:
        return self.member_discount + self.promotion_discount + self.voucher_discount

    @property
    def total(self) -> int:
        return self.gross - self.discount

    def cart_line(self) -> CartLine:
        """The line as promotions and vouchers see it: before the voucher's discount."""
        return CartLine(
            self.product_id,
            self.category_id,
            self.quantity,
            self.unit_price,
            self.member_discount + self.promotion_discount,
            self.description,
        )

    def paid_line(self) -> CartLine:
        """The line as the purchase's rewards see it: after every discount (an item a voucher or a
        promotion gives for free is paid nothing and earns no points of its own)."""
        return CartLine(
            self.product_id, self.category_id, self.quantity, self.unit_price, self.discount, self.description
        )


@dataclass
class Quote:
    lines: list[PricedLine]
    subtotal: int = 0
    member_discount: int = 0
    member_discount_percent: Decimal = Decimal(0)
    member_tier: str = ""  # the tier whose discount applied
    promotion_discount: int = 0
    voucher_discount: int = 0
    voucher_code: str = ""
    voucher_error: str = ""
    tax_rate: Decimal = Decimal(0)
    tax: int = 0
    tax_added: bool = False  # PPN added on top of prices without it (a line of the sum), not included
    total: int = 0
    points: int = 0
    points_value: int = 0
    cashback: int = 0
    due: int = 0
    rounding: int = 0
    change: int = 0
    short: int = 0  # the amounts typed fall short of what is due by this much (a preview says so)
    points_to_earn: int = 0
    cashback_to_earn: int = 0
    promotions_applied: list[str] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    suggested_products: dict[str, int] = field(default_factory=dict)  # suggestion -> the item to add
    voucher: vouchers.VoucherResult | None = None  # the evaluation behind voucher_discount
    # A preview (not strict): the inputs left out of the pricing, by field, with their messages
    # ("points", "cashback", "payments[2].amount", "payments"). A sale refuses them instead.
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def discount_total(self) -> int:
        return self.member_discount + self.promotion_discount + self.voucher_discount

    @property
    def to_pay(self) -> int:
        """What is paid in money after rounding."""
        return self.due + self.rounding

    @property
    def paid(self) -> int:
        """The money the sale counts as paid (after cash rounding, without the change): what
        points and cashback are earned on, in the preview and in the sale alike."""
        return self.due + self.rounding


def _field_error(field_name: str, message: str) -> ApplicationError:
    return ApplicationError(message, {field_name: [message]})


# What pricing needs of a product; the rest is read if something asks for it.
_PRODUCT_COLUMNS = statements.Columns(Product, ["id", "name", "category_id", "price", "is_active", "all_branches"], "p")


# Products by id as pricing reads them, remembered per process for MEMO_SECONDS (setia.core.memo)
# like the loyalty configuration: a till sells the same few products all day. A change made in
# this process clears them at once (receivers below); other processes see a new price or a product
# taken off sale within MEMO_SECONDS. Shared: read them, never change them.
PRODUCTS = Memo("products for pricing", max_entries=10_000)
post_save.connect(PRODUCTS.clear, sender=Product, dispatch_uid="memo-pricing-products-save")
post_delete.connect(PRODUCTS.clear, sender=Product, dispatch_uid="memo-pricing-products-delete")


def _products(ids: set[int]) -> dict[int, Product]:
    """The products of a cart by id: remembered ones, the others in one prepared statement
    (remembered for the next sale when read outside a transaction, as `checkout` does first)."""
    found: dict[int, Product] = {}
    for pk in ids:
        product: Product | None = PRODUCTS.get(pk, lambda: None)
        if product is not None:
            found[pk] = product
    missing = sorted(ids - found.keys())
    if not missing:
        return found
    table = Product._meta.db_table
    if connection.vendor == "postgresql":
        rows = statements.run(f"SELECT {_PRODUCT_COLUMNS.sql} FROM {table} p WHERE p.id = ANY(%s)", [missing])
    else:
        rows = statements.run(
            f"SELECT {_PRODUCT_COLUMNS.sql} FROM {table} p WHERE p.id IN ({placeholders(len(missing))})", missing
        )
    for row in rows:
        read: Product = _PRODUCT_COLUMNS.instance(row)
        found[read.pk] = PRODUCTS.get(read.pk, _given(read))
    return found


def _given(product: Product) -> Callable[[], Product]:
    return lambda: product


def _price_lines(*, branch: Branch, lines: list[LineIn]) -> list[PricedLine]:
    if not lines:
        raise _field_error("lines", _("Add at least one item."))
    if len(lines) > MAX_LINES:
        raise _field_error("lines", _("At most %(count)s items per sale.") % {"count": MAX_LINES})
    products = _products({line.product_id for line in lines if line.product_id is not None})
    # Who served a line: someone active working at this branch, as the till offers (read only
    # when a line names one).
    named = {line.staff_id for line in lines if line.staff_id is not None}
    serving = (
        set(User.objects.filter(pk__in=named, is_active=True, branch=branch).values_list("pk", flat=True))
        if named
        else set()
    )
    priced = []
    for number, line in enumerate(lines, start=1):
        where = f"lines[{number}]"
        if line.staff_id is not None and line.staff_id not in serving:
            raise _field_error(
                f"{where}.staff",
                _("Item %(number)s: the staff member who served it does not work at %(branch)s.")
                % {"number": number, "branch": branch.name},
            )
        if not isinstance(line.quantity, int) or line.quantity <= 0:
            raise _field_error(
                f"{where}.quantity", _("Item %(number)s: the quantity must be at least 1.") % {"number": number}
            )
        if line.quantity > MAX_QUANTITY:
            raise _field_error(
                f"{where}.quantity", _("Item %(number)s: the quantity is too large.") % {"number": number}
            )
        product = products.get(line.product_id) if line.product_id is not None else None
        if line.product_id is not None:
            if product is None or not product.is_active:
                raise _field_error(
                    f"{where}.product",
                    _("Item %(number)s: the product does not exist or is not sold any more.") % {"number": number},
                )
            # Most products sell everywhere: their branches are read only when they matter.
            if not product.all_branches and not product.branches.filter(pk=branch.pk).exists():
                raise _field_error(
                    f"{where}.product",
                    _("Item %(number)s: %(product)s is not sold at %(branch)s.")
                    % {"number": number, "product": product.name, "branch": branch.name},
                )
        unit_price = line.unit_price if line.unit_price is not None else (product.price if product else None)
        if unit_price is None:
            raise _field_error(f"{where}.unit_price", _("Item %(number)s: enter the price.") % {"number": number})
        if unit_price <= 0 and not (product is not None and product.price == 0):
            raise _field_error(
                f"{where}.unit_price", _("Item %(number)s: the price must be greater than zero.") % {"number": number}
            )
        if unit_price > MAX_PRICE:
            raise _field_error(
                f"{where}.unit_price", _("Item %(number)s: the price is too large.") % {"number": number}
            )
        description = (line.description or (product.name if product else "")).strip()[:200]
        if not description:
            raise _field_error(f"{where}.description", _("Item %(number)s: describe the item.") % {"number": number})
        priced.append(
            PricedLine(
                product_id=product.pk if product else None,
                category_id=product.category_id if product else None,
                description=description,
                quantity=line.quantity,
                unit_price=unit_price,
                staff_id=line.staff_id,
            )
        )
    return priced


def round_cash(amount: int, step: int) -> int:
    if step <= 1:
        return amount
    return int((Decimal(amount) / step).to_integral_value(rounding=ROUND_HALF_UP)) * step


def tax_on(net: int, *, registered: bool, percent: Decimal, included: bool) -> tuple[int, int]:
    """(PPN, total) for `net` Rupiah after discounts: PPN taken out of prices that include it,
    or added on top; none for a business that is not a PKP."""
    if not registered or not percent:
        return 0, net
    if included:
        return int((Decimal(net) * percent / (100 + percent)).to_integral_value(rounding=ROUND_HALF_UP)), net
    tax = int((Decimal(net) * percent / 100).to_integral_value(rounding=ROUND_HALF_UP))
    return tax, net + tax


def member_here(membership: Membership | None, customer: Customer | None, branch: Branch) -> Membership | None:
    """Her membership as it counts at `branch`'s till: none at another branch's till where
    branches do not share customers — she collects and pays with points at her own branch and
    buys here as a guest (no member discount, points or cashback), whoever works the till."""
    if membership is None or customer is None or customer.home_branch_id in (None, branch.pk):
        return membership
    return membership if access_settings().share_customers_across_branches else None


def quote(
    *,
    branch: Branch,
    customer: Customer | None,
    lines: list[LineIn],
    voucher_code: str = "",
    points: int = 0,
    cashback: int = 0,
    payments: list[PaymentIn] | None = None,
    at: dt.datetime | None = None,
    strict: bool = False,
    membership: Membership | Literal["look up"] | None = "look up",
    lock_voucher: bool = False,
    exact_method: str = "",
) -> Quote:
    """Price a cart. With `strict`, a voucher or payment problem is an error; otherwise the
    quote carries it for the cashier screen to show. `membership`: the customer's active
    membership when the caller has read it already. `lock_voucher` (inside a transaction): the
    voucher code's rows are locked as they are read, so the sale can redeem this evaluation.
    `exact_method` (with no `payments`): nothing typed, the sale will be paid exactly by this
    method — in cash the amount is rounded, as `exact_payment` takes it."""
    at = at or timezone.now()
    priced = _price_lines(branch=branch, lines=lines)
    result = Quote(lines=priced)
    if membership == "look up":
        membership = purchases.membership_of(customer.pk) if customer else None
    elsewhere = membership is not None  # a member of another branch is a guest here (`member_here`)
    membership = member_here(membership, customer, branch)
    elsewhere = elsewhere and membership is None
    percent = purchases.member_discount_percent(membership)
    if percent:
        assert membership is not None and membership.tier is not None  # a percent comes from her tier
        result.member_discount_percent = percent
        result.member_tier = membership.tier.name
        for line in priced:
            line.member_discount = int((Decimal(line.gross) * percent / 100).to_integral_value(rounding=ROUND_FLOOR))
    outcome = promotions.promotions_apply(
        lines=[line.cart_line() for line in priced],
        on=timezone.localtime(at).date(),
        customer_id=membership.customer_id if membership else None,  # her stamp cards (members collect stamps)
    )
    for index, amount in outcome.line_discounts.items():
        priced[index].promotion_discount = amount
        priced[index].note = outcome.notes.get(index, "")
    result.promotions_applied = outcome.applied
    result.suggestions = outcome.suggestions
    result.suggested_products = outcome.suggested_products
    voucher_code = (voucher_code or "").strip().upper()
    if voucher_code:
        try:
            evaluated = vouchers.voucher_evaluate(
                code=voucher_code,
                customer=customer,
                lines=[line.cart_line() for line in priced],
                at=at,
                lock=lock_voucher,
            )
        except ApplicationError as error:
            if strict:
                raise
            result.voucher_error = error.message
        else:
            result.voucher_code = voucher_code
            result.voucher = evaluated
            result.suggestions = outcome.without_spent_card(evaluated.code)  # her free X earns no stamp
            # Split over the lines (the shares add up to the discount); the voucher's name is
            # shown once, with the totals, not under each line it touched.
            for index, amount in evaluated.line_discounts.items():
                priced[index].voucher_discount = amount
    result.subtotal = sum(line.gross for line in priced)
    result.member_discount = sum(line.member_discount for line in priced)
    result.promotion_discount = sum(line.promotion_discount for line in priced)
    result.voucher_discount = sum(line.voucher_discount for line in priced)
    net = result.subtotal - result.discount_total
    config = _settings_for_pricing()
    if config.tax_registered and config.ppn_percent:
        result.tax_rate = config.ppn_percent
    result.tax, result.total = tax_on(
        net, registered=config.tax_registered, percent=config.ppn_percent, included=config.prices_include_tax
    )
    result.tax_added = bool(result.tax) and not config.prices_include_tax
    if strict:
        _apply_loyalty_payments(result, membership, points, cashback, strict, at, elsewhere)
    else:  # a bad input is left out (and named); the rest is priced as usual
        for field_name, asked in (("points", (points, 0)), ("cashback", (0, cashback))):
            try:
                _apply_loyalty_payments(result, membership, *asked, strict, at, elsewhere)
            except ApplicationError as error:
                result.errors[field_name] = error.message
    result.due = result.total - result.points_value - result.cashback
    if payments is None and exact_method:
        payments = [exact_payment(result, exact_method)] if result.due > 0 else None
    if strict:
        _apply_money_payments(result, payments, config, strict)
    else:
        try:
            _apply_money_payments(result, payments, config, strict)
        except ApplicationError as error:
            result.rounding = result.change = 0
            for field_name in error.extra or {"payments": []}:
                result.errors[field_name] = error.message
    if membership is not None and not strict:  # a preview for the cashier; the sale computes its own
        result.points_to_earn, result.cashback_to_earn = rewards_preview(
            membership=membership, lines=[line.paid_line() for line in priced], paid=result.paid, at=at
        )
    return result


def rewards_preview(*, membership: Membership, lines: list[CartLine], paid: int, at: dt.datetime) -> tuple[int, int]:
    """(points, cashback) a sale paying `paid` will earn: the same loyalty computations the sale
    credits with (`purchases.purchase_recorded`), on the same amount (`Quote.paid`)."""
    points, _how = purchases.points_for(membership=membership, lines=lines, paid=paid, at=at)
    cashback = purchases.cashback_for(membership=membership, paid=paid, at=at)[0] if paid > 0 else 0
    return points, cashback


def _apply_loyalty_payments(
    result: Quote,
    membership: Membership | None,
    points: int,
    cashback: int,
    strict: bool,
    at: dt.datetime,
    elsewhere: bool = False,
) -> None:
    """`elsewhere`: she is a member of another branch, a guest at this one."""
    if points < 0:
        raise _field_error("points", _("Pay with points: enter a number of points, zero or more."))
    if cashback < 0:
        raise _field_error("cashback", _("Pay with cashback: enter an amount of zero or more."))
    if (points or cashback) and membership is None:
        message = (
            _("She is a member of another branch and a guest here: she pays with points or cashback at her own branch.")
            if elsewhere
            else _("Only members can pay with points or cashback.")
        )
        raise _field_error("points" if points else "cashback", message)
    if membership is None:
        return
    if points:
        value = loyalty_config.settings().point_value
        if not value:
            raise _field_error("points", _("Paying with points is turned off."))
        if points > membership.points_balance:
            raise _field_error(
                "points", _("Not enough points: the balance is %(balance)s.") % {"balance": membership.points_balance}
            )
        standing = ledger.points_standing(membership, now=at)  # some may be past their date
        if points > standing.spendable:
            raise ledger.lapsed_refusal(standing.spendable, standing.lapsed, "points")
        if points * value > result.total:
            raise _field_error(
                "points",
                _("The points are worth more than the sale: use at most %(points)s.")
                % {"points": result.total // value},
            )
        result.points, result.points_value = points, points * value
    if cashback:
        if cashback > membership.wallet_balance:
            raise _field_error(
                "cashback",
                _("Not enough cashback: her balance is %(balance)s.")
                % {"balance": format_rupiah(membership.wallet_balance)},
            )
        if cashback > result.total - result.points_value:
            raise _field_error("cashback", _("The cashback used is more than what is left to pay."))
        result.cashback = cashback


def _apply_money_payments(result: Quote, payments: list[PaymentIn] | None, config: SalesSettings, strict: bool) -> None:
    if payments is None:
        return
    for number, payment in enumerate(payments, start=1):
        if payment.method not in MONEY_METHODS:
            raise _field_error(
                f"payments[{number}].method", _("Payment %(number)s: unknown method.") % {"number": number}
            )
        if not isinstance(payment.amount, int) or payment.amount <= 0:
            raise _field_error(
                f"payments[{number}].amount",
                _("Payment %(number)s: the amount must be greater than zero.") % {"number": number},
            )
        if payment.amount > MAX_PRICE * MAX_LINES:
            raise _field_error(
                f"payments[{number}].amount", _("Payment %(number)s: the amount is too large.") % {"number": number}
            )
    cash = sum(p.amount for p in payments if p.method == Payment.Method.CASH)
    other = 0
    for number, payment in enumerate(payments, start=1):
        if payment.method == Payment.Method.CASH:
            continue
        other += payment.amount
        if other > result.due:  # only cash gives change
            raise _field_error(
                f"payments[{number}].amount",
                _(
                    "Payment %(number)s (%(method)s): more than the amount due (%(due)s left). "
                    "Only cash can be more: the change is given in cash."
                )
                % {
                    "number": number,
                    "method": Payment.Method(payment.method).label,
                    "due": format_rupiah(max(0, result.due - other + payment.amount)),
                },
            )
    cash_due = result.due - other
    if cash and cash_due > 0:
        rounded = round_cash(cash_due, config.cash_rounding)
        result.rounding = rounded - cash_due
        cash_due = rounded
    result.short = max(0, cash_due - cash)
    if cash - cash_due > MAX_CHANGE:
        number = next(n for n, p in enumerate(payments, start=1) if p.method == Payment.Method.CASH)
        raise _field_error(
            f"payments[{number}].amount",
            _("Payment %(number)s: %(received)s received for %(due)s gives %(change)s in change; check the amount.")
            % {
                "number": number,
                "received": format_rupiah(cash),
                "due": format_rupiah(max(cash_due, 0)),
                "change": format_rupiah(cash - cash_due),
            },
        )
    if result.short and strict:
        raise _field_error(
            "payments",
            _("The payments are short by %(amount)s.") % {"amount": format_rupiah(cash_due - cash)},
        )
    result.change = max(0, cash - cash_due)


def exact_payment(result: Quote, method: str) -> PaymentIn:
    """One payment of exactly what is due: the cashier typed no amount (cash is rounded)."""
    due = result.due
    if method == Payment.Method.CASH:
        due = round_cash(due, _settings_for_pricing().cash_rounding)
    return PaymentIn(method=method, amount=due)


def request_digest(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _replay(order: Order, digest: str, actor: User) -> Order:
    if order.created_by_id != actor.pk:
        # Another sender's key: never answer with her order (nor say what it holds).
        message = _(
            "This Idempotency-Key was already used by another sender: make your keys unique to your "
            "system, e.g. by starting them with its name."
        )
        raise ApplicationError(message, {"idempotency_key": [message]})
    if order.request_digest != digest:
        message = _("This Idempotency-Key was already used for a different order.")
        raise ApplicationError(message, {"idempotency_key": [message]})
    return order


def checkout(
    *,
    actor: User,
    branch: Branch,
    customer: Customer | None,
    lines: list[LineIn],
    payments: list[PaymentIn],
    voucher_code: str = "",
    points: int = 0,
    cashback: int = 0,
    channel: str = Order.Channel.OUTLET,
    note: str = "",
    idempotency_key: str | None = None,
    service_address: Address | None = None,
    placed_at: dt.datetime | None = None,
    kind: str = Order.Kind.SALE,
    customer_id: int | None = None,
) -> tuple[Order, bool]:
    """Record a paid sale. Returns (order, created); `created` is False when `idempotency_key`
    names an order recorded before with the same request. `customer_id` instead of `customer`:
    she is read with her lock inside the sale (one statement fewer), refused there when she does
    not exist or the actor may not see her."""
    require(actor, "orders.create")
    digest = ""
    if idempotency_key is not None:
        if not IDEMPOTENCY_KEY.match(idempotency_key):
            raise _field_error("idempotency_key", _("The Idempotency-Key must be 8 to 100 letters, digits or - _ . :"))
        digest = request_digest(
            {
                "branch": branch.pk,
                "customer": customer.pk if customer else customer_id,
                "lines": [asdict(line) for line in lines],
                "payments": [asdict(payment) for payment in payments],
                "voucher": voucher_code,
                "points": points,
                "cashback": cashback,
                "channel": channel,
                "note": note,
            }
        )
    scope = branch_scope(actor)
    if not scope.allows(branch.pk) or not branch.is_active:
        raise _field_error("branch", _("You cannot record sales for this branch."))
    if customer is not None and (customer.merged_into_id or not scope.allows(customer.home_branch_id)):
        raise _field_error("customer", _("Customer not found."))
    if channel not in Order.Channel.values:
        raise _field_error("channel", _("Unknown channel."))
    at = placed_at or timezone.now()
    # The configuration the sale reads, into this process's memos while no transaction is open
    # (inside one they are not filled): the sale's transaction then finds them.
    _settings_for_pricing()
    loyalty_config.warm()
    _products({line.product_id for line in lines if line.product_id is not None})
    order = Order(
        kind=kind,
        customer_id=customer.pk if customer is not None else customer_id,
        branch=branch,
        channel=channel,
        status=Order.Status.FULFILLED,
        placed_at=at,
        business_date=timezone.localtime(at).date(),
        note=note[:255],
        idempotency_key=idempotency_key,
        request_digest=digest,
        service_address=service_address,
        created_by=actor,
    )
    if customer is not None:
        order.customer = customer
    try:
        with transaction.atomic():
            _record(
                actor=actor,
                order=order,
                customer=customer,
                lines=lines,
                payments=payments,
                voucher_code=voucher_code,
                points=points,
                cashback=cashback,
                at=at,
                fresh=True,
                scope=scope,
            )
    except (IntegrityError, ApplicationError):
        # A request with a key already recorded: its order row (written with the sale's other
        # writes) broke the key's unique constraint, or — the first sale having used the voucher
        # or the points — the sale was refused. Nothing of this attempt is left (rolled back);
        # the answer is the recorded order. A concurrent duplicate for the same member waits on
        # her lock until the first one commits; any other waits on the key's index entry.
        if idempotency_key is not None:
            recorded = Order.objects.filter(idempotency_key=idempotency_key).first()
            if recorded is not None:
                return _replay(recorded, digest, actor), False
        raise
    return order, True


def complete_booking(
    *,
    actor: User,
    order: Order,
    lines: list[LineIn],
    payments: list[PaymentIn],
    voucher_code: str = "",
    points: int = 0,
    cashback: int = 0,
) -> Order:
    """Price and pay a booking (a completed trip, a checked-out appointment) as a sale."""
    require(actor, "orders.create")
    _record(
        actor=actor,
        order=order,
        customer=order.customer,
        lines=lines,
        payments=payments,
        voucher_code=voucher_code,
        points=points,
        cashback=cashback,
        at=order.placed_at,
    )
    return order


def _record(
    *,
    actor: User,
    order: Order,
    customer: Customer | None,
    lines: list[LineIn],
    payments: list[PaymentIn],
    voucher_code: str,
    points: int,
    cashback: int,
    at: dt.datetime,
    fresh: bool = False,
    scope: BranchScope | None = None,
) -> None:
    """Price the sale and write it. `fresh`: `order` is new (not saved yet): it gets its id now and
    is inserted with the sale's other writes, and nothing was recorded for it before (no look-ups
    for earlier ledger entries of it). Otherwise `order` exists and its totals are updated.

    Everything is read first and written at the end, together (`statements.Batch`: one statement
    on PostgreSQL). The new order's row carries the idempotency key: a request whose key is taken
    fails there, and `checkout` answers with the recorded order."""
    # The customer's row locked (a member's sales are serialised: points and vouchers are checked
    # against a stable balance) and her membership read under the lock, once: pricing, payments
    # and rewards all see the same membership. A new order's id comes with it on PostgreSQL.
    also = [_next_order_id()] if fresh and connection.vendor == "postgresql" else []
    if customer is None and order.customer_id is not None:  # known by id only: read with her lock
        assert scope is not None
        customer, membership, values = purchases.lock_customer_for_sale(order.customer_id, _CUSTOMER_FIELDS, also)
        if customer is None:
            raise field_not_found("customer_id")
        if customer.merged_into_id or not scope.allows(customer.home_branch_id):
            raise _field_error("customer", _("Customer not found."))
        order.customer = customer
    else:
        membership, values = purchases.lock_for_sale(customer, also) if customer is not None else (None, ())
    membership = member_here(membership, customer, order.branch)
    if fresh:
        order.pk = values[0] if values and values[0] is not None else allocate_ids(Order, 1)[0]
        order.number = f"{order.branch.code.upper()}-{order.pk:07d}"
    result = quote(
        branch=order.branch,
        customer=customer,
        lines=lines,
        voucher_code=voucher_code,
        points=points,
        cashback=cashback,
        payments=payments,
        at=at,
        strict=True,
        membership=membership,
        lock_voucher=True,  # evaluated once, under lock, and redeemed as evaluated
    )
    source = order.source
    # Points and cashback paid move her balances now (refused when short); everything else is
    # written at the end, together (one statement on PostgreSQL): statements.Batch.
    records = _payments_taken(actor, order, result, payments, membership, source, at, fresh=fresh)
    writes = statements.Batch()
    writes.insert_objects(records)
    order_lines = [
        OrderLine(
            order=order,
            product_id=line.product_id,
            category_id_at_sale=line.category_id,
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount=line.discount,
            total=line.total,
            staff_id=line.staff_id,
            promotion_note=line.note[:120],
        )
        for line in result.lines
    ]
    writes.insert_objects(order_lines)
    order.subtotal = result.subtotal
    order.discount_total = result.discount_total
    # Each kind kept as priced, with the tier behind the member discount: the order's page and
    # the figures tell them apart later, whatever her tier is by then.
    order.member_discount = result.member_discount
    order.promotion_discount = result.promotion_discount
    order.voucher_discount = result.voucher_discount
    order.member_tier = result.member_tier
    order.member_discount_percent = result.member_discount_percent
    order.tax_rate = result.tax_rate
    order.tax_total = result.tax
    order.rounding = result.rounding
    order.total = result.total + result.rounding
    order.points_redeemed = result.points
    order.voucher_code = result.voucher_code
    if customer is not None:
        rewards = purchases.purchase_recorded(
            membership=membership,
            actor=actor,
            customer=customer,
            source=source,
            paid=result.paid,
            lines=[line.paid_line() for line in result.lines],
            at=at,
            new_source=fresh,
            batch=writes,
            spent_code=result.voucher.code if result.voucher is not None else None,
        )
        order.points_earned = rewards.points
        order.cashback_earned = rewards.cashback
    if result.voucher_code:
        # With the last writes: the voucher's row stays locked from its use to the commit, and
        # every sale with another code of the same voucher waits for that.
        redeemed = vouchers.voucher_redeem(
            code=result.voucher_code,
            customer=customer,
            lines=[line.cart_line() for line in result.lines],
            source=source,
            at=at,
            evaluated=result.voucher,
            batch=writes,
        )
        if redeemed.discount != result.voucher_discount:
            raise _field_error("voucher_code", _("The voucher changed while the sale was being recorded. Try again."))
    if fresh:
        writes.insert_objects([order])
    else:
        _save_totals(order, writes)
    writes.insert_objects(
        [
            audit_event(
                actor=actor,
                action="create",
                instance=order,
                subject=customer,
                branch_id=order.branch_id,
                changes={"total": [None, order.total], "lines": [None, len(result.lines)]},
                message=Message(gettext_noop("Sale %(number)s"), {"number": order.number}),
            )
        ]
    )
    writes.run()
    order._recorded_rows = (order_lines, records)  # type: ignore[attr-defined]


# What a sale reads of a customer known by id: her visibility, and her name for messages.
_CUSTOMER_FIELDS = ("id", "name", "home_branch_id", "merged_into_id")

_ORDER_SEQUENCE: dict[str, str] = {}


def _next_order_id() -> str:
    """The SQL for a new order id on PostgreSQL (its sequence's name read once per process)."""
    found = _ORDER_SEQUENCE.get(connection.alias)
    if found is None:
        table, column = Order._meta.db_table, Order._meta.pk.column
        name = statements.run("SELECT pg_get_serial_sequence(%s, %s)", [table, column])[0][0]
        found = _ORDER_SEQUENCE[connection.alias] = f"nextval('{name}')"
    return found


_TOTALS = (
    "number",
    "subtotal",
    "discount_total",
    "member_discount",
    "promotion_discount",
    "voucher_discount",
    "member_tier",
    "member_discount_percent",
    "tax_rate",
    "tax_total",
    "rounding",
    "total",
    "points_redeemed",
    "voucher_code",
    "points_earned",
    "cashback_earned",
    "updated_at",
)


def _save_totals(order: Order, writes: statements.Batch) -> None:
    """Write what recording the sale set on the order (not every column, as `save()` would)."""
    order.updated_at = timezone.now()
    quote_name = connection.ops.quote_name
    assignments = ", ".join(f"{quote_name(name)} = %s" for name in _TOTALS)
    writes.add(
        f"UPDATE {Order._meta.db_table} SET {assignments} WHERE id = %s RETURNING id",
        [statements.prepared(Order, name, getattr(order, name)) for name in _TOTALS] + [order.pk],
    )


def recorded_rows(order: Order) -> tuple[list[OrderLine], list[Payment]] | None:
    """The lines and payments (in id order) that recording `order` wrote just now in this process,
    so the API can answer without reading them back; None for any other order object."""
    rows: tuple[list[OrderLine], list[Payment]] | None = getattr(order, "_recorded_rows", None)
    return rows


def _payments_taken(
    actor: User,
    order: Order,
    result: Quote,
    payments: list[PaymentIn],
    membership: Any,
    source: str,
    at: dt.datetime,
    fresh: bool = False,
) -> list[Payment]:
    """Post the points and cashback paid to the member's ledgers and list the order's payments
    (cash net of the change given), refusing a sale left unpaid. The caller saves them.
    `fresh`: the order was created in this transaction (see `ledger.points_post`)."""
    records = []
    if result.points:
        assert membership is not None
        purchases.pay_with_points(
            actor=actor, membership=membership, points=result.points, source=source, at=at, fresh=fresh
        )
        records.append(
            Payment(order=order, method=Payment.Method.POINTS, amount=result.points_value, reference=f"{result.points}")
        )
    if result.cashback:
        assert membership is not None
        purchases.pay_with_cashback(
            actor=actor, membership=membership, amount=result.cashback, source=source, at=at, fresh=fresh
        )
        records.append(Payment(order=order, method=Payment.Method.CASHBACK, amount=result.cashback))
    cash_left = result.change
    for payment in payments:
        amount = payment.amount
        if payment.method == Payment.Method.CASH and cash_left:
            taken = min(cash_left, amount)
            amount, cash_left = amount - taken, cash_left - taken
        if amount:
            records.append(
                Payment(
                    order=order,
                    method=payment.method,
                    amount=amount,
                    # cash handed over when more than it paid (the rest went back as change)
                    tendered=payment.amount if payment.amount != amount else None,
                    reference=(payment.reference or "")[:64],
                )
            )
    if result.to_pay and not any(p.method not in (Payment.Method.POINTS, Payment.Method.CASHBACK) for p in records):
        raise _field_error("payments", _("Add a payment."))
    return records


@dataclass
class AgreedLine:
    """A line whose price was agreed beforehand (an accepted quote): recorded as it is, not
    re-priced with member discounts, promotions or vouchers."""

    product_id: int | None
    description: str
    quantity: int
    unit_price: int
    discount: int = 0

    @property
    def total(self) -> int:
        return self.quantity * self.unit_price - self.discount


@transaction.atomic
def order_place(
    *,
    actor: User,
    branch: Branch,
    customer: Customer,
    lines: list[AgreedLine],
    tax_registered: bool,
    ppn_percent: Decimal,
    prices_include_tax: bool,
    note: str = "",
) -> Order:
    """Record an order that is agreed but not paid yet (an accepted quote): status `placed`, the
    agreed prices and PPN, no payments and no loyalty effects — revenue figures and points count
    paid orders only, so nothing is claimed before the money arrives."""
    require(actor, "orders.create")
    scope = branch_scope(actor)
    if not scope.allows(branch.pk) or not branch.is_active:
        raise _field_error("branch", _("You cannot record sales for this branch."))
    if customer.merged_into_id or not scope.allows(customer.home_branch_id):
        raise _field_error("customer", _("Customer not found."))
    if not lines:
        raise _field_error("lines", _("Add at least one item."))
    for number, line in enumerate(lines, start=1):
        if line.quantity <= 0 or line.unit_price < 0 or not 0 <= line.discount <= line.quantity * line.unit_price:
            raise _field_error(
                f"lines[{number}]", _("Item %(number)s: the amounts are not valid.") % {"number": number}
            )
    at = timezone.now()
    order = Order.objects.create(
        number=f"TMP-{secrets.token_hex(10)}",
        customer=customer,
        branch=branch,
        status=Order.Status.PLACED,
        placed_at=at,
        business_date=timezone.localtime(at).date(),
        note=note[:255],
        created_by=actor,
    )
    products = dict(Product.objects.filter(pk__in={line.product_id for line in lines}).values_list("pk", "category_id"))
    OrderLine.objects.bulk_create(
        [
            OrderLine(
                order=order,
                product_id=line.product_id,
                category_id_at_sale=products.get(line.product_id) if line.product_id else None,
                description=line.description[:200],
                quantity=line.quantity,
                unit_price=line.unit_price,
                discount=line.discount,
                total=line.total,
            )
            for line in lines
        ]
    )
    order.number = f"{branch.code.upper()}-{order.pk:07d}"
    order.subtotal = sum(line.quantity * line.unit_price for line in lines)
    order.discount_total = sum(line.discount for line in lines)
    order.tax_total, order.total = tax_on(
        order.subtotal - order.discount_total,
        registered=tax_registered,
        percent=ppn_percent,
        included=prices_include_tax,
    )
    order.tax_rate = ppn_percent if tax_registered and ppn_percent else Decimal(0)
    order.save()
    audit_log(
        actor=actor,
        action="create",
        instance=order,
        subject=customer,
        branch_id=order.branch_id,
        changes={"total": [None, order.total], "lines": [None, len(lines)]},
        message=note or Message(gettext_noop("Order %(number)s placed"), {"number": order.number}),
    )
    return order


@transaction.atomic
def order_pay(*, actor: User, order: Order, payments: list[PaymentIn], points: int = 0, cashback: int = 0) -> Order:
    """Take the payment for a placed order (an accepted quote, an opportunity won without payment).

    The lines, discounts and PPN stay as agreed when the order was placed: nothing is re-priced.
    The money is taken as the cashier takes it — split payments, cash rounded and change given
    back — and a member may pay part with points or cashback. The order becomes `fulfilled` and
    its loyalty effects (tier spend, points, cashback) happen now, as for a sale at the counter.

    Revenue is counted on the day it is paid: `business_date` becomes today's business day.
    Every revenue reading (the analytics extract, a programme's revenue, the customer's value)
    counts orders with a paid status (`fulfilled`, `partly_refunded`) by `business_date`; a placed
    order is in none of them, so before this it counted nowhere and from now on it counts on the
    day of payment — where the cash drawer and the bank statement put it. `placed_at` keeps the
    time the order was agreed, so the customer's timeline and the order list do not reorder it.

    The order row is locked first: of two payments taken at the same time, the second waits,
    then finds the order fulfilled and is refused.
    """
    require(actor, "orders.create")
    order = Order.objects.select_for_update().get(pk=order.pk)
    if not branch_scope(actor).allows(order.branch_id):
        raise NotFoundError(_("Order not found."))
    if order.status != Order.Status.PLACED:
        raise _field_error(
            "status",
            _("Only a placed order can be paid; %(number)s is %(status)s.")
            % {"number": order.number, "status": order.get_status_display()},
        )
    # The customer's row is locked too, as `_record` does: points and cashback are checked
    # against a stable balance.
    customer = Customer.objects.select_for_update().filter(pk=order.customer_id).first() if order.customer_id else None
    cart_lines = [
        CartLine(
            line.product_id, line.category_id_at_sale, line.quantity, line.unit_price, line.discount, line.description
        )
        for line in order.lines.all()
    ]
    result = Quote(lines=[], subtotal=order.subtotal, tax_rate=order.tax_rate, tax=order.tax_total, total=order.total)
    member = purchases.membership_of(customer.pk) if customer is not None else None
    membership = member_here(member, customer, order.branch)
    elsewhere = member is not None and membership is None
    _apply_loyalty_payments(result, membership, points, cashback, True, timezone.now(), elsewhere)
    result.due = result.total - result.points_value - result.cashback
    _apply_money_payments(result, payments, sales_settings(), True)
    at = timezone.now()
    source = order.source
    records = _payments_taken(actor, order, result, payments, membership, source, at)
    Payment.objects.bulk_create(records)
    order.rounding = result.rounding
    order.total = result.total + result.rounding
    order.points_redeemed = result.points
    order.status = Order.Status.FULFILLED
    order.business_date = timezone.localtime(at).date()
    if customer is not None:
        rewards = purchases.purchase_recorded(
            membership=membership,
            actor=actor,
            customer=customer,
            source=source,
            paid=result.paid,
            lines=cart_lines,
            at=at,
        )
        order.points_earned = rewards.points
        order.cashback_earned = rewards.cashback
    order.save()
    # Recorded without field changes: the customer's timeline shows an event's message only
    # when it has none. The order itself holds the payments and the new status.
    audit_log(
        actor=actor,
        action="update",
        instance=order,
        subject=customer,
        branch_id=order.branch_id,
        message=Message(gettext_noop("Payment for order %(number)s"), {"number": order.number}),
    )
    return order
