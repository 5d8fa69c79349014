"""The mock's context window: how it counts a request's prompt tokens, and the
errors the real APIs send when a prompt does not fit.

The count is an approximation (one token per four characters of the request's
messages, system prompt and tool definitions as JSON), used both for the reported
usage and for the limit, so the two agree as they do on the real APIs.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = [
    "anthropic_prompt_tokens",
    "anthropic_too_long",
    "openai_prompt_tokens",
    "openai_too_long",
    "responses_prompt_tokens",
    "responses_too_long",
]

DEFAULT_MAX_PROMPT_TOKENS = 128000
"""The limit the models list reports when the server enforces none."""


def _chars(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, str):
        return len(value)
    return len(json.dumps(value, separators=(",", ":")))


def openai_prompt_tokens(body: dict[str, Any]) -> int:
    """The prompt tokens of a chat-completions request (``messages`` and ``tools``)."""
    return (_chars(body.get("messages")) + _chars(body.get("tools"))) // 4 + 1


def anthropic_prompt_tokens(body: dict[str, Any]) -> int:
    """The input tokens of a Messages API request (``system``, ``messages``, ``tools``)."""
    chars = _chars(body.get("system")) + _chars(body.get("messages")) + _chars(body.get("tools"))
    return chars // 4 + 1


def responses_prompt_tokens(body: dict[str, Any]) -> int:
    """The input tokens of a Responses request (``instructions``, ``input``, ``tools``)."""
    chars = _chars(body.get("instructions")) + _chars(body.get("input")) + _chars(body.get("tools"))
    return chars // 4 + 1


def responses_too_long(limit: int, tokens: int) -> dict[str, Any]:
    """The Responses API's 400 body for an input over the context window."""
    return {
        "error": {
            "message": (
                f"Your input exceeds the context window of this model ({tokens} tokens > {limit}). "
                "Please adjust your input and try again."
            ),
            "type": "invalid_request_error",
            "param": "input",
            "code": "context_length_exceeded",
        }
    }


def openai_too_long(limit: int, tokens: int) -> dict[str, Any]:
    """OpenAI's 400 body for a prompt over the context window."""
    return {
        "error": {
            "message": (
                f"This model's maximum context length is {limit} tokens. However, your messages "
                f"resulted in {tokens} tokens. Please reduce the length of the messages."
            ),
            "type": "invalid_request_error",
            "param": "messages",
            "code": "context_length_exceeded",
        }
    }


def anthropic_too_long(limit: int, tokens: int) -> dict[str, Any]:
    """Anthropic's 400 body for a prompt over the context window."""
    return {
        "type": "error",
        "error": {
            "type": "invalid_request_error",
            "message": f"prompt is too long: {tokens} tokens > {limit} maximum",
        },
    }
