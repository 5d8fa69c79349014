"""Anthropic Messages API endpoints of the mock model server.

``POST .../v1/messages`` answers in JSON or, with ``"stream": true``, with the SSE
events ``message_start``, ``content_block_start``, ``ping``, ``content_block_delta``
(``text_delta``, ``input_json_delta``), ``content_block_stop``, ``message_delta``
and ``message_stop``. Requests are checked the way the API does (``max_tokens``
required, roles alternating from ``user``, an ``anthropic-version`` header).
Scripted :class:`MockReply`/:class:`MockFault` work as for chat completions; the
default reply is the same echo of the conversation. ``GET .../v1/models`` with an
``anthropic-version`` header lists the models in Anthropic's shape.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from ._exchange import Exchange, pieces, send_fault
from ._limits import DEFAULT_MAX_PROMPT_TOKENS, anthropic_prompt_tokens, anthropic_too_long
from ._openai import MODELS, echo_text, handle_models, images_note
from ._server import Route, path_endswith
from ._strict import access_problem, anthropic_merge, anthropic_problem, shape_reply
from ._types import MockFault, MockReply, MockToolCall

__all__ = ["ROUTES"]

_DEFAULT_MODEL = "claude-sonnet-4.5"
_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}


def _error(exchange: Exchange, status: int, message: str, headers: Any = None) -> None:
    kind = _ERROR_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")
    body = {"type": "error", "error": {"type": kind, "message": message}, "request_id": exchange.request_id}
    exchange.send_json(status, body, headers)


def _block_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            b.get("text", "") for b in content if isinstance(b, dict) and b.get("type") == "text"
        )
    return ""


def _echo_messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The conversation as chat-completions-like messages, for the echo reply."""
    out: list[dict[str, Any]] = [{"role": "system"}] if body.get("system") else []
    for message in body["messages"]:
        content = message.get("content")
        blocks = content if isinstance(content, list) else []
        only_results = bool(blocks) and all(
            isinstance(b, dict) and b.get("type") == "tool_result" for b in blocks
        )
        role = "tool" if only_results else message.get("role")
        out.append({"role": role, "content": _block_text(content)})
    return out


def _images(body: dict[str, Any]) -> list[str]:
    """The image blocks of the request, as data URLs (for the echo)."""
    urls = []
    for message in body["messages"]:
        content = message.get("content") if isinstance(message, dict) else None
        for block in content if isinstance(content, list) else ():
            source = block.get("source") if isinstance(block, dict) and block.get("type") == "image" else None
            if isinstance(source, dict) and source.get("type") == "base64":
                urls.append(f"data:{source.get('media_type')};base64,{source.get('data')}")
    return urls


def _problem(exchange: Exchange) -> str | None:
    """What the API would refuse; consecutive turns of one role are merged first, as
    the API does."""
    body = exchange.request.body
    if exchange.request.get_header("anthropic-version") is None:
        return "anthropic-version: header is required"
    if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
        return "messages: Field required"
    if not isinstance(body.get("max_tokens"), int) or body["max_tokens"] < 1:
        return "max_tokens: Field required"
    problem = anthropic_problem(body, anthropic_merge(body["messages"]))
    return None if problem is None else problem[0]


def _tool_input(call: MockToolCall) -> tuple[dict[str, Any], str]:
    if isinstance(call.arguments, str):
        try:
            parsed = json.loads(call.arguments)
        except ValueError:
            return {}, call.arguments
        return (parsed if isinstance(parsed, dict) else {}), call.arguments
    value = call.arguments if isinstance(call.arguments, dict) else {}
    return value, json.dumps(value)


