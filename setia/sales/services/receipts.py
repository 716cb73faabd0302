"""What an order's documents show (the order page, the printed and emailed receipts), and
receipts sent by email (the WhatsApp receipt is a click-to-chat link the cashier opens)."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Sum
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from setia.accounts.models import User
from setia.accounts.selectors import business_settings, require
from setia.core.audit import audit_log
from setia.core.errors import ApplicationError
from setia.core.money import format_count, format_rupiah
from setia.core.texts import Message
from setia.loyalty.models import VoucherCode, VoucherUse
from setia.loyalty.services import promotions
from setia.sales.models import PAID_STATUSES, Order, Payment
from setia.sales.selectors.refunds import as_paid, order_refunds, paid_with_given_back, rewards_taken_back
from setia.sales.services.checkout import sales_settings


@dataclass
class DiscountLine:
    label: str
    amount: int


def order_discounts(order: Order) -> list[DiscountLine]:
    """The order's discounts, each kind on its own line, labelled by what it is: the member's tier
    discount (the tier and percent kept with the sale, not her tier today), the promotions (by
    name, from the lines they touched) and the voucher (its code). The amounts add up to
    `order.discount_total`.

    An order without a split (recorded before the kinds were kept, imported, or agreed as a quote)
    shows its voucher, known exactly from the voucher's use, and the rest as "Discounts": which
    part was the member's and which the promotions' is not known."""
    if not order.discount_total:
        return []
    found: list[DiscountLine] = []
    split = order.member_discount + order.promotion_discount + order.voucher_discount
    if split:
        if order.member_discount:
            label = (
                _("Member discount (%(tier)s %(percent)s%%)")
                % {"tier": order.member_tier, "percent": f"{order.member_discount_percent.normalize():f}"}
                if order.member_tier
                else _("Member discount")
            )
            found.append(DiscountLine(label, order.member_discount))
        if order.promotion_discount:
            names = sorted({line.promotion_note for line in order.lines.all() if line.promotion_note})
            label = _("Promotions: %(names)s") % {"names": ", ".join(names)} if names else _("Promotions")
            found.append(DiscountLine(label, order.promotion_discount))
        if order.voucher_discount:
            found.append(DiscountLine(_("Voucher %(code)s") % {"code": order.voucher_code}, order.voucher_discount))
        if order.discount_total > split:  # not written by a sale; kept so the lines add up
            found.append(DiscountLine(_("Discounts"), order.discount_total - split))
        return found
    voucher = 0
    if order.voucher_code:
        voucher = VoucherUse.objects.filter(source=order.source).aggregate(total=Sum("discount"))["total"] or 0
        voucher = min(voucher, order.discount_total)
    if order.discount_total > voucher:
        found.append(DiscountLine(_("Discounts"), order.discount_total - voucher))
    if voucher:
        found.append(DiscountLine(_("Voucher %(code)s") % {"code": order.voucher_code}, voucher))
    return found


def tax_added(order: Order) -> bool:
    """Whether the order's PPN was added on top of its prices (prices without PPN) rather than
    included in them. Read from the order's own numbers, not today's settings, so a receipt
    reprinted after the setting changed still tells that sale: with PPN added, the total less
    the cash rounding is the subtotal less the discounts plus the PPN."""
    if not order.tax_total:
        return False
    return order.total - order.rounding == order.subtotal - order.discount_total + order.tax_total


@dataclass
class RefundLine:
    """One refund as the order page and the receipts show it."""

    at: dt.datetime
    amount: int
    reason: str
    by: str  # who recorded it ("" when unknown)
    items: list[str]  # "1 x Sampo" for a refund by line; empty for an amount
    promotions_lost: int = 0  # taken off: the items kept no longer get these promotions (in paid terms: `as_paid`)
    promotions_note: str = ""

    @property
    def promotions_text(self) -> str:
        """What the promotions' re-pricing of the items kept did to this refund: "Less Rp 25.000:
        Shoe and socks no longer applies to the items kept", or what an earlier refund kept back
        coming back with the items that follow; "" when nothing."""
        if self.promotions_lost < 0 and self.promotions_note:
            message = _("Including %(amount)s that an earlier refund kept back for %(promotions)s")
            return message % {"amount": format_rupiah(-self.promotions_lost), "promotions": self.promotions_note}
        if self.promotions_lost < 0:
            message = _("Including %(amount)s that an earlier refund kept back for a promotion")
            return message % {"amount": format_rupiah(-self.promotions_lost)}
        if not self.promotions_lost:
            return ""
        message = _("Less %(amount)s: %(promotions)s no longer applies to the items kept")
        return message % {"amount": format_rupiah(self.promotions_lost), "promotions": self.promotions_note}


def refund_lines(order: Order) -> list[RefundLine]:
    """The order's refunds, oldest first: when, how much, why, who, and which lines."""
    if not order.refunded_total:
        return []
    names = {line.pk: line.description for line in order.lines.all()}
    lines_total = sum(line.total for line in order.lines.all())
    found = []
    for refund in order_refunds(order):
        actor = refund.actor
        items = [f"{quantity} x {names.get(int(line_id), '?')}" for line_id, quantity in (refund.lines or {}).items()]
        by = (actor.get_full_name() or actor.username) if actor is not None else ""
        found.append(
            RefundLine(
                refund.created_at,
                refund.amount,
                refund.reason,
                by,
                items,
                as_paid(order, refund.promotions_lost, lines_total),
                refund.promotions_note,
            )
        )
    return found


