"""One tool round: run the tool calls the model asked for, emit their events, and
return their results in call order. Failures are results for the model, not errors.

A round goes in three steps:

1. On the turn thread, in call order: ``tool.execution_start`` for every call;
   then for each call the checks that need no handler: unknown tool, arguments
   that are not a JSON object, ``on_pre_tool_use`` (may deny or change the
   arguments), arguments that do not fit the schema, ``on_permission_request``
   (skipped when the pre-tool-use hook said "allow"; with no handler set, tools
   run). Running these one at a time keeps interactive permission prompts in order.
2. The calls that passed run concurrently on the client's tool pool. Each handler
   thread is marked as working for the session's turn, so a handler that calls
   ``send`` on the same session gets a CopilotError and one that calls ``send`` on
   another session runs that turn on its own thread rather than waiting for a pool
   thread. The turn thread waits for the results and for the cancel token: an
   abort raises AbortedError at once; a running handler cannot be interrupted, its
   result is discarded. A round that itself runs on a tool thread (a nested send)
   also runs its own not-yet-started calls inline, so a saturated tool pool cannot
   deadlock.
3. On the turn thread, in call order: ``on_error_occurred`` for handlers that
   raised, ``on_post_tool_use`` (may change the result), ``tool.execution_complete``.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Executor, Future
from typing import Any, Callable, List, Mapping, Optional, Sequence, Tuple

import attrs

from .._transport.cancel import CancelToken
from ..errors import AbortedError
from ..events import (
    SessionEvent,
    ToolExecutionCompleteData,
    ToolExecutionStartData,
    ToolRequest,
)
from ..tools import PermissionRequest, Tool, ToolInvocation, ToolResult
from ..tools.agent import AgentTool, PermissionAsk, ToolContext, tool_context
from ..tools.result import to_tool_result
from ..tools.validate import describe_value
from ..types import SessionConfig
from .callbacks import (
    ask_permission,
    denied,
    denied_without_handler,
    failure,
    invalid_arguments,
    invoke_tool,
)
from .hooks import HookEnv, add_context
from .turnctx import in_tool_handler, tool_handler, turn_thread

logger = logging.getLogger("copilot_sdk.tools")

__all__ = ["run_tool_round"]

_Outcome = Tuple[ToolResult, Optional[Exception]]
_CUSTOM = PermissionAsk(kind="custom-tool", default_allowed=True)


class _Call:
    """One requested call and what became of it."""

    __slots__ = ("request", "invocation", "tool", "context", "result", "error", "extra")

    def __init__(self, request: ToolRequest) -> None:
        self.request = request
        self.tool: Optional[Tool] = None  # set when the call is to run
        self.invocation: Optional[ToolInvocation] = None
        self.context = ToolContext()
        self.result: Optional[ToolResult] = None
        self.error: Optional[Exception] = None  # an unexpected exception of the handler
        self.extra: Optional[str] = None  # the pre-tool-use hook's additionalContext


def run_tool_round(
    requests: Sequence[ToolRequest],
    *,
    tools: Mapping[str, Tool],
    session_id: str,
    config: SessionConfig,
    executor: Callable[[], Executor],
    record: Callable[[str, Any], SessionEvent],
    cancel: CancelToken,
) -> List[ToolExecutionCompleteData]:
    """Run ``requests`` (see the module doc); one completion per request, in call order.

    Raises:
        AbortedError: ``cancel`` fired; nothing of the round is returned.
    """
    for request in requests:
        record(
            "tool.execution_start",
            ToolExecutionStartData(
                tool_call_id=request.tool_call_id, tool_name=request.name, arguments=request.arguments
            ),
        )
    hooks = HookEnv(config.hooks, session_id, config.working_directory, record)
    calls: List[_Call] = []
    for request in requests:
        _abort_if(cancel)
        calls.append(_prepare(request, tools, session_id, config, cancel, hooks, record))
    runnable = [call for call in calls if call.result is None]
    _execute(runnable, session_id, executor, cancel)
    _abort_if(cancel)
    for call in runnable:
        _after(call, hooks)
    for call in calls:
        if call.extra is not None and call.result is not None:
            call.result = attrs.evolve(call.result, text_result_for_llm=add_context(
                call.result.text_result_for_llm, call.extra))
    _abort_if(cancel)
    completions: List[ToolExecutionCompleteData] = []
    for call in calls:
        result = call.result
        assert result is not None
        data = ToolExecutionCompleteData(
            tool_call_id=call.request.tool_call_id,
            success=result.success,
            result=result.text_result_for_llm,
            error=None if result.success else (result.error or result.text_result_for_llm),
            tool_name=call.request.name,
            images=tuple(
                (b.mime_type, b.data) for b in result.binary_results_for_llm or () if b.type == "image"
            ),
        )
        record("tool.execution_complete", data)
        completions.append(data)
    return completions


def _abort_if(cancel: CancelToken) -> None:
    if cancel.cancelled:
        raise AbortedError("the turn was aborted while running tools")


def _after(call: _Call, hooks: HookEnv) -> None:
    """Step 3 for one call that ran: the error, post-tool-use and failure hooks."""
    assert call.result is not None and call.invocation is not None
    name, arguments, call_id = call.request.name, call.invocation.arguments, call.request.tool_call_id
    if call.error is not None:
        hooks.error_occurred(call.error, "tool_execution", True)
    if not call.result.success:
        error = f"{type(call.error).__name__}: {call.error}" if call.error else (call.result.error or "")
        extra = hooks.post_tool_use_failure(call_id, name, arguments, error)
        text = add_context(add_context(call.result.text_result_for_llm, call.extra), extra)
        call.result, call.extra = attrs.evolve(call.result, text_result_for_llm=text), None
        return
    output = hooks.post_tool_use(call_id, name, arguments, call.result)
    modified = hooks.field(output, "modified_result")
    if modified is not None:
        try:
            call.result = to_tool_result(modified)
        except (TypeError, ValueError):
            logger.exception("on_post_tool_use: modifiedResult cannot be sent as text; ignored")
    text = add_context(add_context(call.result.text_result_for_llm, call.extra), hooks.context(output))
    call.result, call.extra = attrs.evolve(call.result, text_result_for_llm=text), None


def _prepare(
    request: ToolRequest, tools: Mapping[str, Tool], session_id: str, config: SessionConfig,
    cancel: CancelToken, hooks: HookEnv, record: Callable[[str, Any], Any],
) -> _Call:
    """Step 1 for one call: either sets ``call.result`` (it will not run) or
    ``call.tool`` and ``call.invocation``."""
    call = _Call(request)
    name = request.name
    tool = tools.get(name)
    arguments = {} if request.arguments is None else request.arguments
    if tool is None:
        available = ", ".join(sorted(tools)) or "none"
        call.result = failure(
            f"Tool '{name}' does not exist. Available tools: {available}.", f"unknown tool {name!r}"
        )
        return call
    if isinstance(arguments, str):
        excerpt = arguments if len(arguments) <= 80 else arguments[:77] + "..."
        call.result = failure(
            f"Invalid arguments for tool '{name}': not valid JSON: {excerpt!r}. "
            "Send the arguments as a JSON object.",
            "arguments are not valid JSON",
        )
        return call
    if not isinstance(arguments, dict):
        call.result = invalid_arguments(
            name, [f"arguments: expected object, got {describe_value(arguments)}"]
        )
        return call
    hook = hooks.pre_tool_use(request.tool_call_id, name, arguments)
    arguments = hook.arguments
    call.extra = hook.context
    if hook.decision == "deny":
        call.result = denied(name, "denied-by-pre-tool-use-hook", hook.reason)
        return call
    try:
        problems = tool.check_arguments(arguments)
    except Exception as exc:  # e.g. an attrs validator raising something unusual
        logger.exception("checking the arguments of tool %r failed", name)
        call.result = failure(f"Tool '{name}' failed: {type(exc).__name__}", f"{type(exc).__name__}: {exc}")
        return call
    if problems:
        call.result = invalid_arguments(name, problems)
        return call
    try:
        ask = tool.permission(arguments) if isinstance(tool, AgentTool) else _CUSTOM
    except Exception as exc:
        logger.exception("working out the permission tool %r needs failed", name)
        call.result = failure(f"Tool '{name}' failed: {type(exc).__name__}", f"{type(exc).__name__}: {exc}")
        return call
    if hook.decision != "allow" and not (tool.skip_permission and hook.decision != "ask"):
        if config.on_permission_request is None:
            refusal = None if ask.default_allowed else denied_without_handler(name, ask)
        else:
            refusal = ask_permission(
                config.on_permission_request,
                PermissionRequest(
                    kind=ask.kind, session_id=session_id, tool_call_id=request.tool_call_id,
                    tool_name=name, arguments=arguments, path=ask.path, command=ask.command,
                    url=ask.url, server_name=ask.server_name, intention=ask.intention,
                    outside_working_directory=ask.outside_working_directory,
                ),
                record,
            )
        if refusal is not None:
            call.result = refusal
            return call
    # Here the call was approved: by the handler, the pre-tool-use hook, or the
    # default rules (which never approve a path outside the working directory).
    meta = None
    if isinstance(tool, AgentTool) and tool.source == "mcp":
        meta = hooks.pre_mcp_tool_call(
            ask.server_name or "", getattr(tool.handler, "tool", name), arguments, request.tool_call_id
        )
    call.context = ToolContext(cancel=cancel, approved_outside=ask.outside_working_directory, mcp_meta=meta)
    call.tool = tool
    call.invocation = ToolInvocation(
        session_id=session_id, tool_call_id=request.tool_call_id, tool_name=name, arguments=arguments
    )
    return call


def _run(tool: Tool, invocation: ToolInvocation, context: ToolContext, inline: bool) -> _Outcome:
    """Run one handler; on a pool thread (``inline`` False) the thread is marked
    as working for the session's turn while it runs."""
    began = time.monotonic()
    try:
        with tool_handler(), tool_context(context):
            if inline:  # this thread runs the session's turn: it is marked already
                return invoke_tool(tool, invocation)
            with turn_thread(invocation.session_id):
                return invoke_tool(tool, invocation)
    finally:
        logger.debug(
            "tool %r (call %r) ran for %.3f s", tool.name, invocation.tool_call_id, time.monotonic() - began
        )


