from django import forms

from setia.core.forms import StyledFormMixin
from setia.sales.models import SalesSettings
from setia.sales.models.orders import CASH_ROUNDING_MAX
from setia.sales.services.settings import FIELDS as SETTINGS_FIELDS


class SalesSettingsForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = SalesSettings
        fields = SETTINGS_FIELDS  # the ones the settings service may change
        widgets = {
            # The model refuses a larger step, at the field; `max` tells it before saving too.
            "cash_rounding": forms.NumberInput(attrs={"min": 0, "max": CASH_ROUNDING_MAX}),
            "opens_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "closes_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
