"""Races between turns, tools, abort, timeouts, delete and stop, each bounded in time
so that a deadlock fails the test instead of hanging it."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, ContextManager, Dict, List, Optional, Sequence, Tuple

import pytest

from copilot_sdk import (
    AbortedError,
    CopilotClient,
    CopilotError,
    MessageOptions,
    ProviderConfig,
    SessionClosedError,
    SessionMetadata,
    SessionNotFoundError,
    TurnTimeoutError,
    define_tool,
)
from copilot_sdk.events import SessionEvent
from copilot_sdk.store import SessionRecord
from copilot_sdk.store.memory import MemoryStore
from copilot_sdk.testing import MockModelServer, MockReply, MockToolCall
from copilot_sdk.tools import SessionHooks

JOIN = 30.0


def _first_user(body: Dict[str, Any]) -> Any:
    return next((m["content"] for m in body["messages"] if m["role"] == "user"), None)


def _openai(server: MockModelServer) -> ProviderConfig:
    return ProviderConfig(type="openai", base_url=server.openai_base_url, api_key="k")


def _run_bounded(fn: Callable[[], Any]) -> Any:
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn).result(JOIN)  # a deadlock fails here


def test_two_tools_of_one_turn_sending_to_another_session_do_not_deadlock(
    make_client: Callable[..., CopilotClient], server: MockModelServer
) -> None:
    server.enqueue(
        MockReply(tool_calls=[MockToolCall(name="ask_b", arguments={"q": "one"}),
                              MockToolCall(name="ask_b", arguments={"q": "two"})]),
        MockReply(content="A done"),
        match=lambda body: _first_user(body) == "start",
    )
    server.enqueue(MockReply(content="b-one", latency=0.5), match=lambda b: _first_user(b) == "one")
    client = make_client(max_workers=1)
    b = client.create_session(model="m", session_id="B")

    @define_tool(description="ask B")
    def ask_b(q: str) -> str:
        if q == "two":
            time.sleep(0.2)  # arrives while "one" runs B's queue inline
        return b.send(q).data.content

    a = client.create_session(model="m", session_id="A", tools=[ask_b])
    assert _run_bounded(lambda: a.send("start")).data.content == "A done"
    assert [e.data.content for e in b.get_messages() if e.type == "user.message"] in (
        ["one", "two"], ["two", "one"],
    )


def test_nested_send_and_wait_honours_its_timeout(
    make_client: Callable[..., CopilotClient], server: MockModelServer
) -> None:
    server.enqueue(
        MockReply(tool_calls=[MockToolCall(name="ask_b", arguments={})]),
        MockReply(content="A done"),
        match=lambda body: _first_user(body) == "start",
    )
    server.enqueue(MockReply(content="late", latency=5), match=lambda b: _first_user(b) == "slow")
    client = make_client(max_workers=1)
    b = client.create_session(model="m")
    outcome: List[str] = []

    @define_tool(description="ask B with a deadline")
    def ask_b() -> str:
        began = time.monotonic()
        try:
            b.send_and_wait("slow", timeout=0.5)
        except TurnTimeoutError:
            outcome.append(f"timeout after {time.monotonic() - began:.1f}s")
        return "asked"

    a = client.create_session(model="m", tools=[ask_b])
    _run_bounded(lambda: a.send("start"))
    assert len(outcome) == 1 and float(outcome[0].split()[-1][:-1]) < 3
    assert b.get_messages() == []


def test_destroy_and_stream_from_another_sessions_tool_do_not_deadlock(
    make_client: Callable[..., CopilotClient], server: MockModelServer
) -> None:
    server.enqueue(
        MockReply(tool_calls=[MockToolCall(name="use_b", arguments={})]),
        MockReply(content="A done"),
        match=lambda body: _first_user(body) == "start",
    )
    client = make_client(max_workers=1)
    b = client.create_session(model="m")

    @define_tool(description="stream from B, then destroy it")
    def use_b() -> str:
        text = "".join(
            e.data.delta_content for e in b.stream("hi") if e.type == "assistant.message_delta"
        )
        b.destroy()
        return text

    a = client.create_session(model="m", tools=[use_b])
    assert _run_bounded(lambda: a.send("start")).data.content == "A done"
    with pytest.raises(SessionClosedError):
        b.send("after destroy")


def test_cancelling_a_streams_future_ends_the_stream(
    make_client: Callable[..., CopilotClient],
) -> None:
    with MockModelServer(latency=0.5) as slow:
        client = make_client(provider=_openai(slow))
        session = client.create_session(model="m")
        session.send_async("first")  # keeps the queue busy
        events = session.stream("second")
        assert events.future.cancel()
        with pytest.raises(AbortedError):
            _run_bounded(lambda: list(events))


def test_abort_racing_future_cancel_leaves_no_future_unresolved(
    make_client: Callable[..., CopilotClient],
) -> None:
    with MockModelServer(latency=0.2) as slow:
        client = make_client(provider=_openai(slow))
        for _ in range(20):
            session = client.create_session(model="m")
            futures = [session.send_async(f"m{i}") for i in range(5)]
            canceller = threading.Thread(target=lambda fs=futures: [f.cancel() for f in fs])
            canceller.start()
            session.abort()  # must not raise, whatever the interleaving
            canceller.join(JOIN)
            for future in futures:
                assert future.cancelled() or isinstance(future.exception(JOIN), AbortedError)


def test_a_turn_that_fails_before_it_starts_still_emits_error_and_idle(
    make_client: Callable[..., CopilotClient],
) -> None:
    store = MemoryStore()
    with MockModelServer() as srv:
        first = make_client(provider=_openai(srv), store=store)
        second = make_client(provider=_openai(srv), store=store)
        session = first.create_session(model="m", session_id="S")
        second.delete_session("S")  # gone from the shared store
        events: List[str] = []
        session.on(lambda e: events.append(e.type))
        with pytest.raises(SessionNotFoundError):
            session.send("hello")
        assert events == ["session.error", "session.idle"]


def test_clients_sharing_a_memory_store_serialise_a_sessions_turns(
    make_client: Callable[..., CopilotClient],
) -> None:
    store = MemoryStore()
    with MockModelServer(latency=0.2) as srv:
        c1 = make_client(provider=_openai(srv), store=store)
        c2 = make_client(provider=_openai(srv), store=store)
        c1.create_session(model="m", session_id="S")
        s1, s2 = c1.resume_session("S"), c2.resume_session("S")
        futures = [s1.send_async("from c1"), s2.send_async("from c2")]
        for future in futures:
            future.result(JOIN)
        s1.send("again c1")
        s2.send("again c2")
        stored = [e.data.content for e in store.load("S")[1] if e.type == "user.message"]
        assert sorted(stored[:2]) == ["from c1", "from c2"] and stored[2:] == ["again c1", "again c2"]
        mine = [e.data.content for e in s2.get_messages() if e.type == "user.message"]
        assert mine == stored
        last = srv.chat_requests[-1].body["messages"]
        assert [m["content"] for m in last if m["role"] == "user"] == stored


def test_stop_timeout_is_one_deadline_for_all_sessions(
    make_client: Callable[..., CopilotClient],
) -> None:
    with MockModelServer(latency=30) as stalled:
        client = make_client(provider=_openai(stalled))
        futures = [client.create_session(model="m").send_async("stuck") for _ in range(4)]
        assert stalled.wait_for_requests(4, timeout=JOIN)
        began = time.monotonic()
        client.stop(timeout=1.0)
        assert time.monotonic() - began < 3.0  # not 4 x 1 s
        for future in futures:
            with pytest.raises(AbortedError):
                future.result(JOIN)


def test_sends_racing_stop_all_resolve(make_client: Callable[..., CopilotClient]) -> None:
    with MockModelServer() as srv:
        client = make_client(provider=_openai(srv))
        session = client.create_session(model="m")
        futures: List[Any] = []
        stop = threading.Event()

        def sender() -> None:
            for _ in range(300):  # bounded: stop() waits for what was queued
                if stop.is_set():
                    return
                try:
                    futures.append(session.send_async("x"))
                except SessionClosedError:
                    return
                time.sleep(0.0005)

        thread = threading.Thread(target=sender)
        thread.start()
        time.sleep(0.1)
        client.stop()
        stop.set()
        thread.join(JOIN)
        for future in futures:
            try:
                future.result(JOIN)
            except AbortedError:
                pass


def test_sends_racing_destroy_never_run_after_it_returned(
    make_client: Callable[..., CopilotClient], server: MockModelServer, tmp_path: Any
) -> None:
    # A directory attachment is listed between the "is it closed?" check and the
    # queueing: a window wide enough for destroy() to pass through, if the queue let it.
    folder = tmp_path / "folder"
    folder.mkdir()
    for i in range(1500):
        (folder / f"f{i}").touch()
    attachment = {"type": "directory", "path": str(folder)}
    client = make_client()
    late: List[str] = []
    for trial in range(10):
        session = client.create_session(model="gpt-5")
        prompt = f"trial {trial}"
        outcomes: List[Any] = []
        go = threading.Event()

        def sender(
            prompt: str = prompt, session: Any = session, outcomes: List[Any] = outcomes,
            go: threading.Event = go,
        ) -> None:
            go.wait(JOIN)
            try:
                outcomes.append(session.send_async(MessageOptions(prompt=prompt, attachments=[attachment])))
            except SessionClosedError:
                pass

        threads = [threading.Thread(target=sender) for _ in range(3)]
        for thread in threads:
            thread.start()
        go.set()
        time.sleep(0.001 * (trial % 3))
        session.destroy()
        destroyed_at = time.monotonic()
        for thread in threads:
            thread.join(JOIN)
        for future in outcomes:
            try:
                future.result(JOIN)
            except (SessionClosedError, AbortedError):
                pass
        late += [prompt for r in server.chat_requests
                 if r.received_at > destroyed_at and prompt in str(_first_user(r.body))]
    assert late == []  # no model call for a session after its destroy() returned


def test_a_done_callback_may_send_on_the_same_session(
    make_client: Callable[..., CopilotClient], server: MockModelServer
) -> None:
    session = make_client().create_session(model="gpt-5")
    server.enqueue(MockReply(content="first", latency=0.3))
    replies: List[str] = []
    done = threading.Event()

    def again(future: Any) -> None:
        replies.append(future.result().data.content)
        replies.append(session.send("second").data.content)
        done.set()

    session.send_async("first").add_done_callback(again)
    assert done.wait(JOIN), "the done-callback's send never returned"
    assert replies[0] == "first" and "second" in replies[1]
    prompts = [e.data.content for e in session.get_messages() if e.type == "user.message"]
    assert prompts == ["first", "second"]


def test_start_while_stopping_is_refused(
    make_client: Callable[..., CopilotClient], server: MockModelServer
) -> None:
    client = make_client()
    session = client.create_session(model="gpt-5")
    server.enqueue(MockReply(content="slow", latency=1.0))
    future = session.send_async("hello")
    assert server.wait_for_requests(1, timeout=JOIN)
    stopper = threading.Thread(target=client.stop)
    stopper.start()
    while "stopping" not in repr(client) and stopper.is_alive():
        time.sleep(0.005)
    with pytest.raises(CopilotError, match="stopping"):
        client.start()
    stopper.join(JOIN)
    assert future.result(JOIN).data.content == "slow"
    assert "stopped" in repr(client)


class _CreateWaitsForResume:
    """A third-party SessionStore (a MemoryStore inside): its ``create`` stores the
    session, then waits until ``resumed`` is set, so a ``resume_session`` of the id
    runs to its end while ``create_session`` is between the store and the registry."""

    def __init__(self) -> None:
        self.inner = MemoryStore()
        self.created, self.resumed = threading.Event(), threading.Event()
        self.waited_out = False

    def create(self, record: SessionRecord) -> None:
        self.inner.create(record)
        self.created.set()
        self.waited_out = not self.resumed.wait(JOIN)

    def load(self, session_id: str) -> Tuple[SessionRecord, List[SessionEvent]]:
        return self.inner.load(session_id)

    def events_since(self, session_id: str, start: int) -> List[SessionEvent]:
        return self.inner.events_since(session_id, start)

    def append(self, session_id: str, events: Sequence[SessionEvent]) -> int:
        return self.inner.append(session_id, events)

    def list(self) -> List[SessionMetadata]:
        return self.inner.list()

    def delete(self, session_id: str) -> bool:
        return self.inner.delete(session_id)

    def exists(self, session_id: str) -> bool:
        return self.inner.exists(session_id)

    def last_session_id(self) -> Optional[str]:
        return self.inner.last_session_id()

    def turn_lock(
        self, session_id: str, wait: Optional[Callable[[float], bool]] = None
    ) -> ContextManager[None]:
        return self.inner.turn_lock(session_id, wait)

    def close(self) -> None:
        self.inner.close()


def test_create_and_resume_of_one_id_give_one_session(
    make_client: Callable[..., CopilotClient]
) -> None:
    """create_session has stored the session but not yet registered it when a
    resume_session of the id loads it, opens it and returns: both get one Session."""
    store = _CreateWaitsForResume()
    client = make_client(store=store)
    resumed: List[Any] = []

    def resume() -> None:
        try:
            assert store.created.wait(JOIN)
            resumed.append(client.resume_session("contested"))
        finally:
            store.resumed.set()

    thread = threading.Thread(target=resume)
    thread.start()
    created = client.create_session(model="gpt-5", session_id="contested")
    thread.join(JOIN)
    assert not thread.is_alive() and not store.waited_out
    assert len(resumed) == 1 and resumed[0] is created
    assert client.resume_session("contested") is created


def _slow_hook(release: threading.Event) -> SessionHooks:
    """A prompt hook that blocks (user code: nothing can interrupt it) until released."""
    def hook(data: Dict[str, Any]) -> None:
        release.wait(12)
    return SessionHooks(on_user_prompt_submitted=hook)


def test_send_and_wait_timeout_holds_while_user_code_blocks_the_turn(
    make_client: Callable[..., CopilotClient], server: MockModelServer
) -> None:
    release = threading.Event()
    session = make_client().create_session(model="gpt-5", hooks=_slow_hook(release))
    began = time.monotonic()
    try:
        with pytest.raises(TurnTimeoutError):
            session.send_and_wait("go", timeout=0.5)
        assert time.monotonic() - began < 6  # the hook blocks for 12 s
    finally:
        release.set()
    assert server.chat_requests == [] and session.get_messages() == []


def test_stop_timeout_holds_while_user_code_blocks_a_turn(
    make_client: Callable[..., CopilotClient], server: MockModelServer
) -> None:
    release = threading.Event()
    client = make_client()
    session = client.create_session(model="gpt-5", hooks=_slow_hook(release))
    future = session.send_async("go")
    time.sleep(0.3)  # the hook is running
    began = time.monotonic()
    try:
        client.stop(timeout=0.5)
        assert time.monotonic() - began < 6  # the hook blocks for 12 s
    finally:
        release.set()
    with pytest.raises((AbortedError, SessionClosedError)):
        future.result(JOIN)
    assert session.get_messages() == []
