import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from setia.accounts.models import Branch, User
from setia.core.errors import ApplicationError
from setia.core.forms import StyledFormMixin
from setia.customers.custom_fields import LIMITED_TYPES
from setia.customers.models import (
    Address,
    ConsentRecord,
    Customer,
    CustomerPhone,
    CustomFieldDefinition,
    District,
    Province,
    Regency,
)
from setia.customers.services import AddressIn, ContactPoints, PhoneIn

FieldType = CustomFieldDefinition.FieldType
PHONE_SLOTS = 3
CONSENT_FIELDS = ["consent_whatsapp", "consent_sms", "consent_email", "consent_notice_version"]
EMAIL_SLOTS = 2


def custom_form_field(definition: CustomFieldDefinition) -> forms.Field:
    common: dict[str, Any] = {
        "label": definition.label,
        "required": definition.required,
        "help_text": definition.help_text,
    }
    choices = [(choice, choice) for choice in definition.choices]
    if definition.field_type == FieldType.LONG_TEXT:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, **common)
    if definition.field_type == FieldType.INTEGER:
        return forms.IntegerField(**common)
    if definition.field_type == FieldType.DECIMAL:
        # Text, not a number input: people type "61,5"; the value is checked by the custom field rules.
        return forms.CharField(max_length=40, widget=forms.TextInput(attrs={"inputmode": "decimal"}), **common)
    if definition.field_type == FieldType.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if definition.field_type == FieldType.BOOLEAN:
        return forms.NullBooleanField(
            widget=forms.Select(choices=[("", "—"), ("true", _("yes")), ("false", _("no"))]), **common
        )
    if definition.field_type == FieldType.CHOICE:
        return forms.ChoiceField(choices=[("", "—"), *choices], **common)
    if definition.field_type == FieldType.MULTI_CHOICE:
        return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **common)
    return forms.CharField(max_length=255, **common)


def _stored_to_initial(definition: CustomFieldDefinition, value: Any) -> Any:
    if value is None:
        return None
    if definition.field_type == FieldType.DATE:
        return dt.date.fromisoformat(value)
    return value


class CustomerForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Customer.Kind.choices, initial=Customer.Kind.PERSON)
    name = forms.CharField(label=_("Name"), max_length=150)
    company = forms.ModelChoiceField(
        label=_("Company"), queryset=Customer.objects.none(), required=False, empty_label=_("No company")
    )
    phone_1 = forms.CharField(
        label=_("Phone"), max_length=40, required=False, help_text=_("Any format: 0812-3456-7890, +62 812…, 021-…")
    )
    phone_1_label = forms.ChoiceField(label=_("Label"), choices=CustomerPhone.Label.choices, required=False)
    phone_2 = forms.CharField(label=_("Second phone"), max_length=40, required=False)
    phone_2_label = forms.ChoiceField(label=_("Label"), choices=CustomerPhone.Label.choices, required=False)
    phone_3 = forms.CharField(label=_("Third phone"), max_length=40, required=False)
    phone_3_label = forms.ChoiceField(label=_("Label"), choices=CustomerPhone.Label.choices, required=False)
    email_1 = forms.CharField(label=_("Email"), max_length=254, required=False)
    email_2 = forms.CharField(label=_("Second email"), max_length=254, required=False)
    address_label = forms.ChoiceField(label=_("Address label"), choices=Address.Label.choices, required=False)
    address_line = forms.CharField(label=_("Street address"), max_length=255, required=False)
    address_landmark = forms.CharField(label=_("Landmark / notes"), max_length=255, required=False)
    address_province = forms.ModelChoiceField(label=_("Province"), queryset=Province.objects.all(), required=False)
    address_regency = forms.ModelChoiceField(label=_("City / regency"), queryset=Regency.objects.none(), required=False)
    address_district = forms.ModelChoiceField(label=_("District"), queryset=District.objects.none(), required=False)
    birthday = forms.DateField(label=_("Birthday"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    gender = forms.ChoiceField(label=_("Gender"), choices=[("", "—"), *Customer.Gender.choices], required=False)
    occupation = forms.CharField(label=_("Occupation"), max_length=100, required=False)
    interests = forms.CharField(label=_("Interests / lifestyle"), required=False, help_text=_("Separate with commas."))
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Separate with commas."))
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"), choices=[("id", "Bahasa Indonesia"), ("en", "English")]
    )
    preferred_channel = forms.ChoiceField(label=_("Preferred channel"), choices=Customer.Channel.choices)
    source = forms.ChoiceField(label=_("Source"), choices=Customer.Source.choices)
    home_branch = forms.ModelChoiceField(label=_("Home branch"), queryset=Branch.objects.none(), required=False)
    owner = forms.ModelChoiceField(label=_("Owner (staff)"), queryset=User.objects.none(), required=False)
    external_id = forms.CharField(label=_("External id"), max_length=64, required=False)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    confirm_duplicate = forms.BooleanField(label=_("Create anyway: this is a different customer"), required=False)
    consent_whatsapp = forms.BooleanField(label=_("Agrees to marketing by WhatsApp"), required=False)
    consent_sms = forms.BooleanField(label=_("Agrees to marketing by SMS"), required=False)
    consent_email = forms.BooleanField(label=_("Agrees to marketing by email"), required=False)
    consent_notice_version = forms.CharField(
        label=_("Privacy notice version"),
        max_length=30,
        required=False,
        help_text=_("The version of the privacy notice the customer was shown."),
    )

    def __init__(
        self,
        *args: Any,
        definitions: list[CustomFieldDefinition],
        branches: Any,
        companies: Any,
        customer: Customer | None = None,
        **kwargs: Any,
    ) -> None:
        self.definitions = definitions
        self.customer = customer
        if customer is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_from(customer)
        super().__init__(*args, **kwargs)
        self.fields["home_branch"].queryset = branches  # type: ignore[attr-defined]
        self.fields["owner"].queryset = User.objects.filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["company"].queryset = companies  # type: ignore[attr-defined]
        province = self.data.get("address_province") or self.initial.get("address_province")
        regency = self.data.get("address_regency") or self.initial.get("address_regency")
        if province:
            self.fields["address_regency"].queryset = Regency.objects.filter(province_id=province)  # type: ignore[attr-defined]
        if regency:
            self.fields["address_district"].queryset = District.objects.filter(regency_id=regency)  # type: ignore[attr-defined]
        for definition in definitions:
            field = custom_form_field(definition)
            self.fields[f"cf_{definition.key}"] = field
            if customer is not None:
                self.initial.setdefault(
                    f"cf_{definition.key}", _stored_to_initial(definition, customer.custom.get(definition.key))
                )
        for name in ("address_province", "address_regency", "address_district", "home_branch", "owner"):
            self.fields[name].empty_label = "—"  # type: ignore[attr-defined]
        self.apply_styles()
        if customer is None:
            del self.fields["version"]
        else:  # consent of an existing customer is recorded on her page, with its history
            for name in CONSENT_FIELDS:
                del self.fields[name]

    @staticmethod
    def initial_from(customer: Customer) -> dict[str, Any]:
        phones = list(customer.phones.all())
        emails = list(customer.emails.all())
        address = next(iter(customer.addresses.all()), None)
        initial: dict[str, Any] = {
            "kind": customer.kind,
            "name": customer.name,
            "company": customer.company_id,
            "birthday": customer.birthday,
            "gender": customer.gender,
            "occupation": customer.occupation,
            "preferred_language": customer.preferred_language,
            "preferred_channel": customer.preferred_channel,
            "source": customer.source,
            "home_branch": customer.home_branch_id,
            "owner": customer.owner_id,
            "external_id": customer.external_id or "",
            "notes": customer.notes,
            "version": customer.version,
            "tags": ", ".join(tag.name for tag in customer.tags.all() if tag.kind == "label"),
            "interests": ", ".join(tag.name for tag in customer.tags.all() if tag.kind == "interest"),
        }
        for index, phone in enumerate(phones[:PHONE_SLOTS], start=1):
            initial[f"phone_{index}"] = phone.number
            initial[f"phone_{index}_label"] = phone.label
        for index, email in enumerate(emails[:EMAIL_SLOTS], start=1):
            initial[f"email_{index}"] = email.email
        if address is not None:
            initial.update(
                address_label=address.label,
                address_line=address.line,
                address_landmark=address.landmark,
                address_province=address.province_id,
                address_regency=address.regency_id,
                address_district=address.district_id,
            )
        return initial

    def contacts(self) -> ContactPoints:
        data = self.cleaned_data
        phones = [
            PhoneIn(data[f"phone_{i}"], data.get(f"phone_{i}_label") or CustomerPhone.Label.MOBILE)
            for i in range(1, PHONE_SLOTS + 1)
            if data.get(f"phone_{i}")
        ]
        emails = [data[f"email_{i}"] for i in range(1, EMAIL_SLOTS + 1) if data.get(f"email_{i}")]
        addresses = []
        existing = next(iter(self.customer.addresses.all()), None) if self.customer else None
        # Addresses beyond the first are kept as they are; the form edits the first one.
        kept = [AddressIn.from_model(a) for a in (list(self.customer.addresses.all())[1:] if self.customer else [])]
        if data.get("address_line"):
            addresses.append(
                AddressIn(
                    line=data["address_line"],
                    label=data.get("address_label") or Address.Label.HOME,
                    landmark=data.get("address_landmark") or "",
                    province_id=data["address_province"].pk if data.get("address_province") else None,
                    regency_id=data["address_regency"].pk if data.get("address_regency") else None,
                    district_id=data["address_district"].pk if data.get("address_district") else None,
                    id=existing.pk if existing else None,
                )
            )
        return ContactPoints(phones=phones, emails=emails, addresses=addresses + kept)

    def custom_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for definition in self.definitions:
            value = self.cleaned_data.get(f"cf_{definition.key}")
            values[definition.key] = "" if value is None else value
        return values

    def profile(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "company": data.get("company"),
            "birthday": data.get("birthday"),
            "gender": data.get("gender") or "",
            "occupation": data.get("occupation") or "",
            "preferred_language": data["preferred_language"],
            "preferred_channel": data["preferred_channel"],
            "source": data["source"],
            "owner": data.get("owner"),
            "external_id": data.get("external_id") or None,
            "notes": data.get("notes") or "",
        }

    def marketing_consent(self) -> list[str]:
        """The channels ticked on the new-customer form."""
        channels = {"consent_whatsapp": "whatsapp", "consent_sms": "sms", "consent_email": "email"}
        return [channel for name, channel in channels.items() if self.cleaned_data.get(name)]

    @staticmethod
    def split(text: str) -> list[str]:
        return [part.strip() for part in (text or "").split(",") if part.strip()]


# How staff hear a customer's consent: told in person or by phone ("recorded by staff"), or a
# signed form.
STAFF_CONSENT_SOURCES = [
    ConsentRecord.Source.IN_PERSON,
    ConsentRecord.Source.PHONE,
    ConsentRecord.Source.FORM,
    ConsentRecord.Source.STAFF,
]


class ConsentForm(StyledFormMixin, forms.Form):
    """One consent statement recorded by staff: a channel and purpose, given or withdrawn."""

    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=ConsentRecord.Channel.choices,
        error_messages={
            "required": _("Channel: choose a channel."),
            "invalid_choice": _("Channel: “%(value)s” is not a channel. Choose email, SMS, WhatsApp or phone call."),
        },
    )
    purpose = forms.ChoiceField(
        label=_("Purpose"),
        choices=ConsentRecord.Purpose.choices,
        error_messages={
            "required": _("Purpose: choose a purpose."),
            "invalid_choice": _("Purpose: “%(value)s” is not a purpose. Choose marketing or profiling."),
        },
    )
    granted = forms.ChoiceField(
        label=_("Consent"),
        choices=[("given", _("given")), ("withdrawn", _("withdrawn"))],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Consent: choose given or withdrawn."),
            "invalid_choice": _("Consent: choose given or withdrawn."),
        },
    )
    source = forms.ChoiceField(
        label=_("How the customer said it"),
        choices=[(source.value, source.label) for source in STAFF_CONSENT_SOURCES],
        initial=ConsentRecord.Source.IN_PERSON,
        help_text=_("“Recorded by staff”: any other way the customer told staff."),
        error_messages={"invalid_choice": _("How the customer said it: “%(value)s” is not one of the choices.")},
    )
    notice_version = forms.CharField(
        label=_("Privacy notice version"),
        max_length=30,
        help_text=_("The version of the privacy notice the customer was shown."),
        error_messages={"required": _("Privacy notice version: enter the version the customer was shown.")},
    )

    def labelled_errors(self) -> list[str]:
        """Every error as one line that names its field ("Channel: …"), for the top of the form."""
        lines = []
        for name, errors in self.errors.items():
            label = str(self.fields[name].label) if name in self.fields else ""
            for error in errors:
                text = str(error)
                lines.append(f"{label}: {text}" if label and not text.startswith(f"{label}:") else text)
        return lines

    def record(self) -> dict[str, Any]:
        """The values as the consent service takes them."""
        data = self.cleaned_data
        return {
            "channel": data["channel"],
            "purpose": data["purpose"],
            "granted": data["granted"] == "given",
            "source": data["source"],
            "notice_version": data["notice_version"],
        }


