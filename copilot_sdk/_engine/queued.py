"""A queued turn (the session queue's work item) and the iterator behind ``stream()``.

Thread-safe: a :class:`QueuedTurn` is touched by the submitting thread, the thread
running it and any thread calling abort; its state is guarded by ``self._lock``.
"""

from __future__ import annotations

import logging
import queue
import threading
import weakref
from concurrent.futures import Future, InvalidStateError
from typing import Any, Callable, Iterator, Optional, Tuple

from .._transport.cancel import CancelToken
from ..errors import AbortedError, CopilotError, TurnTimeoutError
from ..events import AssistantMessageData, SessionEvent

logger = logging.getLogger("copilot_sdk.session")

_QUEUED, _RUNNING, _COMMITTING, _DONE = "queued", "running", "committing", "done"
_END = object()  # put in a stream's sink when the turn is over


def abort_error(reason: str, *, started: bool = True) -> CopilotError:
    """The error a turn's caller sees for a cancel ``reason``."""
    if reason == "timeout":
        if not started:
            return TurnTimeoutError("the turn timed out while queued and never started")
        return TurnTimeoutError("the turn did not finish within its timeout and was aborted")
    why = "session.abort() was called" if reason == "aborted" else reason
    if not started:
        return AbortedError(f"the queued turn was cancelled before it started: {why}")
    return AbortedError(f"the turn was aborted: {why}")


class QueuedTurn:
    """One submitted turn: prompt and its resolved attachments, cancel token, future,
    optional event sink.

    Thread-safe: touched by the submitting thread, the thread running it and any
    thread aborting it. Its state (queued, running, committing, done) is guarded by
    ``self._lock``; the cancel token, the future and the sink are thread-safe
    themselves.
    """

    def __init__(
        self,
        prompt: str,
        *,
        stream: bool,
        run: Callable[[QueuedTurn], SessionEvent[AssistantMessageData]],
        attachments: Tuple[Any, ...] = (),
    ) -> None:
        self.prompt = prompt
        self.attachments = attachments
        self.stream = stream
        self.token = CancelToken()
        self.future: Future[SessionEvent[AssistantMessageData]] = Future()
        self.sink: Optional[queue.SimpleQueue[Any]] = queue.SimpleQueue() if stream else None
        self._run = run
        self._lock = threading.Lock()
        self._state = _QUEUED  # guarded by self._lock
        # What run() produced, for settle(): written by the running thread only.
        self._ran = False
        self._outcome: Tuple[Any, Optional[BaseException]] = (
            None, CopilotError("the turn never ran"),
        )

    # -- WorkItem -------------------------------------------------------------
    def run(self) -> None:
        with self._lock:
            if self._state != _QUEUED:
                return
            self._state = _RUNNING
        self._ran = True
        if not self.future.set_running_or_notify_cancel():
            return  # the caller cancelled the Future before it started
        try:
            self._outcome = (self._run(self), None)
        except AbortedError as exc:
            error: BaseException = exc
            if self.token.reason == "timeout" and not isinstance(exc, TurnTimeoutError):
                error = abort_error("timeout")
            self._outcome = (None, error)
        except CopilotError as exc:
            self._outcome = (None, exc)
        except BaseException as exc:  # a bug: still never leave the caller hanging
            logger.exception("turn failed unexpectedly")
            self._outcome = (None, CopilotError(f"unexpected {type(exc).__name__}: {exc}"))

    def settle(self) -> None:
        """Publish the outcome of :meth:`run` (the queue has released the turn, so
        a done-callback may send again); a turn that did not run ends here too."""
        if not self._ran:
            return  # cancelled before it started: cancel() settled it
        result, error = self._outcome
        if self.future.running():
            _settle(self.future, result=result, error=error)
        self._finish()

    def cancel(self, reason: str) -> None:
        """Cancel a turn that never started (it emits nothing)."""
        with self._lock:
            if self._state != _QUEUED:
                return
            self._state = _DONE
        self.token.cancel(reason)
        _settle(self.future, error=abort_error(reason, started=False))
        if self.sink is not None:
            self.sink.put(_END)

    def is_done(self) -> bool:
        with self._lock:
            return self._state == _DONE

    # -- TurnControl ----------------------------------------------------------
    def begin_commit(self) -> bool:
        with self._lock:
            if self.token.cancelled:
                return False
            self._state = _COMMITTING
            return True

    def abort_running(self, reason: str) -> bool:
        """Cancel this turn if it has not reached its commit; True if it will abort."""
        with self._lock:  # atomic with begin_commit: no commit after a "will abort"
            if self._state in (_COMMITTING, _DONE):
                return False
            self.token.cancel(reason)
        return True

    def _finish(self) -> None:
        with self._lock:
            self._state = _DONE
        if self.sink is not None:
            self.sink.put(_END)


def _settle(
    future: Future[SessionEvent[AssistantMessageData]], *, result: Any = None, error: Any = None
) -> None:
    """Resolve ``future`` unless it is already resolved (e.g. cancelled by its caller)."""
    try:
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)
    except InvalidStateError:
        pass


class EventStream(Iterator[SessionEvent]):
    """The iterator returned by ``Session.stream``. Leaving it early (break, an
    exception, ``close()``, garbage collection) aborts the turn.

    Thread-safety: one consumer iterates it; the turn's thread feeds it through the
    turn's thread-safe sink, and ``close()`` may be called from any thread.
    """

    def __init__(
        self,
        turn: QueuedTurn,
        abort: Callable[[QueuedTurn], None],
        run_inline: Callable[[QueuedTurn], None],
    ) -> None:
        self._turn = turn
        self._abort = abort
        self._run_inline = run_inline
        self._finished = False
        self._pending_error: Optional[BaseException] = None
        assert turn.sink is not None
        self._sink = turn.sink
        weakref.finalize(self, _abandon, turn, abort)

    def __iter__(self) -> EventStream:
        return self

    def __next__(self) -> SessionEvent:
        if self._finished:
            raise StopIteration
        try:
            self._run_inline(self._turn)  # inside another session's turn: run it here
            item = self._sink.get()
        except BaseException:  # Ctrl-C while waiting: stop the turn too
            self.close()
            raise
        if item is _END:
            self._finished = True
            future = self._turn.future
            if future.cancelled():
                raise AbortedError("the turn was cancelled: its future was cancelled")
            exc = future.exception() if future.done() else None
            if exc is not None:
                raise exc
            raise StopIteration
        event: SessionEvent = item
        return event

    def close(self) -> None:
        """Stop listening; aborts the turn if it is still going."""
        if not self._finished:
            self._finished = True
            self._abort(self._turn)

    def __enter__(self) -> EventStream:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @property
    def future(self) -> Future[SessionEvent[AssistantMessageData]]:
        """The turn's outcome: the final ``assistant.message`` event."""
        return self._turn.future


def _abandon(turn: QueuedTurn, abort: Callable[[QueuedTurn], None]) -> None:
    if not turn.future.done():
        abort(turn)
