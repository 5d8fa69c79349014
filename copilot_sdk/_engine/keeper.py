"""Keeping a session under its model's context window (``infinite_sessions``).

:class:`WindowKeeper` is the turn runner's adviser: before a turn it compacts first
when the next request would pass the blocking threshold (0.95 of the window by
default); before each model call it refuses a request that would not fit a known
window (:class:`~copilot_sdk.errors.ContextWindowExceededError`, nothing sent);
after a turn past the background threshold (0.80) it asks the session to queue a
compaction on its serial queue, which runs after the turn and before the next one.
It also runs compactions and truncations themselves (see :mod:`.compaction`).
"""

from __future__ import annotations

import logging
from typing import Callable, List, Optional, Sequence, Tuple

from .._transport.cancel import CancelToken
from ..errors import ContextWindowExceededError, CopilotError
from ..events import SessionEvent, SessionTruncationData, new_event
from ..providers.base import Message, Provider, ToolSpec
from ..types import SessionConfig
from .compaction import Budget, Compactor, Measure
from .history import Conversation
from .tokens import FixedCost, estimate_fixed, estimate_message

logger = logging.getLogger("copilot_sdk.compaction")

__all__ = ["RequestCheck", "WindowKeeper"]

Emit = Callable[[SessionEvent], None]
RequestCheck = Callable[[Optional[str], Sequence[ToolSpec], int], None]
Commit = Callable[[List[SessionEvent]], None]


