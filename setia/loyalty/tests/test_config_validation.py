"""The loyalty set-up pages read numbers as people here type them ("25.000" is twenty-five
thousand) and refuse values that make no sense at the field, in words — never a constraint's name."""

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django import forms as django_forms
from django.db import models
from django.test import Client

from setia.conftest import Business
from setia.core.forms import WholeNumberField
from setia.loyalty import forms
from setia.loyalty.models import (
    CashbackRule,
    LoyaltySettings,
    Membership,
    Programme,
    Promotion,
    Reward,
    Tier,
    Voucher,
    VoucherCode,
)
from setia.loyalty.services import vouchers

pytestmark = pytest.mark.django_db

CONSTRAINT_NAMES = re.compile(
    r"voucher_percent_range|cashback_percent_range|tier_discount_at_most_100|reward_costs_points|"
    r"voucher_not_over_used|_not_negative|_sign_matches_kind|referral_not_self|Constraint|Batasan"
)


def refused(response: Any, field: str) -> str:
    """The page came back with an error under `field`, and no constraint's name anywhere."""
    page: str = response.content.decode()
    assert response.status_code == 200, response.get("Location")
    assert f'data-field-error="{field}"' in page, page
    assert not CONSTRAINT_NAMES.search(page), CONSTRAINT_NAMES.search(page)
    assert 'data-testid="form-errors"' not in page  # at the field, not in a box at the top
    return page


def saved(response: Any) -> bool:
    """The form was saved (a redirect); otherwise say why not."""
    context = response.context
    assert response.status_code == 302, context and context["form"].errors
    return True


def field_error(response: Any, field: str) -> str:
    match = re.search(rf'data-field-error="{field}">([^<]*)<', response.content.decode())
    assert match, field
    return match.group(1)


# --- Whole numbers typed the Indonesian way -------------------------------------------------------

SETTINGS = {
    "card_prefix": "SLN",
    "spend_unit": "10.000",
    "points_per_unit": "1",
    "point_value": "100",
    "points_expire_months": "12",
    "expiry_notice_days": "30",
    "sign_up_points": "1.000",
    "birthday_points": "0",
    "referral_trigger": "sign_up",
    "referrer_points": "0",
    "referee_points": "0",
    "referral_threshold": "3",
}


def test_settings_read_grouped_thousands(owner: Client) -> None:
    response = owner.post("/loyalty/settings/", SETTINGS)
    assert response.status_code == 302
    config = LoyaltySettings.objects.get()
    assert (config.spend_unit, config.sign_up_points) == (10_000, 1_000)
    owner.post("/loyalty/settings/", {**SETTINGS, "spend_unit": "Rp 25,000"})
    assert LoyaltySettings.objects.get().spend_unit == 25_000


@pytest.mark.parametrize("typed", ["1.5", "abc", "10.00.0"])
def test_a_number_that_is_not_whole_is_refused_saying_what_to_type(owner: Client, typed: str) -> None:
    response = owner.post("/loyalty/settings/", {**SETTINGS, "spend_unit": typed})
    refused(response, "spend_unit")
    assert field_error(response, "spend_unit") == "Enter a whole number, e.g. 25000 or 25.000."
    assert LoyaltySettings.objects.get().spend_unit == 10_000


def test_a_voucher_reads_its_value_and_minimum_spend(owner: Client) -> None:
    data = {"name": "Hemat", "kind": "amount", "value": "25.000", "min_spend": "100.000", "is_active": "on"}
    assert owner.post("/loyalty/vouchers/new/", data).status_code == 302
    voucher = Voucher.objects.get(name="Hemat")
    assert (voucher.value, voucher.min_spend) == (25_000, 100_000)


