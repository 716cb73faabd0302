from django import forms

from setia.core.forms import StyledFormMixin
from setia.sales.models import SalesSettings


class SalesSettingsForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = SalesSettings
        fields = [
            "tax_registered",
            "ppn_percent",
            "prices_include_tax",
            "cash_rounding",
            "receipt_footer",
            "opens_at",
            "closes_at",
        ]
        widgets = {
            "opens_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "closes_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
