"""Compaction: replace a session's oldest turns by a summary the model writes.

A compaction keeps the system message (it is not part of the history), the most
recent turns that fit in a quarter of the context window (at least the last two)
and never splits a turn, so a tool call always travels with its result. The older
turns (a previous summary included) are rendered as a plain-text transcript and
sent to the session's model with :data:`SYSTEM_PROMPT` and :data:`INSTRUCTION`; a
transcript too long for one call is summarised in parts, each part's summary
carried into the next call. The result is committed as ``session.compaction_start``
plus ``session.compaction_complete`` in one step, which the history projection
(:mod:`.history`) applies. A compaction that fails or is aborted commits nothing:
it emits ``session.compaction_complete`` with ``success`` False, and the history is
as it was.
"""

from __future__ import annotations

import logging
from typing import Callable, List, Optional, Sequence, Tuple

import attrs

from .._transport.cancel import CancelToken
from ..errors import AbortedError, CopilotError
from ..events import (
    SessionCompactionCompleteData,
    SessionCompactionStartData,
    SessionEvent,
    new_event,
    new_id,
)
from ..providers.base import CallContext, Message, ModelRequest, Provider, ToolSpec
from ..types import SessionConfig
from .history import SUMMARY_PREFIX, UnitView
from .tokens import (
    ContextLimits,
    FixedCost,
    Window,
    arguments_text,
    corrected,
    estimate_fixed,
    estimate_message,
    estimate_text,
)

logger = logging.getLogger("copilot_sdk.compaction")

__all__ = ["INSTRUCTION", "SYSTEM_PROMPT", "Budget", "Compactor", "Measure", "plan_compaction"]

#: The system message of a compaction's model call.
SYSTEM_PROMPT = (
    "You compact the conversation between a user and an AI assistant so that it can go "
    "on within a limited context window. Write a concise summary of the conversation you "
    "are given, for the assistant's own use: the user's goals and requests, decisions "
    "made, facts and results established (what tools returned included), open questions, "
    "and what the assistant was about to do next. Keep names, numbers, file paths, code "
    "identifiers and error messages exactly. Leave out pleasantries. Plain text, no "
    "preamble."
)

#: The request that follows the transcript in a compaction's user message.
INSTRUCTION = "Summarise the conversation above, as instructed."

KEEP_SHARE = 0.25  # of the window: the recent turns kept verbatim
MIN_KEPT_TURNS = 2
TOOL_RESULT_CHARS = 2000  # of one tool result in the transcript
SUMMARY_CALL_SHARE = 0.75  # of the window: the most one summarising call sends


@attrs.frozen
class Measure:
    """The estimated size of the request a session would send next."""

    total: int  # corrected estimate of the whole prompt
    conversation: int  # history (and the turn's own messages), uncorrected
    fixed: FixedCost
    window: Window

    @property
    def share(self) -> float:
        return self.total / self.window.max_prompt_tokens


class Budget:
    """Measures a session's requests against its model's context window.

    Thread-safe: the fixed-cost cache is one reference swapped atomically (a
    recomputation on a race is harmless); the window lookups guard themselves
    (:class:`~.tokens.ContextLimits`).
    """

    __slots__ = ("_limits", "_fixed")

    def __init__(self, provider: Callable[[], Provider]) -> None:
        self._limits = ContextLimits(provider)
        self._fixed: Optional[Tuple[SessionConfig, FixedCost]] = None

    def fixed(self, config: SessionConfig) -> FixedCost:
        """The system message's and tools' share of every request of ``config``."""
        cached = self._fixed
        if cached is not None and cached[0] is config:
            return cached[1]
        specs = [ToolSpec(name=t.name, description=t.description, parameters=t.parameters)
                 for t in config.tools]
        cost = estimate_fixed(config.system_text, specs)
        self._fixed = (config, cost)
        return cost

    def measure(
        self,
        config: SessionConfig,
        conversation: int,
        last_call: Optional[Tuple[int, int]],
        fixed: FixedCost,
        *,
        look_up: bool = False,
    ) -> Measure:
        """The request of ``conversation`` estimated tokens of messages, with the
        ``fixed`` cost of its system message and tools (``look_up``: consult the
        models list however small the request)."""
        raw = fixed.total + conversation
        calibration = None if last_call is None else (fixed.total + last_call[0], last_call[1])
        total = corrected(raw, calibration)
        window = self._limits.window(config.model, config.max_prompt_tokens, max(raw, total), force=look_up)
        return Measure(total=total, conversation=conversation, fixed=fixed, window=window)


