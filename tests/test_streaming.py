"""Events, streaming, abort and timeouts over real HTTP."""

from __future__ import annotations

import gc
import logging
import threading
import time
from typing import Any, Callable, List

import pytest

from copilot_sdk import (
    AbortedError,
    APIConnectionError,
    APITimeoutError,
    BadRequestError,
    CopilotClient,
    CopilotError,
    ProviderConfig,
    SessionEvent,
    TurnTimeoutError,
)
from copilot_sdk.testing import MockFault, MockModelServer, MockReply

from ._spec import validate_request

JOIN = 30.0
ANSWER = "The quick brown fox jumps over the lazy dog, twice over."

PLAIN_ORDER = [
    "user.message",
    "assistant.turn_start",
    "assistant.message",
    "assistant.usage",
    "assistant.turn_end",
    "session.idle",
]


def collect(session: Any) -> List[SessionEvent]:
    events: List[SessionEvent] = []
    session.on(events.append)
    return events


def without_deltas(events: List[SessionEvent]) -> List[str]:
    return [e.type for e in events if e.type != "assistant.message_delta"]


def test_event_order_of_a_plain_turn(client: CopilotClient, server: MockModelServer) -> None:
    session = client.create_session(model="gpt-5")
    events = collect(session)
    server.enqueue(MockReply(content=ANSWER, prompt_tokens=11, completion_tokens=7))
    reply = session.send("hello")
    assert [e.type for e in events] == PLAIN_ORDER
    assert reply is events[2]
    usage = events[3].data
    assert (usage.input_tokens, usage.output_tokens, usage.model) == (11, 7, "gpt-5")
    assert usage.duration >= 0
    assert events[-1].data.aborted is False
    assert "stream" not in server.chat_requests[0].body
    # the committed log: everything but the live-only session.idle
    assert [e.type for e in session.get_messages()] == PLAIN_ORDER[:-1]


