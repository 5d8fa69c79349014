"""The transport against raw sockets: abort and timeouts on every kind of reply."""

from __future__ import annotations

import json
import threading
import time
from typing import Callable, Iterator

import pytest

from copilot_sdk import (
    AbortedError,
    APITimeoutError,
    CopilotClient,
    ProviderConfig,
    TurnTimeoutError,
)

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
