"""Checking JSON values against a JSON Schema, for low-level tools that bring their
own ``parameters`` schema. A practical subset: ``type``, ``enum``, ``const``,
``properties``, ``required``, ``additionalProperties``, ``items``, ``anyOf``,
``oneOf``, ``allOf``, local ``$ref``; other keywords are ignored. Problems are
``path: problem`` lines for the model."""

from __future__ import annotations

from typing import Any, Callable, List, Mapping

__all__ = ["describe_value", "is_integer", "is_number", "validate_json"]


def describe_value(value: Any) -> str:
    """A short JSON-ish rendering of ``value`` for problem messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        text = repr(value)
        return text if len(text) <= 60 else text[:56] + "...'"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def is_integer(value: Any) -> bool:
    """A JSON integer (3, or 3.0 as some models send it), not a bool."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def is_number(value: Any) -> bool:
    """A JSON number, not a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_TYPE_CHECKS: Mapping[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": is_integer,
    "number": is_number,
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


def validate_json(value: Any, schema: Any) -> List[str]:
    """Problems of ``value`` against ``schema`` (empty if it fits), as
    ``path: problem`` lines; the path of the top-level object's properties is
    their name."""
    problems: List[str] = []
    _check(value, schema, "", schema, problems, 0)
    return problems


def _same(a: Any, b: Any) -> bool:
    return bool(a == b) and isinstance(a, bool) == isinstance(b, bool)


def _resolve(ref: Any, root: Any) -> Any:
    if not isinstance(ref, str) or not ref.startswith("#"):
        return None
    node = root
    for part in filter(None, ref[1:].split("/")):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _check(value: Any, schema: Any, path: str, root: Any, problems: List[str], depth: int) -> None:
    if not isinstance(schema, Mapping) or depth > 64:
        return
    name = path or "arguments"
    if "$ref" in schema:
        _check(value, _resolve(schema["$ref"], root), path, root, problems, depth + 1)
    expected = schema.get("type")
    if expected is not None:
        kinds = [expected] if isinstance(expected, str) else list(expected)
        if not any(_TYPE_CHECKS[k](value) if k in _TYPE_CHECKS else True for k in kinds):
            problems.append(f"{name}: expected {' or '.join(map(str, kinds))}, got {describe_value(value)}")
            return
    if "enum" in schema and isinstance(schema["enum"], list):
        if not any(_same(value, option) for option in schema["enum"]):
            allowed = ", ".join(describe_value(o) for o in schema["enum"])
            problems.append(f"{name}: expected one of {allowed}, got {describe_value(value)}")
    if "const" in schema and not _same(value, schema["const"]):
        problems.append(f"{name}: expected {describe_value(schema['const'])}, got {describe_value(value)}")
    for keyword in ("anyOf", "oneOf"):
        options = schema.get(keyword)
        if isinstance(options, list) and options:
            if not any(not _probe(value, o, root, depth) for o in options):
                problems.append(f"{name}: {describe_value(value)} does not match any allowed form")
    for sub in schema.get("allOf") or ():
        _check(value, sub, path, root, problems, depth + 1)
    if isinstance(value, dict):
        _check_object(value, schema, path, root, problems, depth)
    if isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        for i, item in enumerate(value):
            _check(item, schema["items"], f"{name}[{i}]", root, problems, depth + 1)


def _probe(value: Any, schema: Any, root: Any, depth: int) -> List[str]:
    scratch: List[str] = []
    _check(value, schema, "", root, scratch, depth + 1)
    return scratch


def _check_object(
    value: Mapping[str, Any], schema: Mapping[str, Any], path: str, root: Any, problems: List[str], depth: int
) -> None:
    properties = schema.get("properties")
    properties = properties if isinstance(properties, Mapping) else {}
    for key in schema.get("required") or ():
        if key not in value:
            problems.append(f"{path + '.' if path else ''}{key}: required")
    extra = schema.get("additionalProperties", True)
    for key, item in value.items():
        sub = f"{path}.{key}" if path else str(key)
        if key in properties:
            _check(item, properties[key], sub, root, problems, depth + 1)
        elif extra is False:
            problems.append(f"{sub}: unexpected property")
        elif isinstance(extra, Mapping):
            _check(item, extra, sub, root, problems, depth + 1)
