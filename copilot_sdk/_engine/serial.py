"""A per-session FIFO of work items drained by at most one thread at a time.

This is the "serial executor" design (Guava's ``SequentialExecutor``): submitting
appends to a deque; if nobody is draining, one drain task is handed to the shared
thread pool. The drain task pops one item under the lock, runs it outside the lock,
then hands itself back to the pool (so other sessions' work interleaves fairly) or
goes idle when the deque is empty. A session with 100 queued turns therefore holds
at most one pool thread, and never parks a pool thread waiting for its turn.

A thread that is itself running inside a turn (a tool calling ``send`` on another
session) must not wait for a pool thread: every pool thread may be busy with turns
waiting on their tools. :meth:`SerialQueue.run_inline` lets such a thread
claim a drain that is scheduled but not started and run the queue itself.

Closing is a state of the queue (:meth:`SerialQueue.close`): from then on a submit
is refused under the same lock that queues, so no item can slip in after a close;
the items already queued still run.

An item's outcome is settled (:meth:`WorkItem.settle`: its future resolved) only
after the queue has let go of it, so that a done-callback may submit again.

Thread-safe: all state below is guarded by ``self._lock`` (the queue's own lock; it
is never held while running an item or calling the pool).
"""

from __future__ import annotations

import functools
import logging
import threading
from concurrent.futures import Executor, Future
from typing import Callable, List, Optional, Protocol

logger = logging.getLogger("copilot_sdk.serial")

_IDLE, _SCHEDULED, _RUNNING = "idle", "scheduled", "running"


class QueueClosedError(RuntimeError):
    """Raised by :meth:`SerialQueue.submit` once the queue was closed."""


class WorkItem(Protocol):
    """Something the queue runs. ``run`` must not raise; ``cancel`` is told why;
    ``settle`` publishes the outcome of ``run`` once the queue has released it."""

    def run(self) -> None: ...

    def settle(self) -> None: ...

    def cancel(self, reason: str) -> None: ...

    def is_done(self) -> bool: ...


