"""MockModelServer is as strict as the real APIs: their 400s and error bodies for
requests they refuse, strict keys and models, tool_choice, parallel tool calls and
max-token limits honoured, Anthropic turn merging, ids that never repeat, faults
that validate their fields, replies that close their connection or answer as
HTTP/1.0."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from copilot_sdk.testing import MockFault, MockModelServer, MockReply, MockToolCall

pytestmark = pytest.mark.timeout(30)

TOOLS = [
    {"type": "function", "function": {"name": f, "parameters": {"type": "object", "properties": {}}}}
    for f in ("a", "b")
]
CALL = {"id": "call_x", "type": "function", "function": {"name": "a", "arguments": "{}"}}
ANTHROPIC = {"anthropic-version": "2023-06-01", "x-api-key": "k"}


@pytest.fixture
def server() -> Iterator[MockModelServer]:
    with MockModelServer() as srv:
        yield srv


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as sess:
        sess.trust_env = False
        yield sess


def chat(http: requests.Session, server: MockModelServer, **body: Any) -> requests.Response:
    body.setdefault("model", "gpt-5")
    return http.post(f"{server.openai_base_url}/chat/completions", json=body, timeout=10)


def messages(
    http: requests.Session, server: MockModelServer, msgs: list[Any], **body: Any
) -> requests.Response:
    body = {"model": "claude-sonnet-4.5", "max_tokens": 100, "messages": msgs, **body}
    return http.post(f"{server.anthropic_base_url}/v1/messages", json=body, headers=ANTHROPIC, timeout=10)


@pytest.mark.parametrize(
    ("msgs", "extra", "wording", "param"),
    [
        ([], {}, "too short", "messages"),
        ([{"role": "robot", "content": "hi"}], {}, "Supported values", "messages[0].role"),
        ([{"role": "user", "content": None}], {}, "got null", "messages.[0].content"),
        ([{"role": "user", "content": "q"}, {"role": "assistant", "content": None, "tool_calls": [CALL]}],
         {"tools": TOOLS}, "did not have response messages: call_x", "messages.[1].role"),
        ([{"role": "user", "content": "q"}, {"role": "tool", "tool_call_id": "call_y", "content": "r"}],
         {}, "must be a response to a preceeding message", "messages.[1].role"),
        ([{"role": "user", "content": "q"}], {"temperature": 2.5}, "above maximum value", "temperature"),
        ([{"role": "user", "content": "q"}], {"max_completion_tokens": 0}, "below minimum value",
         "max_completion_tokens"),
        ([{"role": "user", "content": "q"}], {"tool_choice": "required"}, "only allowed when 'tools'",
         "tool_choice"),
    ],
)
def test_openai_refuses_what_the_real_api_refuses(
    server: MockModelServer, http: requests.Session, msgs: Any, extra: Any, wording: str, param: str
) -> None:
    reply = chat(http, server, messages=msgs, **extra)
    assert reply.status_code == 400
    error = reply.json()["error"]
    assert wording in error["message"] and error["param"] == param
    assert error["type"] == "invalid_request_error"


def test_openai_accepts_a_complete_tool_round(server: MockModelServer, http: requests.Session) -> None:
    msgs = [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": None, "tool_calls": [CALL]},
        {"role": "tool", "tool_call_id": "call_x", "content": "r"},
    ]
    assert chat(http, server, messages=msgs, tools=TOOLS).status_code == 200


@pytest.mark.parametrize(
    ("msgs", "wording"),
    [
        ([], "Field required"),
        ([{"role": "robot", "content": "hi"}], "Input should be 'user' or 'assistant'"),
        ([{"role": "user", "content": []}], "non-empty content"),
        ([{"role": "assistant", "content": "hi"}], "first message"),
        ([{"role": "user", "content": "q"},
          {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "a", "input": {}}]},
          {"role": "user", "content": "no result"}], "without `tool_result`"),
        ([{"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t9", "content": "r"}]}],
         "unexpected `tool_use_id`"),
    ],
)
def test_anthropic_refuses_what_the_real_api_refuses(
    server: MockModelServer, http: requests.Session, msgs: Any, wording: str
) -> None:
    reply = messages(http, server, msgs)
    assert reply.status_code == 400
    body = reply.json()
    assert body["type"] == "error" and body["error"]["type"] == "invalid_request_error"
    assert wording in body["error"]["message"]
    assert reply.headers["request-id"] == body["request_id"]


def test_anthropic_merges_consecutive_turns_of_one_role(
    server: MockModelServer, http: requests.Session
) -> None:
    reply = messages(http, server, [{"role": "user", "content": "one"}, {"role": "user", "content": "two"}])
    assert reply.status_code == 200, reply.text
    assert reply.headers["request-id"].startswith("req_")
    text = reply.json()["content"][0]["text"]
    assert "messages=1" in text and "first_user='onetwo'" in text


@pytest.mark.parametrize(("status", "kind"), [(401, "authentication_error"), (413, "request_too_large"),
                                              (500, "api_error"), (529, "overloaded_error")])
def test_anthropic_errors_use_the_real_error_types(
    server: MockModelServer, http: requests.Session, status: int, kind: str
) -> None:
    server.enqueue(MockFault(status=status))
    reply = messages(http, server, [{"role": "user", "content": "q"}])
    assert reply.status_code == status and reply.json()["error"]["type"] == kind


def responses(http: requests.Session, server: MockModelServer, **body: Any) -> requests.Response:
    body.setdefault("model", "gpt-5")
    return http.post(f"{server.openai_base_url}/responses", json=body, timeout=10)


ASK = {"type": "message", "role": "user", "content": "q"}
FN_CALL = {"type": "function_call", "call_id": "call_x", "name": "a", "arguments": "{}"}
FN_OUTPUT = {"type": "function_call_output", "call_id": "call_x", "output": "r"}


@pytest.mark.parametrize(
    ("body", "wording", "param", "code"),
    [
        ({"input": []}, "empty array", "input", "empty_array"),
        ({}, "Missing required parameter: 'input'", "input", "missing_required_parameter"),
        ({"input": [ASK, FN_CALL]}, "No tool output found for function call call_x.", "input", None),
        ({"input": [ASK, FN_OUTPUT]}, "No tool call found for function call output with call_id call_x.",
         "input", None),
        ({"input": [{"role": "robot", "content": "hi"}]},
         "Supported values are: 'assistant', 'system', 'developer', and 'user'.", "input[0].role",
         "invalid_value"),
        ({"input": [ASK, {"type": "telepathy"}]}, "Invalid value: 'telepathy'", "input[1].type",
         "invalid_value"),
        ({"input": [{"role": "user"}]}, "Missing required parameter: 'input[0].content'",
         "input[0].content", "missing_required_parameter"),
        ({"input": [{"role": "user", "content": 5}]}, "Invalid type for 'input[0].content'",
         "input[0].content", "invalid_type"),
        ({"input": "q", "temperature": 2.5}, "above maximum value", "temperature", "decimal_above_max_value"),
        ({"input": "q", "top_p": -0.1}, "below minimum value", "top_p", "decimal_below_min_value"),
        ({"input": "q", "max_output_tokens": 10}, "Expected a value >= 16", "max_output_tokens",
         "integer_below_min_value"),
        ({"input": "q", "max_output_tokens": "100"}, "expected an integer", "max_output_tokens",
         "invalid_type"),
        ({"input": "q", "top_logprobs": 21}, "Expected a value <= 20", "top_logprobs",
         "integer_above_max_value"),
        ({"input": "q", "model": "gpt-4.1", "reasoning": {"effort": "low"}}, "not supported with this model",
         "reasoning", "unsupported_parameter"),
    ],
)
def test_responses_refuses_what_the_real_api_refuses(
    server: MockModelServer, http: requests.Session, body: dict[str, Any], wording: str,
    param: str, code: str | None
) -> None:
    reply = responses(http, server, **body)
    assert reply.status_code == 400
    error = reply.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert wording in error["message"] and error["type"] == "invalid_request_error"
    assert (error["param"], error["code"]) == (param, code)


def test_responses_accepts_a_complete_tool_round_and_parameters_in_range(
    server: MockModelServer, http: requests.Session
) -> None:
    reply = responses(http, server, input=[ASK, FN_CALL, FN_OUTPUT], temperature=2, top_p=1,
                      max_output_tokens=16, top_logprobs=0)
    assert reply.status_code == 200, reply.text


def test_responses_strict_key_and_known_models(http: requests.Session) -> None:
    with MockModelServer(api_key="right-key", known_models_only=True) as server:
        key = {"Authorization": "Bearer right-key"}
        url, ask = f"{server.openai_base_url}/responses", {"model": "gpt-5", "input": "q"}
        assert http.post(url, json=ask, timeout=10).status_code == 401
        assert http.post(url, json=ask, headers=key, timeout=10).status_code == 200
        reply = http.post(url, json={"model": "gpt-nope", "input": "q"}, headers=key, timeout=10)
        assert reply.status_code == 400
        assert reply.json() == {"error": {"message": "The requested model 'gpt-nope' does not exist.",
                                          "type": "invalid_request_error", "param": "model",
                                          "code": "model_not_found"}}


def test_strict_key_and_known_models(http: requests.Session) -> None:
    with MockModelServer(api_key="right-key", known_models_only=True) as server:
        url = f"{server.openai_base_url}/chat/completions"
        body = {"model": "gpt-5", "messages": [{"role": "user", "content": "q"}]}
        assert http.post(url, json=body, timeout=10).status_code == 401
        wrong = http.post(url, json=body, headers={"Authorization": "Bearer wrong"}, timeout=10)
        assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "invalid_api_key"
        right = {"Authorization": "Bearer right-key"}
        assert http.post(url, json=body, headers=right, timeout=10).status_code == 200
        unknown = http.post(url, json={**body, "model": "gpt-99"}, headers=right, timeout=10)
        assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "model_not_found"
        anthropic = {**ANTHROPIC, "x-api-key": "right-key"}
        claude = {"model": "nope", "max_tokens": 5, "messages": [{"role": "user", "content": "q"}]}
        claude_url = f"{server.anthropic_base_url}/v1/messages"
        refused = http.post(claude_url, json=claude, headers=anthropic, timeout=10)
        assert refused.status_code == 404 and refused.json()["error"]["type"] == "not_found_error"


def test_tool_choice_and_parallel_tool_calls_are_honoured(
    server: MockModelServer, http: requests.Session
) -> None:
    calls = [MockToolCall(name="a"), MockToolCall(name="b")]
    user = [{"role": "user", "content": "q"}]
    server.enqueue(MockReply(tool_calls=calls))
    none = chat(http, server, messages=user, tools=TOOLS, tool_choice="none").json()["choices"][0]
    assert "tool_calls" not in none["message"] and none["finish_reason"] == "stop"
    server.enqueue(MockReply(tool_calls=calls))
    one = chat(http, server, messages=user, tools=TOOLS, parallel_tool_calls=False).json()["choices"][0]
    assert [c["function"]["name"] for c in one["message"]["tool_calls"]] == ["a"]
    server.enqueue(MockReply(tool_calls=calls))
    claude = messages(http, server, user, tools=[{"name": "a", "input_schema": {"type": "object"}}],
                      tool_choice={"type": "auto", "disable_parallel_tool_use": True}).json()
    assert [b["name"] for b in claude["content"] if b["type"] == "tool_use"] == ["a"]


@pytest.mark.parametrize("stream", [False, True])
def test_max_tokens_cut_the_reply_with_finish_reason_length(
    server: MockModelServer, http: requests.Session, stream: bool
) -> None:
    server.enqueue(MockReply(content="x" * 400))
    user = [{"role": "user", "content": "q"}]
    reply = chat(http, server, messages=user, max_completion_tokens=5, stream=stream)
    if stream:
        assert '"finish_reason":"length"' in reply.text and "x" * 21 not in reply.text.replace('"', "")
    else:
        choice = reply.json()["choices"][0]
        assert choice["finish_reason"] == "length" and choice["message"]["content"] == "x" * 20
    server.enqueue(MockReply(content="y" * 400))
    claude = messages(http, server, [{"role": "user", "content": "q"}], max_tokens=5).json()
    assert claude["stop_reason"] == "max_tokens" and claude["content"][0]["text"] == "y" * 20


def test_ids_are_unique_across_servers_and_resets(http: requests.Session) -> None:
    seen: set[str] = set()
    for _ in range(2):
        with MockModelServer() as server:
            for _ in range(2):
                server.enqueue(MockReply(tool_calls=[MockToolCall(name="a")]))
                reply = chat(http, server, messages=[{"role": "user", "content": "q"}], tools=TOOLS)
                body = reply.json()
                call_id = body["choices"][0]["message"]["tool_calls"][0]["id"]
                ids = {body["id"], call_id, reply.headers["x-request-id"]}
                assert not ids & seen
                seen |= ids
                server.reset()
    assert len(seen) == 12


@pytest.mark.parametrize(
    ("fields", "error"),
    [({"body": {"error": "x"}}, TypeError), ({"headers": {"Retry-After": 1}}, TypeError),
     ({"status": "500"}, TypeError), ({"status": 700}, ValueError), ({"drop": "yes"}, TypeError),
     ({"latency": "1"}, TypeError), ({"message": 5}, TypeError)],
)
def test_mock_fault_validates_its_fields_at_construction(fields: dict[str, Any], error: type) -> None:
    with pytest.raises(error, match=next(iter(fields))):
        MockFault(**fields)


def _exchange_raw(server: MockModelServer, path: str, body: dict[str, Any], last: bytes = b"") -> bytes:
    """One HTTP/1.1 request on a socket of its own; all the server sends until it closes
    (``last``: ask it to, with ``Connection: close``)."""
    payload = json.dumps(body).encode()
    with socket.create_connection(("127.0.0.1", int(server.url.rsplit(":", 1)[1]))) as sock:
        sock.sendall(b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"anthropic-version: 2023-06-01\r\n%sContent-Length: %d\r\n\r\n%s"
                     % (path.encode(), last, len(payload), payload))
        sock.settimeout(10)
        data = b""
        while chunk := sock.recv(65536):  # the server closes: the loop ends
            data += chunk
    return data


USER_Q = [{"role": "user", "content": "q"}]
ENDPOINTS = {
    "chat": ("/v1/chat/completions", {"model": "gpt-5", "messages": USER_Q}),
    "messages": ("/v1/messages", {"model": "claude-sonnet-4.5", "max_tokens": 100, "messages": USER_Q}),
    "responses": ("/v1/responses", {"model": "gpt-5", "input": "q"}),
}


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
@pytest.mark.parametrize("stream", [False, True])
def test_a_reply_can_close_its_connection(server: MockModelServer, endpoint: str, stream: bool) -> None:
    server.enqueue(MockReply(content="bye", close_connection=True))
    path, body = ENDPOINTS[endpoint]
    data = _exchange_raw(server, path, {**body, "stream": stream})
    assert data.startswith(b"HTTP/1.1 200 ") and b"Connection: close" in data and b"bye" in data


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
@pytest.mark.parametrize("stream", [False, True])
def test_a_reply_can_answer_as_http_1_0(server: MockModelServer, endpoint: str, stream: bool) -> None:
    """An HTTP/1.0 status line, neither a length nor chunks: the body ends with the
    connection, which the server closes after it (the read loop ends)."""
    server.enqueue(MockReply(content="bye", http_version="1.0"), MockReply(content="again"))
    path, body = ENDPOINTS[endpoint]
    data = _exchange_raw(server, path, {**body, "stream": stream})
    head, _, payload = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 200 ")
    assert b"content-length" not in head.lower() and b"transfer-encoding" not in head.lower()
    assert b"bye" in payload and not payload.endswith(b"0\r\n\r\n")
    if stream:
        assert payload.startswith(b"data: " if endpoint == "chat" else b"event: ")
    else:
        assert json.loads(payload)  # the whole body, as sent
    again = _exchange_raw(server, path, {**body, "stream": stream}, b"Connection: close\r\n")
    assert again.startswith(b"HTTP/1.1 200 ") and b"again" in again  # the next reply: 1.1


@pytest.mark.parametrize(
    ("value", "error"), [("2", ValueError), ("HTTP/1.0", ValueError), (1.0, TypeError), (None, TypeError)]
)
def test_mock_reply_validates_its_http_version(value: Any, error: type) -> None:
    with pytest.raises(error, match='http_version must be .*"1.0" or "1.1"'):
        MockReply(http_version=value)
