"""RedisStore: sessions in Redis, shared by many processes and hosts.

Selected by ``CopilotClient(store="redis://...")`` or ``"rediss://..."`` (extra
``copilot_sdk[redis]``: redis-py). Every write is one Lua script (see
``_redis_scripts`` for the key layout), so a turn's events, the session's new
modification time and the check of the turn's fencing token happen atomically.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Iterator, List, Optional, Sequence, Tuple

from .._transport.checks import check_number
from ..errors import ConfigurationError, SessionExistsError, SessionNotFoundError, StoreError
from ..events import SessionEvent
from ..types import SessionMetadata
from . import _redis_scripts as lua
from ._codec import decode_events, decode_record, encode_config, encode_event, from_us, to_us
from ._fencing import FencedStore, Leases
from ._redis_layout import describe_url, driver, open_layout
from .base import SessionRecord, changed_model, summarize

if TYPE_CHECKING:
    import redis

logger = logging.getLogger("copilot_sdk.store")

__all__ = ["RedisStore"]

_SOCKET_TIMEOUT = 10.0  # seconds for one command's reply
_CONNECT_TIMEOUT = 5.0


class RedisStore(FencedStore):
    """A SessionStore in Redis, for many worker processes on many hosts.

    Each session's turns are ordered across processes and hosts by a fenced lease
    (holder id, expiry on the server, fencing token); the commit script checks the
    token, so a worker whose lease another took over can never commit: its ``send``
    fails with StoreError and nothing of its turn is stored. During a server outage
    operations fail with StoreError (redis-py's own retries are off: a commit is never
    sent twice); the next operation reconnects. Needs one Redis server (or a
    replicated primary), not Redis Cluster: a turn's script touches shared keys. The
    URL's password never appears in ``repr``, logs or errors.

    Thread-safe: redis-py's connection pool hands each command its own connection;
    ``self._closed`` is a flag set once by ``close``; leases are held by a
    :class:`~copilot_sdk.store._fencing.Leases` (its own lock).

    Args:
        url: ``redis://[[user]:password@]host[:port][/db]``, ``rediss://`` (TLS) or
            ``unix://``.
        lease_ttl: seconds a turn lease lives without renewal; renewed every
            ``lease_ttl / 3``.
        lease_wait: longest wait for another worker's turn on the same session,
            seconds, before StoreError.
        prefix: prepended to every key, so several applications share one server.
        session_ttl: seconds after its last change before an idle session expires
            (every key of it); None: never.

    Raises:
        ConfigurationError: the extra is missing, the URL is malformed, or the key
            layout is from a newer copilot_sdk.
        StoreError: the server cannot be reached or refused the connection.
    """

    def __init__(
        self,
        url: str,
        *,
        lease_ttl: float = 30.0,
        lease_wait: float = 600.0,
        prefix: str = "copilot_sdk:",
        session_ttl: Optional[float] = None,
    ) -> None:
        if not isinstance(url, str):
            raise TypeError(f"url must be a str, not {type(url).__name__}")
        if not isinstance(prefix, str):
            raise TypeError(f"prefix must be a str, not {type(prefix).__name__}")
        ttl = check_number("lease_ttl", lease_ttl)
        wait = check_number("lease_wait", lease_wait)
        self._session_ttl_ms = (
            "0" if session_ttl is None else str(int(check_number("session_ttl", session_ttl) * 1000))
        )
        self._where, self._password = describe_url(url)
        self._prefix = prefix
        redis_py = driver()
        self._errors = redis_py.RedisError
        self._closed = False  # set once, by close()
        try:
            self._redis: redis.Redis = redis_py.Redis.from_url(
                url,
                decode_responses=True,
                socket_timeout=_SOCKET_TIMEOUT,
                socket_connect_timeout=_CONNECT_TIMEOUT,
                retry=redis_py.retry.Retry(redis_py.backoff.NoBackoff(), 0),
                health_check_interval=30,
            )
        except ValueError as exc:
            raise ConfigurationError(f"the Redis store URL is malformed: {self._scrub(exc)}") from None
        self._scripts = {
            name: self._redis.register_script(getattr(lua, name))
            for name in ("CREATE", "APPEND", "GRANT", "RENEW", "RELEASE", "PRUNE")
        }
        self._check_layout()
        self._leases = Leases(
            f"{self._where}, prefix {self._prefix!r}",
            ttl=ttl,
            wait=wait,
            grant=self._grant,
            renew=self._renew,
            release=self._release,
        )

    def __repr__(self) -> str:
        return f"RedisStore({self._where!r}, prefix={self._prefix!r})"

    # -- plumbing -------------------------------------------------------------
    def _key(self, kind: str, session_id: str = "") -> str:
        return f"{self._prefix}{kind}{session_id}"

    def _listing(self) -> List[str]:
        """The hashes list_sessions reads besides the index: starts, models, summaries."""
        return [self._key("starts"), self._key("models"), self._key("summaries")]

    def _scrub(self, exc: BaseException) -> str:
        text = str(exc).strip() or type(exc).__name__
        return text.replace(self._password, "***") if self._password else text

    @contextlib.contextmanager
    def _op(self, what: str) -> Iterator[redis.Redis]:
        """The client, with driver errors turned into StoreError."""
        if self._closed:
            raise StoreError(f"the session store {self._where} is closed")
        try:
            yield self._redis
        except self._errors as exc:
            raise StoreError(f"session store {self._where}: {what} failed: {self._scrub(exc)}") from None

    def _check_layout(self) -> None:
        try:
            with self._op("opening the store") as r:
                open_layout(r, self._prefix, self._where)
        except StoreError as exc:
            raise StoreError(f"cannot open the session store: {exc}") from None

    # -- SessionStore ---------------------------------------------------------
    def create(self, record: SessionRecord) -> None:
        """Store a new session.

        Raises:
            SessionExistsError: a session with this id is stored already.
        """
        fields: List[str] = ["start_time", str(to_us(record.start_time))]
        fields += ["config", encode_config(record.config)]
        for name in ("summary", "model"):
            value = getattr(record, name)
            if value is not None:
                fields += [name, str(value)]
        sid = record.session_id
        model = "0" if record.model is None else "1" + record.model
        summary = "0" if record.summary is None else "1" + record.summary
        keys = [self._key("s:", sid), self._key("index"), self._key("clock"),
                *self._listing()]
        with self._op("creating a session"):
            created = self._scripts["CREATE"](
                keys=keys,
                args=[sid, self._session_ttl_ms, str(to_us(record.start_time)), model, summary,
                      *fields],
            )
        if not created:
            raise SessionExistsError(f"session {sid!r} already exists")

    def load(self, session_id: str) -> Tuple[SessionRecord, List[SessionEvent]]:
        """The record and the whole log, oldest first (one snapshot).

        Raises:
            SessionNotFoundError: no such session.
        """
        with self._op("loading a session") as r:
            pipe = r.pipeline(transaction=True)
            pipe.hgetall(self._key("s:", session_id))
            pipe.lrange(self._key("e:", session_id), 0, -1)
            fields, payloads = pipe.execute()
        if not fields:
            raise SessionNotFoundError(f"no session {session_id!r}")
        row = (
            session_id,
            int(fields["start_time"]),
            int(fields["modified_time"]),
            fields.get("summary"),
            fields.get("model"),
            fields.get("config", "{}"),
        )
        return decode_record(self._where, row), decode_events(self._where, session_id, payloads)

    def events_since(self, session_id: str, start: int) -> List[SessionEvent]:
        """Log events from 0-based index ``start`` on (what other workers added).

        Raises:
            SessionNotFoundError: no such session (deleted or expired).
        """
        with self._op("reading a session") as r:
            pipe = r.pipeline(transaction=True)
            pipe.exists(self._key("s:", session_id))
            pipe.lrange(self._key("e:", session_id), max(0, start), -1)
            exists, payloads = pipe.execute()
        if not exists:
            raise SessionNotFoundError(f"no session {session_id!r}")
        return decode_events(self._where, session_id, payloads)

    def append(self, session_id: str, events: Sequence[SessionEvent]) -> int:
        """Append one turn's events in one script, after the stored ones; update the
        modified time (and the summary if unset). Returns the new log length.

        Inside a ``turn_lock``, the same script checks the lease's fencing token and
        gives the lease up.

        Raises:
            SessionNotFoundError: the session was deleted (or expired).
            StoreError: another worker took this turn's lease over (nothing was
                stored), or the server failed.
        """
        try:
            payloads = [encode_event(event) for event in events]
        except (TypeError, ValueError) as exc:
            raise StoreError(f"session {session_id!r}: an event is not JSON: {exc}") from exc
        summary = summarize(events)
        token = self._leases.token(session_id)
        keys = [
            self._key("s:", session_id),
            self._key("e:", session_id),
            self._key("l:", session_id),
            self._key("index"),
            self._key("clock"),
            self._key("summaries"),
            self._key("models"),
        ]
        args = [
            session_id,
            "" if token is None else str(token),
            "0" if summary is None else "1" + summary,
            self._session_ttl_ms,
            "" if (model := changed_model(events)) is None else model,
            *payloads,
        ]
        with self._op("appending a turn"):
            length = int(self._scripts["APPEND"](keys=keys, args=args))
        if length == -1:
            raise SessionNotFoundError(f"session {session_id!r} was deleted")
        if length == -2:
            raise self._leases.refused(session_id)
        if token is not None:
            self._leases.committed(session_id, token)
        return length

    def list(self) -> List[SessionMetadata]:
        """All sessions, most recently modified first (from the index, not a scan)."""
        with self._op("listing sessions") as r:
            pipe = r.pipeline(transaction=True)  # one snapshot
            pipe.zrevrange(self._key("index"), 0, -1, withscores=True)
            for key in self._listing():
                pipe.hgetall(key)
            pipe.time()
            index, starts, models, summaries, (seconds, micros) = pipe.execute()
        ttl_us = int(self._session_ttl_ms) * 1000
        now_us = int(seconds) * 1_000_000 + int(micros)
        result: List[SessionMetadata] = []
        stale: List[str] = []
        for sid, score in index:
            modified = int(score)
            if sid not in starts or (ttl_us and modified + ttl_us <= now_us):
                stale.append(sid)  # expired (session_ttl), or about to
            result.append(SessionMetadata(
                session_id=sid, start_time=from_us(int(starts.get(sid, modified))),
                modified_time=from_us(modified), summary=summaries.get(sid), model=models.get(sid),
            ))
        if stale:
            gone = set(self._prune(stale))
            result = [m for m in result if m.session_id not in gone]
        return result

    def _prune(self, ids: List[str]) -> List[str]:
        """Drop the listing entries of those sessions that expired; returns them."""
        with self._op("pruning expired sessions"):
            gone = self._scripts["PRUNE"](
                keys=[self._key("index"), *self._listing()],
                args=[self._key("s:"), *ids],
            )
        return [str(sid) for sid in gone]

    def delete(self, session_id: str) -> bool:
        """Remove the session, its log, its lease and its index entry. False if it
        did not exist."""
        with self._op("deleting a session") as r:
            pipe = r.pipeline(transaction=True)
            pipe.delete(self._key("s:", session_id))
            pipe.delete(self._key("e:", session_id), self._key("l:", session_id))
            pipe.zrem(self._key("index"), session_id)
            for key in self._listing():
                pipe.hdel(key, session_id)
            existed = bool(pipe.execute()[0])
        logger.debug("%s: deleted session %r (existed: %s)", self._where, session_id, existed)
        return existed

    def exists(self, session_id: str) -> bool:
        """Whether a session with this id is stored."""
        with self._op("reading a session") as r:
            return bool(r.exists(self._key("s:", session_id)))

    def last_session_id(self) -> Optional[str]:
        """The most recently modified session's id, or None."""
        while True:
            with self._op("listing sessions") as r:
                newest = [str(sid) for sid in r.zrevrange(self._key("index"), 0, 0)]
                if not newest:
                    return None
                if r.exists(self._key("s:", newest[0])):
                    return newest[0]
            self._prune(newest)

    # -- turn leases ----------------------------------------------------------
    def _grant(self, session_id: str, holder: str, ttl: float) -> Optional[int]:
        with self._op("taking a turn lease"):
            token = int(
                self._scripts["GRANT"](
                    keys=[self._key("s:", session_id), self._key("l:", session_id), self._key("token")],
                    args=[holder, int(ttl * 1000)],
                )
            )
        return None if token < 0 else token

    def _renew(self, session_id: str, holder: str, token: int, ttl: float) -> bool:
        with self._op("renewing a turn lease"):
            return bool(
                self._scripts["RENEW"](
                    keys=[self._key("s:", session_id), self._key("l:", session_id)],
                    args=[holder, str(token), int(ttl * 1000)],
                )
            )

    def _release(self, session_id: str, token: int) -> None:
        with self._op("releasing a turn lease"):
            self._scripts["RELEASE"](
                keys=[self._key("s:", session_id), self._key("l:", session_id)], args=[str(token)]
            )

    def close(self) -> None:
        """Release held leases and close the connections. Idempotent; later calls on
        this store raise StoreError."""
        if self._closed:
            return
        for session_id, token in self._leases.close():
            with contextlib.suppress(StoreError):
                self._release(session_id, token)
        self._closed = True
        with contextlib.suppress(Exception):
            self._redis.close()
        logger.debug("%s: closed", self._where)
