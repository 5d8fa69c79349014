"""Calling the permission handler, and the "denied" results the model gets.

A permission handler that raises denies the call; tool handlers' exceptions become
failure results in :mod:`copilot_sdk.tools.define`; hooks run in :mod:`.hooks`.
``on_permission_request`` may be ``async def`` (run to completion) and may answer
with True/False, "approved"/"denied-...", ``{"kind": ...}`` or an object with a
``kind`` attribute (the official SDK's decision classes). Each question is emitted
as ``permission.requested`` and its answer as ``permission.completed``.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Optional, Tuple

from ..events import PermissionCompletedData, PermissionRequestedData, new_id
from ..tools.asyncrun import run_awaitable, takes_invocation
from ..tools.define import invalid_arguments, invoke_tool
from ..tools.permissions import PermissionRequest
from ..tools.result import ToolResult, failure

logger = logging.getLogger("copilot_sdk.tools")

__all__ = [
    "ask_permission",
    "denied",
    "denied_without_handler",
    "failure",
    "invalid_arguments",
    "invoke_tool",
]

_APPROVED = ("approved", "approve-once", "approve-for-session", "approve-for-location", "allow")


def denied(tool_name: str, kind: str, message: Optional[str] = None) -> ToolResult:
    """The "denied" result the model gets for a refused call."""
    text = f"Permission to run tool '{tool_name}' was denied"
    text += f": {message}" if message else "."
    return failure(text, f"permission denied ({kind})", result_type="denied")


def denied_without_handler(tool_name: str, ask: Any) -> ToolResult:
    """The "denied" result for a call that needs a permission handler and has none."""
    what = {"write": "writing files", "shell": "running commands", "url": "fetching URLs"}.get(
        ask.kind, "this call"
    )
    if ask.outside_working_directory:
        what = f"using {ask.path} (outside the working directory)"
    return denied(
        tool_name, "denied-no-approval-rule-and-could-not-request-from-user",
        f"{what} needs the user's approval and no permission handler is set",
    )


def ask_permission(
    handler: Optional[Callable[..., Any]],
    request: PermissionRequest,
    emit: Optional[Callable[[str, Any], Any]] = None,
) -> Optional[ToolResult]:
    """Ask ``on_permission_request``; None if approved (or no handler is set),
    else the "denied" result. ``emit(type, data)`` gets the permission events."""
    if handler is None:
        return None
    request_id = new_id()
    if emit is not None:
        emit("permission.requested", PermissionRequestedData(
            request_id=request_id, permission_request=request, tool_call_id=request.tool_call_id,
        ))
    kind, message = _decide(handler, request)
    if emit is not None:
        emit("permission.completed", PermissionCompletedData(
            request_id=request_id, result={"kind": kind}, tool_call_id=request.tool_call_id,
        ))
    if kind == "approved":
        return None
    return denied(request.tool_name, kind, message)


def _decide(handler: Callable[..., Any], request: PermissionRequest) -> Tuple[str, Optional[str]]:
    """The handler's answer as ("approved", None) or (a "denied-..." kind, message)."""
    try:
        if takes_invocation(handler):
            answer = handler(request, {"session_id": request.session_id})
        else:
            answer = handler(request)
        answer = run_awaitable(answer)
    except Exception as exc:
        logger.exception("on_permission_request raised for tool %r; denying", request.tool_name)
        return f"on_permission_request raised {type(exc).__name__}", None
    kind, message = answer, None
    if isinstance(answer, dict):
        kind = answer.get("kind")
        message = answer.get("message") or answer.get("feedback") or answer.get("reason")
    elif hasattr(answer, "kind") and not isinstance(answer, (str, bool)):
        kind = getattr(answer, "kind", None)
        message = getattr(answer, "feedback", None) or getattr(answer, "message", None)
    if kind is True or kind in _APPROVED:
        return "approved", None
    if kind is False or kind == "reject":
        kind = "denied-interactively-by-user"
    elif not (isinstance(kind, str) and kind.startswith("denied")):
        logger.warning(
            "on_permission_request returned %r for tool %r: not an approval; denying",
            answer, request.tool_name,
        )
        kind = "denied-no-approval-rule-and-could-not-request-from-user"
    return str(kind), str(message) if message else None
