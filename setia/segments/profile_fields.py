"""The customer's own fields as segment fields: age, gender, where the customer lives, occupation,
interests and tags, home branch, source — and the business's custom fields.

Custom field conditions use the very expression the customer list filters with and the field's
index holds (`customers.custom_fields.value_sql`, docs/adr/0006-custom-field-storage.md), so an
equality or range on an indexed field is answered from the index.
"""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _

from setia.segments.fields import (
    FieldType,
    SegmentField,
    column_field,
    date_bound,
    register_field,
    register_source,
    today,
)

PROFILE = _("Profile")
PLACE = _("Where they live")
CUSTOM = _("Business fields")


def _years_ago(years: int) -> dt.date:
    day = today()
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


def _age_range(low: int | None, high: int | None) -> Q:
    """Customers whose age in whole years is within [low, high]: born on or before the day `low`
    years ago, and after the day `high + 1` years ago."""
    condition = Q(birthday__isnull=False)
    if low is not None:
        condition &= Q(birthday__lte=_years_ago(low))
    if high is not None:
        condition &= Q(birthday__gt=_years_ago(high + 1))
    return condition


def _whole(value: Decimal) -> int:
    if value != value.to_integral_value() or value < 0 or value > 150:
        raise ValueError(str(_("enter an age in whole years")))
    return int(value)


def _age_q(op: str, value: Any) -> Q:
    if op == "between":
        return _age_range(_whole(value[0]), _whole(value[1]))
    years = _whole(value)
    if op == "eq":
        return _age_range(years, years)
    if op == "ne":
        return Q(birthday__isnull=False) & ~_age_range(years, years)
    if op == "gt":
        return _age_range(years + 1, None)
    if op == "gte":
        return _age_range(years, None)
    if op == "lt":
        return _age_range(None, years - 1) if years > 0 else Q(pk__in=[])
    return _age_range(None, years)  # lte


def _address_q(column: str) -> Any:
    from setia.customers.models import Address

    def to_q(op: str, value: Any) -> Q:
        condition = Q(pk__in=Address.objects.filter(**{f"{column}__in": value}).values("customer_id"))
        return condition if op == "any_of" else ~condition

    return to_q


def _tags_q(op: str, value: Any) -> Q:
    from setia.customers.models import Customer

    through = Customer.tags.through
    condition = Q(pk__in=through.objects.filter(tag_id__in=value).values("customer_id"))
    return condition if op == "any_of" else ~condition


def _province_choices() -> Iterable[tuple[str, str]]:
    from setia.customers.models import Province

    return list(Province.objects.order_by("name").values_list("code", "name"))


def _regency_choices() -> Iterable[tuple[str, str]]:
    from setia.customers.models import Regency

    return [
        (code, f"{name} ({province})")
        for code, name, province in Regency.objects.order_by("name").values_list("code", "name", "province__name")
    ]


def _tag_choices(kind: str) -> Any:
    def choices() -> Iterable[tuple[str, str]]:
        from setia.customers.models import Tag

        return [
            (str(pk), name) for pk, name in Tag.objects.filter(kind=kind).order_by("name").values_list("pk", "name")
        ]

    return choices


def _branch_choices() -> Iterable[tuple[str, str]]:
    from setia.accounts.models import Branch

    return [(str(pk), name) for pk, name in Branch.objects.order_by("name").values_list("pk", "name")]


def _model_choices(choices: Any) -> Any:
    return lambda: [(value, str(label)) for value, label in choices]


def register() -> None:
    from setia.customers.models import Customer

    register_field(SegmentField("customer.age", _("Age"), PROFILE, FieldType.NUMBER, None, _age_q))
    register_field(
        column_field(
            "customer.gender", _("Gender"), PROFILE, FieldType.CHOICE, "gender", _model_choices(Customer.Gender.choices)
        )
    )
    register_field(column_field("customer.occupation", _("Occupation"), PROFILE, FieldType.TEXT, "occupation"))
    register_field(
        SegmentField("customer.interests", _("Interests"), PROFILE, FieldType.CHOICE, _tag_choices("interest"), _tags_q)
    )
    register_field(SegmentField("customer.tags", _("Tags"), PROFILE, FieldType.CHOICE, _tag_choices("label"), _tags_q))
    register_field(
        column_field(
            "customer.kind",
            _("Person or company"),
            PROFILE,
            FieldType.CHOICE,
            "kind",
            _model_choices(Customer.Kind.choices),
        )
    )
    register_field(
        column_field(
            "customer.source", _("Source"), PROFILE, FieldType.CHOICE, "source", _model_choices(Customer.Source.choices)
        )
    )
    register_field(
        column_field(
            "customer.home_branch", _("Home branch"), PROFILE, FieldType.CHOICE, "home_branch_id", _branch_choices
        )
    )
    register_field(column_field("customer.created", _("Customer since"), PROFILE, FieldType.DATE, "created_at__date"))
    register_field(
        SegmentField(
            "customer.province", _("Province"), PLACE, FieldType.CHOICE, _province_choices, _address_q("province_id")
        )
    )
    register_field(
        SegmentField(
            "customer.city", _("City / regency"), PLACE, FieldType.CHOICE, _regency_choices, _address_q("regency_id")
        )
    )
    register_source("customers.custom", custom_fields)


