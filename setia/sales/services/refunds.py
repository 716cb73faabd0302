"""Full and partial refunds. The refunded share of the order takes back the same share of the
points and cashback it earned (never below a zero balance).

Items taken back are refunded at the price paid for them, less what the items kept no longer get of
a promotion those items had earned them: a customer who returns the shoe and keeps the socks that
came free with it pays for the socks, and one who keeps less than a voucher's minimum spend
pays for what the voucher took off the items she keeps (`_discounts_lost`)."""

from decimal import ROUND_FLOOR, Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from setia.accounts.models import User
from setia.accounts.selectors import branch_scope, require
from setia.core.audit import audit_log
from setia.core.errors import ApplicationError
from setia.core.money import format_rupiah
from setia.loyalty.cart import CartLine
from setia.loyalty.services import promotions, purchases, vouchers
from setia.sales.models import Appointment, Order, OrderLine, Refund
from setia.sales.selectors.refunds import as_paid
from setia.sales.services.checkout import IDEMPOTENCY_KEY, request_digest


def _error(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, {field: [message]})


def _share(amount: int, line: OrderLine, quantity: int) -> int:
    """The part of `amount` (a whole line's) that goes with `quantity` more of its items taken back
    after those taken back before: the parts of successive refunds add up to the whole, to the
    rupiah (three items of Rp 126.500 give back 42.166, 42.167 and 42.167)."""
    done = line.refunded_quantity
    return amount * (done + quantity) // line.quantity - amount * done // line.quantity


def _voucher_part(share: int, line: OrderLine, count: int) -> int:
    """The voucher's `share` of a line that goes with its first `count` items taken back: their
    worth before the voucher less what was paid for them, both split as `_share` splits (so the
    item kept pays its price to the rupiah)."""
    return (line.total + share) * count // line.quantity - line.total * count // line.quantity


