"""Forms parse what people type; the services decide what is allowed."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from setia.core.forms import StyledFormMixin, WholeNumberField, whole_number_formfield
from setia.loyalty.models import (
    CashbackRule,
    EarnRule,
    LoyaltySettings,
    Programme,
    Promotion,
    Reward,
    Tier,
    ValueProposition,
    Voucher,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ConfigForm(StyledFormMixin, forms.ModelForm):
    """A piece of the programme's configuration; many-to-many fields are set by the service.

    Each form's Meta derives from `ConfigForm.Meta`, so every whole number (an amount, points, a
    count) is read as people here type it: "25.000" is twenty-five thousand (`WholeNumberField`)."""

    class Meta:
        formfield_callback = whole_number_formfield

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # an empty list of boxes says so rather than show nothing
            boxes = isinstance(field, forms.ModelMultipleChoiceField) and isinstance(
                field.widget, forms.CheckboxSelectMultiple
            )
            if boxes and field.queryset is not None and not field.queryset.exists():  # type: ignore[attr-defined]
                field.help_text = _("None to choose from yet.")

    def _update_errors(self, errors: ValidationError) -> None:
        """The model's own checks, except at a field whose typed value did not read: there the
        first message says what to fix ("abc" is no number, not a percentage out of range)."""
        if hasattr(errors, "error_dict"):
            kept = {name: found for name, found in errors.error_dict.items() if name not in self.errors}
            if not kept:
                return
            errors = ValidationError(kept)
        super()._update_errors(errors)  # type: ignore[misc]  # Django's own hook, not in its stubs

    def m2m(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data[name]
            for name, field in self.fields.items()
            if isinstance(field, forms.ModelMultipleChoiceField)
        }

    def instance_to_save(self) -> Any:
        return self.save(commit=False)


class SettingsForm(ConfigForm):
    class Meta(ConfigForm.Meta):
        model = LoyaltySettings
        fields = [
            "card_prefix",
            "spend_unit",
            "points_per_unit",
            "point_value",
            "points_expire_months",
            "expiry_notice_days",
            "sign_up_points",
            "birthday_points",
            "referral_trigger",
            "referrer_points",
            "referee_points",
            "referral_threshold",
            "referral_threshold_voucher",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Active vouchers to choose from; a chosen one switched off since stays shown, and saving
        # it says so (`settings_save`).
        field = self.fields["referral_threshold_voucher"]
        current = self.instance.referral_threshold_voucher_id
        field.queryset = Voucher.objects.filter(Q(is_active=True) | Q(pk=current))  # type: ignore[attr-defined]


class TierForm(ConfigForm):
    class Meta(ConfigForm.Meta):
        model = Tier
        fields = [
            "name",
            "rank",
            "min_spend",
            "min_visits",
            "window_days",
            "discount_percent",
            "points_multiplier",
            "free_items",
            "is_active",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The rule is spend OR visits (`services.tiers`): each field says the other is enough too.
        self.fields["min_spend"].help_text = _(
            "Either this spend or the minimum visits within the window is enough to qualify. 0: spend does not count."
        )
        self.fields["min_visits"].help_text = _(
            "Either these visits or the minimum spend within the window is enough to qualify. 0: visits do not "
            "count. With both at 0 every member qualifies."
        )


class EarnRuleForm(ConfigForm):
    class Meta(ConfigForm.Meta):
        model = EarnRule
        fields = [
            "name",
            "kind",
            "product",
            "category",
            "points",
            "multiplier",
            "weekdays",
            "starts_on",
            "ends_on",
            "is_active",
        ]
        widgets = {"starts_on": DATE, "ends_on": DATE}


class CashbackRuleForm(ConfigForm):
    class Meta(ConfigForm.Meta):
        model = CashbackRule
        fields = ["name", "percent", "min_spend", "max_amount", "returning_only", "starts_on", "ends_on", "is_active"]
        widgets = {"starts_on": DATE, "ends_on": DATE}


class RewardForm(ConfigForm):
    class Meta(ConfigForm.Meta):
        model = Reward
        fields = ["name", "points_cost", "stock", "product", "is_active"]


class VoucherForm(ConfigForm):
    class Meta(ConfigForm.Meta):
        model = Voucher
        fields = [
            "name",
            "kind",
            "value",
            "max_discount",
            "free_product",
            "min_spend",
            "valid_from",
            "valid_until",
            "usage_limit",
            "per_customer_limit",
            "tiers",
            "segment",
            "products",
            "categories",
            "is_active",
        ]
        widgets = {
            "valid_from": DATETIME,
            "valid_until": DATETIME,
            "tiers": forms.CheckboxSelectMultiple,
            "categories": forms.CheckboxSelectMultiple,
        }


class PromotionForm(ConfigForm):
    class Meta(ConfigForm.Meta):
        model = Promotion
        fields = [
            "name",
            "kind",
            "product",
            "reward_product",
            "quantity",
            "discount_percent",
            "bundle_price",
            "next_valid_days",
            "starts_on",
            "ends_on",
            "is_active",
        ]
        widgets = {"starts_on": DATE, "ends_on": DATE}

    # The fields each kind of promotion uses; the page shows only those of the kind chosen
    # (static/js/setia.js, `data-show-for-kind`). The service checks what each kind needs.
    FIELDS_OF_KIND = {
        "reward_product": (Promotion.Kind.BUY_X_GET_Y, Promotion.Kind.BUNDLE),
        "quantity": (Promotion.Kind.BUY_X_GET_Y, Promotion.Kind.BUY_N_GET_ONE, Promotion.Kind.STAMP_CARD),
        "discount_percent": (Promotion.Kind.NEXT_DISCOUNT,),
        "next_valid_days": (Promotion.Kind.NEXT_DISCOUNT, Promotion.Kind.STAMP_CARD),
        "bundle_price": (Promotion.Kind.BUNDLE,),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, kinds in self.FIELDS_OF_KIND.items():
            if name in self.fields:
                self.fields[name].widget.attrs["data-show-for-kind"] = " ".join(kinds)
                self.fields[name].required = False  # hidden for other kinds; the service checks its own
        if "quantity" in self.fields:
            self.fields["quantity"].help_text = _("Stamp card: the visits with X that earn a free X (at least 2).")
        if "next_valid_days" in self.fields:
            self.fields["next_valid_days"].help_text = _("Stamp card: how many days the free X's code is valid.")
        if "reward_product" in self.fields:
            self.fields["reward_product"].help_text = _(
                "Buy X, get Y free: empty means X itself (buy N, get one more free)."
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in self.FIELDS_OF_KIND:  # left empty: the model's default (0 %, 30 days)
            field = Promotion._meta.get_field(name)
            if cleaned.get(name) in (None, "") and isinstance(field, models.Field) and field.has_default():
                cleaned[name] = field.get_default()
                setattr(self.instance, name, cleaned[name])
        return cleaned


class ValuePropositionForm(ConfigForm):
    class Meta(ConfigForm.Meta):
        model = ValueProposition
        fields = ["name", "kind", "description", "tiers", "tags", "segments"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "tiers": forms.CheckboxSelectMultiple,
            "tags": forms.CheckboxSelectMultiple,
            "segments": forms.CheckboxSelectMultiple,
        }


class ProgrammeForm(ConfigForm):
    class Meta(ConfigForm.Meta):
        model = Programme
        fields = [
            "name",
            "kind",
            "goal",
            "value_proposition",
            "tiers",
            "tags",
            "segment",
            "earn_rules",
            "vouchers",
            "promotions",
            "starts_on",
            "ends_on",
            "budget",
            "cost",
        ]
        widgets = {
            "starts_on": DATE,
            "ends_on": DATE,
            "tiers": forms.CheckboxSelectMultiple,
            "tags": forms.CheckboxSelectMultiple,
            "earn_rules": forms.CheckboxSelectMultiple,
            "vouchers": forms.CheckboxSelectMultiple,
            "promotions": forms.CheckboxSelectMultiple,
        }


class JoinForm(StyledFormMixin, forms.Form):
    referral_code = forms.CharField(
        label=_("Friend's referral code"), max_length=16, required=False, help_text=_("Optional.")
    )


class ReferralLinkForm(StyledFormMixin, forms.Form):
    referral_code = forms.CharField(label=_("Friend's referral code"), max_length=16)


class WalkInJoinForm(StyledFormMixin, forms.Form):
    """The new-customer form's loyalty block at the till: she joins as she is added."""

    join_member = forms.BooleanField(label=_("Join as member now"), required=False)
    referral_code = forms.CharField(
        label=_("Referral code"),
        max_length=16,
        required=False,
        help_text=_("The code of the friend who brought her, if any. Used when she joins."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # A code typed without the box ticked would be dropped, and the friend's reward with it.
        code = cleaned.get("referral_code", "").strip()
        if code and not cleaned.get("join_member"):
            self.add_error("referral_code", _("Tick “Join as member now” to use the referral code."))
        elif code:
            # Said with the form's other problems (a missing name), not only once they are fixed.
            from setia.loyalty.services.membership import unknown_referral_code

            problem = unknown_referral_code(code)
            if problem:
                self.add_error("referral_code", problem)
        return cleaned


class AdjustForm(StyledFormMixin, forms.Form):
    BALANCES = [("points", _("Points")), ("cashback", _("Cashback (Rp)"))]
    balance = forms.ChoiceField(label=_("Balance"), choices=BALANCES, initial="points")
    # Not "Change": that msgid is also the cash given back at the till ("Kembalian").
    amount = WholeNumberField(
        label=_("Points or cashback to add or remove"),
        help_text=_(
            "Points for the points balance, Rupiah for cashback. Positive adds, negative (with a minus) takes away."
        ),
        min_value=-(10**9),
        max_value=10**9,
    )
    reason = forms.CharField(label=_("Reason"), max_length=255)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Shown again (an error to fix): the label names the balance chosen.
        if self.is_bound:
            chosen = self.data.get("balance")
            if chosen == "points":
                self.fields["amount"].label = _("Points to add or remove")
            elif chosen == "cashback":
                self.fields["amount"].label = _("Cashback to add or remove (Rp)")


class RewardChoiceField(forms.ModelChoiceField):
    spendable: int | None = None  # her points that can be spent: a reward beyond them says how many more

    def label_from_instance(self, obj: Any) -> str:
        left = "" if obj.stock is None else " · " + str(_("%(count)s left") % {"count": obj.stock})
        short = ""
        if self.spendable is not None and obj.points_cost > self.spendable:
            short = " · " + str(_("%(count)s more points needed") % {"count": obj.points_cost - self.spendable})
        return f"{obj.name} — {obj.points_cost} {_('points')}{left}{short}"


class RewardRedeemForm(StyledFormMixin, forms.Form):
    reward = RewardChoiceField(label=_("Reward"), queryset=Reward.objects.filter(is_active=True))

    def __init__(self, *args: Any, spendable: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reward"].spendable = spendable  # type: ignore[attr-defined]


class IssueCodesForm(StyledFormMixin, forms.Form):
    count = WholeNumberField(label=_("How many codes"), min_value=1, initial=1)
    code_prefix = forms.CharField(label=_("Prefix"), max_length=12, required=False, help_text=_("e.g. RAMADAN"))
    code = forms.CharField(
        label=_("Or one code of your choice"), max_length=32, required=False, help_text=_("e.g. WELCOME10")
    )
    max_uses = WholeNumberField(
        label=_("Uses allowed per code"), min_value=1, required=False, initial=1, help_text=_("Empty: no limit.")
    )
    customer = forms.CharField(
        label=_("For one customer"),
        max_length=40,
        required=False,
        help_text=_("Her card number or phone number (empty: anyone may use the codes)."),
    )
    valid_until = forms.DateTimeField(label=_("Codes valid until"), required=False, widget=DATETIME)
