"""Running the session hooks, with the official Copilot SDK's inputs and outputs.

Each hook gets one dict with the official camelCase keys (``sessionId``,
``timestamp`` in Unix ms, ``workingDirectory``, then ``toolName``, ``toolArgs``,
``toolResult``, ``prompt``, ``error``, ``source``...) and, when it takes a second
parameter, the invocation ``{"session_id": ...}``. A hook may be ``async def``: it
runs to completion on the calling thread. It returns None for "no change" or a dict
of the official output keys (``modifiedPrompt``, ``permissionDecision``,
``modifiedArgs``, ``modifiedResult``, ``additionalContext``...); snake_case output
keys are taken too. ``additionalContext`` reaches the model: after the prompt, after
the tool result, or (``on_session_start``) after the system message.

A hook that raises does not break the turn: the error is logged and emitted as a
``hook.end`` event with ``success`` false, and the turn goes on as if the hook had
returned None.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any, Callable, Dict, Optional

import attrs

from ..events import HookEndData, new_id
from ..tools.asyncrun import run_awaitable, takes_invocation
from ..tools.permissions import SessionHooks

logger = logging.getLogger("copilot_sdk.tools")

__all__ = ["HookEnv", "PreToolUse", "add_context"]


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def output_field(output: Any, key: str) -> Any:
    """``output[key]`` by its official camelCase name or its snake_case name."""
    if not isinstance(output, dict):
        return None
    camel = _camel(key)
    return output[camel] if camel in output else output.get(key)


def add_context(text: str, context: Optional[str]) -> str:
    """``text`` followed by a hook's ``additionalContext``."""
    if not context:
        return text
    return f"{text}\n\n{context}" if text else context


@attrs.frozen
class PreToolUse:
    """What ``on_pre_tool_use`` decided: ``decision`` is "allow", "deny", "ask" or
    None (no opinion); ``arguments`` are the (possibly modified) arguments;
    ``context`` its ``additionalContext``."""

    decision: Optional[str]
    reason: Optional[str]
    arguments: Any
    context: Optional[str] = None


