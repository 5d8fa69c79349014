"""Sessions end to end over real HTTP: isolation, ordering, parallelism, atomic
turns, lifecycle and bad input."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future
from typing import Any, Callable, Dict, List

import pytest

from copilot_sdk import (
    AbortedError,
    ConfigurationError,
    CopilotClient,
    CopilotError,
    MessageOptions,
    SessionClosedError,
    SessionConfig,
    SessionExistsError,
    SessionNotFoundError,
)
from copilot_sdk.testing import MockFault, MockModelServer

from ._spec import validate_request

JOIN = 30.0  # seconds: a deadlock fails here, a slow machine does not


def user_contents(body: Dict[str, Any]) -> List[str]:
    return [m["content"] for m in body["messages"] if m["role"] == "user"]


def roles(body: Dict[str, Any]) -> List[str]:
    return [m["role"] for m in body["messages"]]


def test_send_returns_assistant_message_and_commits_turn(
    client: CopilotClient, server: MockModelServer
) -> None:
    session = client.create_session(model="gpt-5", session_id="user-123-chat")
    assert session.session_id == "user-123-chat"
    reply = session.send("How do I create a virtual environment?")
    assert reply.type == "assistant.message"
    assert reply.data.content.startswith("echo: model=gpt-5; messages=1;")
    assert "How do I create a virtual environment?" in reply.data.content
    reply2 = session.send(MessageOptions(prompt="And activate it?"))
    assert "messages=3" in reply2.data.content
    body = server.chat_requests[-1].body
    assert roles(body) == ["user", "assistant", "user"]
    assert body["messages"][1]["content"] == reply.data.content
    types = [e.type for e in session.get_messages()]
    assert types.count("user.message") == 2 and types.count("assistant.message") == 2
    for request in server.chat_requests:
        validate_request(request.body)


def test_sessions_are_isolated(client: CopilotClient, server: MockModelServer) -> None:
    sessions = {
        name: client.create_session(model="gpt-5", system_message=f"You are {name}.")
        for name in ("alpha", "beta", "gamma")
    }
    futures = []
    for round_ in range(3):
        for name, session in sessions.items():
            futures.append(session.send_async(f"{name} turn {round_}"))
    for future in futures:
        future.result(JOIN)
    assert len(server.chat_requests) == 9
    for request in server.chat_requests:
        body = request.body
        system = [m["content"] for m in body["messages"] if m["role"] == "system"]
        assert len(system) == 1
        name = system[0].split()[2].rstrip(".")
        # Only this session's own prompts, in its own order.
        prompts = user_contents(body)
        assert prompts == [f"{name} turn {i}" for i in range(len(prompts))]
        for message in body["messages"]:
            if message["role"] == "assistant":
                assert f"'{name} turn " in message["content"]


def test_ordering_of_100_async_sends_from_10_threads(
    client: CopilotClient, server: MockModelServer
) -> None:
    session = client.create_session(model="gpt-5")
    futures: Dict[str, Future[Any]] = {}
    lock = threading.Lock()
    start = threading.Barrier(10)

    def submit(thread: int) -> None:
        start.wait(JOIN)
        for k in range(10):
            prompt = f"t{thread}-{k}"
            future = session.send_async(prompt)
            with lock:
                futures[prompt] = future

    threads = [threading.Thread(target=submit, args=(t,)) for t in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(JOIN)
        assert not t.is_alive()
    for future in futures.values():
        future.result(JOIN)
    arrived = [user_contents(r.body)[-1] for r in server.chat_requests]
    assert sorted(arrived) == sorted(futures)
    for thread in range(10):
        mine = [p for p in arrived if p.startswith(f"t{thread}-")]
        assert mine == [f"t{thread}-{k}" for k in range(10)]
    # Each request carried the whole history so far: 1, 3, 5, ... messages.
    assert [len(r.body["messages"]) for r in server.chat_requests] == [
        2 * i + 1 for i in range(100)
    ]
    log = [e.type for e in session.get_messages() if e.type in ("user.message", "assistant.message")]
    assert log == ["user.message", "assistant.message"] * 100


def test_sessions_run_in_parallel(make_client: Callable[..., CopilotClient]) -> None:
    with MockModelServer(latency=0.3) as slow:
        client = make_client(provider=_openai(slow), max_workers=16)
        sessions = [client.create_session(model="gpt-5") for _ in range(8)]
        futures = [s.send_async("hello") for s in sessions]
        for future in futures:
            future.result(JOIN)
        assert slow.max_in_flight == 8


def test_busy_session_does_not_block_others(make_client: Callable[..., CopilotClient]) -> None:
    with MockModelServer(latency=0.05) as slow:
        client = make_client(provider=_openai(slow), max_workers=2)
        busy = client.create_session(model="gpt-5")
        other = client.create_session(model="gpt-5")
        queued = [busy.send_async(f"busy {i}") for i in range(50)]
        reply = other.send_async("quick").result(JOIN)
        finished = sum(f.done() for f in queued)
        assert "quick" in reply.data.content
        # The other session got a pool thread long before the busy one drained.
        assert finished < 25, finished
        for future in queued:
            future.result(JOIN)


def test_failed_turn_leaves_history_unchanged(
    client: CopilotClient, server: MockModelServer
) -> None:
    from copilot_sdk import BadRequestError

    session = client.create_session(model="gpt-5")
    session.send("first")
    before = session.get_messages()
    server.enqueue(MockFault(status=400, message="bad things"))
    with pytest.raises(BadRequestError) as info:
        session.send("this one fails")
    assert info.value.status_code == 400
    assert "bad things" in str(info.value)
    assert session.get_messages() == before
    session.send("second")
    assert user_contents(server.chat_requests[-1].body) == ["first", "second"]


def test_exhausted_retries_leave_history_unchanged(
    make_client: Callable[..., CopilotClient], server: MockModelServer
) -> None:
    from copilot_sdk import InternalServerError

    client = make_client(max_retries=2)
    session = client.create_session(model="gpt-5")
    session.send("first")
    before = session.get_messages()
    server.enqueue(*[MockFault(status=503) for _ in range(3)])
    n = len(server.chat_requests)
    with pytest.raises(InternalServerError) as info:
        session.send("fails three times")
    assert len(server.chat_requests) == n + 3
    assert "after 3 attempts" in str(info.value)
    assert session.get_messages() == before
    session.send("second")
    assert user_contents(server.chat_requests[-1].body) == ["first", "second"]


def test_429_with_retry_after_then_success_commits_one_turn(
    client: CopilotClient, server: MockModelServer
) -> None:
    session = client.create_session(model="gpt-5")
    events: List[str] = []
    session.on(lambda e: events.append(e.type))
    server.enqueue(MockFault(status=429, headers={"Retry-After": "0.2"}))
    began = time.monotonic()
    reply = session.send("hello")
    assert time.monotonic() - began >= 0.2  # Retry-After honoured
    assert len(server.chat_requests) == 2
    assert server.chat_requests[0].body == server.chat_requests[1].body
    assert "hello" in reply.data.content
    log = session.get_messages()
    assert [e.type for e in log].count("user.message") == 1
    assert [e.type for e in log].count("assistant.message") == 1
    assert "assistant.turn_retry" in events


def test_dropped_connection_is_retried(client: CopilotClient, server: MockModelServer) -> None:
    session = client.create_session(model="gpt-5")
    server.enqueue(MockFault(drop=True))
    reply = session.send("hello")
    assert "hello" in reply.data.content
    assert len(server.chat_requests) == 2


def test_a_prompt_with_a_lone_surrogate_is_refused_before_anything_is_sent(
    client: CopilotClient, server: MockModelServer
) -> None:
    session = client.create_session(model="gpt-5")
    for send in (session.send, session.send_async, session.stream):
        with pytest.raises(ValueError, match="prompt contains a lone surrogate"):
            send("caf\udce9")
    with pytest.raises(ValueError, match="prompt contains a lone surrogate"):
        MessageOptions(prompt="\ud800")
    assert server.chat_requests == [] and session.get_messages() == []
    assert "hello" in session.send("hello").data.content


def test_bad_input_is_refused_clearly(client: CopilotClient) -> None:
    session = client.create_session(model="gpt-5", session_id="taken")
    with pytest.raises(ValueError, match="prompt must not be empty"):
        session.send("")
    with pytest.raises(ValueError, match="prompt must not be empty"):
        session.send_async("   ")
    with pytest.raises(TypeError, match="prompt must be a str"):
        session.send(42)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="session_id"):
        client.create_session(model="gpt-5", session_id="has space")
    with pytest.raises(ValueError, match="session_id"):
        client.create_session(model="gpt-5", session_id="x" * 129)
    with pytest.raises(SessionExistsError):
        client.create_session(model="gpt-5", session_id="taken")
    with pytest.raises(TypeError, match="modle"):
        client.create_session(modle="gpt-5")
    with pytest.raises(TypeError, match="not both"):
        client.create_session(SessionConfig(model="gpt-5"), model="gpt-4")
    with pytest.raises(SessionNotFoundError):
        client.resume_session("never-created")
    with pytest.raises(SessionNotFoundError):
        client.delete_session("never-created")
    with pytest.raises(ValueError, match="timeout"):
        session.send_and_wait("hi", timeout=-1)
    with pytest.raises(ValueError, match="temperature"):
        SessionConfig(temperature=5)
    with pytest.raises(ValueError, match="max_workers"):
        CopilotClient(max_workers=0)


def test_send_after_destroy_raises(client: CopilotClient) -> None:
    session = client.create_session(model="gpt-5")
    session.send("hello")
    session.destroy()
    with pytest.raises(SessionClosedError):
        session.send("again")
    with pytest.raises(SessionClosedError):
        session.send_async("again")
    session.destroy()  # idempotent


def test_destroy_lets_submitted_turns_finish_and_session_stays_resumable(
    make_client: Callable[..., CopilotClient],
) -> None:
    with MockModelServer(latency=0.1) as slow:
        client = make_client(provider=_openai(slow))
        session = client.create_session(model="gpt-5", session_id="keep")
        futures = [session.send_async(f"m{i}") for i in range(3)]
        session.destroy()
        assert all(f.done() and f.exception() is None for f in futures)
        resumed = client.resume_session("keep")
        assert resumed is not session
        assert len(resumed.get_messages()) == len(session.get_messages())
        reply = resumed.send("after resume")
        assert "messages=7" in reply.data.content


def test_list_resume_delete_and_last_session(client: CopilotClient) -> None:
    a = client.create_session(model="gpt-5", session_id="a")
    b = client.create_session(model="claude-sonnet-4.5", session_id="b")
    a.send("about python")
    b.send("about rust " + "x" * 200)
    listed = client.list_sessions()
    assert [m.session_id for m in listed] == ["b", "a"]
    assert listed[1].summary == "about python" and listed[1].model == "gpt-5"
    assert len(listed[0].summary or "") <= 101
    assert client.get_last_session_id() == "b"
    assert client.resume_session("a") is a  # already open: returned as is
    client.delete_session("a")
    with pytest.raises(SessionClosedError):
        a.send("gone")
    assert [m.session_id for m in client.list_sessions()] == ["b"]
    with pytest.raises(SessionNotFoundError):
        client.resume_session("a")


def test_stop_waits_for_in_flight_turns(make_client: Callable[..., CopilotClient]) -> None:
    with MockModelServer(latency=0.2) as slow:
        client = make_client(provider=_openai(slow))
        sessions = [client.create_session(model="gpt-5") for _ in range(2)]
        futures = [s.send_async(f"m{i}") for s in sessions for i in range(2)]
        client.stop()
        assert all(f.done() and f.exception() is None for f in futures)
        with pytest.raises(SessionClosedError):
            sessions[0].send("after stop")
        with pytest.raises(CopilotError, match="stopped"):
            client.start()


def test_stop_force_aborts_in_flight_turns(make_client: Callable[..., CopilotClient]) -> None:
    with MockModelServer(latency=30.0) as stalled:
        client = make_client(provider=_openai(stalled))
        session = client.create_session(model="gpt-5")
        futures = [session.send_async(f"m{i}") for i in range(3)]
        assert stalled.wait_for_requests(1, timeout=JOIN)
        began = time.monotonic()
        client.stop(force=True)
        for future in futures:
            with pytest.raises(AbortedError):
                future.result(JOIN)
        assert time.monotonic() - began < 10
        assert session.get_messages() == []


def test_default_provider_without_credentials_says_what_to_set() -> None:
    client = CopilotClient(store=":memory:")
    with pytest.raises(ConfigurationError) as info:
        client.start()
    message = str(info.value)
    assert "COPILOT_GITHUB_TOKEN" in message and "github_token" in message
    assert "ProviderConfig" in message


def test_connections_are_reused(client: CopilotClient, server: MockModelServer) -> None:
    session = client.create_session(model="gpt-5")
    for i in range(20):
        session.send(f"m{i}")
    assert server.connections_accepted == 1


def test_full_concurrency_opens_no_extra_connections(
    make_client: Callable[..., CopilotClient], caplog: pytest.LogCaptureFixture
) -> None:
    with MockModelServer(latency=0.05) as srv:
        client = make_client(provider=_openai(srv), max_workers=16)
        sessions = [client.create_session(model="gpt-5") for _ in range(16)]
        for round_ in range(3):
            for future in [s.send_async(f"r{round_}") for s in sessions]:
                future.result(JOIN)
        assert srv.connections_accepted <= 16
        assert "Connection pool is full" not in caplog.text


def _openai(server: MockModelServer) -> Any:
    from copilot_sdk import ProviderConfig

    return ProviderConfig(type="openai", base_url=server.openai_base_url, api_key="test-key")


def test_garbage_collected_running_client_warns(server: MockModelServer) -> None:
    import gc

    client = CopilotClient(provider=_openai(server), store=":memory:").start()
    with pytest.warns(ResourceWarning, match="stop"):
        del client
        gc.collect()


def test_future_cancel_before_start_removes_the_turn(
    make_client: Callable[..., CopilotClient],
) -> None:
    with MockModelServer(latency=0.3) as slow:
        client = make_client(provider=_openai(slow))
        session = client.create_session(model="gpt-5")
        first = session.send_async("first")
        second = session.send_async("second")
        assert second.cancel()
        third = session.send_async("third")
        first.result(JOIN)
        third.result(JOIN)
        assert [r.body["messages"][-1]["content"] for r in slow.chat_requests] == ["first", "third"]


def test_stop_from_inside_a_turn_is_refused(client: CopilotClient) -> None:
    session = client.create_session(model="gpt-5")
    errors: List[BaseException] = []

    def handler(event: Any) -> None:
        try:
            client.stop()
        except CopilotError as exc:
            errors.append(exc)

    session.on("assistant.message", handler)
    session.send("hello")
    assert len(errors) == 1 and "wait for itself" in str(errors[0])
    assert "again" in session.send("again").data.content  # the client still works
