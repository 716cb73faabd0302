"""The loyalty index: 0-100 from the traits of a loyal customer (docs/user/analytics.md).

Each component is 0-100:
- regularity: regular repeat purchases. With at least 3 purchase days, 100 x (1 - min(1, CV)) where
  CV = population standard deviation / mean of the days between consecutive purchase days; fewer
  than 3 purchase days: 0.
- feedback: constructive suggestions. 0 until the survey and feedback apps exist; until then it is
  left out of the weighting (so the index can still reach 100).
- breadth: buying other products at the same place. 100 x min(1, categories bought /
  min(active categories, BREADTH_TARGET)); left out of the weighting when the catalogue has fewer
  than 2 active categories.
- staying: not drifting to competitors. 100 x the BG/NBD probability of still being a customer;
  left out of the weighting while the lifetime value model cannot be fitted.
- referrals: referring others. 100 x min(1, referrals made / REFERRAL_TARGET).

index = round(Σ weight x component / Σ weight), over the components that have a source.
Every value is rounded half away from zero to a whole number.
"""

from django.utils.translation import gettext_lazy as _

BREADTH_TARGET = 5
REFERRAL_TARGET = 3

# Component -> (weight, label, the trait of article 000 it measures)
COMPONENTS = {
    "regularity": (30, _("Regular repeat purchases"), _("buys again, at a steady rhythm")),
    "feedback": (10, _("Constructive suggestions"), _("gives feedback and suggestions")),
    "breadth": (20, _("Other products bought here"), _("buys other products at the same place")),
    "staying": (25, _("Staying"), _("keeps coming back rather than going elsewhere")),
    "referrals": (15, _("Referring others"), _("brings friends")),
}

FEEDBACK_AVAILABLE = False  # becomes a source when the surveys app exists


def weights(*, breadth: bool, staying: bool) -> dict[str, int]:
    """The weights of the components that have a source."""
    available = {
        "regularity": True,
        "feedback": FEEDBACK_AVAILABLE,
        "breadth": breadth,
        "staying": staying,
        "referrals": True,
    }
    return {name: spec[0] for name, spec in COMPONENTS.items() if available[name]}


def index_sql(active: dict[str, int]) -> str:
    """The index as a DuckDB expression over columns loyalty_<component>."""
    total = sum(active.values())
    terms = " + ".join(f"{weight} * loyalty_{name}" for name, weight in active.items())
    return f"CAST(ROUND(({terms}) / {total}.0) AS INTEGER)"


def index_from(components: dict[str, int], active: dict[str, int]) -> int:
    """The same computation in Python (for the 360° panel's explanation and tests)."""
    total = sum(active.values())
    value = sum(weight * components[name] for name, weight in active.items()) / total
    return int(value + 0.5)
