"""The Responses wire format over real HTTP against MockModelServer: schema-valid
requests and replies, the tool loop, reasoning summaries and encrypted reasoning
items, resume, and the failure semantics it shares with chat completions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Dict, List

import pytest
import requests

from copilot_sdk import (
    APIConnectionError,
    BadRequestError,
    CopilotClient,
    ProviderConfig,
    define_tool,
)
from copilot_sdk.events import SessionEvent
from copilot_sdk.providers.responses_wire import StreamAccumulator, parse_response
from copilot_sdk.testing import MockFault, MockModelServer, MockReply, MockToolCall

from ._spec import sse_events
from ._spec import validate_responses_event as validate_event
from ._spec import validate_responses_reply as validate_response
from ._spec import validate_responses_request as validate_request

MakeClient = Callable[..., CopilotClient]


@define_tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def responses_provider(server: MockModelServer) -> ProviderConfig:
    return ProviderConfig(type="openai", base_url=server.openai_base_url, api_key="k", wire_api="responses")


def model_calls(server: MockModelServer) -> List[Dict[str, Any]]:
    return [r.body for r in server.chat_requests]


def replay(server: MockModelServer, body: Dict[str, Any]) -> None:
    """Send ``body`` to the mock again and hold its reply (JSON or every SSE event)
    to the schema."""
    server.enqueue(
        MockReply(
            content="Let me add.",
            reasoning="Adding is easy.",
            tool_calls=[MockToolCall(name="add", arguments={"a": 1, "b": 2})],
        )
    )
    reply = requests.post(f"{server.openai_base_url}/responses", json=body, timeout=10)
    assert reply.status_code == 200, reply.text
    if body.get("stream"):
        events = sse_events(reply.content)
        assert events[0]["type"] == "response.created" and events[-1]["type"] == "response.completed"
        for event in events:
            validate_event(event)
        folder = StreamAccumulator()
        for event in events:
            folder.add(event)
        assert folder.done and folder.result().tool_calls[0].arguments == {"a": 1, "b": 2}
    else:
        validate_response(reply.json())
        assert parse_response(reply.json()).reasoning_text == "Adding is easy."


@pytest.mark.parametrize("stream", [False, True])
def test_tool_loop_requests_and_replies_are_schema_valid(
    stream: bool, server: MockModelServer, make_client: MakeClient
) -> None:
    client = make_client(provider=responses_provider(server))
    session = client.create_session(
        model="gpt-5",
        tools=[add],
        system_message="Be brief.",
        streaming=stream,
        max_output_tokens=500,
        reasoning_effort="low",
        temperature=0.5,
    )
    server.enqueue(
        MockReply(
            content="",
            reasoning="I should add.",
            tool_calls=[MockToolCall(name="add", arguments={"a": 2, "b": 3})],
        ),
        MockReply(content="5"),
    )
    reply = session.send("What is 2+3?")
    assert reply.data.content == "5"
    first, second = model_calls(server)
    for body in (first, second):
        validate_request(body)
        assert body["store"] is False and body["include"] == ["reasoning.encrypted_content"]
        assert body["instructions"] == "Be brief." and body["max_output_tokens"] == 500
        assert body["reasoning"] == {"summary": "auto", "effort": "low"}
        assert body["tools"][0]["name"] == "add" and body.get("stream", False) is stream
    kinds = [item["type"] for item in second["input"]]
    assert kinds == ["message", "reasoning", "function_call", "function_call_output"]
    assert second["input"][3] == {
        "type": "function_call_output",
        "call_id": second["input"][2]["call_id"],
        "output": "5",
    }
    for body in (first, second):
        replay(server, body)


def test_reasoning_summaries_are_events_and_encrypted_items_go_back(
    server: MockModelServer, make_client: MakeClient
) -> None:
    session = make_client(provider=responses_provider(server)).create_session(model="gpt-5", tools=[add])
    server.enqueue(
        MockReply(
            reasoning="Thinking about sums, carefully.",
            tool_calls=[MockToolCall(name="add", arguments={"a": 1, "b": 1})],
        ),
        MockReply(content="two", reasoning="Done."),
        MockReply(content="ok"),
    )
    events = list(session.stream("1+1?"))
    deltas = [e.data.delta_content for e in events if e.type == "assistant.reasoning_delta"]
    summaries = [e.data for e in events if e.type == "assistant.reasoning"]
    assert "".join(deltas) == "Thinking about sums, carefully.Done."
    assert [s.content for s in summaries] == ["Thinking about sums, carefully.", "Done."]
    assert len({s.reasoning_id for s in summaries}) == 2
    assert {e.data.reasoning_id for e in events if e.type == "assistant.reasoning_delta"} == {
        s.reasoning_id for s in summaries
    }
    order = [e.type for e in events if e.type in ("assistant.reasoning", "assistant.message")]
    assert order == ["assistant.reasoning", "assistant.message"] * 2
    # kept in the log, with their encrypted content...
    logged = [e for e in session.get_messages() if e.type == "assistant.message"]
    items = [item for e in logged for item in e.data.reasoning_items]
    assert len(items) == 2 and all(item["encrypted_content"] for item in items)
    assert [e.data.content for e in session.get_messages() if e.type == "assistant.reasoning"] == [
        s.content for s in summaries
    ]
    # ...and sent back, verbatim but for status, on every later call (the mock verifies them)
    session.send("and again?")
    last = model_calls(server)[-1]["input"]
    sent = [i for i in last if i["type"] == "reasoning"]
    assert sent == [{k: v for k, v in item.items() if k != "status"} for item in items]


def test_forged_encrypted_reasoning_is_refused_by_the_mock(server: MockModelServer) -> None:
    body = {
        "model": "gpt-5",
        "input": [
            {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": "forged"},
            {"type": "message", "role": "assistant", "content": "hi"},
            {"type": "message", "role": "user", "content": "again"},
        ],
    }
    reply = requests.post(f"{server.openai_base_url}/responses", json=body, timeout=10)
    assert reply.status_code == 400 and "could not be verified" in reply.json()["error"]["message"]
    unpaired = {"model": "gpt-5", "input": [{"type": "function_call_output", "call_id": "c9", "output": "x"}]}
    reply = requests.post(f"{server.openai_base_url}/responses", json=unpaired, timeout=10)
    assert reply.status_code == 400 and "No tool call found" in reply.json()["error"]["message"]


def test_models_that_do_not_reason_get_no_reasoning_options(server: MockModelServer) -> None:
    body = {"model": "gpt-4.1", "input": "hi", "include": ["reasoning.encrypted_content"]}
    reply = requests.post(f"{server.openai_base_url}/responses", json=body, timeout=10)
    assert reply.status_code == 400 and "not supported with this model" in reply.text


def test_resume_with_attachments_and_reasoning_sends_a_byte_identical_request(
    server: MockModelServer, tmp_path: Path
) -> None:
    picture = tmp_path / "plot.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(64)))
    notes = tmp_path / "notes.txt"
    notes.write_text("the axis is in seconds\n", encoding="utf-8")
    store = str(tmp_path / "sessions.db")
    kwargs: Dict[str, Any] = dict(provider=responses_provider(server), store=store, retry_initial_delay=0.01)
    with CopilotClient(**kwargs) as first:
        session = first.create_session(
            model="gpt-5", session_id="plots", tools=[add], system_message="Look closely."
        )
        server.enqueue(
            MockReply(
                reasoning="Read the plot.", tool_calls=[MockToolCall(name="add", arguments={"a": 1, "b": 2})]
            ),
            MockReply(content="It rises.", reasoning="Summarise."),
        )
        session.send(
            "What does this show?",
            attachments=[{"type": "file", "path": str(picture)}, {"type": "file", "path": str(notes)}],
        )
        server.enqueue(MockFault(status=400, message="refused once"))
        with pytest.raises(BadRequestError):
            session.send("And the trend?")  # fails: nothing committed, but the request was sent
    live = server.chat_requests[-1].raw_body
    picture.write_bytes(b"changed on disk since")  # what is resent comes from the log, not the disk
    with CopilotClient(**kwargs) as second:
        resumed = second.resume_session("plots", tools=[add])
        resumed.send("And the trend?")
    assert server.chat_requests[-1].raw_body == live
    body = json.loads(live)
    image = body["input"][0]["content"][1]
    assert image["type"] == "input_image" and image["image_url"].startswith("data:image/png;base64,")
    assert "the axis is in seconds" in body["input"][0]["content"][2]["text"]


def test_retries_faults_and_truncation(server: MockModelServer, make_client: MakeClient) -> None:
    session = make_client(provider=responses_provider(server)).create_session(model="gpt-5")
    server.enqueue(MockFault(status=429, headers={"Retry-After": "0"}), MockReply(content="after a retry"))
    events: List[SessionEvent] = []
    session.on(events.append)
    assert session.send("hi").data.content == "after a retry"
    assert [e.type for e in events].count("assistant.turn_retry") == 1
    server.enqueue(*[MockReply(content="x" * 40, chunk_size=4, truncate_after=3)] * 3)
    with pytest.raises(APIConnectionError, match="ended before the reply was complete|connection"):
        list(session.stream("cut short"))
    assert [e.type for e in session.get_messages()].count("user.message") == 1  # nothing committed
    failed = {
        "id": "resp_f",
        "object": "response",
        "status": "failed",
        "output": [],
        "error": {"code": "invalid_prompt", "message": "Invalid prompt."},
    }
    server.enqueue(MockFault(body=json.dumps(failed)))
    with pytest.raises(BadRequestError, match="invalid_prompt"):
        session.send("refused")


def test_azure_responses_url(server: MockModelServer, make_client: MakeClient) -> None:
    provider = ProviderConfig(type="azure", base_url=server.url, api_key="k", wire_api="responses")
    reply = make_client(provider=provider).create_session(model="dep").send("hi")
    assert reply.data.content.startswith("echo: model=dep")
    request = server.chat_requests[-1]
    assert request.path == "/openai/v1/responses" and request.get_header("api-key") == "k"
    assert request.body["model"] == "dep" and "api-version" not in request.query
    deployment = ProviderConfig(
        type="azure", base_url=server.url + "/openai/deployments/dep2", api_key="k", wire_api="responses"
    )
    make_client(provider=deployment).create_session().send("hi")
    assert (
        server.chat_requests[-1].path == "/openai/v1/responses"
        and server.chat_requests[-1].body["model"] == "dep2"
    )


def test_wire_api_is_validated_and_persisted() -> None:
    with pytest.raises(ValueError, match="wire_api"):
        ProviderConfig(type="openai", wire_api="chat")
    assert ProviderConfig(type="openai", wire_api="responses").to_public_dict()["wire_api"] == "responses"


def test_failed_and_error_stream_events_raise_the_matching_errors() -> None:
    from copilot_sdk import InternalServerError, RateLimitError

    folder = StreamAccumulator()
    assert folder.add({"type": "response.output_text.delta", "delta": "Hi"}) == "Hi"
    failed = {
        "type": "response.failed",
        "response": {"error": {"code": "rate_limit_exceeded", "message": "slow down"}},
    }
    with pytest.raises(RateLimitError, match="slow down"):
        folder.add(failed)
    with pytest.raises(InternalServerError, match="server_error"):
        StreamAccumulator().add({"type": "error", "code": None, "message": "boom", "param": None})
    incomplete = StreamAccumulator()
    incomplete.add(
        {
            "type": "response.incomplete",
            "response": {
                "status": "incomplete",
                "output": [],
                "incomplete_details": {"reason": "max_output_tokens"},
            },
        }
    )
    assert incomplete.done and incomplete.result().finish_reason == "length"


def test_failed_responses_from_the_mock_streamed_and_not(
    server: MockModelServer, make_client: MakeClient
) -> None:
    from copilot_sdk import InternalServerError

    session = make_client(provider=responses_provider(server)).create_session(model="gpt-5")
    server.enqueue(MockReply(content="never", fail_code="rate_limit_exceeded"), MockReply(content="fine"))
    assert session.send("hi").data.content == "fine"  # a rate-limited response is retried
    server.enqueue(MockReply(content="partial answer", fail_code="server_error"))
    with pytest.raises(InternalServerError, match="server_error"):
        list(session.stream("hi"))  # text reached the caller: not re-sent
    assert len(server.chat_requests) == 3
    for stream in (False, True):
        server.enqueue(MockReply(content="x", fail_code="server_error"))
        body = {"model": "gpt-5", "input": "hi", "stream": stream}
        reply = requests.post(f"{server.openai_base_url}/responses", json=body, timeout=10)
        if stream:
            events = sse_events(reply.content)
            assert events[-1]["type"] == "response.failed"
            for event in events:
                validate_event(event)
        else:
            validate_response(reply.json())
            assert reply.json()["status"] == "failed"
