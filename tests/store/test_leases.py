"""Turn leases across processes, on every store shared by processes: bounded waits,
and an expired lease that nobody took still letting its holder commit. (A killed
holder and a holder paused while another took over are in test_processes, end to end.)"""

from __future__ import annotations

import signal
import time
from typing import Tuple

import pytest

from copilot_sdk import StoreError

from ._backends import Backend
from ._helpers import JOIN, record, turn, turns_of
from ._procs import Worker

TTL = 0.6


def test_waiting_for_a_lease_is_bounded_by_lease_wait(shared_backend: Backend) -> None:
    a = shared_backend.make(lease_ttl=5.0)
    b = shared_backend.make(lease_ttl=5.0, lease_wait=0.3)
    a.create(record("s"))
    with a.turn_lock("s"):
        began = time.monotonic()
        with pytest.raises(StoreError, match="lease_wait=0.3"):
            with b.turn_lock("s"):
                pass
        assert time.monotonic() - began < JOIN


def test_an_expired_lease_nobody_took_may_still_commit(shared_backend: Backend) -> None:
    store = shared_backend.make(lease_ttl=TTL)
    store.create(record("s"))
    worker = Worker(shared_backend, "hold", {"lease_ttl": TTL}, session="s")
    try:
        assert worker.next() == {"ready": True}
        assert worker.next() == {"held": True}
        worker.signal(signal.SIGSTOP)
        time.sleep(TTL * 2)
        worker.signal(signal.SIGCONT)
        worker.tell()
        assert worker.next() == {"ok": 4}
        worker.finish()
    finally:
        worker.close()
    assert [t[0].data.content for t in turns_of(store.load("s")[1])] == ["from the stalled worker"]


def _lease_on_the_server(backend: Backend, session_id: str) -> Tuple[str, int]:
    """(holder, token) of the session's lease, read straight from the server."""
    if backend.name == "postgres":
        import psycopg

        with psycopg.connect(backend.args["url"]) as conn:
            row = conn.execute(
                f'SELECT lease_holder, lease_token FROM "{backend.args["schema"]}".sessions'
                " WHERE id = %s", (session_id,),
            ).fetchone()
        assert row is not None
        return str(row[0]), int(row[1])
    import redis

    client = redis.Redis.from_url(backend.args["url"], decode_responses=True)
    try:
        prefix = backend.args["prefix"]
        holder = client.get(f"{prefix}l:{session_id}")
        token = client.hget(f"{prefix}s:{session_id}", "lease_token")
    finally:
        client.close()
    return str(holder), int(str(token))


def test_a_late_heartbeat_never_brings_a_given_up_lease_back(server_backend: Backend) -> None:
    a = server_backend.make(lease_ttl=5.0)
    b = server_backend.make(lease_ttl=5.0, lease_wait=0.5)
    a.create(record("s"))
    with a.turn_lock("s"):
        holder, token = _lease_on_the_server(server_backend, "s")
        assert token > 0
        a.append("s", turn("committed"))  # the commit gives the lease up
    # a renewal that was already under way when the commit landed
    assert a._renew("s", holder, token, 5.0) is False  # type: ignore[attr-defined]
    with b.turn_lock("s"):  # free at once, not after lease_ttl
        pass
