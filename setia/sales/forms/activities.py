"""Forms of activities. They only parse input; the rules live in services.activities."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from setia.core.forms import StyledFormMixin
from setia.sales.models import Activity

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ActivityForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=Activity.Kind.choices, initial=Activity.Kind.CALL)
    subject = forms.CharField(label=_("subject"), max_length=200)
    details = forms.CharField(label=_("details"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    due_at = forms.DateTimeField(
        label=_("due"), required=False, widget=DATETIME_WIDGET, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    remind_at = forms.DateTimeField(
        label=_("remind at"),
        required=False,
        widget=DATETIME_WIDGET,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("Empty: 30 minutes before a call or meeting, at the due time of a task."),
    )
    assigned_to = forms.TypedChoiceField(label=_("assigned to"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: object, staff: list[tuple[int, str]] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].choices = [("", _("me")), *(staff or [])]  # type: ignore[attr-defined]


class LinkForm(forms.Form):
    """Which record a new activity belongs to (hidden or chosen on the "new activity" page)."""

    customer = forms.IntegerField(required=False, min_value=1)
    lead = forms.IntegerField(required=False, min_value=1)
    opportunity = forms.IntegerField(required=False, min_value=1)


class CompleteForm(forms.Form):
    outcome = forms.CharField(label=_("outcome"), required=False, max_length=255)


def initial_for(activity: Activity) -> dict[str, object]:
    def local(value: object) -> object:
        return timezone.localtime(value).replace(tzinfo=None) if value else None  # type: ignore[arg-type]

    return {
        "kind": activity.kind,
        "subject": activity.subject,
        "details": activity.body,
        "due_at": local(activity.due_at),
        "remind_at": local(activity.remind_at),
        "assigned_to": activity.assigned_to_id,
    }
