"""Fenced turn leases for stores shared by many hosts (PostgreSQL, Redis).

A lease on a session names its holder, expires unless renewed, and carries a fencing
token: a number drawn from a counter that only grows, stored with the session when the
lease is granted. A turn's commit checks, inside the same transaction or script, that
the session's token is still its own; so a holder that stalled (paused, partitioned,
killed) past its lease while another worker was granted the session can never commit.
An expired lease that nobody took keeps its token, so its holder may still commit.

:class:`Leases` is the part every such store shares: the waiting loop (bounded by
``lease_wait``, abortable by the caller's ``wait``), the heartbeat that renews held
leases every ``ttl / 3`` seconds, and the record of which leases this store holds. The
store supplies three operations on its server: grant, renew and release.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
import uuid
from typing import Callable, Dict, Iterator, List, Optional, Tuple, TypeVar

from ..errors import AbortedError, SessionNotFoundError, StoreError

logger = logging.getLogger("copilot_sdk.store")

__all__ = ["FencedStore", "Heartbeat", "Leases", "new_owner", "wait_for_lease"]

T = TypeVar("T")

#: ``grant(session_id, holder, ttl)``: the new token, 0 if another holds an
#: unexpired lease, None if the session does not exist.
Grant = Callable[[str, str, float], Optional[int]]
#: ``renew(session_id, holder, token, ttl)``: extend the lease if it is still this
#: holder's, expired or not, but never one given up: False if it is not.
Renew = Callable[[str, str, int, float], bool]
#: ``release(session_id, token)``: give the lease up if the token is still current.
Release = Callable[[str, int], None]


def new_owner() -> str:
    """A fresh lease holder id: ``hostname:pid:uuid``."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"


def wait_for_lease(
    attempt: Callable[[], Optional[T]],
    session_id: str,
    lease_wait: float,
    wait: Optional[Callable[[float], bool]],
    holder: str,
    *,
    first_delay: float = 0.005,
) -> T:
    """Call ``attempt()`` until it takes the lease, backing off up to 50 ms between tries.

    ``attempt`` returns a true value once the lease is taken, a false one while another
    holds it, None when the session does not exist (SessionNotFoundError). Gives up
    after ``lease_wait`` seconds (StoreError naming ``holder``), or when ``wait(delay)``
    returns True (AbortedError: the caller's turn was aborted).
    """
    deadline = time.monotonic() + lease_wait
    delay = first_delay
    while True:
        got = attempt()
        if got is None:
            raise SessionNotFoundError(f"no session {session_id!r}")
        if got:
            return got
        if time.monotonic() >= deadline:
            raise StoreError(
                f"session {session_id!r} is busy in {holder}: its turn lease was "
                f"not released within lease_wait={lease_wait:g} s"
            )
        if wait is None:
            time.sleep(delay)  # never under a lock
        elif wait(delay):
            raise AbortedError(f"session {session_id!r}: gave up waiting for the turn of {holder}")
        delay = min(delay * 2, 0.05)