def _discounts_lost(order: Order, lines: list[OrderLine], taking: dict[int, int]) -> tuple[int, list[str]]:
    """What taking back `taking` (line id -> quantity) costs the items kept of their promotions'
    discounts and of the sale's voucher, beyond the discount the items taken back had themselves,
    and the names of those promotions (and voucher).

    The sale's promotions are run again (as on the day of the sale) over the items she had before
    this refund and over those she keeps; the share of the sale's promotion discount that went with
    the items taken back was not paid, so it is not refunded either. The voucher's minimum spend is
    checked the same way: when what she keeps (after the member discount and promotions) no longer
    reaches it, the items kept lose their share of the voucher. Negative when an earlier refund took
    off more than the items since taken back leave due (all of it comes back with the last item).
    When the promotions no longer give the sale's discount (a promotion changed or ended since) or
    the voucher would no longer apply to the whole sale, the kept items are not re-priced for it:
    nothing is taken off."""
    if not taking or not (order.promotion_discount or order.voucher_discount):
        return 0, []
    if all(line.quantity - line.refunded_quantity == taking.get(line.pk, 0) for line in lines):
        # The last items: what earlier refunds kept back comes back, as they recorded it (whatever
        # was changed since), so everything returned gives back everything paid.
        earlier = list(order.refunds.exclude(promotions_lost=0).values_list("promotions_lost", "promotions_note"))
        notes = [name.strip() for _lost, note in earlier for name in note.split(",")]
        return -sum(lost for lost, _note in earlier), list(dict.fromkeys(name for name in notes if name))
    on = timezone.localtime(order.placed_at).date()
    percent = order.member_discount_percent

    def member(line: OrderLine, quantity: int) -> int:
        gross = Decimal(line.unit_price * quantity)
        return int((gross * percent / 100).to_integral_value(rounding=ROUND_FLOOR))

    def run(quantities: list[int]) -> promotions.PromotionOutcome:
        cart = [
            CartLine(
                line.product_id,
                line.category_id_at_sale,
                quantity,
                line.unit_price,
                member(line, quantity),
                line.description,
            )
            for line, quantity in zip(lines, quantities, strict=True)
        ]
        return promotions.promotions_apply(lines=cart, on=on)

    sold_quantities = [line.quantity for line in lines]
    had = [line.quantity - line.refunded_quantity for line in lines]
    keeps = [left - taking.get(line.pk, 0) for line, left in zip(lines, had, strict=True)]
    lost = 0
    named: list[str] = []
    # Each state's promotion discounts by line; the sale's when the promotions were not run again.
    sold_promotions: dict[int, int] = {}
    before_promotions: dict[int, int] = {}
    after_promotions: dict[int, int] = {}
    if order.promotion_discount:
        sold = run(sold_quantities)
        if sold.discount != order.promotion_discount:
            return 0, []
        before, after = run(had), run(keeps)
        sold_promotions, before_promotions, after_promotions = (
            sold.line_discounts,
            before.line_discounts,
            after.line_discounts,
        )
        # The items taken back are worth their price at the sale before their own promotion
        # discount, less what the items kept no longer get; the loss is how far that falls below
        # what was paid for them. (Shares taken per line, as `order_refund` takes what was paid.)
        paid = worth = 0
        for index, line in enumerate(lines):
            quantity = taking.get(line.pk, 0)
            paid += _share(line.total, line, quantity)
            worth += _share(line.total + sold.line_discounts.get(index, 0), line, quantity)
        lost = paid - (worth - (before.discount - after.discount))
        # The promotions named: those the items kept lose, or (giving back what an earlier refund
        # kept) those of the items taken back now.
        if lost > 0:
            named = [
                before.notes.get(index, "")
                for index, kept in enumerate(keeps)
                if kept and after.line_discounts.get(index, 0) < before.line_discounts.get(index, 0)
            ]
        elif lost < 0:
            named = [sold.notes.get(index, "") for index, line in enumerate(lines) if taking.get(line.pk)]
    if order.voucher_discount:
        # Each line's share of the voucher: what is left of its discount after the member's and
        # the promotion's.
        shares = [
            line.discount - member(line, line.quantity) - sold_promotions.get(index, 0)
            for index, line in enumerate(lines)
        ]
        terms = vouchers.voucher_terms(order.voucher_code)
        if terms is not None and sum(shares) == order.voucher_discount:
            name, min_spend = terms

            def holds(quantities: list[int], promotion_discounts: dict[int, int]) -> bool:
                spend = sum(
                    line.unit_price * quantity - member(line, quantity) - promotion_discounts.get(index, 0)
                    for index, (line, quantity) in enumerate(zip(lines, quantities, strict=True))
                )
                return spend >= min_spend and any(q and share for q, share in zip(quantities, shares, strict=True))

            voucher_lost = 0
            if holds(sold_quantities, sold_promotions):  # as the voucher stands now, the sale qualifies
                returned = [line.refunded_quantity for line in lines]
                now = [done + taking.get(line.pk, 0) for done, line in zip(returned, lines, strict=True)]
                if not holds(had, before_promotions):  # an earlier refund took the kept items' share off
                    voucher_lost = -sum(
                        _voucher_part(share, line, after) - _voucher_part(share, line, done)
                        for share, line, done, after in zip(shares, lines, returned, now, strict=True)
                    )
                elif not holds(keeps, after_promotions):  # the kept items' share: all not yet taken back
                    voucher_lost = sum(
                        share - _voucher_part(share, line, after)
                        for share, line, after in zip(shares, lines, now, strict=True)
                    )
            if voucher_lost:
                lost += voucher_lost
                named.append(_("voucher %(name)s") % {"name": name})
    return lost, list(dict.fromkeys(name for name in named if name))


