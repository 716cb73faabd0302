from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from setia.accounts.models import Branch, BusinessSettings, Team, User
from setia.accounts.roles import Role
from setia.accounts.services import BRANCH_FIELDS
from setia.core.forms import StyledFormMixin
from setia.core.navigation import optional_sections
from setia.core.phones import format_phone


class NationalPhoneMixin:
    """Shows a stored phone (E.164) the way it is written in Indonesia, as the pages show it
    (`0811-2345-678`, not `+628112345678`); the service normalises whatever comes back."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form: Any = self
        if getattr(form.instance, "phone", ""):
            form.initial["phone"] = format_phone(form.instance.phone)


class BranchForm(NationalPhoneMixin, StyledFormMixin, forms.ModelForm[Branch]):
    class Meta:
        model = Branch
        fields = BRANCH_FIELDS  # the ones the branch services may set
        widgets = {
            "opens_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "closes_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }


class TeamForm(StyledFormMixin, forms.ModelForm[Team]):
    class Meta:
        model = Team
        fields = ["name", "branch"]

    def __init__(self, *args: object, branches: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["branch"].empty_label = _("All branches")  # type: ignore[attr-defined]
        if branches is not None:
            self.fields["branch"].queryset = branches  # type: ignore[attr-defined]


class StaffForm(NationalPhoneMixin, StyledFormMixin, forms.ModelForm[User]):
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text=_("At least 10 characters. Leave empty to keep the current password."),
    )

    class Meta:
        model = User
        fields = [
            "username",
            "first_name",
            "last_name",
            "email",
            "phone",
            "role",
            "branch",
            "managed_branches",
            "teams",
            "language",
            "is_active",
        ]
        widgets = {
            "managed_branches": forms.CheckboxSelectMultiple,
            "teams": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: object, creating: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = Branch.objects.filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["managed_branches"].queryset = Branch.objects.filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["teams"].queryset = Team.objects.select_related("branch")  # type: ignore[attr-defined]
        self.fields["email"].required = False
        self.fields["branch"].empty_label = _("No home branch")  # type: ignore[attr-defined]
        if creating:
            self.fields["password"].required = True
            self.fields["password"].help_text = _("At least 10 characters.")
            del self.fields["is_active"]

    def _post_clean(self) -> None:
        # Model validation runs in the service, which reports problems per field.
        pass


class BusinessSettingsForm(NationalPhoneMixin, StyledFormMixin, forms.ModelForm[BusinessSettings]):
    mfa_required_roles = forms.MultipleChoiceField(
        label=_("Roles that must use two-factor sign-in"),
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    sections_in_use = forms.MultipleChoiceField(
        label=_("Parts of Setia this business uses"),
        choices=[],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A part left unticked is hidden from the menu and the quick actions (a salon has no taxi trips)."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        optional = optional_sections()
        field = self.fields["sections_in_use"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(section.key, section.label) for section in optional]
        unused = set(self.instance.unused_sections or [])
        self.initial["sections_in_use"] = [section.key for section in optional if section.key not in unused]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        in_use = set(cleaned.pop("sections_in_use", []) or [])
        cleaned["unused_sections"] = [section.key for section in optional_sections() if section.key not in in_use]
        return cleaned

    class Meta:
        model = BusinessSettings
        fields = [
            "name",
            "address",
            "phone",
            "email",
            "tax_id",
            "logo",
            "share_customers_across_branches",
            "mfa_required_roles",
        ]
        widgets = {"logo": forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"})}


class ProfileForm(NationalPhoneMixin, StyledFormMixin, forms.ModelForm[User]):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "phone", "language"]

    def _post_clean(self) -> None:
        pass


class ApiKeyForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("Which system will use this key?"))
