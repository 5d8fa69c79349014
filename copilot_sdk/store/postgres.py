"""PostgresStore: sessions in PostgreSQL, shared by many processes and hosts.

Selected by ``CopilotClient(store="postgresql://...")`` (extra ``copilot_sdk[postgres]``:
psycopg 3 and psycopg_pool). A session is a row of ``<schema>.sessions`` plus one row
per committed event in ``<schema>.events``; a turn's events are committed in one
transaction that also checks the turn's fencing token (see ``_fencing``).
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Any, Iterator, List, Optional, Sequence, Tuple

from .._transport.checks import check_number
from ..errors import ConfigurationError, SessionExistsError, SessionNotFoundError, StoreError
from ..events import SessionEvent
from ..types import SessionMetadata
from ._codec import decode_events, decode_record, encode_config, encode_event, from_us, to_us
from ._fencing import FencedStore, Leases
from ._postgres_schema import describe_url, driver, migrate, valid_schema
from .base import SessionRecord, changed_model, summarize

if TYPE_CHECKING:
    import psycopg

logger = logging.getLogger("copilot_sdk.store")

__all__ = ["PostgresStore"]

_POOL_SIZE = 20  # connections per store (per process), opened on demand
_POOL_TIMEOUT = 3.0  # seconds to wait for a connection before StoreError
_CONNECT_TIMEOUT = 5  # seconds, unless the URL says otherwise
# Strictly after every stored modification, by the server's clock (list order).
_STAMP = (
    "GREATEST((extract(epoch FROM clock_timestamp()) * 1000000)::bigint,"
    " COALESCE((SELECT max(modified_time) FROM {s}.sessions), 0) + 1)"
)


class PostgresStore(FencedStore):
    """A SessionStore in PostgreSQL, for many worker processes on many hosts.

    Each session's turns are ordered across processes and hosts by a fenced lease
    (holder id, expiry on the server's clock, fencing token); the commit checks the
    token in its own transaction, so a worker whose lease another took over can never
    commit: its ``send`` fails with StoreError and nothing of its turn is stored.
    During a server outage operations fail with StoreError; the connection pool
    reconnects by itself when the server is back. The URL's password never appears in
    ``repr``, logs or errors.

    Thread-safe: the connection pool hands each operation its own connection;
    ``self._closed`` is a flag set once by ``close``; leases are held by a
    :class:`~copilot_sdk.store._fencing.Leases` (its own lock).

    Args:
        url: a libpq URL or conninfo string (``postgresql://user:pw@host/db``).
        lease_ttl: seconds a turn lease lives without renewal (a crashed worker
            blocks its session at most this long); renewed every ``lease_ttl / 3``.
        lease_wait: longest wait for another worker's turn on the same session,
            seconds, before StoreError.
        schema: the PostgreSQL schema holding the tables (created if missing), so
            several applications can share one database.

    Raises:
        ConfigurationError: the extra is missing, the URL is malformed, or the
            schema is from a newer copilot_sdk or not a copilot_sdk store.
        StoreError: the server cannot be reached or refused the connection.
    """

    def __init__(
        self,
        url: str,
        *,
        lease_ttl: float = 30.0,
        lease_wait: float = 600.0,
        schema: str = "copilot_sdk",
    ) -> None:
        if not isinstance(url, str):
            raise TypeError(f"url must be a str, not {type(url).__name__}")
        ttl = check_number("lease_ttl", lease_ttl)
        wait = check_number("lease_wait", lease_wait)
        self._schema = valid_schema(schema)
        psycopg, psycopg_pool = driver()
        self._errors = (psycopg.Error, psycopg_pool.PoolTimeout, psycopg_pool.PoolClosed)
        try:
            params = psycopg.conninfo.conninfo_to_dict(url)
        except psycopg.Error as exc:
            raise ConfigurationError(
                f"the PostgreSQL store URL is malformed: {type(exc).__name__}"
            ) from None
        self._password = str(params.get("password") or "")
        self._where = describe_url(params)
        kwargs: dict[str, Any] = {"autocommit": True}
        if "connect_timeout" not in params:
            kwargs["connect_timeout"] = _CONNECT_TIMEOUT
        self._closed = False  # set once, by close()
        try:
            with psycopg.connect(url, **kwargs) as conn:
                migrate(conn, self._schema, self._where)
        except psycopg.Error as exc:
            raise StoreError(f"cannot open the session store {self._where}: {self._scrub(exc)}") from None
        self._pool = psycopg_pool.ConnectionPool(
            url,
            min_size=1,
            max_size=_POOL_SIZE,
            kwargs=kwargs,
            timeout=_POOL_TIMEOUT,
            check=psycopg_pool.ConnectionPool.check_connection,
            name=f"copilot_sdk:{self._schema}",
            open=True,
        )
        s = f'"{self._schema}"'
        self._s = s
        self._stamp = _STAMP.format(s=s)
        self._leases = Leases(
            f"{self._where}, schema {self._schema}",
            ttl=ttl,
            wait=wait,
            grant=self._grant,
            renew=self._renew,
            release=self._release,
        )

    def __repr__(self) -> str:
        return f"PostgresStore({self._where!r}, schema={self._schema!r})"

    # -- plumbing -------------------------------------------------------------
    def _scrub(self, exc: BaseException) -> str:
        text = str(exc).strip() or type(exc).__name__
        return text.replace(self._password, "***") if self._password else text

    @contextlib.contextmanager
    def _conn(self, what: str) -> Iterator[psycopg.Connection[Any]]:
        """A pooled autocommit connection, with driver errors turned into StoreError."""
        if self._closed:
            raise StoreError(f"the session store {self._where} is closed")
        try:
            with self._pool.connection() as conn:
                yield conn
        except self._errors as exc:
            if self._closed:
                raise StoreError(f"the session store {self._where} is closed") from None
            raise StoreError(f"session store {self._where}: {what} failed: {self._scrub(exc)}") from None

    # -- SessionStore ---------------------------------------------------------
    def create(self, record: SessionRecord) -> None:
        """Store a new session.

        Raises:
            SessionExistsError: a session with this id is stored already.
        """
        config = encode_config(record.config)
        with self._conn("creating a session") as conn:
            row = conn.execute(
                f"INSERT INTO {self._s}.sessions (id, start_time, modified_time, summary, model, config)"
                f" VALUES (%s, %s, {self._stamp}, %s, %s, %s) ON CONFLICT (id) DO NOTHING RETURNING 1",
                (record.session_id, to_us(record.start_time), record.summary, record.model, config),
            ).fetchone()
        if row is None:
            raise SessionExistsError(f"session {record.session_id!r} already exists")

    def load(self, session_id: str) -> Tuple[SessionRecord, List[SessionEvent]]:
        """The record and the whole log, oldest first.

        Raises:
            SessionNotFoundError: no such session.
        """
        with self._conn("loading a session") as conn:
            row = conn.execute(
                f"SELECT id, start_time, modified_time, summary, model, config, length"
                f" FROM {self._s}.sessions WHERE id = %s",
                (session_id,),
            ).fetchone()
            if row is None:
                raise SessionNotFoundError(f"no session {session_id!r}")
            payloads = [
                r[0]
                for r in conn.execute(
                    f"SELECT payload FROM {self._s}.events WHERE session_id = %s AND seq < %s"
                    " ORDER BY seq",
                    (session_id, row[6]),
                )
            ]
        return decode_record(self._where, row[:6]), decode_events(self._where, session_id, payloads)

    def events_since(self, session_id: str, start: int) -> List[SessionEvent]:
        """Log events from 0-based index ``start`` on (what other workers added).

        Raises:
            SessionNotFoundError: no such session (e.g. deleted by another worker).
        """
        with self._conn("reading a session") as conn:
            rows = conn.execute(
                f"SELECT e.payload FROM {self._s}.sessions s LEFT JOIN {self._s}.events e"
                " ON e.session_id = s.id AND e.seq >= %s WHERE s.id = %s ORDER BY e.seq",
                (max(0, start), session_id),
            ).fetchall()
        if not rows:
            raise SessionNotFoundError(f"no session {session_id!r}")
        return decode_events(self._where, session_id, [r[0] for r in rows if r[0] is not None])

    def append(self, session_id: str, events: Sequence[SessionEvent]) -> int:
        """Append one turn's events in one transaction, after the stored ones; update
        the modified time (and the summary if unset). Returns the new log length.

        Inside a ``turn_lock``, the same transaction checks the lease's fencing token
        and gives the lease up.

        Raises:
            SessionNotFoundError: the session was deleted.
            StoreError: another worker took this turn's lease over (nothing was
                stored), or the server failed.
        """
        try:
            payloads = [encode_event(event) for event in events]
        except (TypeError, ValueError) as exc:
            raise StoreError(f"session {session_id!r}: an event is not JSON: {exc}") from exc
        summary = summarize(events)
        token = self._leases.token(session_id)
        with self._conn("appending a turn") as conn, conn.transaction():
            row = conn.execute(
                f"SELECT length, lease_token FROM {self._s}.sessions WHERE id = %s FOR UPDATE",
                (session_id,),
            ).fetchone()
            if row is None:
                raise SessionNotFoundError(f"session {session_id!r} was deleted")
            first, current = int(row[0]), int(row[1])
            if token is not None and current != token:
                raise self._leases.refused(session_id)
            if payloads:
                with conn.cursor() as cursor:
                    cursor.executemany(
                        f"INSERT INTO {self._s}.events (session_id, seq, payload) VALUES (%s, %s, %s)",
                        [(session_id, first + i, p) for i, p in enumerate(payloads)],
                    )
            release = token is not None
            conn.execute(
                f"UPDATE {self._s}.sessions SET length = length + %s, modified_time = {self._stamp},"
                " summary = COALESCE(summary, %s), model = COALESCE(%s, model),"
                " lease_holder = CASE WHEN %s THEN NULL ELSE lease_holder END,"
                " lease_expires = CASE WHEN %s THEN NULL ELSE lease_expires END"
                " WHERE id = %s",
                (len(payloads), summary, changed_model(events), release, release, session_id),
            )
        if token is not None:
            self._leases.committed(session_id, token)
        return first + len(payloads)

    def list(self) -> List[SessionMetadata]:
        """All sessions, most recently modified first."""
        with self._conn("listing sessions") as conn:
            rows = conn.execute(
                f"SELECT id, start_time, modified_time, summary, model FROM {self._s}.sessions"
                " ORDER BY modified_time DESC, id"
            ).fetchall()
        return [
            SessionMetadata(
                session_id=sid,
                start_time=from_us(start),
                modified_time=from_us(modified),
                summary=summary,
                model=model,
            )
            for sid, start, modified, summary, model in rows
        ]

    def delete(self, session_id: str) -> bool:
        """Remove the session, its log and its lease. False if it did not exist."""
        with self._conn("deleting a session") as conn:
            cursor = conn.execute(f"DELETE FROM {self._s}.sessions WHERE id = %s", (session_id,))
            existed = bool(cursor.rowcount > 0)
        logger.debug("%s: deleted session %r (existed: %s)", self._where, session_id, existed)
        return existed

    def exists(self, session_id: str) -> bool:
        """Whether a session with this id is stored."""
        with self._conn("reading a session") as conn:
            row = conn.execute(
                f"SELECT 1 FROM {self._s}.sessions WHERE id = %s", (session_id,)
            ).fetchone()
        return row is not None

    def last_session_id(self) -> Optional[str]:
        """The most recently modified session's id, or None."""
        with self._conn("listing sessions") as conn:
            row = conn.execute(
                f"SELECT id FROM {self._s}.sessions ORDER BY modified_time DESC, id LIMIT 1"
            ).fetchone()
        return None if row is None else str(row[0])

    # -- turn leases ----------------------------------------------------------
    def _grant(self, session_id: str, holder: str, ttl: float) -> Optional[int]:
        with self._conn("taking a turn lease") as conn:
            row = conn.execute(
                f"WITH granted AS (UPDATE {self._s}.sessions SET lease_holder = %s,"
                f" lease_token = nextval('{self._s}.lease_tokens'),"
                " lease_expires = clock_timestamp() + %s * interval '1 second'"
                " WHERE id = %s AND (lease_holder IS NULL OR lease_expires <= clock_timestamp())"
                " RETURNING lease_token)"
                f" SELECT (SELECT lease_token FROM granted),"
                f" EXISTS (SELECT 1 FROM {self._s}.sessions WHERE id = %s)",
                (holder, ttl, session_id, session_id),
            ).fetchone()
        token, exists = row if row is not None else (None, False)
        if token is not None:
            return int(token)
        return 0 if exists else None

    def _renew(self, session_id: str, holder: str, token: int, ttl: float) -> bool:
        with self._conn("renewing a turn lease") as conn:
            cursor = conn.execute(
                f"UPDATE {self._s}.sessions"
                " SET lease_expires = clock_timestamp() + %s * interval '1 second'"
                " WHERE id = %s AND lease_token = %s AND lease_holder = %s",
                (ttl, session_id, token, holder),
            )
            return cursor.rowcount == 1

    def _release(self, session_id: str, token: int) -> None:
        with self._conn("releasing a turn lease") as conn:
            conn.execute(
                f"UPDATE {self._s}.sessions SET lease_holder = NULL, lease_expires = NULL"
                " WHERE id = %s AND lease_token = %s",
                (session_id, token),
            )

    def close(self) -> None:
        """Release held leases and close the pool. Idempotent; later calls on this
        store raise StoreError."""
        if self._closed:
            return
        for session_id, token in self._leases.close():
            with contextlib.suppress(StoreError):
                self._release(session_id, token)
        self._closed = True
        self._pool.close()
        logger.debug("%s: closed", self._where)

