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

__all__ = ["SECRET", "input_problem", "reasons", "sign", "text_of"]

SECRET = os.urandom(16)  # signs reasoning items; its first bytes tag their ids


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


def text_of(content: Any) -> str | None:
    """A message's text: the string, or its text parts joined; None if it has none."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            p["text"]
            for p in content
            if isinstance(p, dict)
            and p.get("type") in ("input_text", "output_text")
            and isinstance(p.get("text"), str)
        )
    return None


def input_problem(body: dict[str, Any], model: str) -> str | None:
    """What the real API would refuse in this request, or None."""
    items = body.get("input")
    if not reasons(model) and (body.get("reasoning") is not None or body.get("include")):
        return f"Unsupported parameter: 'reasoning' is not supported with this model ({model})."
    if isinstance(items, str):
        return None
    if not isinstance(items, list):
        return "Missing required parameter: 'input'."
    calls: set[str] = set()
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            return f"Invalid type for 'input[{i}]': expected an object."
        kind = item.get("type", "message")
        if kind == "function_call":
            calls.add(str(item.get("call_id")))
        elif kind == "function_call_output":
            if item.get("call_id") not in calls:
                return f"No tool call found for function call output with call_id {item.get('call_id')}."
        elif kind == "reasoning":
            if not _verified(item.get("id"), item.get("encrypted_content")):
                return f"The encrypted content for item {item.get('id')} could not be verified."
            following = items[i + 1] if i + 1 < len(items) else None
            if not isinstance(following, dict) or following.get("type", "message") not in (
                "function_call",
                "message",
            ):
                return (
                    f"Item '{item.get('id')}' of type 'reasoning' was provided without its "
                    "required following item."
                )
        elif kind == "message":
            if (
                item.get("role") not in ("user", "assistant", "system", "developer")
                or text_of(item.get("content")) is None
            ):
                return f"Invalid value for 'input[{i}]': a message needs a role and content."
        else:
            return (
                f"Invalid value: '{kind}'. Supported values are: 'message', 'function_call', "
                "'function_call_output', 'reasoning'."
            )
    return None
