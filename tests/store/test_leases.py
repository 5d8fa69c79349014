"""Turn leases across processes, on every store shared by processes: bounded
waits, a killed holder's lease expiring, and fencing (a holder stalled past its
lease, while another worker committed, can never commit)."""

from __future__ import annotations

import signal
import threading
import time

import pytest

from copilot_sdk import AbortedError, StoreError

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


def test_a_killed_holders_lease_expires(shared_backend: Backend) -> None:
    store = shared_backend.make(lease_ttl=TTL)
    store.create(record("s"))
    worker = Worker(shared_backend, "hold", {"lease_ttl": TTL}, session="s")
    try:
        assert worker.next() == {"ready": True}
        assert worker.next() == {"held": True}
        with pytest.raises(AbortedError):  # held (and renewed) while the worker lives
            with store.turn_lock("s", lambda _s: _after(1.5)):
                pass
        worker.signal(signal.SIGKILL)
        began = time.monotonic()
        with store.turn_lock("s"):
            store.append("s", turn("after the crash"))
        assert time.monotonic() - began < JOIN
    finally:
        worker.close()
    assert [t[0].data.content for t in turns_of(store.load("s")[1])] == ["after the crash"]


_deadline = threading.local()


def _after(seconds: float) -> bool:
    """A ``wait`` that gives up ``seconds`` after its first call."""
    now = time.monotonic()
    if getattr(_deadline, "at", None) is None:
        _deadline.at = now + seconds
    time.sleep(0.01)
    if now >= _deadline.at:
        _deadline.at = None
        return True
    return False


def test_a_stalled_holder_can_never_commit_after_a_take_over(shared_backend: Backend) -> None:
    store = shared_backend.make(lease_ttl=TTL)
    store.create(record("s"))
    worker = Worker(shared_backend, "hold", {"lease_ttl": TTL}, session="s")
    try:
        assert worker.next() == {"ready": True}
        assert worker.next() == {"held": True}
        worker.signal(signal.SIGSTOP)  # paused: its heartbeat stops, its lease expires
        with store.turn_lock("s"):
            assert store.append("s", turn("from the new holder")) == 4
        worker.signal(signal.SIGCONT)
        worker.tell()
        outcome = worker.next()
        assert outcome["error"] == "StoreError", outcome
        assert "took over" in outcome["message"]
        worker.finish()
    finally:
        worker.close()
    assert [t[0].data.content for t in turns_of(store.load("s")[1])] == ["from the new holder"]


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
