"""Replies and inputs that a careless client would mishandle: redirects, malformed
streams, non-stream bodies to a streamed call, servers that hold a finished stream
open, keys with a stray newline, sessions without a model."""

from __future__ import annotations

import json
import socketserver
import threading
import time
from typing import Any, Callable, Iterator

import pytest

from copilot_sdk import (
    APIResponseValidationError,
    APIStatusError,
    ConfigurationError,
    CopilotClient,
    InternalServerError,
    ProviderConfig,
)
from copilot_sdk._transport.sse import ServerSentEvent, SSEDecoder
from copilot_sdk.testing import MockFault, MockModelServer

SECRET = "sk-hardening-SECRET-0123456789"


def _openai(server: MockModelServer, **kw: Any) -> ProviderConfig:
    return ProviderConfig(type="openai", base_url=server.openai_base_url, api_key=SECRET, **kw)


@pytest.mark.parametrize("kind", ["azure", "anthropic", "openai"])
def test_redirects_are_not_followed_and_keys_stay_home(
    kind: str, make_client: Callable[..., CopilotClient]
) -> None:
    with MockModelServer() as origin, MockModelServer() as elsewhere:
        target = elsewhere.url.replace("127.0.0.1", "localhost") + "/steal"
        base = {"azure": origin.url, "anthropic": origin.url, "openai": origin.openai_base_url}[kind]
        client = make_client(provider=ProviderConfig(type=kind, base_url=base, api_key=SECRET))
        session = client.create_session(model="gpt-5")
        origin.enqueue(MockFault(status=307, headers={"Location": target}))
        with pytest.raises(APIStatusError, match="not followed") as info:
            session.send("hello")
        assert info.value.status_code == 307 and SECRET not in str(info.value)
        assert elsewhere.requests == []


def test_discovery_is_retried_by_one_layer_only(make_client: Callable[..., CopilotClient]) -> None:
    with MockModelServer() as srv:
        srv.github.fail_user_with = 503
        client = make_client(
            provider=ProviderConfig(type="copilot", github_api_url=srv.url),
            github_token="gho_abcdefghijklmnop",
            max_retries=2,
        )
        session = client.create_session(model="gpt-5")
        with pytest.raises(InternalServerError):
            session.send("hello")
        discovery = [r for r in srv.requests if r.path.endswith("/copilot_internal/user")]
        assert len(discovery) == 3  # 1 + max_retries, not 3 x 3


def _sse(*chunks: Any) -> str:
    return "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"


@pytest.mark.parametrize(
    "body",
    [
        _sse({"id": "x", "choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "function": 1}]}}]}),
        _sse({"id": "x", "choices": [{"index": 0, "delta": {"tool_calls": 7}}]}),
        _sse({"id": "x", "choices": "nope"}),
        "data: {not json\n\n",
        json.dumps({"id": "x", "choices": [{"index": 0, "message": {"content": "hi"}}]}),
        "this is not an event stream",
    ],
)
def test_malformed_streamed_replies_are_validation_errors_and_not_retried(
    body: str, client: CopilotClient, server: MockModelServer
) -> None:
    session = client.create_session(model="gpt-5", streaming=True)
    server.enqueue(MockFault(body=body))
    with pytest.raises(APIResponseValidationError):
        session.send("hello")
    assert len(server.chat_requests) == 1
    assert session.get_messages() == []


class _HoldOpenHandler(socketserver.StreamRequestHandler):
    """Sends a complete SSE reply, then keeps the body open for 3 s before its end."""

    disable_nagle_algorithm = True

    def handle(self) -> None:
        length = 0
        while (line := self.rfile.readline()) not in (b"\r\n", b""):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        self.rfile.read(length)
        self.wfile.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        for event in (
            {"id": "c", "choices": [{"index": 0, "delta": {"content": "complete"}, "finish_reason": None}]},
            {"id": "c", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
        ):
            data = f"data: {json.dumps(event)}\n\n".encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.write(b"e\r\ndata: [DONE]\n\n\r\n")
        self.wfile.flush()
        time.sleep(3)
        self.wfile.write(b"0\r\n\r\n")


@pytest.fixture
def hold_open_server() -> Iterator[str]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _HoldOpenHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


def test_a_finished_stream_held_open_by_the_server_still_succeeds(
    hold_open_server: str, make_client: Callable[..., CopilotClient]
) -> None:
    client = make_client(
        provider=ProviderConfig(type="openai", base_url=hold_open_server), stream_idle_timeout=10
    )
    session = client.create_session(model="gpt-5", streaming=True)
    began = time.monotonic()
    assert session.send("hello").data.content == "complete"
    assert time.monotonic() - began < 2.5  # a short drain, not the idle timeout


def test_credentials_with_whitespace_are_refused_without_quoting_them() -> None:
    for field in ("api_key", "bearer_token"):
        with pytest.raises(ValueError, match="control character") as info:
            ProviderConfig(type="openai", **{field: SECRET + "\n"})
        assert SECRET not in str(info.value)
    from copilot_sdk import SessionConfig

    with pytest.raises(ValueError, match="github_token"):
        SessionConfig(github_token="gho_abc def")


def test_bad_header_value_is_a_configuration_error_never_quoting_it(
    make_client: Callable[..., CopilotClient], server: MockModelServer
) -> None:
    client = make_client(provider=_openai(server, headers={"X-Team": "a\nb" + SECRET}))
    session = client.create_session(model="gpt-5")
    with pytest.raises(ConfigurationError) as info:
        session.send("hello")
    assert SECRET not in str(info.value) and info.value.__cause__ is None
    assert server.chat_requests == []


def test_a_session_without_a_model_is_a_configuration_error(
    client: CopilotClient, server: MockModelServer
) -> None:
    session = client.create_session()
    with pytest.raises(ConfigurationError, match="no model"):
        session.send("hello")
    assert server.chat_requests == []


def test_sse_empty_chunk_keeps_a_pending_cr() -> None:
    decoder = SSEDecoder()
    events = decoder.feed(b"data: a\r") + decoder.feed(b"") + decoder.feed(b"\ndata: b\n\n")
    assert events == [ServerSentEvent(data="a\nb")]
