"""What the programme gives by itself stays usable: a voucher it hands out (the reward for bringing
friends, a stamp card's free X) is not switched off while it is given, and the tier new members
join is switched off last."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from setia.conftest import Business
from setia.core.errors import ApplicationError
from setia.customers.models import Customer
from setia.loyalty.models import LoyaltySettings, Membership, Promotion, Tier, Voucher, VoucherCode
from setia.loyalty.services import programmes
from setia.loyalty.tests.test_config_validation import field_error
from setia.loyalty.tests.test_stamp_card import stamp_codes, visit

pytestmark = pytest.mark.django_db


def switched_off(actor: Any, instance: Voucher | Tier | Promotion) -> None:
    instance.is_active = False
    programmes.config_save(actor=actor, instance=instance)


VOUCHER_FORM = {"name": "Gratis perawatan", "kind": "amount", "value": "150.000", "min_spend": "0"}


@pytest.fixture
def free_treatment(business: Business, programme: LoyaltySettings) -> Voucher:
    voucher = Voucher.objects.create(name="Gratis perawatan", kind=Voucher.Kind.AMOUNT, value=150_000)
    programme.referral_threshold = 3
    programme.referral_threshold_voucher = voucher
    programmes.settings_save(actor=business.owner, config=programme)
    return voucher


def test_the_reward_for_bringing_friends_is_not_switched_off_while_the_settings_give_it(
    business: Business, owner: Client, programme: LoyaltySettings, free_treatment: Voucher
) -> None:
    response = owner.post(f"/loyalty/vouchers/{free_treatment.pk}/edit/", VOUCHER_FORM)  # "active" unticked
    assert field_error(response, "is_active") == (
        "Active: this voucher is the reward for bringing friends (loyalty settings). Choose another threshold "
        "reward there, or set the friends needed to 0, before switching it off."
    )
    assert Voucher.objects.get(pk=free_treatment.pk).is_active
    # With the threshold reward turned off, it may be switched off.
    programme.referral_threshold = 0
    programme.referral_threshold_voucher = None
    programmes.settings_save(actor=business.owner, config=programme)
    assert owner.post(f"/loyalty/vouchers/{free_treatment.pk}/edit/", VOUCHER_FORM).status_code == 302
    assert not Voucher.objects.get(pk=free_treatment.pk).is_active


def test_the_settings_refuse_a_switched_off_voucher_as_the_reward_for_bringing_friends(
    business: Business, owner: Client, programme: LoyaltySettings
) -> None:
    off = Voucher.objects.create(name="Lama", kind=Voucher.Kind.AMOUNT, value=50_000, is_active=False)
    on = Voucher.objects.create(name="Baru", kind=Voucher.Kind.AMOUNT, value=50_000)
    offered = owner.get("/loyalty/settings/").context["form"].fields["referral_threshold_voucher"].queryset
    assert list(offered) == [on]  # the switched-off one is not offered
    programme.referral_threshold = 3
    programme.referral_threshold_voucher = off
    with pytest.raises(ApplicationError) as refused:
        programmes.settings_save(actor=business.owner, config=programme)
    assert refused.value.extra == {
        "referral_threshold_voucher": [
            "Threshold reward: the voucher \u201cLama\u201d is switched off. Choose an active voucher."
        ]
    }
    assert LoyaltySettings.objects.get().referral_threshold_voucher_id is None


def test_a_stamp_cards_free_x_stays_active_while_the_card_runs_and_a_card_switched_on_again_gives_codes_that_work(
    business: Business,
    owner: Client,
    programme: LoyaltySettings,
    catalogue: dict[str, Any],
    join: Callable[..., Membership],
) -> None:
    card = programmes.config_save(
        actor=business.owner,
        instance=Promotion(
            name="Kartu stempel creambath", kind=Promotion.Kind.STAMP_CARD, product=catalogue["cream"], quantity=2
        ),
    )
    assert isinstance(card, Promotion)
    ayu: Customer = join("Ayu").customer
    for _visit in range(2):
        visit(business, ayu, (catalogue["cream"], 1))
    [first] = stamp_codes(ayu)
    given = first.voucher
    form = {
        "name": given.name,
        "kind": "free_item",
        "value": "0",
        "free_product": catalogue["cream"].pk,
        "min_spend": "0",
    }
    response = owner.post(f"/loyalty/vouchers/{given.pk}/edit/", form)
    assert field_error(response, "is_active") == (
        "Active: this voucher is what the promotion \u201cKartu stempel creambath\u201d gives. Switch the promotion "
        "off before switching the voucher off."
    )
    assert Voucher.objects.get(pk=given.pk).is_active
    # The card switched off, then its voucher; the card switched on again gives codes of a new,
    # active voucher, and the till takes them.
    card.refresh_from_db()
    switched_off(business.owner, card)
    assert owner.post(f"/loyalty/vouchers/{given.pk}/edit/", form).status_code == 302
    card.refresh_from_db()
    card.is_active = True
    programmes.config_save(actor=business.owner, instance=card)
    visit(business, ayu, (catalogue["cream"], 1), voucher_code="")
    visit(business, ayu, (catalogue["cream"], 1))
    newest = VoucherCode.objects.filter(customer=ayu, issue_key__startswith="stamp:").latest("pk")
    assert newest.pk != first.pk and newest.voucher_id != given.pk and newest.voucher.is_active
    free = visit(business, ayu, (catalogue["cream"], 1), voucher_code=newest.code)
    assert free.discount_total == catalogue["cream"].price


def test_the_tier_new_members_join_is_switched_off_last(
    business: Business, owner: Client, tiers: dict[str, Tier], join: Callable[..., Membership]
) -> None:
    silver = tiers["silver"]
    form = {"name": "Silver", "rank": "0", "min_spend": "0", "min_visits": "0", "window_days": "365"}
    form |= {"discount_percent": "0", "points_multiplier": "1"}
    response = owner.post(f"/loyalty/tiers/{silver.pk}/edit/", form)  # "active" unticked
    assert field_error(response, "is_active") == (
        "Active: \u201cSilver\u201d is the tier new members join (the lowest rank). Switch the tiers above it off "
        "first, or make another tier the entry tier by giving it a lower rank."
    )
    assert Tier.objects.get(pk=silver.pk).is_active
    assert join("Ayu").tier_id == silver.pk  # not Gold without qualifying
    # A higher tier may be switched off; the entry tier last of all.
    switched_off(business.owner, tiers["platinum"])
    switched_off(business.owner, tiers["gold"])
    assert owner.post(f"/loyalty/tiers/{silver.pk}/edit/", form).status_code == 302
    assert not Tier.objects.filter(is_active=True).exists()


def test_a_rank_another_tier_holds_is_refused_naming_that_tier(owner: Client, tiers: dict[str, Tier]) -> None:
    form = {"name": "Bronze", "rank": "1", "min_spend": "0", "min_visits": "0", "window_days": "365"}
    response = owner.post("/loyalty/tiers/new/", {**form, "discount_percent": "0", "points_multiplier": "1"})
    assert field_error(response, "rank") == "Rank 1 is Gold&#x27;s: give each tier a rank of its own."
    assert 'class="form-control is-invalid"' in response.content.decode()  # the field is outlined too
    assert not Tier.objects.filter(name="Bronze").exists()
