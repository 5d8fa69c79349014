"""The OpenAI Responses wire format (``POST /responses``), as pure functions.

Canonical :class:`ModelRequest` -> request JSON; response JSON -> :class:`ModelResponse`;
stream events folded by :class:`StreamAccumulator`. No I/O here.

Requests are stateless: ``store: false`` and the whole conversation as ``input``
each time (the system message as ``instructions``, tool calls as ``function_call``
items, tool results as ``function_call_output`` items). Reasoning models return
reasoning items; with ``include: ["reasoning.encrypted_content"]`` each carries its
encrypted content, which is the only way to hand a model its own reasoning back on
the next call when nothing is stored server side. Those items ride on the canonical
assistant message (:attr:`Message.reasoning`) and are sent back verbatim (minus
``status``) before that message's text and tool calls.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from .._transport.sse import ServerSentEvent
from ..errors import APIResponseValidationError, APIStatusError, status_error
from ..events import ToolRequest
from .base import ImagePart, Message, ModelRequest, ModelResponse, TextPart, event_json
from .openai_wire import dump_arguments, parse_arguments

__all__ = [
    "ENCRYPTED_REASONING",
    "StreamAccumulator",
    "error_from_response",
    "parse_response",
    "request_body",
    "to_input_items",
]

ENCRYPTED_REASONING = "reasoning.encrypted_content"

#: Responses error codes -> the HTTP status they stand for (others: 500).
ERROR_STATUS: Mapping[str, int] = {
    "rate_limit_exceeded": 429,
    "invalid_prompt": 400,
    "invalid_request_error": 400,
    "context_length_exceeded": 400,
    "server_error": 500,
    "vector_store_timeout": 504,
}

Item = Dict[str, Any]


def _invalid(what: str) -> APIResponseValidationError:
    return APIResponseValidationError(f"the Responses reply is malformed: {what}")


def _user_item(message: Message) -> Item:
    if not message.parts:
        return {"type": "message", "role": "user", "content": message.content}
    content: List[Item] = [{"type": "input_text", "text": message.content}]
    for part in message.parts:
        if isinstance(part, ImagePart):
            content.append({"type": "input_image", "image_url": part.data_url(), "detail": "auto"})
        elif isinstance(part, TextPart):
            content.append({"type": "input_text", "text": part.text})
    return {"type": "message", "role": "user", "content": content}


def _reasoning_item(raw: Any) -> Item:
    """A stored reasoning item as input: what the API gave, minus ``status`` (and
    nulls), which it refuses on input."""
    item = {k: v for k, v in dict(raw).items() if v is not None and k != "status"}
    item.setdefault("summary", [])
    return item


def to_input_items(messages: Tuple[Message, ...]) -> List[Item]:
    """Canonical messages -> the Responses ``input`` list."""
    items: List[Item] = []
    for message in messages:
        if message.role == "user":
            items.append(_user_item(message))
        elif message.role == "tool":
            items.append(
                {"type": "function_call_output", "call_id": message.tool_call_id, "output": message.content}
            )
        elif message.role == "assistant":
            items.extend(_reasoning_item(r) for r in message.reasoning if isinstance(r, Mapping))
            if message.content:
                items.append({"type": "message", "role": "assistant", "content": message.content})
            for call in message.tool_calls:
                items.append(
                    {
                        "type": "function_call",
                        "call_id": call.tool_call_id,
                        "name": call.name,
                        "arguments": dump_arguments(call.arguments),
                    }
                )
        else:
            items.append({"type": "message", "role": message.role, "content": message.content})
    return items


def request_body(request: ModelRequest, *, model: Optional[str], reasoning: bool = True) -> Dict[str, Any]:
    """The Responses request JSON for ``request``.

    Args:
        request: the canonical request.
        model: the model name on the wire (None: an Azure deployment URL names it).
        reasoning: ask for encrypted reasoning items and reasoning summaries; False
            for models known not to reason (the API refuses both there).
    """
    body: Dict[str, Any] = {"input": to_input_items(request.messages), "store": False}
    if model is not None:
        body["model"] = model
    if request.system_message:
        body["instructions"] = request.system_message
    if request.tools:
        body["tools"] = [
            {
                "type": "function",
                "name": tool.name,
                "description": tool.description,
                "parameters": tool.parameters,
                "strict": False,
            }
            for tool in request.tools
        ]
    if reasoning:
        body["include"] = [ENCRYPTED_REASONING]
        settings: Dict[str, Any] = {"summary": "auto"}
        if request.reasoning_effort is not None:
            settings["effort"] = request.reasoning_effort
        body["reasoning"] = settings
    if request.stream:
        body["stream"] = True
    if request.temperature is not None:
        body["temperature"] = request.temperature
    if request.max_output_tokens is not None:
        body["max_output_tokens"] = request.max_output_tokens
    return body


def error_from_response(error: Any, *, url: Optional[str] = None) -> APIStatusError:
    """A Responses ``error`` object (of a failed response or an ``error`` stream
    event) as the APIStatusError its code stands for (``rate_limit_exceeded`` -> 429)."""
    data: Mapping[str, Any] = error if isinstance(error, Mapping) else {}
    code = str(data.get("code") or "server_error")
    message = str(data.get("message") or code)[:500]
    status = ERROR_STATUS.get(code, 500)
    return status_error(status, f"the model reported {code}: {message}", url=url, body=message)


def _int(value: Any) -> Optional[int]:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _usage(raw: Any) -> Tuple[Optional[int], Optional[int]]:
    usage: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    return _int(usage.get("input_tokens")), _int(usage.get("output_tokens"))


def _message_text(item: Mapping[str, Any]) -> str:
    content = item.get("content")
    if not isinstance(content, list):
        raise _invalid("a message item without a content list")
    texts = []
    for part in content:
        if isinstance(part, Mapping) and part.get("type") == "output_text":
            if not isinstance(part.get("text"), str):
                raise _invalid("an output_text part without text")
            texts.append(part["text"])
    return "".join(texts)


def _summary_text(item: Mapping[str, Any]) -> str:
    summary = item.get("summary")
    if not isinstance(summary, list):
        return ""
    return "\n\n".join(
        str(p["text"]) for p in summary if isinstance(p, Mapping) and isinstance(p.get("text"), str)
    )


def _fold_output(output: Any) -> Tuple[str, Tuple[ToolRequest, ...], str, Tuple[Any, ...]]:
    """Output items -> (text, tool calls, reasoning summary, reasoning items)."""
    if not isinstance(output, list):
        raise _invalid("no output list")
    texts: List[str] = []
    calls: List[ToolRequest] = []
    summaries: List[str] = []
    reasoning: List[Any] = []
    for item in output:
        if not isinstance(item, Mapping):
            raise _invalid("an output item is not an object")
        kind = item.get("type")
        if kind == "message":
            texts.append(_message_text(item))
        elif kind == "function_call":
            if not isinstance(item.get("call_id"), str) or not isinstance(item.get("name"), str):
                raise _invalid("a function_call without a call_id or name")
            calls.append(
                ToolRequest(
                    tool_call_id=item["call_id"],
                    name=item["name"],
                    arguments=parse_arguments(item.get("arguments", "")),
                )
            )
        elif kind == "reasoning":
            if not isinstance(item.get("id"), str):
                raise _invalid("a reasoning item without an id")
            text = _summary_text(item)
            if text:
                summaries.append(text)
            reasoning.append(dict(item))
    return "".join(texts), tuple(calls), "\n\n".join(summaries), tuple(reasoning)


def _finish(body: Mapping[str, Any], calls: Tuple[ToolRequest, ...]) -> str:
    if body.get("status") == "incomplete":
        details = body.get("incomplete_details")
        reason = details.get("reason") if isinstance(details, Mapping) else None
        return "length" if reason == "max_output_tokens" else str(reason or "incomplete")
    return "tool_calls" if calls else "stop"


def parse_response(body: Any, *, url: Optional[str] = None) -> ModelResponse:
    """A Responses reply (``object: "response"``) -> ModelResponse, validating its shape.

    Raises:
        APIStatusError: the response failed (``status: "failed"`` with an error).
        APIResponseValidationError: the JSON is not a response.
    """
    if not isinstance(body, Mapping) or not isinstance(body.get("output"), list):
        raise _invalid("not a response object with an output list")
    if body.get("status") == "failed" or isinstance(body.get("error"), Mapping):
        raise error_from_response(body.get("error"), url=url)
    text, calls, summary, reasoning = _fold_output(body["output"])
    input_tokens, output_tokens = _usage(body.get("usage"))
    return ModelResponse(
        content=text,
        tool_calls=calls,
        model=body.get("model") if isinstance(body.get("model"), str) else None,
        message_id=body.get("id") if isinstance(body.get("id"), str) else None,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        finish_reason=_finish(body, calls),
        reasoning_text=summary,
        reasoning=reasoning,
    )


class StreamAccumulator:
    """Folds Responses stream events into the reply.

    Text deltas (``response.output_text.delta``) are returned by :meth:`feed` for the
    caller; reasoning summary deltas go to ``on_reasoning``. Output items are taken
    whole from ``response.output_item.done`` (the only place the final
    ``encrypted_content`` is), and the terminal event (``response.completed`` or
    ``response.incomplete``) ends the reply; its ``response.output``, when not
    empty, is authoritative. ``response.failed`` and ``error`` events raise the
    matching APIStatusError. Not thread-safe (one stream, one reader).
    """

    def __init__(self, on_reasoning: Optional[Callable[[str], None]] = None) -> None:
        self.done = False
        self._on_reasoning = on_reasoning
        self._items: Dict[int, Any] = {}
        self._final: Optional[Mapping[str, Any]] = None
        self._head: Dict[str, Any] = {}

    def feed(self, event: ServerSentEvent, url: str) -> str:
        """Fold one SSE event in; return the answer text it carried."""
        data = event_json(event, url)
        if isinstance(data, dict) and "type" not in data and event.event != "message":
            data["type"] = event.event
        return self.add(data, url=url)

    def complete(self) -> bool:
        """Only a terminal response event ends a reply."""
        return self.done

    def add(self, event: Any, *, url: Optional[str] = None) -> str:
        """Fold one decoded event in; return the answer text it carried."""
        if not isinstance(event, Mapping):
            raise _invalid("a stream event is not a JSON object")
        kind = event.get("type")
        if kind == "response.output_text.delta":
            delta = event.get("delta")
            return delta if isinstance(delta, str) else ""
        if kind == "response.reasoning_summary_text.delta":
            delta = event.get("delta")
            if isinstance(delta, str) and delta and self._on_reasoning is not None:
                self._on_reasoning(delta)
        elif kind == "response.output_item.done":
            index, item = event.get("output_index"), event.get("item")
            if not isinstance(index, int) or not isinstance(item, Mapping):
                raise _invalid("output_item.done without an output_index or item")
            self._items[index] = item
        elif kind in ("response.created", "response.in_progress"):
            response = event.get("response")
            if isinstance(response, Mapping):
                self._head = dict(response)
        elif kind in ("response.completed", "response.incomplete"):
            response = event.get("response")
            if not isinstance(response, Mapping):
                raise _invalid(f"{kind} without a response")
            self._final = response
            self.done = True
        elif kind == "response.failed":
            response = event.get("response")
            error = response.get("error") if isinstance(response, Mapping) else None
            raise error_from_response(error, url=url)
        elif kind == "error":
            raise error_from_response(event, url=url)
        # other events (added items, content parts, argument deltas...) are folded
        # from the finished items
        return ""

    def result(self) -> ModelResponse:
        """The complete reply; call after ``done``."""
        final: Mapping[str, Any] = self._final or self._head
        output = final.get("output")
        if not isinstance(output, list) or not output:
            output = [self._items[i] for i in sorted(self._items)]
        return parse_response({**final, "output": output, "status": final.get("status", "completed")})
