"""What loyalty contributes to the customer 360° page: the membership panel (with her stamp
cards), the quick actions, timeline entries, the merge handlers and the new-customer form's "join now" block at the till
(registered in `LoyaltyConfig.ready`)."""

import datetime as dt
from typing import Any

from django.db import connection
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from setia.core.money import format_rupiah
from setia.core.references import Reference
from setia.customers.models import Customer
from setia.customers.timeline import Entry
from setia.loyalty import selectors
from setia.loyalty.models import Membership, PointsEntry, Referral, Reward, Tier, TierChange, WalletEntry
from setia.loyalty.services import ledger, promotions
from setia.loyalty.services.membership import referral_url


def _can(request: HttpRequest, capability: str) -> bool:
    return bool(getattr(request.user, "has_capability", lambda _name: False)(capability))


def membership_panel(request: HttpRequest, customer: Customer) -> dict[str, Any] | None:
    if not _can(request, "loyalty.view"):
        return None
    membership = selectors.membership_for(customer)
    if membership is None or membership.status != Membership.Status.ACTIVE:
        return {"membership": None, "can_enrol": _can(request, "loyalty.enrol")}
    return {
        "membership": membership,
        "stamp_cards": promotions.stamp_cards(customer.pk),
        "summary": selectors.member_summary(membership, actor=request.user),  # type: ignore[arg-type]
        "qr_svg": selectors.card_svg(membership.number, scale=3),
        "referral_link": request.build_absolute_uri(referral_url(membership)),
        "can_adjust": _can(request, "loyalty.adjust"),
        "can_redeem": _can(request, "loyalty.redeem"),
    }


def membership_actions(request: HttpRequest, customer: Customer) -> dict[str, Any] | None:
    if not _can(request, "loyalty.view"):
        return None
    membership = selectors.membership_for(customer)
    active = membership is not None and membership.status == Membership.Status.ACTIVE
    context = {
        "can_join": not active and _can(request, "loyalty.enrol"),
        "can_adjust": active and _can(request, "loyalty.adjust"),
    }
    return context if any(context.values()) else None


_POINT_ICONS: dict[str, str] = {
    PointsEntry.Kind.EARN: "star",
    PointsEntry.Kind.BONUS: "gift",
    PointsEntry.Kind.REDEEM: "bag-check",
    PointsEntry.Kind.EXPIRE: "hourglass-bottom",
    PointsEntry.Kind.REVERSE: "arrow-counterclockwise",
    PointsEntry.Kind.ADJUST: "sliders",
}


def _cashback_title(entry: WalletEntry) -> str:
    """ "Cashback earned: +Rp 14.250" for the cashback a purchase earned, else the movement's kind."""
    amount = ("+" if entry.amount >= 0 else "-") + format_rupiah(abs(entry.amount))
    if entry.kind == WalletEntry.Kind.CASHBACK:
        return _("Cashback earned: %(amount)s") % {"amount": amount}
    return _("Cashback %(kind)s: %(amount)s") % {"kind": entry.get_kind_display(), "amount": amount}


def ledger_source(customer: Customer, before: dt.datetime | None, limit: int) -> list[Entry]:
    """Points and cashback movements, tier changes and joining, newest first."""
    # No query for a customer who is not a member (the caller lookup reads several timelines):
    # joining writes the card number onto the customer record.
    if not customer.member_number:
        return []
    joined = list(Membership.objects.filter(customer=customer).only("id", "number", "joined_at"))
    if not joined:
        return []
    ids = [membership.pk for membership in joined]
    points = PointsEntry.objects.filter(membership_id__in=ids).select_related("actor")
    wallet = WalletEntry.objects.filter(membership_id__in=ids).select_related("actor")
    tiers = TierChange.objects.filter(membership_id__in=ids).select_related("from_tier", "to_tier")
    if before is not None:
        points, wallet = points.filter(created_at__lt=before), wallet.filter(created_at__lt=before)
        tiers = tiers.filter(created_at__lt=before)
        joined = [membership for membership in joined if membership.joined_at < before]
    entries = []
    for entry in points.order_by("-created_at", "-id")[:limit]:
        entries.append(
            Entry(
                at=entry.created_at,
                kind="loyalty",
                icon=_POINT_ICONS.get(entry.kind, "star"),
                title=_("Points %(kind)s: %(points)+d") % {"kind": entry.get_kind_display(), "points": entry.points},
                detail=entry.reason_text,
                actor=str(entry.actor) if entry.actor else "",
                url=reverse("loyalty:member_ledger", args=[customer.pk]),
            )
        )
    for cashback in wallet.order_by("-created_at", "-id")[:limit]:
        entries.append(
            Entry(
                at=cashback.created_at,
                kind="loyalty",
                icon="wallet2",
                title=_cashback_title(cashback),
                detail=cashback.reason_text,
                actor=str(cashback.actor) if cashback.actor else "",
            )
        )
    for change in tiers.order_by("-created_at", "-id")[:limit]:
        entries.append(
            Entry(
                at=change.created_at,
                kind="loyalty",
                icon="award",
                title=_("Tier: %(from)s → %(to)s")
                % {
                    "from": change.from_tier.name if change.from_tier else _("no tier"),
                    "to": change.to_tier.name if change.to_tier else _("no tier"),
                },
                detail=change.reason_text,
                url=reverse("loyalty:member_ledger", args=[customer.pk]),
            )
        )
    for membership in joined:
        entries.append(
            Entry(
                at=membership.joined_at,
                kind="loyalty",
                icon="credit-card-2-front",
                title=_("Joined the loyalty programme: card %(number)s") % {"number": membership.number},
            )
        )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]


