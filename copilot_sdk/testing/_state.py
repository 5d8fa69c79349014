"""The shared state of the mock model server: settings, request log, counters, script.

Wire-format agnostic; one :class:`ServerState` per server, shared by its connection
threads.
"""

from __future__ import annotations

import collections
import logging
import secrets
import threading
from collections.abc import Callable, Iterable
from typing import Any, Union

import attrs

from ._types import MockFault, MockReply, RecordedRequest

logger = logging.getLogger("copilot_sdk.testing")

__all__ = ["Matcher", "ScriptItem", "ScriptQueue", "ServerState", "Settings"]

ScriptItem = Union[MockReply, MockFault]
Matcher = Callable[[Any], bool]


@attrs.define
class _MatchedQueue:
    match: Matcher
    items: collections.deque[ScriptItem]


class ScriptQueue:
    """Scripted replies: queues for requests that satisfy a predicate, then a FIFO.

    Each distinct ``match`` function owns one queue (enqueueing again with the same
    function object appends to it); queues are tried in the order they were first
    created.

    Thread-safe: the queues are guarded by ``self._lock``. Predicates are user code
    and run outside the lock; a queue emptied meanwhile by another thread is skipped.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fifo: collections.deque[ScriptItem] = collections.deque()  # guarded by self._lock
        self._matched: list[_MatchedQueue] = []  # guarded by self._lock

    def add(self, items: Iterable[ScriptItem], match: Matcher | None = None) -> None:
        """Append ``items`` to the FIFO, or to the queue of ``match``."""
        with self._lock:
            if match is None:
                self._fifo.extend(items)
                return
            for queue in self._matched:
                if queue.match is match:
                    queue.items.extend(items)
                    return
            self._matched.append(_MatchedQueue(match, collections.deque(items)))

    def pop(self, body: Any) -> ScriptItem | None:
        """Take the reply for a request with JSON ``body``; None means "default reply"."""
        with self._lock:
            candidates = [queue for queue in self._matched if queue.items]
        for queue in candidates:
            try:
                matched = bool(queue.match(body))
            except Exception:
                logger.exception("MockModelServer: a match= predicate raised; treated as no match")
                continue
            if matched:
                with self._lock:
                    if queue.items:
                        return queue.items.popleft()
        with self._lock:
            return self._fifo.popleft() if self._fifo else None

    def clear(self) -> None:
        """Drop every queued reply and predicate."""
        with self._lock:
            self._fifo.clear()
            self._matched.clear()


@attrs.frozen(kw_only=True)
class Settings:
    """Server-wide defaults that a scripted reply may override."""

    latency: float = 0.0
    chunk_size: int = 8
    chunk_delay: float = 0.0
    max_prompt_tokens: int | None = None
    api_key: str | None = None
    known_models_only: bool = False


class ServerState:
    """The request log, counters and script queue shared by all handler threads.

    Thread-safe: every field below is guarded by ``self._lock``; ``changed`` (a
    condition on that lock) is notified when a model call starts or ends.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.stop_event = threading.Event()
        self.script = ScriptQueue()
        self._lock = threading.Lock()
        self.changed = threading.Condition(self._lock)
        self._requests: list[RecordedRequest] = []  # guarded by self._lock
        self._model_calls: list[RecordedRequest] = []  # guarded by self._lock
        self._in_flight = 0  # guarded by self._lock
        self._max_in_flight = 0  # guarded by self._lock
        self._connections = 0  # guarded by self._lock
        self._counters: dict[str, int] = {}  # guarded by self._lock
        self._salt = secrets.token_hex(4)  # guarded by self._lock; new at each reset

    def new_id(self, kind: str) -> str:
        """A fresh id for ``kind`` objects: unique across servers and resets (a random
        salt), counting from 1 (``"<salt><n>"``)."""
        with self._lock:
            return f"{self._salt}{self._next_locked(kind)}"

    def record(self, request: RecordedRequest, *, model_call: bool) -> str:
        """Log ``request`` (and count it in flight if a model call); return its id."""
        with self._lock:
            self._requests.append(request)
            if model_call:
                self._model_calls.append(request)
                self._in_flight += 1
                self._max_in_flight = max(self._max_in_flight, self._in_flight)
                self.changed.notify_all()
            return f"req_{self._salt}{self._next_locked('req')}"

    def model_call_done(self) -> None:
        """Count one model call as no longer in flight."""
        with self._lock:
            self._in_flight -= 1
            self.changed.notify_all()

    def connection_accepted(self) -> None:
        """Count one accepted TCP connection."""
        with self._lock:
            self._connections += 1

    def next_id(self, kind: str) -> int:
        """Return the next number (from 1) of the counter named ``kind``."""
        with self._lock:
            return self._next_locked(kind)

    def _next_locked(self, kind: str) -> int:
        value = self._counters.get(kind, 0) + 1
        self._counters[kind] = value
        return value

    def snapshot(self) -> tuple[list[RecordedRequest], list[RecordedRequest], int, int, int]:
        """Return copies of (requests, model calls, in flight, max in flight, connections)."""
        with self._lock:
            return (
                list(self._requests),
                list(self._model_calls),
                self._in_flight,
                self._max_in_flight,
                self._connections,
            )

    def wait_for_model_calls(self, n: int, timeout: float) -> bool:
        """Block until at least ``n`` model calls were recorded or ``timeout`` passed."""
        with self.changed:
            return self.changed.wait_for(lambda: len(self._model_calls) >= n, timeout)

    def wait_for_idle(self, timeout: float) -> bool:
        """Block until no model call is in flight or ``timeout`` passed."""
        with self.changed:
            return self.changed.wait_for(lambda: self._in_flight == 0, timeout)

    def reset(self) -> None:
        """Clear the log, the script queue and the counters (not the live in-flight count)."""
        self.script.clear()
        with self._lock:
            self._requests.clear()
            self._model_calls.clear()
            self._max_in_flight = self._in_flight
            self._connections = 0
            self._counters.clear()
            self._salt = secrets.token_hex(4)
