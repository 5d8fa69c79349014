"""JSON Schema from Python type hints, and JSON arguments back to those types.

:func:`function_spec` reads a function's signature once, at definition time, and
builds a tree of nodes: each holds the JSON Schema of one annotation and a converter
that turns a JSON value into that type (an attrs class into an instance, an Enum
value into its member, ...) or records what is wrong with it as ``path: problem``
lines, the form a model can act on ("count: expected integer, got 'abc'").

Supported: ``str``, ``int``, ``float``, ``bool``, ``None``, ``Any``, ``list[T]``,
``dict[str, T]``, ``Optional[T]`` / ``T | None`` and other unions, ``Literal``,
``Enum`` subclasses, attrs classes (nested, inlined), and ``Annotated[T, "text"]``
for descriptions. Anything else raises a TypeError naming the parameter and type.
"""

from __future__ import annotations

import enum
import inspect
import types
import typing
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import attrs

from .docstring import parse_docstring
from .validate import describe_value, is_integer, is_number

__all__ = ["FunctionSpec", "InvalidArguments", "function_spec"]

#: Returned by a converter that recorded a problem.
INVALID: Any = object()
Converter = Callable[[Any, str, List[str]], Any]

_SUPPORTED = (
    "str, int, float, bool, None, Any, list[T], dict[str, T], Optional[T] / T | None, "
    "Literal[...], Enum subclasses, attrs classes and Annotated[T, 'description']"
)


