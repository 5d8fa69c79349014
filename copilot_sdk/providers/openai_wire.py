"""The OpenAI chat-completions wire format, as pure functions.

Canonical :class:`ModelRequest` -> request JSON; response JSON -> :class:`ModelResponse`;
stream chunks folded by :class:`StreamAccumulator`. Used for OpenAI-compatible
servers, Azure OpenAI and the GitHub Copilot API alike. No I/O here.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping, Optional, Tuple

from .._transport.sse import ServerSentEvent
from .._transport.wirejson import loads, scrub_surrogates
from ..errors import APIResponseValidationError
from ..events import ToolRequest
from .base import ImagePart, Message, ModelRequest, ModelResponse, event_json

__all__ = ["StreamAccumulator", "parse_arguments", "request_body", "parse_response"]


def _message_to_wire(message: Message) -> Dict[str, Any]:
    if message.role == "tool":
        return {"role": "tool", "tool_call_id": message.tool_call_id, "content": message.content}
    if message.role == "assistant" and message.tool_calls:
        return {
            "role": "assistant",
            "content": message.content or None,
            "tool_calls": [
                {
                    "id": call.tool_call_id,
                    "type": "function",
                    "function": {"name": call.name, "arguments": dump_arguments(call.arguments)},
                }
                for call in message.tool_calls
            ],
        }
    if message.role == "user" and message.parts:
        parts: List[Dict[str, Any]] = [{"type": "text", "text": message.content}]
        for part in message.parts:
            if isinstance(part, ImagePart):
                parts.append({"type": "image_url", "image_url": {"url": part.data_url()}})
            else:
                parts.append({"type": "text", "text": part.text})
        return {"role": "user", "content": parts}
    return {"role": message.role, "content": message.content}


def dump_arguments(arguments: Any) -> str:
    """Tool-call arguments as the JSON string the wire carries."""
    if isinstance(arguments, str):
        return arguments
    return json.dumps({} if arguments is None else arguments, ensure_ascii=False)


def parse_arguments(raw: Any) -> Any:
    """Arguments from the wire: the parsed object, or the raw string if not JSON (the
    tool layer tells the model); APIResponseValidationError for NaN/Infinity or JSON
    nested too deeply."""
    if not isinstance(raw, str):
        return raw
    if not raw.strip():
        return {}
    return loads(raw, what="a tool call's arguments", default=scrub_surrogates(raw))


def request_body(
    request: ModelRequest, *, model: Optional[str], max_tokens_field: str = "max_completion_tokens"
) -> Dict[str, Any]:
    """The chat-completions request JSON for ``request``."""
    messages: List[Dict[str, Any]] = []
    if request.system_message:
        messages.append({"role": "system", "content": request.system_message})
    messages.extend(_message_to_wire(m) for m in request.messages)
    body: Dict[str, Any] = {"messages": messages}
    if model is not None:  # None only for an Azure deployment URL, which names it
        body["model"] = model
    if request.tools:
        body["tools"] = [
            {
                "type": "function",
                "function": {
                    "name": tool.name,
                    "description": tool.description,
                    "parameters": tool.parameters,
                },
            }
            for tool in request.tools
        ]
    if request.stream:
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
    if request.temperature is not None:
        body["temperature"] = request.temperature
    if request.max_output_tokens is not None:
        body[max_tokens_field] = request.max_output_tokens
    if request.reasoning_effort is not None:
        body["reasoning_effort"] = request.reasoning_effort
    return body


def _invalid(what: str) -> APIResponseValidationError:
    return APIResponseValidationError(f"the chat-completions reply is malformed: {what}")


def _usage(body: Mapping[str, Any]) -> tuple[Optional[int], Optional[int]]:
    usage = body.get("usage")
    if not isinstance(usage, Mapping):
        return None, None
    prompt, completion = usage.get("prompt_tokens"), usage.get("completion_tokens")
    return (
        prompt if isinstance(prompt, int) else None,
        completion if isinstance(completion, int) else None,
    )


def _tool_call(raw: Any) -> ToolRequest:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("function"), Mapping):
        raise _invalid("a tool call without a function object")
    function = raw["function"]
    if not isinstance(raw.get("id"), str) or not isinstance(function.get("name"), str):
        raise _invalid("a tool call without an id or name")
    return ToolRequest(
        tool_call_id=raw["id"],
        name=function["name"],
        arguments=parse_arguments(function.get("arguments", "")),
    )


def parse_response(body: Any) -> ModelResponse:
    """A non-streamed chat-completions reply -> ModelResponse (validating its shape).

    Every choice is read: the text of all choices joined, the tool calls of all
    choices in order (the Copilot API serves Claude's tool calls in a second choice,
    after a first one holding the text). ``finish_reason`` is "tool_calls" when there
    are any, else the first choice's.
    """
    if not isinstance(body, Mapping):
        raise _invalid("not a JSON object")
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices:
        raise _invalid("no choices")
    texts: List[str] = []
    calls: List[ToolRequest] = []
    for index, choice in enumerate(choices):
        message = choice.get("message") if isinstance(choice, Mapping) else None
        if not isinstance(message, Mapping):
            raise _invalid(f"choices[{index}].message is missing")
        content = message.get("content")
        if content is not None and not isinstance(content, str):
            raise _invalid("message.content is not a string")
        raw_calls = message.get("tool_calls") or []
        if not isinstance(raw_calls, list):
            raise _invalid("message.tool_calls is not a list")
        texts.append(content or "")
        calls.extend(_tool_call(c) for c in raw_calls)
    input_tokens, output_tokens = _usage(body)
    finish = "tool_calls" if calls else choices[0].get("finish_reason")
    return ModelResponse(
        content="".join(texts),
        tool_calls=tuple(calls),
        model=body.get("model") if isinstance(body.get("model"), str) else None,
        message_id=body.get("id") if isinstance(body.get("id"), str) else None,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        finish_reason=finish,
    )


class StreamAccumulator:
    """Folds stream chunks into a snapshot; ``add`` returns the new text delta.

    Chunks of every choice are folded in (text in arrival order, tool calls by
    choice then index), for the Copilot API's Claude replies whose tool calls come
    as a second choice. Not thread-safe (one stream, one reader).
    """

    def __init__(self) -> None:
        self.done = False  # [DONE] was seen
        self.content: List[str] = []
        self.tool_calls: Dict[Tuple[int, int], Dict[str, Any]] = {}  # (choice, index) -> call
        self._seen: set[int] = set()  # choices that sent a chunk
        self._finished: Dict[int, str] = {}  # choice -> its finish_reason
        self.model: Optional[str] = None
        self.message_id: Optional[str] = None
        self.finish_reason: Optional[str] = None
        self.input_tokens: Optional[int] = None
        self.output_tokens: Optional[int] = None

    def feed(self, event: ServerSentEvent, url: str) -> str:
        """Fold one SSE event in (``[DONE]`` ends the reply); return its new text."""
        if event.data == "[DONE]":
            self.done = True
            return ""
        return self.add(event_json(event, url))

    def complete(self) -> bool:
        """A stream may end at ``[DONE]`` or once every choice seen has a ``finish_reason``."""
        return self.done or (bool(self._finished) and self._seen <= set(self._finished))

    def add(self, chunk: Any) -> str:
        """Fold one decoded chunk in; return the text delta it carried."""
        if not isinstance(chunk, Mapping):
            raise _invalid("a stream chunk is not a JSON object")
        if isinstance(chunk.get("error"), Mapping):
            message = chunk["error"].get("message", "unknown error")
            raise _invalid(f"the stream reported an error: {message}")
        if isinstance(chunk.get("id"), str) and self.message_id is None:
            self.message_id = chunk["id"]
        if isinstance(chunk.get("model"), str):
            self.model = chunk["model"]
        if isinstance(chunk.get("usage"), Mapping):
            self.input_tokens, self.output_tokens = _usage(chunk)
        choices = chunk.get("choices") or []
        if not isinstance(choices, list):
            raise _invalid("stream chunk choices is not a list")
        text = ""
        for choice in choices:
            if not isinstance(choice, Mapping):
                continue
            at = choice.get("index", 0)
            at = at if isinstance(at, int) else 0
            self._seen.add(at)
            if choice.get("finish_reason"):
                self._finished[at] = choice["finish_reason"]
                if self.finish_reason != "tool_calls":
                    self.finish_reason = choice["finish_reason"]
            delta = choice.get("delta") or {}
            if not isinstance(delta, Mapping):
                raise _invalid("stream chunk delta is not an object")
            piece = delta.get("content")
            if isinstance(piece, str) and piece:
                self.content.append(piece)
                text += piece
            tool_calls = delta.get("tool_calls") or []
            if not isinstance(tool_calls, list):
                raise _invalid("stream chunk delta.tool_calls is not a list")
            for call in tool_calls:
                self._add_tool_call(at, call)
        return text

    def _add_tool_call(self, at: int, call: Any) -> None:
        if not isinstance(call, Mapping) or not isinstance(call.get("index"), int):
            raise _invalid("a tool-call delta without an index")
        key = (at, call["index"])
        slot = self.tool_calls.setdefault(key, {"id": None, "name": "", "arguments": ""})
        if isinstance(call.get("id"), str):
            slot["id"] = call["id"]
        function = call.get("function") or {}
        if not isinstance(function, Mapping):
            raise _invalid("a tool-call delta whose function is not an object")
        if isinstance(function.get("name"), str):
            slot["name"] += function["name"]
        if isinstance(function.get("arguments"), str):
            slot["arguments"] += function["arguments"]

    def result(self) -> ModelResponse:
        calls = []
        for key in sorted(self.tool_calls):
            slot = self.tool_calls[key]
            if not slot["id"] or not slot["name"]:
                raise _invalid("a streamed tool call without an id or name")
            calls.append(
                ToolRequest(
                    tool_call_id=slot["id"],
                    name=slot["name"],
                    arguments=parse_arguments(slot["arguments"]),
                )
            )
        return ModelResponse(
            content="".join(self.content),
            tool_calls=tuple(calls),
            model=self.model,
            message_id=self.message_id,
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            finish_reason="tool_calls" if calls else self.finish_reason,
        )
