"""Sessions shared by worker processes through a store, end to end (CopilotClient in
each process, the mock model server over HTTP): exact turn counts and strict
alternation under load, a worker killed mid-turn, and a worker paused past its lease
whose send then fails."""

from __future__ import annotations

import signal
import time
from collections import Counter
from typing import Any, Callable, Dict, Iterator, List

import pytest

from copilot_sdk import CopilotClient, ProviderConfig
from copilot_sdk.store import SessionStore
from copilot_sdk.testing import MockModelServer, MockReply

from ._backends import Backend
from ._helpers import JOIN, turns_of
from ._procs import Worker

TTL = 0.6


@pytest.fixture
def make_client(server: MockModelServer) -> Iterator[Callable[[SessionStore], CopilotClient]]:
    clients: List[CopilotClient] = []

    def make(store: SessionStore) -> CopilotClient:
        client = CopilotClient(
            provider=ProviderConfig(type="openai", base_url=server.openai_base_url, api_key="test-key"),
            store=store,
            retry_initial_delay=0.01,
        ).start()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.stop(force=True)


def _messages(request: Any, role: str) -> List[str]:
    return [m["content"] for m in request.body["messages"] if m["role"] == role]


def test_four_processes_of_five_threads_on_six_sessions(
    shared_backend: Backend, server: MockModelServer, make_client: Callable[[SessionStore], CopilotClient]
) -> None:
    store = shared_backend.make()
    client = make_client(store)
    sids = [f"shared-{k}" for k in range(6)]
    for sid in sids:
        client.create_session(session_id=sid, model="gpt-5", system_message=f"system of {sid}")
    client.stop()
    plans = [
        [[[sids[(p * 5 + j) % 6], f"p{p}-t{j}-n{n}"] for n in range(3)] for j in range(5)]
        for p in range(4)
    ]
    workers = [
        Worker(shared_backend, "turns", {"lease_ttl": 5.0}, url=server.openai_base_url, threads=plan)
        for plan in plans
    ]
    try:
        for worker in workers:
            assert worker.next() == {"ready": True}
        lines = [line for worker in workers for line in worker.finish(timeout=120)]
    finally:
        for worker in workers:
            worker.close()
    assert len(lines) == 60 and all("reply" in line for line in lines), lines
    expected = Counter(step[0] for plan in plans for steps in plan for step in steps)
    requests = server.chat_requests
    for sid in sids:
        turns = turns_of(store.load(sid)[1])
        prompts = [t[0].data.content for t in turns]
        replies = [next(e.data.content for e in t if e.type == "assistant.message") for t in turns]
        assert len(prompts) == expected[sid] == len(set(prompts))
        for p, plan in enumerate(plans):  # each thread's turns in the order it sent them
            for j, steps in enumerate(plan):
                if steps[0][0] == sid:
                    mine = [x for x in prompts if x.startswith(f"p{p}-t{j}-")]
                    assert mine == [f"p{p}-t{j}-n{n}" for n in range(3)]
        # the k-th request of the session carried exactly the k turns before it
        asked = [r for r in requests if _messages(r, "system") == [f"system of {sid}"]]
        assert len(asked) == len(prompts)
        for k, request in enumerate(asked):
            assert _messages(request, "user") == prompts[: k + 1]
            assert _messages(request, "assistant") == replies[:k]


def test_a_worker_killed_mid_turn_leaves_only_whole_turns(
    shared_backend: Backend, server: MockModelServer, make_client: Callable[[SessionStore], CopilotClient]
) -> None:
    store = shared_backend.make(lease_ttl=TTL)
    client = make_client(store)
    session = client.create_session(session_id="s", model="gpt-5")
    server.enqueue(MockReply(content="slow", latency=0.4), MockReply(content="slow", latency=0.4),
                   MockReply(content="slow", latency=0.4), MockReply(content="slow", latency=5.0))
    worker = Worker(shared_backend, "loop", {"lease_ttl": TTL}, url=server.openai_base_url, session="s")
    try:
        assert worker.next() == {"ready": True}
        assert server.wait_for_requests(4, JOIN)  # the fourth turn is waiting for the model
        worker.signal(signal.SIGKILL)
        worker.process.wait(JOIN)
    finally:
        worker.close()
    turns = turns_of(store.load("s")[1])
    assert [t[0].data.content for t in turns] == [f"loop turn {n}" for n in range(3)]
    began = time.monotonic()
    reply = session.send("after the crash")  # waits for the dead lease
    assert time.monotonic() - began < JOIN
    assert "after the crash" in reply.data.content
    assert len(turns_of(store.load("s")[1])) == 4
    client.stop()


def test_a_worker_paused_past_its_lease_fails_its_send_and_stores_nothing(
    shared_backend: Backend, server: MockModelServer, make_client: Callable[[SessionStore], CopilotClient]
) -> None:
    store = shared_backend.make(lease_ttl=TTL)
    client = make_client(store)
    session = client.create_session(session_id="s", model="gpt-5")

    def is_slow(body: Dict[str, Any]) -> bool:
        return body["messages"][-1]["content"] == "slow"

    server.enqueue(MockReply(content="late answer", latency=2.0), match=is_slow)
    worker = Worker(shared_backend, "send", {"lease_ttl": TTL}, url=server.openai_base_url,
                    session="s", prompt="slow")
    try:
        assert worker.next() == {"ready": True}
        assert server.wait_for_requests(1, JOIN)  # its turn holds the lease, waiting for the model
        worker.signal(signal.SIGSTOP)
        reply = session.send("meanwhile")  # takes the lease over once it expires, commits
        assert "meanwhile" in reply.data.content
        worker.signal(signal.SIGCONT)
        outcome = worker.finish()
    finally:
        worker.close()
    assert len(outcome) == 1 and outcome[0]["error"] == "StoreError", outcome
    assert "took over" in outcome[0]["message"] and "not saved" in outcome[0]["message"]
    assert [t[0].data.content for t in turns_of(store.load("s")[1])] == ["meanwhile"]
    client.stop()
