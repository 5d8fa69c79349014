"""Request checks of the mock model server: what the real APIs refuse, with their
messages, so that a test against the mock catches what production would.

Each ``*_problem`` function returns ``(message, param, code)`` for the first problem
found in a request body, or None. The messages follow the real APIs' wording.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, Optional, Tuple

import attrs

from ._state import Settings
from ._types import MockReply, RecordedRequest

__all__ = [
    "Problem", "access_problem", "anthropic_merge", "anthropic_problem", "openai_problem", "range_problem",
    "shape_reply",
]

Problem = Optional[Tuple[str, Optional[str], Optional[str]]]

_OPENAI_ROLES = ("system", "developer", "user", "assistant", "tool", "function")


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def range_problem(
    body: Mapping[str, Any], name: str, low: float, high: Optional[float], integer: bool
) -> Problem:
    """``body[name]`` out of ``[low, high]`` (``high`` None: no maximum), or not a number
    (an integer if ``integer``), in the OpenAI APIs' words."""
    value = body.get(name)
    if value is None:
        return None
    kind = "integer" if integer else "decimal"
    if not _number(value) or (integer and not isinstance(value, int)):
        return (f"Invalid type for '{name}': expected {'an integer' if integer else 'a number'}.",
                name, "invalid_type")
    if value < low:
        return (f"Invalid '{name}': {kind} below minimum value. Expected a value >= {low:g}, "
                f"but got {value} instead.", name, f"{kind}_below_min_value")
    if high is not None and value > high:
        return (f"Invalid '{name}': {kind} above maximum value. Expected a value <= {high:g}, "
                f"but got {value} instead.", name, f"{kind}_above_max_value")
    return None


def openai_problem(body: Mapping[str, Any]) -> Problem:
    """What the chat-completions API would refuse in ``body``."""
    messages = body["messages"]
    if not messages:
        return "[] is too short - 'messages'", "messages", None
    pending: dict[str, int] = {}  # tool_call_id -> index of the assistant message
    for i, message in enumerate(messages):
        if not isinstance(message, Mapping):
            return f"Invalid type for 'messages[{i}]': expected an object.", f"messages[{i}]", "invalid_type"
        role = message.get("role")
        if role not in _OPENAI_ROLES:
            supported = ", ".join(f"'{r}'" for r in _OPENAI_ROLES)
            return (f"Invalid value: {role!r}. Supported values are: {supported}.",
                    f"messages[{i}].role", "invalid_value")
        if role != "tool" and pending:
            ids = ", ".join(sorted(pending))
            return ("An assistant message with 'tool_calls' must be followed by tool messages "
                    "responding to each 'tool_call_id'. The following tool_call_ids did not have "
                    f"response messages: {ids}", f"messages.[{min(pending.values())}].role", None)
        content = message.get("content")
        if role in ("system", "developer", "user", "tool") and content is None:
            return ("Invalid value for 'content': expected a string, got null.",
                    f"messages.[{i}].content", None)
        if role == "assistant":
            calls = message.get("tool_calls") or []
            if content is None and not calls:
                return ("Invalid value for 'content': expected a string, got null.",
                        f"messages.[{i}].content", None)
            for call in calls:
                if isinstance(call, Mapping) and isinstance(call.get("id"), str):
                    pending[call["id"]] = i
        elif role == "tool":
            call_id = message.get("tool_call_id")
            if call_id not in pending:
                return ("Invalid parameter: messages with role 'tool' must be a response to a "
                        "preceeding message with 'tool_calls'.", f"messages.[{i}].role", None)
            del pending[call_id]
    if pending:
        ids = ", ".join(sorted(pending))
        return ("An assistant message with 'tool_calls' must be followed by tool messages responding "
                f"to each 'tool_call_id'. The following tool_call_ids did not have response messages: "
                f"{ids}", f"messages.[{min(pending.values())}].role", None)
    for name, low, high, integer in (
        ("temperature", 0, 2, False), ("top_p", 0, 1, False), ("max_tokens", 1, None, True),
        ("max_completion_tokens", 1, None, True), ("n", 1, 128, True),
        ("presence_penalty", -2, 2, False), ("frequency_penalty", -2, 2, False),
    ):
        problem = range_problem(body, name, low, high, integer)
        if problem is not None:
            return problem
    choice = body.get("tool_choice")
    tools = body.get("tools") or []
    if choice is not None and not tools:
        return ("Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are "
                "specified.", "tool_choice", None)
    if isinstance(choice, Mapping):
        wanted = (choice.get("function") or {}).get("name")
        names = {(t.get("function") or {}).get("name") for t in tools if isinstance(t, Mapping)}
        if wanted not in names:
            return (f"Invalid value for 'tool_choice': function {wanted!r} is not in 'tools'.",
                    "tool_choice", "invalid_value")
    elif choice not in (None, "none", "auto", "required"):
        return (f"Invalid value: {choice!r}. Supported values are: 'none', 'auto', and 'required'.",
                "tool_choice", "invalid_value")
    return None