class InvalidArguments(Exception):
    """Arguments that do not fit a tool's parameters; ``problems`` are
    ``"field: problem"`` lines."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems: Tuple[str, ...] = tuple(problems)


@attrs.frozen
class _Node:
    schema: Dict[str, Any]
    convert: Converter
    accepts_null: bool = False


@attrs.frozen
class _Prop:
    name: str
    node: _Node
    required: bool


_SCALARS: Mapping[Any, Tuple[str, Callable[[Any], bool], Callable[[Any], Any]]] = {
    str: ("string", lambda v: isinstance(v, str), lambda v: v),
    int: ("integer", is_integer, int),
    float: ("number", is_number, float),
    bool: ("boolean", lambda v: isinstance(v, bool), lambda v: v),
    type(None): ("null", lambda v: v is None, lambda v: None),
}


def _scalar(tp: Any) -> _Node:
    json_type, accept, cast = _SCALARS[tp]

    def convert(value: Any, path: str, problems: List[str]) -> Any:
        if accept(value):
            return cast(value)
        problems.append(f"{path}: expected {json_type}, got {describe_value(value)}")
        return INVALID

    return _Node({"type": json_type}, convert, accepts_null=tp is type(None))


def _any(value: Any, path: str, problems: List[str]) -> Any:
    return value


def _choice(schema: Dict[str, Any], pick: Callable[[Any], Any], options: Sequence[Any]) -> _Node:
    """A node accepting one of ``options`` (JSON values); ``pick`` maps it to Python."""
    allowed = ", ".join(describe_value(o) for o in options)

    def convert(value: Any, path: str, problems: List[str]) -> Any:
        for option in options:
            if option == value and isinstance(option, bool) == isinstance(value, bool):
                return pick(option)
        problems.append(f"{path}: expected one of {allowed}, got {describe_value(value)}")
        return INVALID

    return _Node(schema, convert, accepts_null=None in options)


def _enum_schema(values: Sequence[Any]) -> Dict[str, Any]:
    kinds = {"string" if isinstance(v, str) else "boolean" if isinstance(v, bool)
             else "integer" if isinstance(v, int) else "number" if isinstance(v, float)
             else "null" if v is None else "?" for v in values}
    if len(kinds) == 1 and "?" not in kinds:
        return {"type": kinds.pop(), "enum": list(values)}
    return {"enum": list(values)}


class _Builder:
    """Builds nodes; ``where`` names what is being built for TypeError messages."""

    def __init__(self) -> None:
        self._stack: List[type] = []

    def node(self, tp: Any, where: str) -> _Node:
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if origin is typing.Annotated:
            node = self.node(args[0], where)
            text = next((m for m in args[1:] if isinstance(m, str)), None)
            return _described(node, text) if text else node
        if tp is Any:
            return _Node({}, _any, accepts_null=True)
        if tp is None or tp in _SCALARS:
            return _scalar(type(None) if tp is None else tp)
        if tp is list or origin is list:
            return self._list(args[0] if args else Any, where)
        if tp is dict or origin is dict:
            if args and args[0] is not str:
                raise TypeError(f"{where}: unsupported type {_name(tp)}: JSON object keys are strings")
            return self._dict(args[1] if args else Any, where)
        if origin is typing.Union or origin is types.UnionType:
            return self._union(args, where)
        if origin is typing.Literal:
            return _choice(_enum_schema(args), lambda v: v, args)
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            members = list(tp)
            if not all(m.value is None or isinstance(m.value, (str, int, float)) for m in members):
                raise TypeError(f"{where}: Enum {tp.__qualname__} has values that are not JSON scalars")
            by_value = {id(m.value): m for m in members}
            values = [m.value for m in members]
            return _choice(_enum_schema(values), lambda v: by_value[id(v)], values)
        if isinstance(tp, type) and attrs.has(tp):
            return self._attrs(tp, where)
        raise TypeError(f"{where}: unsupported type {_name(tp)}; supported: {_SUPPORTED}")

    def _list(self, item_tp: Any, where: str) -> _Node:
        item = self.node(item_tp, where)

        def convert(value: Any, path: str, problems: List[str]) -> Any:
            if not isinstance(value, list):
                problems.append(f"{path}: expected array, got {describe_value(value)}")
                return INVALID
            out = [item.convert(v, f"{path}[{i}]", problems) for i, v in enumerate(value)]
            return INVALID if any(v is INVALID for v in out) else out

        schema: Dict[str, Any] = {"type": "array"}
        if item.schema:
            schema["items"] = item.schema
        return _Node(schema, convert)

    def _dict(self, value_tp: Any, where: str) -> _Node:
        item = self.node(value_tp, where)

        def convert(value: Any, path: str, problems: List[str]) -> Any:
            if not isinstance(value, dict):
                problems.append(f"{path}: expected object, got {describe_value(value)}")
                return INVALID
            out = {k: item.convert(v, f"{path}.{k}", problems) for k, v in value.items()}
            return INVALID if any(v is INVALID for v in out.values()) else out

        schema: Dict[str, Any] = {"type": "object"}
        if item.schema:
            schema["additionalProperties"] = item.schema
        return _Node(schema, convert)

    def _union(self, members: Sequence[Any], where: str) -> _Node:
        nodes = [self.node(m, where) for m in members]
        expected = " or ".join(_expected(n.schema) for n in nodes)

        def convert(value: Any, path: str, problems: List[str]) -> Any:
            for node in nodes:
                scratch: List[str] = []
                result = node.convert(value, path, scratch)
                if result is not INVALID:
                    return result
            if value is not None and isinstance(value, (dict, list)) and len(nodes) == 2:
                # Optional[object or array]: the nested problems are the useful ones
                other = [n for n in nodes if not n.accepts_null]
                if len(other) == 1 and other[0].schema.get("type") in ("object", "array"):
                    return other[0].convert(value, path, problems)
            problems.append(f"{path}: expected {expected}, got {describe_value(value)}")
            return INVALID

        return _Node(
            {"anyOf": [n.schema for n in nodes]}, convert, any(n.accepts_null for n in nodes)
        )

    def _attrs(self, cls: type, where: str) -> _Node:
        if cls in self._stack:
            raise TypeError(f"{where}: recursive attrs class {cls.__qualname__} is not supported")
        self._stack.append(cls)
        try:
            try:
                hints = typing.get_type_hints(cls, include_extras=True)
            except Exception as exc:
                raise TypeError(
                    f"{where}: cannot resolve the type hints of {cls.__qualname__}: {exc}"
                ) from exc
            doc = parse_docstring(cls.__dict__.get("__doc__"))
            props = []
            for field in attrs.fields(cls):
                if not field.init:
                    continue
                tp = hints.get(field.name, field.type)
                field_where = f"field {field.name!r} of {cls.__qualname__} ({where})"
                if tp is None:
                    raise TypeError(f"{field_where}: no type annotation")
                text = field.metadata.get("description") or doc.attributes.get(field.name)
                required = field.default is attrs.NOTHING
                default = None if required or isinstance(field.default, attrs.Factory) else field.default  # type: ignore[arg-type]
                has_default = not required and not isinstance(field.default, attrs.Factory)  # type: ignore[arg-type]
                name = field.alias or field.name
                props.append(self.prop(name, tp, field_where, text, required, has_default, default))
        finally:
            self._stack.pop()
        return _object(props, lambda kw: cls(**kw), doc.description or None)

    def prop(
        self,
        name: str,
        tp: Any,
        where: str,
        text: Optional[str],
        required: bool,
        has_default: bool,
        default: Any,
    ) -> _Prop:
        node = self.node(tp, where)
        schema = dict(node.schema)
        if text and "description" not in schema:
            schema["description"] = text
        json_default = _json_value(default) if has_default else INVALID
        if json_default is not INVALID:
            schema["default"] = json_default
        if has_default and not node.accepts_null:
            # A model often sends null for "not given": use the default then.
            inner = node.convert

            def convert(value: Any, path: str, problems: List[str]) -> Any:
                return _OMIT if value is None else inner(value, path, problems)

            node = _Node(schema, convert)
        return _Prop(name, attrs.evolve(node, schema=schema), required)


_OMIT: Any = object()  # a null sent for a defaulted field: leave it out


def _described(node: _Node, text: str) -> _Node:
    return attrs.evolve(node, schema={**node.schema, "description": text})


def _expected(schema: Mapping[str, Any]) -> str:
    if "enum" in schema:
        return "one of " + ", ".join(describe_value(v) for v in schema["enum"])
    return str(schema.get("type", "a value"))


def _json_value(value: Any) -> Any:
    """``value`` as JSON for a schema default, or INVALID if it is not plain JSON."""
    if isinstance(value, enum.Enum):
        value = value.value
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (list, tuple)):
        items = [_json_value(v) for v in value]
        return INVALID if any(v is INVALID for v in items) else items
    return INVALID


def _object(props: Sequence[_Prop], build: Callable[[Dict[str, Any]], Any], text: Optional[str]) -> _Node:
    schema: Dict[str, Any] = {"type": "object", "properties": {p.name: p.node.schema for p in props}}
    required = [p.name for p in props if p.required]
    if required:
        schema["required"] = required
    if text:
        schema["description"] = text

    def convert(value: Any, path: str, problems: List[str]) -> Any:
        if not isinstance(value, Mapping):
            problems.append(f"{path or 'arguments'}: expected object, got {describe_value(value)}")
            return INVALID
        kwargs: Dict[str, Any] = {}
        ok = True
        for prop in props:
            sub = f"{path}.{prop.name}" if path else prop.name
            if prop.name not in value:
                if prop.required:
                    problems.append(f"{sub}: required")
                    ok = False
                continue
            result = prop.node.convert(value[prop.name], sub, problems)
            if result is INVALID:
                ok = False
            elif result is not _OMIT:
                kwargs[prop.name] = result
        if not ok:
            return INVALID
        try:
            return build(kwargs)
        except (TypeError, ValueError) as exc:  # an attrs validator said no
            problems.append(f"{path or 'arguments'}: {exc}")
            return INVALID

    return _Node(schema, convert)


def _name(tp: Any) -> str:
    # get_origin: on Python 3.10, isinstance(tuple[int, int], type) is True
    if isinstance(tp, type) and typing.get_origin(tp) is None:
        return tp.__qualname__
    return repr(tp).replace("typing.", "")


@attrs.frozen
class FunctionSpec:
    """What :func:`function_spec` learned about a function.

    Attributes:
        parameters: the JSON Schema of the arguments object.
        description: the docstring's description part ("" if none).
        invocation_parameter: the name of a parameter annotated ``ToolInvocation``
            (it receives the invocation and is not in the schema), or None.
    """

    parameters: Dict[str, Any]
    description: str
    invocation_parameter: Optional[str]
    _root: _Node

    def bind(self, arguments: Any) -> Dict[str, Any]:
        """Keyword arguments for the function, converted to its annotated types.

        Raises:
            InvalidArguments: with one ``field: problem`` line per problem.
        """
        problems: List[str] = []
        result = self._root.convert({} if arguments is None else arguments, "", problems)
        if result is INVALID:
            raise InvalidArguments(problems or ["arguments: invalid"])
        return dict(result)


def function_spec(func: Callable[..., Any], tool_name: str, invocation_type: type) -> FunctionSpec:
    """Read ``func``'s signature, type hints and docstring (see the module doc).

    Raises:
        TypeError: a parameter without annotation, of an unsupported type, or of an
            unsupported kind (``*args``, ``**kwargs``, positional-only).
    """
    target = func.func if hasattr(func, "func") and hasattr(func, "keywords") else func
    try:
        hints = typing.get_type_hints(target, include_extras=True)
    except Exception as exc:
        raise TypeError(f"tool {tool_name!r}: cannot resolve the type hints: {exc}") from exc
    doc = parse_docstring(inspect.getdoc(func))
    builder = _Builder()
    props: List[_Prop] = []
    invocation_parameter: Optional[str] = None
    for param in inspect.signature(func).parameters.values():
        where = f"parameter {param.name!r} of tool {tool_name!r}"
        if param.kind not in (param.POSITIONAL_OR_KEYWORD, param.KEYWORD_ONLY):
            raise TypeError(f"{where}: {param.kind.description} parameters are not supported")
        if param.name not in hints:
            raise TypeError(f"{where}: no type annotation (use typing.Any for any JSON value)")
        tp = hints[param.name]
        if tp is invocation_type:
            invocation_parameter = param.name
            continue
        text = doc.args.get(param.name)
        required = param.default is param.empty
        props.append(builder.prop(
            param.name, tp, where, text, required, not required, None if required else param.default
        ))
    root = _object(props, lambda kw: kw, None)
    return FunctionSpec(
        parameters=root.schema,
        description=doc.description,
        invocation_parameter=invocation_parameter,
        root=root,
    )
