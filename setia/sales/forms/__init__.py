from django import forms

from setia.core.forms import StyledFormMixin
from setia.sales.models import SalesSettings
from setia.sales.services.settings import FIELDS as SETTINGS_FIELDS


class SalesSettingsForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = SalesSettings
        fields = SETTINGS_FIELDS  # the ones the settings service may change
        widgets = {
            "opens_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "closes_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