def anthropic_merge(messages: list[Any]) -> list[Any]:
    """Consecutive turns of one role merged into one, as the Messages API does."""
    merged: list[Any] = []
    for message in messages:
        if (merged and isinstance(message, Mapping) and isinstance(merged[-1], Mapping)
                and message.get("role") == merged[-1].get("role")):
            merged[-1] = {**merged[-1], "content": _blocks(merged[-1]) + _blocks(message)}
        else:
            merged.append(message)
    return merged


def _blocks(message: Mapping[str, Any]) -> list[Any]:
    content = message.get("content")
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return list(content) if isinstance(content, list) else []


def anthropic_problem(body: Mapping[str, Any], messages: list[Any]) -> Problem:
    """What the Messages API would refuse in ``body`` (its ``messages`` already merged)."""
    if not messages:
        return "messages: Field required", "messages", None
    pending: set[Any] = set()
    for i, message in enumerate(messages):
        if not isinstance(message, Mapping):
            return f"messages.{i}: Input should be a valid dictionary", None, None
        role = message.get("role")
        if role not in ("user", "assistant"):
            return f"messages.{i}.role: Input should be 'user' or 'assistant'", None, None
        if i == 0 and role != "user":
            return "messages.0.role: the first message must use the \"user\" role", None, None
        blocks = _blocks(message)
        last = i == len(messages) - 1
        if not blocks and not (last and role == "assistant"):
            return (f"messages.{i}: all messages must have non-empty content except for the "
                    "optional final assistant message", None, None)
        results = {
            b.get("tool_use_id") for b in blocks if isinstance(b, Mapping) and b.get("type") == "tool_result"
        }
        if pending - results:
            ids = ", ".join(sorted(pending - results))
            return (f"messages.{i - 1}: `tool_use` ids were found without `tool_result` blocks "
                    f"immediately after: {ids}. Each `tool_use` block must have a corresponding "
                    "`tool_result` block in the next message.", None, None)
        if results - pending:
            ids = ", ".join(sorted(str(r) for r in results - pending))
            return (f"messages.{i}.content: unexpected `tool_use_id` found in `tool_result` blocks: "
                    f"{ids}. Each `tool_result` block must have a corresponding `tool_use` block in "
                    "the previous message.", None, None)
        pending = {b.get("id") for b in blocks if isinstance(b, Mapping) and b.get("type") == "tool_use"}
    if pending:
        return (f"messages.{len(messages) - 1}: `tool_use` ids were found without `tool_result` "
                "blocks immediately after. Each `tool_use` block must have a corresponding "
                "`tool_result` block in the next message.", None, None)
    for name, high in (("temperature", 1.0), ("top_p", 1.0)):
        value = body.get(name)
        if value is not None and (not _number(value) or not 0 <= value <= high):
            return f"{name}: Input should be less than or equal to {high:g} and at least 0", None, None
    choice = body.get("tool_choice")
    if choice is not None and (not isinstance(choice, Mapping)
                               or choice.get("type") not in ("auto", "any", "tool", "none")):
        return "tool_choice: Input tag does not match any of the expected tags", None, None
    if isinstance(choice, Mapping) and choice.get("type") == "tool":
        names = {t.get("name") for t in body.get("tools") or [] if isinstance(t, Mapping)}
        if choice.get("name") not in names:
            return f"tool_choice.name: tool {choice.get('name')!r} is not in tools", None, None
    return None


def shape_reply(
    reply: MockReply, *, tools_off: bool, parallel: bool, max_tokens: Optional[int]
) -> Tuple[MockReply, bool]:
    """``reply`` as the request lets the model answer: no tool calls when the tool
    choice is "none", one when parallel calls are off, and cut to ``max_tokens``
    (one token per four characters). Returns the reply and whether it was cut."""
    calls = () if tools_off else tuple(reply.tool_calls)
    if not parallel:
        calls = calls[:1]
    content = reply.content
    if tools_off and not content and reply.tool_calls:
        content = "(the tool choice was none)"
    cut = max_tokens is not None and len(content) // 4 + 1 > max_tokens
    if cut:
        assert max_tokens is not None
        content, calls = content[: max_tokens * 4], ()
    return attrs.evolve(reply, content=content, tool_calls=calls), cut


def access_problem(
    request: RecordedRequest, settings: Settings, model: Optional[str], known: Sequence[str]
) -> Optional[Tuple[int, str]]:
    """``(status, message)`` when strict settings refuse the call: a missing or wrong
    key (401), or a model the models list does not name (404)."""
    if settings.api_key is not None:
        authorization = request.get_header("Authorization") or ""
        sent = {
            authorization[7:].strip() if authorization.lower().startswith("bearer ") else None,
            request.get_header("api-key"),
            request.get_header("x-api-key"),
        }
        if settings.api_key not in sent:
            wrong = any(sent - {None})
            return 401, "Incorrect API key provided." if wrong else "You didn't provide an API key."
    if settings.known_models_only and model not in known:
        return 404, f"The model `{model}` does not exist or you do not have access to it."
    return None


def text_of(content: Any, kinds: Collection[str]) -> str | None:
    """A message's text: the string, or the text of its parts whose type is one of
    ``kinds`` joined; None if it is neither."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            part["text"]
            for part in content
            if isinstance(part, dict) and part.get("type") in kinds and isinstance(part.get("text"), str)
        )
    return None
