"""The builder page's form ↔ definition tree.

The page posts its whole state on every change: one hidden `node` input per group (`g:<path>`) and
condition (`c:<path>`) in page order, where a path is the item's position ("2.1" = first item of
the second item of the top group; the top group's path is empty), and beside each condition its
field, operator and value inputs. The server rebuilds the tree, applies the button pressed (add a
condition or group, remove an item), and renders the tree again, numbering items afresh. A
condition keeps what the person typed even while it is incomplete; only the count and the save
check it.
"""

from typing import Any

from django.http import QueryDict

from setia.segments.fields import FieldType, SegmentField, get_field, grouped_fields, operators_for

MAX_ITEMS = 60


def _parent(path: str) -> str:
    return path.rsplit(".", 1)[0] if "." in path else ""


def _condition_from_post(data: QueryDict, path: str) -> dict[str, Any]:
    prefix = f"c{path}-"
    field_key = data.get(prefix + "field", "")
    op = data.get(prefix + "op", "")
    segment_field = get_field(field_key) if field_key else None
    if segment_field is None:
        return {"field": "", "op": "", "value": None}
    operators = [code for code, _label in operators_for(segment_field)]
    if data.get(prefix + "previous", field_key) != field_key or op not in operators:
        # Another field was chosen: its operators and values differ, so start it afresh.
        return {"field": field_key, "op": operators[0], "value": None}
    value: Any
    if segment_field.type == FieldType.CHOICE:
        value = data.getlist(prefix + "value")
    elif op == "between":
        value = [data.get(prefix + "value", ""), data.get(prefix + "value2", "")]
    else:
        value = data.get(prefix + "value", "")
    return {"field": field_key, "op": op, "value": value}


def tree_from_post(data: QueryDict) -> dict[str, Any]:
    """The definition as typed (unchecked). Without any `node` input: an empty "all" group."""
    root: dict[str, Any] = {"match": data.get("g-match", "all"), "conditions": []}
    if root["match"] not in ("all", "any"):
        root["match"] = "all"
    nodes: dict[str, dict[str, Any]] = {"": root}
    for entry in data.getlist("node")[:MAX_ITEMS]:
        kind, _colon, path = entry.partition(":")
        if not path or path in nodes:
            continue
        parent = nodes.get(_parent(path))
        if parent is None or "conditions" not in parent:
            continue
        if kind == "g":
            match = data.get(f"g{path}-match", "all")
            node: dict[str, Any] = {"match": match if match in ("all", "any") else "all", "conditions": []}
        elif kind == "c":
            node = _condition_from_post(data, path)
        else:
            continue
        nodes[path] = node
        parent["conditions"].append(node)
    return root


def _find(tree: dict[str, Any], path: str) -> tuple[dict[str, Any] | None, int]:
    """(the group holding the item at `path`, its index); the group itself for path ""."""
    if not path:
        return None, -1
    group = tree
    parts = [int(part) - 1 for part in path.split(".") if part.isdigit()]
    if len(parts) != len(path.split(".")):
        return None, -1
    for index in parts[:-1]:
        items = group.get("conditions", [])
        if not 0 <= index < len(items) or "conditions" not in items[index]:
            return None, -1
        group = items[index]
    last = parts[-1]
    return (group, last) if 0 <= last < len(group.get("conditions", [])) else (None, -1)


def _group_at(tree: dict[str, Any], path: str) -> dict[str, Any] | None:
    if not path:
        return tree
    holder, index = _find(tree, path)
    if holder is None:
        return None
    item: dict[str, Any] = holder["conditions"][index]
    return item if "conditions" in item else None


def _count(tree: dict[str, Any]) -> int:
    return sum(1 + (_count(item) if "conditions" in item else 0) for item in tree.get("conditions", []))


def apply_action(tree: dict[str, Any], action: str) -> dict[str, Any]:
    """`add-condition:<group path>`, `add-group:<group path>`, `remove:<item path>`."""
    verb, _colon, path = action.partition(":")
    if verb in ("add-condition", "add-group"):
        group = _group_at(tree, path)
        if group is not None and _count(tree) < MAX_ITEMS:
            blank: dict[str, Any] = {"field": "", "op": "", "value": None}
            group["conditions"].append(blank if verb == "add-condition" else {"match": "any", "conditions": [blank]})
    elif verb == "remove":
        holder, index = _find(tree, path)
        if holder is not None:
            del holder["conditions"][index]
    return tree


def is_complete(tree: dict[str, Any]) -> bool:
    """Every condition has a field (the count waits until then, instead of showing an error)."""
    for item in tree.get("conditions", []):
        if "conditions" in item:
            if not is_complete(item):
                return False
        elif not item.get("field"):
            return False
    return True


# --- Rendering ---------------------------------------------------------------------------------


def _value_input(segment_field: SegmentField, op: str) -> str:
    if segment_field.type == FieldType.CHOICE:
        return "choice"
    if segment_field.type == FieldType.BOOLEAN:
        return "boolean"
    if segment_field.type == FieldType.TEXT:
        return "none" if op == "is_empty" else "text"
    if segment_field.type == FieldType.DATE:
        return "days" if op in ("within_days", "more_than_days_ago") else "date"
    if segment_field.type == FieldType.MONEY:
        return "money"
    return "number"


def _display(value: Any) -> Any:
    """A stored number as the person would type it back (money without decimals)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def render_tree(tree: dict[str, Any], errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """The tree with what the template needs per item: path, field, operators, input kind."""
    errors = errors or {}

    def group(node: dict[str, Any], path: str, depth: int) -> dict[str, Any]:
        items = []
        for index, item in enumerate(node.get("conditions", []), start=1):
            item_path = f"{path}.{index}" if path else str(index)
            if "conditions" in item:
                items.append(group(item, item_path, depth + 1))
            else:
                items.append(condition(item, item_path))
        return {
            "kind": "group",
            "path": path,
            "match": node.get("match", "all"),
            "items": items,
            "depth": depth,
            "can_nest": depth < 2,
            "errors": errors.get(f"conditions.{path}", []) if path else [],
        }

    def condition(item: dict[str, Any], path: str) -> dict[str, Any]:
        segment_field = get_field(item.get("field") or "")
        value = item.get("value")
        values = [str(v) for v in value] if isinstance(value, list) else []
        shown = {
            "kind": "condition",
            "path": path,
            "field": segment_field,
            "op": item.get("op", ""),
            "operators": operators_for(segment_field) if segment_field else [],
            "input": _value_input(segment_field, item.get("op", "")) if segment_field else "none",
            "value": "" if value is None or isinstance(value, list) else _display(value),
            "values": values,
            "value1": _display(value[0]) if isinstance(value, list) and len(value) == 2 else "",
            "value2": _display(value[1]) if isinstance(value, list) and len(value) == 2 else "",
            "choices": list(segment_field.choices()) if segment_field and segment_field.choices else [],
            "errors": errors.get(f"conditions.{path}", []),
        }
        if segment_field and segment_field.type == FieldType.BOOLEAN:
            shown["value"] = "false" if value in (False, "false") else "true"
        return shown

    return group(tree, "", 0)


def field_options() -> list[tuple[str, list[SegmentField]]]:
    return grouped_fields()
