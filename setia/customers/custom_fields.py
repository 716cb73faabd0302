"""Validating and converting custom field values against the current definitions.

Values are stored as JSON: text as strings, numbers as numbers (decimals as strings, exact),
dates as ISO strings, yes/no as booleans, choices as the choice text (multi-choice: a list).
"""

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from setia.core.errors import ApplicationError
from setia.core.money import parse_whole
from setia.customers.models import CustomFieldDefinition

FieldType = CustomFieldDefinition.FieldType
_TRUE = {"1", "true", "yes", "ya", "y", "on"}
_FALSE = {"0", "false", "no", "tidak", "n", "off"}


def active_definitions() -> list[CustomFieldDefinition]:
    return list(CustomFieldDefinition.objects.filter(archived_at__isnull=True).order_by("group", "position", "label"))


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


LIMITED_TYPES = {FieldType.INTEGER, FieldType.DECIMAL, FieldType.DATE}


_NOTHING_KEPT = object()


def convert_value(definition: CustomFieldDefinition, value: Any, *, kept: Any = _NOTHING_KEPT) -> Any:
    """The stored form of `value` for `definition`, or ValueError with a reason for the user.

    The one place a value is checked, for the customer form, the API and the import alike.
    `kept` is the value the customer already holds: sent back unchanged, it is not held to limits
    set after it was saved (changing limits never touches stored values; they are refused only
    when someone changes them)."""
    stored = convert_type(definition, value)
    if definition.field_type in LIMITED_TYPES and stored != kept:
        _check_limits(definition, stored)
    return stored


def _check_limits(definition: CustomFieldDefinition, stored: Any) -> None:
    # getattr: the import checks birthdays with a stand-in definition that has no limits.
    minimum = getattr(definition, "minimum", None)
    maximum = getattr(definition, "maximum", None)
    if minimum is None and maximum is None:
        return
    is_date = definition.field_type == FieldType.DATE
    if minimum is not None and comparable(definition, stored) < comparable(definition, minimum):
        message = _("must be on or after %(limit)s") if is_date else _("must be at least %(limit)s")
        raise ValueError(message % {"limit": display_value(definition, minimum)})
    if maximum is not None and comparable(definition, stored) > comparable(definition, maximum):
        message = _("must be on or before %(limit)s") if is_date else _("must be at most %(limit)s")
        raise ValueError(message % {"limit": display_value(definition, maximum)})


def comparable(definition: CustomFieldDefinition, stored: Any) -> Any:
    """Stored values of one type, made comparable: decimals are text; ISO dates and ints compare as they are."""
    return Decimal(stored) if definition.field_type == FieldType.DECIMAL else stored


def convert_type(definition: CustomFieldDefinition, value: Any) -> Any:
    """The stored form of `value` for the field's type, before its limits are checked."""
    kind = definition.field_type
    if kind in (FieldType.TEXT, FieldType.LONG_TEXT):
        text = str(value).strip()
        limit = 255 if kind == FieldType.TEXT else 5000
        if len(text) > limit:
            raise ValueError(_("at most %(limit)s characters") % {"limit": limit})
        return text
    if kind == FieldType.INTEGER:
        try:
            if isinstance(value, str):
                whole = parse_whole(value)  # "1.500" is 1500; "1.5" is not whole
                if whole is None:
                    raise ValueError(value)
                return whole
            return int(value)
        except (TypeError, ValueError) as error:
            raise ValueError(_("enter a whole number")) from error
    if kind == FieldType.DECIMAL:
        try:
            number = Decimal(str(value).strip().replace(",", "."))
        except InvalidOperation as error:
            raise ValueError(_("enter a number")) from error
        if not number.is_finite():
            raise ValueError(_("enter a number"))
        return str(number)
    if kind == FieldType.DATE:
        if isinstance(value, dt.date):
            return value.isoformat()
        text = str(value).strip()
        for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
            try:
                return dt.datetime.strptime(text, pattern).date().isoformat()
            except ValueError:
                continue
        if re.fullmatch(
            r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/-]\d{1,2}[/-]\d{4}", text
        ):  # the form is right, the day is not
            raise ValueError(_("%(value)s is not a date of the calendar") % {"value": text})
        raise ValueError(_("enter a date as YYYY-MM-DD or DD/MM/YYYY"))
    if kind == FieldType.BOOLEAN:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError(_("enter yes or no"))
    if kind == FieldType.CHOICE:
        return _choice(definition, value)
    if kind == FieldType.MULTI_CHOICE:
        items = value if isinstance(value, list | tuple) else list(str(value).split(";"))
        return sorted({_choice(definition, item) for item in items if str(item).strip()})
    raise ValueError(_("unknown field type"))


def _choice(definition: CustomFieldDefinition, value: Any) -> str:
    text = str(value).strip()
    for choice in definition.choices:
        if choice.lower() == text.lower():
            return str(choice)
    raise ValueError(
        _("“%(value)s” is not one of: %(choices)s") % {"value": text, "choices": ", ".join(definition.choices)}
    )


