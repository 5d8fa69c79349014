"""The caller-thread fast path of a blocking send.

A blocking ``send`` on a session whose queue is idle runs its turn on the calling
thread, which would otherwise only wait for a pool thread: no hand-off to the pool
and back (waking a pool thread, then waking the caller) — most of a turn's cost
over a bare HTTP call. The session's serial queue is claimed for the turn exactly
as a drain task claims it (see :meth:`~.serial.SerialQueue.run_here`), so ordering,
abort and ``destroy``/``stop`` waiting for the turn are those of the pool path.
Whenever the session has a turn queued or running, the turn goes through the pool.

At most ``max_workers`` callers at a time run turns this way (:class:`CallerSlots`);
beyond that a blocking send goes through the pool as before.

On the main thread, Ctrl-C during such a turn aborts it, as it does on the pool
path, and is raised as KeyboardInterrupt once the turn has ended, so the turn's own
code (say, between the store's commit and the in-memory one) is never cut halfway.
"""

from __future__ import annotations

import _thread
import signal
import threading
from types import FrameType
from typing import Callable, List, Optional, TypeVar

from .serial import SerialQueue, WorkItem
from .turnctx import in_any_turn

__all__ = ["CallerSlots", "run_on_caller"]

Item = TypeVar("Item", bound=WorkItem)


class CallerSlots:
    """How many callers may run turns on their own threads at once.

    Thread-safe: a semaphore.
    """

    def __init__(self, limit: int) -> None:
        self._slots = threading.BoundedSemaphore(limit)

    def claim(self) -> bool:
        """Take a slot if one is free (never waits)."""
        return self._slots.acquire(blocking=False)

    def release(self) -> None:
        self._slots.release()


def run_on_caller(
    queue: SerialQueue, item: Item, slots: CallerSlots, abort: Callable[[Item], None]
) -> bool:
    """Run ``item`` on this thread if ``queue`` is idle and a caller slot is free;
    False, and nothing done, when it must go through the pool (turns queued or
    running, no slot free, or this thread is inside some turn: nested sends have
    their own route, see ``SerialQueue.run_inline``).

    On the main thread with Python's default SIGINT handler, Ctrl-C meanwhile calls
    ``abort(item)`` and KeyboardInterrupt is raised once the item is done. ``abort``
    runs on a thread of its own: a signal handler runs between any two bytecodes of
    the main thread and must not take a lock the interrupted code may hold. Where
    another Python handler is installed (what Ctrl-C does then is not ours to know)
    the item goes through the pool. Other threads never see KeyboardInterrupt.
    """
    if in_any_turn() or not slots.claim():
        return False
    try:
        if threading.current_thread() is not threading.main_thread():
            return queue.run_here(item)
        previous = signal.getsignal(signal.SIGINT)
        if previous is not signal.default_int_handler:
            return previous in (signal.SIG_IGN, signal.SIG_DFL) and queue.run_here(item)
        interrupted: List[bool] = []

        def on_sigint(signum: int, frame: Optional[FrameType]) -> None:
            interrupted.append(True)
            _thread.start_new_thread(abort, (item,))

        signal.signal(signal.SIGINT, on_sigint)
        try:
            ran = queue.run_here(item)
        finally:
            signal.signal(signal.SIGINT, previous)
        if interrupted:
            raise KeyboardInterrupt
        return ran
    finally:
        slots.release()
