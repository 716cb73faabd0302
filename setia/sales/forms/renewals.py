"""Forms of the renewal pages."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from setia.accounts.models import Branch
from setia.catalog.models import Product
from setia.core.forms import StyledFormMixin
from setia.core.money import parse_rupiah
from setia.sales.services.renewals import MAX_TERM_MONTHS, PAYMENT_METHODS


class RupiahField(forms.CharField):
    """Whole Rupiah as typed: 1500000, 1.500.000 or 1,500,000."""

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        text = (super().to_python(value) or "").strip()
        if not text:
            return None
        amount = parse_rupiah(text)
        if amount is None:
            raise ValidationError(_("Enter the amount in whole Rupiah, e.g. 1500000 or 1.500.000."))
        return amount


class SubscriptionForm(StyledFormMixin, forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        required=False,
        help_text=_("E.g. Yearly membership package. Empty: the product's name."),
    )
    product = forms.TypedChoiceField(label=_("Product"), required=False, coerce=int, empty_value=None)
    branch = forms.TypedChoiceField(label=_("Branch"), coerce=int)
    price = RupiahField(label=_("Price per term (Rp)"), widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    term_months = forms.IntegerField(label=_("Term (months)"), min_value=1, max_value=MAX_TERM_MONTHS, initial=12)
    starts_on = forms.DateField(label=_("Starts"), widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, branches: list[Branch], products: list[Product], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["branch"].choices = [(branch.pk, branch.name) for branch in branches]  # type: ignore[attr-defined]
        self.fields["product"].choices = [("", _("— none —"))] + [  # type: ignore[attr-defined]
            (product.pk, product.name) for product in products
        ]


class RenewForm(StyledFormMixin, forms.Form):
    price = RupiahField(
        label=_("Price of the next term (Rp)"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    term_months = forms.IntegerField(label=_("Term (months)"), min_value=1, max_value=MAX_TERM_MONTHS)
    payment_method = forms.ChoiceField(
        label=_("Paid now with"),
        required=False,
        choices=[("", _("Not paid now (no sale recorded)")), *PAYMENT_METHODS],
    )
    note = forms.CharField(label=_("Note"), max_length=255, required=False)


class OutcomeForm(StyledFormMixin, forms.Form):
    note = forms.CharField(label=_("Note"), max_length=255, required=False)
