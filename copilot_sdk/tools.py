"""Tools: Python functions the model may call, run by the client.

``Tool`` is the low-level form (a name, a description, a JSON Schema and a handler
taking a :class:`ToolInvocation`); :func:`define_tool` builds one from a typed
function. Tool failures are data for the model: a :class:`ToolError` sends its
message, any other exception sends a generic failure and is logged.
"""

from __future__ import annotations

import inspect
import json
import logging
from typing import Any, Callable, Mapping, Optional, TypeVar, Union, overload

import attrs

from .errors import ToolError

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


@attrs.frozen(kw_only=True)
class ToolInvocation:
    """One call of a tool by the model."""

    session_id: str
    tool_call_id: str
    tool_name: str
    arguments: Any


@attrs.frozen(kw_only=True)
class ToolResult:
    """What a tool returns to the model.

    Attributes:
        text_result_for_llm: the text the model receives.
        result_type: "success", "failure", "denied" or "rejected".
        error: a developer-facing error detail (not sent to the model).
    """

    text_result_for_llm: str
    result_type: str = "success"
    error: Optional[str] = None

    @property
    def success(self) -> bool:
        return self.result_type == "success"


@attrs.frozen(kw_only=True)
class Tool:
    """A tool the model may call.

    Attributes:
        name: the tool's name (letters, digits, ``_`` and ``-``).
        description: what it does, for the model.
        parameters: JSON Schema of its arguments object.
        handler: ``handler(ToolInvocation) -> ToolResult | str | other``; other
            values are sent to the model as JSON.
    """

    name: str
    description: str = ""
    parameters: Mapping[str, Any] = attrs.field(factory=lambda: dict(EMPTY_PARAMETERS))
    handler: Callable[[ToolInvocation], Any] = attrs.field(repr=False)

    def invoke(self, invocation: ToolInvocation) -> ToolResult:
        """Run the handler; failures become failure results, never exceptions."""
        try:
            value = self.handler(invocation)
        except ToolError as exc:
            return ToolResult(text_result_for_llm=exc.message, result_type="failure", error=exc.message)
        except Exception as exc:
            logger.exception("tool %r raised", self.name)
            return ToolResult(
                text_result_for_llm=f"Tool '{self.name}' failed.",
                result_type="failure",
                error=f"{type(exc).__name__}: {exc}",
            )
        return to_tool_result(value)


def to_tool_result(value: Any) -> ToolResult:
    """A handler's return value as a ToolResult (non-strings become JSON)."""
    if isinstance(value, ToolResult):
        return value
    if isinstance(value, str):
        return ToolResult(text_result_for_llm=value)
    if attrs.has(type(value)):
        value = attrs.asdict(value)
    return ToolResult(text_result_for_llm=json.dumps(value, default=str, ensure_ascii=False))


@attrs.frozen(kw_only=True)
class PermissionRequest:
    """Asked of ``on_permission_request`` before a tool runs."""

    kind: str
    session_id: str
    tool_call_id: str
    tool_name: str
    arguments: Any


PermissionRequestHandler = Callable[[PermissionRequest], Any]


class PermissionHandler:
    """Ready-made permission handlers. A handler returns True/"approved" to allow."""

    @staticmethod
    def approve_all(request: PermissionRequest) -> bool:
        return True

    @staticmethod
    def deny_all(request: PermissionRequest) -> bool:
        return False


@attrs.frozen(kw_only=True)
class SessionHooks:
    """Callbacks around a turn (names as in the official Copilot SDK)."""

    on_user_prompt_submitted: Optional[Callable[..., Any]] = None
    on_pre_tool_use: Optional[Callable[..., Any]] = None
    on_post_tool_use: Optional[Callable[..., Any]] = None
    on_error_occurred: Optional[Callable[..., Any]] = None


F = TypeVar("F", bound=Callable[..., Any])


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
    """Make a :class:`Tool` from a typed function, bare or with arguments."""

    def build(func: Callable[..., Any]) -> Tool:
        signature = inspect.signature(func)
        params = list(signature.parameters)

        def handler(invocation: ToolInvocation) -> Any:
            args = invocation.arguments if isinstance(invocation.arguments, Mapping) else {}
            return func(**{k: v for k, v in args.items() if k in params})

        return Tool(
            name=name or func.__name__,
            description=description or inspect.getdoc(func) or "",
            parameters=dict(EMPTY_PARAMETERS),
            handler=handler,
        )

    if fn is not None:
        return build(fn)
    return build
