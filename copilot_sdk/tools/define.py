"""Tools: Python functions the model may call, run by the client.

Two ways to make a :class:`Tool`:

* :func:`define_tool` builds one from a typed function: the name comes from the
  function, the description from the docstring (or ``description=``), and the JSON
  Schema of the parameters from the type hints (see ``copilot_sdk.tools.schema`` for the
  supported types). The function receives its arguments converted to the annotated
  types, e.g. an attrs-class parameter arrives as an instance. The resulting Tool
  stays callable like the original function.
* ``Tool(name=..., description=..., parameters=..., handler=...)`` is the low-level
  form: ``handler(ToolInvocation)`` gets the raw JSON arguments.

Tool failures are data for the model, details are for the developer: a
:class:`~copilot_sdk.ToolError` sends its message to the model; arguments that do
not fit the schema send ``field: problem`` lines so the model can correct itself;
any other exception sends a generic ``Tool 'x' failed`` message (no traceback) and
is logged on the ``copilot_sdk.tools`` logger.

A handler may return a str (sent as is), a :class:`ToolResult`, None (sent as an
empty string), or anything JSON can carry: dicts, lists, numbers, attrs instances,
Enums (their value), dates (ISO 8601) and paths.
"""

from __future__ import annotations

import datetime as _dt
import enum
import json
import logging
import pathlib
import re
from typing import Any, Callable, List, Mapping, Optional, Sequence, Tuple, Union, overload

import attrs

from ..errors import ToolError
from .schema import FunctionSpec, InvalidArguments, function_spec
from .validate import validate_json

logger = logging.getLogger("copilot_sdk.tools")

__all__ = [
    "PermissionHandler",
    "PermissionRequest",
    "PermissionRequestHandler",
    "SessionHooks",
    "Tool",
    "ToolError",
    "ToolInvocation",
    "ToolResult",
    "define_tool",
]

EMPTY_PARAMETERS: Mapping[str, Any] = {"type": "object", "properties": {}}
RESULT_TYPES = ("success", "failure", "denied", "rejected")
_NAME_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


@attrs.frozen(kw_only=True)
class ToolInvocation:
    """One call of a tool by the model, as its handler sees it.

    Attributes:
        session_id: the session whose turn asked for the call.
        tool_call_id: the model's id for this call.
        tool_name: the tool's name.
        arguments: the arguments: a dict (the parsed JSON object).
    """

    session_id: str
    tool_call_id: str
    tool_name: str
    arguments: Any


def _check_result_type(_inst: object, _attr: object, value: Any) -> None:
    if value not in RESULT_TYPES:
        raise ValueError(f"result_type must be one of {', '.join(RESULT_TYPES)}; got {value!r}")


@attrs.frozen
class ToolResult:
    """What a tool call returns to the model.

    Attributes:
        text_result_for_llm: the text the model receives.
        result_type: "success", "failure", "denied" or "rejected".
        error: a developer-facing detail (in ``tool.execution_complete``, never
            sent to the model).
    """

    text_result_for_llm: str = attrs.field(validator=attrs.validators.instance_of(str))
    result_type: str = attrs.field(default="success", kw_only=True, validator=_check_result_type)
    error: Optional[str] = attrs.field(default=None, kw_only=True)

    @property
    def success(self) -> bool:
        """True for a "success" result."""
        return self.result_type == "success"


def _json_default(value: Any) -> Any:
    if attrs.has(type(value)):
        return attrs.asdict(value, recurse=False)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, pathlib.PurePath):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def to_tool_result(value: Any) -> ToolResult:
    """A handler's return value as a ToolResult: str as is, None as "", anything
    else as JSON.

    Raises:
        TypeError: the value cannot be written as JSON.
    """
    if isinstance(value, ToolResult):
        return value
    if isinstance(value, str):
        return ToolResult(value)
    if value is None:
        return ToolResult("")
    return ToolResult(json.dumps(value, default=_json_default, ensure_ascii=False))


