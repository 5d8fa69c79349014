"""The SessionStore protocol: where sessions' event logs and metadata live.

A session is an append-only log of its committed events plus one metadata record
(id, times, summary, model, the public config). A turn's events are appended in one
step; nothing already stored is rewritten by a turn. Implementations are
thread-safe and raise only copilot_sdk errors.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Callable, ContextManager, List, Mapping, Optional, Protocol, Sequence, Tuple

import attrs

from ..events import SessionEvent, SessionModelChangeData, UserMessageData
from ..types import SessionMetadata

SUMMARY_LENGTH = 100


@attrs.frozen(kw_only=True)
class SessionRecord:
    """A stored session's metadata and public (secret-free) config."""

    session_id: str
    start_time: _dt.datetime
    modified_time: _dt.datetime
    summary: Optional[str] = None
    model: Optional[str] = None
    config: Mapping[str, Any] = attrs.field(factory=dict)

    def metadata(self) -> SessionMetadata:
        return SessionMetadata(
            session_id=self.session_id,
            start_time=self.start_time,
            modified_time=self.modified_time,
            summary=self.summary,
            model=self.model,
        )


def summarize(events: Sequence[SessionEvent]) -> Optional[str]:
    """The first user prompt among ``events``, trimmed to about 100 characters."""
    for event in events:
        if isinstance(event.data, UserMessageData):
            text = " ".join(str(event.data.content).split())
            if len(text) > SUMMARY_LENGTH:
                text = text[: SUMMARY_LENGTH - 1].rstrip() + "…"
            return text
    return None


def changed_model(events: Sequence[SessionEvent]) -> Optional[str]:
    """The model the last ``session.model_change`` among ``events`` switched to:
    an append records it as the session's model (``SessionMetadata.model``)."""
    for event in reversed(events):
        if isinstance(event.data, SessionModelChangeData):
            return event.data.new_model
    return None


class SessionStore(Protocol):
    """Persistence for sessions. Thread-safe."""

    def create(self, record: SessionRecord) -> None:
        """Store a new session; SessionExistsError if the id is taken."""
        ...

    def load(self, session_id: str) -> Tuple[SessionRecord, List[SessionEvent]]:
        """The record and the whole log; SessionNotFoundError if absent."""
        ...

    def events_since(self, session_id: str, start: int) -> List[SessionEvent]:
        """Log events from index ``start`` on (to catch up with other writers)."""
        ...

    def append(self, session_id: str, events: Sequence[SessionEvent]) -> int:
        """Append one turn's events atomically, update modified time (and summary
        if unset, and the model after a ``session.model_change``, see
        :func:`changed_model`); return the new log length. SessionNotFoundError if deleted."""
        ...

    def list(self) -> List[SessionMetadata]:
        """All sessions, most recently modified first."""
        ...

    def delete(self, session_id: str) -> bool:
        """Remove every trace of the session; False if it did not exist."""
        ...

    def exists(self, session_id: str) -> bool: ...

    def last_session_id(self) -> Optional[str]:
        """The most recently modified session's id, or None."""
        ...

    def turn_lock(
        self, session_id: str, wait: Optional[Callable[[float], bool]] = None
    ) -> ContextManager[None]:
        """Exclusive right to run a turn of this session (across processes, for
        stores shared between processes).

        Args:
            session_id: the session.
            wait: how to pause between attempts while another holder has the
                session: ``wait(seconds)`` blocks up to that long and returns True
                to give up (e.g. ``CancelToken.wait`` of the turn, so an abort ends
                the wait at once). Default: ``time.sleep``, never giving up early.

        Raises:
            AbortedError: ``wait`` returned True.
        """
        ...

    def close(self) -> None: ...