@pytest.mark.parametrize("kind", ["percent", "amount"])
def test_a_voucher_value_that_is_no_number_gets_one_message_saying_what_to_type(owner: Client, kind: str) -> None:
    data = {"name": "Hemat", "kind": kind, "value": "abc", "min_spend": "0", "is_active": "on"}
    response = owner.post("/loyalty/vouchers/new/", data)
    page = refused(response, "value")
    assert page.count('data-field-error="value"') == 1
    assert field_error(response, "value") == "Enter a whole number, e.g. 25000 or 25.000."
    assert not Voucher.objects.exists()
    # A number out of range still gets the model's own message there.
    response = owner.post("/loyalty/vouchers/new/", {**data, "kind": "percent", "value": "150"})
    refused(response, "value")
    assert field_error(response, "value") == "A percentage must be between 1 and 100."


def test_every_number_of_the_other_forms_reads_grouped_thousands(
    owner: Client, catalogue: dict[str, Any], tiers: dict[str, Tier]
) -> None:
    tier = {"name": "Diamond", "rank": "9", "min_spend": "50.000.000", "min_visits": "1.000"}
    tier |= {"window_days": "365", "discount_percent": "0", "points_multiplier": "1"}
    assert saved(owner.post("/loyalty/tiers/new/", tier))
    diamond = Tier.objects.get(name="Diamond")
    assert (diamond.min_spend, diamond.min_visits) == (50_000_000, 1_000)
    cashback = {"name": "Balik", "percent": "5", "min_spend": "50.000", "max_amount": "Rp 20.000"}
    assert saved(owner.post("/loyalty/cashback/new/", cashback))
    assert CashbackRule.objects.values_list("min_spend", "max_amount").get() == (50_000, 20_000)
    assert saved(owner.post("/loyalty/rewards/new/", {"name": "Masker", "points_cost": "1.500", "stock": "10"}))
    assert Reward.objects.get().points_cost == 1_500
    programme = {"name": "Kembali", "kind": "recovery", "goal": "Win back", "starts_on": "2026-01-01"}
    assert saved(owner.post("/loyalty/programmes/new/", {**programme, "budget": "5.000.000", "cost": "0"}))
    assert Programme.objects.get().budget == 5_000_000


def test_codes_and_adjustments_read_grouped_thousands(
    business: Business, owner: Client, join: Callable[..., Membership]
) -> None:
    voucher = vouchers.voucher_create(actor=business.owner, name="Hemat", kind=Voucher.Kind.AMOUNT, value=10_000)
    response = owner.post(f"/loyalty/vouchers/{voucher.pk}/", {"count": "1", "code": "BANYAK", "max_uses": "1.000"})
    assert response.status_code == 302
    assert VoucherCode.objects.get(code="BANYAK").max_uses == 1_000
    member = join("Ayu")
    adjust = {"balance": "points", "amount": "1.500", "reason": "opening balance"}
    assert owner.post(f"/loyalty/members/{member.customer_id}/adjust/", adjust).status_code == 302
    assert Membership.objects.get(pk=member.pk).points_balance == 1_500
    taken = owner.post(f"/loyalty/members/{member.customer_id}/adjust/", {**adjust, "amount": "-1.000"})
    assert taken.status_code == 302
    assert Membership.objects.get(pk=member.pk).points_balance == 500


def test_every_whole_number_of_the_configuration_forms_is_read_the_indonesian_way() -> None:
    """A form added later gets the field too (ConfigForm's Meta, inherited)."""
    config_forms = [form for form in vars(forms).values() if isinstance(form, type)]
    checked = 0
    for form_class in config_forms:
        if not issubclass(form_class, forms.ConfigForm) or form_class is forms.ConfigForm:
            continue
        for name, field in form_class.base_fields.items():
            model_field = form_class._meta.model._meta.get_field(name)
            if isinstance(model_field, models.IntegerField) and not model_field.choices:
                assert isinstance(field, WholeNumberField), (form_class.__name__, name)
                widget = field.widget
                assert isinstance(widget, django_forms.TextInput), (form_class.__name__, name)
                assert widget.attrs["inputmode"] == "numeric"
                checked += 1
    assert checked > 25
    for form_class, name in [(forms.IssueCodesForm, "count"), (forms.IssueCodesForm, "max_uses")]:
        assert isinstance(form_class.base_fields[name], WholeNumberField)
    assert isinstance(forms.AdjustForm.base_fields["amount"], WholeNumberField)
    # A percentage may have decimals: it stays a DecimalField.
    assert isinstance(forms.TierForm.base_fields["discount_percent"], django_forms.DecimalField)


