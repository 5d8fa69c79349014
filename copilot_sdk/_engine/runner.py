"""The turn runner: runs one queued turn of a session on a pool thread (or on the
thread of a blocking send, see ``inline``).

A prompt's route: ``Session.send`` queues a :class:`~.queued.QueuedTurn` on the
session's :class:`~.serial.SerialQueue`; a pool thread pops it and calls
:meth:`TurnRunner.run`, which takes the store's turn lease, catches up with events
other processes appended, and hands the history to :func:`~.turn.execute_turn`
(model calls and tool rounds through the provider), whose events come back through
:meth:`TurnRunner.commit` into the log and the store in one step. Around each turn
the :class:`~.keeper.WindowKeeper` keeps the history under the context window;
compactions and truncations run here too, as items of the same queue.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from concurrent.futures import Executor
from typing import Any, Callable, Dict, List, Mapping, Optional, Protocol, Tuple

from ..errors import AbortedError, CopilotError
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
from ..tools import Tool
from ..tools.mcp.manager import McpManager
from ..tools.mcp.status import SessionMcpServerStatusChangedData
from ..types import SessionConfig
from .history import Conversation
from .inline import CallerSlots, run_on_caller
from .keeper import WindowKeeper
from .queued import QueuedTurn
from .serial import SerialQueue
from .turn import TurnEnv, execute_turn
from .turnctx import turn_thread

__all__ = ["CallerSlots", "Runtime", "SessionRuntime", "TurnRunner"]

logger = logging.getLogger("copilot_sdk.session")

Emit = Callable[[SessionEvent, QueuedTurn], None]


class SessionRuntime(Protocol):
    """What a session needs from its client: the store, the two pools, and a way to
    say it was released."""

    store: SessionStore
    caller_slots: CallerSlots

    def pool(self) -> Executor: ...

    def tool_pool(self) -> Executor: ...

    def released(self, session: Any) -> None: ...

    def mcp(self) -> Optional[McpManager]: ...

    def run_here(self, queue: SerialQueue, item: QueuedTurn, abort: Callable[[QueuedTurn], None]) -> bool:
        """Run ``item`` on the calling thread if ``queue`` is idle (see ``inline``)."""
        ...


class Runtime:
    """The client's :class:`SessionRuntime`: its store, its two pools, the slots
    for turns run on their callers' threads, and the callback that drops a
    released session from its registry.

    Thread-safe: immutable once built.
    """

    def __init__(
        self, store: SessionStore, pool: Executor, tool_pool: Executor, released: Callable[[Any], None],
        mcp: Optional[McpManager] = None, caller_slots: Optional[CallerSlots] = None,
    ) -> None:
        self.store = store
        self.caller_slots = caller_slots or CallerSlots(16)
        self._pool = pool
        self._tool_pool = tool_pool
        self._released = released
        self._mcp = mcp

    def mcp(self) -> Optional[McpManager]:
        return self._mcp

    def pool(self) -> Executor:
        return self._pool

    def tool_pool(self) -> Executor:
        return self._tool_pool

    def released(self, session: Any) -> None:
        self._released(session)

    def run_here(self, queue: SerialQueue, item: QueuedTurn, abort: Callable[[QueuedTurn], None]) -> bool:
        return run_on_caller(queue, item, self.caller_slots, abort)


class TurnRunner:
    """Runs the turns of one session, one at a time (its serial queue sees to that).

    Thread-safe: ``run`` is only ever called by the session's serial queue, so two
    calls never overlap; the conversation it reads and commits to guards itself
    (see :class:`~.history.Conversation`). The config and provider may be replaced
    between turns (``set_model``, ``resume_session`` overrides): they, and the
    events to commit with the next turn, are guarded by ``self._lock``; a turn reads
    them once when it starts.
    """

    __slots__ = (
        "session_id", "_lock", "_config", "_provider", "_carry", "session_context", "_runtime",
        "_conversation", "_emit", "keeper", "_mcp_seen",
    )

    def __init__(
        self,
        *,
        config: SessionConfig,
        provider: Provider,
        runtime: SessionRuntime,
        conversation: Conversation,
        emit: Emit,
        schedule_compaction: Callable[[str], None] = lambda trigger: None,
    ) -> None:
        assert config.session_id is not None
        self.session_id: str = config.session_id
        self._lock = threading.Lock()
        self._config = config  # guarded by self._lock
        self._provider = provider  # guarded by self._lock
        self._carry: List[SessionEvent] = []  # guarded by self._lock: committed with the next turn
        self.session_context: Optional[str] = None  # set once when the session opens
        self._runtime = runtime
        self._conversation = conversation
        self._emit = emit
        self.keeper = WindowKeeper(
            session_id=self.session_id,
            provider=self.current_provider,
            conversation=conversation,
            commit=self.commit,
            schedule=schedule_compaction,
        )
        self._mcp_seen: Dict[str, str] = {}  # server name -> last status this session reported

    @property
    def config(self) -> SessionConfig:
        """The config the next turn runs with."""
        with self._lock:
            return self._config

    def current_provider(self) -> Provider:
        """The provider the next turn runs with."""
        with self._lock:
            return self._provider

    def current(self) -> Tuple[SessionConfig, Provider]:
        """The config and provider the next turn runs with."""
        with self._lock:
            return self._config, self._provider

    def reconfigure(
        self, config: SessionConfig, provider: Provider, carry: Optional[SessionEvent] = None
    ) -> None:
        """Run the next turns with ``config`` and ``provider``; commit ``carry`` (a
        ``session.model_change``) to the log with the next turn that completes."""
        with self._lock:
            self._config, self._provider = config, provider
            if carry is not None:
                self._carry.append(carry)

    def run(self, turn: QueuedTurn) -> SessionEvent[AssistantMessageData]:
        """Run ``turn`` to its end on this thread; raise its error if it failed."""
        config = self.config
        with turn_thread(self.session_id), contextlib.ExitStack() as stack:
            try:
                self._lease(stack, turn)
                self.keeper.before_turn(config, turn.prompt, turn.token, lambda e: self._emit(e, turn))
            except BaseException as exc:  # the turn never started: still say how it ended
                self._failed_before_start(turn, exc)
                raise
            with self._lock:
                config, provider, carry = self._config, self._provider, list(self._carry)
            env = TurnEnv(
                session_id=self.session_id,
                config=config,
                provider=provider,
                history=self._conversation.history(),
                emit=lambda event: self._emit(event, turn),
                commit=lambda events: self.commit(carry + events, len(carry)),
                tool_executor=self._runtime.tool_pool,
                check_request=self.keeper.request_check(config),
                session_context=self.session_context,
                mcp_tools=self._mcp_tools,
            )
            result = execute_turn(
                env,
                turn.prompt,
                turn,
                stream=turn.stream or config.streaming,
                attachments=turn.attachments,
            )
        try:
            self.keeper.after_turn(config)
        except Exception:  # the turn is committed: never fail it for this
            logger.exception("session %r: measuring the history after a turn failed", self.session_id)
        return result

    def run_compaction(self, trigger: str, item: QueuedTurn) -> SessionEvent[Any]:
        """Compact the history now (a queued item, or ``session.compact()``)."""
        with turn_thread(self.session_id), contextlib.ExitStack() as stack:
            self._lease(stack, item)
            if trigger == "threshold" and not self.keeper.still_needed(self.config):
                raise CopilotError("the queued compaction is no longer needed")
            return self.keeper.compact(self.config, trigger, item.token, lambda e: self._emit(e, item))

    def run_truncation(self, turns: int, item: QueuedTurn) -> SessionEvent[Any]:
        """Drop the oldest ``turns`` turns from the history projection."""
        with turn_thread(self.session_id), contextlib.ExitStack() as stack:
            self._lease(stack, item)
            if item.token.cancelled:
                raise AbortedError("the truncation was aborted")
            return self.keeper.truncate(self.config, turns, lambda e: self._emit(e, item))

    def _lease(self, stack: contextlib.ExitStack, item: QueuedTurn) -> None:
        """Take the store's turn lease for ``item`` and catch up with the stored log."""
        stack.enter_context(self._runtime.store.turn_lock(self.session_id, item.token.wait))
        self._catch_up()

    def _mcp_tools(self, record: Callable[[str, Any], Any]) -> Mapping[str, Tool]:
        """The tools of the session's MCP servers (started on first use); a
        ``session.mcp_server_status_changed`` event whenever a server's status, as
        this session last saw it, changes. Runs on the turn's thread only."""
        manager = self._runtime.mcp()
        if not self.config.mcp_servers or manager is None:
            return {}

        def on_status(name: str, status: str, error: Optional[str]) -> None:
            if self._mcp_seen.get(name) != status:
                self._mcp_seen[name] = status
                record(
                    "session.mcp_server_status_changed",
                    SessionMcpServerStatusChangedData(server_name=name, status=status, error=error),
                )

        return manager.tools_for(self.config.mcp_servers, on_status)

    def commit(self, events: List[SessionEvent], carried: int = 0) -> None:
        """Append a finished turn's events to the store, then to the conversation
        (the first ``carried`` of them were waiting for a turn to commit with)."""
        self._runtime.store.append(self.session_id, events)
        self._conversation.extend(events)
        if carried:
            with self._lock:
                del self._carry[:carried]

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
