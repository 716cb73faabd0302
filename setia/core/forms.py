from django import forms
from django.utils.translation import gettext_noop

from setia.core.errors import ApplicationError

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