def _replay(refund: Refund, digest: str, actor: User) -> Refund:
    """The refund a key made before, for a retry of the same request by the same sender."""
    if refund.actor_id != actor.pk:
        message = _(
            "This Idempotency-Key was already used by another sender: make your keys unique to your "
            "system, e.g. by starting them with its name."
        )
        raise _error("idempotency_key", message)
    if refund.request_digest != digest:
        raise _error("idempotency_key", _("This Idempotency-Key was already used for a different refund."))
    refund.replayed = True
    return refund


class _Previewed(Exception):
    def __init__(self, refund: Refund) -> None:
        self.refund = refund


def refund_preview(
    *, actor: User, order: Order, reason: str, amount: int | None = None, lines: dict[int, int] | None = None
) -> Refund:
    """The refund `order_refund` would record (amount, promotions_lost and its note), with its
    refusals, without recording anything: it is made and rolled back."""
    try:
        with transaction.atomic():
            raise _Previewed(order_refund(actor=actor, order=order, reason=reason, amount=amount, lines=lines))
    except _Previewed as previewed:
        return previewed.refund


def confirm_first(preview: Refund) -> bool:
    """Whether a refund is shown to the cashier before it is recorded: one that comes to less than
    the items' price (what the items kept lose of a promotion or voucher), recorded once she
    confirms that amount (`expected`)."""
    return preview.promotions_lost > 0


