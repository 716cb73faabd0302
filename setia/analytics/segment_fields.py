"""The analytics scores as segment fields (RFM segment, lifetime value, churn risk, loyalty
index), registered with `segments` from `AnalyticsConfig.ready`. A condition on a score selects
scored customers only: a customer without purchases has no score."""

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from setia.analytics import rfm
from setia.analytics.models import CustomerScore
from setia.segments.fields import FieldType, register_field, related_field

GROUP = _("Customer analytics")


def _scores() -> QuerySet[CustomerScore]:
    return CustomerScore.objects.all()


def _segment_choices() -> list[tuple[str, str]]:
    return [(code, str(entry[0])) for code, entry in rfm.SEGMENTS.items()]


def register() -> None:
    register_field(
        related_field(
            "analytics.rfm_segment",
            _("RFM segment"),
            GROUP,
            FieldType.CHOICE,
            _scores,
            "rfm_segment",
            choices=_segment_choices,
        )
    )
    register_field(
        related_field(
            "analytics.predicted_value",
            _("Predicted value (next 12 months)"),
            GROUP,
            FieldType.MONEY,
            _scores,
            "predicted_value",
        )
    )
    register_field(
        related_field(
            "analytics.historic_value", _("Historic value"), GROUP, FieldType.MONEY, _scores, "historic_value"
        )
    )
    register_field(
        related_field(
            "analytics.churn_risk",
            _("Churn risk (%)"),
            GROUP,
            FieldType.PERCENT,
            _scores,
            "churn_risk",
            scale=100,
            help_text=_("0 to 100: the chance the customer has stopped buying."),
        )
    )
    register_field(
        related_field(
            "analytics.loyalty_index",
            _("Loyalty index"),
            GROUP,
            FieldType.NUMBER,
            _scores,
            "loyalty_index",
            help_text=_("0 to 100."),
        )
    )