@dataclass
class Rewards:
    """What the sale earned the member, and what its refunds took back of it."""

    points: int = 0
    points_back: int = 0
    cashback: int = 0
    cashback_back: int = 0
    codes: list[VoucherCode] = field(default_factory=list)  # codes for next time the sale gave her
    # What the refunds gave back of what she paid with (to her balances), and the rest in money.
    points_given_back: int = 0
    cashback_given_back: int = 0
    money_refunded: int = 0

    @property
    def codes_text(self) -> list[str]:
        return [code_given_text(code) for code in self.codes]


def order_rewards(order: Order, *, codes: bool = True) -> Rewards:
    """`codes`: with the codes the sale gave her (not for a reader who may not see her)."""
    points_back, cashback_back = rewards_taken_back(order)
    given = codes_given(order) if codes else []
    rewards = Rewards(order.points_earned, points_back, order.cashback_earned, cashback_back, given)
    if order.refunded_total:
        points, cashback = paid_with_given_back(order)
        # The points' Rupiah as the sale counted them (the point's value may have changed since).
        paid_in_points = sum(p.amount for p in order.payments.all() if p.method == Payment.Method.POINTS)
        points_value = paid_in_points * points // order.points_redeemed if order.points_redeemed else 0
        rewards.points_given_back, rewards.cashback_given_back = points, cashback
        rewards.money_refunded = max(order.refunded_total - points_value - cashback, 0)
    return rewards


def codes_given(order: Order) -> list[VoucherCode]:
    """The personal codes the sale gave her ("the next one is 20% off"): keyed by the sale."""
    if order.customer_id is None:
        return []
    return promotions.codes_for_purchase(customer_id=order.customer_id, source=order.source)


def code_given_text(code: VoucherCode) -> str:
    """`DKEFEK6C: Diskon lulur berikutnya, until 01/01/2027` — what the customer is told of it."""
    from django.utils import timezone
    from django.utils.formats import date_format

    text = f"{code.code}: {code.reason_text or code.voucher.name}"
    if code.ends_at is not None:
        until = date_format(timezone.localtime(code.ends_at).date(), "SHORT_DATE_FORMAT")
        text += " " + _("(valid until %(date)s)") % {"date": until}
    return text


def cash_received(payments: list[Payment]) -> tuple[int, int]:
    """(cash received, change given) over the order's payments; (0, 0) when no change was given."""
    change = sum(payment.change for payment in payments)
    if not change:
        return 0, 0
    received = sum(payment.tendered or payment.amount for payment in payments if payment.method == "cash")
    return received, change


