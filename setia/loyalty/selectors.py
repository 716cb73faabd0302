"""Reads for the loyalty pages and API, with the actor's visibility applied: a member is seen by
those who may see her customer record."""

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import segno
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from setia.accounts.models import User
from setia.accounts.selectors import branch_scope, business_settings, require
from setia.core.errors import NotFoundError
from setia.core.references import Reference, resolve
from setia.customers.models import Customer
from setia.customers.selectors import customer_get, customers_out_of_view
from setia.loyalty.models import (
    CashbackRule,
    LedgerCheck,
    LoyaltySettings,
    Membership,
    PointsEntry,
    Referral,
    Tier,
    TierChange,
    Voucher,
    VoucherCode,
    WalletEntry,
)
from setia.loyalty.services import ledger, vouchers
from setia.loyalty.services.membership import has_purchase_history, loyalty_settings


def member_customer(*, actor: User, customer_id: int) -> Customer:
    """The customer (a merged-away id resolves to the survivor) if the actor may see loyalty and her."""
    require(actor, "loyalty.view")
    return customer_get(actor=actor, pk=customer_id)


def customer_by_reference(*, actor: User, reference: str, field: str = "customer") -> Customer:
    """The one customer a person names at the counter: her card number, her phone number (any
    form) or her customer number. Refused, naming `field`, when nobody or several match."""
    from django.utils.translation import gettext as _

    from setia.core.errors import ApplicationError
    from setia.core.phones import normalize_phone
    from setia.customers.models import CustomerPhone
    from setia.customers.selectors import visible_customers

    require(actor, "loyalty.view")
    text = (reference or "").strip()
    customers = visible_customers(actor)
    found = list(customers.filter(member_number=text.replace(" ", "").upper())[:2])
    if not found and text.isdigit() and len(text) < 9:  # a customer number (an id), not a phone
        found = list(customers.filter(pk=int(text)))
    if not found:
        try:
            number = normalize_phone(text, field=field)
        except ApplicationError:
            number = ""
        if number:
            found = list(customers.filter(pk__in=CustomerPhone.objects.filter(number=number).values("customer_id"))[:2])
    if len(found) == 1:
        return found[0]
    message = (
        _("Several customers share this phone number: enter her card number.")
        if found
        else _("No customer with this card number, phone number or customer number.")
    )
    raise ApplicationError(message, {field: [message]})


def membership_for(customer: Customer) -> Membership | None:
    return (
        Membership.objects.select_related("tier", "referred_by__customer", "branch")
        .filter(customer=customer)
        .order_by("status", "-id")  # the active card first
        .first()
    )


def membership_get(*, actor: User, customer_id: int) -> Membership:
    customer = member_customer(actor=actor, customer_id=customer_id)
    membership = membership_for(customer)
    if membership is None:
        from django.utils.translation import gettext as _

        raise NotFoundError(_("%(name)s is not a member.") % {"name": customer.name})
    return membership


@dataclass(frozen=True)
class Invite:
    """What a friend sees on a member's invitation: nothing of the member but her first name."""

    code: str
    first_name: str
    business: str
    joining_points: int  # every new member's points for joining
    rewarded_at_sign_up: bool  # the referral's points come at joining (else at the first purchase)
    referral_points: int  # the friend's points for joining with the code


def referral_invite(code: str) -> Invite | None:
    """The invitation behind an active member's referral code (None for any other code)."""
    code = code.strip().upper()[:16]
    referrer = (
        Membership.objects.select_related("customer")
        .filter(referral_code=code, status=Membership.Status.ACTIVE)
        .first()
    )
    if referrer is None:
        return None
    config = loyalty_settings()
    return Invite(
        code=code,
        first_name=(referrer.customer.name.split() or [""])[0],
        business=business_settings().name,
        joining_points=config.sign_up_points,
        rewarded_at_sign_up=config.referral_trigger == LoyaltySettings.ReferralTrigger.SIGN_UP,
        referral_points=config.referee_points,
    )


def card_svg(number: str, scale: int = 4, *, fit: bool = False) -> str:
    """The card's QR code as inline SVG (no image file, works offline and in print). With `fit`,
    it has no size of its own and fills the box its page gives it (the printed card's)."""
    return str(segno.make(number, error="m").svg_inline(scale=scale, border=2, dark="#212529", omitsize=fit))


