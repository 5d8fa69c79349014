"""Turn leases across processes, on every store shared by processes: bounded waits,
and an expired lease that nobody took still letting its holder commit. (A killed
holder and a holder paused while another took over are in test_processes, end to end.)"""

from __future__ import annotations

import signal
import time

import pytest

from copilot_sdk import StoreError

from ._backends import Backend
from ._helpers import JOIN, record, turns_of
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
