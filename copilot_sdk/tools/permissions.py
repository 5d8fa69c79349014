"""Permission requests, the ready-made permission handlers, and the hooks around a turn."""

from __future__ import annotations

from typing import Any, Callable, Mapping, Optional

import attrs

__all__ = ["PermissionHandler", "PermissionRequest", "PermissionRequestHandler", "SessionHooks"]


@attrs.frozen(kw_only=True)
class PermissionRequest:
    """What ``on_permission_request`` is asked before a tool runs.

    Attributes:
        kind: "custom-tool" (a tool defined in this client), "read", "write",
            "shell", "url" (the built-in tools) or "mcp" (an MCP server's tool).
        session_id: the session whose turn asked for the call.
        tool_call_id: the model's id for the call.
        tool_name: the tool's name.
        arguments: the arguments the tool would get (after ``on_pre_tool_use``).
        path: the file or folder at stake (read, write; shell: where it runs).
        command: the command line (shell).
        url: the URL (url).
        server_name: the MCP server (mcp).
        intention: one line saying what the call would do.
        outside_working_directory: the path leaves the working directory; the
            call runs only if the handler approves.
    """

    kind: str
    session_id: str
    tool_call_id: str
    tool_name: str
    arguments: Any
    path: Optional[str] = None
    command: Optional[str] = None
    url: Optional[str] = None
    server_name: Optional[str] = None
    intention: Optional[str] = None
    outside_working_directory: bool = False


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
    """Callbacks around a session and its turns; names, inputs and outputs as in the
    official Copilot SDK (also given as a dict: ``hooks={"on_pre_tool_use": fn}``).

    Each hook gets one dict with the official camelCase keys (``hook(input)``, or
    ``hook(input, invocation)`` with ``{"session_id": ...}``), may be ``async def``,
    and returns None for "no change" or a dict of output keys (camelCase; snake_case
    is taken too). Every input has ``sessionId``, ``timestamp`` (Unix ms) and
    ``workingDirectory``. ``additionalContext`` in an output reaches the model. A
    hook that raises is logged and emitted as a ``hook.end`` event (``success``
    false); the turn goes on.

    Attributes:
        on_user_prompt_submitted: input ``prompt``; output ``modifiedPrompt`` (or
            return a str), ``additionalContext`` (sent after the prompt).
        on_pre_tool_use: input ``toolName``, ``toolArgs``, ``toolCallId``; output
            ``permissionDecision`` ("allow" skips ``on_permission_request``, "deny"
            refuses the call, "ask" asks it), ``permissionDecisionReason``,
            ``modifiedArgs``, ``additionalContext`` (sent after the tool result).
        on_post_tool_use: calls that succeeded; input ``toolName``, ``toolArgs``,
            ``toolCallId``, ``toolResult`` (a ToolResult); output ``modifiedResult``
            (a str, ToolResult or JSON-able value), ``additionalContext``.
        on_post_tool_use_failure: calls whose handler failed; input ``toolName``,
            ``toolArgs``, ``toolCallId``, ``error`` (the exception's text; the model
            still gets the generic failure); output ``additionalContext``.
        on_session_start: input ``source`` ("new" or "resume"); output
            ``additionalContext`` (sent after the system message on every turn of
            this session object).
        on_session_end: input ``reason`` ("complete" on destroy or stop, "user_exit"
            on delete_session); notification only.
        on_error_occurred: input ``error`` (the message), ``errorType``,
            ``exception``, ``errorContext`` ("model_call", "tool_execution" or
            "system") and ``recoverable``; notification only.
        on_pre_mcp_tool_call: before a call of an MCP server's tool: input
            ``serverName``, ``toolName`` (the server's own name for it),
            ``arguments``, ``toolCallId``; output ``metaToUse`` (a dict, or None)
            sets the request's ``_meta`` (absent: none is sent).
    """

    on_user_prompt_submitted: Optional[Callable[..., Any]] = attrs.field(
        default=None, validator=_optional_callable
    )
    on_pre_tool_use: Optional[Callable[..., Any]] = attrs.field(default=None, validator=_optional_callable)
    on_post_tool_use: Optional[Callable[..., Any]] = attrs.field(default=None, validator=_optional_callable)
    on_post_tool_use_failure: Optional[Callable[..., Any]] = attrs.field(
        default=None, validator=_optional_callable
    )
    on_session_start: Optional[Callable[..., Any]] = attrs.field(default=None, validator=_optional_callable)
    on_session_end: Optional[Callable[..., Any]] = attrs.field(default=None, validator=_optional_callable)
    on_error_occurred: Optional[Callable[..., Any]] = attrs.field(default=None, validator=_optional_callable)
    on_pre_mcp_tool_call: Optional[Callable[..., Any]] = attrs.field(
        default=None, validator=_optional_callable
    )