class CustomFieldForm(StyledFormMixin, forms.ModelForm[CustomFieldDefinition]):
    choices_text = forms.CharField(
        label=_("Choices"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("For single and multiple choice: one choice per line."),
    )
    # Text, not number inputs: the same two boxes hold numbers ("61,5") or dates ("01/01/1940");
    # the service reads them as the field's type. Shown only for those types, or when filled (setia.js).
    minimum = forms.CharField(
        label=_("Minimum"),
        max_length=40,
        required=False,
        help_text=_(
            "For whole numbers, decimal numbers and dates (the earliest date). "
            "Values already saved are kept; one outside the limits is refused only when someone changes it."
        ),
    )
    maximum = forms.CharField(
        label=_("Maximum"),
        max_length=40,
        required=False,
        help_text=_("For dates: the latest date. Leave both empty for no limit."),
    )

    class Meta:
        model = CustomFieldDefinition
        fields = ["label", "key", "field_type", "required", "help_text", "group", "position"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limited = " ".join(sorted(LIMITED_TYPES))
        for name in ("minimum", "maximum"):
            self.fields[name].widget.attrs.update(
                {"data-show-for-kind": limited, "data-kind-select": "field_type", "data-show-when-filled": ""}
            )
        if self.instance.pk:
            self.fields["key"].disabled = True
            self.fields["field_type"].disabled = True
            self.initial["choices_text"] = "\n".join(self.instance.choices)
            if self.instance.field_type in LIMITED_TYPES:
                for name in ("minimum", "maximum"):  # as stored ("61.5", "1940-01-01"): both are read back
                    stored = getattr(self.instance, name)
                    self.initial[name] = "" if stored is None else str(stored)
            else:  # the type cannot change, so these boxes would never apply
                del self.fields["minimum"], self.fields["maximum"]

    def choices(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get("choices_text", "").splitlines() if line.strip()]

    def _post_clean(self) -> None:
        pass  # the service validates


def form_error(error: ApplicationError) -> ApplicationError:
    """The service names fields as `custom.<key>` and `phones.0`; the form calls them `cf_<key>` and `phone_1`."""
    renamed: dict[str, Any] = {}
    for name, messages in error.extra.items():
        if name.startswith("custom."):
            name = f"cf_{name[7:]}"
        elif name.startswith("phones."):
            name = f"phone_{int(name[7:]) + 1}"
        elif name.startswith("emails."):
            name = f"email_{int(name[7:]) + 1}"
        elif name.startswith("addresses."):
            name = "address_line"
        elif name == "notice_version":
            name = "consent_notice_version"
        renamed[name] = messages
    return ApplicationError(error.message, renamed)