@dataclass(frozen=True)
class MemberSummary:
    membership: Membership
    expiring_soon: int
    expiry_notice_days: int
    codes: list[VoucherCode]
    referrals: list[Referral]
    referred_by: Referral | None
    points: list[PointsEntry]
    wallet: list[WalletEntry]
    tier_change: TierChange | None  # the latest: why she is in her tier (or in none)
    # Friends (or the member who brought her) of branches the viewer does not see: a referral code
    # counts across the business, but their names stay in their own branch.
    out_of_view: frozenset[int] = frozenset()
    # A friend's code can still be linked: nobody brought her and she has bought nothing yet (the
    # programme's rule: referral codes are for new customers).
    can_be_referred: bool = False
    # Points past their date that the nightly expiry has not taken yet: in the balance, not spendable.
    lapsed: int = 0


def member_summary(membership: Membership, *, actor: User, entries: int = 5) -> MemberSummary:
    config = loyalty_settings()
    soon = ledger.points_expiring_soon(days=config.expiry_notice_days, membership_ids=[membership.pk])
    referrals = list(membership.referrals_made.select_related("referee__customer")[:20])
    referred_by = Referral.objects.select_related("referrer__customer").filter(referee=membership).first()
    scope = branch_scope(actor)
    people = [referral.referee.customer for referral in referrals]
    if referred_by is not None:
        people.append(referred_by.referrer.customer)
    return MemberSummary(
        membership=membership,
        expiring_soon=soon.get(membership.pk, 0),
        expiry_notice_days=config.expiry_notice_days,
        codes=vouchers.codes_for_customer(membership.customer),
        referrals=referrals,
        referred_by=referred_by,
        points=list(membership.points_entries.select_related("actor")[:entries]),
        wallet=list(membership.wallet_entries.all()[:entries]),
        tier_change=next(iter(tier_history(membership, limit=1)), None),
        out_of_view=frozenset(person.pk for person in people if not scope.allows(person.home_branch_id)),
        can_be_referred=referred_by is None and not has_purchase_history(membership.customer_id),
        lapsed=ledger.points_lapsed(membership),
    )


def tier_history(membership: Membership, *, limit: int = 50) -> list[TierChange]:
    """The member's tier changes, newest first, each with why."""
    return list(membership.tier_changes.select_related("from_tier", "to_tier")[:limit])


@dataclass
class Overview:
    """The loyalty home page's figures: active members and what the business owes them."""

    members: int
    points: int
    cashback: int
    referrals: int
    tiers: list[tuple[Tier, int]]  # each tier with its active members


def overview() -> Overview:
    active = Q(status=Membership.Status.ACTIVE)
    totals = Membership.objects.filter(active).aggregate(
        points=Sum("points_balance"), cashback=Sum("wallet_balance"), count=Count("id")
    )
    tiers = Tier.objects.annotate(
        member_count=Count("membership", filter=Q(membership__status=Membership.Status.ACTIVE))
    ).order_by("rank")
    return Overview(
        members=totals["count"],
        points=totals["points"] or 0,
        cashback=totals["cashback"] or 0,
        referrals=Referral.objects.count(),
        tiers=[(tier, tier.member_count) for tier in tiers],
    )


def ledger_entries(membership: Membership) -> QuerySet[PointsEntry]:
    return PointsEntry.objects.filter(membership=membership).select_related("actor")


def wallet_entries(membership: Membership) -> QuerySet[WalletEntry]:
    """Her cashback wallet's ledger (the points ledger's counterpart)."""
    return WalletEntry.objects.filter(membership=membership).select_related("actor")


def referral_label(referral: Referral, out_of_view: frozenset[int] = frozenset()) -> str:
    """ "Referral: Putri Halim brought Rina Kusuma", each customer in `out_of_view` (her branch is
    one the reader does not see) named "a member of another branch", as her 360° page does."""
    from django.utils.translation import gettext as _

    def name(customer: Customer) -> str:
        return str(_("a member of another branch")) if customer.pk in out_of_view else customer.name

    return _("Referral: %(member)s brought %(friend)s") % {
        "member": name(referral.referrer.customer),
        "friend": name(referral.referee.customer),
    }


@dataclass(frozen=True)
class ReferralRewarded:
    """What a friend's purchase gave for her referral: to the member who brought her and to her."""

    referrer_name: str
    referrer_id: int | None  # None: her branch is one the reader does not see (named, not linked)
    referrer_points: int
    friend_points: int
    threshold_code: VoucherCode | None  # the referrer reached her threshold with this friend


