"""The turn runner: runs one queued turn of a session on a pool thread.

A prompt's route: ``Session.send`` queues a :class:`~.queued.QueuedTurn` on the
session's :class:`~.serial.SerialQueue`; a pool thread pops it and calls
:meth:`TurnRunner.run`, which takes the store's turn lease, catches up with events
other processes appended, and hands the history to :func:`~.turn.execute_turn`
(model calls and tool rounds through the provider), whose events come back through
:meth:`TurnRunner.commit` into the log and the store in one step.
"""

from __future__ import annotations

import contextlib
from concurrent.futures import Executor
from typing import Any, Callable, List, Protocol

from ..errors import AbortedError
from ..events import (
    AbortData,
    AssistantMessageData,
    SessionErrorData,
    SessionEvent,
    SessionIdleData,
    new_event,
)
from ..providers.base import Provider
from ..store.base import SessionStore
from ..types import SessionConfig
from .history import Conversation
from .queued import QueuedTurn
from .turn import TurnEnv, execute_turn
from .turnctx import turn_thread

__all__ = ["Runtime", "SessionRuntime", "TurnRunner"]

Emit = Callable[[SessionEvent, QueuedTurn], None]


class SessionRuntime(Protocol):
    """What a session needs from its client: the store, the two pools, and a way to
    say it was released."""

    store: SessionStore

    def pool(self) -> Executor: ...

    def tool_pool(self) -> Executor: ...

    def released(self, session: Any) -> None: ...


class Runtime:
    """The client's :class:`SessionRuntime`: its store, its two pools, and the
    callback that drops a released session from its registry.

    Thread-safe: immutable once built.
    """

    def __init__(
        self, store: SessionStore, pool: Executor, tool_pool: Executor, released: Callable[[Any], None]
    ) -> None:
        self.store = store
        self._pool = pool
        self._tool_pool = tool_pool
        self._released = released

    def pool(self) -> Executor:
        return self._pool

    def tool_pool(self) -> Executor:
        return self._tool_pool

    def released(self, session: Any) -> None:
        self._released(session)


class TurnRunner:
    """Runs the turns of one session, one at a time (its serial queue sees to that).

    Thread-safe: ``run`` is only ever called by the session's serial queue, so two
    calls never overlap; the conversation it reads and commits to guards itself
    (see :class:`~.history.Conversation`), and the config, provider and runtime are
    immutable references.
    """

    def __init__(
        self,
        *,
        config: SessionConfig,
        provider: Provider,
        runtime: SessionRuntime,
        conversation: Conversation,
        emit: Emit,
    ) -> None:
        assert config.session_id is not None
        self.session_id: str = config.session_id
        self.config = config
        self.provider = provider
        self._runtime = runtime
        self._conversation = conversation
        self._emit = emit

    def run(self, turn: QueuedTurn) -> SessionEvent[AssistantMessageData]:
        """Run ``turn`` to its end on this thread; raise its error if it failed."""
        store = self._runtime.store
        with turn_thread(self.session_id), contextlib.ExitStack() as stack:
            try:
                stack.enter_context(store.turn_lock(self.session_id, turn.token.wait))
                self._catch_up()
            except BaseException as exc:  # the turn never started: still say how it ended
                self._failed_before_start(turn, exc)
                raise
            env = TurnEnv(
                session_id=self.session_id,
                config=self.config,
                provider=self.provider,
                history=self._conversation.history(),
                emit=lambda event: self._emit(event, turn),
                commit=self.commit,
                tool_executor=self._runtime.tool_pool,
            )
            return execute_turn(env, turn.prompt, turn, stream=turn.stream or self.config.streaming)

    def commit(self, events: List[SessionEvent]) -> None:
        """Append a finished turn's events to the store, then to the conversation."""
        self._runtime.store.append(self.session_id, events)
        self._conversation.extend(events)

    def _catch_up(self) -> None:
        """Pick up turns another process appended to our stored log."""
        newer = self._runtime.store.events_since(self.session_id, self._conversation.length())
        if newer:
            self._conversation.extend(newer)

    def _failed_before_start(self, turn: QueuedTurn, exc: BaseException) -> None:
        if isinstance(exc, AbortedError) or turn.token.cancelled:
            self._emit(new_event("abort", AbortData(reason=turn.token.reason or "aborted")), turn)
            self._emit(new_event("session.idle", SessionIdleData(aborted=True)), turn)
            return
        error = SessionErrorData(
            error_type=type(exc).__name__,
            message=f"session {self.session_id!r}, while waiting for its turn: {exc}",
            status_code=None,
        )
        self._emit(new_event("session.error", error), turn)
        self._emit(new_event("session.idle", SessionIdleData(aborted=False)), turn)
