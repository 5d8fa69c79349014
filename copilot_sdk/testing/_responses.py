"""The OpenAI Responses endpoint of the mock model server (``POST .../responses``).

Answers a response object in JSON or, with ``"stream": true``, the SSE events
``response.created``, ``response.in_progress``, per output item
``response.output_item.added`` ... ``response.output_item.done`` (with
``response.reasoning_summary_text.delta``, ``response.output_text.delta`` and
``response.function_call_arguments.delta`` in between), then
``response.completed`` with usage. Payloads follow OpenAI's published schema
(``Response``, ``ResponseStreamEvent``); the project's tests validate them.

Requests are checked the way the API checks them (``_responses_checks``), with its
400 and error body (``message``, ``type``, ``param``, ``code``): ``input`` is
required and not empty; a ``function_call_output`` needs an earlier ``function_call``
with its ``call_id``, and every ``function_call`` its output; roles and item types
are the API's; ``temperature``, ``top_p``, ``max_output_tokens`` (at least 16) and
``top_logprobs`` are in range; with ``api_key`` or ``known_models_only`` a wrong key
is a 401 and an unknown model the API's 400 (``model_not_found``); a reasoning item
needs the item it produced right after it and an ``encrypted_content`` this server
issued (it is signed, so a changed or invented one is refused); reasoning options (``reasoning``, ``include:
["reasoning.encrypted_content"]``) are refused for models that do not reason
(``gpt-4*``). Scripted :class:`MockReply` and :class:`MockFault` work as for chat
completions; ``MockReply.reasoning`` adds a reasoning item. The default reply is
the echo of the conversation.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from typing import Any

from ._exchange import Exchange, error_body, pieces, send_fault
from ._limits import responses_prompt_tokens, responses_too_long
from ._openai import MODELS, echo_text, images_note
from ._responses_checks import SECRET, TEXT_PARTS, input_problem, sign
from ._server import Route, path_endswith
from ._strict import access_problem, text_of
from ._types import MockFault, MockReply

__all__ = ["ROUTES", "handle_responses"]

_DEFAULT_MODEL = "gpt-5"


def _echo_messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{"role": "system"}] if body.get("instructions") else []
    items = body["input"]
    if isinstance(items, str):
        return [*out, {"role": "user", "content": items}]
    for item in items:
        kind = item.get("type", "message")
        if kind == "message":
            out.append({"role": item.get("role"), "content": text_of(item.get("content"), TEXT_PARTS)})
        elif kind == "function_call_output":
            out.append({"role": "tool", "content": item.get("output")})
        elif kind == "function_call":
            out.append({"role": "assistant", "content": None})
    return out


def _images(body: dict[str, Any]) -> list[str]:
    found = []
    for item in body["input"] if isinstance(body["input"], list) else ():
        for part in item.get("content") if isinstance(item.get("content"), list) else ():
            if isinstance(part, dict) and part.get("type") == "input_image":
                found.append(str(part.get("image_url", "")))
    return found


def _output(exchange: Exchange, reply: MockReply, content: str) -> list[dict[str, Any]]:
    """The output items of the reply (ids fresh)."""
    state = exchange.state
    items: list[dict[str, Any]] = []
    if reply.reasoning is not None:
        rs_id = f"rs_{state.new_id('rs')}_{SECRET.hex()[:8]}"
        items.append(
            {
                "type": "reasoning",
                "id": rs_id,
                "summary": [{"type": "summary_text", "text": reply.reasoning}] if reply.reasoning else [],
                "encrypted_content": sign(rs_id),
                "status": "completed",
            }
        )
    if content or not reply.tool_calls:
        items.append(
            {
                "type": "message",
                "id": f"msg_{state.new_id('msg')}",
                "role": "assistant",
                "status": "completed",
                "content": [{"type": "output_text", "text": content, "annotations": [], "logprobs": []}],
            }
        )
    for call in reply.tool_calls:
        call_id = call.id if call.id is not None else f"call_{state.new_id('call')}"
        args = call.arguments if isinstance(call.arguments, str) else json.dumps(call.arguments)
        items.append(
            {
                "type": "function_call",
                "id": f"fc_{state.new_id('fc')}",
                "call_id": call_id,
                "name": call.name,
                "arguments": args,
                "status": "completed",
            }
        )
    return items


def _response(
    body: dict[str, Any], model: str, rid: str, output: list[dict[str, Any]], status: str
) -> dict[str, Any]:
    tools = body.get("tools") if isinstance(body.get("tools"), list) else []
    return {
        "id": rid,
        "object": "response",
        "created_at": int(time.time()),
        "status": status,
        "error": None,
        "incomplete_details": None,
        "instructions": body.get("instructions"),
        "model": model,
        "tools": tools,
        "output": output,
        "parallel_tool_calls": True,
        "metadata": {},
        "tool_choice": "auto",
        "temperature": body.get("temperature", 1.0),
        "top_p": 1.0,
        "store": False,
    }


def _usage(body: dict[str, Any], reply: MockReply, output: list[dict[str, Any]]) -> dict[str, Any]:
    prompt = reply.prompt_tokens
    if prompt is None:
        prompt = responses_prompt_tokens(body)
    completion = reply.completion_tokens
    if completion is None:
        completion = len(json.dumps(output)) // 16 + 1
    return {
        "input_tokens": prompt,
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens": completion,
        "output_tokens_details": {"reasoning_tokens": len(reply.reasoning or "") // 4},
        "total_tokens": prompt + completion,
    }


def handle_responses(exchange: Exchange) -> None:
    """Answer ``POST .../responses``: a refusal, a fault, a scripted reply or the echo."""
    body = exchange.request.body
    model: str = _DEFAULT_MODEL
    if isinstance(body, dict) and isinstance(body.get("model"), str):
        model = body["model"]
    if not isinstance(body, dict):
        exchange.send_json(400, error_body(400, "Request body must be a JSON object."))
        return
    problem = input_problem(body, model)
    if problem is not None:
        text, param, code = problem
        exchange.send_json(400, error_body(400, text, code, param))
        return
    refused = access_problem(exchange.request, exchange.state.settings, model, [m[0] for m in MODELS])
    if refused is not None:  # the Responses API answers an unknown model with a 400
        status, text = refused
        if status == 401:
            exchange.send_json(401, error_body(401, text, "invalid_api_key"))
        else:
            text = f"The requested model '{model}' does not exist."
            exchange.send_json(400, error_body(400, text, "model_not_found", "model"))
        return
    limit = exchange.state.settings.max_prompt_tokens
    if limit is not None and (tokens := responses_prompt_tokens(body)) > limit:
        exchange.send_json(400, responses_too_long(limit, tokens))
        return
    item = exchange.state.script.pop(body)
    if isinstance(item, MockFault):
        send_fault(exchange, item)
        return
    reply = (
        item
        if item is not None
        else MockReply(content=echo_text(model, _echo_messages(body)) + images_note(_images(body)))
    )
    exchange.frame_as(reply)
    settings = exchange.state.settings
    if not exchange.sleep(reply.latency if reply.latency is not None else settings.latency):
        exchange.close_abruptly()
        return
    model = reply.model or model
    output = _output(exchange, reply, reply.content)
    rid = f"resp_{exchange.state.new_id('resp')}"
    final = {**_response(body, model, rid, output, "completed"), "usage": _usage(body, reply, output)}
    if reply.fail_code is not None:
        error = {"code": reply.fail_code, "message": f"The response failed ({reply.fail_code})."}
        final = {**final, "status": "failed", "error": error, "output": []}
    if body.get("stream") is not True:
        exchange.send_json(200, final)
        return
    size = exchange.chunk_size(reply)
    events = list(_events(_response(body, model, rid, [], "in_progress"), final, output, size))
    stall_at = None
    if reply.stall_after is not None:
        deltas = [i for i, e in enumerate(events) if e["type"] == "response.output_text.delta"]
        stall_at = deltas[min(reply.stall_after, len(deltas)) - 1] + 1 if deltas and reply.stall_after else 2
    frames = (
        (f"event: {e['type']}\ndata: {json.dumps(e, separators=(',', ':'))}\n\n".encode(), n == stall_at)
        for n, e in enumerate(events)
    )
    exchange.stream_sse(frames, reply)


def _events(
    head: dict[str, Any], final: dict[str, Any], output: Sequence[dict[str, Any]], size: int
) -> Iterator[dict[str, Any]]:
    """The stream's events, numbered in order."""
    seq = iter(range(1_000_000))

    def event(kind: str, **fields: Any) -> dict[str, Any]:
        return {"type": kind, **fields, "sequence_number": next(seq)}

    yield event("response.created", response=head)
    yield event("response.in_progress", response=head)
    for index, item in enumerate(output):
        at = {"output_index": index}
        if item["type"] == "reasoning":
            yield event(
                "response.output_item.added", **at, item={**item, "summary": [], "encrypted_content": None}
            )
            for s_index, part in enumerate(item["summary"]):
                ids = {"item_id": item["id"], **at, "summary_index": s_index}
                yield event(
                    "response.reasoning_summary_part.added", **ids, part={"type": "summary_text", "text": ""}
                )
                for piece in pieces(part["text"], size):
                    yield event("response.reasoning_summary_text.delta", **ids, delta=piece)
                yield event("response.reasoning_summary_text.done", **ids, text=part["text"])
                yield event("response.reasoning_summary_part.done", **ids, part=part)
        elif item["type"] == "message":
            yield event(
                "response.output_item.added", **at, item={**item, "status": "in_progress", "content": []}
            )
            ids = {"item_id": item["id"], **at, "content_index": 0}
            part = item["content"][0]
            yield event("response.content_part.added", **ids, part={**part, "text": ""})
            for piece in pieces(part["text"], size):
                yield event("response.output_text.delta", **ids, delta=piece, logprobs=[])
            yield event("response.output_text.done", **ids, text=part["text"], logprobs=[])
            yield event("response.content_part.done", **ids, part=part)
        else:
            yield event(
                "response.output_item.added", **at, item={**item, "status": "in_progress", "arguments": ""}
            )
            ids = {"item_id": item["id"], **at}
            for piece in pieces(item["arguments"], size):
                yield event("response.function_call_arguments.delta", **ids, delta=piece)
            yield event(
                "response.function_call_arguments.done", **ids, name=item["name"], arguments=item["arguments"]
            )
        yield event("response.output_item.done", **at, item=item)
    yield event("response.failed" if final["status"] == "failed" else "response.completed", response=final)


ROUTES: tuple[Route, ...] = (Route("POST", path_endswith("/responses"), handle_responses, model_call=True),)
"""The Responses route (any path prefix: /v1, Azure deployments, Copilot bases)."""