# --- Tiers -----------------------------------------------------------------------------------------

TIER = {"name": "Diamond", "rank": "9", "min_spend": "0", "min_visits": "0", "window_days": "365"}


def test_a_tier_with_a_negative_member_discount_can_no_longer_be_created(owner: Client) -> None:
    response = owner.post("/loyalty/tiers/new/", {**TIER, "discount_percent": "-10", "points_multiplier": "1"})
    refused(response, "discount_percent")
    assert not Tier.objects.exists()


@pytest.mark.parametrize(
    ("field", "typed"),
    [
        ("discount_percent", "150"),
        ("discount_percent", "-0.5"),
        ("points_multiplier", "-1"),
        ("points_multiplier", "0"),
        ("window_days", "0"),
        ("min_spend", "-5"),
        ("min_visits", "-1"),
    ],
)
def test_a_tier_number_that_makes_no_sense_is_refused_at_its_field(owner: Client, field: str, typed: str) -> None:
    data = {**TIER, "discount_percent": "10", "points_multiplier": "1.5", field: typed}
    refused(owner.post("/loyalty/tiers/new/", data), field)
    assert not Tier.objects.exists()


def test_a_tier_name_is_refused_when_another_differs_only_in_case(owner: Client, tiers: dict[str, Tier]) -> None:
    data = {**TIER, "discount_percent": "5", "points_multiplier": "1"}
    page = refused(owner.post("/loyalty/tiers/new/", {**data, "name": "gold"}), "name")
    assert "Gold" in field_error(owner.post("/loyalty/tiers/new/", {**data, "name": " GOLD "}), "name"), page
    assert Tier.objects.filter(name__iexact="gold").count() == 1
    gold = tiers["gold"]
    edit = {**data, "name": "GOLD", "rank": str(gold.rank), "window_days": "365"}
    assert owner.post(f"/loyalty/tiers/{gold.pk}/edit/", edit).status_code == 302  # her own name, recased
    assert Tier.objects.get(pk=gold.pk).name == "GOLD"


def test_a_valid_tier_is_saved(owner: Client) -> None:
    data = {**TIER, "discount_percent": "100", "points_multiplier": "0.5", "window_days": "1"}
    refused(owner.post("/loyalty/tiers/new/", {**data, "window_days": "3661"}), "window_days")
    assert owner.post("/loyalty/tiers/new/", data).status_code == 302
    tier = Tier.objects.get()
    assert (tier.discount_percent, tier.points_multiplier, tier.window_days) == (100, Decimal("0.5"), 1)


# --- Settings --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "typed"),
    [
        ("spend_unit", "0"),
        ("card_prefix", "se t!"),
        ("card_prefix", "S-1"),
        ("points_expire_months", "100000"),  # year 10360: every member's sale failed
        ("points_expire_months", "121"),
        ("expiry_notice_days", "366"),
    ],
)
def test_settings_that_make_no_sense_are_refused(owner: Client, field: str, typed: str) -> None:
    refused(owner.post("/loyalty/settings/", {**SETTINGS, field: typed}), field)
    config = LoyaltySettings.objects.get()
    assert (config.card_prefix, config.spend_unit) == ("SLN", 10_000)


def test_a_card_prefix_of_letters_and_digits_is_saved_in_capitals(owner: Client) -> None:
    assert owner.post("/loyalty/settings/", {**SETTINGS, "card_prefix": "kmg2"}).status_code == 302
    assert LoyaltySettings.objects.get().card_prefix == "KMG2"


# --- Vouchers --------------------------------------------------------------------------------------

VOUCHER = {"name": "Diskon", "kind": "percent", "value": "10", "min_spend": "0", "is_active": "on"}


