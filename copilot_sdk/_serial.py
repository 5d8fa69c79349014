"""A per-session FIFO of work items drained by at most one thread at a time.

This is the "serial executor" design (Guava's ``SequentialExecutor``): submitting
appends to a deque; if nobody is draining, one drain task is handed to the shared
thread pool. The drain task pops one item under the lock, runs it outside the lock,
then hands itself back to the pool (so other sessions' work interleaves fairly) or
goes idle when the deque is empty. A session with 100 queued turns therefore holds
at most one pool thread, and never parks a pool thread waiting for its turn.

A thread that is itself running inside a turn (a tool calling ``send`` on another
session) must not wait for a pool thread: every pool thread may be busy with turns
waiting on their tools. :meth:`SerialQueue.run_inline_until` lets such a thread
claim a drain that is scheduled but not started and run the queue itself.

Thread-safe: all state below is guarded by ``self._lock`` (the queue's own lock; it
is never held while running an item or calling the pool).
"""

from __future__ import annotations

import collections
import logging
import threading
from concurrent.futures import Executor
from typing import Callable, Deque, List, Optional, Protocol

logger = logging.getLogger("copilot_sdk.serial")

_IDLE, _SCHEDULED, _RUNNING = "idle", "scheduled", "running"


class WorkItem(Protocol):
    """Something the queue runs. ``run`` must not raise; ``cancel`` is told why."""

    def run(self) -> None: ...

    def cancel(self, reason: str) -> None: ...

    def is_done(self) -> bool: ...


class SerialQueue:
    """FIFO of :class:`WorkItem`, run one at a time on ``executor``."""

    def __init__(self, executor: Callable[[], Executor]) -> None:
        self._executor = executor
        self._lock = threading.Lock()
        self._items: Deque[WorkItem] = collections.deque()  # guarded by self._lock
        self._state = _IDLE  # guarded by self._lock
        self._ticket = 0  # guarded by self._lock; invalidates a claimed pool task
        self._current: Optional[WorkItem] = None  # guarded by self._lock
        self._idle = threading.Condition(self._lock)

    def submit(self, item: WorkItem) -> None:
        """Queue ``item``; start a drain if none runs. Raises what the pool raises
        (e.g. RuntimeError after shutdown), with the item removed again."""
        with self._lock:
            self._items.append(item)
            if self._state != _IDLE:
                return
            self._state = _SCHEDULED
            self._ticket += 1
            ticket = self._ticket
        try:
            self._executor().submit(self._drain, ticket)
        except BaseException:
            with self._lock:
                if item in self._items:
                    self._items.remove(item)
                stranded = list(self._items) if self._ticket == ticket else []
                if self._ticket == ticket and self._state == _SCHEDULED:
                    self._items.clear()
                    self._state = _IDLE
                    self._idle.notify_all()
            for other in stranded:
                other.cancel("the client was stopped")
            raise

    def remove(self, item: WorkItem) -> bool:
        """Take a not-yet-started item out of the queue; True if it was queued."""
        with self._lock:
            try:
                self._items.remove(item)
            except ValueError:
                return False
            return True

    def cancel_all(self, reason: str) -> List[WorkItem]:
        """Remove every queued item (cancelling each) and return the running one
        (or an empty list); the caller cancels the running item itself."""
        with self._lock:
            queued = list(self._items)
            self._items.clear()
            running = [self._current] if self._current is not None else []
        for item in queued:
            item.cancel(reason)
        return running

    @property
    def busy(self) -> bool:
        with self._lock:
            return self._state != _IDLE

    def wait_idle(self, timeout: Optional[float] = None) -> bool:
        """Block until nothing is queued or running; True if idle."""
        with self._lock:
            return self._idle.wait_for(lambda: self._state == _IDLE, timeout)

    def _drain(self, ticket: int) -> None:
        with self._lock:
            if self._ticket != ticket or self._state != _SCHEDULED:
                return  # claimed by an inline runner
            self._state = _RUNNING
        self._run_one_then_reschedule()

    def _run_one_then_reschedule(self) -> None:
        with self._lock:
            item = self._items.popleft() if self._items else None
            self._current = item
        if item is not None:
            try:
                item.run()
            except BaseException:  # run() must not raise; keep the queue alive if it does
                logger.exception("a session work item raised")
        with self._lock:
            self._current = None
            if not self._items:
                self._state = _IDLE
                self._idle.notify_all()
                return
            self._state = _SCHEDULED
            self._ticket += 1
            ticket = self._ticket
        self._schedule(ticket)

    def _schedule(self, ticket: int) -> None:
        """Hand the drain for ``ticket`` to the pool; if the pool is shut down,
        cancel whatever is left."""
        try:
            self._executor().submit(self._drain, ticket)
        except RuntimeError:
            with self._lock:
                leftover = list(self._items)
                self._items.clear()
                self._state = _IDLE
                self._idle.notify_all()
            for left in leftover:
                left.cancel("the client was stopped")

    def run_inline_until(self, item: WorkItem) -> None:
        """Called by a thread that must not wait for a pool thread: if the queue's
        drain is scheduled but not started, claim it and run items here until
        ``item`` is done. If another thread is draining, return at once (it makes
        progress on its own); the caller then waits for ``item``'s result."""
        while not item.is_done():
            with self._lock:
                if self._state != _SCHEDULED:
                    return
                self._state = _RUNNING
                self._ticket += 1  # the pool task, when it runs, finds it was claimed
                next_item = self._items.popleft() if self._items else None
                self._current = next_item
            if next_item is not None:
                try:
                    next_item.run()
                except BaseException:
                    logger.exception("a session work item raised")
            with self._lock:
                self._current = None
                if self._items:
                    # leave it "scheduled" for whoever comes first: us, or a new pool task
                    self._state = _SCHEDULED
                    self._ticket += 1
                    ticket = self._ticket
                else:
                    self._state = _IDLE
                    self._idle.notify_all()
                    ticket = -1
            if ticket != -1 and item.is_done():
                self._schedule(ticket)
                return
