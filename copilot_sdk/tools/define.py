"""Defining tools: :class:`Tool`, :func:`define_tool` and running a tool's handler
with its failures turned into results for the model."""

from __future__ import annotations

import inspect
import logging
import re
import typing
from typing import TYPE_CHECKING, Any, Callable, List, Mapping, Optional, Sequence, Tuple, Union, overload

import attrs

from ..errors import AbortedError, ToolError
from .asyncrun import run_awaitable
from .result import ToolInvocation, ToolResult, failure, to_tool_result

if TYPE_CHECKING:  # schemas from type hints load with the first define_tool
    from .params import ParamsModel
    from .schema import FunctionSpec

logger = logging.getLogger("copilot_sdk.tools")

__all__ = ["EMPTY_PARAMETERS", "Tool", "define_tool", "invalid_arguments", "invoke_tool", "validate_tools"]

EMPTY_PARAMETERS: Mapping[str, Any] = {"type": "object", "properties": {}}
_NAME_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


class _FunctionHandler:
    """The handler of a :func:`define_tool` tool: binds the JSON arguments to the
    function's parameters (converting them) and calls it; or, in the official
    form, builds its one params object (see :mod:`.params`)."""

    def __init__(
        self, function: Callable[..., Any], spec: Optional[FunctionSpec],
        params: Optional[ParamsModel] = None,
        pass_invocation: bool = False,
    ) -> None:
        self.function = function
        self.spec = spec
        self.params = params
        self.pass_invocation = pass_invocation

    def bind(self, arguments: Any) -> Any:
        """The converted arguments; InvalidArguments if they do not fit."""
        if self.params is not None:
            return self.params.build(arguments)
        assert self.spec is not None
        return self.spec.bind(arguments)

    def __call__(self, invocation: ToolInvocation) -> Any:
        bound = self.bind(invocation.arguments)
        if self.params is not None:
            args = (bound, invocation) if self.pass_invocation else (bound,)
            return self.function(*args)
        assert self.spec is not None
        if self.spec.invocation_parameter is not None:
            bound[self.spec.invocation_parameter] = invocation
        return self.function(**bound)

    def __repr__(self) -> str:
        return f"<handler calling {getattr(self.function, '__qualname__', self.function)!r}>"


def _check_name(_inst: object, _attr: object, value: Any) -> None:
    if not isinstance(value, str):
        raise TypeError(f"Tool name must be a str, not {type(value).__name__}")
    if not _NAME_RE.fullmatch(value):
        raise ValueError(
            f"Tool name {value[:80]!r} is invalid: use 1-64 ASCII letters, digits, '_' and '-'"
            " (pass name=... to define_tool to choose one)"
        )


def _check_parameters(_inst: object, _attr: object, value: Any) -> None:
    if not isinstance(value, Mapping):
        raise TypeError(f"Tool parameters must be a JSON Schema dict, not {type(value).__name__}")
    if value.get("type", "object") != "object":
        raise ValueError("Tool parameters must be a JSON Schema of type 'object'")


def _check_handler(_inst: object, _attr: object, value: Any) -> None:
    if not callable(value):
        raise TypeError("Tool handler must be callable: handler(ToolInvocation) -> result")


