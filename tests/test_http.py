"""The transport against raw sockets: abort and timeouts on every kind of reply."""

from __future__ import annotations

import contextlib
import gzip
import json
import socket
import threading
import time
from pathlib import Path
from typing import Callable, Iterator

import pytest

from copilot_sdk import (
    AbortedError,
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    CopilotClient,
    InternalServerError,
    ProviderConfig,
    Session,
    TurnTimeoutError,
)
from copilot_sdk._transport.response import MAX_BODY_SIZE
from copilot_sdk.testing import MockFault, MockModelServer, MockReply, MockToolCall

from ._rawserver import RawServer

# Two ways for a reply to end with the connection: the server says so, or it is HTTP/1.0.
CLOSING = {
    "connection-close": b"HTTP/1.1 200 OK\r\nConnection: close\r\n",
    "http-1.0": b"HTTP/1.0 200 OK\r\n",
}


def _event(payload: object) -> bytes:
    return f"data: {json.dumps(payload)}\n\n".encode()


DELTA = _event({"id": "c", "choices": [{"index": 0, "delta": {"content": "partial"}, "finish_reason": None}]})
STOP = _event({"id": "c", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})


def _script(status_line: bytes, phase: str) -> bytes:
    """What the server writes before holding the connection open."""
    if phase == "headers":
        return b""
    if phase == "body":
        return status_line + b"Content-Type: application/json\r\nContent-Length: 4000\r\n\r\n{\"id\":"
    assert phase == "stream"
    return status_line + b"Content-Type: text/event-stream\r\n\r\n" + DELTA


@pytest.fixture
def raw() -> Iterator[Callable[..., RawServer]]:
    servers: list[RawServer] = []

    def factory(script: bytes, **kwargs: object) -> RawServer:
        servers.append(RawServer(script, **kwargs))  # type: ignore[arg-type]
        return servers[-1]

    yield factory
    for server in servers:
        server.close()


def _client(make_client: Callable[..., CopilotClient], server: RawServer, **kw: object) -> CopilotClient:
    return make_client(provider=ProviderConfig(type="openai", base_url=server.base_url), max_retries=0, **kw)


def _wait_for_delta(session: object) -> threading.Event:
    seen = threading.Event()
    session.on("assistant.message_delta", lambda event: seen.set())  # type: ignore[attr-defined]
    return seen


@pytest.mark.parametrize("version", sorted(CLOSING))
@pytest.mark.parametrize("phase", ["headers", "body", "stream"])
def test_abort_is_prompt_on_replies_that_close_their_connection(
    version: str, phase: str, raw: Callable[..., RawServer], make_client: Callable[..., CopilotClient]
) -> None:
    server = raw(_script(CLOSING[version], phase))
    session = _client(make_client, server).create_session(model="gpt-5", streaming=phase == "stream")
    delta = _wait_for_delta(session)
    future = session.send_async("hello")
    assert server.reached.wait(10)
    if phase == "stream":
        assert delta.wait(10)
    else:
        time.sleep(0.3)  # the client is now blocked reading
    began = time.monotonic()
    session.abort()
    with pytest.raises(AbortedError):
        future.result(timeout=10)  # the server holds the reply for 15 s
    assert time.monotonic() - began < 5
    assert session.get_messages() == []


@pytest.mark.parametrize("version", sorted(CLOSING))
@pytest.mark.parametrize("phase", ["headers", "body", "stream"])
def test_send_and_wait_timeout_holds_on_replies_that_close_their_connection(
    version: str, phase: str, raw: Callable[..., RawServer], make_client: Callable[..., CopilotClient]
) -> None:
    server = raw(_script(CLOSING[version], phase))
    session = _client(make_client, server).create_session(model="gpt-5", streaming=phase == "stream")
    began = time.monotonic()
    with pytest.raises(TurnTimeoutError):
        session.send_and_wait("hello", timeout=1.0)
    assert time.monotonic() - began < 6
    assert session.get_messages() == []