@pytest.mark.parametrize(
    ("field", "typed"),
    [
        ("value", "0"),
        ("value", "150"),
        ("usage_limit", "0"),
        ("per_customer_limit", "0"),
        ("max_discount", "0"),
        ("min_spend", "-1"),
    ],
)
def test_a_voucher_number_that_makes_no_sense_is_refused_at_its_field(owner: Client, field: str, typed: str) -> None:
    refused(owner.post("/loyalty/vouchers/new/", {**VOUCHER, field: typed}), field)
    assert not Voucher.objects.exists()


def test_a_voucher_percentage_is_explained_in_words(owner: Client) -> None:
    response = owner.post("/loyalty/vouchers/new/", {**VOUCHER, "value": "150"})
    assert field_error(response, "value") == "A percentage must be between 1 and 100."


def test_empty_usage_limits_mean_unlimited(owner: Client) -> None:
    data = {**VOUCHER, "usage_limit": "", "per_customer_limit": ""}
    assert owner.post("/loyalty/vouchers/new/", data).status_code == 302
    voucher = Voucher.objects.get()
    assert (voucher.usage_limit, voucher.per_customer_limit) == (None, None)


def test_a_usage_limit_below_the_uses_so_far_is_refused_at_the_field(owner: Client, business: Business) -> None:
    voucher = vouchers.voucher_create(actor=business.owner, name="Diskon", kind=Voucher.Kind.PERCENT, value=10)
    Voucher.objects.filter(pk=voucher.pk).update(times_used=5)
    response = owner.post(f"/loyalty/vouchers/{voucher.pk}/edit/", {**VOUCHER, "usage_limit": "3"})
    refused(response, "usage_limit")
    assert "5" in field_error(response, "usage_limit")
    assert Voucher.objects.get(pk=voucher.pk).usage_limit is None


# --- Cashback and rewards --------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["150", "-3", "0"])
def test_a_cashback_percentage_out_of_range_is_refused_at_the_field(owner: Client, typed: str) -> None:
    data = {"name": "Balik", "percent": typed, "min_spend": "0", "returning_only": "on", "is_active": "on"}
    refused(owner.post("/loyalty/cashback/new/", data), "percent")
    assert not CashbackRule.objects.exists()


def test_a_reward_costs_at_least_one_point(owner: Client) -> None:
    response = owner.post("/loyalty/rewards/new/", {"name": "Masker", "points_cost": "0", "is_active": "on"})
    refused(response, "points_cost")
    assert not Reward.objects.exists()


# --- Promotions ------------------------------------------------------------------------------------


def test_a_bundle_dearer_than_its_items_is_refused_naming_their_price(owner: Client, catalogue: dict[str, Any]) -> None:
    cut, shampoo = catalogue["cut"], catalogue["shampoo"]  # Rp 150.000 + Rp 80.000
    data = {"name": "Paket", "kind": "bundle", "product": cut.pk, "reward_product": shampoo.pk, "is_active": "on"}
    response = owner.post("/loyalty/promotions/new/", {**data, "bundle_price": "999.999"})
    refused(response, "bundle_price")
    assert "Rp 230,000" in field_error(response, "bundle_price")
    assert not Promotion.objects.exists()
    assert owner.post("/loyalty/promotions/new/", {**data, "bundle_price": "200.000"}).status_code == 302
    assert Promotion.objects.get().bundle_price == 200_000


@pytest.mark.parametrize(
    ("field", "typed"), [("discount_percent", "150"), ("discount_percent", "-5"), ("next_valid_days", "0")]
)
def test_a_promotion_number_that_makes_no_sense_is_refused_at_its_field(
    owner: Client, catalogue: dict[str, Any], field: str, typed: str
) -> None:
    data = {"name": "Lagi", "kind": "next_discount", "product": catalogue["cut"].pk, "discount_percent": "20"}
    refused(owner.post("/loyalty/promotions/new/", {**data, field: typed}), field)
    assert not Promotion.objects.exists()


def test_earn_rule_multiplier_must_be_above_zero(owner: Client) -> None:
    data = {"name": "Akhir pekan", "kind": "multiplier", "points": "0", "multiplier": "-2", "weekdays": "6,7"}
    refused(owner.post("/loyalty/earn-rules/new/", data), "multiplier")