class _FunctionHandler:
    """The handler of a :func:`define_tool` tool: binds the JSON arguments to the
    function's parameters (converting them) and calls it."""

    def __init__(self, function: Callable[..., Any], spec: FunctionSpec) -> None:
        self.function = function
        self.spec = spec

    def __call__(self, invocation: ToolInvocation) -> Any:
        kwargs = self.spec.bind(invocation.arguments)
        if self.spec.invocation_parameter is not None:
            kwargs[self.spec.invocation_parameter] = invocation
        return self.function(**kwargs)

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
            JSON-able value. It runs on the client's tool pool, possibly at the
            same time as other tools of the same round.

    A tool made by :func:`define_tool` is also callable like its function:
    ``get_weather("Paris")`` calls the function directly.
    """

    name: str = attrs.field(validator=_check_name)
    description: str = attrs.field(default="", validator=attrs.validators.instance_of(str))
    parameters: Mapping[str, Any] = attrs.field(
        factory=lambda: dict(EMPTY_PARAMETERS), validator=_check_parameters
    )
    handler: Callable[[ToolInvocation], Any] = attrs.field(repr=False, validator=_check_handler)

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
        if isinstance(self.handler, _FunctionHandler):
            try:
                self.handler.spec.bind(arguments)
            except InvalidArguments as exc:
                return list(exc.problems)
            return []
        return validate_json(arguments, self.parameters)

    def invoke(self, invocation: ToolInvocation) -> ToolResult:
        """Run the handler; failures come back as failure results, never raised."""
        from .._engine.callbacks import invoke_tool

        return invoke_tool(self, invocation)[0]


@overload
def define_tool(fn: Callable[..., Any], /) -> Tool: ...


@overload
def define_tool(
    *, name: Optional[str] = None, description: Optional[str] = None
) -> Callable[[Callable[..., Any]], Tool]: ...


def define_tool(
    fn: Optional[Callable[..., Any]] = None,
    /,
    *,
    name: Optional[str] = None,
    description: Optional[str] = None,
) -> Union[Tool, Callable[[Callable[..., Any]], Tool]]:
    """Make a :class:`Tool` from a typed function; use bare or with arguments.

    Example::

        @define_tool
        def get_weather(city: str, unit: Literal["C", "F"] = "C") -> dict:
            \"\"\"Current weather for a city.

            Args:
                city: the city name, e.g. "Paris".
            \"\"\"

    Args:
        fn: the function (when used bare).
        name: the tool name; default: the function's ``__name__``.
        description: for the model; default: the docstring's text before its
            ``Args:``/``Returns:`` sections.

    Parameter descriptions come from ``Annotated[T, "description"]`` or the
    docstring's ``Args:`` entries. Parameters with defaults are optional (a null
    sent for them means "use the default"). A parameter annotated
    :class:`ToolInvocation` receives the invocation and is not shown to the model.

    Raises:
        TypeError: a parameter has no annotation or one that cannot be expressed
            in JSON Schema (the message names the parameter and the type).
        ValueError: the name is not a valid tool name.
    """

    def build(func: Callable[..., Any]) -> Tool:
        if not callable(func):
            raise TypeError(f"define_tool needs a function, not {type(func).__name__}")
        tool_name = name if name is not None else getattr(func, "__name__", "")
        _check_name(None, None, tool_name)
        spec = function_spec(func, tool_name, ToolInvocation)
        return Tool(
            name=tool_name,
            description=description if description is not None else spec.description,
            parameters=spec.parameters,
            handler=_FunctionHandler(func, spec),
        )

    if fn is not None:
        return build(fn)
    return build


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


@attrs.frozen(kw_only=True)
class PermissionRequest:
    """What ``on_permission_request`` is asked before a tool runs.

    Attributes:
        kind: "custom-tool" (a tool defined in this client).
        session_id: the session whose turn asked for the call.
        tool_call_id: the model's id for the call.
        tool_name: the tool's name.
        arguments: the arguments the tool would get (after ``on_pre_tool_use``).
    """

    kind: str
    session_id: str
    tool_call_id: str
    tool_name: str
    arguments: Any


#: ``handler(request)`` (or ``handler(request, invocation)``, as in the official
#: SDK) returning True/False, "approved"/"denied-...", or ``{"kind": ...}``.
PermissionRequestHandler = Callable[..., Any]


class PermissionHandler:
    """Ready-made ``on_permission_request`` handlers.

    A handler returns True, "approved" or ``{"kind": "approved"}`` to let the call
    run; False, None, a kind starting with "denied" (e.g.
    ``{"kind": "denied-interactively-by-user", "message": "not today"}``) or
    anything else denies it, and the model gets a "denied" result.
    """

    @staticmethod
    def approve_all(request: PermissionRequest) -> Mapping[str, str]:
        """Approve every tool call."""
        return {"kind": "approved"}

    @staticmethod
    def deny_all(request: PermissionRequest) -> Mapping[str, str]:
        """Deny every tool call."""
        return {"kind": "denied-by-rules"}


def _optional_callable(inst: object, attr: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not callable(value):
        raise TypeError(f"{attr.name} must be callable or None")


@attrs.frozen(kw_only=True)
class SessionHooks:
    """Callbacks around a turn; names, inputs and outputs as in the official
    Copilot SDK, with snake_case keys (the camelCase output keys are accepted too).

    Each hook gets one dict (``hook(input)``; a hook taking two parameters also
    gets ``{"session_id": ...}`` as the official SDK's invocation) and may return
    None for "no change". Every input has ``session_id``, ``timestamp`` (Unix ms)
    and ``cwd``. A hook that raises is logged and ignored; the turn goes on.

    Attributes:
        on_user_prompt_submitted: input ``prompt``; return
            ``{"modified_prompt": str}`` (or a str) to change the prompt.
        on_pre_tool_use: input ``tool_name``, ``tool_args``, ``tool_call_id``;
            return ``{"permission_decision": "allow" | "deny" | "ask",
            "permission_decision_reason": str, "modified_args": dict}``. "allow"
            skips ``on_permission_request``, "deny" refuses the call.
        on_post_tool_use: input ``tool_name``, ``tool_args``, ``tool_call_id``,
            ``tool_result`` (a ToolResult); return ``{"modified_result": ...}``
            (a str, ToolResult or JSON-able value) to change what the model gets.
            Runs for calls whose handler ran.
        on_error_occurred: input ``error`` (the message), ``error_type``,
            ``exception``, ``error_context`` ("model_call", "tool_execution" or
            "system") and ``recoverable``; notification only.
    """

    on_user_prompt_submitted: Optional[Callable[..., Any]] = attrs.field(
        default=None, validator=_optional_callable
    )
    on_pre_tool_use: Optional[Callable[..., Any]] = attrs.field(default=None, validator=_optional_callable)
    on_post_tool_use: Optional[Callable[..., Any]] = attrs.field(default=None, validator=_optional_callable)
    on_error_occurred: Optional[Callable[..., Any]] = attrs.field(default=None, validator=_optional_callable)