# --- Custom fields ----------------------------------------------------------------------------


def _expression(key: str, sql_template: str, params: list[Any]) -> Q:
    """A condition on one custom field's value, written around the indexed expression. The column
    is left unqualified, as in the index itself, so the condition stays right inside subqueries."""
    from setia.customers.custom_fields import value_sql

    sql = sql_template.replace("{value}", value_sql(key, connection.vendor))
    return Q(RawSQL(sql, params, output_field=BooleanField()))


def _without(condition: Q) -> Q:
    """Customers not matching `condition`, including those without a value (SQL's NOT over a
    missing JSON key is unknown, which would leave them out)."""
    from setia.customers.models import Customer

    return ~Q(pk__in=Customer.objects.filter(condition).values("pk"))


def _numeric_sql(key: str) -> str:
    from setia.customers.custom_fields import value_sql

    cast = "numeric" if connection.vendor == "postgresql" else "REAL"
    return f"CAST({value_sql(key, connection.vendor)} AS {cast})"


def _custom_field(definition: Any) -> SegmentField:
    from setia.customers.custom_fields import filter_param
    from setia.customers.models import CustomFieldDefinition

    kinds = CustomFieldDefinition.FieldType
    key = definition.key
    vendor = connection.vendor
    label = definition.label
    field_key = f"custom.{key}"

    def param(value: Any) -> Any:
        return filter_param(value, vendor)

    if definition.field_type in (kinds.TEXT, kinds.LONG_TEXT):

        def text_q(op: str, value: Any) -> Q:
            if op == "is":
                return Q(**{f"custom__{key}__iexact": value})
            if op == "is_not":
                return _without(Q(**{f"custom__{key}__iexact": value}))
            if op == "contains":
                return Q(**{f"custom__{key}__icontains": value})
            return ~Q(custom__has_key=key) | Q(**{f"custom__{key}": ""})

        return SegmentField(field_key, label, CUSTOM, FieldType.TEXT, None, text_q)

    if definition.field_type in (kinds.INTEGER, kinds.DECIMAL):
        integer = definition.field_type == kinds.INTEGER

        def stored(value: Decimal) -> Any:
            # Equality goes through the field's index, so the value is compared in its stored form.
            if integer:
                return int(value) if value == value.to_integral_value() else None
            return str(value)

        def number(value: Decimal) -> Any:
            return float(value) if vendor == "sqlite" else value

        def number_q(op: str, value: Any) -> Q:
            if op in ("eq", "ne"):
                target = stored(value)
                equal = _expression(key, "{value} = %s", [param(target)]) if target is not None else Q(pk__in=[])
                if op == "eq":
                    return equal
                return _expression(key, "{value} IS NOT NULL", []) & ~equal
            numeric = _numeric_sql(key)
            if op == "between":
                sql = f"{numeric} >= %s AND {numeric} <= %s"
                return Q(RawSQL(sql, [number(value[0]), number(value[1])], output_field=BooleanField()))
            symbol = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[op]
            return Q(RawSQL(f"{numeric} {symbol} %s", [number(value)], output_field=BooleanField()))

        return SegmentField(field_key, label, CUSTOM, FieldType.NUMBER, None, number_q)

    if definition.field_type == kinds.DATE:

        def date_q(op: str, value: Any) -> Q:
            lookup, bound = date_bound(op, value)
            symbol = {"lt": "<", "gt": ">", "gte": ">="}[lookup]
            return _expression(key, f"{{value}} {symbol} %s", [bound.isoformat()])

        return SegmentField(field_key, label, CUSTOM, FieldType.DATE, None, date_q)

    if definition.field_type == kinds.BOOLEAN:

        def boolean_q(op: str, value: Any) -> Q:
            return _expression(key, "{value} = %s", [param(bool(value))])

        return SegmentField(field_key, label, CUSTOM, FieldType.BOOLEAN, None, boolean_q)

    choices = [(str(choice), str(choice)) for choice in definition.choices]

    if definition.field_type == kinds.CHOICE:

        def choice_q(op: str, value: Any) -> Q:
            marks = ", ".join(["%s"] * len(value))
            params = [param(item) for item in value]
            if op == "any_of":
                return _expression(key, f"{{value}} IN ({marks})", params)
            return _expression(key, f"({{value}} IS NULL OR {{value}} NOT IN ({marks}))", params)

        return SegmentField(field_key, label, CUSTOM, FieldType.CHOICE, lambda: choices, choice_q)

    def multi_q(op: str, value: Any) -> Q:
        # As the customer list filters a multiple choice: the quoted choice inside the stored list.
        condition = Q()
        for choice in value:
            condition |= Q(**{f"custom__{key}__icontains": f'"{choice}"'})
        return condition if op == "any_of" else _without(condition)

    return SegmentField(field_key, label, CUSTOM, FieldType.CHOICE, lambda: choices, multi_q)


def custom_fields() -> list[SegmentField]:
    from setia.customers.custom_fields import active_definitions

    return [_custom_field(definition) for definition in active_definitions()]