@pytest.mark.parametrize("version", sorted(CLOSING))
def test_stream_idle_timeout_holds_on_replies_that_close_their_connection(
    version: str, raw: Callable[..., RawServer], make_client: Callable[..., CopilotClient]
) -> None:
    server = raw(_script(CLOSING[version], "stream"))
    session = _client(make_client, server, stream_idle_timeout=0.5).create_session(
        model="gpt-5", streaming=True
    )
    future = session.send_async("hello")
    with pytest.raises(APITimeoutError):
        future.result(timeout=10)
    assert session.get_messages() == []


@pytest.mark.parametrize("version", sorted(CLOSING))
def test_drain_after_the_last_event_is_bounded_on_replies_that_close_their_connection(
    version: str, raw: Callable[..., RawServer], make_client: Callable[..., CopilotClient]
) -> None:
    done = DELTA + STOP + b"data: [DONE]\n\n"
    server = raw(CLOSING[version] + b"Content-Type: text/event-stream\r\n\r\n" + done)
    session = _client(make_client, server, stream_idle_timeout=30).create_session(
        model="gpt-5", streaming=True
    )
    future = session.send_async("hello")
    assert future.result(timeout=10).data.content == "partial"


# The same against MockModelServer's own closing replies: a stream that stalls after
# its first delta (abort, send_and_wait, the idle timeout), and one that completes.
MOCK_CLOSING = {"connection-close": {"close_connection": True}, "http-1.0": {"http_version": "1.0"}}


def _stalled_stream(
    server: MockModelServer, make_client: Callable[..., CopilotClient], version: str, **kw: object
) -> Session:
    """A streaming session whose next reply stalls after its first delta."""
    server.enqueue(MockReply(content="partial answer", chunk_size=7, stall_after=1, **MOCK_CLOSING[version]))
    return make_client(max_retries=0, **kw).create_session(model="gpt-5", streaming=True)


@pytest.mark.parametrize("version", sorted(MOCK_CLOSING))
def test_abort_is_prompt_on_mock_streams_that_close_their_connection(
    version: str, server: MockModelServer, make_client: Callable[..., CopilotClient]
) -> None:
    session = _stalled_stream(server, make_client, version)
    delta = _wait_for_delta(session)
    future = session.send_async("hello")
    assert delta.wait(10)
    began = time.monotonic()
    session.abort()
    with pytest.raises(AbortedError):
        future.result(timeout=10)  # the server holds the stream until the client leaves
    assert time.monotonic() - began < 5
    assert session.get_messages() == []


@pytest.mark.parametrize("version", sorted(MOCK_CLOSING))
def test_send_and_wait_timeout_holds_on_mock_streams_that_close_their_connection(
    version: str, server: MockModelServer, make_client: Callable[..., CopilotClient]
) -> None:
    session = _stalled_stream(server, make_client, version)
    began = time.monotonic()
    with pytest.raises(TurnTimeoutError):
        session.send_and_wait("hello", timeout=1.0)
    assert time.monotonic() - began < 6
    assert session.get_messages() == []


@pytest.mark.parametrize("version", sorted(MOCK_CLOSING))
def test_stream_idle_timeout_holds_on_mock_streams_that_close_their_connection(
    version: str, server: MockModelServer, make_client: Callable[..., CopilotClient]
) -> None:
    session = _stalled_stream(server, make_client, version, stream_idle_timeout=0.5)
    with pytest.raises(APITimeoutError):
        session.send_async("hello").result(timeout=10)
    assert session.get_messages() == []


@pytest.mark.parametrize("version", sorted(MOCK_CLOSING))
@pytest.mark.parametrize("streaming", [False, True])
def test_mock_replies_that_close_their_connection_complete_their_turn(
    version: str, streaming: bool, server: MockModelServer, make_client: Callable[..., CopilotClient]
) -> None:
    server.enqueue(MockReply(content="all of it", chunk_size=3, **MOCK_CLOSING[version]))
    session = make_client(stream_idle_timeout=30).create_session(model="gpt-5", streaming=streaming)
    assert session.send_async("hello").result(timeout=10).data.content == "all of it"
    assert session.send("again").data.content.startswith("echo:")  # a new connection
    assert server.connections_accepted == 2


# --- hostile replies: what any parse of server data does with them --------------

DEEP = "[" * 100_000 + "]" * 100_000


