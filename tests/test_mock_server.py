"""MockModelServer over real HTTP: routes, replies, streams, faults, concurrency, lifecycle.

Every chat request the tests send is checked against ``CreateChatCompletionRequest``
and every reply the server produces (JSON bodies and each SSE chunk) against the
OpenAI response schemas (see ``_spec.py``).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from copilot_sdk.testing import (
    MockFault,
    MockModelServer,
    MockReply,
    MockToolCall,
    RecordedRequest,
    mock_model_server,  # noqa: F401 - the fixture, for test_pytest_fixture
)

from ._spec import validate_chunk, validate_request, validate_response

pytestmark = pytest.mark.timeout(30)

TIMEOUT = 10.0


# -- helpers ---------------------------------------------------------------------


@pytest.fixture
def server() -> Iterator[MockModelServer]:
    with MockModelServer() as srv:
        yield srv


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as sess:
        sess.trust_env = False  # no proxies from the environment
        yield sess


def chat_body(*user: str, system: str | None = None, model: str = "gpt-5", **extra: Any) -> dict[str, Any]:
    messages: list[dict[str, Any]] = [{"role": "system", "content": system}] if system else []
    messages += [{"role": "user", "content": text} for text in user]
    return {"model": model, "messages": messages, **extra}


def post_chat(session: requests.Session, url: str, body: dict[str, Any], **kwargs: Any) -> requests.Response:
    """POST a (spec-valid) chat request; validate a 200 JSON reply against the spec."""
    validate_request(body)
    response = session.post(url, json=body, timeout=TIMEOUT, **kwargs)
    if response.status_code == 200 and not body.get("stream"):
        validate_response(response.json())
    return response


def parse_sse(data: bytes) -> tuple[list[dict[str, Any]], bool]:
    """Split an SSE body into events; validate each chunk; return (chunks, saw [DONE])."""
    chunks: list[dict[str, Any]] = []
    done = False
    for event in data.split(b"\n\n"):
        if not event:
            continue
        assert event.startswith(b"data: "), event
        assert not done, "an event after data: [DONE]"
        payload = event[len(b"data: ") :]
        if payload == b"[DONE]":
            done = True
            continue
        chunk = json.loads(payload)
        validate_chunk(chunk)
        chunks.append(chunk)
    return chunks, done


def stream_chat(
    session: requests.Session, url: str, body: dict[str, Any]
) -> tuple[list[dict[str, Any]], bool]:
    validate_request(body)
    with session.post(url, json=body, stream=True, timeout=TIMEOUT) as response:
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/event-stream"
        assert response.headers["Transfer-Encoding"] == "chunked"
        raw = b"".join(response.iter_content(chunk_size=None))
    return parse_sse(raw)


def reassemble(chunks: list[dict[str, Any]]) -> tuple[str, list[dict[str, str]], str | None]:
    """Fold stream chunks into (content, tool calls, finish_reason)."""
    content: str = ""
    calls: list[dict[str, str]] = []
    finish: str | None = None
    for chunk in chunks:
        for choice in chunk["choices"]:
            delta = choice["delta"]
            content += delta.get("content") or ""
            for call in delta.get("tool_calls", []):
                if "id" in call:
                    assert call["index"] == len(calls)
                    calls.append({"id": call["id"], "name": call["function"]["name"], "arguments": ""})
                calls[call["index"]]["arguments"] += call["function"].get("arguments", "")
            finish = choice["finish_reason"] or finish
    return content, calls, finish


def chat_url(srv: MockModelServer) -> str:
    return srv.openai_base_url + "/chat/completions"


# -- default reply, routes, recording --------------------------------------------------


def test_default_reply_echoes_the_conversation(server: MockModelServer, session: requests.Session) -> None:
    body = chat_body("first", "second", system="be brief", model="gpt-4.1")
    body["messages"].insert(2, {"role": "assistant", "content": "ok"})
    response = post_chat(session, chat_url(server), body)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert int(response.headers["Content-Length"]) == len(response.content)
    assert response.headers["x-request-id"].startswith("req_")
    reply = response.json()
    assert reply["id"].startswith("chatcmpl-")
    assert reply["object"] == "chat.completion"
    assert reply["model"] == "gpt-4.1"
    assert abs(reply["created"] - time.time()) < 60
    choice = reply["choices"][0]
    assert choice["finish_reason"] == "stop"
    assert choice["message"] == {
        "role": "assistant",
        "content": ("echo: model=gpt-4.1; messages=4; system=yes; first_user='first'; last_user='second'"),
        "refusal": None,
        "annotations": [],
    }
    usage = reply["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_default_reply_without_system_or_user_and_with_content_parts(
    server: MockModelServer, session: requests.Session
) -> None:
    parts = [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]
    body = {"model": "gpt-5", "messages": [{"role": "user", "content": parts}]}
    text = post_chat(session, chat_url(server), body).json()["choices"][0]["message"]["content"]
    assert text == "echo: model=gpt-5; messages=1; system=no; first_user='ab'; last_user='ab'"
    body = {"model": "gpt-5", "messages": [{"role": "developer", "content": "x"}]}
    text = post_chat(session, chat_url(server), body).json()["choices"][0]["message"]["content"]
    assert text == "echo: model=gpt-5; messages=1; system=no; first_user=None; last_user=None"


@pytest.mark.parametrize(
    "path",
    [
        "/v1/chat/completions",
        "/chat/completions",
        "/openai/deployments/my-gpt/chat/completions?api-version=2024-10-21",
        "/api/copilot/chat/completions",
    ],
)
def test_chat_completions_on_any_prefix(
    server: MockModelServer, session: requests.Session, path: str
) -> None:
    body = chat_body("hi")
    if "deployments" in path:
        del body["model"]  # Azure names the model in the URL
    response = session.post(server.url + path, json=body, timeout=TIMEOUT)
    assert response.status_code == 200
    validate_response(response.json())
    model = "my-gpt" if "deployments" in path else "gpt-5"
    assert response.json()["choices"][0]["message"]["content"].startswith(f"echo: model={model};")
    (recorded,) = server.chat_requests
    assert recorded.path == path.split("?")[0]
    assert recorded.query == ({"api-version": "2024-10-21"} if "?" in path else {})


@pytest.mark.parametrize("path", ["/v1/models", "/models", "/api/copilot/models"])
def test_models(server: MockModelServer, session: requests.Session, path: str) -> None:
    response = session.get(server.url + path, timeout=TIMEOUT)
    assert response.status_code == 200
    listing = response.json()
    assert listing["object"] == "list"
    ids = [model["id"] for model in listing["data"]]
    assert "gpt-5" in ids and "claude-sonnet-4.5" in ids
    gpt5 = listing["data"][ids.index("gpt-5")]
    assert gpt5["name"] == "GPT-5" and gpt5["object"] == "model" and gpt5["owned_by"] == "mock"
    assert gpt5["capabilities"]["limits"] == {
        "max_prompt_tokens": 128000,
        "max_output_tokens": 16384,
    }
    assert gpt5["capabilities"]["supports"] == {"tool_calls": True, "streaming": True}
    assert server.chat_requests == [] and len(server.requests) == 1


def test_unknown_path_invalid_json_and_missing_messages(
    server: MockModelServer, session: requests.Session
) -> None:
    missing = session.get(server.url + "/v1/nope", timeout=TIMEOUT)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    bad = session.post(
        chat_url(server),
        data=b"{not json",
        headers={"Content-Type": "application/json"},
        timeout=TIMEOUT,
    )
    assert bad.status_code == 400
    assert set(bad.json()["error"]) >= {"message", "type", "code"}
    no_messages = session.post(chat_url(server), json={"model": "gpt-5"}, timeout=TIMEOUT)
    assert no_messages.status_code == 400
    assert [r.path for r in server.requests] == [
        "/v1/nope",
        "/v1/chat/completions",
        "/v1/chat/completions",
    ]
    assert server.requests[1].body is None and server.requests[1].raw_body == b"{not json"
    assert server.wait_for_idle(timeout=5) and server.in_flight == 0


def test_requests_are_recorded_before_replying(server: MockModelServer, session: requests.Session) -> None:
    body = chat_body("hi")
    before = time.monotonic()
    post_chat(session, chat_url(server) + "?x=1", body, headers={"X-Custom-Header": "v", "api-key": "k"})
    session.get(server.url + "/v1/models", timeout=TIMEOUT)
    first, second = server.requests
    assert isinstance(first, RecordedRequest)
    assert (first.method, first.path, first.query) == ("POST", "/v1/chat/completions", {"x": "1"})
    assert first.headers["X-Custom-Header"] == "v"  # case preserved
    assert first.get_header("x-custom-header") == "v" and first.get_header("API-KEY") == "k"
    assert first.get_header("absent") is None and first.get_header("absent", "d") == "d"
    assert first.body == body and json.loads(first.raw_body) == body
    assert before <= first.received_at <= second.received_at <= time.monotonic()
    assert second.method == "GET" and second.body is None
    assert server.chat_requests == [first]
    snapshot = server.requests
    snapshot.clear()
    assert len(server.requests) == 2  # a copy


# -- scripted replies ----------------------------------------------------------------


def test_scripted_replies_fifo_then_default(server: MockModelServer, session: requests.Session) -> None:
    server.enqueue(
        MockReply(content="one"),
        MockReply(content="two", model="other", prompt_tokens=7, completion_tokens=3),
    )
    texts = []
    for _ in range(3):
        reply = post_chat(session, chat_url(server), chat_body("hi")).json()
        texts.append(reply["choices"][0]["message"]["content"])
    assert texts[:2] == ["one", "two"]
    assert texts[2].startswith("echo: ")
    server.enqueue(MockReply(content="x", model="other", prompt_tokens=7, completion_tokens=3))
    reply = post_chat(session, chat_url(server), chat_body("hi")).json()
    assert reply["model"] == "other"
    assert reply["usage"] == {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10}


def test_matched_queue_with_concurrent_sessions(server: MockModelServer) -> None:
    def is_session(name: str) -> Any:
        return lambda body: body["messages"][0]["content"] == f"session {name}"

    match_a, match_b = is_session("A"), is_session("B")
    server.enqueue(MockReply(content="A1", latency=0.2), MockReply(content="A2"), match=match_a)
    server.enqueue(MockReply(content="B1", latency=0.2), match=match_b)
    server.enqueue(MockReply(content="B2"), match=match_b)  # same function: same queue
    server.enqueue(MockReply(content="unmatched"))

    def run(name: str) -> list[str]:
        with requests.Session() as sess:
            sess.trust_env = False
            return [
                post_chat(sess, chat_url(server), chat_body(f"turn {i}", system=f"session {name}")).json()[
                    "choices"
                ][0]["message"]["content"]
                for i in range(3)
            ]

    with ThreadPoolExecutor(max_workers=2) as pool:
        a, b = pool.submit(run, "A"), pool.submit(run, "B")
        results = {"A": a.result(timeout=TIMEOUT), "B": b.result(timeout=TIMEOUT)}
    assert results["A"][:2] == ["A1", "A2"]
    assert results["B"][:2] == ["B1", "B2"]
    assert sorted([results["A"][2], results["B"][2]])[1] == "unmatched"
    assert sorted([results["A"][2], results["B"][2]])[0].startswith("echo: ")


def test_match_predicate_that_raises_counts_as_no_match(
    server: MockModelServer, session: requests.Session
) -> None:
    def broken(body: Any) -> bool:
        raise KeyError("boom")

    server.enqueue(MockReply(content="never"), match=broken)
    server.enqueue(MockReply(content="fifo"))
    reply = post_chat(session, chat_url(server), chat_body("hi")).json()
    assert reply["choices"][0]["message"]["content"] == "fifo"


def test_enqueue_rejects_bad_input(server: MockModelServer) -> None:
    with pytest.raises(ValueError):
        server.enqueue()
    with pytest.raises(TypeError):
        server.enqueue("text")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        MockFault(drop=True, malformed=True)
    with pytest.raises(ValueError):
        MockFault(status=42)
    with pytest.raises(ValueError):
        MockReply(chunk_size=0)


def test_tool_calls_non_streamed(server: MockModelServer, session: requests.Session) -> None:
    server.enqueue(
        MockReply(
            tool_calls=[
                MockToolCall(name="get_weather", arguments={"city": "Paris"}),
                MockToolCall(name="raw", arguments='{"broken": ', id="call_custom"),
            ]
        )
    )
    reply = post_chat(session, chat_url(server), chat_body("weather?")).json()
    choice = reply["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] is None
    generated = choice["message"]["tool_calls"][0]["id"]
    assert generated.startswith("call_")
    assert choice["message"]["tool_calls"] == [
        {
            "id": generated,
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
        },
        {
            "id": "call_custom",
            "type": "function",
            "function": {"name": "raw", "arguments": '{"broken": '},
        },
    ]


def test_tool_calls_streamed_reassemble(server: MockModelServer, session: requests.Session) -> None:
    args = {"query": "a fairly long argument string", "n": 3}
    server.enqueue(
        MockReply(
            content="Let me look.",
            chunk_size=5,
            tool_calls=[
                MockToolCall(name="search", arguments=args),
                MockToolCall(name="raw", arguments="not json"),
            ],
        )
    )
    chunks, done = stream_chat(session, chat_url(server), chat_body("find", stream=True))
    assert done
    content, calls, finish = reassemble(chunks)
    assert content == "Let me look."
    assert finish == "tool_calls"
    ids = [call["id"] for call in calls]
    assert all(i.startswith("call_") for i in ids) and len(set(ids)) == 2
    assert calls == [
        {"id": ids[0], "name": "search", "arguments": json.dumps(args)},
        {"id": ids[1], "name": "raw", "arguments": "not json"},
    ]
    argument_pieces = [
        c["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"]
        for c in chunks
        if c["choices"]
        and "tool_calls" in c["choices"][0]["delta"]
        and "id" not in c["choices"][0]["delta"]["tool_calls"][0]
    ]
    assert all(len(piece) <= 5 for piece in argument_pieces) and len(argument_pieces) > 2


# -- streaming -----------------------------------------------------------------------


def test_stream_chunks_and_usage(server: MockModelServer, session: requests.Session) -> None:
    server.enqueue(MockReply(content="abcdefghij", chunk_size=4))
    body = chat_body("hi", stream=True, stream_options={"include_usage": True})
    chunks, done = stream_chat(session, chat_url(server), body)
    assert done
    deltas = [c["choices"][0]["delta"] if c["choices"] else None for c in chunks]
    assert deltas == [
        {"role": "assistant", "content": ""},
        {"content": "abcd"},
        {"content": "efgh"},
        {"content": "ij"},
        {},
        None,
    ]
    assert [c["choices"][0]["finish_reason"] for c in chunks[:-1]] == [
        None,
        None,
        None,
        None,
        "stop",
    ]
    assert len({(c["id"], c["created"], c["model"], c["object"]) for c in chunks}) == 1
    assert chunks[0]["object"] == "chat.completion.chunk"
    usage = chunks[-1]["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert all(c["usage"] is None for c in chunks[:-1])


def test_stream_without_usage_default_echo(server: MockModelServer, session: requests.Session) -> None:
    chunks, done = stream_chat(session, chat_url(server), chat_body("hello", stream=True))
    assert done
    content, calls, finish = reassemble(chunks)
    assert content == "echo: model=gpt-5; messages=1; system=no; first_user='hello'; last_user='hello'"
    assert calls == [] and finish == "stop"
    assert all(c["choices"] and "usage" not in c for c in chunks)
    assert all(len(c["choices"][0]["delta"].get("content", "")) <= 8 for c in chunks)  # default chunk_size


def test_sse_http_framing_on_a_raw_socket(server: MockModelServer) -> None:
    """Each SSE event is one HTTP chunk; the body ends with [DONE] and the terminator."""
    server.enqueue(MockReply(content="0123456789", chunk_size=3))
    payload = json.dumps(chat_body("hi", stream=True)).encode()
    head = (
        f"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", int(server.url.rsplit(":", 1)[1])), timeout=TIMEOUT) as sock:
        sock.sendall(head + payload)
        reader = sock.makefile("rb")
        assert reader.readline() == b"HTTP/1.1 200 OK\r\n"
        headers = {}
        while (line := reader.readline()) != b"\r\n":
            name, value = line.decode().split(":", 1)
            headers[name.lower()] = value.strip()
        assert headers["transfer-encoding"] == "chunked" and "content-length" not in headers
        events = []
        while True:
            size = int(reader.readline(), 16)
            data = reader.read(size)
            assert reader.read(2) == b"\r\n"
            if size == 0:
                break
            events.append(data)
        assert all(e.startswith(b"data: ") and e.endswith(b"\n\n") and e.count(b"\n\n") == 1 for e in events)
        assert events[-1] == b"data: [DONE]\n\n"
        chunks, done = parse_sse(b"".join(events))
        assert done and reassemble(chunks)[0] == "0123456789"
        assert len(chunks) == 1 + 4 + 1  # role, 4 content pieces, finish
        # the connection stays usable after the stream
        sock.sendall(b"GET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n")
        assert reader.readline() == b"HTTP/1.1 200 OK\r\n"


def test_chunk_delay(session: requests.Session) -> None:
    with MockModelServer(chunk_size=2, chunk_delay=0.05) as srv:
        srv.enqueue(MockReply(content="abcdefgh"))
        start = time.monotonic()
        chunks, done = stream_chat(session, chat_url(srv), chat_body("hi", stream=True))
        elapsed = time.monotonic() - start
    assert done and len(chunks) == 1 + 4 + 1
    assert elapsed >= 0.05 * (len(chunks) - 1)


def test_truncate_after_ends_without_done(server: MockModelServer, session: requests.Session) -> None:
    server.enqueue(MockReply(content="x" * 40, chunk_size=4, truncate_after=3))
    with session.post(
        chat_url(server), json=chat_body("hi", stream=True), stream=True, timeout=TIMEOUT
    ) as response:
        received = b""
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            for piece in response.iter_content(chunk_size=None):
                received += piece
    chunks, done = parse_sse(received)
    assert not done
    assert len(chunks) == 3
    assert server.wait_for_idle(timeout=5) and server.in_flight == 0


def test_stall_after_then_stop_returns_promptly(session: requests.Session) -> None:
    srv = MockModelServer().start()
    srv.enqueue(MockReply(content="x" * 40, chunk_size=4, stall_after=2))
    received: list[bytes] = []
    errors: list[BaseException] = []

    def consume() -> None:
        try:
            with session.post(
                chat_url(srv), json=chat_body("hi", stream=True), stream=True, timeout=TIMEOUT
            ) as resp:
                for piece in resp.iter_content(chunk_size=None):
                    received.append(piece)
        except requests.RequestException as exc:
            errors.append(exc)

    consumer = threading.Thread(target=consume, daemon=True)
    consumer.start()
    deadline = time.monotonic() + TIMEOUT
    while len(parse_sse(b"".join(received))[0]) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)
    chunks, _ = parse_sse(b"".join(received))
    assert [c["choices"][0]["delta"].get("content") for c in chunks] == ["", "xxxx", "xxxx"]
    assert srv.in_flight == 1
    start = time.monotonic()
    srv.stop()
    assert time.monotonic() - start < 2.0
    consumer.join(timeout=5)
    assert not consumer.is_alive()
    assert not parse_sse(b"".join(received))[1]
    assert len(errors) == 1  # the stream was cut without its terminator


def test_stalled_stream_notices_client_disconnect(server: MockModelServer, session: requests.Session) -> None:
    server.enqueue(MockReply(content="abc", stall_after=0))
    with session.post(
        chat_url(server), json=chat_body("hi", stream=True), stream=True, timeout=TIMEOUT
    ) as resp:
        pieces = resp.iter_content(chunk_size=None)  # keep it: its GC would close the socket
        first = next(pieces)
        assert b'"role":"assistant"' in first
        assert server.in_flight == 1
        assert not server.wait_for_idle(timeout=0.1)  # stalled, not finished
    session.close()  # closes the socket; the stalled handler notices and gives up
    assert server.wait_for_idle(timeout=5) and server.in_flight == 0


# -- faults --------------------------------------------------------------------------


def test_fault_status_with_retry_after(server: MockModelServer, session: requests.Session) -> None:
    server.enqueue(
        MockFault(status=429, headers={"Retry-After": "1"}, message="slow down"),
        MockFault(status=503, headers={"retry-after-ms": "10"}),
        MockFault(),
        MockReply(content="finally"),
    )
    first = post_chat(session, chat_url(server), chat_body("hi"))
    assert first.status_code == 429
    assert first.headers["Retry-After"] == "1"
    assert first.json() == {
        "error": {
            "message": "slow down",
            "type": "rate_limit_error",
            "param": None,
            "code": "rate_limit_exceeded",
        }
    }
    second = post_chat(session, chat_url(server), chat_body("hi"))
    assert second.status_code == 503 and second.headers["retry-after-ms"] == "10"
    assert second.json()["error"]["type"] == "server_error"
    third = post_chat(session, chat_url(server), chat_body("hi"))
    assert third.status_code == 500 and third.json()["error"]["message"] == "injected fault"
    assert (
        post_chat(session, chat_url(server), chat_body("hi")).json()["choices"][0]["message"]["content"]
        == "finally"
    )
    assert server.connections_accepted == 1  # error replies keep the connection alive


def test_fault_raw_body_and_streamed_request(server: MockModelServer, session: requests.Session) -> None:
    server.enqueue(MockFault(status=400, body='{"error": "custom"}'), MockFault(status=401))
    assert session.post(chat_url(server), json=chat_body("hi"), timeout=TIMEOUT).text == '{"error": "custom"}'
    streamed = session.post(chat_url(server), json=chat_body("hi", stream=True), timeout=TIMEOUT)
    assert streamed.status_code == 401
    assert streamed.headers["Content-Type"] == "application/json"
    assert streamed.json()["error"]["code"] == "invalid_api_key"


def test_fault_drop(server: MockModelServer, session: requests.Session) -> None:
    server.enqueue(MockFault(drop=True))
    with pytest.raises(requests.ConnectionError):
        session.post(chat_url(server), json=chat_body("hi"), timeout=TIMEOUT)
    assert len(server.chat_requests) == 1
    assert server.wait_for_idle(timeout=5) and server.in_flight == 0
    assert post_chat(session, chat_url(server), chat_body("hi")).status_code == 200


def test_fault_malformed_and_wrong_shape(server: MockModelServer, session: requests.Session) -> None:
    server.enqueue(MockFault(malformed=True), MockFault(wrong_shape=True))
    malformed = session.post(chat_url(server), json=chat_body("hi"), timeout=TIMEOUT)
    assert malformed.status_code == 200
    assert malformed.headers["Content-Type"] == "application/json"
    with pytest.raises(ValueError):
        malformed.json()
    wrong = session.post(chat_url(server), json=chat_body("hi"), timeout=TIMEOUT)
    assert wrong.status_code == 200 and wrong.json() == {"foo": 1}


def test_fault_latency(server: MockModelServer, session: requests.Session) -> None:
    server.enqueue(MockFault(status=500, latency=0.2))
    start = time.monotonic()
    assert session.post(chat_url(server), json=chat_body("hi"), timeout=TIMEOUT).status_code == 500
    assert time.monotonic() - start >= 0.2


# -- latency and concurrency ------------------------------------------------------------


def test_latency(session: requests.Session) -> None:
    with MockModelServer(latency=0.3) as srv:
        srv.enqueue(MockReply(content="fast", latency=0.0))
        start = time.monotonic()
        post_chat(session, chat_url(srv), chat_body("hi"))
        assert time.monotonic() - start < 0.3
        start = time.monotonic()
        post_chat(session, chat_url(srv), chat_body("hi"))
        assert time.monotonic() - start >= 0.3
        start = time.monotonic()
        assert session.get(srv.url + "/v1/models", timeout=TIMEOUT).status_code == 200
        assert time.monotonic() - start < 0.3  # latency applies to chat requests only


def test_max_in_flight(session: requests.Session) -> None:
    with MockModelServer(latency=0.3) as srv:
        barrier = threading.Barrier(5)

        def one(i: int) -> int:
            with requests.Session() as sess:
                sess.trust_env = False
                barrier.wait(timeout=TIMEOUT)
                return post_chat(sess, chat_url(srv), chat_body(f"q{i}")).status_code

        with ThreadPoolExecutor(max_workers=5) as pool:
            futures = [pool.submit(one, i) for i in range(5)]
            assert [f.result(timeout=TIMEOUT) for f in futures] == [200] * 5
        assert srv.max_in_flight == 5
        assert srv.wait_for_idle(timeout=5) and srv.in_flight == 0
        assert srv.wait_for_requests(5, timeout=0)


def test_wait_for_requests(server: MockModelServer, session: requests.Session) -> None:
    assert not server.wait_for_requests(1, timeout=0.05)
    sender = threading.Timer(0.1, lambda: post_chat(session, chat_url(server), chat_body("hi")))
    sender.start()
    try:
        assert server.wait_for_requests(1, timeout=TIMEOUT)
    finally:
        sender.join(timeout=TIMEOUT)
    assert not sender.is_alive()


def test_keep_alive_reuses_one_connection(server: MockModelServer, session: requests.Session) -> None:
    for i in range(20):
        body = chat_body(f"turn {i}", stream=(i % 2 == 1))
        if i % 2:
            assert stream_chat(session, chat_url(server), body)[1]
        else:
            assert post_chat(session, chat_url(server), body).status_code == 200
    assert len(server.chat_requests) == 20
    assert server.connections_accepted == 1


# -- lifecycle -----------------------------------------------------------------------


def test_public_types_report_the_public_module() -> None:
    for cls in (MockFault, MockModelServer, MockReply, MockToolCall, RecordedRequest):
        assert cls.__module__ == "copilot_sdk.testing"


def test_lifecycle() -> None:
    srv = MockModelServer()
    with pytest.raises(RuntimeError):
        _ = srv.url
    assert srv.start() is srv and srv.start() is srv
    assert srv.url.startswith("http://127.0.0.1:") and srv.openai_base_url == srv.url + "/v1"
    assert "started" in repr(srv)
    srv.stop()
    srv.stop()
    assert "stopped" in repr(srv)
    with pytest.raises(RuntimeError):
        srv.start()


def test_stop_closes_idle_keep_alive_connections(session: requests.Session) -> None:
    srv = MockModelServer().start()
    sessions = []
    for _ in range(3):
        sess = requests.Session()
        sess.trust_env = False
        post_chat(sess, chat_url(srv), chat_body("hi"))
        sessions.append(sess)
    start = time.monotonic()
    srv.stop()
    assert time.monotonic() - start < 1.0
    with pytest.raises(requests.ConnectionError):
        session.post(chat_url(srv), json=chat_body("hi"), timeout=TIMEOUT)
    for sess in sessions:
        sess.close()


def test_reset(server: MockModelServer, session: requests.Session) -> None:
    server.enqueue(MockReply(content="dropped by reset"))
    server.enqueue(MockReply(content="also dropped"), match=lambda body: True)
    session.get(server.url + "/v1/models", timeout=TIMEOUT)
    server.reset()
    assert server.requests == [] and server.connections_accepted == 0 and server.max_in_flight == 0
    response = post_chat(session, chat_url(server), chat_body("hi"))
    assert response.json()["choices"][0]["message"]["content"].startswith("echo: ")
    assert response.json()["id"].startswith("chatcmpl-")  # new ids: see test_mock_strict
    assert response.headers["x-request-id"].startswith("req_")


def test_pytest_fixture(request: pytest.FixtureRequest, session: requests.Session) -> None:
    srv = request.getfixturevalue("mock_model_server")
    assert isinstance(srv, MockModelServer) and srv.start() is srv
    assert post_chat(session, chat_url(srv), chat_body("hi")).status_code == 200
    assert len(srv.chat_requests) == 1
