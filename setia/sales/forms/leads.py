"""Forms of the lead pages and of the public web form. They only parse input; the rules live in
`setia.sales.services.leads`."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from setia.accounts.models import Branch, User
from setia.core.forms import StyledFormMixin
from setia.sales.models import Lead, LeadAssignmentRule, LeadSource, Pipeline

PHONE_HELP = _("Any format: 0812-3456-7890, +62 812…, 021-…")


def _testids(form: forms.BaseForm, prefix: str) -> None:
    for name, field in form.fields.items():
        field.widget.attrs.setdefault("data-testid", f"{prefix}-{name.replace('_', '-')}")


class OwnerChoiceField(forms.ModelChoiceField):
    """A member of staff by name; one deactivated since (kept by an edit) says so."""

    def label_from_instance(self, obj: Any) -> str:
        name = obj.get_full_name() or obj.get_username()
        return name if obj.is_active else _("%(name)s (no longer active)") % {"name": name}


class LeadForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    company_name = forms.CharField(label=_("Company"), max_length=150, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False, help_text=PHONE_HELP)
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    interest = forms.CharField(
        label=_("Interest / message"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    estimated_value = forms.IntegerField(label=_("Estimated value (Rp)"), required=False, min_value=0)
    source = forms.ModelChoiceField(
        label=_("Source"), queryset=LeadSource.objects.none(), required=False, empty_label=_("No source")
    )
    branch = forms.ModelChoiceField(
        label=_("Branch"), queryset=Branch.objects.none(), required=False, empty_label=_("Automatic")
    )
    owner = OwnerChoiceField(
        label=_("Owner"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("By the assignment rules"),
    )
    next_follow_up = forms.DateField(
        label=_("Next follow-up"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    consent_marketing = forms.BooleanField(label=_("Agreed to marketing messages"), required=False)

    def __init__(
        self,
        *args: Any,
        sources: Any,
        branches: Any,
        owners: list[User],
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = sources  # type: ignore[attr-defined]
        self.fields["branch"].queryset = branches  # type: ignore[attr-defined]
        self.fields["owner"].queryset = User.objects.filter(pk__in=[user.pk for user in owners]).order_by(  # type: ignore[attr-defined]
            "first_name", "username"
        )
        if editing:
            del self.fields["owner"]  # reassigning has its own action on the lead page
            self.fields["branch"].empty_label = _("No branch")  # type: ignore[attr-defined]
        _testids(self, "lead")


class StatusForm(StyledFormMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(value, label) for value, label in Lead.Status.choices if value != Lead.Status.CONVERTED],
    )
    reason = forms.CharField(label=_("Why unqualified"), max_length=255, required=False)


class ConvertForm(StyledFormMixin, forms.Form):
    create_opportunity = forms.BooleanField(label=_("Also create an opportunity"), required=False)
    opportunity_title = forms.CharField(label=_("Opportunity title"), max_length=150, required=False)
    opportunity_value = forms.IntegerField(label=_("Value (Rp)"), required=False, min_value=0)
    pipeline = forms.ModelChoiceField(
        label=_("Pipeline"), queryset=Pipeline.objects.none(), required=False, empty_label=_("Default")
    )

    def __init__(self, *args: Any, pipelines: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if pipelines is None or not pipelines.exists():
            del self.fields["pipeline"]
        else:
            self.fields["pipeline"].queryset = pipelines  # type: ignore[attr-defined]
        _testids(self, "convert")


class LeadSourceForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = LeadSource
        fields = ["name", "active", "form_enabled", "form_title", "form_intro", "form_thanks", "branch"]
        widgets = {"form_intro": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "form_enabled": _("A page anyone can open, for your website or social media profile."),
            "form_title": _("Shown at the top of the form, e.g. “Ask about our packages”."),
            "form_thanks": _("Shown after sending, e.g. “Thank you, we will call you today.”"),
            "branch": _("Leads from this source go to this branch."),
        }

    def __init__(self, *args: Any, branches: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches  # type: ignore[attr-defined]
        _testids(self, "source")


class AssignmentRuleForm(StyledFormMixin, forms.ModelForm):
    assign_to = OwnerChoiceField(
        label=_("Assign to"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Take turns among the branch's sales staff"),
    )

    class Meta:
        model = LeadAssignmentRule
        fields = ["source", "city", "branch", "assign_to", "active"]

    def __init__(self, *args: Any, branches: Any, owners: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches  # type: ignore[attr-defined]
        self.fields["source"].queryset = LeadSource.objects.order_by("name")  # type: ignore[attr-defined]
        self.fields["source"].empty_label = _("Any source")  # type: ignore[attr-defined]
        self.fields["assign_to"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            pk__in=[user.pk for user in owners]
        ).order_by("first_name", "username")
        _testids(self, "rule")


class ImportUploadForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label=_("CSV or XLSX file"))


class PublicLeadForm(forms.Form):
    """The public web form. `website` is a honeypot: hidden from people, filled in by bots."""

    name = forms.CharField(label=_("Your name"), max_length=150)
    phone = forms.CharField(label=_("Phone / WhatsApp"), max_length=40)
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    message = forms.CharField(
        label=_("Message"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    consent = forms.BooleanField(
        label=_("I agree to receive news and offers from this business by WhatsApp, SMS or email."),
        required=False,
    )
    website = forms.CharField(required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name == "website":
                field.widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
                continue
            css = "form-check-input" if name == "consent" else "form-control"
            field.widget.attrs.update({"class": css, "data-testid": f"form-{name}"})
