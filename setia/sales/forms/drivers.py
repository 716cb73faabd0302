"""The driver form of the taxi's driver list. Checking the phone and the plate is the service's."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from setia.accounts.models import Branch
from setia.core.forms import StyledFormMixin


class DriverForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    phone = forms.CharField(label=_("Phone"), max_length=30, help_text=_("E.g. 0812 3456 7890."))
    vehicle_plate = forms.CharField(
        label=_("Number plate"),
        max_length=20,
        help_text=_("E.g. B 1234 XYZ."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters"}),
    )
    vehicle_description = forms.CharField(
        label=_("Vehicle"), max_length=100, required=False, help_text=_("E.g. Toyota Avanza, white.")
    )
    branch = forms.TypedChoiceField(label=_("Home branch"), coerce=int)

    def __init__(self, *args: Any, branches: list[Branch], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.branches = {branch.pk: branch for branch in branches}
        self.fields["branch"].choices = [(branch.pk, branch.name) for branch in branches]  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "phone": data["phone"],
            "vehicle_plate": data["vehicle_plate"],
            "vehicle_description": data["vehicle_description"],
            "branch": self.branches.get(data["branch"]),
        }
