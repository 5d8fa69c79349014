"""One turn: the user message, the model calls and tool rounds, the events, and the
atomic commit.

The engine works on a snapshot of the session's history and collects the turn's
persistent events in a local list; only when the final answer is in does it commit
them (store first, then the in-memory log) in one step. A failure, timeout or abort
at any point before that leaves the session exactly as it was.

Single-threaded by construction: a turn runs on the one thread its session's serial
queue gave it, and only its tool calls fan out to the tool pool (each call's result
comes back through a future); the turn's own state lives in locals of
:func:`execute_turn`, so nothing here needs a lock.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import Executor
from typing import Any, Callable, List, Mapping, Optional, Protocol, Sequence, Tuple

import attrs

from .._transport.cancel import CancelToken
from ..errors import AbortedError, APIError, APIStatusError, CopilotError, MaxToolRoundsError
from ..events import (
    PERSISTED_TYPES,
    AbortData,
    AssistantMessageData,
    AssistantMessageDeltaData,
    AssistantReasoningData,
    AssistantReasoningDeltaData,
    AssistantTurnEndData,
    AssistantTurnRetryData,
    AssistantTurnStartData,
    AssistantUsageData,
    SessionErrorData,
    SessionEvent,
    SessionIdleData,
    UserMessageData,
    new_event,
    new_id,
)
from ..providers.base import CallContext, Message, ModelRequest, Provider, ToolSpec
from ..tools import Tool
from ..types import SessionConfig
from .history import assistant_message, tool_images_message, user_message
from .hooks import HookEnv, add_context
from .tokens import estimate_message
from .toolround import run_tool_round
from .toolset import compose_system_message, session_tools, with_ask_user

logger = logging.getLogger("copilot_sdk.turn")


class TurnControl(Protocol):
    """What the engine needs from the queued turn: its cancel token, and the point
    of no return. ``begin_commit()`` returns False if the turn was cancelled; once
    it returned True, cancelling is refused (the turn completes)."""

    @property
    def token(self) -> CancelToken: ...

    def begin_commit(self) -> bool: ...


@attrs.frozen(kw_only=True)
class TurnEnv:
    """Everything a turn reads: fixed for the turn's duration."""

    session_id: str
    config: SessionConfig
    provider: Provider
    history: Sequence[Message]
    emit: Callable[[SessionEvent], None]
    commit: Callable[[List[SessionEvent]], None]
    tool_executor: Callable[[], Executor]
    #: the session's MCP tools by name (starting its servers on first use); gets
    #: the turn's recorder for server status events.
    mcp_tools: Callable[[Callable[[str, Any], SessionEvent]], Mapping[str, Tool]] = lambda _record: {}
    #: called before each model call with its system message, tools and the tokens
    #: of the turn's own messages so far; raises if the request would not fit the
    #: context window (see ``copilot_sdk._engine.keeper``).
    check_request: Optional[Callable[[Optional[str], Sequence[ToolSpec], int], None]] = None
    #: the ``additionalContext`` of the session's ``on_session_start`` hook.
    session_context: Optional[str] = None


class _Phase:
    """What the turn is doing, for error messages."""

    def __init__(self) -> None:
        self.text = "preparing the request"
        self.attempts = 1


