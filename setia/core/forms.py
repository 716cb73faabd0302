from typing import Any

from django import forms
from django.db import models
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from setia.core.errors import ApplicationError
from setia.core.money import parse_whole

# Django's own empty choice of a required select (`BLANK_CHOICE_LABEL`), which its catalog does not
# translate into Indonesian yet: named here so that our catalog, which comes first, carries it.
gettext_noop("- Select an option -")


def add_application_error(form: forms.BaseForm, error: ApplicationError) -> None:
    """Show a service's refusal on the form: under each named field, or at the top."""
    placed = False
    for field, messages in error.extra.items():
        if field in form.fields:
            for message in messages if isinstance(messages, list) else [messages]:
                form.add_error(field, str(message))
            placed = True
    if not placed:
        form.add_error(None, error.message)


class StyledFormMixin:
    """Gives widgets Bootstrap classes, so templates render any form the same way."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.apply_styles()

    def apply_styles(self) -> None:
        """Style every field; call again after adding fields. Safe to repeat."""
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
                css = ""
            elif isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            classes = widget.attrs.get("class", "").split()
            if css and css not in classes:
                widget.attrs["class"] = " ".join([*classes, css])

    def add_error(self, field: str | None, error: Any) -> None:
        """Record the error (Django's), and mark each field that has one: its input is outlined in red."""
        super().add_error(field, error)  # type: ignore[misc]
        for name in getattr(self, "_errors", None) or {}:
            if name in self.fields:
                widget = self.fields[name].widget
                classes = widget.attrs.get("class", "").split()
                if "is-invalid" not in classes:
                    widget.attrs["class"] = " ".join([*classes, "is-invalid"])


class WholeNumberField(forms.IntegerField):
    """A whole number as people here type it: `25000`, `25.000`, `25,000`, `Rp 25.000`, `-5`
    (`setia.core.money.parse_whole`). Django's IntegerField reads "25.000" as 25 (it drops a
    ".000" tail) and a `type=number` input refuses it in some browsers, so this is a text input
    that asks phones for the digit keypad. The min/max validators are IntegerField's."""

    widget = forms.TextInput
    default_error_messages = {"invalid": gettext_lazy("Enter a whole number, e.g. 25000 or 25.000.")}
    MAX_LENGTH = 40  # far more than any amount; a longer text is not a number anyone typed

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = str(value).strip()
        number = parse_whole(text) if len(text) <= self.MAX_LENGTH else None
        if number is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        if isinstance(widget, forms.TextInput):
            attrs.setdefault("inputmode", "numeric")
        return attrs

    def run_validators(self, value: Any) -> None:
        """Django's own limits said as people read numbers here ("Enter at most 1.000.000.000."),
        and the database's (9223372036854775807) as the largest amount anyone types; a limit the
        model words itself keeps its words."""
        try:
            super().run_validators(value)
        except forms.ValidationError as error:
            raise forms.ValidationError([_worded_limit(item) for item in error.error_list]) from None


def _worded_limit(error: forms.ValidationError) -> forms.ValidationError:
    from django.core import validators

    from setia.core.money import format_count
    from setia.core.schemas import MAX_WHOLE

    limit = (error.params or {}).get("limit_value")
    if not isinstance(limit, int):
        return error
    if error.code == "max_value" and str(error.message) == str(validators.MaxValueValidator.message):
        return forms.ValidationError(
            gettext("Enter at most %(limit)s.") % {"limit": format_count(min(limit, MAX_WHOLE))}, code="max_value"
        )
    if error.code == "min_value" and str(error.message) == str(validators.MinValueValidator.message):
        return forms.ValidationError(
            gettext("Enter at least %(limit)s.") % {"limit": format_count(max(limit, -MAX_WHOLE))}, code="min_value"
        )
    return error


def whole_number_formfield(field: models.Field[Any, Any], **kwargs: Any) -> forms.Field | None:
    """A ModelForm's `Meta.formfield_callback`: every integer model field as a `WholeNumberField`
    (keeping the model field's limits), every other field as Django makes it."""
    if isinstance(field, models.IntegerField) and not field.choices and "form_class" not in kwargs:
        kwargs["form_class"] = WholeNumberField
    return field.formfield(**kwargs)