@attrs.frozen
class Plan:
    """Which units a compaction replaces (the oldest) and how many it keeps."""

    old: Tuple[UnitView, ...]
    kept: Tuple[UnitView, ...]


def plan_compaction(units: Sequence[UnitView], window: int) -> Optional[Plan]:
    """Keep the newest units that fit in a quarter of ``window`` (at least two);
    replace the rest. None if there is nothing worth replacing."""
    budget = int(window * KEEP_SHARE)
    kept = 0
    tokens = 0
    for unit in reversed(units):
        if kept >= MIN_KEPT_TURNS and tokens + unit.tokens > budget:
            break
        kept += 1
        tokens += unit.tokens
    old = tuple(units[: len(units) - kept])
    if not old or (len(old) == 1 and old[0].summary):
        return None
    return Plan(old=old, kept=tuple(units[len(units) - kept :]))


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]} [... {len(text) - limit} characters left out ...] {text[-half:]}"


def transcript(unit: UnitView) -> str:
    """One unit as plain text for the summarising call."""
    lines: List[str] = []
    for message in unit.messages:
        if unit.summary:
            lines.append("Summary of the conversation before this part:\n"
                         + message.content.removeprefix(SUMMARY_PREFIX))
        elif message.role == "user":
            lines.append(f"User: {message.content}")
        elif message.role == "assistant":
            if message.content:
                lines.append(f"Assistant: {message.content}")
            for call in message.tool_calls:
                arguments = _clip(arguments_text(call.arguments), TOOL_RESULT_CHARS)
                lines.append(f"Assistant called tool {call.name} with {arguments}")
        else:
            lines.append(f"Tool {message.name or ''} returned: {_clip(message.content, TOOL_RESULT_CHARS)}")
    return "\n".join(lines)


def _parts(texts: Sequence[str], budget: int) -> List[str]:
    """The transcripts grouped into parts of at most ``budget`` tokens (one that is
    longer alone is cut in its middle)."""
    parts: List[str] = []
    current: List[str] = []
    size = 0
    chars = budget * 4
    for text in texts:
        text = _clip(text, chars)
        tokens = estimate_text(text) + 1
        if current and size + tokens > budget:
            parts.append("\n\n".join(current))
            current, size = [], 0
        current.append(text)
        size += tokens
    if current:
        parts.append("\n\n".join(current))
    return parts


class CompactionFailed(CopilotError):
    """A compaction could not be made (internal: it ends as success false)."""


Emit = Callable[[SessionEvent], None]
Commit = Callable[[List[SessionEvent]], None]