def _numbers(ids: list[str]) -> list[int]:
    return [int(key) for key in ids if key.isdigit()]


def _referral_references(ids: list[str]) -> dict[str, Reference]:
    referrals = Referral.objects.filter(pk__in=_numbers(ids)).select_related("referrer__customer", "referee__customer")
    return {
        # Both named: a page showing these to staff who may not see one branch masks the name
        # there (`selectors.ledger_sources`).
        str(referral.pk): Reference(selectors.referral_label(referral))
        for referral in referrals
    }


def _reward_references(ids: list[str]) -> dict[str, Reference]:
    return {
        str(pk): Reference(_("Reward: %(name)s") % {"name": name})
        for pk, name in Reward.objects.filter(pk__in=_numbers(ids)).values_list("pk", "name")
    }


def caller_facts(customer_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Tier and points of the callers who are active members (the caller lookup API, which the
    phone system calls on every ring: one plain statement — the ORM's query building cost ~0.7 ms
    of the ~1 ms it took)."""
    membership, tier = Membership._meta.db_table, Tier._meta.db_table
    marks = ", ".join(["%s"] * len(customer_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT m.customer_id, t.name, m.points_balance FROM {membership} m"
            f" LEFT JOIN {tier} t ON t.id = m.tier_id WHERE m.customer_id IN ({marks}) AND m.status = %s",
            [*customer_ids, Membership.Status.ACTIVE.value],
        )
        return {customer_id: {"tier": name, "points": points} for customer_id, name, points in cursor.fetchall()}


def membership_caller(request: HttpRequest, customer: Customer) -> dict[str, Any] | None:
    """The caller card's line about her membership: card, tier, points."""
    if not _can(request, "loyalty.view"):
        return None
    membership = selectors.membership_for(customer)
    if membership is None or membership.status != Membership.Status.ACTIVE:
        return None
    return {
        "membership": membership,
        "stamp_cards": promotions.stamp_cards(customer.pk),
        "standing": ledger.points_standing(membership),  # past their date: shown apart, not spendable
    }


def register() -> None:
    from setia.core.references import register_reference
    from setia.customers.merge import register_merge_handler
    from setia.customers.panels import CreateExtra, Panel, register_caller_facts, register_create_extra, register_panel
    from setia.customers.timeline import register_source
    from setia.loyalty import walk_in
    from setia.loyalty.services.membership import membership_merge

    register_panel(Panel("loyalty_actions", "loyalty/_actions.html", membership_actions, place="actions", order=20))
    register_panel(Panel("loyalty_membership", "loyalty/_membership_panel.html", membership_panel, "side", 10))
    register_panel(Panel("loyalty_caller", "loyalty/_caller.html", membership_caller, "caller", 5))
    register_caller_facts(caller_facts)
    register_create_extra(
        CreateExtra("loyalty_join", "loyalty/_walk_in_join.html", walk_in.join_form, walk_in.join_save)
    )
    register_source("loyalty", ledger_source)
    register_reference("loyalty.referral", _referral_references)
    register_reference("loyalty.reward", _reward_references)
    register_reference("loyalty.membership", lambda ids: {key: Reference(_("Joining bonus")) for key in ids})
    register_reference(
        "loyalty.birthday", lambda years: {year: Reference(_("Birthday %(year)s") % {"year": year}) for year in years}
    )
    register_merge_handler("loyalty", membership_merge)
    register_merge_handler("loyalty.stamps", promotions.stamps_merge)