class WindowKeeper:
    """Measures one session's requests and compacts or truncates its history.

    Thread-safe: every method runs on the session's serial queue (one at a time),
    so its state (the last request's fixed cost, the last compaction attempt) has
    a single writer; each is one reference swapped atomically, and the
    conversation guards itself.
    """

    __slots__ = (
        "_session_id", "_conversation", "_commit", "_schedule", "_budget", "_compactor", "_fixed",
        "_attempted",
    )

    def __init__(
        self,
        *,
        session_id: str,
        provider: Callable[[], Provider],
        conversation: Conversation,
        commit: Commit,
        schedule: Callable[[str], None],
    ) -> None:
        self._session_id = session_id
        self._conversation = conversation
        self._commit = commit
        self._schedule = schedule
        self._budget = Budget(provider)
        self._compactor = Compactor(session_id, provider)
        self._fixed: Optional[Tuple[Tuple[Optional[str], Sequence[ToolSpec]], FixedCost]] = None
        #: the log's length after the last compaction attempt (None: none yet)
        self._attempted: Optional[int] = None

    # -- measuring ----------------------------------------------------------------
    def _fixed_cost(self, config: SessionConfig) -> FixedCost:
        """The system message's and tools' share: as last sent, else from ``config``."""
        known = self._fixed
        return known[1] if known is not None else self._budget.fixed(config)

    def measure(self, config: SessionConfig, extra: int = 0, *, look_up: bool = False) -> Measure:
        """The next request: the history plus ``extra`` tokens of new messages."""
        tokens, last_call = self._conversation.tokens()
        return self._budget.measure(
            config, tokens + extra, last_call, self._fixed_cost(config), look_up=look_up
        )

    def request_check(self, config: SessionConfig) -> RequestCheck:
        """A check for each model call of a turn on the current history: called with
        the request's system message, tools and the tokens of the turn's own
        messages so far; raises ContextWindowExceededError when it would not fit a
        known window."""
        history, last_call = self._conversation.tokens()

        def check(system_message: Optional[str], tools: Sequence[ToolSpec], added: int) -> None:
            known = self._fixed
            if known is not None and known[0][0] == system_message and known[0][1] is tools:
                fixed = known[1]
            else:
                fixed = estimate_fixed(system_message, tools)
                self._fixed = ((system_message, tools), fixed)
            measure = self._budget.measure(config, history + added, last_call, fixed)
            window = measure.window
            if window.known and measure.total > window.max_prompt_tokens:
                how = (
                    "infinite_sessions is off"
                    if not config.infinite_sessions.enabled
                    else "compaction could not make it fit"
                )
                raise ContextWindowExceededError(
                    f"session {self._session_id!r}: the request would need about "
                    f"{measure.total} tokens, over the {window.max_prompt_tokens}-token context "
                    f"window of model {config.model!r} ({how}); it was not sent",
                    session_id=self._session_id,
                    estimated_tokens=measure.total,
                    max_prompt_tokens=window.max_prompt_tokens,
                )

        return check

    # -- around a turn ------------------------------------------------------------
    def before_turn(self, config: SessionConfig, prompt: str, cancel: CancelToken, emit: Emit) -> None:
        """Compact before the turn's request when it would pass the blocking
        threshold, or when a compaction is due that did not run (the session was
        closed before its queued compaction, the process stopped, or this session
        was just resumed): then the history is the same as if it had. After a failed
        compaction the turn goes on (its requests are still checked against the
        window); an aborted one raises AbortedError."""
        settings = config.infinite_sessions
        if not settings.enabled:
            return
        history = self.measure(config)
        if (
            history.share >= settings.background_compaction_threshold
            and self._attempted != self._conversation.length()
        ):
            self.compact(config, "threshold", cancel, emit)
            return
        measure = self.measure(config, estimate_message(Message(role="user", content=prompt)))
        if measure.share >= settings.buffer_exhaustion_threshold:
            self.compact(config, "buffer_exhaustion", cancel, emit)

    def after_turn(self, config: SessionConfig) -> None:
        """Past the background threshold, have a compaction queued."""
        settings = config.infinite_sessions
        if settings.enabled and self.measure(config).share >= settings.background_compaction_threshold:
            self._schedule("threshold")

    def still_needed(self, config: SessionConfig) -> bool:
        """Whether a queued background compaction still has work (another process,
        or a truncation, may have made room meanwhile)."""
        settings = config.infinite_sessions
        return settings.enabled and self.measure(config).share >= settings.background_compaction_threshold

    # -- compaction and truncation --------------------------------------------------
    def compact(self, config: SessionConfig, trigger: str, cancel: CancelToken, emit: Emit) -> SessionEvent:
        """Run one compaction now (see :meth:`.compaction.Compactor.compact`)."""
        try:
            return self._compactor.compact(
                config=config,
                units=self._conversation.units(),
                measure=self.measure(config, look_up=True),
                trigger=trigger,
                cancel=cancel,
                emit=emit,
                commit=self._commit,
            )
        finally:
            self._attempted = self._conversation.length()

    def truncate(self, config: SessionConfig, turns: int, emit: Emit) -> SessionEvent:
        """Drop the oldest ``turns`` units (a compaction's summary counts as one) from
        the history projection, recorded as a ``session.truncation`` event."""
        units = self._conversation.units()
        dropped = units[: min(turns, len(units))]
        if not dropped:
            raise CopilotError(f"session {self._session_id!r} has no turns to truncate")
        kept = units[len(dropped):]
        before = sum(unit.tokens for unit in units)
        after = sum(unit.tokens for unit in kept)
        window = self.measure(config).window
        event = new_event(
            "session.truncation",
            SessionTruncationData(
                turns_removed=len(dropped),
                first_event_id=dropped[0].first_id,
                last_event_id=dropped[-1].last_id,
                messages_removed_during_truncation=sum(len(u.messages) for u in dropped),
                pre_truncation_messages_length=sum(len(u.messages) for u in units),
                post_truncation_messages_length=sum(len(u.messages) for u in kept),
                pre_truncation_tokens_in_messages=before,
                post_truncation_tokens_in_messages=after,
                tokens_removed_during_truncation=before - after,
                token_limit=window.max_prompt_tokens,
            ),
        )
        self._commit([event])
        emit(event)
        return event

