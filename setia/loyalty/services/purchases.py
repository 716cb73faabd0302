"""What checkout (in sales) calls: member discount, paying with points or cashback, and the
rewards of a purchase — points, cashback, tier progress, referral rewards, "next one
discounted" codes — and their reversal on a refund. Loyalty sees carts, never orders."""

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from typing import Any, Literal

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from setia.accounts.models import User
from setia.accounts.selectors import require
from setia.core import statements
from setia.core.errors import ApplicationError
from setia.core.texts import Message, stored
from setia.customers.models import Customer
from setia.loyalty.cart import CartLine
from setia.loyalty.models import (
    CashbackRule,
    EarnRule,
    LoyaltySettings,
    Membership,
    PointsEntry,
    QualifyingActivity,
    Referral,
    TierChange,
    VoucherCode,
    WalletEntry,
)
from setia.loyalty.services import config as remembered
from setia.loyalty.services import ledger, promotions, tiers
from setia.loyalty.services.membership import expiry_from, loyalty_settings, referral_reward


@dataclass
class Rewards:
    points: int = 0
    cashback: int = 0
    codes: list[str] = field(default_factory=list)
    explanation: list[str] = field(default_factory=list)


def membership_of(customer_id: int | None) -> Membership | None:
    if customer_id is None:
        return None
    return (
        Membership.objects.select_related("tier", "customer")
        .filter(customer_id=customer_id, status=Membership.Status.ACTIVE)
        .first()
    )


# What a sale needs of the membership; the other fields are read if something asks for them.
_SALE_COLUMNS = statements.Columns(
    Membership, ["id", "customer_id", "number", "status", "tier_id", "points_balance", "wallet_balance"], "m"
)


def membership_for_sale(customer: Customer) -> Membership | None:
    """Lock the customer's row for a sale and read her active membership under the lock: see
    `lock_for_sale`."""
    membership, _also = lock_for_sale(customer)
    return membership


def lock_for_sale(customer: Customer, also: Sequence[str] = ()) -> tuple[Membership | None, tuple[Any, ...]]:
    """Lock the customer's row for a sale and read her active membership under the lock; `also`:
    SQL expressions the caller wants evaluated in the same statement (a new order's id), their
    values returned beside the membership.

    A member's sales are serialised this way: balances, vouchers and tier progress are checked
    against values no other sale is changing. For a member it is one statement, which locks her
    membership row as well (every balance change locks it anyway); for anyone else the customer
    row alone is locked, by a second one. The tier comes from the remembered active tiers (an
    inactive one is read when asked for). On SQLite the transaction holds the database's write
    lock already.
    """
    _found, membership, values = lock_customer_for_sale(customer.pk, (), also)
    if membership is not None:
        membership.customer = customer
    return membership, values


_CUSTOMER_COLUMNS: dict[tuple[str, ...], statements.Columns] = {}


def lock_customer_for_sale(
    customer_id: int, fields: Sequence[str], also: Sequence[str] = ()
) -> tuple[Customer | None, Membership | None, tuple[Any, ...]]:
    """As `lock_for_sale` for a customer known by id: her row (`fields` of it, the rest read if
    asked for) comes from the same statement. (None, None, …) when there is no such customer."""
    names = tuple(sorted({"id", *fields}))
    columns = _CUSTOMER_COLUMNS.get(names)
    if columns is None:
        columns = _CUSTOMER_COLUMNS[names] = statements.Columns(Customer, names, "c")
    lock = " FOR UPDATE" if connection.vendor == "postgresql" else ""
    extra = "".join(f", {expression}" for expression in also)
    rows = statements.run(
        f"SELECT {columns.sql}, {_SALE_COLUMNS.sql}{extra} FROM {Customer._meta.db_table} c "
        f"JOIN {Membership._meta.db_table} m ON m.customer_id = c.id WHERE c.id = %s AND m.status = %s{lock}",
        [customer_id, Membership.Status.ACTIVE.value],
    )
    if not rows:
        rows = statements.run(
            f"SELECT {columns.sql}{extra} FROM {Customer._meta.db_table} c WHERE c.id = %s{lock}", [customer_id]
        )
        if not rows:
            return None, None, (None,) * len(also)
        return columns.instance(rows[0]), None, tuple(rows[0][columns.count :])
    customer: Customer = columns.instance(rows[0])
    membership: Membership = _SALE_COLUMNS.instance(rows[0], columns.count)
    membership.customer = customer
    if membership.tier_id is not None:
        tier = next((tier for tier in remembered.tiers_highest_first() if tier.pk == membership.tier_id), None)
        if tier is not None:
            membership.tier = tier  # shared with the memo: read, never changed
    return customer, membership, tuple(rows[0][columns.count + _SALE_COLUMNS.count :])


