"""The Anthropic Messages API wire format, as pure functions.

Canonical :class:`ModelRequest` -> request JSON (top-level ``system``, required
``max_tokens``, ``tool_use``/``tool_result`` content blocks, strict user/assistant
alternation); response JSON -> :class:`ModelResponse`; stream events
(``message_start`` ... ``message_stop``) folded by :class:`StreamAccumulator`.
No I/O here.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping, Optional, Tuple

from .._transport.sse import ServerSentEvent
from .._transport.wirejson import loads
from ..errors import APIResponseValidationError, APIStatusError, status_error
from ..events import ToolRequest
from ..types import ModelInfo
from .base import ImagePart, Message, ModelRequest, ModelResponse, event_json

__all__ = [
    "DEFAULT_MAX_TOKENS",
    "StreamAccumulator",
    "error_from_body",
    "parse_models",
    "parse_response",
    "request_body",
    "to_wire_messages",
]

#: ``max_tokens`` is required by the Messages API; this is sent when the session
#: sets no ``max_output_tokens`` (every Claude model supports at least this many).
DEFAULT_MAX_TOKENS = 4096

#: Anthropic error types (HTTP bodies and ``error`` stream events) -> HTTP status.
ERROR_STATUS: Mapping[str, int] = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "billing_error": 402,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "timeout_error": 504,
    "overloaded_error": 529,
}

Block = Dict[str, Any]


def _invalid(what: str) -> APIResponseValidationError:
    return APIResponseValidationError(f"the Anthropic messages reply is malformed: {what}")


def _tool_input(arguments: Any) -> Dict[str, Any]:
    """Tool-call arguments as the JSON object ``tool_use.input`` must be."""
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except ValueError:
            return {"input": arguments}
    if arguments is None:
        return {}
    if isinstance(arguments, Mapping):
        return dict(arguments)
    return {"input": arguments}


def _blocks(message: Message) -> Tuple[str, List[Block]]:
    if message.role == "tool":
        block: Block = {"type": "tool_result", "tool_use_id": message.tool_call_id}
        if message.content:
            block["content"] = message.content
        return "user", [block]
    blocks: List[Block] = []
    if message.content:  # the API refuses empty text blocks
        blocks.append({"type": "text", "text": message.content})
    for part in message.parts:
        if isinstance(part, ImagePart):
            source = {"type": "base64", "media_type": part.mime_type, "data": part.data}
            blocks.append({"type": "image", "source": source})
        elif part.text:
            blocks.append({"type": "text", "text": part.text})
    if message.role == "assistant":
        for call in message.tool_calls:
            blocks.append(
                {
                    "type": "tool_use",
                    "id": call.tool_call_id,
                    "name": call.name,
                    "input": _tool_input(call.arguments),
                }
            )
        return "assistant", blocks
    return "user", blocks


def to_wire_messages(messages: Tuple[Message, ...]) -> List[Dict[str, Any]]:
    """Canonical messages -> Messages API ``messages``: strictly alternating roles.

    Consecutive messages of one role are merged (tool results become ``tool_result``
    blocks of a user message, placed before any text of that message); messages
    without content are dropped; a message that is one text block is sent as a
    plain string.
    """
    merged: List[Tuple[str, List[Block]]] = []
    for message in messages:
        role, blocks = _blocks(message)
        if not blocks:
            continue
        if merged and merged[-1][0] == role:
            merged[-1][1].extend(blocks)
        else:
            merged.append((role, blocks))
    wire: List[Dict[str, Any]] = []
    for role, blocks in merged:
        results = [b for b in blocks if b["type"] == "tool_result"]
        others = [b for b in blocks if b["type"] != "tool_result"]
        ordered = results + others
        if len(ordered) == 1 and ordered[0]["type"] == "text":
            wire.append({"role": role, "content": ordered[0]["text"]})
        else:
            wire.append({"role": role, "content": ordered})
    return wire


def request_body(
    request: ModelRequest, *, model: Optional[str], default_max_tokens: int = DEFAULT_MAX_TOKENS
) -> Dict[str, Any]:
    """The Messages API request JSON for ``request``.

    ``reasoning_effort`` has no Messages API equivalent and is not sent.
    """
    body: Dict[str, Any] = {
        "model": model,
        "max_tokens": request.max_output_tokens or default_max_tokens,
        "messages": to_wire_messages(request.messages),
    }
    if request.system_message:
        body["system"] = request.system_message
    if request.tools:
        body["tools"] = [
            {"name": t.name, "description": t.description, "input_schema": t.parameters}
            for t in request.tools
        ]
    if request.temperature is not None:
        body["temperature"] = request.temperature
    if request.stream:
        body["stream"] = True
    return body


def _int(value: Any) -> Optional[int]:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _input_tokens(usage: Mapping[str, Any]) -> Optional[int]:
    """Input tokens including cache reads and writes (billed input all the same)."""
    parts = [
        _int(usage.get(k))
        for k in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
    ]
    if parts[0] is None:
        return None
    return sum(p for p in parts if p is not None)


def _tool_request(block: Mapping[str, Any], arguments: Any) -> ToolRequest:
    if not isinstance(block.get("id"), str) or not isinstance(block.get("name"), str):
        raise _invalid("a tool_use block without an id or name")
    return ToolRequest(tool_call_id=block["id"], name=block["name"], arguments=arguments)


def parse_response(body: Any) -> ModelResponse:
    """A non-streamed Messages API reply -> ModelResponse (validating its shape)."""
    if not isinstance(body, Mapping):
        raise _invalid("not a JSON object")
    if body.get("type") == "error":
        raise error_from_body(body)
    content = body.get("content")
    if not isinstance(content, list):
        raise _invalid("no content list")
    texts: List[str] = []
    calls: List[ToolRequest] = []
    for block in content:
        if not isinstance(block, Mapping):
            raise _invalid("a content block is not an object")
        if block.get("type") == "text":
            if not isinstance(block.get("text"), str):
                raise _invalid("a text block without text")
            texts.append(block["text"])
        elif block.get("type") == "tool_use":
            calls.append(_tool_request(block, block.get("input") or {}))
    raw_usage = body.get("usage")
    usage: Mapping[str, Any] = raw_usage if isinstance(raw_usage, Mapping) else {}
    return ModelResponse(
        content="".join(texts),
        tool_calls=tuple(calls),
        model=body.get("model") if isinstance(body.get("model"), str) else None,
        message_id=body.get("id") if isinstance(body.get("id"), str) else None,
        input_tokens=_input_tokens(usage),
        output_tokens=_int(usage.get("output_tokens")),
        finish_reason=body.get("stop_reason") if isinstance(body.get("stop_reason"), str) else None,
    )


def error_from_body(body: Mapping[str, Any], *, url: Optional[str] = None) -> APIStatusError:
    """An ``{"type": "error", "error": {"type", "message"}}`` body (or stream event) as
    the APIStatusError its type stands for (``overloaded_error`` -> 529, ...)."""
    raw = body.get("error")
    error: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    kind = str(error.get("type") or "api_error")
    message = str(error.get("message") or kind)[:500]
    status = ERROR_STATUS.get(kind, 500)
    return status_error(
        status, f"anthropic provider: {kind} in the reply: {message}", url=url, body=message
    )


class StreamAccumulator:
    """Folds Messages API stream events into a snapshot.

    ``add(event)`` returns the new text (``text_delta``) it carried, "" otherwise;
    an ``error`` event raises the matching APIStatusError. ``done`` turns True at
    ``message_stop``. Not thread-safe (one stream, one reader).
    """

    def __init__(self) -> None:
        self.blocks: Dict[int, Dict[str, Any]] = {}
        self.message_id: Optional[str] = None
        self.model: Optional[str] = None
        self.input_tokens: Optional[int] = None
        self.output_tokens: Optional[int] = None
        self.stop_reason: Optional[str] = None
        self.started = False
        self.done = False

    def feed(self, event: ServerSentEvent, url: str) -> str:
        """Fold one SSE event in; return the text it carried."""
        data = event_json(event, url)
        if isinstance(data, dict) and "type" not in data and event.event != "message":
            data["type"] = event.event
        return self.add(data)

    def complete(self) -> bool:
        """Only ``message_stop`` ends a reply."""
        return self.done

    def add(self, event: Any) -> str:
        """Fold one decoded event in; return the text delta it carried."""
        if not isinstance(event, Mapping):
            raise _invalid("a stream event is not a JSON object")
        kind = event.get("type")
        if kind == "message_start":
            self._start(event.get("message"))
        elif kind == "content_block_start":
            self._block_start(event)
        elif kind == "content_block_delta":
            return self._delta(event)
        elif kind == "message_delta":
            raw = event.get("delta")
            delta: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
            if isinstance(delta.get("stop_reason"), str):
                self.stop_reason = delta["stop_reason"]
            self._usage(event.get("usage"))
        elif kind == "message_stop":
            self.done = True
        elif kind == "error":
            raise error_from_body(event)
        # ping, content_block_stop and event types added later carry nothing we need
        return ""

    def _start(self, message: Any) -> None:
        if not isinstance(message, Mapping):
            raise _invalid("message_start without a message")
        self.started = True
        if isinstance(message.get("id"), str):
            self.message_id = message["id"]
        if isinstance(message.get("model"), str):
            self.model = message["model"]
        self._usage(message.get("usage"))

    def _usage(self, usage: Any) -> None:
        if not isinstance(usage, Mapping):
            return
        if _input_tokens(usage) is not None:
            self.input_tokens = _input_tokens(usage)
        if _int(usage.get("output_tokens")) is not None:
            self.output_tokens = _int(usage.get("output_tokens"))  # cumulative

    def _block_start(self, event: Mapping[str, Any]) -> None:
        index, block = event.get("index"), event.get("content_block")
        if not isinstance(index, int) or not isinstance(block, Mapping):
            raise _invalid("content_block_start without an index or block")
        slot: Dict[str, Any] = {"type": block.get("type"), "text": "", "json": ""}
        if block.get("type") == "text" and isinstance(block.get("text"), str):
            slot["text"] = block["text"]
        if block.get("type") == "tool_use":
            slot.update(id=block.get("id"), name=block.get("name"), input=block.get("input") or {})
        self.blocks[index] = slot

    def _delta(self, event: Mapping[str, Any]) -> str:
        index, delta = event.get("index"), event.get("delta")
        if not isinstance(index, int) or not isinstance(delta, Mapping):
            raise _invalid("content_block_delta without an index or delta")
        slot = self.blocks.get(index)
        if slot is None:
            raise _invalid(f"a delta for content block {index}, which never started")
        if delta.get("type") == "text_delta" and isinstance(delta.get("text"), str):
            slot["text"] += delta["text"]
            return str(delta["text"])
        if delta.get("type") == "input_json_delta" and isinstance(delta.get("partial_json"), str):
            slot["json"] += delta["partial_json"]
        return ""  # thinking_delta, signature_delta, ...: not part of the answer

    def result(self) -> ModelResponse:
        """The complete reply; call after ``done``."""
        texts: List[str] = []
        calls: List[ToolRequest] = []
        for index in sorted(self.blocks):
            slot = self.blocks[index]
            if slot["type"] == "text":
                texts.append(slot["text"])
            elif slot["type"] == "tool_use":
                arguments: Any = slot["input"]
                if slot["json"].strip():
                    # Not JSON: the raw text; the tool layer reports bad arguments.
                    arguments = loads(slot["json"], what="a tool call's input", default=slot["json"])
                calls.append(_tool_request(slot, arguments))
        return ModelResponse(
            content="".join(texts),
            tool_calls=tuple(calls),
            model=self.model,
            message_id=self.message_id,
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            finish_reason=self.stop_reason,
        )


def parse_models(body: Any) -> Tuple[List[ModelInfo], Optional[str]]:
    """A ``GET /v1/models`` page -> (models, the ``after_id`` of the next page or None)."""
    items = body.get("data") if isinstance(body, Mapping) else None
    if not isinstance(items, list):
        raise APIResponseValidationError("the /v1/models reply has no data list")
    models = []
    for item in items:
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
            raise APIResponseValidationError("a /v1/models entry without an id")
        name = item.get("display_name")
        caps = item.get("capabilities")
        models.append(
            ModelInfo(
                id=item["id"],
                name=name if isinstance(name, str) else item["id"],
                max_prompt_tokens=_int(item.get("max_input_tokens")),
                max_output_tokens=_int(item.get("max_tokens")),
                capabilities=caps if isinstance(caps, Mapping) else None,
            )
        )
    more = isinstance(body, Mapping) and body.get("has_more") is True
    last = body.get("last_id") if isinstance(body, Mapping) else None
    return models, (last if more and isinstance(last, str) else None)