class Compactor:
    """Runs one session's compactions (on its serial queue, so never two at once).

    Thread-safe: holds immutable references only.
    """

    __slots__ = ("_session_id", "_provider")

    def __init__(self, session_id: str, provider: Callable[[], Provider]) -> None:
        self._session_id = session_id
        self._provider = provider  # the session's current provider

    def compact(
        self,
        *,
        config: SessionConfig,
        units: Sequence[UnitView],
        measure: Measure,
        trigger: str,
        cancel: CancelToken,
        emit: Emit,
        commit: Commit,
    ) -> SessionEvent:
        """Compact, commit and return the ``session.compaction_complete`` event; on
        failure return it with ``success`` False (nothing committed).

        Raises:
            AbortedError: ``cancel`` fired (compaction_complete success false emitted,
                nothing committed).
        """
        window = measure.window.max_prompt_tokens
        start = new_event(
            "session.compaction_start",
            SessionCompactionStartData(
                trigger=trigger,
                current_tokens=measure.total,
                token_limit=window,
                model=config.model,
                conversation_tokens=measure.conversation,
                system_tokens=measure.fixed.system,
                tool_definitions_tokens=measure.fixed.tools,
            ),
        )
        emit(start)
        try:
            plan = plan_compaction(units, window)
            if plan is None:
                raise CompactionFailed(
                    "nothing to compact: the history is only the turns kept verbatim "
                    f"(the last {MIN_KEPT_TURNS}, or those within a quarter of the window)"
                )
            summary = self._summarise(config, plan, window, cancel)
            summary_tokens = estimate_message(Message(role="user", content=SUMMARY_PREFIX + summary))
            kept_tokens = sum(unit.tokens for unit in plan.kept)
            old_tokens = sum(unit.tokens for unit in plan.old)
            raw_before = measure.fixed.total + measure.conversation
            raw_after = measure.fixed.total + kept_tokens + summary_tokens
            after = raw_after * measure.total // max(1, raw_before)  # corrected like before
            if summary_tokens >= old_tokens:
                raise CompactionFailed("the summary is not shorter than the turns it replaces")
            complete = new_event(
                "session.compaction_complete",
                SessionCompactionCompleteData(
                    success=True,
                    trigger=trigger,
                    summary_content=summary,
                    first_event_id=plan.old[0].first_id,
                    last_event_id=plan.old[-1].last_id,
                    turns_replaced=len(plan.old),
                    messages_removed=sum(len(unit.messages) for unit in plan.old),
                    pre_compaction_tokens=measure.total,
                    post_compaction_tokens=after,
                    token_limit=window,
                ),
                start.id,
            )
            if cancel.cancelled:
                raise AbortedError("the compaction was aborted")
            commit([start, complete])
        except BaseException as exc:
            aborted = cancel.cancelled or isinstance(exc, AbortedError)
            if not aborted and not isinstance(exc, CopilotError):
                logger.exception("compaction of session %r failed unexpectedly", self._session_id)
            reason = f"aborted ({cancel.reason or 'aborted'})" if aborted else str(exc)
            failed = new_event(
                "session.compaction_complete",
                SessionCompactionCompleteData(
                    success=False,
                    trigger=trigger,
                    pre_compaction_tokens=measure.total,
                    token_limit=window,
                    error=reason,
                ),
                start.id,
            )
            emit(failed)
            if not aborted:
                logger.info("session %r: compaction failed: %s", self._session_id, reason)
                return failed
            if isinstance(exc, AbortedError):
                raise
            raise AbortedError(f"the compaction was aborted: {reason}") from exc
        emit(complete)
        logger.debug(
            "session %r compacted %d turns: %d -> %d tokens",
            self._session_id, len(plan.old), measure.total, after,
        )
        return complete

    def _summarise(self, config: SessionConfig, plan: Plan, window: int, cancel: CancelToken) -> str:
        overhead = estimate_text(SYSTEM_PROMPT) + estimate_text(INSTRUCTION) + 64
        budget = max(512, int(window * SUMMARY_CALL_SHARE) - overhead)
        summary: Optional[str] = None
        part_budget = budget // 2  # a part, and the summary carried from the one before
        for part in _parts([transcript(unit) for unit in plan.old], part_budget):
            text = f"<conversation>\n{part}\n</conversation>\n\n{INSTRUCTION}"
            if summary is not None:  # carried into the next part (clipped if the model rambled)
                carried = _clip(summary, part_budget * 4)
                text = f"Summary of the conversation before this part:\n{carried}\n\n{text}"
            if cancel.cancelled:
                raise AbortedError("the compaction was aborted")
            response = self._provider().complete(
                ModelRequest(
                    model=config.model,
                    system_message=SYSTEM_PROMPT,
                    messages=(Message(role="user", content=text),),
                    stream=False,
                    reasoning_effort=config.reasoning_effort,
                    initiator="agent",
                    interaction_id=new_id(),
                ),
                CallContext(cancel=cancel),
            )
            summary = response.content.strip()
            if not summary:
                raise CompactionFailed("the model returned an empty summary")
        assert summary is not None
        return summary