def _openai(server: MockModelServer) -> ProviderConfig:
    return ProviderConfig(type="openai", base_url=server.openai_base_url, api_key="test-key")


def _anthropic(server: MockModelServer) -> ProviderConfig:
    return ProviderConfig(type="anthropic", base_url=server.anthropic_base_url, api_key="test-key")


@pytest.mark.parametrize("streaming", [False, True])
@pytest.mark.parametrize("wire", ["openai", "anthropic"])
def test_deeply_nested_json_in_a_reply_is_a_validation_error(
    wire: str, streaming: bool, make_client: Callable[..., CopilotClient], server: MockModelServer
) -> None:
    provider = _openai(server) if wire == "openai" else _anthropic(server)
    session = make_client(provider=provider).create_session(model="gpt-5", streaming=streaming)
    body = f"data: {DEEP}\n\n" if streaming else DEEP
    server.enqueue(MockFault(status=200, body=body))
    with pytest.raises(APIResponseValidationError, match="nested too deeply"):
        session.send("hello")
    assert len(server.requests) == 1  # not retried
    assert session.get_messages() == []


def test_deeply_nested_json_in_an_error_reply_keeps_its_status_and_is_retried(
    make_client: Callable[..., CopilotClient], server: MockModelServer
) -> None:
    session = make_client(max_retries=2).create_session(model="gpt-5")
    for _ in range(3):
        server.enqueue(MockFault(status=503, body=DEEP))
    with pytest.raises(InternalServerError) as info:
        session.send("hello")
    assert info.value.status_code == 503
    assert len(server.chat_requests) == 3


def test_deeply_nested_json_from_list_models_is_a_validation_error(
    raw: Callable[..., RawServer], make_client: Callable[..., CopilotClient]
) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
    server = raw(head % len(DEEP) + DEEP.encode(), close=True)
    with pytest.raises(APIResponseValidationError, match="nested too deeply"):
        _client(make_client, server).list_models()


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize("streaming", [False, True])
def test_non_finite_numbers_in_tool_arguments_are_a_validation_error(
    constant: str, streaming: bool, make_client: Callable[..., CopilotClient], server: MockModelServer
) -> None:
    session = make_client().create_session(model="gpt-5", streaming=streaming)
    server.enqueue(MockReply(tool_calls=[MockToolCall(name="lookup", arguments=f'{{"x": {constant}}}')]))
    with pytest.raises(APIResponseValidationError, match=constant.lstrip("-")):
        session.send("hello")
    assert len(server.chat_requests) == 1
    assert session.get_messages() == []


@pytest.mark.parametrize("streaming", [False, True])
def test_non_finite_numbers_in_anthropic_tool_input_are_a_validation_error(
    streaming: bool, make_client: Callable[..., CopilotClient], server: MockModelServer
) -> None:
    session = make_client(provider=_anthropic(server)).create_session(model="claude", streaming=streaming)
    server.enqueue(MockReply(tool_calls=[MockToolCall(name="lookup", arguments='{"x": NaN}')]))
    with pytest.raises(APIResponseValidationError, match="NaN"):
        session.send("hello")
    assert session.get_messages() == []


def test_a_body_that_inflates_past_the_cap_is_a_validation_error(
    raw: Callable[..., RawServer], make_client: Callable[..., CopilotClient]
) -> None:
    bomb = gzip.compress(b" " * (MAX_BODY_SIZE + 1024 * 1024))  # about 33 KB on the wire
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
    server = raw(head + b"Content-Length: %d\r\n\r\n" % len(bomb) + bomb, close=True)
    session = _client(make_client, server).create_session(model="gpt-5")
    with pytest.raises(APIResponseValidationError, match="larger than"):
        session.send("hello")


