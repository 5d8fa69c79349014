"""The pure wire-format conversions, both ways: Anthropic Messages API (request
building, strict alternation, tool blocks, replies, stream events, errors) and the
OpenAI chat-completions format (tools and streaming)."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest

from copilot_sdk import (
    APIResponseValidationError,
    APIStatusError,
    AuthenticationError,
    InternalServerError,
    RateLimitError,
)
from copilot_sdk.events import ToolRequest
from copilot_sdk.providers import anthropic_wire, openai_wire
from copilot_sdk.providers.base import Message, ModelRequest, ToolSpec

from ._spec import validate_chunk, validate_request, validate_response

WEATHER = ToolSpec(
    name="get_weather",
    description="Weather for a city",
    parameters={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)
CALL = ToolRequest(tool_call_id="toolu_1", name="get_weather", arguments={"city": "Paris"})


def request(*messages: Message, **kwargs: Any) -> ModelRequest:
    kwargs.setdefault("model", "claude-sonnet-4.5")
    kwargs.setdefault("system_message", None)
    return ModelRequest(messages=tuple(messages), **kwargs)


def test_request_body_basics() -> None:
    body = anthropic_wire.request_body(
        request(
            Message(role="user", content="hi"),
            system_message="Be brief.",
            tools=(WEATHER,),
            temperature=0.5,
            stream=True,
            reasoning_effort="high",
        ),
        model="claude-sonnet-4.5",
    )
    assert body == {
        "model": "claude-sonnet-4.5",
        "max_tokens": anthropic_wire.DEFAULT_MAX_TOKENS,
        "system": "Be brief.",
        "messages": [{"role": "user", "content": "hi"}],
        "tools": [
            {"name": "get_weather", "description": "Weather for a city", "input_schema": WEATHER.parameters}
        ],
        "temperature": 0.5,
        "stream": True,
    }
    explicit = anthropic_wire.request_body(
        request(Message(role="user", content="hi"), max_output_tokens=100), model="m"
    )
    assert explicit["max_tokens"] == 100 and "system" not in explicit and "stream" not in explicit


def test_tool_round_and_strict_alternation() -> None:
    second = ToolRequest(tool_call_id="toolu_2", name="get_weather", arguments='{"city": "Rome"}')
    messages = anthropic_wire.to_wire_messages(
        (
            Message(role="user", content="first"),
            Message(role="user", content="second"),  # consecutive: merged
            Message(role="assistant", content="Let me check.", tool_calls=(CALL, second)),
            Message(role="tool", content="sunny", tool_call_id="toolu_1"),
            Message(role="tool", content="rain", tool_call_id="toolu_2"),
            Message(role="user", content="thanks"),  # joins the tool results' user message
            Message(role="assistant", content=""),  # empty: dropped
            Message(role="user", content="bye"),
        )
    )
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    assert messages[0]["content"] == [{"type": "text", "text": "first"}, {"type": "text", "text": "second"}]
    assert messages[1]["content"] == [
        {"type": "text", "text": "Let me check."},
        {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}},
        {"type": "tool_use", "id": "toolu_2", "name": "get_weather", "input": {"city": "Rome"}},
    ]
    assert messages[2]["content"] == [
        {"type": "tool_result", "tool_use_id": "toolu_1", "content": "sunny"},
        {"type": "tool_result", "tool_use_id": "toolu_2", "content": "rain"},
        {"type": "text", "text": "thanks"},
        {"type": "text", "text": "bye"},
    ]


def test_parse_response_text_tools_usage() -> None:
    response = anthropic_wire.parse_response(
        {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": "claude-sonnet-4.5",
            "content": [
                {"type": "thinking", "thinking": "hmm", "signature": "x"},
                {"type": "text", "text": "Checking "},
                {"type": "text", "text": "now."},
                {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}},
            ],
            "stop_reason": "tool_use",
            "usage": {"input_tokens": 10, "cache_read_input_tokens": 5, "output_tokens": 7},
        }
    )
    assert response.content == "Checking now."
    assert response.tool_calls == (CALL,)
    assert (response.model, response.message_id, response.finish_reason) == (
        "claude-sonnet-4.5",
        "msg_1",
        "tool_use",
    )
    assert (response.input_tokens, response.output_tokens) == (15, 7)


@pytest.mark.parametrize(
    "body",
    [[], {"content": "text"}, {"content": [{"type": "text"}]}, {"content": [{"type": "tool_use", "id": 1}]}],
)
def test_malformed_replies_are_validation_errors(body: Any) -> None:
    with pytest.raises(APIResponseValidationError):
        anthropic_wire.parse_response(body)


def stream_events() -> List[Dict[str, Any]]:
    return [
        {
            "type": "message_start",
            "message": {
                "id": "msg_9",
                "model": "claude-sonnet-4.5",
                "content": [],
                "usage": {"input_tokens": 25, "output_tokens": 1},
            },
        },
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "ping"},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Let me "}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "check."}},
        {"type": "content_block_stop", "index": 0},
        {
            "type": "content_block_start",
            "index": 1,
            "content_block": {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}},
        },
        {
            "type": "content_block_delta",
            "index": 1,
            "delta": {"type": "input_json_delta", "partial_json": ""},
        },
        {
            "type": "content_block_delta",
            "index": 1,
            "delta": {"type": "input_json_delta", "partial_json": '{"ci'},
        },
        {
            "type": "content_block_delta",
            "index": 1,
            "delta": {"type": "input_json_delta", "partial_json": 'ty": "Paris"}'},
        },
        {"type": "content_block_stop", "index": 1},
        {"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 42}},
        {"type": "message_stop"},
    ]


def test_stream_accumulator() -> None:
    acc = anthropic_wire.StreamAccumulator()
    deltas = [acc.add(event) for event in stream_events()]
    assert "".join(deltas) == "Let me check." and [d for d in deltas if d] == ["Let me ", "check."]
    assert acc.done
    response = acc.result()
    assert response.content == "Let me check."
    assert response.tool_calls == (CALL,)
    assert (response.input_tokens, response.output_tokens, response.finish_reason) == (25, 42, "tool_use")
    assert response.message_id == "msg_9"


@pytest.mark.parametrize(
    "kind, cls, status",
    [
        ("overloaded_error", InternalServerError, 529),
        ("rate_limit_error", RateLimitError, 429),
        ("authentication_error", AuthenticationError, 401),
        ("something_new", InternalServerError, 500),
    ],
)
def test_stream_error_event(kind: str, cls: type, status: int) -> None:
    acc = anthropic_wire.StreamAccumulator()
    acc.add(stream_events()[0])
    with pytest.raises(cls) as info:
        acc.add({"type": "error", "error": {"type": kind, "message": "Overloaded"}})
    assert isinstance(info.value, APIStatusError) and info.value.status_code == status
    assert "Overloaded" in str(info.value)


def test_stream_delta_for_unknown_block_is_invalid() -> None:
    acc = anthropic_wire.StreamAccumulator()
    with pytest.raises(APIResponseValidationError):
        acc.add({"type": "content_block_delta", "index": 3, "delta": {"type": "text_delta", "text": "x"}})


def test_parse_models_pages() -> None:
    models, after = anthropic_wire.parse_models(
        {
            "data": [{"type": "model", "id": "claude-x", "display_name": "Claude X"}],
            "has_more": True,
            "last_id": "claude-x",
        }
    )
    assert [(m.id, m.name) for m in models] == [("claude-x", "Claude X")] and after == "claude-x"


# -- the OpenAI format, both ways ---------------------------------------------------------
def test_openai_wire_tool_round_trip() -> None:
    req = request(
        Message(role="user", content="weather?"),
        Message(role="assistant", content="", tool_calls=(CALL,)),
        Message(role="tool", content="sunny", tool_call_id="toolu_1"),
        model="gpt-5",
        system_message="sys",
        tools=(WEATHER,),
        max_output_tokens=50,
    )
    body = openai_wire.request_body(req, model="gpt-5")
    validate_request(body)
    assert [m["role"] for m in body["messages"]] == ["system", "user", "assistant", "tool"]
    assert body["messages"][2]["tool_calls"][0]["function"] == {
        "name": "get_weather",
        "arguments": '{"city": "Paris"}',
    }
    assert body["tools"][0]["function"]["parameters"] == WEATHER.parameters
    reply = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": "gpt-5",
        "choices": [
            {
                "index": 0,
                "finish_reason": "tool_calls",
                "logprobs": None,
                "message": {
                    "role": "assistant",
                    "content": None,
                    "refusal": None,
                    "tool_calls": [
                        {
                            "id": "toolu_1",
                            "type": "function",
                            "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                        }
                    ],
                },
            }
        ],
        "usage": {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7},
    }
    validate_response(reply)
    response = openai_wire.parse_response(reply)
    assert response.tool_calls == (CALL,) and (response.input_tokens, response.output_tokens) == (3, 4)


def test_openai_wire_stream() -> None:
    base = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "gpt-5"}
    chunks = [
        {
            **base,
            "choices": [
                {"index": 0, "delta": {"role": "assistant", "content": "Hel"}, "finish_reason": None}
            ],
        },
        {**base, "choices": [{"index": 0, "delta": {"content": "lo"}, "finish_reason": None}]},
        {
            **base,
            "choices": [
                {
                    "index": 0,
                    "delta": {
                        "tool_calls": [
                            {
                                "index": 0,
                                "id": "toolu_1",
                                "type": "function",
                                "function": {"name": "get_weather", "arguments": '{"city"'},
                            }
                        ]
                    },
                    "finish_reason": None,
                }
            ],
        },
        {
            **base,
            "choices": [
                {
                    "index": 0,
                    "delta": {"tool_calls": [{"index": 0, "function": {"arguments": ': "Paris"}'}}]},
                    "finish_reason": None,
                }
            ],
        },
        {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]},
    ]
    acc = openai_wire.StreamAccumulator()
    for chunk in chunks:
        validate_chunk(chunk)
    assert "".join(acc.add(c) for c in chunks) == "Hello"
    response = acc.result()
    assert response.content == "Hello" and response.tool_calls == (CALL,)
    assert response.finish_reason == "tool_calls"
