"""A refund gives back what she paid with: the refunded share of the points and cashback goes back
to her balances (the rest is money), while the share of what the sale earned is taken back."""

from django.urls import reverse

from setia.conftest import Business, client_for
from setia.loyalty.models import Membership, PointsEntry, WalletEntry
from setia.loyalty.services import ledger, membership
from setia.sales.services import refunds
from setia.sales.services.checkout import LineIn, PaymentIn, checkout


def test_points_and_cashback_paid_go_back_with_the_refund(business: Business, shop: dict) -> None:
    member = membership.membership_join(actor=business.cashier_a, customer=shop["customer"])
    ledger.points_post(membership=member, kind=PointsEntry.Kind.ADJUST, points=100, reason="Saldo awal")
    ledger.wallet_post(membership=member, kind=WalletEntry.Kind.ADJUST, amount=10_000, reason="Saldo awal")
    order, _created = checkout(
        actor=business.cashier_a,
        branch=business.branch_a,
        customer=shop["customer"],
        lines=[LineIn(product_id=shop["creambath"].pk, quantity=1)],  # Rp 150.000
        points=20,  # Rp 2.000
        cashback=4_000,
        payments=[PaymentIn("qris", 144_000)],
    )
    member.refresh_from_db()
    earned = order.points_earned
    assert (member.points_balance, member.wallet_balance) == (100 - 20 + earned, 6_000)
    refunds.order_refund(actor=business.manager, order=order, reason="Tidak cocok", amount=30_000)  # a fifth
    member.refresh_from_db()
    assert member.points_balance == 100 - 20 + earned + 4 - round(earned * 0.2)
    assert member.wallet_balance == 6_000 + 800
    order.refresh_from_db()
    refunds.order_refund(actor=business.manager, order=order, reason="Tidak cocok", amount=120_000)  # the rest
    member.refresh_from_db()
    assert (member.points_balance, member.wallet_balance) == (100, 10_000)  # as before the sale
    page = client_for(business.manager)
    page.cookies["django_language"] = "en"
    html = page.get(reverse("sales:order_detail", args=[order.pk])).content.decode()
    assert 'data-testid="refunded-money">Rp 144,000<' in html  # what was paid in money
    assert 'data-testid="points-given-back">20<' in html and 'data-testid="cashback-given-back">Rp 4,000<' in html
    assert Membership.objects.get(pk=member.pk).points_balance == sum(
        PointsEntry.objects.filter(membership=member).values_list("points", flat=True)
    )


def test_items_worth_more_than_is_left_after_a_refund_by_amount_are_refused_in_their_terms(
    business: Business, shop: dict
) -> None:
    import pytest

    from setia.core.errors import ApplicationError

    order, _created = checkout(
        actor=business.cashier_a,
        branch=business.branch_a,
        customer=None,
        lines=[LineIn(product_id=shop["creambath"].pk, quantity=1)],
        payments=[PaymentIn("qris", 150_000)],
    )
    refunds.order_refund(actor=business.manager, order=order, reason="Sebagian", amount=50_000)
    order.refresh_from_db()
    line = order.lines.get()
    with pytest.raises(ApplicationError) as refused:
        refunds.order_refund(actor=business.manager, order=order, reason="Kembali", lines={line.pk: 1})
    assert refused.value.message == (
        "These items are worth Rp 150,000, but only Rp 100,000 of the order is left to refund (earlier "
        "refunds took Rp 50,000): refund an amount instead."
    )
    assert list(refused.value.extra) == ["lines"]
    order.refresh_from_db()
    line.refresh_from_db()
    assert (order.refunded_total, line.refunded_quantity) == (50_000, 0)


def test_points_given_back_keep_the_validity_they_had(business: Business, shop: dict) -> None:
    """Points a refund gives back return to the lots they were taken from: past their date they
    expire at the next run, still valid they expire on their lot's date (not never)."""
    import datetime as dt

    from django.utils import timezone

    member = membership.membership_join(actor=business.cashier_a, customer=shop["customer"])
    now = timezone.now()
    ledger.points_post(
        membership=member,
        kind=PointsEntry.Kind.BONUS,
        points=100,
        reason="Bonus",
        expires_at=now + dt.timedelta(days=1),
    )
    ledger.points_post(
        membership=member,
        kind=PointsEntry.Kind.BONUS,
        points=50,
        reason="Bonus",
        expires_at=now + dt.timedelta(days=60),
    )
    order, _created = checkout(
        actor=business.cashier_a,
        branch=business.branch_a,
        customer=shop["customer"],
        lines=[LineIn(product_id=shop["creambath"].pk, quantity=1)],
        points=100,  # the oldest lot, Rp 10.000
        payments=[PaymentIn("qris", 140_000)],
    )
    earned = order.points_earned
    refunds.order_refund(actor=business.manager, order=order, reason="Batal", amount=order.total)  # all of it
    member.refresh_from_db()
    assert member.points_balance == 150  # the 100 paid with are back; what the sale earned is taken back
    assert PointsEntry.objects.filter(membership=member, kind="reverse").get().points == -earned
    # A merge moves the same lots (`_unused_lots`): the sale's own lot is what its refund took back.
    from setia.loyalty.services.membership import _unused_lots

    assert [points for _expires, points in _unused_lots(member)] == [100, 50]
    # The first lot's date passes: the 100 given back were its points, and they expire with it.
    assert ledger.points_expire_due(now=now + dt.timedelta(days=2)) == 100
    member.refresh_from_db()
    assert member.points_balance == 50
    assert ledger.points_expire_due(now=now + dt.timedelta(days=61)) == 50
    member.refresh_from_db()
    assert (
        member.points_balance
        == 0
        == sum(PointsEntry.objects.filter(membership=member).values_list("points", flat=True))
    )
