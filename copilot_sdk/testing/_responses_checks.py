"""Request checks of the mock's Responses endpoint: what the real API refuses, and
the signature of the reasoning items the mock issues (it verifies them when they
come back). The messages follow the real API's wording.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from typing import Any

from ._strict import Problem, range_problem, text_of

__all__ = ["SECRET", "input_problem", "reasons", "sign", "text_of"]

SECRET = os.urandom(16)  # signs reasoning items; its first bytes tag their ids

_ROLES = ("assistant", "system", "developer", "user")
_KINDS = ("message", "function_call", "function_call_output", "reasoning")
_FOLLOWERS = ("function_call", "message")  # what a reasoning item produces
#: (parameter, minimum, maximum or None, integer only), as the API documents them
_RANGES = (
    ("temperature", 0, 2, False), ("top_p", 0, 1, False), ("max_output_tokens", 16, None, True),
    ("top_logprobs", 0, 20, True),
)


def sign(item_id: str) -> str:
    """The ``encrypted_content`` of the reasoning item ``item_id`` (only this server's verify)."""
    mac = hmac.new(SECRET, item_id.encode(), hashlib.sha256).hexdigest()[:24]
    return base64.b64encode(f"mock-reasoning:{item_id}:{mac}".encode()).decode()


def _verified(item_id: Any, content: Any) -> bool:
    return (
        isinstance(item_id, str) and isinstance(content, str) and hmac.compare_digest(content, sign(item_id))
    )


def reasons(model: str) -> bool:
    """Whether the mock treats ``model`` as a reasoning model (all but ``gpt-4*``)."""
    return not model.startswith("gpt-4")


#: The part types whose text a Responses message carries.
TEXT_PARTS = ("input_text", "output_text")


def input_problem(body: dict[str, Any], model: str) -> Problem:
    """What the real API would refuse in this request, as ``(message, param, code)``,
    or None."""
    if not reasons(model) and (body.get("reasoning") is not None or body.get("include")):
        param = "reasoning" if body.get("reasoning") is not None else "include"
        return (f"Unsupported parameter: '{param}' is not supported with this model ({model}).",
                param, "unsupported_parameter")
    items = body.get("input")
    if isinstance(items, list):
        problem = _items_problem(items)
        if problem is not None:
            return problem
    elif not isinstance(items, str):
        return "Missing required parameter: 'input'.", "input", "missing_required_parameter"
    for name, low, high, integer in _RANGES:
        problem = range_problem(body, name, low, high, integer)
        if problem is not None:
            return problem
    return None


def _items_problem(items: list[Any]) -> Problem:
    if not items:
        return ("Invalid 'input': empty array. Expected an array with minimum length 1, but got an "
                "empty array instead.", "input", "empty_array")
    calls: set[Any] = set()
    unanswered: list[Any] = []  # call ids in order, until their output comes
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            return f"Invalid type for 'input[{i}]': expected an object.", f"input[{i}]", "invalid_type"
        kind = item.get("type", "message")
        if kind == "function_call":
            calls.add(item.get("call_id"))
            unanswered.append(item.get("call_id"))
        elif kind == "function_call_output":
            call_id = item.get("call_id")
            if call_id not in calls:
                return (f"No tool call found for function call output with call_id {call_id}.",
                        "input", None)
            if call_id in unanswered:
                unanswered.remove(call_id)
        elif kind == "reasoning":
            problem = _reasoning_problem(items, i)
            if problem is not None:
                return problem
        elif kind == "message":
            problem = _message_problem(item, i)
            if problem is not None:
                return problem
        else:
            kinds = ", ".join(f"'{k}'" for k in _KINDS)
            return (f"Invalid value: '{kind}'. Supported values are: {kinds}.", f"input[{i}].type",
                    "invalid_value")
    if unanswered:
        return f"No tool output found for function call {unanswered[0]}.", "input", None
    return None


def _reasoning_problem(items: list[Any], i: int) -> Problem:
    item = items[i]
    if not _verified(item.get("id"), item.get("encrypted_content")):
        return (f"The encrypted content for item {item.get('id')} could not be verified.",
                None, "invalid_encrypted_content")
    following = items[i + 1] if i + 1 < len(items) else None
    if not isinstance(following, dict) or following.get("type", "message") not in _FOLLOWERS:
        return (f"Item '{item.get('id')}' of type 'reasoning' was provided without its required "
                "following item.", "input", None)
    return None


def _message_problem(item: dict[str, Any], i: int) -> Problem:
    role = item.get("role")
    if role not in _ROLES:
        roles = ", ".join(f"'{r}'" for r in _ROLES[:-1]) + f", and '{_ROLES[-1]}'"
        return f"Invalid value: {role!r}. Supported values are: {roles}.", f"input[{i}].role", "invalid_value"
    if item.get("content") is None:
        return (f"Missing required parameter: 'input[{i}].content'.", f"input[{i}].content",
                "missing_required_parameter")
    if text_of(item["content"], TEXT_PARTS) is None:
        return (f"Invalid type for 'input[{i}].content': expected one of a string or an array of "
                "content items.", f"input[{i}].content", "invalid_type")
    return None