def test_streaming_session_emits_deltas_that_concatenate(
    client: CopilotClient, server: MockModelServer
) -> None:
    session = client.create_session(model="gpt-5", streaming=True)
    events = collect(session)
    server.enqueue(MockReply(content=ANSWER, chunk_size=5))
    reply = session.send("hello")
    deltas = [e for e in events if e.type == "assistant.message_delta"]
    assert len(deltas) == -(-len(ANSWER) // 5)
    assert "".join(d.data.delta_content for d in deltas) == reply.data.content == ANSWER
    assert {d.data.message_id for d in deltas} == {reply.data.message_id}
    assert without_deltas(events) == PLAIN_ORDER
    types = [e.type for e in events]
    assert types.index("assistant.turn_start") < types.index("assistant.message_delta")
    body = server.chat_requests[0].body
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    validate_request(body)
    usage = [e for e in events if e.type == "assistant.usage"][0].data
    assert usage.output_tokens is not None
    assert not any(e.type == "assistant.message_delta" for e in session.get_messages())


def test_stream_yields_events_and_ends_after_idle(
    client: CopilotClient, server: MockModelServer
) -> None:
    session = client.create_session(model="gpt-5")  # streaming=False: stream() still streams
    server.enqueue(MockReply(content=ANSWER, chunk_size=8))
    seen = list(session.stream("hello"))
    assert seen[-1].type == "session.idle"
    assert without_deltas(seen) == PLAIN_ORDER
    text = "".join(e.data.delta_content for e in seen if e.type == "assistant.message_delta")
    assert text == ANSWER
    # non-streamed sends on the same session have no deltas
    events = collect(session)
    session.send("again")
    assert [e.type for e in events] == PLAIN_ORDER


def test_stream_is_queued_when_called(client: CopilotClient, server: MockModelServer) -> None:
    session = client.create_session(model="gpt-5")
    iterator = session.stream("queued at once")
    assert server.wait_for_requests(1, timeout=JOIN)
    assert [e.type for e in iterator][-1] == "session.idle"


def test_failed_turn_events_and_stream_raises(
    client: CopilotClient, server: MockModelServer
) -> None:
    session = client.create_session(model="gpt-5")
    events = collect(session)
    server.enqueue(MockFault(status=400, message="no"))
    seen: List[str] = []
    with pytest.raises(BadRequestError):
        for event in session.stream("hello"):
            seen.append(event.type)
    assert seen == ["user.message", "assistant.turn_start", "session.error", "session.idle"]
    assert [e.type for e in events] == seen
    error = events[2].data
    assert error.error_type == "BadRequestError" and error.status_code == 400
    assert session.get_messages() == []


def test_retry_emits_turn_retry(client: CopilotClient, server: MockModelServer) -> None:
    session = client.create_session(model="gpt-5")
    events = collect(session)
    server.enqueue(MockFault(status=500))
    session.send("hello")
    types = [e.type for e in events]
    assert types == PLAIN_ORDER[:2] + ["assistant.turn_retry"] + PLAIN_ORDER[2:]
    retry = events[2].data
    assert retry.attempt == 1 and retry.status_code == 500 and retry.delay >= 0


def test_abort_while_waiting_for_first_byte(make_client: Callable[..., CopilotClient]) -> None:
    with MockModelServer(latency=60) as stalled:
        client = make_client(provider=_openai(stalled))
        session = client.create_session(model="gpt-5")
        events = collect(session)
        running = session.send_async("slow")
        queued = [session.send_async(f"queued {i}") for i in range(3)]
        assert stalled.wait_for_requests(1, timeout=JOIN)
        began = time.monotonic()
        session.abort()
        with pytest.raises(AbortedError):
            running.result(JOIN)
        latency = time.monotonic() - began
        for future in queued:
            with pytest.raises(AbortedError):
                future.result(JOIN)
        assert latency < 2.0, latency  # the server would stall for a minute
        assert [e.type for e in events] == ["user.message", "assistant.turn_start", "abort", "session.idle"]
        assert events[-1].data.aborted is True
        assert len(stalled.chat_requests) == 1  # aborted: not retried; queued never sent
        assert session.get_messages() == []


def test_abort_in_the_middle_of_a_stream(make_client: Callable[..., CopilotClient]) -> None:
    with MockModelServer() as srv:
        client = make_client(provider=_openai(srv))
        session = client.create_session(model="gpt-5", streaming=True)
        srv.enqueue(MockReply(content=ANSWER * 10, chunk_size=4, stall_after=3))
        got_delta = threading.Event()
        session.on("assistant.message_delta", lambda e: got_delta.set())
        future = session.send_async("stream then stall")
        assert got_delta.wait(JOIN)
        began = time.monotonic()
        session.abort()
        with pytest.raises(AbortedError):
            future.result(JOIN)
        assert time.monotonic() - began < 2.0
        assert session.get_messages() == []
        reply = session.send("works again")
        assert "works again" in reply.data.content


def test_leaving_stream_early_aborts_the_turn(make_client: Callable[..., CopilotClient]) -> None:
    with MockModelServer() as srv:
        client = make_client(provider=_openai(srv))
        session = client.create_session(model="gpt-5")
        srv.enqueue(MockReply(content=ANSWER * 10, chunk_size=4, stall_after=3))
        events = collect(session)
        for event in session.stream("hello"):
            if event.type == "assistant.message_delta":
                break
        gc.collect()
        deadline = time.monotonic() + JOIN
        while not (events and events[-1].type == "session.idle") and time.monotonic() < deadline:
            time.sleep(0.01)
        assert events[-1].type == "session.idle" and events[-1].data.aborted is True
        assert "abort" in [e.type for e in events]
        assert session.get_messages() == []


def test_stalled_stream_hits_idle_timeout(make_client: Callable[..., CopilotClient]) -> None:
    with MockModelServer() as srv:
        client = make_client(provider=_openai(srv), stream_idle_timeout=0.5)
        session = client.create_session(model="gpt-5", streaming=True)
        srv.enqueue(MockReply(content=ANSWER, chunk_size=4, stall_after=2))
        began = time.monotonic()
        with pytest.raises(APITimeoutError):
            session.send("hello")
        assert time.monotonic() - began < 10
        assert len(srv.chat_requests) == 1  # text reached the caller: never re-sent
        assert session.get_messages() == []


def test_truncated_stream_is_a_typed_error_and_commits_nothing(
    client: CopilotClient, server: MockModelServer
) -> None:
    session = client.create_session(model="gpt-5", streaming=True)
    server.enqueue(MockReply(content=ANSWER, chunk_size=4, truncate_after=4))
    with pytest.raises(APIConnectionError):
        session.send("hello")
    assert len(server.chat_requests) == 1
    assert session.get_messages() == []
    assert "hello" in session.send("hello").data.content


def test_send_and_wait_times_out_and_aborts(make_client: Callable[..., CopilotClient]) -> None:
    with MockModelServer() as srv:
        client = make_client(provider=_openai(srv))
        session = client.create_session(model="gpt-5")
        srv.enqueue(MockReply(content="too late", latency=60))
        began = time.monotonic()
        with pytest.raises(TurnTimeoutError) as info:
            session.send_and_wait("slow", timeout=0.5)
        assert isinstance(info.value, TimeoutError)
        assert 0.45 <= time.monotonic() - began < 5
        # the aborted turn does not go on and commit later; the next turn runs
        assert "next" in session.send("next").data.content
        assert [m["content"] for m in srv.chat_requests[-1].body["messages"]] == ["next"]


def test_send_and_wait_timeout_while_queued_leaves_others(
    make_client: Callable[..., CopilotClient],
) -> None:
    with MockModelServer() as srv:
        client = make_client(provider=_openai(srv))
        session = client.create_session(model="gpt-5")
        srv.enqueue(MockReply(content="first done", latency=1.0))
        first = session.send_async("first")
        with pytest.raises(TurnTimeoutError):
            session.send_and_wait("never sent", timeout=0.2)
        later = session.send_async("later")
        assert first.result(JOIN).data.content == "first done"
        assert "later" in later.result(JOIN).data.content
        sent = [r.body["messages"][-1]["content"] for r in srv.chat_requests]
        assert sent == ["first", "later"]


def test_handler_errors_are_logged_and_do_not_break_the_turn(
    client: CopilotClient, caplog: pytest.LogCaptureFixture
) -> None:
    session = client.create_session(model="gpt-5")
    calls: List[str] = []

    def bad(event: SessionEvent) -> None:
        calls.append("bad")
        raise RuntimeError("handler bug")

    session.on("assistant.message", bad)
    unsubscribe = session.on("assistant.message", lambda e: calls.append("good"))
    with caplog.at_level(logging.ERROR, logger="copilot_sdk"):
        reply = session.send("hello")
    assert "hello" in reply.data.content
    assert calls == ["bad", "good"]
    assert "handler bug" in caplog.text
    unsubscribe()
    session.send("again")
    assert calls == ["bad", "good", "bad"]


def test_send_from_own_handler_is_refused(client: CopilotClient) -> None:
    session = client.create_session(model="gpt-5")
    errors: List[BaseException] = []

    def handler(event: SessionEvent) -> None:
        try:
            session.send("re-entrant")
        except CopilotError as exc:
            errors.append(exc)

    session.on("assistant.message", handler)
    session.send("hello")
    assert len(errors) == 1 and "deadlock" in str(errors[0])


def test_reply_renders_as_markdown(client: CopilotClient, server: MockModelServer) -> None:
    session = client.create_session(model="gpt-5")
    server.enqueue(MockReply(content="# Title\n\n*bold*"))
    reply = session.send("hello")
    assert reply._repr_markdown_() == "# Title\n\n*bold*"


def _openai(server: MockModelServer) -> ProviderConfig:
    return ProviderConfig(type="openai", base_url=server.openai_base_url, api_key="test-key")


def test_display_stream_outside_a_notebook_writes_text(
    client: CopilotClient, server: MockModelServer
) -> None:
    import io

    from copilot_sdk.notebook import display_stream, in_notebook

    assert not in_notebook()
    session = client.create_session(model="gpt-5")
    server.enqueue(MockReply(content=ANSWER, chunk_size=7))
    out = io.StringIO()
    final = display_stream(session, "hello", out=out)
    assert out.getvalue() == ANSWER + "\n"
    assert final.data.content == ANSWER


def test_queued_turns_get_a_clear_cancellation_error(
    make_client: Callable[..., CopilotClient],
) -> None:
    with MockModelServer(latency=60) as stalled:
        client = make_client(provider=_openai(stalled))
        session = client.create_session(model="gpt-5")
        session.send_async("running")
        queued = session.send_async("queued")
        assert stalled.wait_for_requests(1, timeout=JOIN)
        session.abort()
        with pytest.raises(AbortedError, match="cancelled before it started"):
            queued.result(JOIN)


@pytest.mark.parametrize("how", ["send", "stream"])
def test_ctrl_c_while_waiting_aborts_the_turn(
    how: str, make_client: Callable[..., CopilotClient]
) -> None:
    import signal

    with MockModelServer(latency=60) as stalled:
        client = make_client(provider=_openai(stalled))
        session = client.create_session(model="gpt-5")
        events = collect(session)
        main = threading.main_thread().ident
        assert main == threading.get_ident()
        timer = threading.Timer(0.3, signal.pthread_kill, args=(main, signal.SIGINT))
        timer.start()
        try:
            with pytest.raises(KeyboardInterrupt):
                if how == "send":
                    session.send("interrupt me")
                else:
                    for _ in session.stream("interrupt me"):
                        pass
        finally:
            timer.cancel()
        deadline = time.monotonic() + JOIN
        while not (events and events[-1].type == "session.idle") and time.monotonic() < deadline:
            time.sleep(0.01)
        assert [e.type for e in events][-2:] == ["abort", "session.idle"]
        assert session.get_messages() == []


def test_first_chunk_may_take_longer_than_the_idle_timeout(
    make_client: Callable[..., CopilotClient],
) -> None:
    # A model may think for a long time before its first token: that wait is bounded
    # by the read timeout; the idle timeout only counts silences after a chunk.
    with MockModelServer() as srv:
        client = make_client(provider=_openai(srv), stream_idle_timeout=0.3)
        session = client.create_session(model="gpt-5", streaming=True)
        srv.enqueue(MockReply(content=ANSWER, chunk_size=8, latency=1.0))
        assert session.send("think first").data.content == ANSWER
        assert len(srv.chat_requests) == 1
