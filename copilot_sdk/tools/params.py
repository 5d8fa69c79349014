"""The official SDK's tool form: a handler ``(params)`` or ``(params, invocation)``
whose ``params`` is one object holding every argument.

``params`` may be annotated with (or ``define_tool(params_type=...)`` may name):

* a pydantic model (extra ``copilot_sdk[pydantic]``): the schema is pydantic's own
  ``model_json_schema()``, the arguments are checked and converted by
  ``model_validate``, and its errors go back to the model as ``field: problem``;
* a dataclass, or an attrs class: the schema and conversion of
  :mod:`copilot_sdk.tools.schema` (nested dataclasses are plain dicts);
* a TypedDict: the same, and ``params`` arrives as a dict.

pydantic is imported only when a model is used, so the package works without it.
"""

from __future__ import annotations

import dataclasses
import inspect
import sys
import typing
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

import attrs

from .docstring import parse_docstring
from .schema import InvalidArguments, function_spec

__all__ = ["ParamsModel", "is_params_type", "params_model"]


def _is_pydantic(tp: Any) -> bool:
    if not isinstance(tp, type):
        return False
    module = sys.modules.get("pydantic")
    base = getattr(module, "BaseModel", None) if module is not None else None
    return base is not None and issubclass(tp, base)


def _is_typeddict(tp: Any) -> bool:
    return (
        isinstance(tp, type)
        and issubclass(tp, dict)
        and hasattr(tp, "__total__")
        and hasattr(tp, "__annotations__")
    )


def is_params_type(tp: Any) -> bool:
    """True for a pydantic model, a dataclass or a TypedDict."""
    return _is_pydantic(tp) or (isinstance(tp, type) and dataclasses.is_dataclass(tp)) or _is_typeddict(tp)


@attrs.frozen
class ParamsModel:
    """A params type's JSON Schema, and how to turn arguments into an instance."""

    type: Any
    parameters: Dict[str, Any]
    description: str
    _build: Callable[[Any], Any]

    def build(self, arguments: Any) -> Any:
        """``arguments`` as an instance of the params type.

        Raises:
            InvalidArguments: one ``field: problem`` line per problem.
        """
        return self._build({} if arguments is None else arguments)


def params_model(tp: Any, tool_name: str) -> ParamsModel:
    """The :class:`ParamsModel` of ``tp`` (see the module doc).

    Raises:
        TypeError: ``tp`` is not a supported params type, or a field's type cannot
            be expressed in JSON Schema.
    """
    if _is_pydantic(tp):
        return _pydantic(tp)
    if isinstance(tp, type) and (dataclasses.is_dataclass(tp) or _is_typeddict(tp) or attrs.has(tp)):
        return _fields(tp, tool_name)
    raise TypeError(
        f"tool {tool_name!r}: params_type must be a pydantic model, a dataclass or a TypedDict, "
        f"not {getattr(tp, '__qualname__', tp)!r}"
    )


def _pydantic(model: Any) -> ParamsModel:
    import pydantic  # present: ``model`` is one of its classes

    def build(arguments: Any) -> Any:
        try:
            return model.model_validate(arguments)
        except pydantic.ValidationError as exc:
            problems: List[str] = []
            for error in exc.errors():
                where = ".".join(str(part) for part in error.get("loc", ())) or "arguments"
                problems.append(f"{where}: {error.get('msg', 'invalid')}")
            raise InvalidArguments(problems or ["arguments: invalid"]) from None

    schema = dict(model.model_json_schema())
    schema.setdefault("properties", {})
    description = schema.pop("description", "") or ""
    return ParamsModel(model, schema, description, build)


def _fields(cls: type, tool_name: str) -> ParamsModel:
    """A dataclass, attrs class or TypedDict, through a function with one keyword
    parameter per field (so :func:`function_spec` does the schema and conversion)."""
    try:
        hints = typing.get_type_hints(cls, include_extras=True)
    except Exception as exc:
        raise TypeError(
            f"tool {tool_name!r}: cannot resolve the type hints of {cls.__qualname__}: {exc}"
        ) from exc
    doc = parse_docstring(cls.__dict__.get("__doc__"))
    entries: List[Tuple[str, Any, Optional[str]]] = []  # name, default (or empty), description
    if dataclasses.is_dataclass(cls):
        for field in dataclasses.fields(cls):
            if not field.init:
                continue
            default: Any = inspect.Parameter.empty
            if field.default is not dataclasses.MISSING:
                default = field.default
            elif field.default_factory is not dataclasses.MISSING:
                default = None  # a null or a missing value: the factory makes it
            text = field.metadata.get("description") or doc.attributes.get(field.name)
            entries.append((field.name, default, text))
    elif attrs.has(cls):
        for afield in attrs.fields(cls):
            if afield.init:
                default = inspect.Parameter.empty if afield.default is attrs.NOTHING else None
                entries.append((afield.alias or afield.name, default, doc.attributes.get(afield.name)))
    else:
        required = getattr(cls, "__required_keys__", frozenset(hints))
        for name in hints:
            entries.append(
                (name, inspect.Parameter.empty if name in required else None, doc.attributes.get(name))
            )
    spec = function_spec(_signature_only(entries, hints), tool_name, type(None))
    is_dict = _is_typeddict(cls)
    defaults_none = {name for name, default, _ in entries if default is None}

    def build(arguments: Any) -> Any:
        kwargs = spec.bind(arguments)
        if is_dict:
            return dict(kwargs)
        return cls(**{k: v for k, v in kwargs.items() if not (v is None and k in defaults_none)})

    return ParamsModel(cls, spec.parameters, doc.description, build)


def _signature_only(
    entries: List[Tuple[str, Any, Optional[str]]], hints: Mapping[str, Any]
) -> Callable[..., Any]:
    def fields(**kwargs: Any) -> None:
        """Fields."""

    params = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=hints[name])
        for name, default, _ in entries
    ]
    fields.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    fields.__annotations__ = {name: hints[name] for name, _, _ in entries}
    described = [f"    {name}: {text}" for name, _, text in entries if text]
    fields.__doc__ = "Fields.\n\nArgs:\n" + "\n".join(described) if described else "Fields."
    return fields
