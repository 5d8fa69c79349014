"""Session: one conversation, the public face over its queue, runner and handlers.

The machinery lives in ``copilot_sdk._engine``: the serial queue orders the turns,
the runner runs each on a pool thread, the conversation keeps the committed log.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeoutError
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

from ._engine.handlers import Handler, Handlers
from ._engine.opening import AttachmentArg, Prompt, check_effort, message_options
from ._engine.queued import EventStream, QueuedTurn, abort_error
from ._engine.serial import QueueClosedError, SerialQueue
from ._engine.settings import SessionSettings
from ._engine.turnctx import in_any_turn, running_turns
from ._engine.upkeep import SessionUpkeep
from ._transport.checks import check_number
from .errors import CopilotError, SessionClosedError
from .events import (
    AssistantMessageData,
    SessionEvent,
    event_type,
)
from .tools import PermissionHandler
from .types import MessageOptions, SessionConfig

if TYPE_CHECKING:  # the turn engine and the providers load with the client that starts
    from ._engine.runner import SessionRuntime
    from .providers.base import Provider

__all__ = ["PermissionHandler", "Session"]  # PermissionHandler: where the official SDK has it

_ABORT_GRACE = 1.0  # seconds send_and_wait waits for an aborted turn to wind down


class Session(SessionSettings, SessionUpkeep):
    """One conversation. Create with ``CopilotClient.create_session``.

    Turns of a session run one at a time in submission order (``send``,
    ``send_async`` and ``stream`` alike); turns of different sessions run in
    parallel on the client's pool. A turn is committed to the history and the store
    in one step when it completes; a failed, timed-out or aborted turn leaves both
    unchanged.

    Thread-safe: any thread may call any method. The session owns its lifecycle
    flags (``_closing``, ``_closed``), guarded by ``self._lock``; its turn queue
    (:class:`~copilot_sdk._engine.serial.SerialQueue`), committed conversation
    (:class:`~copilot_sdk._engine.history.Conversation`) and handler list
    (:class:`~copilot_sdk._engine.handlers.Handlers`) each guard their own state with
    their own lock. No lock is held while calling handlers, tools, the store or the
    network.
    """

    __slots__ = (
        "_session_id", "_provider_for", "_runtime", "_queue", "_conversation", "_handlers",
        "_runner", "_lock", "_closing", "_closed", "_background", "__weakref__",
    )

    def __init__(
        self,
        *,
        config: SessionConfig,
        provider: Provider,
        runtime: SessionRuntime,
        log: List[SessionEvent],
        provider_for: Optional[Callable[[SessionConfig], Provider]] = None,
    ) -> None:
        from ._engine.history import Conversation
        from ._engine.runner import TurnRunner

        assert config.session_id is not None
        self._session_id: str = config.session_id
        self._provider_for = provider_for
        self._runtime = runtime
        self._queue = SerialQueue(runtime.pool)
        self._conversation = Conversation(log)
        self._handlers = Handlers(self._session_id)
        self._runner = TurnRunner(
            config=config, provider=provider, runtime=runtime,
            conversation=self._conversation, emit=self._emit,
            schedule_compaction=self._schedule_compaction,
        )
        self._lock = threading.Lock()
        self._closing = False  # guarded by self._lock: no new turns
        self._closed = False  # guarded by self._lock: released
        self._background: Optional[QueuedTurn] = None  # guarded by self._lock: queued compaction
        if config.on_event is not None:
            self._handlers.add(None, config.on_event)

    def __repr__(self) -> str:
        return f"Session(session_id={self._session_id!r}, model={self.config.model!r})"

    @property
    def session_id(self) -> str:
        """This session's id."""
        return self._session_id

    # -- sending --------------------------------------------------------------
    def send(
        self, prompt: Prompt, *, attachments: Optional[Sequence[AttachmentArg]] = None
    ) -> SessionEvent[AssistantMessageData]:
        """Send a message and block until the answer.

        ``attachments``: files, directories, selections or images to send with the
        message (:class:`~copilot_sdk.Attachment` objects or the official dicts);
        they are read now, and stored with the message.

        Returns:
            The final ``assistant.message`` event; ``reply.data.content`` is the text.

        Raises:
            APIError and subclasses, AbortedError, SessionClosedError, ValueError
            (empty prompt; an attachment that cannot be sent, or an image for a
            model without vision), CopilotError (called from this session's own handler or
            tool, which would deadlock).
        """
        self._refuse_reentry("send")
        turn = self._submit(message_options(prompt, attachments), stream=False, here=True)
        return self._wait(turn, None)

    def send_and_wait(
        self,
        prompt: Prompt,
        timeout: Optional[float] = 60.0,
        *,
        attachments: Optional[Sequence[AttachmentArg]] = None,
    ) -> SessionEvent[AssistantMessageData]:
        """Like :meth:`send`, but give up after ``timeout`` seconds (queue time
        included): the turn is aborted (or dequeued) and TurnTimeoutError raised."""
        if timeout is not None:
            check_number("timeout", timeout)
        self._refuse_reentry("send_and_wait")
        turn = self._submit(message_options(prompt, attachments), stream=False, here=timeout is None)
        return self._wait(turn, timeout)

    def send_async(
        self, prompt: Prompt, *, attachments: Optional[Sequence[AttachmentArg]] = None
    ) -> Future[SessionEvent[AssistantMessageData]]:
        """Queue a message; return a Future of the final ``assistant.message`` event.
        Cancelling the Future before the turn starts removes it from the queue.
        Attachments are read (and checked) before this returns."""
        return self._submit(message_options(prompt, attachments), stream=False).future

    def stream(self, prompt: Prompt, *, attachments: Optional[Sequence[AttachmentArg]] = None) -> EventStream:
        """Queue a message now and iterate its events as they arrive (deltas
        included, whatever ``streaming`` says), ending after ``session.idle``.

        A failed turn yields ``session.error`` and ``session.idle``, then raises the
        error; an aborted one yields ``abort`` and ``session.idle``, then raises
        AbortedError. Leaving the loop early aborts the turn.
        """
        self._refuse_reentry("stream")
        turn = self._submit(message_options(prompt, attachments), stream=True)
        return EventStream(turn, self._abort_turn, self._run_inline_until_done)

    def _submit(
        self, message: Union[str, MessageOptions], *, stream: bool, here: bool = False,
        run: Optional[Callable[[QueuedTurn], Any]] = None,
    ) -> QueuedTurn:
        """Queue a turn for ``message`` (its attachments read and checked now), or,
        with ``run``, another queued item (a compaction: ``message`` is ""). With
        ``here``, run it on this thread instead if the session is idle (``inline``)."""
        with self._lock:
            if self._closing:
                raise SessionClosedError(f"session {self._session_id!r} is closed")
        config, provider = self._runner.current()
        check_effort(config, provider)
        prompt: Union[str, MessageOptions] = message
        resolved: Tuple[Dict[str, Any], ...] = ()
        if isinstance(message, MessageOptions):
            from ._engine.attachments import check_vision, has_images, resolve_attachments

            prompt, resolved = message.prompt, resolve_attachments(message.attachments)
            if has_images(resolved):
                check_vision(config.model, provider.model_info(config.model), resolved)
        turn = QueuedTurn(str(prompt), stream=stream, run=run or self._runner.run, attachments=resolved)
        turn.future.add_done_callback(lambda f: f.cancelled() and self._dequeue(turn, "cancelled"))
        try:
            if not (here and self._runtime.run_here(self._queue, turn, self._abort_turn)):
                self._queue.submit(turn)  # refused under the queue's lock once it is closed
        except RuntimeError as exc:  # closed, or the pool shut down
            why = "is closed" if isinstance(exc, QueueClosedError) else "cannot run: the client stopped"
            raise SessionClosedError(f"session {self._session_id!r} {why}") from exc
        return turn

    def _wait(self, turn: QueuedTurn, timeout: Optional[float]) -> SessionEvent[AssistantMessageData]:
        if in_any_turn():
            # A tool (or handler) of another session waits for us: do not wait for
            # a pool thread, which may never come free; run our queue here, with a
            # timer standing in for the timeout.
            timer = None
            if timeout is not None:
                timer = threading.Timer(timeout, self._expire, (turn,))
                timer.daemon = True
                timer.start()
            try:
                self._queue.run_inline(turn.is_done)
            finally:
                if timer is not None:
                    timer.cancel()
        try:
            return turn.future.result(timeout)
        except FutureTimeoutError:
            pass
        except KeyboardInterrupt:  # Ctrl-C, or "interrupt the kernel" in Jupyter
            self._abort_turn(turn)
            raise
        if not self._expire(turn):  # committing: it completes, and its caller gets it
            return turn.future.result()
        try:  # an aborted turn stops promptly, unless a tool holds it: do not wait for that
            return turn.future.result(_ABORT_GRACE)
        except FutureTimeoutError:
            raise abort_error("timeout") from None

    def _expire(self, turn: QueuedTurn) -> bool:
        """Dequeue or abort a turn out of time; False if it is committing (it completes)."""
        return self._dequeue(turn, "timeout") or turn.abort_running("timeout")

    def _dequeue(self, turn: QueuedTurn, reason: str) -> bool:
        """Take a turn that has not started out of the queue and cancel it."""
        removed = self._queue.remove(turn)
        if removed:
            turn.cancel(reason)
        return removed

    def _run_inline_until_done(self, turn: QueuedTurn) -> None:
        """For a stream consumed inside another session's turn: run it here."""
        if in_any_turn():
            self._queue.run_inline(turn.is_done)

    def _refuse_reentry(self, what: str) -> None:
        if self._session_id in running_turns():
            raise CopilotError(
                f"session.{what}() was called from inside a turn of session "
                f"{self._session_id!r} (a handler or tool), which would deadlock; "
                "use send_async() or another session"
            )

    def _schedule_compaction(self, trigger: str) -> None:
        """Queue a background compaction to run right after the turn in progress
        (one at a time; called by the runner after a turn past the threshold)."""
        item = QueuedTurn("", stream=False, run=self._compaction_run(trigger))
        with self._lock:
            if self._closed or (self._background is not None and not self._background.is_done()):
                return
            self._background = item
        try:
            self._queue.submit(item, first=True)
        except RuntimeError:  # the pool is shut down
            item.cancel("the client was stopped")

    # -- events ---------------------------------------------------------------
    def on(
        self, event_type_or_handler: Union[str, Handler], handler: Optional[Handler] = None
    ) -> Callable[[], None]:
        """Subscribe ``handler(event)`` to every event, or to one type with
        ``on("assistant.message", handler)``. Returns a function that unsubscribes.
        Handlers run in registration order on the thread running the turn; one
        that raises is logged and does not affect the turn or other handlers."""
        if isinstance(event_type_or_handler, str):
            if handler is None or not callable(handler):
                raise TypeError("on(event_type, handler): handler must be callable")
            return self._handlers.add(event_type(event_type_or_handler).value, handler)
        if not callable(event_type_or_handler) or handler is not None:
            raise TypeError("on(handler) or on(event_type, handler)")
        return self._handlers.add(None, event_type_or_handler)

    def _emit(self, event: SessionEvent, turn: QueuedTurn) -> None:
        if turn.sink is not None:
            turn.sink.put(event)
        self._handlers.dispatch(event)

    # -- control --------------------------------------------------------------
    def abort(self) -> None:
        """Stop the turn in flight and cancel every queued turn of this session.
        Their callers get AbortedError; nothing of them is committed."""
        for running in self._queue.cancel_all("aborted"):
            assert isinstance(running, QueuedTurn)
            running.abort_running("aborted")

    def _abort_turn(self, turn: QueuedTurn) -> None:
        if not self._dequeue(turn, "aborted"):
            turn.abort_running("aborted")

    def get_messages(self) -> List[SessionEvent]:
        """The session's committed event log (what is persisted), oldest first."""
        return self._conversation.events()

    get_events = get_messages

    def destroy(self) -> None:
        """Let submitted turns finish, then release the session. The stored
        session stays resumable. Further sends raise SessionClosedError."""
        self._refuse_reentry("destroy")
        with self._lock:
            if self._closed:
                return
            self._closing = True
        self._queue.close()  # a send racing this one is either queued already or refused
        self._wait_idle(None)
        self._release()

    disconnect = destroy

    def _begin_close(self) -> None:
        """Refuse new turns; submitted ones still run (client.stop)."""
        with self._lock:
            self._closing = True
        self._queue.close()

    def _close_now(self, reason: str, timeout: Optional[float] = None) -> None:
        """Abort everything and release (delete_session, stop(force=True)). Unless
        called from this session's own turn, wait until the turn in flight has
        ended: one already committing completes before this returns (so a delete
        that follows cannot be overtaken by its append)."""
        self._begin_close()
        for running in self._queue.cancel_all(reason):
            assert isinstance(running, QueuedTurn)
            running.abort_running(reason)
        if self._session_id not in running_turns():
            self._wait_idle(timeout)
        self._release("user_exit" if reason == "deleted" else "complete")

    def _wait_idle(self, timeout: Optional[float]) -> bool:
        """Wait until nothing is queued or running; from inside another session's
        turn (a tool) run the queue here instead of waiting for a pool thread."""
        if in_any_turn():
            self._queue.run_inline()
        return self._queue.wait_idle(timeout)

    def _release(self, reason: str = "complete") -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._runtime.released(self)
        if self._hooks().has("on_session_end"):
            self._hooks().session_end(reason)

    @property
    def closed(self) -> bool:
        """True once the session was destroyed, deleted or its client stopped."""
        with self._lock:
            return self._closed or self._closing

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.destroy()
