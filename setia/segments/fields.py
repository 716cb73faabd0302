"""The fields a segment condition can name, and what each operator means for them.

`segments` sits low in the app order, so it cannot know the fields of the apps above it. Each app
registers the fields it contributes (`register_field`) from its `AppConfig.ready`, the way apps
register with Django's admin: `customers` fields are registered by this app itself
(`profile_fields.py`); loyalty, sales and analytics register theirs from their own
`segment_fields.py`. Fields that depend on data (the business's custom fields) come from a
*source*, a function called when the fields are listed (`register_source`).

A field turns an operator and a parsed value into a `Q` on `Customer`: usually a subquery
(`pk__in=<rows of another table>.values("customer_id")`), so that counting a segment never joins
and never returns a customer twice.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from setia.core.money import parse_whole


class FieldType:
    TEXT = "text"
    NUMBER = "number"
    MONEY = "money"
    PERCENT = "percent"
    DATE = "date"
    CHOICE = "choice"
    BOOLEAN = "boolean"


# Operator code -> label, per field type, in the order the builder offers them.
OPERATORS: dict[str, list[tuple[str, Any]]] = {
    FieldType.TEXT: [
        ("is", gettext_lazy("is")),
        ("is_not", gettext_lazy("is not")),
        ("contains", gettext_lazy("contains")),
        ("is_empty", gettext_lazy("is empty")),
    ],
    FieldType.NUMBER: [
        ("eq", "="),
        ("ne", "≠"),
        ("gt", ">"),
        ("gte", "≥"),
        ("lt", "<"),
        ("lte", "≤"),
        ("between", gettext_lazy("between")),
    ],
    FieldType.DATE: [
        ("before", gettext_lazy("before")),
        ("after", gettext_lazy("after")),
        ("within_days", gettext_lazy("within the last N days")),
        ("more_than_days_ago", gettext_lazy("more than N days ago")),
    ],
    FieldType.CHOICE: [
        ("any_of", gettext_lazy("is any of")),
        ("none_of", gettext_lazy("is none of")),
    ],
    FieldType.BOOLEAN: [("is", gettext_lazy("is"))],
}
OPERATORS[FieldType.MONEY] = OPERATORS[FieldType.NUMBER]
OPERATORS[FieldType.PERCENT] = OPERATORS[FieldType.NUMBER]
NUMERIC_TYPES = {FieldType.NUMBER, FieldType.MONEY, FieldType.PERCENT}

Choices = Callable[[], Iterable[tuple[str, str]]]
ToQ = Callable[[str, Any], Q]


@dataclass(frozen=True)
class SegmentField:
    """One field of the builder. `to_q(op, value)` receives a value already parsed by
    `parse_value` (numbers as Decimal, money as int, dates as `date`, N days as int, choices as a
    list of str, yes/no as bool, between as a (low, high) pair)."""

    key: str
    label: Any
    group: Any
    type: str
    choices: Choices | None
    to_q: ToQ = field(compare=False)
    help_text: Any = ""
    # For fields of a table with at most one row per customer (see `related_field`): the rows,
    # and the condition on them alone (None where the operator must be answered per customer).
    # Conditions on the same rows in one "all" group are counted in one subquery.
    rows: Callable[[], QuerySet[Any]] | None = field(default=None, compare=False)
    row_q: Callable[[str, Any], Q | None] | None = field(default=None, compare=False)
    customer_column: str = "customer_id"


_fields: dict[str, SegmentField] = {}
_sources: dict[str, Callable[[], Iterable[SegmentField]]] = {}


def register_field(segment_field: SegmentField) -> None:
    if segment_field.type not in OPERATORS:
        raise ValueError(f"unknown segment field type {segment_field.type!r}")
    _fields[segment_field.key] = segment_field


def register_source(key: str, source: Callable[[], Iterable[SegmentField]]) -> None:
    """Fields that exist only while data defines them (custom fields), listed on each call."""
    _sources[key] = source


def all_fields() -> dict[str, SegmentField]:
    fields = dict(_fields)
    for source in _sources.values():
        for segment_field in source():
            fields[segment_field.key] = segment_field
    return fields


def get_field(key: str) -> SegmentField | None:
    found = _fields.get(key)
    if found is not None:
        return found
    for source in _sources.values():
        for segment_field in source():
            if segment_field.key == key:
                return segment_field
    return None


def grouped_fields() -> list[tuple[str, list[SegmentField]]]:
    """Fields by group, in registration order of the groups, fields by label inside each."""
    groups: dict[str, list[SegmentField]] = {}
    for segment_field in all_fields().values():
        groups.setdefault(str(segment_field.group), []).append(segment_field)
    return [(name, sorted(items, key=lambda f: str(f.label))) for name, items in groups.items()]


def operators_for(segment_field: SegmentField) -> list[tuple[str, Any]]:
    return OPERATORS[segment_field.type]


# --- Parsing values as people type them --------------------------------------------------------


def parse_money(raw: Any) -> int:
    """Rupiah as typed: "5.000.000", "5000000", "Rp 5.000.000", "5,000,000". Whole Rupiah."""
    if isinstance(raw, bool):
        raise ValueError(_("enter an amount in Rupiah, e.g. 5.000.000"))
    if isinstance(raw, int):
        return raw
    amount = parse_whole(str(raw))
    if amount is None:
        raise ValueError(_("enter an amount in Rupiah, e.g. 5.000.000"))
    return amount


def parse_number(raw: Any) -> Decimal:
    if isinstance(raw, bool):
        raise ValueError(_("enter a number"))
    text = str(raw).strip().replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation as error:
        raise ValueError(_("enter a number")) from error
    if not number.is_finite():
        raise ValueError(_("enter a number"))
    return number


def parse_date(raw: Any) -> dt.date:
    if isinstance(raw, dt.date):
        return raw
    text = str(raw).strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(_("enter a date as YYYY-MM-DD or DD/MM/YYYY"))


def parse_days(raw: Any) -> int:
    text = str(raw).strip()
    if isinstance(raw, bool) or not text.isdigit() or int(text) > 36500:
        raise ValueError(_("enter a whole number of days"))
    return int(text)


def _scalar(segment_field: SegmentField, raw: Any) -> Any:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise ValueError(_("enter a value"))
    if segment_field.type == FieldType.MONEY:
        return parse_money(raw)
    return parse_number(raw)


def parse_value(segment_field: SegmentField, op: str, raw: Any) -> Any:
    """The value of a condition in the form `to_q` expects, or ValueError with a reason."""
    kind = segment_field.type
    if op not in {code for code, _label in OPERATORS[kind]}:
        raise ValueError(_("“%(op)s” is not an operator for this field") % {"op": op})
    if kind == FieldType.TEXT:
        if op == "is_empty":
            return None
        text = "" if raw is None else str(raw).strip()
        if not text:
            raise ValueError(_("enter a value"))
        if len(text) > 255:
            raise ValueError(_("at most 255 characters"))
        return text
    if kind in NUMERIC_TYPES:
        if op == "between":
            if not isinstance(raw, list | tuple) or len(raw) != 2:
                raise ValueError(_("enter two values: from and to"))
            low, high = _scalar(segment_field, raw[0]), _scalar(segment_field, raw[1])
            if low > high:
                raise ValueError(_("the first value must not be above the second"))
            return (low, high)
        return _scalar(segment_field, raw)
    if kind == FieldType.DATE:
        if op in ("within_days", "more_than_days_ago"):
            return parse_days(raw)
        return parse_date(raw)
    if kind == FieldType.CHOICE:
        items = raw if isinstance(raw, list | tuple) else [raw] if raw not in (None, "") else []
        values = [str(item) for item in items if str(item).strip()]
        if not values:
            raise ValueError(_("choose at least one value"))
        allowed = {str(code) for code, _label in (segment_field.choices() if segment_field.choices else [])}
        unknown = [value for value in values if value not in allowed]
        if unknown:
            raise ValueError(_("“%(value)s” is not one of the choices") % {"value": unknown[0]})
        return sorted(set(values))
    if kind == FieldType.BOOLEAN:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("true", "1", "yes", "ya"):
            return True
        if text in ("false", "0", "no", "tidak"):
            return False
        raise ValueError(_("choose yes or no"))
    raise ValueError(_("unknown field type"))


# --- Building Q objects -----------------------------------------------------------------------


def today() -> dt.date:
    return timezone.localdate()


def date_bound(op: str, value: Any) -> tuple[str, dt.date]:
    """A date operator as one comparison: ("lt"|"gt"|"gte", date)."""
    if op == "before":
        return "lt", value
    if op == "after":
        return "gt", value
    if op == "within_days":
        return "gte", today() - dt.timedelta(days=value)
    if op == "more_than_days_ago":
        return "lt", today() - dt.timedelta(days=value)
    raise ValueError(op)


def numeric_q(path: str, op: str, value: Any) -> Q:
    """`path` compared with a number (both ends of `between` included). ≠ keeps only rows that
    have a value: "not 5" does not select the customers who have no value at all."""
    if op == "between":
        return Q(**{f"{path}__gte": value[0], f"{path}__lte": value[1]})
    if op == "ne":
        return Q(**{f"{path}__isnull": False}) & ~Q(**{path: value})
    lookup = {"eq": "exact", "gt": "gt", "gte": "gte", "lt": "lt", "lte": "lte"}[op]
    return Q(**{f"{path}__{lookup}": value})


def numeric_matches(op: str, value: Any, number: Any) -> bool:
    """Whether `number` satisfies the condition (used for the 0 of customers without rows)."""
    if op == "between":
        return bool(value[0] <= number <= value[1])
    return {
        "eq": number == value,
        "ne": number != value,
        "gt": number > value,
        "gte": number >= value,
        "lt": number < value,
        "lte": number <= value,
    }[op]


def text_q(path: str, op: str, value: Any) -> Q:
    if op == "is":
        return Q(**{f"{path}__iexact": value})
    if op == "is_not":
        return ~Q(**{f"{path}__iexact": value})
    if op == "contains":
        return Q(**{f"{path}__icontains": value})
    return Q(**{path: ""}) | Q(**{f"{path}__isnull": True})


def choice_q(path: str, op: str, value: Any) -> Q:
    condition = Q(**{f"{path}__in": value})
    return condition if op == "any_of" else ~condition


def column_field(
    key: str, label: Any, group: Any, type: str, path: str, choices: Choices | None = None, help_text: Any = ""
) -> SegmentField:
    """A field on a column of the customer row itself (`path` is a Customer lookup path)."""

    def to_q(op: str, value: Any) -> Q:
        if type in NUMERIC_TYPES:
            return numeric_q(path, op, value)
        if type == FieldType.DATE:
            lookup, bound = date_bound(op, value)
            return Q(**{f"{path}__{lookup}": bound})
        if type == FieldType.CHOICE:
            return choice_q(path, op, value)
        if type == FieldType.BOOLEAN:
            return Q(**{path: value})
        return text_q(path, op, value)

    return SegmentField(key, label, group, type, choices, to_q, help_text)


def related_field(
    key: str,
    label: Any,
    group: Any,
    type: str,
    rows: Callable[[], QuerySet[Any]],
    column: str,
    customer: str = "customer_id",
    choices: Choices | None = None,
    help_text: Any = "",
    scale: Decimal | int = 1,
) -> SegmentField:
    """A field held by another table with one row per customer at most (a score, a membership):
    `pk IN (SELECT customer FROM rows WHERE column <op> value)`. Customers without a row match no
    condition on it, except "is none of", which means "not one of these" for them too. `scale`
    divides typed numbers (a percentage typed as 30 for a column holding 0.30)."""

    def row_q(op: str, value: Any) -> Q | None:
        if type in NUMERIC_TYPES and scale != 1:
            value = tuple(v / Decimal(scale) for v in value) if op == "between" else value / Decimal(scale)
        if type in NUMERIC_TYPES:
            return numeric_q(column, op, value)
        if type == FieldType.DATE:
            lookup, bound = date_bound(op, value)
            return Q(**{f"{column}__{lookup}": bound})
        if type == FieldType.CHOICE:
            return Q(**{f"{column}__in": value}) if op == "any_of" else None
        if type == FieldType.BOOLEAN:
            return Q(**{column: value})
        return text_q(column, op, value)

    def to_q(op: str, value: Any) -> Q:
        condition = row_q(op, value)
        if condition is None:  # none_of: customers without a row are "not one of these" too
            return ~Q(pk__in=rows().filter(**{f"{column}__in": value}).values(customer))
        return Q(pk__in=rows().filter(condition).values(customer))

    return SegmentField(
        key, label, group, type, choices, to_q, help_text, rows=rows, row_q=row_q, customer_column=customer
    )