def execute_turn(
    env: TurnEnv,
    prompt: str,
    control: TurnControl,
    *,
    stream: bool,
    attachments: Tuple[Any, ...] = (),
) -> SessionEvent[AssistantMessageData]:
    """Run one turn; return the final ``assistant.message`` event.

    ``attachments`` are the resolved attachment dicts (see
    :mod:`copilot_sdk._engine.attachments`), stored with the ``user.message``.

    Raises:
        AbortedError: the turn was aborted (``abort`` and ``session.idle`` emitted).
        CopilotError: the turn failed (``session.error`` and ``session.idle`` emitted).
    """
    token = control.token
    pending: List[SessionEvent[Any]] = []
    phase = _Phase()
    config = env.config

    def record(event_type: str, data: Any, parent: Optional[SessionEvent[Any]] = None) -> SessionEvent[Any]:
        event = new_event(event_type, data, parent.id if parent else None)
        if event_type in PERSISTED_TYPES:
            pending.append(event)
        env.emit(event)
        return event

    hooks = HookEnv(config.hooks, env.session_id, config.working_directory, record)
    try:
        if hooks.has("on_user_prompt_submitted"):
            prompt = hooks.prompt_submitted(prompt)
        user_event = record("user.message", UserMessageData(content=prompt, attachments=attachments))
        turn_id = new_id()
        start = record("assistant.turn_start", AssistantTurnStartData(turn_id=turn_id), user_event)
        messages: List[Message] = list(env.history)
        messages.append(user_message(user_event.data))
        added = estimate_message(messages[-1])  # tokens of the turn's own messages
        phase.text = "starting MCP servers" if config.mcp_servers else phase.text
        tools, sdk_preamble = session_tools(config, env.mcp_tools(_child_recorder(record, start)))
        tools = with_ask_user(tools, config, _child_recorder(record, start))
        system_message = compose_system_message(config.system_message, sdk_preamble)
        if env.session_context:
            system_message = add_context(system_message or "", env.session_context)
        specs = tuple(
            ToolSpec(name=t.name, description=t.description, parameters=t.parameters)
            for t in tools.values()
        )
        interaction_id = new_id()
        rounds = 0
        while True:
            if token.cancelled:
                raise AbortedError("the turn was aborted")
            if env.check_request is not None:
                phase.text = "preparing the request"
                env.check_request(system_message, specs, added)
            message_id = new_id()
            reasoning_id = new_id()
            request = ModelRequest(
                model=config.model,
                system_message=system_message,
                messages=tuple(messages),
                tools=specs,
                stream=stream,
                temperature=config.temperature,
                max_output_tokens=config.max_output_tokens,
                reasoning_effort=config.reasoning_effort,
                initiator="user" if rounds == 0 else "agent",
                interaction_id=interaction_id,
                session_id=env.session_id,
            )
            phase.text = "waiting for the model"
            phase.attempts = 1
            began = time.monotonic()
            response = env.provider.complete(
                request,
                CallContext(
                    cancel=token,
                    on_delta=_delta_emitter(record, message_id, start) if stream else None,
                    on_retry=_retry_emitter(record, phase, start),
                    on_reasoning_delta=_reasoning_emitter(record, reasoning_id, start) if stream else None,
                ),
            )
            if response.reasoning_text:
                record(
                    "assistant.reasoning",
                    AssistantReasoningData(reasoning_id=reasoning_id, content=response.reasoning_text),
                    start,
                )
            message = record(
                "assistant.message",
                AssistantMessageData(
                    content=response.content,
                    message_id=message_id,
                    tool_requests=response.tool_calls,
                    model=response.model or config.model,
                    reasoning_text=response.reasoning_text or None,
                    reasoning_items=response.reasoning,
                ),
                start,
            )
            record(
                "assistant.usage",
                AssistantUsageData(
                    model=response.model or config.model,
                    input_tokens=response.input_tokens,
                    output_tokens=response.output_tokens,
                    duration=time.monotonic() - began,
                ),
                message,
            )
            messages.append(assistant_message(message.data))
            added += estimate_message(messages[-1])
            if not response.tool_calls:
                break
            rounds += 1
            if rounds > config.max_tool_rounds:
                raise MaxToolRoundsError(
                    f"the model asked for tools {rounds} rounds in a row; "
                    f"max_tool_rounds={config.max_tool_rounds} reached",
                    max_tool_rounds=config.max_tool_rounds,
                )
            phase.text = "running tools"
            results = run_tool_round(
                response.tool_calls,
                tools=tools,
                session_id=env.session_id,
                config=config,
                executor=env.tool_executor,
                record=_child_recorder(record, message),
                cancel=token,
            )
            for result in results:
                messages.append(
                    Message(
                        role="tool",
                        content=result.result or "",
                        tool_call_id=result.tool_call_id,
                        name=result.tool_name,
                    )
                )
                added += estimate_message(messages[-1])
            images = [image for result in results for image in result.images]
            if images:  # after the round's results, as the history projection has them
                messages.append(tool_images_message(images))
                added += estimate_message(messages[-1])
        phase.text = "saving the turn"
        end = new_event("assistant.turn_end", AssistantTurnEndData(turn_id=turn_id), start.id)
        if not control.begin_commit():
            raise AbortedError("the turn was aborted")
        env.commit(pending + [end])
        env.emit(end)
        env.emit(new_event("session.idle", SessionIdleData(aborted=False)))
        return message
    except BaseException as exc:
        if isinstance(exc, AbortedError) or token.cancelled:
            reason = token.reason or "aborted"
            env.emit(new_event("abort", AbortData(reason=reason)))
            env.emit(new_event("session.idle", SessionIdleData(aborted=True)))
            if isinstance(exc, AbortedError):
                raise
            raise AbortedError(f"the turn was aborted ({reason})") from exc
        error = _describe(exc, env.session_id, phase)
        hooks.error_occurred(error, "model_call" if isinstance(error, APIError) else "system", False)
        env.emit(
            new_event(
                "session.error",
                SessionErrorData(
                    error_type=type(error).__name__,
                    message=str(error),
                    status_code=getattr(error, "status_code", None),
                ),
            ),
        )
        env.emit(new_event("session.idle", SessionIdleData(aborted=False)))
        if error is exc:
            raise
        raise error from exc


