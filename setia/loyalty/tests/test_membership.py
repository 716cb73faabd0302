"""Joining, card numbers, referrals and the threshold reward."""

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import translation

from setia.conftest import Business, client_for
from setia.core.errors import ApplicationError, PermissionDeniedError
from setia.customers.models import Customer
from setia.loyalty.models import LoyaltySettings, Membership, PointsEntry, Referral, Tier, Voucher, VoucherCode
from setia.loyalty.services import membership as services
from setia.loyalty.services.purchases import purchase_recorded
from setia.loyalty.tests.conftest import at

pytestmark = pytest.mark.django_db


def test_joining_gives_a_prefixed_card_number_referral_code_entry_tier_and_welcome_points(
    business: Business, programme: LoyaltySettings, tiers: dict[str, Tier], make_customer: Callable[..., Customer]
) -> None:
    programme.sign_up_points = 50
    programme.save()
    customer = make_customer("Dewi")
    membership = services.membership_join(actor=business.cashier_a, customer=customer)
    assert membership.number == f"SLN{membership.pk:08d}"
    assert len(membership.referral_code) == 7 and membership.referral_code.isupper()
    assert set(membership.referral_code).isdisjoint("01OI")
    assert membership.tier == tiers["silver"] and membership.tier_since is not None
    assert Customer.objects.get(pk=customer.pk).member_number == membership.number
    membership.refresh_from_db()
    assert membership.points_balance == 50
    entry = PointsEntry.objects.get(membership=membership)
    assert (entry.kind, entry.points, entry.balance_after) == ("bonus", 50, 50)
    assert entry.expires_at is not None and entry.expires_at.year == entry.created_at.year + 1


def test_joining_twice_or_without_the_capability_is_refused_and_changes_nothing(
    business: Business, programme: LoyaltySettings, make_customer: Callable[..., Customer]
) -> None:
    customer = make_customer("Dewi")
    services.membership_join(actor=business.cashier_a, customer=customer)
    with pytest.raises(ApplicationError, match="already a member"):
        services.membership_join(actor=business.cashier_a, customer=customer)
    other = make_customer("Rina")
    with pytest.raises(PermissionDeniedError):
        services.membership_join(actor=business.analyst, customer=other)
    with pytest.raises(ApplicationError, match="not found"):
        services.membership_join(actor=business.cashier_b, customer=other)  # another branch's customer
    assert Membership.objects.count() == 1


def test_referral_at_sign_up_rewards_both_once(
    business: Business, programme: LoyaltySettings, join: Callable[..., Membership]
) -> None:
    programme.referral_trigger = LoyaltySettings.ReferralTrigger.SIGN_UP
    programme.referrer_points, programme.referee_points = 100, 30
    programme.save()
    ayu = join("Ayu")
    friend = join("Bunga", referral_code=ayu.referral_code.lower())
    assert friend.referred_by == ayu
    referral = Referral.objects.get(referee=friend)
    assert referral.referrer == ayu and referral.status == Referral.Status.REWARDED
    ayu.refresh_from_db()
    friend.refresh_from_db()
    assert (ayu.points_balance, friend.points_balance) == (100, 30)
    assert PointsEntry.objects.get(membership=ayu).reason == "Referral: a friend joined"
    services.referral_reward(referral=referral, actor=None)  # again: nothing more
    ayu.refresh_from_db()
    assert ayu.points_balance == 100