def clean_custom(
    values: dict[str, Any] | None,
    *,
    existing: dict[str, Any] | None = None,
    definitions: list[CustomFieldDefinition] | None = None,
    partial: bool = False,
) -> dict[str, Any]:
    """Validate `values` (key → raw value) against the active definitions.

    Returns the stored dict: `existing` values are kept (including those of archived fields),
    given values replace them, empty values remove them. Unknown keys and invalid values raise
    ApplicationError naming `custom.<key>`. With `partial`, required fields not given are not checked.
    A value sent back as it is stored is not held to limits set after it was saved.
    """
    definitions = definitions if definitions is not None else active_definitions()
    by_key = {definition.key: definition for definition in definitions}
    result = dict(existing or {})
    errors: dict[str, list[str]] = {}
    for key, raw in (values or {}).items():
        definition = by_key.get(key)
        if definition is None:
            errors[f"custom.{key}"] = [_("unknown custom field")]
            continue
        if _is_empty(raw):
            result.pop(key, None)
            continue
        try:
            result[key] = convert_value(definition, raw, kept=result.get(key, _NOTHING_KEPT))
        except ValueError as error:
            errors[f"custom.{key}"] = [str(error)]
    for definition in definitions:
        given = values is not None and definition.key in values
        if definition.required and _is_empty(result.get(definition.key)) and (given or not partial):
            errors.setdefault(f"custom.{definition.key}", [_("this field is required")])
    if errors:
        field, messages = next(iter(errors.items()))
        key = field.split(".", 1)[1]
        label = by_key[key].label if key in by_key else key
        raise ApplicationError(f"{label}: {messages[0]}", errors)
    return result


def display_value(definition: CustomFieldDefinition, value: Any) -> str:
    if _is_empty(value):
        return ""
    if definition.field_type == FieldType.BOOLEAN:
        return str(_("yes")) if value else str(_("no"))
    if definition.field_type == FieldType.MULTI_CHOICE:
        return ", ".join(value)
    if definition.field_type == FieldType.DATE:
        from django.utils.formats import date_format

        return date_format(dt.date.fromisoformat(value), "DATE_FORMAT")
    if definition.field_type == FieldType.DECIMAL:
        from django.utils.formats import number_format

        return number_format(Decimal(value), use_l10n=True)
    return str(value)


# --- Filtering, and the index behind each filter ----------------------------------------------
#
# The list filters an equality field (whole number, decimal, date, yes/no, single choice) with
# `value_expression(key) = %s`, and `index_create` indexes exactly that expression, so the
# database finds the matching customers through the index instead of reading every row (1M
# customers: 2 s → a few ms). Text and multiple-choice filters are "contains" searches that an
# expression index cannot serve; they have none. See docs/adr/0006-custom-field-storage.md.

INDEXED_TYPES = {FieldType.INTEGER, FieldType.DECIMAL, FieldType.DATE, FieldType.BOOLEAN, FieldType.CHOICE}


def _key_literal(key: str) -> str:
    """The key as an SQL string literal. Keys are slugs; anything else is refused, not escaped."""
    if not key or not all(char.isalnum() or char in "_-" for char in key) or not key.isascii():
        raise ValueError(f"not a custom field key: {key!r}")
    return key


def value_sql(key: str, vendor: str, column: str = '"custom"') -> str:
    """The SQL for one field's stored value as a scalar: SQLite `json_extract` (text, integer, or
    1/0 for yes/no), PostgreSQL `->>` (always text). Written out with the key inline, because an
    index on an expression is used only when the query contains the very same expression, and a
    bound parameter in its place would not be."""
    key = _key_literal(key)
    if vendor == "postgresql":
        return f"({column} ->> '{key}')"
    return f"json_extract({column}, '$.\"{key}\"')"


def filter_param(value: Any, vendor: str) -> Any:
    """A stored (canonical) value as the parameter compared with `value_sql`."""
    if isinstance(value, bool):
        return ("true" if value else "false") if vendor == "postgresql" else int(value)
    if vendor == "postgresql":
        return str(value)
    return value


def index_name(key: str) -> str:
    return f"customer_cf_{_key_literal(key)}"[:63]


def index_create(definition: CustomFieldDefinition) -> bool:
    """Create the filter index of a field (if its type has one). Inside the caller's transaction:
    the definition and its index appear together. True if the field has an index."""
    from django.db import connection

    from setia.customers.models import Customer

    if definition.field_type not in INDEXED_TYPES:
        return False
    table = connection.ops.quote_name(Customer._meta.db_table)
    name = connection.ops.quote_name(index_name(definition.key))
    expression = value_sql(definition.key, connection.vendor)
    with connection.cursor() as cursor:
        # Only customers that hold a value: most fields are filled for few customers.
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({expression}) WHERE {expression} IS NOT NULL")
        if connection.vendor == "postgresql":
            # PostgreSQL keeps no statistics for the expression of a *partial* index, so it would
            # guess that 0.5% of customers match and walk the name index instead (1M customers:
            # 570 ms instead of 0.5 ms). Statistics on the expression itself give it real numbers.
            statistics = _statistics_name(definition.key)
            cursor.execute(f"CREATE STATISTICS IF NOT EXISTS {statistics} ON {expression} FROM {table}")
            cursor.execute(f"ANALYZE {table}")
    return True


def _statistics_name(key: str) -> str:
    from django.db import connection

    return connection.ops.quote_name(f"customer_cf_{_key_literal(key)}_stats"[:63])


def index_drop(definition: CustomFieldDefinition) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {connection.ops.quote_name(index_name(definition.key))}")
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP STATISTICS IF EXISTS {_statistics_name(definition.key)}")


def indexes_sync() -> None:
    """Every active filterable field has its index; archived ones have none (after a restore from
    a backup of another installation, or for fields defined before the indexes existed)."""
    from setia.customers.models import CustomFieldDefinition

    for definition in CustomFieldDefinition.objects.all():
        if definition.archived_at is None:
            index_create(definition)
        else:
            index_drop(definition)
