"""Forms of the pipeline pages. They only parse input; the rules live in
`setia.sales.services.pipeline`."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from setia.accounts.models import Branch, User
from setia.core.forms import StyledFormMixin
from setia.core.money import parse_rupiah
from setia.sales.forms.leads import OwnerChoiceField
from setia.sales.models import LostReason, Stage

LINE_ROWS = 3  # empty product rows offered below the existing ones


class StageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.pipeline.name} · {obj.name} ({obj.probability}%)"


class OpportunityForm(StyledFormMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    stage = StageChoiceField(label=_("Stage"), queryset=Stage.objects.none())
    value = forms.IntegerField(
        label=_("Value (Rp)"),
        min_value=0,
        required=False,
        help_text=_("Leave 0 to use the total of the products below."),
    )
    owner = OwnerChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False, empty_label=_("Me"))
    branch = forms.ModelChoiceField(
        label=_("Branch"), queryset=Branch.objects.none(), required=False, empty_label=_("The customer's branch")
    )
    expected_close = forms.DateField(
        label=_("Expected close"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)

    def __init__(
        self, *args: Any, stages: Any, owners: list[User], branches: Any, editing: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stage"].queryset = stages  # type: ignore[attr-defined]
        self.fields["owner"].queryset = User.objects.filter(pk__in=[owner.pk for owner in owners])  # type: ignore[attr-defined]
        self.fields["branch"].queryset = branches  # type: ignore[attr-defined]
        if editing:
            # The stage changes by moving the card (or "Move to stage"), with its history.
            del self.fields["stage"]
            self.fields["owner"].empty_label = _("Nobody")  # type: ignore[attr-defined]
            self.fields["branch"].empty_label = _("No branch")  # type: ignore[attr-defined]
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("data-testid", f"opportunity-{name.replace('_', '-')}")


def parse_lines(data: Any) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """The product rows of the form: (lines for the service, rows to show again). Blank rows are
    skipped; numbers are passed on as typed so the service names a bad one."""
    lines, rows = [], []
    for product, quantity, price, description in zip(
        data.getlist("line_product"),
        data.getlist("line_quantity"),
        data.getlist("line_price"),
        data.getlist("line_description"),
        strict=False,
    ):
        row = {"product": product.strip(), "quantity": quantity.strip(), "price": price.strip()}
        row["description"] = description.strip()
        rows.append(row)
        if not row["product"] and not row["description"] and not row["price"]:
            continue
        lines.append(
            {
                "product_id": row["product"] or None,
                "quantity": _number(row["quantity"]) if row["quantity"] else 1,
                "unit_price": _number(row["price"]) if row["price"] else None,
                "description": row["description"],
            }
        )
    return lines, rows


def _number(text: str) -> int | str:
    """Digits with Indonesian or English thousands separators as an int; anything else as typed."""
    amount = parse_rupiah(text)
    return text if amount is None else amount


class WinForm(StyledFormMixin, forms.Form):
    create_order = forms.BooleanField(label=_("Create an order from the products"), required=False)
    payment_method = forms.ChoiceField(
        label=_("Paid already?"),
        required=False,
        choices=[("", _("Not yet: place the order unpaid"))],
        help_text=_("Choose how the customer paid to record a paid sale instead."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=255)

    def __init__(self, *args: Any, methods: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["payment_method"].choices = [  # type: ignore[attr-defined]
            ("", _("Not yet: place the order unpaid")),
            *[(method.value, method.label) for method in methods],
        ]


class LoseForm(StyledFormMixin, forms.Form):
    reason = forms.ModelChoiceField(label=_("Reason"), queryset=LostReason.objects.none())
    note = forms.CharField(label=_("Note"), required=False, max_length=255)

    def __init__(self, *args: Any, reasons: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].queryset = reasons  # type: ignore[attr-defined]


class PipelineForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    position = forms.IntegerField(label=_("Order"), min_value=0, initial=0)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class StageForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    probability = forms.IntegerField(label=_("Default probability %"), min_value=0, max_value=100, initial=10)
    position = forms.IntegerField(label=_("Order"), min_value=0, required=False)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class LostReasonForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    position = forms.IntegerField(label=_("Order"), min_value=0, initial=0)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