def test_referral_at_first_purchase_rewards_only_then(
    business: Business, programme: LoyaltySettings, join: Callable[..., Membership]
) -> None:
    programme.referrer_points, programme.referee_points = 100, 30
    programme.spend_unit = 0  # only the referral points, to read the numbers plainly
    programme.save()
    ayu = join("Ayu")
    friend = join("Bunga", referral_code=ayu.referral_code)
    ayu.refresh_from_db()
    assert ayu.points_balance == 0 and Referral.objects.get().status == Referral.Status.JOINED
    purchase_recorded(
        actor=None, customer=friend.customer, source="sale:1", paid=200_000, lines=[], at=at("2026-03-02")
    )
    purchase_recorded(
        actor=None, customer=friend.customer, source="sale:2", paid=200_000, lines=[], at=at("2026-03-03")
    )
    ayu.refresh_from_db()
    friend.refresh_from_db()
    assert (ayu.points_balance, friend.points_balance) == (100, 30)
    assert Referral.objects.get().status == Referral.Status.REWARDED
    # Rewarded as of the purchase that earned it (here recorded days later, as an import does).
    assert Referral.objects.get().rewarded_at == at("2026-03-02")
    assert Referral.objects.get().rewarded_source == "sale:1"  # the purchase that set it off
    rewards = PointsEntry.objects.filter(source__startswith="loyalty.referral:")
    assert set(rewards.values_list("created_at", flat=True)) == {at("2026-03-02")}
    assert {entry.expires_at for entry in rewards} == {services.expiry_from(at("2026-03-02"), programme)}
    assert rewards.get(membership=ayu).reason == "Referral: a friend's first purchase"


def test_a_referral_rewarded_by_a_sale_recorded_later_is_dated_at_the_sale(
    business: Business, programme: LoyaltySettings, join: Callable[..., Membership]
) -> None:
    """Through checkout (the sale's own path for the rewards): a sale placed earlier than it is
    recorded rewards the referral as of the sale."""
    from setia.catalog.models import Product
    from setia.sales.services.checkout import LineIn, PaymentIn, checkout

    programme.referrer_points, programme.referee_points = 100, 30
    programme.save()
    ayu = join("Ayu")
    friend = join("Bunga", referral_code=ayu.referral_code)
    product = Product.objects.create(name="Creambath", price=150_000)
    placed = at("2026-03-02")
    checkout(
        actor=business.cashier_a,
        branch=business.branch_a,
        customer=friend.customer,
        lines=[LineIn(product_id=product.pk, quantity=1)],
        payments=[PaymentIn("cash", 150_000)],
        placed_at=placed,
    )
    referral = Referral.objects.get()
    assert (referral.status, referral.rewarded_at) == (Referral.Status.REWARDED, placed)
    rewards = PointsEntry.objects.filter(source=f"loyalty.referral:{referral.pk}")
    assert sorted(rewards.values_list("points", "created_at")) == [(30, placed), (100, placed)]


def test_unknown_code_and_existing_customer_are_refused_and_nothing_is_created(
    business: Business,
    programme: LoyaltySettings,
    join: Callable[..., Membership],
    make_customer: Callable[..., Customer],
    purchase_history: set[int],
) -> None:
    ayu = join("Ayu")
    with pytest.raises(ApplicationError, match="does not exist") as unknown:
        services.membership_join(actor=business.cashier_a, customer=make_customer("X"), referral_code="NOPE123")
    assert "referral_code" in unknown.value.extra
    old_customer = make_customer("Citra")
    purchase_history.add(old_customer.pk)
    with pytest.raises(ApplicationError, match="already a customer"):
        services.membership_join(actor=business.cashier_a, customer=old_customer, referral_code=ayu.referral_code)
    assert Membership.objects.count() == 1 and not Referral.objects.exists()


def test_linking_a_referral_after_joining_refuses_self_circles_and_second_referrers(
    business: Business, programme: LoyaltySettings, join: Callable[..., Membership]
) -> None:
    ayu, bunga, citra = join("Ayu"), join("Bunga"), join("Citra")
    with pytest.raises(ApplicationError, match="cannot refer herself"):
        services.referral_link(actor=business.cashier_a, membership=ayu, referral_code=ayu.referral_code)
    services.referral_link(actor=business.cashier_a, membership=bunga, referral_code=ayu.referral_code)
    with pytest.raises(ApplicationError, match="circle"):
        services.referral_link(actor=business.cashier_a, membership=ayu, referral_code=bunga.referral_code)
    with pytest.raises(ApplicationError, match="already referred"):
        services.referral_link(actor=business.cashier_a, membership=bunga, referral_code=citra.referral_code)
    assert list(Referral.objects.values_list("referrer__customer__name", "referee__customer__name")) == [
        ("Ayu", "Bunga")
    ]
    ayu.refresh_from_db()
    assert ayu.referred_by is None