def receipt_text(order: Order) -> str:
    """The receipt as a plain message (the WhatsApp click-to-chat link), as the printed one reads:
    the business, number and time, lines, subtotal, discounts by kind, PPN when it was added to
    the prices, cash rounding, total (with the PPN it includes when prices included it),
    payments, cash received and change, the refunds and what remains paid, points and cashback
    earned (and what the refunds took back of them), the footer."""
    from django.utils import timezone
    from django.utils.formats import date_format

    placed = date_format(timezone.localtime(order.placed_at), "SHORT_DATETIME_FORMAT")
    text = [business_settings().name, f"{order.number} · {placed}"]
    lines = list(order.lines.all())
    # Each line before its discounts, so that the lines add up to the subtotal the discounts follow.
    text += [
        f"{line.quantity} x {line.description}: {format_rupiah(line.quantity * line.unit_price)}" for line in lines
    ]
    discounts = order_discounts(order)
    added = tax_added(order)
    if discounts or order.rounding or added or len(lines) > 1:
        text.append(_("Subtotal: %(amount)s") % {"amount": format_rupiah(order.subtotal)})
    text += [f"{discount.label}: -{format_rupiah(discount.amount)}" for discount in discounts]
    tax = {"rate": f"{order.tax_rate.normalize():f}", "amount": format_rupiah(order.tax_total)}
    if added:  # a line of the sum, before the rounding
        text.append(_("PPN %(rate)s%%: %(amount)s") % tax)
    if order.rounding:
        text.append(_("Cash rounding: %(amount)s") % {"amount": format_rupiah(order.rounding)})
    text.append(_("Total: %(total)s") % {"total": format_rupiah(order.total)})
    if order.tax_total and not added:
        text.append(_("incl. PPN %(rate)s%%: %(amount)s") % tax)
    payments = list(order.payments.all())
    text += [f"{payment.label}: {format_rupiah(payment.amount)}" for payment in payments]
    received, change = cash_received(payments)
    if change:
        text.append(
            _("Cash received: %(received)s, change: %(change)s")
            % {"received": format_rupiah(received), "change": format_rupiah(change)}
        )
    refunds = refund_lines(order)
    if refunds:
        text.append(_("Refunded:"))
        for refund in refunds:
            at = date_format(timezone.localtime(refund.at), "SHORT_DATETIME_FORMAT")
            text.append(f"{at}: -{format_rupiah(refund.amount)}")
            if refund.promotions_text:
                text.append(f"  ({refund.promotions_text})")
        text.append(_("Paid after refunds: %(amount)s") % {"amount": format_rupiah(order.total - order.refunded_total)})
    rewards = order_rewards(order)
    if rewards.points and rewards.points_back:
        text.append(
            _("Points earned: %(points)s, taken back with the refund: %(back)s")
            % {"points": format_count(rewards.points), "back": format_count(rewards.points_back)}
        )
    elif rewards.points:
        text.append(_("Points earned: %(points)s") % {"points": format_count(rewards.points)})
    if rewards.cashback and rewards.cashback_back:
        text.append(
            _("Cashback earned: %(amount)s, taken back with the refund: %(back)s")
            % {"amount": format_rupiah(rewards.cashback), "back": format_rupiah(rewards.cashback_back)}
        )
    elif rewards.cashback:
        text.append(_("Cashback earned: %(amount)s") % {"amount": format_rupiah(rewards.cashback)})
    text += [_("Your code for next time: %(code)s") % {"code": given} for given in rewards.codes_text]
    footer = sales_settings().receipt_footer
    if footer:
        text.append(footer)
    return "\n".join(text)


def has_receipt(order: Order) -> bool:
    """A receipt is for a sale that was paid: not for a booking not yet done, an order not yet paid
    or a cancelled one."""
    return order.status in PAID_STATUSES


def receipt_context(order: Order, size: str, *, email: bool = False, customer_hidden: bool = False) -> dict[str, Any]:
    """`customer_hidden`: reprinted by staff who may not see her (another branch's customer): her
    name, card and codes are left out."""
    payments = list(order.payments.all())
    received, change = cash_received(payments)
    return {
        "order": order,
        "lines": list(order.lines.all()),
        "payments": payments,
        "discounts": order_discounts(order),
        "cash_received": received,
        "change": change,
        "tax_added": tax_added(order),
        "refunds": refund_lines(order),
        "paid_after_refunds": order.total - order.refunded_total,
        "rewards": order_rewards(order, codes=not customer_hidden),
        "customer_hidden": customer_hidden,
        "size": size,
        "business": business_settings(),
        "footer": sales_settings().receipt_footer,
        "email": email,
    }


def receipt_email(*, actor: User, order: Order) -> str:
    """Send the receipt to the customer's first email address (after the transaction commits)."""
    require(actor, "orders.view")
    from setia.customers.selectors import customers_out_of_view

    if customers_out_of_view(actor=actor, customers=[order.customer]):
        raise ApplicationError(_("The customer belongs to another branch: her receipt is sent from there."))
    email = order.customer.emails.first() if order.customer else None
    if not has_receipt(order):
        raise ApplicationError(_("A receipt is sent once the order is paid."))
    if email is None:
        message = _("The customer has no email address.")
        raise ApplicationError(message, {"email": [message]})
    business = business_settings()
    html = render_to_string("sales/receipt.html", receipt_context(order, "a4", email=True))
    # The plain text (as the WhatsApp receipt reads) for mail programs and phones that show no
    # HTML; the A4 receipt beside it.
    mail = EmailMultiAlternatives(
        subject=_("Receipt %(number)s from %(business)s") % {"number": order.number, "business": business.name},
        body=receipt_text(order),
        to=[email.email],
    )
    mail.attach_alternative(html, "text/html")
    transaction.on_commit(mail.send)
    audit_log(
        actor=actor,
        action="other",
        instance=order,
        subject=order.customer,
        message=Message(gettext_noop("Receipt emailed")),
    )
    return email.email