class SerialQueue:
    """FIFO of :class:`WorkItem`, run one at a time on ``executor``.

    Thread-safe: any thread may submit, remove, cancel or wait. The items, the
    drain state, the ticket and the current item are guarded by ``self._lock``
    (``self._changed`` is its condition, made on the first wait), which is never
    held while an item runs or while calling the pool.

    Small on purpose (a client may hold many thousands of idle sessions): the items
    are a list (a session's queue is short; a deque costs 600 bytes empty) and the
    condition, with its own deque, exists only once someone waits.
    """

    __slots__ = (
        "_executor", "_lock", "_items", "_state", "_ticket", "_current", "_closed", "_settling", "_changed",
    )

    def __init__(self, executor: Callable[[], Executor]) -> None:
        self._executor = executor
        self._lock = threading.Lock()
        self._items: List[WorkItem] = []  # guarded by self._lock
        self._state = _IDLE  # guarded by self._lock
        self._ticket = 0  # guarded by self._lock; invalidates a claimed pool task
        self._current: Optional[WorkItem] = None  # guarded by self._lock
        self._closed = False  # guarded by self._lock
        self._settling = 0  # guarded by self._lock: items released, not yet settled
        self._changed: Optional[threading.Condition] = None  # guarded by self._lock; see _condition

    def close(self) -> None:
        """Refuse every later submit (QueueClosedError); queued items still run."""
        with self._lock:
            self._closed = True

    def submit(self, item: WorkItem, *, first: bool = False) -> None:
        """Queue ``item`` (at the front with ``first``: it runs after the item in
        progress, before those waiting); start a drain if none runs. Raises
        QueueClosedError after :meth:`close`, or what the pool raises (e.g.
        RuntimeError after shutdown), with the item removed again."""
        with self._lock:
            if self._closed:
                raise QueueClosedError("the queue is closed")
            if first:
                self._items.insert(0, item)
            else:
                self._items.append(item)
            if self._state != _IDLE:
                return
            ticket = self._set_state(_SCHEDULED)
        try:
            future = self._executor().submit(self._drain, ticket)
        except BaseException:
            with self._lock:
                if item in self._items:
                    self._items.remove(item)
            self._abandon(ticket)
            raise
        future.add_done_callback(functools.partial(self._abandon_if_cancelled, ticket))

    def run_here(self, item: WorkItem) -> bool:
        """Run ``item`` on the calling thread now, if the queue is idle (nothing
        queued, nothing running); False, and nothing done, otherwise.

        While it runs the queue is claimed as by a drain task: items submitted
        meanwhile queue up behind it and go to the pool when it is done, and
        ``cancel_all`` returns it as the running item. So ordering and abort are
        those of the pool path, without the hand-off to a pool thread and back.
        """
        with self._lock:
            if self._closed or self._state != _IDLE or self._items:
                return False
            self._set_state(_RUNNING)
            self._current = item
        self._run(item)
        ticket = self._after_run()
        self._settle(item)
        if ticket is not None:
            self._schedule(ticket)
        return True

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
        _cancel_each(queued, reason)
        return running

    def wait_idle(self, timeout: Optional[float] = None) -> bool:
        """Block until nothing is queued or running; True if idle."""
        with self._lock:
            return self._condition().wait_for(lambda: self._state == _IDLE and not self._settling, timeout)

    # -- internals (state changes happen under self._lock) ----------------------
    def _condition(self) -> threading.Condition:
        """The condition notified on every state change, made on the first wait
        (lock held)."""
        if self._changed is None:
            self._changed = threading.Condition(self._lock)
        return self._changed

    def _set_state(self, state: str) -> int:
        self._state = state
        if state == _SCHEDULED:
            self._ticket += 1  # a new drain task; any older one finds it was superseded
        if self._changed is not None:
            self._changed.notify_all()
        return self._ticket

    def _drain(self, ticket: int) -> None:
        with self._lock:
            if self._ticket != ticket or self._state != _SCHEDULED:
                return  # claimed by an inline runner
            item = self._take()
        self._run(item)
        next_ticket = self._after_run()
        self._settle(item)
        if next_ticket is not None:
            self._schedule(next_ticket)

    def _take(self) -> Optional[WorkItem]:
        """Claim the queue and pop its next item (lock held)."""
        self._set_state(_RUNNING)
        self._ticket += 1  # a scheduled pool task, if any, now finds it was claimed
        self._current = self._items.pop(0) if self._items else None
        return self._current

    @staticmethod
    def _run(item: Optional[WorkItem]) -> None:
        if item is None:
            return
        try:
            item.run()
        except BaseException:  # run() must not raise; keep the queue alive if it does
            logger.exception("a session work item raised")

    def _after_run(self) -> Optional[int]:
        """Release the queue after an item; the ticket of the drain to schedule, if
        items are left."""
        with self._lock:
            if self._current is not None:
                self._settling += 1
            self._current = None
            if not self._items:
                self._set_state(_IDLE)
                return None
            return self._set_state(_SCHEDULED)

    def _settle(self, item: Optional[WorkItem]) -> None:
        """Publish ``item``'s outcome, outside the lock, after the queue let go of it."""
        if item is None:
            return
        try:
            item.settle()
        except BaseException:  # settle() must not raise; keep the queue alive if it does
            logger.exception("settling a session work item raised")
        finally:
            with self._lock:
                self._settling -= 1
                if self._changed is not None:
                    self._changed.notify_all()

    def _schedule(self, ticket: int) -> None:
        """Hand the drain for ``ticket`` to the pool (it goes to the back of the
        pool's queue, so other sessions interleave fairly)."""
        try:
            future = self._executor().submit(self._drain, ticket)
        except RuntimeError:  # the pool is shut down
            self._abandon(ticket)
            return
        future.add_done_callback(functools.partial(self._abandon_if_cancelled, ticket))

    def _abandon_if_cancelled(self, ticket: int, future: Future[None]) -> None:
        if future.cancelled():  # dropped by pool.shutdown(cancel_futures=True)
            self._abandon(ticket)

    def _abandon(self, ticket: int) -> None:
        """The drain task for ``ticket`` will never run (the pool refused or dropped
        it): cancel what is queued, unless someone else took the queue over."""
        with self._lock:
            if self._ticket != ticket or self._state != _SCHEDULED:
                return
            leftover = list(self._items)
            self._items.clear()
            self._set_state(_IDLE)
        _cancel_each(leftover, "the client was stopped")

    def run_inline(self, done: Optional[Callable[[], bool]] = None) -> None:
        """Run this queue's items on the calling thread until ``done()`` (default:
        until the queue is idle). ``done`` is called with the queue's lock held: it
        must not call back into the queue.

        For a thread that must not wait for a pool thread (one running another
        session's turn or tool: every pool thread may be busy with turns waiting
        on such threads). A drain that is scheduled but not started is claimed
        here; while another thread is running an item, wait for it to finish that
        item, then claim the queue.
        """
        def finished() -> bool:
            return self._state == _IDLE if done is None else done()

        while True:
            with self._lock:
                while self._state == _RUNNING and not finished():
                    self._condition().wait(0.1)
                if finished() or self._state == _IDLE:
                    return
                item = self._take()
            self._run(item)
            ticket = self._after_run()
            self._settle(item)
            if ticket is not None:
                with self._lock:
                    if not finished():
                        continue  # still scheduled under our ticket: take the next item
                self._schedule(ticket)
                return


def _cancel_each(items: List[WorkItem], reason: str) -> None:
    for item in items:
        try:
            item.cancel(reason)
        except Exception:  # one bad item must not strand the others
            logger.exception("cancelling a queued turn failed")