@attrs.frozen(kw_only=True)
class Tool:
    """A tool the model may call.

    Attributes:
        name: 1-64 ASCII letters, digits, ``_`` and ``-``; unique in a session.
        description: what the tool does, for the model.
        parameters: the JSON Schema of its arguments object; arguments that do not
            fit it (checked for the usual keywords: type, properties, required,
            items, enum, anyOf...) are refused before the handler runs.
        handler: ``handler(ToolInvocation)`` returning a str, a ToolResult or a
            JSON-able value; ``async def`` handlers run to completion (an abort
            cancels them). It runs on the client's tool pool, possibly at the same
            time as other tools of the same round.
        skip_permission: run without asking ``on_permission_request`` (unless the
            pre-tool-use hook says "ask").
        overrides_built_in_tool: this tool replaces the built-in of the same name
            (a custom tool named like a built-in is refused without it).

    A tool made by :func:`define_tool` is also callable like its function:
    ``get_weather("Paris")`` calls the function directly.
    """

    name: str = attrs.field(validator=_check_name)
    description: str = attrs.field(default="", validator=attrs.validators.instance_of(str))
    parameters: Mapping[str, Any] = attrs.field(
        factory=lambda: dict(EMPTY_PARAMETERS), validator=_check_parameters
    )
    handler: Callable[[ToolInvocation], Any] = attrs.field(repr=False, validator=_check_handler)
    skip_permission: bool = attrs.field(default=False, validator=attrs.validators.instance_of(bool))
    overrides_built_in_tool: bool = attrs.field(default=False, validator=attrs.validators.instance_of(bool))

    @property
    def function(self) -> Optional[Callable[..., Any]]:
        """The function a :func:`define_tool` tool was made from, else None."""
        return self.handler.function if isinstance(self.handler, _FunctionHandler) else None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call the original function (define_tool tools only)."""
        function = self.function
        if function is None:
            raise TypeError(
                f"Tool {self.name!r} was not made by define_tool; call tool.handler(invocation)"
            )
        return function(*args, **kwargs)

    def check_arguments(self, arguments: Any) -> List[str]:
        """``field: problem`` lines for arguments that do not fit, or []."""
        from .schema import InvalidArguments
        from .validate import validate_json

        if isinstance(self.handler, _FunctionHandler):
            try:
                self.handler.bind(arguments)
            except InvalidArguments as exc:
                return list(exc.problems)
            return []
        return validate_json(arguments, self.parameters)

    def invoke(self, invocation: ToolInvocation) -> ToolResult:
        """Run the handler; failures come back as failure results, never raised."""
        return invoke_tool(self, invocation)[0]


@overload
def define_tool(fn: Callable[..., Any], /) -> Tool: ...


@overload
def define_tool(
    name: Optional[str] = None,
    /,
    *,
    description: Optional[str] = None,
    skip_permission: bool = False,
    overrides_built_in_tool: bool = False,
    params_type: Optional[type] = None,
) -> Callable[[Callable[..., Any]], Tool]: ...


@overload
def define_tool(
    name: str,
    /,
    *,
    handler: Callable[..., Any],
    description: Optional[str] = None,
    params_type: Optional[type] = None,
    skip_permission: bool = False,
    overrides_built_in_tool: bool = False,
) -> Tool: ...


@overload
def define_tool(
    *,
    name: Optional[str] = None,
    description: Optional[str] = None,
    skip_permission: bool = False,
    overrides_built_in_tool: bool = False,
    params_type: Optional[type] = None,
) -> Callable[[Callable[..., Any]], Tool]: ...


def define_tool(
    fn: Union[None, str, Callable[..., Any]] = None,
    /,
    *,
    name: Optional[str] = None,
    description: Optional[str] = None,
    handler: Optional[Callable[..., Any]] = None,
    params_type: Optional[type] = None,
    skip_permission: bool = False,
    overrides_built_in_tool: bool = False,
) -> Union[Tool, Callable[[Callable[..., Any]], Tool]]:
    """Make a :class:`Tool` from a typed function; use bare or with arguments.

    Example::

        @define_tool
        def get_weather(city: str, unit: Literal["C", "F"] = "C") -> dict:
            \"\"\"Current weather for a city.

            Args:
                city: the city name, e.g. "Paris".
            \"\"\"

    The official SDK's forms work too: a handler ``(params)`` or ``(params,
    invocation)`` whose first parameter is annotated with a pydantic model (extra
    ``copilot_sdk[pydantic]``), a dataclass or a TypedDict::

        @define_tool(description="Fetch issue details")
        async def lookup_issue(params: LookupIssueParams) -> str: ...

        tool = define_tool("lookup_issue", description="...", handler=fn, params_type=Params)

    Args:
        fn: the function (when used bare), or the tool name (the official form).
        name: the tool name; default: the function's ``__name__``.
        description: for the model; default: the docstring's text before its
            ``Args:``/``Returns:`` sections.
        handler: the function, when not used as a decorator (needs a name).
        params_type: the params type of a ``(params[, invocation])`` handler, when
            its annotation does not say it.
        skip_permission: see :class:`Tool`.
        overrides_built_in_tool: see :class:`Tool`.

    Parameter descriptions come from ``Annotated[T, "description"]`` or the
    docstring's ``Args:`` entries. Parameters with defaults are optional (a null
    sent for them means "use the default"). A parameter annotated
    :class:`ToolInvocation` receives the invocation and is not shown to the model.
    ``async def`` functions run to completion on the tool thread.

    Raises:
        TypeError: a parameter has no annotation or one that cannot be expressed
            in JSON Schema (the message names the parameter and the type).
        ValueError: the name is not a valid tool name.
    """
    if isinstance(fn, str):
        if name is not None and name != fn:
            raise TypeError("define_tool: the name is given twice")
        name, fn = fn, None

    def build(func: Callable[..., Any]) -> Tool:
        if not callable(func):
            raise TypeError(f"define_tool needs a function, not {type(func).__name__}")
        tool_name = name if name is not None else getattr(func, "__name__", "")
        _check_name(None, None, tool_name)
        wrapped = _function_handler(func, tool_name, params_type)
        text = wrapped.params.description if wrapped.params is not None else ""
        if wrapped.spec is not None:
            text = wrapped.spec.description
        return Tool(
            name=tool_name,
            description=description if description is not None else (text or _doc(func)),
            parameters=wrapped.params.parameters if wrapped.params is not None else wrapped.spec.parameters,  # type: ignore[union-attr]
            handler=wrapped,
            skip_permission=skip_permission,
            overrides_built_in_tool=overrides_built_in_tool,
        )

    if handler is not None:
        if fn is not None or name is None:
            raise TypeError("define_tool(name, handler=...) needs the tool name and no decorated function")
        return build(handler)
    if fn is not None:
        return build(fn)
    return build


def _doc(func: Callable[..., Any]) -> str:
    from .docstring import parse_docstring

    return parse_docstring(inspect.getdoc(func)).description


def _function_handler(
    func: Callable[..., Any], tool_name: str, params_type: Optional[type]
) -> _FunctionHandler:
    """The official ``(params[, invocation])`` form when the first parameter is a
    params type (or ``params_type`` is given), else one JSON field per parameter."""
    from .params import is_params_type, params_model
    from .schema import function_spec

    try:
        params = [p for p in inspect.signature(func).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    first = params[0] if params else None
    if params_type is None and first is not None:
        try:
            hints = typing.get_type_hints(func)
        except Exception:
            hints = {}
        if is_params_type(hints.get(first.name)):
            params_type = hints[first.name]
    if params_type is not None:
        if first is None:
            raise TypeError(f"tool {tool_name!r}: params_type needs a handler (params[, invocation])")
        return _FunctionHandler(func, None, params_model(params_type, tool_name), len(params) >= 2)
    return _FunctionHandler(func, function_spec(func, tool_name, ToolInvocation))


def validate_tools(tools: Sequence[Tool]) -> Tuple[Tool, ...]:
    """``tools`` as a tuple, checked: every item a Tool, names unique.

    Raises:
        TypeError: an item is not a Tool.
        ValueError: two tools share a name.
    """
    seen: set[str] = set()
    for index, tool in enumerate(tools):
        if not isinstance(tool, Tool):
            raise TypeError(
                f"tools[{index}] must be a Tool (see define_tool), not {type(tool).__name__}"
            )
        if tool.name in seen:
            raise ValueError(f"tools: duplicate tool name {tool.name!r}")
        seen.add(tool.name)
    return tuple(tools)


def invalid_arguments(tool_name: str, problems: Sequence[str]) -> ToolResult:
    """The result sent to the model for arguments that do not fit the schema."""
    text = f"Invalid arguments for tool '{tool_name}':\n" + "\n".join(problems)
    return failure(text, "invalid arguments: " + "; ".join(problems))


def invoke_tool(tool: Tool, invocation: ToolInvocation) -> Tuple[ToolResult, Optional[Exception]]:
    """Run ``tool``'s handler; return its result and the unexpected exception, if
    any (a ToolError or invalid arguments are expected failures, not errors)."""
    from .agent import current_context  # agent.py builds on this module
    from .schema import InvalidArguments

    try:
        value = run_awaitable(tool.handler(invocation), current_context().cancel)
    except AbortedError:
        return failure(f"Tool '{tool.name}' was aborted."), None
    except ToolError as exc:
        return failure(exc.message or f"Tool '{tool.name}' failed."), None
    except InvalidArguments as exc:
        return invalid_arguments(tool.name, exc.problems), None
    except Exception as exc:
        logger.exception(
            "tool %r raised (session %r, call %r)",
            tool.name, invocation.session_id, invocation.tool_call_id,
        )
        text = f"Tool '{tool.name}' failed: {type(exc).__name__}"
        return failure(text, f"{type(exc).__name__}: {exc}"), exc
    try:
        return to_tool_result(value), None
    except (TypeError, ValueError) as exc:
        logger.exception("tool %r returned a value that cannot be sent as JSON", tool.name)
        text = f"Tool '{tool.name}' failed: its result could not be converted to text"
        return failure(text, f"{type(exc).__name__}: {exc}"), exc
