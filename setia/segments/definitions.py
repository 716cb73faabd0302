"""A segment's definition: checking it against the registered fields and turning it into one `Q`.

The shape (JSON):

    {"match": "all" | "any",
     "conditions": [
        {"field": "analytics.rfm_segment", "op": "any_of", "value": ["champions"]},
        {"match": "any", "conditions": [ ...conditions or groups... ]}
     ]}

A condition is named in messages by its position, "condition 2.1" being the first item of the
group that is the second item of the top group, and by its field's label.
"""

from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from setia.core.errors import ApplicationError
from setia.segments.fields import SegmentField, get_field, parse_value

MAX_DEPTH = 3
MAX_CONDITIONS = 50


@dataclass
class _Problem:
    key: str
    message: str


def _is_group(item: Any) -> bool:
    return isinstance(item, dict) and "conditions" in item


def _condition_problem(item: Any, position: str) -> tuple[_Problem | None, Any]:
    """(problem, normalised condition) for one condition."""
    name = _("Condition %(position)s") % {"position": position}
    key = f"conditions.{position}"
    if not isinstance(item, dict):
        return _Problem(key, _("%(name)s is not a condition.") % {"name": name}), None
    field_key = item.get("field")
    segment_field: SegmentField | None = get_field(str(field_key)) if field_key else None
    if segment_field is None:
        message = (
            _("%(name)s: choose a field.") % {"name": name}
            if not field_key
            else _("%(name)s: there is no field “%(field)s”.") % {"name": name, "field": field_key}
        )
        return _Problem(key, message), None
    name = f"{name} ({segment_field.label})"
    op = item.get("op")
    try:
        value = parse_value(segment_field, str(op or ""), item.get("value"))
        segment_field.to_q(str(op), value)
    except ValueError as error:
        return _Problem(key, f"{name}: {error}"), None
    return None, {"field": segment_field.key, "op": op, "value": _plain(value)}


def _plain(value: Any) -> Any:
    """The parsed value as JSON (dates as ISO text, numbers as numbers), as it is stored."""
    import datetime as dt
    from decimal import Decimal

    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _walk(group: Any, prefix: str, depth: int, problems: list[_Problem], counter: list[int]) -> dict[str, Any]:
    label = prefix or _("the top group")
    match = group.get("match", "all") if isinstance(group, dict) else None
    if match not in ("all", "any"):
        problems.append(
            _Problem(
                f"conditions.{prefix or 'match'}",
                _("Group %(group)s: match must be “all” or “any”.") % {"group": label},
            )
        )
        match = "all"
    items = group.get("conditions") if isinstance(group, dict) else None
    if not isinstance(items, list):
        problems.append(_Problem("definition", _("Group %(group)s has no list of conditions.") % {"group": label}))
        return {"match": match, "conditions": []}
    if depth > 0 and not items:
        problems.append(
            _Problem(
                f"conditions.{prefix}", _("Group %(group)s is empty: add a condition or remove it.") % {"group": label}
            )
        )
    normalised: list[Any] = []
    for index, item in enumerate(items, start=1):
        position = f"{prefix}.{index}" if prefix else str(index)
        if _is_group(item):
            if depth + 1 >= MAX_DEPTH:
                problems.append(
                    _Problem(
                        f"conditions.{position}",
                        _("Group %(group)s is nested too deep (at most %(depth)s levels).")
                        % {"group": position, "depth": MAX_DEPTH},
                    )
                )
                continue
            normalised.append(_walk(item, position, depth + 1, problems, counter))
            continue
        counter[0] += 1
        problem, condition = _condition_problem(item, position)
        if problem:
            problems.append(problem)
        else:
            normalised.append(condition)
    return {"match": match, "conditions": normalised}


def definition_clean(definition: Any, *, require_condition: bool = True) -> dict[str, Any]:
    """The definition checked and normalised, or ApplicationError whose message names the first
    wrong condition and whose `extra` names each (`conditions.2.1`)."""
    if not isinstance(definition, dict):
        raise ApplicationError(
            _("The conditions are not readable."), {"definition": [_("The conditions are not readable.")]}
        )
    problems: list[_Problem] = []
    counter = [0]
    cleaned = _walk(definition, "", 0, problems, counter)
    if counter[0] > MAX_CONDITIONS:
        problems.insert(0, _Problem("definition", _("At most %(count)s conditions.") % {"count": MAX_CONDITIONS}))
    if require_condition and counter[0] == 0 and not problems:
        problems.append(_Problem("definition", _("Add at least one condition.")))
    if problems:
        extra: dict[str, list[str]] = {}
        for problem in problems:
            extra.setdefault(problem.key, []).append(problem.message)
        raise ApplicationError(problems[0].message, extra)
    return cleaned


def definition_q(definition: dict[str, Any]) -> Q:
    """One Q on Customer for a *cleaned* definition. An empty top group matches everyone.

    In an "all" group, conditions on the same one-row-per-customer table (the scores, the
    membership) become one subquery: "champions with a predicted value above 5 million" is one
    pass over the scores found through the segment's index, not two lists intersected."""
    combined = Q()
    match_all = definition.get("match") != "any"
    shared: dict[Any, tuple[SegmentField, Q]] = {}
    for item in definition.get("conditions", []):
        if _is_group(item):
            part = definition_q(item)
        else:
            segment_field = get_field(item["field"])
            if segment_field is None:  # a field whose app is gone, or an archived custom field
                part = Q(pk__in=[])
            else:
                try:
                    value = parse_value(segment_field, item["op"], item["value"])
                except ValueError:
                    # A saved condition whose choice has gone since (a deleted tier or product)
                    # matches nobody, rather than stopping the evaluation of every segment.
                    part = Q(pk__in=[])
                else:
                    row_condition = (
                        segment_field.row_q(item["op"], value) if match_all and segment_field.row_q else None
                    )
                    if row_condition is not None:
                        key = segment_field.rows
                        earlier = shared.get(key)
                        shared[key] = (segment_field, earlier[1] & row_condition if earlier else row_condition)
                        continue
                    part = segment_field.to_q(item["op"], value)
        if match_all:
            combined &= part
        else:
            combined = part if not combined else combined | part
    for segment_field, row_condition in shared.values():
        assert segment_field.rows is not None
        rows = segment_field.rows().filter(row_condition).values(segment_field.customer_column)
        combined &= Q(pk__in=rows)
    return combined
