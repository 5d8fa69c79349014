"""MemoryStore: sessions kept in this process only (``store=":memory:"``)."""

from __future__ import annotations

import contextlib
import datetime as _dt
import threading
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import attrs

from ..errors import AbortedError, SessionExistsError, SessionNotFoundError
from ..events import SessionEvent
from ..types import SessionMetadata
from .base import SessionRecord, changed_model, summarize


class MemoryStore:
    """An in-process SessionStore.

    Thread-safe: ``self._records``, ``self._logs`` and ``self._turn_locks`` are guarded
    by ``self._lock``; each session's turn lock serialises its turns across clients.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: Dict[str, SessionRecord] = {}  # guarded by self._lock
        self._logs: Dict[str, List[SessionEvent]] = {}  # guarded by self._lock
        self._turn_locks: Dict[str, threading.Lock] = {}  # guarded by self._lock

    def __repr__(self) -> str:
        return "MemoryStore()"

    def create(self, record: SessionRecord) -> None:
        with self._lock:
            if record.session_id in self._records:
                raise SessionExistsError(f"session {record.session_id!r} already exists")
            self._records[record.session_id] = record
            self._logs[record.session_id] = []

    def load(self, session_id: str) -> Tuple[SessionRecord, List[SessionEvent]]:
        with self._lock:
            try:
                return self._records[session_id], list(self._logs[session_id])
            except KeyError:
                raise SessionNotFoundError(f"no session {session_id!r}") from None

    def events_since(self, session_id: str, start: int) -> List[SessionEvent]:
        with self._lock:
            try:
                return self._logs[session_id][start:]
            except KeyError:
                raise SessionNotFoundError(f"no session {session_id!r}") from None

    def append(self, session_id: str, events: Sequence[SessionEvent]) -> int:
        with self._lock:
            record = self._records.get(session_id)
            if record is None:
                raise SessionNotFoundError(f"session {session_id!r} was deleted")
            log = self._logs[session_id]
            log.extend(events)
            self._records[session_id] = attrs.evolve(
                record,
                modified_time=_dt.datetime.now(_dt.timezone.utc),
                summary=record.summary or summarize(events),
                model=changed_model(events) or record.model,
            )
            return len(log)

    def list(self) -> List[SessionMetadata]:
        with self._lock:
            records = list(self._records.values())
        records.sort(key=lambda r: r.modified_time, reverse=True)
        return [r.metadata() for r in records]

    def delete(self, session_id: str) -> bool:
        with self._lock:
            self._logs.pop(session_id, None)
            return self._records.pop(session_id, None) is not None

    def exists(self, session_id: str) -> bool:
        with self._lock:
            return session_id in self._records

    def last_session_id(self) -> Optional[str]:
        sessions = self.list()
        return sessions[0].session_id if sessions else None

    @contextlib.contextmanager
    def turn_lock(
        self, session_id: str, wait: Optional[Callable[[float], bool]] = None
    ) -> Iterator[None]:
        """One turn of a session at a time, also across clients sharing this store.
        ``wait(seconds)`` returning True (the turn was aborted) ends the wait."""
        with self._lock:
            lock = self._turn_locks.setdefault(session_id, threading.Lock())
        while not lock.acquire(timeout=0.05):
            if wait is not None and wait(0):
                raise AbortedError(f"session {session_id!r}: gave up waiting for another turn")
        try:
            yield
        finally:
            lock.release()

    def close(self) -> None:
        pass