@transaction.atomic
def order_refund(
    *,
    actor: User,
    order: Order,
    reason: str,
    amount: int | None = None,
    lines: dict[int, int] | None = None,
    idempotency_key: str | None = None,
    expected: int | None = None,
) -> Refund:
    """Refund `amount`, or the given quantities of lines (line id -> quantity) at the price paid.
    With `idempotency_key`, a retry of the same request returns the refund made the first time
    (the order's row lock makes retries at once wait for it) and refunds nothing more. `expected`:
    the amount the cashier saw (`refund_preview`); a refund that comes to another amount now (a
    refund recorded meanwhile) is refused."""
    require(actor, "orders.refund")
    digest = ""
    if idempotency_key is not None:
        if not IDEMPOTENCY_KEY.match(idempotency_key):
            raise _error("idempotency_key", _("The Idempotency-Key must be 8 to 100 letters, digits or - _ . :"))
        digest = request_digest({"reason": reason, "amount": amount, "lines": lines})
    order = Order.objects.select_for_update().get(pk=order.pk)
    if not branch_scope(actor).allows(order.branch_id):
        raise ApplicationError(_("Order not found."))
    if idempotency_key is not None:
        earlier = Refund.objects.filter(order=order, idempotency_key=idempotency_key).first()
        if earlier is not None:
            return _replay(earlier, digest, actor)
    if order.status not in (Order.Status.FULFILLED, Order.Status.PARTLY_REFUNDED):
        raise _error("order", _("Only a paid order can be refunded."))
    reason = (reason or "").strip()
    if not reason:
        raise _error("reason", _("Give the reason for the refund."))
    line_quantities: dict[str, int] = {}
    if lines and amount is not None:
        raise _error("amount", _("Refund either an amount or lines, not both."))
    lost: int = 0
    lost_names: list[str] = []  # what the items kept no longer get of promotions and the voucher (`_discounts_lost`)
    if lines:
        own = {line.pk: line for line in order.lines.all()}
        amount = 0
        for line_id, quantity in lines.items():
            line = own.get(int(line_id))
            if line is None:
                raise _error("lines", _("The line %(line)s is not part of this order.") % {"line": line_id})
            left = line.quantity - line.refunded_quantity
            if quantity <= 0:
                message = _("%(item)s: enter how many to take back, between 1 and %(left)s.")
                raise _error("lines", message % {"item": line.description, "left": left})
            if quantity > left:
                message = _("%(item)s: at most %(left)s can be returned.")
                raise _error("lines", message % {"item": line.description, "left": left})
            amount += _share(line.total, line, quantity)
            line_quantities[str(line.pk)] = quantity
        taking = {int(key): quantity for key, quantity in line_quantities.items()}
        lost, lost_names = _discounts_lost(order, list(own.values()), taking)
        amount -= lost
        lines_total = sum(line.total for line in own.values())
        if amount <= 0:
            if lost > 0:
                message = _(
                    "Nothing to refund: these items are worth %(worth)s, and without them what the customer keeps "
                    "no longer gets %(promotions)s (%(amount)s). Take them back together with the rest, or refund "
                    "an amount."
                )
                worth, lost_paid = as_paid(order, amount + lost, lines_total), as_paid(order, lost, lines_total)
                values = {"worth": format_rupiah(worth), "promotions": ", ".join(lost_names)}
                raise _error("lines", message % {**values, "amount": format_rupiah(lost_paid)})
            raise _error("lines", _("Nothing to refund: these items were free."))
        last = all(line.quantity - line.refunded_quantity == taking.get(line.pk, 0) for line in own.values())
        if last and all(refund.lines for refund in order.refunds.all()):
            # The last items, after refunds of items only: what is left of what was paid (PPN added
            # on top, cash rounding). After a refund by amount, the items are refused in their terms.
            amount = order.total - order.refunded_total
        else:
            # The items' share of what was paid, PPN added on top and cash rounding included.
            amount = as_paid(order, amount, lines_total)
    if amount is None:
        raise _error("amount", _("Choose the items to take back or enter an amount."))
    if amount <= 0:
        raise _error("amount", _("Enter an amount greater than zero."))
    left = order.total - order.refunded_total
    if amount > left and line_quantities and order.refunded_total:
        # Earlier refunds by amount leave less than the items are worth: say so in their terms.
        message = _(
            "These items are worth %(amount)s, but only %(left)s of the order is left to refund (earlier "
            "refunds took %(refunded)s): refund an amount instead."
        )
        raise _error(
            "lines",
            message
            % {
                "amount": format_rupiah(amount),
                "left": format_rupiah(left),
                "refunded": format_rupiah(order.refunded_total),
            },
        )
    if amount > left:
        raise _error(
            "lines" if line_quantities else "amount",
            _("At most %(left)s can still be refunded.") % {"left": format_rupiah(left)},
        )
    if expected is not None and amount != expected:
        message = _("The refund now comes to %(amount)s, not %(expected)s as shown: check it again.")
        raise _error(
            "lines" if line_quantities else "amount",
            message % {"amount": format_rupiah(amount), "expected": format_rupiah(expected)},
        )
    for key, count in line_quantities.items():
        OrderLine.objects.filter(pk=int(key)).update(refunded_quantity=F("refunded_quantity") + count)
    refund = Refund.objects.create(
        order=order,
        amount=amount,
        reason=reason[:255],
        lines=line_quantities,
        actor=actor,
        idempotency_key=idempotency_key or "",
        request_digest=digest,
        promotions_lost=lost,
        promotions_note=", ".join(lost_names)[:255],
    )
    order.refunded_total += amount
    order.status = Order.Status.REFUNDED if order.refunded_total == order.total else Order.Status.PARTLY_REFUNDED
    order.save(update_fields=["refunded_total", "status", "updated_at"])
    if order.status == Order.Status.REFUNDED and order.kind == Order.Kind.APPOINTMENT:
        # Paid ahead and refunded in full before her time: the appointment is off, and its
        # stylist's time free again.
        Appointment.objects.filter(
            order=order, status=Appointment.Status.COMPLETED, starts_at__gt=timezone.now()
        ).update(status=Appointment.Status.CANCELLED)
    if order.customer is not None:
        purchases.purchase_refunded(
            actor=actor,
            customer=order.customer,
            source=order.source,
            refund_amount=amount,
            refunded_share=order.refunded_total / order.total if order.total else 1.0,
            at=timezone.now(),
        )
    audit_log(
        actor=actor,
        action="update",
        instance=order,
        subject=order.customer,
        branch_id=order.branch_id,
        changes={"refunded_total": [order.refunded_total - amount, order.refunded_total]},
        message=reason,
    )
    return refund
