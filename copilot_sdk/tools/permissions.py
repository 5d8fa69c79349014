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
        on_pre_mcp_tool_call: before a call of an MCP server's tool: input
            ``server_name``, ``tool_name`` (the server's own name for it),
            ``arguments``, ``tool_call_id``; return ``{"meta_to_use": dict | None}``
            to set the request's ``_meta`` (absent: none is sent).
    """

    on_user_prompt_submitted: Optional[Callable[..., Any]] = attrs.field(
        default=None, validator=_optional_callable
    )
    on_pre_tool_use: Optional[Callable[..., Any]] = attrs.field(default=None, validator=_optional_callable)
    on_post_tool_use: Optional[Callable[..., Any]] = attrs.field(default=None, validator=_optional_callable)
    on_error_occurred: Optional[Callable[..., Any]] = attrs.field(default=None, validator=_optional_callable)
    on_pre_mcp_tool_call: Optional[Callable[..., Any]] = attrs.field(
        default=None, validator=_optional_callable
    )
