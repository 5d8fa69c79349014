"""A blocking send on an idle session runs its turn on the calling thread: ordering,
abort, lifecycle and the bound on such callers are those of the pool path."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, List

import pytest

from copilot_sdk import AbortedError, CopilotClient, ProviderConfig, SessionEvent
from copilot_sdk.testing import MockModelServer

JOIN = 30.0


def _provider(server: MockModelServer) -> ProviderConfig:
    return ProviderConfig(type="openai", base_url=server.openai_base_url, api_key="test-key")


def _threads_of(session: Any) -> List[str]:
    names: List[str] = []
    session.on(lambda event: names.append(threading.current_thread().name))
    return names


def test_a_blocking_send_on_an_idle_session_runs_on_the_calling_thread(client: CopilotClient) -> None:
    session = client.create_session(model="gpt-5")
    names = _threads_of(session)
    outcome: Dict[str, Any] = {}

    def caller() -> None:
        outcome["reply"] = session.send("hello")

    thread = threading.Thread(target=caller, name="the-caller")
    thread.start()
    thread.join(JOIN)
    assert "hello" in outcome["reply"].data.content
    assert names and set(names) == {"the-caller"}
    assert session.send("again").data.content  # the main thread too
    assert set(names[-1:]) == {threading.current_thread().name}
    assert [e.type for e in session.get_messages()].count("user.message") == 2


def test_a_send_behind_queued_turns_waits_its_turn_on_the_pool(
    make_client: Callable[..., CopilotClient]
) -> None:
    with MockModelServer(latency=0.2) as slow:
        client = make_client(provider=_provider(slow))
        session = client.create_session(model="gpt-5")
        names = _threads_of(session)
        first = [session.send_async(f"queued {i}") for i in range(3)]
        reply = session.send("last")
        assert all(f.done() for f in first)
        assert "last" in reply.data.content
        prompts = [e.data.content for e in session.get_messages() if e.type == "user.message"]
        assert prompts == ["queued 0", "queued 1", "queued 2", "last"]
        assert threading.current_thread().name not in names  # every turn ran on the pool


def test_turns_submitted_during_a_send_on_its_caller_run_after_it(
    make_client: Callable[..., CopilotClient]
) -> None:
    with MockModelServer(latency=0.2) as slow:
        client = make_client(provider=_provider(slow))
        session = client.create_session(model="gpt-5")
        later: List[Any] = []

        def submit_later(event: SessionEvent) -> None:
            if event.type == "assistant.turn_start" and not later:
                later.extend(session.send_async(f"later {i}") for i in range(2))

        session.on(submit_later)
        session.send("first")
        for future in later:
            future.result(JOIN)
        prompts = [e.data.content for e in session.get_messages() if e.type == "user.message"]
        assert prompts == ["first", "later 0", "later 1"]


def test_abort_stops_a_send_running_on_its_caller(make_client: Callable[..., CopilotClient]) -> None:
    with MockModelServer(latency=60) as stalled:
        client = make_client(provider=_provider(stalled))
        session = client.create_session(model="gpt-5")
        events: List[str] = []
        session.on(lambda e: events.append(e.type))
        outcome: Dict[str, Any] = {}

        def caller() -> None:
            try:
                session.send("stall")
            except AbortedError as exc:
                outcome["error"] = exc

        thread = threading.Thread(target=caller)
        thread.start()
        assert stalled.wait_for_requests(1, timeout=JOIN)
        session.abort()
        thread.join(JOIN)
        assert not thread.is_alive()
        assert isinstance(outcome.get("error"), AbortedError)
        assert events[-2:] == ["abort", "session.idle"]
        assert session.get_messages() == []


def test_destroy_waits_for_a_send_running_on_its_caller(make_client: Callable[..., CopilotClient]) -> None:
    with MockModelServer(latency=0.3) as slow:
        client = make_client(provider=_provider(slow))
        session = client.create_session(model="gpt-5")
        with ThreadPoolExecutor(1) as pool:
            reply = pool.submit(session.send, "finish me")
            assert slow.wait_for_requests(1, timeout=JOIN)
            session.destroy()
            # destroy returned only once the turn was over: it is committed
            assert [e.type for e in session.get_messages()].count("assistant.message") == 1
            assert "finish me" in reply.result(JOIN).data.content


def test_at_most_max_workers_callers_run_turns_on_their_own_threads(
    make_client: Callable[..., CopilotClient]
) -> None:
    with MockModelServer(latency=0.3) as slow:
        client = make_client(provider=_provider(slow), max_workers=2)
        sessions = [client.create_session(model="gpt-5") for _ in range(6)]
        names = [_threads_of(s) for s in sessions]
        barrier = threading.Barrier(6, timeout=JOIN)

        def caller(i: int) -> str:
            barrier.wait()
            return sessions[i].send(f"prompt {i}").data.content

        with ThreadPoolExecutor(6, thread_name_prefix="caller") as pool:
            replies = list(pool.map(caller, range(6), timeout=JOIN))
        assert all(f"prompt {i}" in reply for i, reply in enumerate(replies))
        on_callers = sum(1 for n in names if n and n[0].startswith("caller"))
        assert 1 <= on_callers <= 6
        assert all(n[0].startswith(("caller", "copilot_sdk")) for n in names)
        assert slow.max_in_flight <= 4  # two on callers' threads at most, two on the pool


@pytest.mark.parametrize("timeout", [None, 30.0])
def test_send_and_wait_commits_like_send(client: CopilotClient, timeout: Any) -> None:
    session = client.create_session(model="gpt-5")
    assert "hi" in session.send_and_wait("hi", timeout=timeout).data.content
    assert [e.type for e in session.get_messages()][:1] == ["user.message"]
