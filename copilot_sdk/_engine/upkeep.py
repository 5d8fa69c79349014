"""A session's long-session operations, ``compact`` and ``truncate``, as a base class of
:class:`~copilot_sdk.Session`. The work itself is the session's
:class:`~.runner.TurnRunner` and :class:`~.keeper.WindowKeeper`; these methods queue
it in turn order."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Callable, Optional, cast

from ..events import SessionCompactionCompleteData, SessionEvent, SessionTruncationData
from .queued import QueuedTurn

if TYPE_CHECKING:
    from ..events import AssistantMessageData
    from .history import Conversation
    from .runner import TurnRunner

__all__ = ["SessionUpkeep"]


class SessionUpkeep:
    """The long-session methods of Session (thread-safety: see Session)."""

    __slots__ = ()

    if TYPE_CHECKING:  # not in __annotations__: typing.get_type_hints(Session) needs no engine
        _runner: TurnRunner
        _conversation: Conversation

        def _submit(self, message: str, *, stream: bool, run: Callable[[QueuedTurn], Any]) -> QueuedTurn: ...
        def _wait(self, turn: QueuedTurn, timeout: Optional[float]) -> SessionEvent[AssistantMessageData]: ...
        def _refuse_reentry(self, what: str) -> None: ...

    # -- long sessions --------------------------------------------------------
    def compact(self) -> SessionEvent[SessionCompactionCompleteData]:
        """Compact the history now: the oldest turns are replaced by a summary the
        model writes (see the README's "Long sessions"). Runs in turn order, after
        the turns already submitted.

        Returns:
            The ``session.compaction_complete`` event. When the compaction failed
            (nothing to compact, the model call failed) ``data.success`` is False,
            ``data.error`` says why, and the history is unchanged.

        Raises:
            AbortedError: ``abort()`` was called meanwhile (nothing changed).
            SessionClosedError, CopilotError (called from this session's own
            handler or tool).
        """
        self._refuse_reentry("compact")
        item = self._submit("", stream=False, run=self._compaction_run("manual"))
        return cast(SessionEvent[SessionCompactionCompleteData], self._wait(item, None))

    def truncate(self, turns: int) -> SessionEvent[SessionTruncationData]:
        """Drop the oldest ``turns`` turns from the history sent to the model (a
        compaction's summary counts as one turn). The log keeps them: it is
        append-only, and the truncation is recorded in it as a
        ``session.truncation`` event, so a resumed session drops them too.

        Raises:
            TypeError/ValueError: ``turns`` is not an int from 1 to the number of
                turns in the history.
        """
        if isinstance(turns, bool) or not isinstance(turns, int):
            raise TypeError(f"turns must be an int, not {type(turns).__name__}")
        available = len(self._conversation.units())
        if not 1 <= turns <= available:
            raise ValueError(f"turns must be between 1 and {available} (the turns in the history), "
                             f"got {turns}")
        self._refuse_reentry("truncate")
        run = functools.partial(self._runner.run_truncation, turns)
        item = self._submit("", stream=False, run=run)
        return cast(SessionEvent[SessionTruncationData], self._wait(item, None))

    def _compaction_run(self, trigger: str) -> Callable[[QueuedTurn], Any]:
        return functools.partial(self._runner.run_compaction, trigger)