@attrs.frozen
class HookEnv:
    """The hooks of one session with what their inputs need; ``emit(type, data)``
    reports a hook that raised (a live ``hook.end`` event)."""

    hooks: Optional[SessionHooks]
    session_id: str
    working_directory: Optional[str] = None
    emit: Optional[Callable[[str, Any], Any]] = None

    def has(self, name: str) -> bool:
        return callable(getattr(self.hooks, name, None))

    def run(self, name: str, **fields: Any) -> Any:
        """Call hook ``name`` if set; its output, or None if unset or it raised."""
        hook = getattr(self.hooks, name, None)
        if not callable(hook):
            return None
        payload: Dict[str, Any] = {
            "sessionId": self.session_id,
            "timestamp": int(time.time() * 1000),
            "workingDirectory": self.working_directory or _cwd(),
            **fields,
        }
        try:
            if takes_invocation(hook):
                output = hook(payload, {"session_id": self.session_id})
            else:
                output = hook(payload)
            return run_awaitable(output)
        except Exception as exc:
            logger.exception("the %s hook of session %r raised; ignored", name, self.session_id)
            if self.emit is not None:
                error = f"{type(exc).__name__}: {exc}"
                self.emit(
                    "hook.end",
                    HookEndData(hook_invocation_id=new_id(), hook_type=name, success=False, error=error),
                )
            return None

    field = staticmethod(output_field)

    def context(self, output: Any) -> Optional[str]:
        value = output_field(output, "additional_context")
        return value if isinstance(value, str) and value.strip() else None

    # -- the hooks, one by one ------------------------------------------------
    def prompt_submitted(self, prompt: str) -> str:
        """The prompt after ``on_user_prompt_submitted`` (``modifiedPrompt`` or a
        str replaces it, an empty one is ignored; ``additionalContext`` follows it)."""
        output = self.run("on_user_prompt_submitted", prompt=prompt)
        new = output if isinstance(output, str) else output_field(output, "modified_prompt")
        if new is not None and (not isinstance(new, str) or not new.strip()):
            logger.warning("on_user_prompt_submitted returned an empty or non-str prompt; ignored")
            new = None
        return add_context(prompt if new is None else new, self.context(output))

    def pre_tool_use(self, tool_call_id: str, tool_name: str, arguments: Any) -> PreToolUse:
        """Run ``on_pre_tool_use`` for one call."""
        output = self.run("on_pre_tool_use", toolName=tool_name, toolArgs=arguments, toolCallId=tool_call_id)
        if output is None:
            return PreToolUse(None, None, arguments)
        if not isinstance(output, dict):
            logger.warning("on_pre_tool_use returned %s, not a dict; ignored", type(output).__name__)
            return PreToolUse(None, None, arguments)
        decision = output_field(output, "permission_decision")
        if decision not in (None, "allow", "deny", "ask"):
            logger.warning("on_pre_tool_use: unknown permissionDecision %r; ignored", decision)
            decision = None
        modified = output_field(output, "modified_args")
        if modified is not None and not isinstance(modified, dict):
            logger.warning("on_pre_tool_use: modifiedArgs must be a dict; ignored")
            modified = None
        reason = output_field(output, "permission_decision_reason")
        return PreToolUse(
            decision,
            str(reason) if reason else None,
            arguments if modified is None else modified,
            self.context(output),
        )

    def pre_mcp_tool_call(
        self, server_name: str, tool_name: str, arguments: Any, tool_call_id: str
    ) -> Optional[Dict[str, Any]]:
        """Run ``on_pre_mcp_tool_call``; the ``_meta`` the call sends (its
        ``metaToUse``; None: none)."""
        output = self.run(
            "on_pre_mcp_tool_call", serverName=server_name, toolName=tool_name, arguments=arguments,
            toolCallId=tool_call_id,
        )
        meta = output_field(output, "meta_to_use")
        if meta is not None and not isinstance(meta, dict):
            logger.warning("on_pre_mcp_tool_call: metaToUse must be a dict or None; ignored")
            return None
        return meta

    def post_tool_use(self, tool_call_id: str, tool_name: str, arguments: Any, result: Any) -> Any:
        """Run ``on_post_tool_use`` (successful calls); its output."""
        return self.run(
            "on_post_tool_use",
            toolName=tool_name,
            toolArgs=arguments,
            toolResult=result,
            toolCallId=tool_call_id,
        )

    def post_tool_use_failure(
        self, tool_call_id: str, tool_name: str, arguments: Any, error: str
    ) -> Optional[str]:
        """Run ``on_post_tool_use_failure`` (failed calls); its ``additionalContext``."""
        output = self.run(
            "on_post_tool_use_failure",
            toolName=tool_name,
            toolArgs=arguments,
            error=error,
            toolCallId=tool_call_id,
        )
        return self.context(output)

    def error_occurred(self, error: BaseException, context: str, recoverable: bool) -> None:
        """Tell ``on_error_occurred`` about ``error`` (its ``errorHandling`` is not used:
        retries follow the client's retry policy)."""
        self.run(
            "on_error_occurred",
            error=str(error),
            errorContext=context,
            recoverable=recoverable,
            errorType=type(error).__name__,
            exception=error,
        )

    def session_start(self, source: str, initial_prompt: Optional[str] = None) -> Optional[str]:
        """Run ``on_session_start`` (``source`` "new" or "resume"); its ``additionalContext``."""
        fields: Dict[str, Any] = {"source": source}
        if initial_prompt is not None:
            fields["initialPrompt"] = initial_prompt
        return self.context(self.run("on_session_start", **fields))

    def session_end(self, reason: str, error: Optional[str] = None) -> None:
        """Run ``on_session_end`` (``reason`` "complete", "error", "abort" or "user_exit")."""
        fields: Dict[str, Any] = {"reason": reason}
        if error is not None:
            fields["error"] = error
        self.run("on_session_end", **fields)


def _cwd() -> str:
    try:
        return os.getcwd()
    except OSError:
        return ""
