"""Forms parse what people type; the services decide what is allowed."""

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from setia.accounts.models import Branch
from setia.catalog.models import Category, Product
from setia.core.forms import StyledFormMixin
from setia.core.money import format_count, parse_rupiah


class RupiahField(forms.Field):
    """Whole Rupiah as people type them, thousands separators and all."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": "30"})

    def to_python(self, value: Any) -> int | None:
        text = str(value or "").strip()
        if not text:
            return None
        amount = parse_rupiah(text[:30])
        if amount is None:
            raise forms.ValidationError(_("Enter the price in whole Rupiah, e.g. 150000 or 150.000."))
        return amount


class ProductForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[(value, capfirst(label)) for value, label in Product.Kind.choices],
        initial=Product.Kind.PRODUCT,
    )
    name = forms.CharField(label=_("Name"), max_length=150)
    sku = forms.CharField(
        label=_("Code (SKU)"), max_length=50, required=False, help_text=_("Optional; the code on the label or till.")
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.none(), required=False, empty_label=_("No category")
    )
    price = RupiahField(label=_("Price (Rp)"))
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), required=False, help_text=_("For services booked as appointments.")
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    is_active = forms.BooleanField(label=_("On sale"), required=False, initial=True)
    all_branches = forms.BooleanField(label=_("Sold in every branch"), required=False, initial=True)
    branches = forms.ModelMultipleChoiceField(
        label=_("Sold in these branches"),
        queryset=Branch.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, product: Product | None = None, **kwargs: Any) -> None:
        if product is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "kind": product.kind,
                "name": product.name,
                "sku": product.sku or "",
                "category": product.category_id,
                "price": format_count(product.price),
                "duration_minutes": product.duration_minutes,
                "description": product.description,
                "is_active": product.is_active,
                "all_branches": product.all_branches,
                "branches": [branch.pk for branch in product.branches.all()],
            }
        super().__init__(*args, **kwargs)
        # Archived categories and closed branches are not offered, except the ones already set.
        current_category = product.category_id if product else None
        category_field: forms.ModelChoiceField[Category] = self.fields["category"]  # type: ignore[assignment]
        category_field.queryset = Category.objects.filter(Q(is_active=True) | Q(pk=current_category)).order_by("name")
        current_branches = [branch.pk for branch in product.branches.all()] if product else []
        branches: QuerySet[Branch] = Branch.objects.filter(Q(is_active=True) | Q(pk__in=current_branches))
        branch_field: forms.ModelMultipleChoiceField[Branch] = self.fields["branches"]  # type: ignore[assignment]
        branch_field.queryset = branches.order_by("name")

    def values(self) -> dict[str, Any]:
        """Keyword arguments for `product_create` / `product_update`."""
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "name": data["name"],
            "sku": data["sku"] or None,
            "category": data["category"],
            "price": data["price"],
            "duration_minutes": data["duration_minutes"] if data["kind"] == Product.Kind.SERVICE else None,
            "description": data["description"],
            "is_active": data["is_active"],
            "all_branches": data["all_branches"],
            "branches": list(data["branches"]),
        }


class CategoryForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Category name"), max_length=100)