def handle_messages(exchange: Exchange) -> None:
    """Answer ``POST .../v1/messages``: a fault, a scripted reply or the echo."""
    problem = _problem(exchange)
    if problem is not None:
        _error(exchange, 400, problem)
        return
    body = exchange.request.body
    model = body.get("model") if isinstance(body.get("model"), str) else _DEFAULT_MODEL
    refused = access_problem(exchange.request, exchange.state.settings, model, [m[0] for m in MODELS])
    if refused is not None:
        _error(exchange, *refused)
        return
    prompt_tokens = anthropic_prompt_tokens(body)
    limit = exchange.state.settings.max_prompt_tokens
    if limit is not None and prompt_tokens > limit:
        exchange.send_json(400, anthropic_too_long(limit, prompt_tokens))
        return
    item = exchange.state.script.pop(body)
    if isinstance(item, MockFault):
        if item.status and item.body is None and not (item.drop or item.malformed or item.wrong_shape):
            if exchange.sleep(item.latency or exchange.state.settings.latency):
                _error(exchange, item.status, item.message, item.headers)
            return
        send_fault(exchange, item)
        return
    merged = {**body, "messages": anthropic_merge(body["messages"])}
    echo = echo_text(model, _echo_messages(merged)) + images_note(_images(body))
    reply = item if item is not None else MockReply(content=echo)
    choice = body.get("tool_choice") if isinstance(body.get("tool_choice"), dict) else {}
    reply, cut = shape_reply(
        reply,
        tools_off=choice.get("type") == "none",
        parallel=choice.get("disable_parallel_tool_use") is not True,
        max_tokens=body["max_tokens"],
    )
    exchange.frame_as(reply)
    settings = exchange.state.settings
    if not exchange.sleep(reply.latency if reply.latency is not None else settings.latency):
        exchange.close_abruptly()
        return
    calls = [
        (call.id or f"toolu_{exchange.state.new_id('toolu')}", call.name, *_tool_input(call))
        for call in reply.tool_calls
    ]
    usage = {
        "input_tokens": reply.prompt_tokens if reply.prompt_tokens is not None else prompt_tokens,
        "output_tokens": reply.completion_tokens
        if reply.completion_tokens is not None
        else (len(reply.content) + sum(len(c[3]) for c in calls)) // 4 + 1,
    }
    message_id = f"msg_{exchange.state.new_id('msg')}"
    stop_reason = "max_tokens" if cut else "tool_use" if calls else "end_turn"
    if body.get("stream") is True:
        events = _events(
            reply, message_id, reply.model or model, calls, usage, stop_reason, exchange.chunk_size(reply)
        )
        exchange.stream_sse(_frames(events, reply.stall_after), reply)
        return
    content: list[dict[str, Any]] = []
    if reply.content or not calls:
        content.append({"type": "text", "text": reply.content})
    content.extend({"type": "tool_use", "id": c[0], "name": c[1], "input": c[2]} for c in calls)
    exchange.send_json(
        200,
        {
            "id": message_id,
            "type": "message",
            "role": "assistant",
            "model": reply.model or model,
            "content": content,
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": usage,
        },
    )


def _events(
    reply: MockReply,
    message_id: str,
    model: str,
    calls: Sequence[tuple[str, str, dict[str, Any], str]],
    usage: dict[str, int],
    stop_reason: str,
    size: int,
) -> Iterator[dict[str, Any]]:
    message: dict[str, Any] = {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": usage["input_tokens"], "output_tokens": 1},
    }
    yield {"type": "message_start", "message": message}
    index = 0
    if reply.content or not calls:
        yield {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}
        yield {"type": "ping"}
        for piece in pieces(reply.content, size):
            yield {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}}
        yield {"type": "content_block_stop", "index": 0}
        index = 1
    for offset, (call_id, name, _, raw) in enumerate(calls):
        block = {"type": "tool_use", "id": call_id, "name": name, "input": {}}
        yield {"type": "content_block_start", "index": index + offset, "content_block": block}
        for piece in pieces(raw, size):
            delta = {"type": "input_json_delta", "partial_json": piece}
            yield {"type": "content_block_delta", "index": index + offset, "delta": delta}
        yield {"type": "content_block_stop", "index": index + offset}
    yield {
        "type": "message_delta",
        "delta": {"stop_reason": stop_reason, "stop_sequence": None},
        "usage": {"output_tokens": usage["output_tokens"]},
    }
    yield {"type": "message_stop"}


def _frames(events: Iterator[dict[str, Any]], stall_after: int | None) -> Iterator[tuple[bytes, bool]]:
    """SSE frames of ``events``; the stall point is after ``stall_after`` text deltas
    (or at the first block's end if there are fewer)."""
    text_deltas = 0
    for event in events:
        is_text = event["type"] == "content_block_delta" and event["delta"]["type"] == "text_delta"
        stall = stall_after is not None and (
            (is_text and text_deltas == stall_after) or event["type"] == "content_block_stop"
        )
        data = json.dumps(event, separators=(",", ":")).encode()
        yield b"event: " + event["type"].encode() + b"\ndata: " + data + b"\n\n", stall
        text_deltas += is_text


def handle_models_anthropic(exchange: Exchange) -> None:
    """``GET .../v1/models``: Anthropic's shape for Anthropic clients, else OpenAI's."""
    if exchange.request.get_header("anthropic-version") is None:
        handle_models(exchange)
        return
    limit = exchange.state.settings.max_prompt_tokens or DEFAULT_MAX_PROMPT_TOKENS
    data = [
        {
            "type": "model",
            "id": model_id,
            "display_name": name,
            "created_at": "2025-01-01T00:00:00Z",
            "max_input_tokens": limit,
            "max_tokens": 16384,
        }
        for model_id, name, _vendor in MODELS
    ]
    exchange.send_json(
        200, {"data": data, "has_more": False, "first_id": data[0]["id"], "last_id": data[-1]["id"]}
    )


ROUTES: tuple[Route, ...] = (
    Route("POST", path_endswith("/v1/messages"), handle_messages, model_call=True),
    Route("GET", path_endswith("/v1/models"), handle_models_anthropic),
)
"""The Anthropic-format routes; they go before the OpenAI-format routes."""
