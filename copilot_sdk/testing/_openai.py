"""OpenAI chat-completions and models endpoints of the mock model server.

Payloads follow OpenAI's published schemas (``CreateChatCompletionResponse``,
``CreateChatCompletionStreamResponse``); the project's tests validate every reply
against them.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator, Sequence
from typing import Any

import attrs

from ._exchange import Exchange, error_body, pieces, send_fault
from ._limits import DEFAULT_MAX_PROMPT_TOKENS, openai_prompt_tokens, openai_too_long
from ._server import Route, path_endswith
from ._strict import access_problem, openai_problem, shape_reply, text_of
from ._types import MockFault, MockReply, MockToolCall

__all__ = ["MODELS", "ROUTES", "echo_text"]

MODELS: tuple[tuple[str, str, str], ...] = (
    ("gpt-5", "GPT-5", "openai"),
    ("gpt-5-mini", "GPT-5 mini", "openai"),
    ("gpt-4.1", "GPT-4.1", "openai"),
    ("claude-sonnet-4.5", "Claude Sonnet 4.5", "anthropic"),
)
"""(id, display name, vendor) of the models ``GET .../models`` lists."""

_DEFAULT_MODEL = "gpt-5"


@attrs.frozen
class _ToolCallOut:
    id: str
    name: str
    arguments: str


def _request_model(exchange: Exchange) -> str:
    model = exchange.request.body.get("model")
    if isinstance(model, str) and model:
        return model
    parts = exchange.request.path.split("/")
    if "deployments" in parts[:-1]:  # Azure: the deployment names the model
        return parts[parts.index("deployments") + 1]
    return _DEFAULT_MODEL


def echo_text(model: str, messages: Sequence[Any]) -> str:
    """Return the default reply: a deterministic summary of the conversation received.

    Args:
        model: The model the request named.
        messages: The request's ``messages``.

    Returns:
        ``"echo: model=M; messages=N; system=yes|no; first_user='..'; last_user='..'"``
        where first/last_user are the first/last user message texts (None if there is
        no user message; text parts joined with no separator).
    """
    dicts = [m for m in messages if isinstance(m, dict)]
    users = [text_of(m.get("content"), ("text",)) for m in dicts if m.get("role") == "user"]
    system = "yes" if any(m.get("role") == "system" for m in dicts) else "no"
    first = users[0] if users else None
    last = users[-1] if users else None
    return (
        f"echo: model={model}; messages={len(messages)}; system={system}; "
        f"first_user={first!r}; last_user={last!r}"
    )


def images_note(urls: Sequence[str]) -> str:
    """The echo's account of the images a request carried: "" for none, else
    ``"; images=['image/png 1234 bytes', ...]"`` (MIME type and decoded size of each
    ``data:`` URL; other URLs as given)."""
    if not urls:
        return ""
    described = []
    for url in urls:
        head, _, data = url.partition(",")
        if url.startswith("data:") and head.endswith(";base64"):
            try:
                size = len(base64.b64decode(data, validate=True))
            except ValueError:
                size = -1
            described.append(f"{head[5:-7]} {size} bytes")
        else:
            described.append(url[:100])
    return f"; images={described!r}"


def _chat_images(messages: Sequence[Any]) -> list[str]:
    urls = []
    for message in messages:
        content = message.get("content") if isinstance(message, dict) else None
        for part in content if isinstance(content, list) else ():
            image = part.get("image_url") if isinstance(part, dict) else None
            if isinstance(part, dict) and part.get("type") == "image_url" and isinstance(image, dict):
                urls.append(str(image.get("url", "")))
    return urls


def _tool_calls_out(exchange: Exchange, calls: Sequence[MockToolCall]) -> list[_ToolCallOut]:
    out = []
    for call in calls:
        call_id = call.id if call.id is not None else f"call_{exchange.state.new_id('call')}"
        args = call.arguments if isinstance(call.arguments, str) else json.dumps(call.arguments)
        out.append(_ToolCallOut(call_id, call.name, args))
    return out


def _usage(
    prompt_tokens: int, reply: MockReply, content: str, calls: Sequence[_ToolCallOut]
) -> dict[str, int]:
    prompt = reply.prompt_tokens if reply.prompt_tokens is not None else prompt_tokens
    if reply.completion_tokens is not None:
        completion = reply.completion_tokens
    else:
        completion = (len(content) + sum(len(c.arguments) for c in calls)) // 4 + 1
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def handle_chat_completions(exchange: Exchange, *, split_choices: bool = False) -> None:
    """Answer ``POST .../chat/completions``: a fault, a scripted reply or the echo.

    ``split_choices``: put tool calls in a second choice (as the Copilot API serves
    Claude models) unless the reply's own ``split_choices`` says otherwise.
    """
    body = exchange.request.body
    if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
        exchange.send_json(400, error_body(400, "'messages' is required and must be an array"))
        return
    problem = openai_problem(body)
    if problem is not None:
        text, param, code = problem
        exchange.send_json(400, error_body(400, text, code, param))
        return
    model = _request_model(exchange)
    refused = access_problem(exchange.request, exchange.state.settings, model, [m[0] for m in MODELS])
    if refused is not None:
        status, text = refused
        code = "invalid_api_key" if status == 401 else "model_not_found"
        exchange.send_json(status, error_body(status, text, code))
        return
    prompt_tokens = openai_prompt_tokens(body)
    limit = exchange.state.settings.max_prompt_tokens
    if limit is not None and prompt_tokens > limit:
        exchange.send_json(400, openai_too_long(limit, prompt_tokens))
        return
    item = exchange.state.script.pop(body)
    if isinstance(item, MockFault):
        send_fault(exchange, item)
        return
    if item is None:
        echo = echo_text(model, body["messages"]) + images_note(_chat_images(body["messages"]))
    reply = item if item is not None else MockReply(content=echo)
    limit_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
    reply, cut = shape_reply(
        reply,
        tools_off=body.get("tool_choice") == "none",
        parallel=body.get("parallel_tool_calls") is not False,
        max_tokens=limit_tokens if isinstance(limit_tokens, int) else None,
    )
    exchange.frame_as(reply)
    settings = exchange.state.settings
    if not exchange.sleep(reply.latency if reply.latency is not None else settings.latency):
        exchange.close_abruptly()
        return
    calls = _tool_calls_out(exchange, reply.tool_calls)
    head = {
        "id": f"chatcmpl-{exchange.state.new_id('chatcmpl')}",
        "created": int(time.time()),
        "model": reply.model or model,
    }
    usage = _usage(prompt_tokens, reply, reply.content, calls)
    split = bool(calls) and (split_choices if reply.split_choices is None else reply.split_choices)
    if body.get("stream") is True:
        options = body.get("stream_options")
        include_usage = isinstance(options, dict) and options.get("include_usage") is True
        _stream(exchange, reply, head, calls, usage if include_usage else None, split, cut)
        return
    message: dict[str, Any] = {
        "role": "assistant",
        "content": reply.content if reply.content or not calls else None,
        "refusal": None,
        "annotations": [],
    }
    if calls:
        message["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in calls
        ]
    choice = {
        "index": 0,
        "message": message,
        "finish_reason": _finish(calls, cut),
        "logprobs": None,
    }
    choices = [choice]
    if split:  # the text in the first choice, the tool calls in a second one
        calls_message = {**message, "content": None, "tool_calls": message.pop("tool_calls")}
        choices = [{**choice, "finish_reason": "stop"}, {**choice, "index": 1, "message": calls_message}]
        message["content"] = reply.content
    exchange.send_json(200, {**head, "object": "chat.completion", "choices": choices, "usage": usage})


def _finish(calls: Sequence[_ToolCallOut], cut: bool) -> str:
    return "length" if cut else "tool_calls" if calls else "stop"


def _chunks(
    reply: MockReply,
    head: dict[str, Any],
    calls: Sequence[_ToolCallOut],
    size: int,
    usage: dict[str, int] | None,
    split: bool = False,
    cut: bool = False,
) -> Iterator[dict[str, Any]]:
    """Yield the stream's chunk objects: role, content, tool calls, finish, usage
    (with ``split``, the tool calls as choice 1)."""
    base: dict[str, Any] = {**head, "object": "chat.completion.chunk"}
    if usage is not None:
        base["usage"] = None  # as OpenAI does: null on every chunk but the last

    def chunk(delta: dict[str, Any], finish_reason: str | None = None, at: int = 0) -> dict[str, Any]:
        choice = {"index": at, "delta": delta, "finish_reason": finish_reason, "logprobs": None}
        return {**base, "choices": [choice]}

    at = 1 if split else 0
    yield chunk({"role": "assistant", "content": ""})
    for piece in pieces(reply.content, size):
        yield chunk({"content": piece})
    if split:
        yield chunk({}, "stop")
        yield chunk({"role": "assistant"}, at=at)
    for index, call in enumerate(calls):
        function = {"name": call.name, "arguments": ""}
        header = {"index": index, "id": call.id, "type": "function", "function": function}
        yield chunk({"tool_calls": [header]}, at=at)
        for piece in pieces(call.arguments, size):
            yield chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]}, at=at)
    yield chunk({}, _finish(calls, cut), at=at)
    if usage is not None:
        yield {**base, "choices": [], "usage": usage}


def _stream(
    exchange: Exchange,
    reply: MockReply,
    head: dict[str, Any],
    calls: Sequence[_ToolCallOut],
    usage: dict[str, int] | None,
    split: bool = False,
    cut: bool = False,
) -> None:
    size = exchange.chunk_size(reply)
    stall_at = None
    if reply.stall_after is not None:  # after the role chunk and stall_after content chunks
        stall_at = 1 + min(reply.stall_after, len(pieces(reply.content, size)))
    frames = (
        (b"data: " + json.dumps(chunk, separators=(",", ":")).encode() + b"\n\n", sent == stall_at)
        for sent, chunk in enumerate(_chunks(reply, head, calls, size, usage, split, cut))
    )
    exchange.stream_sse(frames, reply, tail=b"data: [DONE]\n\n")


def handle_models(exchange: Exchange) -> None:
    """Answer ``GET .../models`` with a fixed list of models (their prompt limit is
    the server's ``max_prompt_tokens`` when it enforces one)."""
    limit = exchange.state.settings.max_prompt_tokens or DEFAULT_MAX_PROMPT_TOKENS
    data = [
        {
            "id": model_id,
            "object": "model",
            "created": 0,
            "owned_by": "mock",
            "name": name,
            "vendor": vendor,
            "capabilities": {
                "limits": {"max_prompt_tokens": limit, "max_output_tokens": 16384},
                "supports": {"tool_calls": True, "streaming": True},
            },
        }
        for model_id, name, vendor in MODELS
    ]
    exchange.send_json(200, {"object": "list", "data": data})


ROUTES: tuple[Route, ...] = (
    Route("POST", path_endswith("/chat/completions"), handle_chat_completions, model_call=True),
    Route("GET", path_endswith("/models"), handle_models),
)
"""The OpenAI-format routes (any path prefix: /v1, Azure deployments, Copilot bases)."""
