"""Calling user code around a turn: tool handlers, hooks and the permission handler.

Every function here turns the user's exceptions into data or a logged warning:
a handler's exception becomes a failure result for the model, a hook that raises
is logged and ignored, a permission handler that raises denies the call. Hook
inputs and outputs follow the official Copilot SDK's names in snake_case; the
official camelCase output keys (``modifiedArgs``...) are accepted too.
"""

from __future__ import annotations

import inspect
import logging
import os
import time
from typing import Any, Callable, Dict, Optional

import attrs

from ..errors import APIError
from ..tools.define import invalid_arguments, invoke_tool
from ..tools.permissions import PermissionRequest, SessionHooks
from ..tools.result import ToolResult, failure, to_tool_result

logger = logging.getLogger("copilot_sdk.tools")

__all__ = [
    "apply_prompt_hook",
    "ask_permission",
    "denied_without_handler",
    "failure",
    "invalid_arguments",
    "invoke_tool",
    "notify_error",
    "post_tool_use",
    "pre_mcp_tool_call",
    "pre_tool_use",
]

_APPROVED = ("approved", "approve-once", "allow")


# -- hooks ----------------------------------------------------------------------
def _takes_invocation(fn: Callable[..., Any]) -> bool:
    """True if ``fn`` accepts a second positional argument (the official SDK's
    ``(input, invocation)`` signature)."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2 or any(p.kind is p.VAR_POSITIONAL for p in params)


def _call(fn: Callable[..., Any], payload: Any, session_id: str) -> Any:
    if _takes_invocation(fn):
        return fn(payload, {"session_id": session_id})
    return fn(payload)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _hook(hooks: Any, name: str) -> Optional[Callable[..., Any]]:
    found = getattr(hooks, name, None) if isinstance(hooks, SessionHooks) else None
    return found if callable(found) else None


def _get(output: Any, key: str) -> Any:
    if not isinstance(output, dict):
        return None
    return output[key] if key in output else output.get(_camel(key))


def _input(session_id: str, **fields: Any) -> Dict[str, Any]:
    try:
        cwd = os.getcwd()
    except OSError:
        cwd = ""
    return {"session_id": session_id, "timestamp": int(time.time() * 1000), "cwd": cwd, **fields}


def _run_hook(hooks: Any, name: str, session_id: str, **fields: Any) -> Any:
    """Call hook ``name`` if set; its output, or None if unset or it raised."""
    hook = _hook(hooks, name)
    if hook is None:
        return None
    try:
        return _call(hook, _input(session_id, **fields), session_id)
    except Exception:
        logger.exception("the %s hook of session %r raised; ignored", name, session_id)
        return None


def apply_prompt_hook(hooks: Any, prompt: str, session_id: str) -> str:
    """The prompt after ``on_user_prompt_submitted`` (a str or
    ``{"modified_prompt": str}`` replaces it; an empty one is ignored)."""
    output = _run_hook(hooks, "on_user_prompt_submitted", session_id, prompt=prompt)
    new = output if isinstance(output, str) else _get(output, "modified_prompt")
    if new is None:
        return prompt
    if not isinstance(new, str) or not new.strip():
        logger.warning("on_user_prompt_submitted returned an empty or non-str prompt; ignored")
        return prompt
    return new


def notify_error(
    hooks: Any, error: BaseException, session_id: str, *, context: Optional[str] = None,
    recoverable: bool = False,
) -> None:
    """Tell ``on_error_occurred`` about ``error`` (its output is ignored)."""
    if context is None:
        context = "model_call" if isinstance(error, APIError) else "system"
    _run_hook(
        hooks, "on_error_occurred", session_id, error=str(error), error_type=type(error).__name__,
        exception=error, error_context=context, recoverable=recoverable,
    )


@attrs.frozen
class PreToolUse:
    """What ``on_pre_tool_use`` decided: ``decision`` is "allow", "deny", "ask" or
    None (no opinion); ``arguments`` are the (possibly modified) arguments."""

    decision: Optional[str]
    reason: Optional[str]
    arguments: Any


def pre_tool_use(
    hooks: Any, session_id: str, tool_call_id: str, tool_name: str, arguments: Any
) -> PreToolUse:
    """Run ``on_pre_tool_use`` for one call."""
    output = _run_hook(
        hooks, "on_pre_tool_use", session_id,
        tool_call_id=tool_call_id, tool_name=tool_name, tool_args=arguments,
    )
    if output is None:
        return PreToolUse(None, None, arguments)
    if not isinstance(output, dict):
        logger.warning("on_pre_tool_use returned %s, not a dict; ignored", type(output).__name__)
        return PreToolUse(None, None, arguments)
    decision = _get(output, "permission_decision")
    if decision not in (None, "allow", "deny", "ask"):
        logger.warning("on_pre_tool_use: unknown permission_decision %r; ignored", decision)
        decision = None
    modified = _get(output, "modified_args")
    if modified is not None and not isinstance(modified, dict):
        logger.warning("on_pre_tool_use: modified_args must be a dict; ignored")
        modified = None
    reason = _get(output, "permission_decision_reason")
    return PreToolUse(
        decision, str(reason) if reason else None, arguments if modified is None else modified
    )


def post_tool_use(
    hooks: Any, session_id: str, tool_call_id: str, tool_name: str, arguments: Any, result: ToolResult
) -> ToolResult:
    """Run ``on_post_tool_use``; the result the model gets."""
    output = _run_hook(
        hooks, "on_post_tool_use", session_id, tool_call_id=tool_call_id, tool_name=tool_name,
        tool_args=arguments, tool_result=result,
    )
    modified = _get(output, "modified_result")
    if modified is None:
        return result
    try:
        return to_tool_result(modified)
    except (TypeError, ValueError):
        logger.exception("on_post_tool_use: modified_result cannot be sent as text; ignored")
        return result


def denied(tool_name: str, kind: str, message: Optional[str] = None) -> ToolResult:
    """The "denied" result the model gets for a refused call."""
    text = f"Permission to run tool '{tool_name}' was denied"
    text += f": {message}" if message else "."
    return failure(text, f"permission denied ({kind})", result_type="denied")


def pre_mcp_tool_call(
    hooks: Any, session_id: str, tool_call_id: str, server_name: str, tool_name: str, arguments: Any
) -> Optional[Dict[str, Any]]:
    """Run ``on_pre_mcp_tool_call``; the ``_meta`` the call sends (None: none)."""
    output = _run_hook(
        hooks, "on_pre_mcp_tool_call", session_id, tool_call_id=tool_call_id,
        server_name=server_name, tool_name=tool_name, arguments=arguments,
    )
    meta = _get(output, "meta_to_use")
    if meta is not None and not isinstance(meta, dict):
        logger.warning("on_pre_mcp_tool_call: meta_to_use must be a dict or None; ignored")
        return None
    return meta


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


def ask_permission(handler: Optional[Callable[..., Any]], request: PermissionRequest) -> Optional[ToolResult]:
    """Ask ``on_permission_request``; None if approved (or no handler is set),
    else the "denied" result."""
    if handler is None:
        return None
    try:
        answer = _call(handler, request, request.session_id)
    except Exception as exc:
        logger.exception("on_permission_request raised for tool %r; denying", request.tool_name)
        return denied(request.tool_name, f"on_permission_request raised {type(exc).__name__}")
    kind, message = answer, None
    if isinstance(answer, dict):
        kind = answer.get("kind")
        message = answer.get("message") or answer.get("feedback") or answer.get("reason")
    if kind is True or kind in _APPROVED:
        return None
    if kind is False:
        kind = "denied-interactively-by-user"
    elif not (isinstance(kind, str) and kind.startswith("denied")):
        logger.warning(
            "on_permission_request returned %r for tool %r: not an approval; denying",
            answer, request.tool_name,
        )
        kind = "denied-no-approval-rule-and-could-not-request-from-user"
    return denied(request.tool_name, str(kind), str(message) if message else None)