def referral_rewarded_by(*, actor: User, source: str) -> ReferralRewarded | None:
    """The referral a purchase (`source`, as the ledger names it) rewarded, if any."""
    from django.utils.translation import gettext as _

    referral = (
        Referral.objects.filter(rewarded_source=source)
        .select_related("referrer__customer", "referee__customer", "threshold_code__voucher")
        .first()
    )
    if referral is None or referral.rewarded_at is None:
        return None
    referrer = referral.referrer.customer
    hidden = customers_out_of_view(actor=actor, customers=[referrer])
    points = dict(
        PointsEntry.objects.filter(
            unique_key__in=[f"referral:{referral.pk}:referrer", f"referral:{referral.pk}:referee"]
        ).values_list("unique_key", "points")
    )
    return ReferralRewarded(
        referrer_name=str(_("a member of another branch")) if referrer.pk in hidden else referrer.name,
        referrer_id=None if referrer.pk in hidden else referrer.pk,
        referrer_points=points.get(f"referral:{referral.pk}:referrer", 0),
        friend_points=points.get(f"referral:{referral.pk}:referee", 0),
        threshold_code=referral.threshold_code,
    )


def voucher_codes(*, actor: User, voucher: Voucher, query: str = "") -> QuerySet[VoucherCode] | None:
    """A voucher's codes (matching `query`) for those who issue them; None for anyone else: an
    unused code read off the voucher's page could be handed out (the till checks a code typed)."""
    if not actor.has_capability("loyalty.manage"):
        return None
    codes = VoucherCode.objects.filter(voucher=voucher).select_related("customer", "voucher")
    return search(codes, query, ("code",))


def voucher_code_rows(*, actor: User, voucher: Voucher) -> Iterator[list[str | int]]:
    """A voucher's codes for its CSV: code, maximum uses, uses, customer id and name (a customer of
    a branch the actor does not see is "a member of another branch"; a name a spreadsheet would
    take for a formula is escaped), valid until (local time: the earlier of the code's own end and its
    voucher's, as the page shows). The scope and words are taken now:
    the rows are read as the response streams, after the request's language is let go."""
    from django.utils.translation import gettext as _

    from setia.customers.tabular import escape_cell

    scope = branch_scope(actor)
    other = str(_("a member of another branch"))
    rows = (
        VoucherCode.objects.filter(voucher=voucher)
        .order_by("id")
        .values_list(
            "code", "max_uses", "uses", "customer_id", "customer__name", "customer__home_branch_id", "valid_until"
        )
    )

    def read() -> Iterator[list[str | int]]:
        for code, max_uses, uses, customer_id, name, branch_id, valid_until in rows.iterator(chunk_size=5000):
            if customer_id is not None and not scope.allows(branch_id):
                name = other
            ends = [end for end in (valid_until, voucher.valid_until) if end is not None]
            until = timezone.localtime(min(ends)).isoformat() if ends else ""
            yield [code, max_uses or "", uses, customer_id or "", escape_cell(name or ""), until]

    return read()


def ledger_sources(*, actor: User, entries: Iterable[PointsEntry | WalletEntry]) -> dict[str, Reference]:
    """What each entry came from, by name (`core.references`), with the actor's visibility
    applied: a referral names a friend of a branch the actor does not see as "a member of another
    branch" (a referral code counts across the business; her name stays in her branch)."""
    sources = resolve(entry.source for entry in entries)
    scope = branch_scope(actor)
    if scope.all_branches:
        return sources
    referral_ids = {
        int(key)
        for source in sources
        for kind, key in [source.split(":")[:2]]
        if kind == "loyalty.referral" and key.isdigit()
    }
    referrals = Referral.objects.filter(pk__in=referral_ids).select_related("referrer__customer", "referee__customer")
    for referral in referrals:
        people = (referral.referrer.customer, referral.referee.customer)
        hidden = frozenset(person.pk for person in people if not scope.allows(person.home_branch_id))
        if not hidden:
            continue
        named, masked = referral_label(referral), referral_label(referral, hidden)
        for source, found in sources.items():
            kind, key = source.split(":")[:2]
            if kind == "loyalty.referral" and key == str(referral.pk):  # any suffix ("(refund)") kept
                sources[source] = Reference(masked + found.label.removeprefix(named))
    return sources


def last_check() -> LedgerCheck | None:
    return LedgerCheck.objects.select_related("actor").first()


def search(queryset: QuerySet[Any], query: str, fields: tuple[str, ...] = ("name",)) -> QuerySet[Any]:
    query = query.strip()[:100]
    if not query:
        return queryset
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__icontains": query})
    return queryset.filter(condition)


def today() -> dt.date:
    return timezone.localdate()


def cashback_rules_in_force(on: dt.date | None = None) -> list[CashbackRule]:
    """The active cashback rules whose dates include `on` (today), for the rules in short."""
    on = on or timezone.localdate()
    rules = CashbackRule.objects.filter(is_active=True).filter(
        Q(starts_on__isnull=True) | Q(starts_on__lte=on), Q(ends_on__isnull=True) | Q(ends_on__gte=on)
    )
    return list(rules.order_by("-percent", "name"))