@pytest.mark.parametrize("streaming", [False, True])
def test_an_empty_reply_without_length_is_a_connection_error_and_retried(
    streaming: bool, raw: Callable[..., RawServer], make_client: Callable[..., CopilotClient]
) -> None:
    # Headers cut short and a FIN: no Content-Length, not chunked, no body.
    server = raw(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n", close=True)
    client = make_client(
        provider=ProviderConfig(type="openai", base_url=server.base_url), max_retries=2
    )
    session = client.create_session(model="gpt-5", streaming=streaming)
    with pytest.raises(APIConnectionError, match="ended before"):
        session.send("hello")
    assert server.requests == 3
    assert session.get_messages() == []


def test_lone_surrogates_in_a_reply_are_stored_as_replacement_characters(
    make_client: Callable[..., CopilotClient], server: MockModelServer, tmp_path: Path
) -> None:
    client = make_client(store=tmp_path / "sessions.db")
    session = client.create_session(model="gpt-5", session_id="surrogates")
    body = json.dumps(
        {"id": "x", "object": "chat.completion", "model": "gpt-5", "created": 0,
         "choices": [{"index": 0, "finish_reason": "stop",
                      "message": {"role": "assistant", "content": "a\ud800b\udfffc"}}]}
    )
    assert "\\ud800" in body
    server.enqueue(MockFault(status=200, body=body))
    assert session.send("hello").data.content == "a\ufffdb\ufffdc"
    session.destroy()
    resumed = client.resume_session("surrogates")
    kinds = ("user.message", "assistant.message")
    texts = [e.data.content for e in resumed.get_messages() if e.type in kinds]
    assert texts == ["hello", "a\ufffdb\ufffdc"]


# --- connection errors say what went wrong --------------------------------------


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_refused_connection_says_so(make_client: Callable[..., CopilotClient]) -> None:
    provider = ProviderConfig(type="openai", base_url=f"http://127.0.0.1:{_closed_port()}/v1")
    session = make_client(provider=provider, max_retries=0).create_session(model="gpt-5")
    with pytest.raises(APIConnectionError, match="connection refused"):
        session.send("hello")


def test_an_unknown_host_says_the_name_was_not_resolved(make_client: Callable[..., CopilotClient]) -> None:
    provider = ProviderConfig(type="openai", base_url="https://copilot-sdk-test.invalid/v1")
    session = make_client(provider=provider, max_retries=0).create_session(model="gpt-5")
    with pytest.raises(APIConnectionError, match="name not resolved"):
        session.send("hello")


def test_a_tls_failure_says_so(
    raw: Callable[..., RawServer], make_client: Callable[..., CopilotClient]
) -> None:
    server = raw(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", close=True, eager=True)
    provider = ProviderConfig(type="openai", base_url=f"https://127.0.0.1:{server.port}/v1")
    session = make_client(provider=provider, max_retries=0).create_session(model="gpt-5")
    with pytest.raises(APIConnectionError, match="TLS"):
        session.send("hello")


def test_a_host_whose_pool_was_dropped_for_others_is_reached_again(
    make_client: Callable[..., CopilotClient],
) -> None:
    # urllib3's pool manager keeps 8 hosts' pools and drops the least recent one for a
    # ninth; the transport keeps its own table of hosts' pools, which must stay usable.
    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(MockModelServer()) for _ in range(10)]
        client = make_client(max_retries=0)
        sessions = [
            client.create_session(model="gpt-5", provider=ProviderConfig(
                type="openai", base_url=srv.openai_base_url, api_key="k"))
            for srv in servers
        ]
        for i, session in enumerate(sessions):
            assert f"last_user='first {i}'" in session.send(f"first {i}").data.content
        for i, session in enumerate(sessions):
            assert f"last_user='again {i}'" in session.send(f"again {i}").data.content
        assert all(len(srv.requests) == 2 for srv in servers)


def test_a_header_given_in_another_case_replaces_the_clients_own(
    make_client: Callable[..., CopilotClient], server: MockModelServer
) -> None:
    provider = ProviderConfig(
        type="openai", base_url=server.openai_base_url, api_key="k",
        headers={"user-agent": "mine/1.0", "accept-encoding": "identity"},
    )
    make_client(provider=provider).create_session(model="gpt-5").send("hi")
    (request,) = server.requests
    names = [name.lower() for name in request.headers]
    assert names.count("user-agent") == 1 and names.count("accept-encoding") == 1
    assert request.get_header("User-Agent") == "mine/1.0"
    assert request.get_header("Accept-Encoding") == "identity"