def test_threshold_voucher_after_n_friends_is_issued_once(
    business: Business, programme: LoyaltySettings, join: Callable[..., Membership]
) -> None:
    treatment = Voucher.objects.create(name="Free creambath", kind=Voucher.Kind.AMOUNT, value=200_000)
    programme.referral_trigger = LoyaltySettings.ReferralTrigger.SIGN_UP
    programme.referral_threshold = 3
    programme.referral_threshold_voucher = treatment
    programme.save()
    ayu = join("Ayu")
    for number in range(2):
        join(f"Friend {number}", referral_code=ayu.referral_code)
    assert not VoucherCode.objects.exists()
    with translation.override("id"):  # the friend joins while the cashier works in Indonesian
        join("Friend 3", referral_code=ayu.referral_code)
    code = VoucherCode.objects.get()
    assert (code.voucher, code.customer, code.max_uses) == (treatment, ayu.customer, 1)
    # Why it was issued, in each reader's language (her panel and the voucher's page show it).
    with translation.override("en"):
        assert code.reason_text == "Brought 3 friends"
    with translation.override("id"):
        assert code.reason_text == "Mengajak 3 teman"
    client = client_for(business.manager)
    client.cookies["django_language"] = "en"
    panel = client.get(f"/customers/{ayu.customer_id}/").content.decode()
    assert '<span class="text-secondary" data-testid="member-code-reason">(Brought 3 friends)</span>' in panel
    for referral in Referral.objects.all():
        services.referral_reward(referral=referral, actor=None)
    join("Friend 4", referral_code=ayu.referral_code)
    assert VoucherCode.objects.count() == 1


def test_a_threshold_reached_by_a_purchase_recorded_later_is_dated_at_the_purchase(
    business: Business, programme: LoyaltySettings, join: Callable[..., Membership]
) -> None:
    """The third friend's first purchase, recorded days later (an import, the demo's history):
    the free-treatment code is issued as of that purchase, like the referral points."""
    treatment = Voucher.objects.create(name="Free creambath", kind=Voucher.Kind.AMOUNT, value=200_000)
    programme.referral_threshold = 3
    programme.referral_threshold_voucher = treatment
    programme.save()
    ayu = join("Ayu")
    friends = [join(f"Friend {number}", referral_code=ayu.referral_code) for number in range(3)]
    for day, friend in enumerate(friends, start=2):
        moment = at(f"2026-03-0{day}")
        purchase_recorded(actor=None, customer=friend.customer, source=f"sale:{day}", paid=150_000, lines=[], at=moment)
    code = VoucherCode.objects.get()
    assert (code.customer, code.issued_at) == (ayu.customer, at("2026-03-04"))


def test_expiry_date_is_the_same_day_months_later_or_the_months_last_day(programme: LoyaltySettings) -> None:
    assert services.expiry_from(at("2026-01-31"), programme) == at("2027-01-31")
    programme.points_expire_months = 1
    assert services.expiry_from(at("2026-01-31"), programme) == at("2026-02-28")
    programme.points_expire_months = 0
    assert services.expiry_from(at("2026-01-31"), programme) is None


def test_referral_link_is_the_public_invitation_with_the_code(join: Callable[..., Membership]) -> None:
    ayu: Any = join("Ayu")
    assert services.referral_url(ayu) == f"/r/{ayu.referral_code}/"


def test_an_expiry_saved_before_its_limit_still_makes_a_date(programme: LoyaltySettings) -> None:
    """100,000 months was saved before the form's limit of 120: points earned now still expire on
    a date (ten years on), and a member's sale does not fail."""
    LoyaltySettings.objects.filter(pk=programme.pk).update(points_expire_months=100_000)
    programme.refresh_from_db()
    assert services.expiry_from(at("2026-03-02"), programme) == at("2036-03-02")