def _submit(
    executor: Callable[[], Executor], call: _Call, wake: threading.Event
) -> Optional[Future[_Outcome]]:
    assert call.tool is not None and call.invocation is not None
    try:
        future = executor().submit(_run, call.tool, call.invocation, call.context, False)
    except RuntimeError:  # the pool is shut down: the caller runs it itself
        return None
    future.add_done_callback(lambda _f: wake.set())
    return future


def _execute(
    calls: Sequence[_Call], session_id: str, executor: Callable[[], Executor], cancel: CancelToken
) -> None:
    """Step 2: run ``calls`` concurrently; set each ``call.result``."""
    if not calls:
        return
    wake = threading.Event()
    futures = [_submit(executor, call, wake) for call in calls]
    steal = in_tool_handler()  # a nested round on a tool thread
    unregister = cancel.add_callback(wake.set)
    try:
        pending = list(range(len(calls)))
        while pending:
            wake.clear()
            if cancel.cancelled:
                for future in futures:
                    if future is not None:
                        future.cancel()
                raise AbortedError("the turn was aborted while running tools")
            ran_inline = False
            still: List[int] = []
            for index in pending:
                call, future = calls[index], futures[index]
                if not ran_inline and (future is None or (steal and future.cancel())):
                    assert call.tool is not None and call.invocation is not None
                    call.result, call.error = _run(call.tool, call.invocation, call.context, True)
                    ran_inline = True
                elif future is not None and future.done():
                    _collect(call, future)
                else:
                    still.append(index)
            pending = still
            if pending and not ran_inline:
                wake.wait(1.0)
    finally:
        unregister()
    logger.debug("session %r: %d tool call(s) done", session_id, len(calls))


def _collect(call: _Call, future: Future[_Outcome]) -> None:
    if future.cancelled():  # cancelled by the pool's shutdown
        call.result = failure(
            f"Tool '{call.request.name}' was not run: the client is shutting down.",
            "the tool pool was shut down",
        )
        return
    call.result, call.error = future.result()