class Heartbeat:
    """A daemon thread calling ``beat()`` every ``interval`` seconds until stopped.

    Thread-safe: ``stop`` may be called from any thread, more than once.
    """

    def __init__(self, beat: Callable[[], None], interval: float, name: str) -> None:
        self._beat = beat
        self._interval = interval
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopped.wait(self._interval):
            try:
                self._beat()
            except Exception:
                logger.exception("renewing turn leases failed")

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread and wait (briefly) for it to end."""
        self._stopped.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout)


class Leases:
    """The fenced turn leases one store holds, and the loop that takes them.

    A lease is held by the thread that took it (the turn's thread): ``token`` and
    ``committed`` answer for the calling thread, so a turn whose lease expired and was
    granted to another thread of this process still commits with its own, stale, token
    and is refused.

    Thread-safe: ``self._held`` and ``self._heartbeat`` are guarded by ``self._lock``;
    the server is never called under it.

    Args:
        where: the store's secret-free name, for messages.
        ttl: seconds a lease lives without renewal.
        wait: longest wait for a lease another worker holds, seconds.
        grant, renew, release: the store's operations on its server.
    """

    def __init__(
        self, where: str, *, ttl: float, wait: float, grant: Grant, renew: Renew, release: Release
    ) -> None:
        self._where = where
        self._ttl = ttl
        self._wait = wait
        self._grant = grant
        self._renew = renew
        self._release = release
        self._lock = threading.Lock()
        # guarded by self._lock: (session id, thread id) -> (holder, token)
        self._held: Dict[Tuple[str, int], Tuple[str, int]] = {}
        self._heartbeat: Optional[Heartbeat] = None  # guarded by self._lock

    @property
    def ttl(self) -> float:
        """Seconds a lease lives without renewal."""
        return self._ttl

    def token(self, session_id: str) -> Optional[int]:
        """The fencing token the calling thread holds for the session, or None."""
        with self._lock:
            held = self._held.get((session_id, threading.get_ident()))
        return None if held is None else held[1]

    def committed(self, session_id: str, token: int) -> None:
        """The commit fenced by ``token`` also gave the lease up."""
        key = (session_id, threading.get_ident())
        with self._lock:
            held = self._held.get(key)
            if held is not None and held[1] == token:
                del self._held[key]

    def refused(self, session_id: str) -> StoreError:
        """The error of a commit whose lease another worker took over."""
        return StoreError(
            f"session {session_id!r}: another worker took over this turn's lease (this one "
            f"stalled longer than lease_ttl={self._ttl:g} s); the turn was not saved"
        )

    @contextlib.contextmanager
    def hold(self, session_id: str, wait: Optional[Callable[[float], bool]]) -> Iterator[None]:
        """The body of ``turn_lock``: take the lease, hold it, give it back.

        Raises:
            SessionNotFoundError: no such session.
            AbortedError: ``wait`` returned True.
            StoreError: still held by another after ``lease_wait`` seconds, or the
                server failed.
        """
        holder = new_owner()
        token = self._acquire(session_id, holder, wait)
        try:
            yield
        finally:
            self._give_back(session_id, token)

    def _acquire(self, session_id: str, holder: str, wait: Optional[Callable[[float], bool]]) -> int:
        def attempt() -> Optional[int]:
            token = self._grant(session_id, holder, self._ttl)
            if token:
                with self._lock:
                    self._held[(session_id, threading.get_ident())] = (holder, token)
                    if self._heartbeat is None:
                        self._heartbeat = Heartbeat(
                            self._renew_all, self._ttl / 3, "copilot_sdk-lease"
                        )
            return token

        return wait_for_lease(
            attempt, session_id, self._wait, wait, f"another worker ({self._where})", first_delay=0.002
        )

    def _give_back(self, session_id: str, token: int) -> None:
        key = (session_id, threading.get_ident())
        with self._lock:
            held = self._held.get(key)
            if held is None or held[1] != token:
                return  # the turn's commit gave it up already
            del self._held[key]
        try:
            self._release(session_id, token)
        except StoreError as exc:  # it expires anyway; never mask the turn's outcome
            logger.warning("session %r: releasing the turn lease failed: %s", session_id, exc)

    def _renew_all(self) -> None:
        with self._lock:
            held = list(self._held.items())
        for (session_id, _thread), (holder, token) in held:
            try:
                if not self._renew(session_id, holder, token, self._ttl):
                    logger.warning(
                        "session %r: turn lease lost (taken over or deleted); its commit "
                        "will be refused",
                        session_id,
                    )
            except StoreError as exc:
                logger.warning("session %r: renewing the turn lease failed: %s", session_id, exc)

    def close(self) -> List[Tuple[str, int]]:
        """Stop the heartbeat; returns the ``(session id, token)`` of the leases still
        held (for the store to release)."""
        with self._lock:
            heartbeat, self._heartbeat = self._heartbeat, None
            held, self._held = self._held, {}
        if heartbeat is not None:
            heartbeat.stop()
        return [(session_id, token) for (session_id, _), (_, token) in held.items()]


class FencedStore:
    """The turn-lease face shared by the stores on a server: ``turn_lock`` over the
    store's :class:`Leases` (``self._leases``, made by the store's ``__init__``)."""

    _leases: Leases

    def turn_lock(
        self, session_id: str, wait: Optional[Callable[[float], bool]] = None
    ) -> contextlib.AbstractContextManager[None]:
        """Hold the session's fenced turn lease (across processes and hosts) for the
        ``with`` body; a commit (``append``) on the same thread inside it is fenced.

        Args:
            session_id: the session.
            wait: pauses between attempts: ``wait(seconds)`` returns True to give
                up (pass the turn's ``CancelToken.wait`` so an abort ends the wait).

        Raises:
            SessionNotFoundError: no such session.
            AbortedError: ``wait`` returned True.
            StoreError: still held by another after ``lease_wait`` seconds, or the
                server failed.
        """
        return self._leases.hold(session_id, wait)
