"""SQLiteStore: sessions in one SQLite file, shared by threads and processes.

The embedded default store (``<base_directory>/sessions.db``). A session is a row in
``sessions`` plus one row per committed event in ``events`` (keyed by session id and
0-based sequence number); a turn appends its events in one ``BEGIN IMMEDIATE``
transaction and never rewrites what is stored. Runs of one session's turns are
serialised across processes by a lease row (see ``_lease``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Union

from .._transport.checks import check_number
from ..errors import ConfigurationError, SessionExistsError, SessionNotFoundError, StoreError
from ..events import SessionEvent
from ..types import SessionMetadata
from . import _lease
from ._codec import (
    EPOCH,
    MICROSECOND,
    decode_events,
    decode_record,
    encode_config,
    encode_event,
    now_us,
    to_us,
)
from ._fencing import wait_for_lease
from ._sqlite_schema import connect, prepare_path
from .base import SessionRecord, changed_model, summarize

logger = logging.getLogger("copilot_sdk.store")

__all__ = ["SQLiteStore"]


class SQLiteStore:
    """A SessionStore in an SQLite database file (stdlib ``sqlite3``, WAL mode).

    The directory is created with mode 0700 and the database files with 0600. The
    schema version is kept in ``PRAGMA user_version`` and migrated on open. A file
    that is not an SQLite database, is corrupt, or belongs to another program is
    refused with ConfigurationError and never modified.

    Thread-safe: one connection (``check_same_thread=False``) and every statement
    on it run under ``self._lock``, which also guards ``self._held`` (the turn
    leases this store holds) and ``self._closed``. No lock is held while sleeping.
    Process-safe: writes use ``BEGIN IMMEDIATE`` with a busy timeout, and
    :meth:`turn_lock` takes a per-session lease row, so two processes never run turns
    of one session at the same time, and a crashed holder's lease expires after
    ``lease_ttl`` seconds. Held leases are renewed every ``lease_ttl / 3`` seconds by
    a heartbeat thread, and by any write of this store once a renewal is due (so busy
    writers winning ``self._lock`` over the heartbeat cannot starve it). Renewals use
    the one connection: a renewal is a write, so while another connection holds
    SQLite's write lock nobody can renew, and a hold over about ``2 * lease_ttl / 3``
    lets the lease lapse; fencing then refuses the stale holder's commit
    (docs/reliability.md has the figures).

    Args:
        path: the database file (created if missing, with its directory).
        lease_ttl: seconds a turn lease lives without renewal (a crashed holder
            blocks its session at most this long).
        lease_wait: longest wait for another process's turn on the same session,
            seconds, before StoreError.
        busy_timeout: longest wait for SQLite's write lock, seconds.

    Raises:
        ConfigurationError: the directory or file cannot be created, opened or
            written, or the file is not a (valid) copilot_sdk session database.
    """

    def __init__(
        self,
        path: Union[str, os.PathLike[str]],
        *,
        lease_ttl: float = 30.0,
        lease_wait: float = 600.0,
        busy_timeout: float = 30.0,
    ) -> None:
        numbers = {"lease_ttl": lease_ttl, "lease_wait": lease_wait, "busy_timeout": busy_timeout}
        for name, value in numbers.items():
            check_number(name, value)
        self._path = Path(os.fspath(path)).expanduser().absolute()
        self._lease_ttl = float(lease_ttl)
        self._lease_wait = float(lease_wait)
        prepare_path(self._path)
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection = connect(self._path, busy_timeout=float(busy_timeout))
        self._closed = False  # guarded by self._lock
        # guarded by self._lock: (session id, thread id) -> lease owner. A lease is the
        # turn's that took it (its thread), so a stale turn never commits with another's.
        self._held: Dict[Tuple[str, int], str] = {}
        self._heartbeat: Optional[_lease.Heartbeat] = None  # guarded by self._lock
        self._renewed_at = 0.0  # guarded by self._lock: time.monotonic() of the last renewal

    def __repr__(self) -> str:
        return f"SQLiteStore({str(self._path)!r})"

    @property
    def path(self) -> Path:
        """The database file."""
        return self._path

    # -- plumbing -------------------------------------------------------------
    @contextlib.contextmanager
    def _op(self, what: str) -> Iterator[sqlite3.Connection]:
        """The connection, under the lock, with sqlite3 errors translated."""
        with self._lock:
            if self._closed:
                raise StoreError(f"the session store {self._path} is closed")
            try:
                yield self._conn
            except sqlite3.OperationalError as exc:
                raise StoreError(f"session store {self._path}: {what} failed: {exc}") from exc
            except sqlite3.DatabaseError as exc:
                raise ConfigurationError(
                    f"the session database {self._path} is damaged ({what} failed: {exc})"
                ) from exc
            except sqlite3.Error as exc:
                raise StoreError(f"session store {self._path}: {what} failed: {exc}") from exc

    @contextlib.contextmanager
    def _transaction(self, conn: sqlite3.Connection, mode: str = "IMMEDIATE") -> Iterator[None]:
        """One transaction: ``BEGIN IMMEDIATE`` (writes) or ``BEGIN`` (a read snapshot);
        rolled back on any exception, the COMMIT's own included. A write also renews
        the leases that are due (under ``self._lock``, which the caller holds)."""
        conn.execute("BEGIN IMMEDIATE" if mode == "IMMEDIATE" else "BEGIN")
        try:
            yield
            if mode == "IMMEDIATE" and self._held:
                self._renew_due_locked(conn)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                try:
                    conn.execute("ROLLBACK")
                except sqlite3.Error:  # the original error is the one to report
                    logger.warning("rollback failed", exc_info=True)
            raise

    @staticmethod
    def _next_stamp(conn: sqlite3.Connection) -> int:
        """Now, but strictly after every stored modification (list order = commit order)."""
        latest = conn.execute("SELECT MAX(modified_time) FROM sessions").fetchone()[0]
        now = now_us()
        return now if latest is None or now > latest else latest + 1

    # -- SessionStore ---------------------------------------------------------
    def create(self, record: SessionRecord) -> None:
        """Store a new session.

        Raises:
            SessionExistsError: a session with this id is stored already.
        """
        config = encode_config(record.config)
        with self._op("creating a session") as conn, self._transaction(conn):
            if conn.execute("SELECT 1 FROM sessions WHERE id = ?", (record.session_id,)).fetchone():
                raise SessionExistsError(f"session {record.session_id!r} already exists")
            conn.execute(
                "INSERT INTO sessions (id, start_time, modified_time, summary, model, config)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (record.session_id, to_us(record.start_time), self._next_stamp(conn),
                 record.summary, record.model, config),
            )
        logger.debug("%s: created session %r", self._path, record.session_id)

    def load(self, session_id: str) -> Tuple[SessionRecord, List[SessionEvent]]:
        """The record and the whole log, oldest first (one consistent snapshot).

        Raises:
            SessionNotFoundError: no such session.
        """
        with self._op("loading a session") as conn, self._transaction(conn, "DEFERRED"):
            row = conn.execute(
                "SELECT id, start_time, modified_time, summary, model, config"
                " FROM sessions WHERE id = ?",
                (session_id,),
            ).fetchone()
            if row is None:
                raise SessionNotFoundError(f"no session {session_id!r}")
            payloads = [
                r[0]
                for r in conn.execute(
                    "SELECT payload FROM events WHERE session_id = ? ORDER BY seq", (session_id,)
                )
            ]
        return decode_record(self._path, row), decode_events(self._path, session_id, payloads)

    def events_since(self, session_id: str, start: int) -> List[SessionEvent]:
        """Log events from 0-based index ``start`` on (what other writers added).

        Raises:
            SessionNotFoundError: no such session (e.g. deleted by another process).
        """
        with self._op("reading a session") as conn:  # one statement, one snapshot
            rows = conn.execute(
                "SELECT payload FROM events WHERE session_id = ? AND seq >= ? ORDER BY seq",
                (session_id, max(0, start)),
            ).fetchall()
            payloads = [r[0] for r in rows]
            # Only an empty answer needs the session checked: a deleted one has no events.
            if not rows and not conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone():
                raise SessionNotFoundError(f"no session {session_id!r}")
        return decode_events(self._path, session_id, payloads)

    def append(self, session_id: str, events: Sequence[SessionEvent]) -> int:
        """Append one turn's events in one transaction, after the stored ones; update
        the modified time (and the summary if unset). Returns the new log length.

        Raises:
            SessionNotFoundError: the session was deleted.
            StoreError: this store's turn lease on the session was lost (another
                process took it over after this one stalled past ``lease_ttl``).
        """
        try:
            payloads = [encode_event(event) for event in events]
        except (TypeError, ValueError) as exc:
            raise StoreError(f"session {session_id!r}: an event is not JSON: {exc}") from exc
        summary = summarize(events)
        with self._op("appending a turn") as conn:
            with self._transaction(conn):
                # The row's update says if the session exists; stamps it after all (list order).
                if conn.execute(
                    "UPDATE sessions SET summary = COALESCE(summary, ?), model = COALESCE(?, model),"
                    " modified_time = MAX(?, (SELECT MAX(modified_time) FROM sessions) + 1)"
                    " WHERE id = ?",
                    (summary, changed_model(events), now_us(), session_id),
                ).rowcount != 1:
                    raise SessionNotFoundError(f"session {session_id!r} was deleted")
                key = (session_id, threading.get_ident())
                owner = self._held.get(key)
                # The turn's commit is its last write: give the lease up in the same
                # transaction (one write fewer per turn); refuse if it is no longer ours.
                if owner is not None and not _lease.release(conn, session_id, owner):
                    raise StoreError(
                        f"session {session_id!r}: another process took over this turn's lease "
                        f"(this one stalled longer than lease_ttl={self._lease_ttl:g} s); "
                        "the turn was not saved"
                    )
                last = conn.execute(
                    "SELECT MAX(seq) FROM events WHERE session_id = ?", (session_id,)
                ).fetchone()[0]
                first = 0 if last is None else last + 1
                conn.executemany(
                    "INSERT INTO events (session_id, seq, payload) VALUES (?, ?, ?)",
                    [(session_id, first + i, payload) for i, payload in enumerate(payloads)],
                )
            if owner is not None:  # given up by the commit above
                del self._held[key]
        return first + len(payloads)

    def list(self) -> List[SessionMetadata]:
        """All sessions, most recently modified first."""
        with self._op("listing sessions") as conn:
            rows = conn.execute(
                "SELECT id, start_time, modified_time, summary, model FROM sessions"
                " ORDER BY modified_time DESC"
            ).fetchall()
        epoch, micro = EPOCH, MICROSECOND
        try:
            return [
                SessionMetadata(
                    session_id=sid,
                    start_time=epoch + start * micro,
                    modified_time=epoch + modified * micro,
                    summary=summary,
                    model=model,
                )
                for sid, start, modified, summary, model in rows
            ]
        except (TypeError, OverflowError):  # a damaged row: find it, and name it
            for row in rows:
                decode_record(self._path, (*row, "{}"))
            raise

    def delete(self, session_id: str) -> bool:
        """Remove the session, its log and its lease. False if it did not exist."""
        with self._op("deleting a session") as conn, self._transaction(conn):
            existed = conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,)).rowcount
            conn.execute("DELETE FROM events WHERE session_id = ?", (session_id,))
            conn.execute("DELETE FROM leases WHERE session_id = ?", (session_id,))
        logger.debug("%s: deleted session %r (existed: %s)", self._path, session_id, bool(existed))
        return existed > 0

    def exists(self, session_id: str) -> bool:
        """Whether a session with this id is stored."""
        with self._op("reading a session") as conn:
            row = conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone()
        return row is not None

    def last_session_id(self) -> Optional[str]:
        """The most recently modified session's id, or None."""
        with self._op("listing sessions") as conn:
            row = conn.execute(
                "SELECT id FROM sessions ORDER BY modified_time DESC LIMIT 1"
            ).fetchone()
        return None if row is None else str(row[0])

    # -- turn leases ----------------------------------------------------------
    @contextlib.contextmanager
    def turn_lock(
        self, session_id: str, wait: Optional[Callable[[float], bool]] = None
    ) -> Iterator[None]:
        """Hold the session's turn lease (across processes) for the ``with`` body.

        Waits (polling every 5-50 ms) while another holder's unexpired lease exists.

        Args:
            session_id: the session.
            wait: pauses between attempts: ``wait(seconds)`` returns True to give
                up (pass the turn's ``CancelToken.wait`` so an abort ends the wait).

        Raises:
            SessionNotFoundError: no such session.
            AbortedError: ``wait`` returned True.
            StoreError: still held by another after ``lease_wait`` seconds.
        """
        owner = _lease.new_owner()
        self._acquire(session_id, owner, wait)
        try:
            yield
        finally:
            self._release(session_id, owner)

    def _acquire(
        self, session_id: str, owner: str, wait: Optional[Callable[[float], bool]]
    ) -> None:
        def attempt() -> Optional[bool]:
            with self._op("taking a turn lease") as conn:
                got = _lease.try_acquire(conn, session_id, owner, self._lease_ttl)
                if got:
                    self._held[(session_id, threading.get_ident())] = owner
                    if self._heartbeat is None:
                        self._heartbeat = _lease.Heartbeat(
                            self._renew_all, self._lease_ttl / 3, f"copilot_sdk-lease:{self._path.name}"
                        )
                return got

        wait_for_lease(attempt, session_id, self._lease_wait, wait, "another process")

    def _release(self, session_id: str, owner: str) -> None:
        with self._lock:
            key = (session_id, threading.get_ident())
            if self._held.get(key) != owner:
                return  # given up by the turn's append already
            del self._held[key]
            if self._closed:
                return
            try:
                _lease.release(self._conn, session_id, owner)
            except sqlite3.Error as exc:  # it expires anyway; never mask the turn's outcome
                logger.warning("session %r: releasing the turn lease failed: %s", session_id, exc)

    def _renew_due_locked(self, conn: sqlite3.Connection) -> None:
        """In a write: renew the held leases if the last renewal is a heartbeat
        interval old (one UPDATE per lease, in the write's transaction)."""
        if time.monotonic() - self._renewed_at >= self._lease_ttl / 3:
            self._renew_locked(conn)

    def _renew_all(self) -> None:
        with self._lock:
            if not self._closed:
                self._renew_locked(self._conn)

    def _renew_locked(self, conn: sqlite3.Connection) -> None:
        self._renewed_at = time.monotonic()
        for (session_id, _thread), owner in list(self._held.items()):
            try:
                if not _lease.renew(conn, session_id, owner, self._lease_ttl):
                    logger.debug("session %r: turn lease no longer held (deleted or taken over)", session_id)
            except sqlite3.Error as exc:
                logger.warning("session %r: renewing the turn lease failed: %s", session_id, exc)

    def close(self) -> None:
        """Stop the lease heartbeat and close the connection. Idempotent; later calls
        on this store raise StoreError."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            heartbeat, self._heartbeat = self._heartbeat, None
            held, self._held = dict(self._held), {}
            for (session_id, _thread), owner in held.items():
                with contextlib.suppress(sqlite3.Error):
                    _lease.release(self._conn, session_id, owner)
            try:
                self._conn.close()
            except sqlite3.Error as exc:
                logger.warning("%s: closing the database failed: %s", self._path, exc)
        if heartbeat is not None:
            heartbeat.stop()
        logger.debug("%s: closed", self._path)
