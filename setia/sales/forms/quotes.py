"""Forms of the quote pages. The lines are repeated inputs (`line_product`, `line_description`,
`line_quantity`, `line_price`, `line_discount`) read by `lines_from`, like the cashier's cart."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from setia.accounts.models import Branch
from setia.core.forms import StyledFormMixin
from setia.core.money import parse_rupiah
from setia.core.pagination import parse_id
from setia.sales.models import Quote, SalesSettings
from setia.sales.services.quotes import QuoteLineIn


class QuoteForm(StyledFormMixin, forms.Form):
    branch = forms.TypedChoiceField(label=_("Branch"), coerce=int)
    title = forms.CharField(
        label=_("Subject"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. Wedding package for 20 guests")}),
    )
    valid_until = forms.DateField(label=_("Valid until"), widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(label=_("Notes for the customer"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    terms = forms.CharField(label=_("Terms"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, branches: list[Branch], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["branch"].choices = [(branch.pk, branch.name) for branch in branches]  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(quote: Quote) -> dict[str, Any]:
        return {
            "branch": quote.branch_id,
            "title": quote.title,
            "valid_until": quote.valid_until,
            "notes": quote.notes,
            "terms": quote.terms,
        }


@dataclass
class LineRow:
    """A line as shown in the form (the typed text kept as it is, so a refused value stays)."""

    product: str = ""
    description: str = ""
    quantity: str = "1"
    price: str = ""
    discount: str = ""
    amount: int | None = None  # the priced amount, shown beside the row

    @property
    def product_id(self) -> int | None:
        return parse_id(self.product)

    @property
    def blank(self) -> bool:
        return not (self.product or self.description.strip() or self.price.strip())


def rows_from(data: Any) -> list[LineRow]:
    return [
        LineRow(product or "", description or "", quantity or "", price or "", discount or "")
        for product, description, quantity, price, discount in zip(
            data.getlist("line_product"),
            data.getlist("line_description"),
            data.getlist("line_quantity"),
            data.getlist("line_price"),
            data.getlist("line_discount"),
            strict=False,
        )
    ]


def _whole(text: str) -> int | str | None:
    """Rupiah or a quantity as typed ("150.000", "150000"): an int, None when empty, or the text
    itself when it is not a number (the service then names the field)."""
    if not text.strip():
        return None
    amount = parse_rupiah(text)
    return text if amount is None else amount


def lines_from(rows: list[LineRow]) -> list[QuoteLineIn]:
    """The rows that hold something, as service input. A quantity or price that is not a whole
    number is passed on as 0 / -1 so that the service refuses it with its own message."""
    lines = []
    for row in rows:
        if row.blank:
            continue
        quantity = _whole(row.quantity)
        price = _whole(row.price)
        lines.append(
            QuoteLineIn(
                product_id=row.product_id,
                description=row.description,
                quantity=quantity if isinstance(quantity, int) else (1 if quantity is None else 0),
                unit_price=price if isinstance(price, int) or price is None else -1,
                discount_percent=row.discount.strip() or "0",
            )
        )
    return lines


def rows_for(quote: Quote) -> list[LineRow]:
    return [
        LineRow(
            product=str(line.product_id or ""),
            description=line.description,
            quantity=str(line.quantity),
            price=str(line.unit_price),
            discount="" if not line.discount_percent else f"{line.discount_percent.normalize():f}",
        )
        for line in quote.lines.all()
    ]


class SendForm(StyledFormMixin, forms.Form):
    to = forms.EmailField(label=_("Email address"))


class QuoteSettingsForm(StyledFormMixin, forms.ModelForm[SalesSettings]):
    class Meta:
        model = SalesSettings
        fields = ["quote_validity_days", "quote_terms"]
        widgets = {"quote_terms": forms.Textarea(attrs={"rows": 5})}


def parse_date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value or "")
    except ValueError:
        return None