def _describe(exc: BaseException, session_id: str, phase: _Phase) -> CopilotError:
    """Our error with what the session was doing, or a CopilotError for a bug."""
    where = f"session {session_id!r}, while {phase.text}"
    if phase.attempts > 1:
        where += f" (after {phase.attempts} attempts)"
    if isinstance(exc, CopilotError):
        if not exc.message.startswith("session "):
            exc.message = f"{where}: {exc.message}"
            exc.args = (exc.message,)
        return exc
    logger.exception("unexpected error in a turn of session %r", session_id)
    return CopilotError(f"{where}: unexpected {type(exc).__name__}: {exc}")


def _child_recorder(
    record: Callable[..., SessionEvent], parent: SessionEvent
) -> Callable[[str, Any], SessionEvent]:
    def child(event_type: str, data: Any) -> SessionEvent:
        return record(event_type, data, parent)

    return child


def _delta_emitter(
    record: Callable[..., SessionEvent], message_id: str, parent: SessionEvent
) -> Callable[[str], None]:
    def on_delta(text: str) -> None:
        record(
            "assistant.message_delta",
            AssistantMessageDeltaData(delta_content=text, message_id=message_id),
            parent,
        )

    return on_delta


def _reasoning_emitter(
    record: Callable[..., SessionEvent], reasoning_id: str, parent: SessionEvent
) -> Callable[[str], None]:
    def on_reasoning(text: str) -> None:
        record(
            "assistant.reasoning_delta",
            AssistantReasoningDeltaData(reasoning_id=reasoning_id, delta_content=text),
            parent,
        )

    return on_reasoning


def _retry_emitter(
    record: Callable[..., SessionEvent], phase: _Phase, parent: SessionEvent
) -> Callable[[int, float, BaseException], None]:
    def on_retry(attempt: int, delay: float, error: BaseException) -> None:
        phase.attempts = attempt + 1
        record(
            "assistant.turn_retry",
            AssistantTurnRetryData(
                attempt=attempt,
                delay=delay,
                error=str(error),
                status_code=error.status_code if isinstance(error, APIStatusError) else None,
            ),
            parent,
        )

    return on_retry
