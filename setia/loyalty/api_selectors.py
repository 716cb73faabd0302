"""Reads behind the loyalty API's lists: members, vouchers and their codes, with the actor's
visibility applied as `selectors` applies it to one member (a member is seen by those who may see
her customer record), and what each member's card shows computed for a whole page at once."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from setia.accounts.models import Branch, User
from setia.accounts.selectors import branch_scope, require
from setia.catalog.models import Category, Product
from setia.core.errors import NotFoundError, field_not_found
from setia.customers.selectors import ListFilters, customer_list, customers_out_of_view
from setia.loyalty.models import Membership, PointsEntry, Tier, TierChange, Voucher, VoucherCode, WalletEntry
from setia.loyalty.services import ledger
from setia.loyalty.services.membership import loyalty_settings


@dataclass(frozen=True)
class MemberListFilters:
    tier_id: int | None = None
    branch_id: int | None = None  # the customer's home branch
    query: str = ""  # her name, card number or phone (any form), as the customer list searches
    updated_since: dt.datetime | None = None


def membership_list(*, actor: User, filters: MemberListFilters) -> QuerySet[Membership]:
    """The memberships of the customers the actor may see (not merged away or archived), with the
    filters applied. A tier or branch that does not exist, or a branch the actor may not see, is
    refused at its field (`tier`, `branch_id`) rather than answered with an empty list."""
    require(actor, "loyalty.view")
    if filters.tier_id is not None and not Tier.objects.filter(pk=filters.tier_id).exists():
        raise field_not_found("tier")
    if filters.branch_id is not None and (
        not branch_scope(actor).allows(filters.branch_id) or not Branch.objects.filter(pk=filters.branch_id).exists()
    ):
        raise field_not_found("branch_id")
    query = filters.query.strip()
    card = query.replace(" ", "").upper()
    if card and card != query and Membership.objects.filter(number=card).exists():
        query = card  # a card number typed in small letters (the customers' search takes it as printed)
    customers = customer_list(actor=actor, filters=ListFilters(query=query, branch_id=filters.branch_id))
    members = Membership.objects.filter(customer__in=customers.values("pk")).select_related("tier", "referred_by")
    if filters.tier_id is not None:
        members = members.filter(tier_id=filters.tier_id)
    if filters.updated_since is not None:
        members = members.filter(_changed_since(filters.updated_since))
    return members


def _changed_since(moment: dt.datetime) -> Q:
    """What a member's card shows changed at or after `moment`: the card itself (joining, a
    referral linked), her tier (`tier_since` moves with every change, down to no tier too), or a
    balance — every movement of points or cashback is a ledger entry (balances are moved by
    conditional UPDATEs that leave `updated_at` alone)."""
    return (
        Q(updated_at__gte=moment)
        | Q(tier_since__gte=moment)
        | Exists(PointsEntry.objects.filter(membership=OuterRef("pk"), created_at__gte=moment))
        | Exists(WalletEntry.objects.filter(membership=OuterRef("pk"), created_at__gte=moment))
    )


@dataclass(frozen=True)
class MemberFacts:
    """What a member's card shows besides her membership row."""

    expiring_soon: int  # points she loses within the notice period unless she uses them
    lapsed: int  # points past their date the nightly expiry has not taken yet (not spendable)
    tier_change: TierChange | None  # the latest: why she is in her tier
    point_value: int  # Rupiah one point pays


def member_facts(memberships: Sequence[Membership], *, now: dt.datetime | None = None) -> dict[int, MemberFacts]:
    """`MemberFacts` for many members in a fixed number of queries, however many they are (one
    member's card, or a page of the list), by the rules `ledger` applies to one member."""
    if not memberships:
        return {}
    now = now or timezone.now()
    config = loyalty_settings()
    ids = [member.pk for member in memberships]
    soon = ledger.points_expiring_soon(days=config.expiry_notice_days, now=now, membership_ids=ids)
    lapsed = ledger.points_lapsed_many(memberships, now=now)
    latest = Subquery(
        TierChange.objects.filter(membership=OuterRef("pk")).order_by("-created_at", "-id").values("pk")[:1]
    )
    changes = {
        change.membership_id: change
        for change in TierChange.objects.filter(
            pk__in=Membership.objects.filter(pk__in=ids).annotate(latest=latest).values("latest")
        )
    }
    return {
        member.pk: MemberFacts(
            expiring_soon=soon.get(member.pk, 0),
            lapsed=lapsed[member.pk],
            tier_change=changes.get(member.pk),
            point_value=config.point_value,
        )
        for member in memberships
    }


def voucher_list(*, actor: User, active: bool | None = None) -> QuerySet[Voucher]:
    """Voucher definitions with what they are limited to (`active`: only those switched on, or
    off). Every role that may see the programme sees them, as on the voucher pages."""
    require(actor, "loyalty.view")
    found = Voucher.objects.prefetch_related(
        Prefetch("products", queryset=Product.objects.only("pk")),
        Prefetch("categories", queryset=Category.objects.only("pk")),
        Prefetch("tiers", queryset=Tier.objects.only("pk")),
    )
    if active is not None:
        found = found.filter(is_active=active)
    return found


def voucher_get(*, actor: User, pk: int) -> Voucher:
    voucher = voucher_list(actor=actor).filter(pk=pk).first()
    if voucher is None:
        raise NotFoundError(_("Voucher not found."))
    return voucher


def voucher_codes(*, actor: User, voucher: Voucher) -> QuerySet[VoucherCode]:
    """A voucher's codes with their customers (see `hidden_customers`), as its page lists them."""
    require(actor, "loyalty.view")
    return VoucherCode.objects.filter(voucher=voucher).select_related("voucher", "customer")


def hidden_customers(*, actor: User, codes: Sequence[VoucherCode]) -> frozenset[int]:
    """The customers of `codes` whose branch the actor does not see (a code counts in every
    branch; whom it was issued to stays in her branch)."""
    return customers_out_of_view(actor=actor, customers=[code.customer for code in codes])