def member_discount_percent(membership: Membership | None) -> Decimal:
    if membership is None or membership.tier is None or not membership.tier.is_active:
        return Decimal(0)
    # Within 0 to 100 whatever a tier saved before its form checked the range holds (a negative one
    # would raise the price and break the order's discount rule).
    return min(max(membership.tier.discount_percent, Decimal(0)), Decimal(100))


def _active_on(rules: "list[EarnRule] | list[CashbackRule]", on: dt.date) -> list:
    return [
        rule
        for rule in rules
        if (rule.starts_on is None or rule.starts_on <= on) and (rule.ends_on is None or rule.ends_on >= on)
    ]


def _factor(value: Decimal | int) -> str:
    return f"{Decimal(value).normalize():f}"


def points_for(
    *, membership: Membership, lines: list[CartLine], paid: int, at: dt.datetime, config: LoyaltySettings | None = None
) -> tuple[int, list[str]]:
    """Points a purchase earns, and how: the base rule on the Rupiah paid (not what points or
    cashback paid), extra points per product/category for the items paid for (not one a voucher
    or promotion gave for free), times the tier and promotion multipliers."""
    config = config or remembered.settings()
    on = timezone.localtime(at).date()
    explanation = []
    base = (paid // config.spend_unit) * config.points_per_unit if config.spend_unit else 0
    if base:
        explanation.append(_("%(points)s points for the amount paid") % {"points": base})
    extra = 0
    multiplier = Decimal(1)
    rules = _active_on(remembered.earn_rules(), on)
    for rule in rules:
        if rule.weekdays and str(on.isoweekday()) not in rule.weekdays.replace(" ", "").split(","):
            continue
        if rule.kind == EarnRule.Kind.MULTIPLIER:
            multiplier *= Decimal(rule.multiplier)
            explanation.append(_("x %(factor)s: %(rule)s") % {"factor": _factor(rule.multiplier), "rule": rule.name})
            continue
        matched = sum(
            line.quantity
            for line in lines
            if line.amount > 0
            and (
                (rule.kind == EarnRule.Kind.PRODUCT and line.product_id == rule.product_id)
                or (
                    rule.kind == EarnRule.Kind.CATEGORY
                    and line.category_id is not None
                    and line.category_id == rule.category_id
                )
            )
        )
        if matched and rule.points:
            extra += matched * rule.points
            explanation.append(_("+%(points)s: %(rule)s") % {"points": matched * rule.points, "rule": rule.name})
    if membership.tier is not None and membership.tier.points_multiplier != 1:
        multiplier *= Decimal(membership.tier.points_multiplier)
        explanation.append(
            _("x %(factor)s: tier %(tier)s")
            % {"factor": _factor(membership.tier.points_multiplier), "tier": membership.tier.name}
        )
    points = int((Decimal(base + extra) * multiplier).to_integral_value(rounding=ROUND_FLOOR))
    return points, explanation


def _is_returning(membership: Membership, source: str) -> bool:
    return QualifyingActivity.objects.filter(membership=membership).exclude(source=source).exists()


def cashback_for(
    *, membership: Membership, paid: int, at: dt.datetime, source: str = "", returning: bool | None = None
) -> tuple[int, str]:
    """`returning`: whether she bought before this purchase, when the caller knows (else read)."""
    on = timezone.localtime(at).date()
    best, name = 0, ""
    for rule in _active_on(remembered.cashback_rules(), on):
        if paid < rule.min_spend:
            continue
        if returning is None and rule.returning_only:
            returning = _is_returning(membership, source)
        if rule.returning_only and not returning:
            continue
        amount = int((Decimal(paid) * rule.percent / 100).to_integral_value(rounding=ROUND_FLOOR))
        if rule.max_amount is not None:
            amount = min(amount, rule.max_amount)
        if amount > best:
            best, name = amount, rule.name
    return best, name


def pay_with_points(
    *,
    actor: User,
    membership: Membership,
    points: int,
    source: str,
    at: dt.datetime | None = None,
    fresh: bool = False,
) -> int:
    """Spend points as payment; the Rupiah they are worth. `fresh`: `source` was created in this
    transaction (see `ledger.points_post`)."""
    require(actor, "loyalty.redeem")
    config = remembered.settings()
    if not config.point_value:
        message = _("Paying with points is turned off.")
        raise_points(message)
    if points <= 0:
        raise_points(_("Enter a number of points greater than zero."))

    key = f"{source}:pay"

    def spend() -> None:
        if not fresh and PointsEntry.objects.filter(unique_key=key).exists():
            return  # this payment is recorded already (a retry): nothing to expire or spend
        ledger.expire_lapsed(membership, spend=points, now=at, fresh=fresh)  # past their date: expired, not spent
        ledger.points_post(
            membership=membership,
            kind=PointsEntry.Kind.REDEEM,
            points=-points,
            source=source,
            unique_key=key,
            reason=Message(gettext_noop("Paid with points")),
            actor=actor,
            at=at,
            fresh=fresh,
        )

    if fresh:  # inside the sale's transaction, which rolls back whole on an error
        spend()
    else:  # the expiry and the payment together, under the member's lock
        with transaction.atomic():
            spend()
    return points * config.point_value


def raise_points(message: str) -> None:
    from setia.core.errors import ApplicationError

    raise ApplicationError(message, {"points": [message]})


def pay_with_cashback(
    *,
    actor: User,
    membership: Membership,
    amount: int,
    source: str,
    at: dt.datetime | None = None,
    fresh: bool = False,
) -> None:
    require(actor, "loyalty.redeem")
    if amount <= 0:
        from setia.core.errors import ApplicationError

        message = _("Enter an amount greater than zero.")
        raise ApplicationError(message, {"cashback": [message]})
    ledger.wallet_post(
        membership=membership,
        kind=WalletEntry.Kind.SPEND,
        amount=-amount,
        source=source,
        unique_key=f"{source}:pay",
        reason=Message(gettext_noop("Paid with cashback")),
        actor=actor,
        at=at,
        fresh=fresh,
    )


# Inside a caller's transaction (checkout) no savepoint of its own: nothing here is caught and
# retried, so an error rolls back the caller's whole transaction anyway, and the savepoint cost
# two round trips per sale.
@transaction.atomic(savepoint=False)
def purchase_recorded(
    *,
    actor: User | None,
    customer: Customer,
    source: str,
    paid: int,
    lines: list[CartLine],
    at: dt.datetime,
    apply_rewards: bool = True,
    membership: Membership | Literal["look up"] | None = "look up",
    new_source: bool = False,
    batch: statements.Batch | None = None,
    spent_code: VoucherCode | None = None,
) -> Rewards:
    """A member bought something: count it towards her tier and, unless it is history being
    imported, give its rewards. Safe to call twice for the same `source`.

    `new_source`: the caller created `source` in this transaction (a sale's new order), so
    nothing can have been recorded for it yet, and the member's row is locked for the sale
    (`membership_for_sale`). Nothing is then looked up twice: see `_new_purchase`; its writes go
    into `batch` when one is given (the caller runs it). `spent_code`: the voucher code that
    pays for part of this purchase, if any (a stamp card's own free code earns no stamp)."""
    rewards = Rewards()
    if membership == "look up":  # the caller may pass the membership it already read
        membership = membership_of(customer.pk)
    if membership is None:
        return rewards
    if new_source and apply_rewards:
        return _new_purchase(
            actor=actor,
            customer=customer,
            membership=membership,
            source=source,
            paid=paid,
            lines=lines,
            at=at,
            batch=batch,
            spent_code=spent_code,
        )
    on = timezone.localtime(at).date()
    # One read answers both "is she returning?" and "was this purchase counted already?".
    seen = QualifyingActivity.objects.filter(membership=membership).aggregate(
        other=Count("pk", filter=~Q(source=source)), this=Count("pk", filter=Q(source=source))
    )
    first = not seen["other"]
    if not seen["this"]:
        QualifyingActivity.objects.create(membership=membership, occurred_on=on, amount=paid, visits=1, source=source)
    if not apply_rewards:
        return rewards
    config = remembered.settings()
    points, rewards.explanation = points_for(membership=membership, lines=lines, paid=paid, at=at, config=config)
    if points > 0:
        entry = ledger.points_post(
            membership=membership,
            kind=PointsEntry.Kind.EARN,
            points=points,
            source=source,
            unique_key=f"{source}:earn",
            reason=Message(gettext_noop("Purchase")),
            expires_at=expiry_from(at, config),
            actor=actor,
            at=at,
        )
        rewards.points = entry.points
    cashback, rule_name = cashback_for(membership=membership, paid=paid, at=at, source=source, returning=not first)
    if cashback > 0:
        entry_wallet = ledger.wallet_post(
            membership=membership,
            kind=WalletEntry.Kind.CASHBACK,
            amount=cashback,
            source=source,
            unique_key=f"{source}:cashback",
            reason=rule_name,
            actor=actor,
            at=at,
        )
        rewards.cashback = entry_wallet.amount
    if first and config.referral_trigger == LoyaltySettings.ReferralTrigger.FIRST_PURCHASE:
        referral = Referral.objects.filter(referee=membership, status=Referral.Status.JOINED).first()
        if referral is not None:
            referral_reward(referral=referral, actor=actor, at=at, source=source)
    rewards.codes = promotions.promotions_after_purchase(
        customer=customer, lines=lines, source=source, on=on, spent_code=spent_code
    )
    tiers.tiers_reevaluate(
        today=on,
        membership_ids=[membership.pk],
        upgrade_only=True,
        active_tiers=remembered.tiers_highest_first(),
        current_rank=membership.tier.rank if membership.tier is not None else None,
        at=at,
    )
    return rewards


def _history(
    membership_id: int, on: dt.date, windows: list[int], referral: bool
) -> tuple[bool, dict[int, tuple[int, int]], int | None]:
    """Whether the member bought before, her spend and visits in each tier window ending on `on`
    (one pass over her qualifying rows) and, with `referral`, the referral that made her a member
    and is still to be rewarded (its reward locks and checks it again): one statement."""
    table = QualifyingActivity._meta.db_table
    day = statements.prepared(QualifyingActivity, "occurred_on", on)
    columns = "".join(
        ", COALESCE(SUM(CASE WHEN occurred_on > %s AND occurred_on <= %s THEN amount END), 0)"
        ", COALESCE(SUM(CASE WHEN occurred_on > %s AND occurred_on <= %s THEN visits END), 0)"
        for _window in windows
    )
    params: list[object] = []
    for window in windows:
        since = statements.prepared(QualifyingActivity, "occurred_on", on - dt.timedelta(days=window))
        params += [since, day, since, day]
    if referral:
        columns += f", (SELECT id FROM {Referral._meta.db_table} WHERE referee_id = %s AND status = %s LIMIT 1)"
        params += [membership_id, Referral.Status.JOINED.value]
    row = statements.run(f"SELECT COUNT(*){columns} FROM {table} WHERE membership_id = %s", [*params, membership_id])[0]
    activity = {window: (int(row[1 + 2 * n]), int(row[2 + 2 * n])) for n, window in enumerate(windows)}
    return bool(row[0]), activity, row[-1] if referral else None


_POINTS_COLUMNS = (
    "membership_id",
    "kind",
    "points",
    "balance_after",
    "created_at",
    "expires_at",
    "source",
    "unique_key",
    "reason",
    "reason_args",
    "actor_id",
)
_WALLET_COLUMNS = (
    "membership_id",
    "kind",
    "amount",
    "balance_after",
    "created_at",
    "source",
    "unique_key",
    "reason",
    "reason_args",
    "actor_id",
)
_TIER_CHANGE_COLUMNS = (
    "membership_id",
    "from_tier_id",
    "to_tier_id",
    "created_at",
    "spend",
    "visits",
    "reason",
    "reason_args",
)


def _new_purchase(
    *,
    actor: User | None,
    customer: Customer,
    membership: Membership,
    source: str,
    paid: int,
    lines: list[CartLine],
    at: dt.datetime,
    batch: statements.Batch | None,
    spent_code: VoucherCode | None = None,
) -> Rewards:
    """`purchase_recorded` for a source this transaction created, under the member's lock: the
    same rewards in fewer statements. One read gives "did she buy before?" and her spend in the
    tier windows; then the writes — the purchase's qualifying row, her balances and a tier upgrade
    in one UPDATE of her row, the ledger entries and the tier change — go into `batch` (sent with
    the sale's other writes; without one, sent here). No look-up for entries of this source (there
    are none) and no savepoint (nothing here is caught: an error rolls the whole sale back).

    Her row is locked for the sale, so the balances after are known here; the UPDATE still
    checks the balances it starts from and refuses the sale if they moved (they cannot, short of
    a caller that did not lock). Balances only grow here; the CHECK constraints stand as ever."""
    rewards = Rewards()
    own_batch = batch is None
    writes = batch if batch is not None else statements.Batch()
    on = timezone.localtime(at).date()
    config = remembered.settings()
    active_tiers = remembered.tiers_highest_first()
    current_rank = membership.tier.rank if membership.tier is not None else None
    windows = tiers.windows_to_check(active_tiers, current_rank)
    referral_trigger = config.referral_trigger == LoyaltySettings.ReferralTrigger.FIRST_PURCHASE
    returning, activity, referral_id = _history(membership.pk, on, windows, referral_trigger)
    writes.insert(
        QualifyingActivity,
        ("membership_id", "occurred_on", "amount", "visits", "source"),
        [(membership.pk, on, paid, 1, source)],
    )
    for window in windows:  # the purchase is in every window (it is on their last day)
        spend, visits = activity[window]
        activity[window] = (spend + paid, visits + 1)
    points, rewards.explanation = points_for(membership=membership, lines=lines, paid=paid, at=at, config=config)
    points = max(points, 0)
    cashback, rule_name = cashback_for(membership=membership, paid=paid, at=at, source=source, returning=returning)
    cashback = max(cashback, 0)
    upgrade = (
        tiers.purchase_upgrade(membership=membership, active_tiers=active_tiers, activity=activity) if windows else None
    )
    if points or cashback or upgrade is not None:
        _member_rewards(writes, actor, membership, source, at, config, points, cashback, rule_name, upgrade)
        rewards.points, rewards.cashback = points, cashback
    if not returning and referral_id is not None:
        writes.run()  # the reward moves her balance too: after this purchase's move
        referral_reward(referral=Referral.objects.get(pk=referral_id), actor=actor, at=at, source=source)
    rewards.codes = promotions.promotions_after_purchase(
        customer=customer, lines=lines, source=source, on=on, spent_code=spent_code
    )
    if own_batch:
        writes.run()
    return rewards


def _member_rewards(
    writes: statements.Batch,
    actor: User | None,
    membership: Membership,
    source: str,
    at: dt.datetime,
    config: LoyaltySettings,
    points: int,
    cashback: int,
    rule_name: str,
    upgrade: tiers.Upgrade | None,
) -> None:
    """Her balances (and tier) moved in one UPDATE, and the entries that say why."""
    points_after = membership.points_balance + points
    wallet_after = membership.wallet_balance + cashback
    assignments = "points_balance = %s, wallet_balance = %s"
    params: list[object] = [points_after, wallet_after]
    if upgrade is not None:
        assignments += ", tier_id = %s, tier_since = %s"
        params += [upgrade.tier.pk, statements.prepared(Membership, "tier_since", at)]

    def moved(ids: list[int]) -> None:
        if not ids:
            message = _("The member's balance changed while the sale was being recorded. Try again.")
            raise ApplicationError(message, {"customer": [message]})

    writes.add(
        f"UPDATE {Membership._meta.db_table} SET {assignments} "
        "WHERE id = %s AND points_balance = %s AND wallet_balance = %s RETURNING id",
        [*params, membership.pk, membership.points_balance, membership.wallet_balance],
        moved,
    )
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    if points:
        writes.insert(
            PointsEntry,
            _POINTS_COLUMNS,
            [
                (
                    membership.pk,
                    PointsEntry.Kind.EARN.value,
                    points,
                    points_after,
                    at,
                    expiry_from(at, config),
                    source,
                    f"{source}:earn",
                    *stored(Message(gettext_noop("Purchase"))),  # as `ledger.points_post` stores it
                    actor_id,
                )
            ],
        )
    if cashback:
        writes.insert(
            WalletEntry,
            _WALLET_COLUMNS,
            [
                (
                    membership.pk,
                    WalletEntry.Kind.CASHBACK.value,
                    cashback,
                    wallet_after,
                    at,
                    source,
                    f"{source}:cashback",
                    rule_name[:255],
                    None,
                    actor_id,
                )
            ],
        )
    if upgrade is not None:
        writes.insert(
            TierChange,
            _TIER_CHANGE_COLUMNS,
            [
                (
                    membership.pk,
                    membership.tier_id,
                    upgrade.tier.pk,
                    at,
                    upgrade.spend,
                    upgrade.visits,
                    *stored(upgrade.reason),  # `statements` prepares the values as the fields do
                )
            ],
        )
        membership.tier = upgrade.tier
        membership.tier_since = at
    membership.points_balance, membership.wallet_balance = points_after, wallet_after


@transaction.atomic
def purchase_refunded(
    *, actor: User | None, customer: Customer, source: str, refund_amount: int, refunded_share: float, at: dt.datetime
) -> tuple[int, int]:
    """Give back the refunded share of the points and cashback she paid with, and take back the
    refunded share of what the purchase earned; the spend no longer counts towards the tier; a
    refund of the whole purchase takes back its stamp-card stamps. Returns (points, cashback) taken
    back."""
    if refunded_share >= 1:
        promotions.stamps_reverse(source=source, at=at)
    membership = membership_of(customer.pk)
    if membership is None:
        return 0, 0
    QualifyingActivity.objects.create(
        membership=membership,
        occurred_on=timezone.localtime(at).date(),
        amount=-refund_amount,
        visits=-1 if refunded_share >= 1 else 0,
        source=f"{source}:refund",
    )
    reason = Message(gettext_noop("Refund"))
    ledger.spent_return_source(
        membership=membership,
        source=source,
        refunded_share=refunded_share,
        actor=actor,
        reason=Message(gettext_noop("Refund: what she paid with, given back")),
    )
    points = ledger.points_reverse_source(
        membership=membership, source=source, refunded_share=refunded_share, actor=actor, reason=reason
    )
    cashback = ledger.wallet_reverse_source(
        membership=membership, source=source, refunded_share=refunded_share, actor=actor, reason=reason
    )
    return points, cashback


def birthday_bonus(*, today: dt.date | None = None) -> int:
    """Birthday points for members born on this day (the nightly job); once a year each."""
    today = today or timezone.localdate()
    config = loyalty_settings()
    if not config.birthday_points:
        return 0
    given = 0
    born_today = Q(customer__birthday__month=today.month, customer__birthday__day=today.day)
    if today.month == 2 and today.day == 28 and not calendar.isleap(today.year):
        born_today |= Q(customer__birthday__month=2, customer__birthday__day=29)  # no 29 February this year
    members = Membership.objects.filter(born_today, status=Membership.Status.ACTIVE).exclude(
        points_entries__source=f"loyalty.birthday:{today.year}"
    )
    for membership in members.iterator():
        ledger.points_post(
            membership=membership,
            kind=PointsEntry.Kind.BONUS,
            points=config.birthday_points,
            source=f"loyalty.birthday:{today.year}",
            unique_key=f"birthday:{membership.pk}:{today.year}",
            reason=Message(gettext_noop("Happy birthday")),
            expires_at=expiry_from(timezone.now(), config),
        )
        given += 1
    return given
