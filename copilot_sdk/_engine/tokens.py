"""Token accounting: a fast estimate of a request's prompt size, corrected by the
usage the provider reports, and the model's context window.

The estimate is about one token per four characters plus a few tokens per message
and per tool definition (what the wire formats add around them). Each message is
estimated once, when it enters the history (see :mod:`.history`), so estimating a
request costs the same at 10 turns of history as at 1,000. After each model call the
provider reports the real prompt size; the ratio between it and the estimate of that
same request corrects later estimates (within :data:`MIN_CORRECTION` ..
:data:`MAX_CORRECTION`).

The window comes from ``SessionConfig.max_prompt_tokens``, else the model's
``max_prompt_tokens`` in the provider's (cached) models list, looked up only once an
estimate reaches :data:`LOOKUP_FLOOR` (so short sessions make no extra request), else
:data:`DEFAULT_MAX_PROMPT_TOKENS`.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

import attrs

from ..errors import CopilotError
from ..providers.base import Message, Provider, ToolSpec

logger = logging.getLogger("copilot_sdk.compaction")

__all__ = [
    "DEFAULT_MAX_PROMPT_TOKENS",
    "LOOKUP_FLOOR",
    "ContextLimits",
    "FixedCost",
    "arguments_text",
    "Window",
    "corrected",
    "estimate_fixed",
    "estimate_message",
    "estimate_text",
]

CHARS_PER_TOKEN = 4
MESSAGE_OVERHEAD = 5  # role, separators and framing of one message
TOOL_CALL_OVERHEAD = 10  # id, type and function framing of one tool call
TOOL_OVERHEAD = 8  # framing of one tool definition
REQUEST_OVERHEAD = 3

#: The window assumed when neither the session nor the models list gives one. It is
#: conservative (most current models offer more): a session compacts earlier than
#: it needs to rather than fail. Requests are never refused against this guess.
DEFAULT_MAX_PROMPT_TOKENS = 64_000

#: Below this estimate no window matters: the models list is not consulted.
LOOKUP_FLOOR = 1_000

#: Bounds of the usage-based correction of the estimate.
MIN_CORRECTION = 0.5
MAX_CORRECTION = 3.0

_LOOKUP_RETRY = 300.0  # seconds before a failed models lookup is tried again


def estimate_text(text: str) -> int:
    """Tokens of a piece of text (about four characters each, rounded up)."""
    return (len(text) + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN


def arguments_text(arguments: Any) -> str:
    """Tool-call arguments as the text a wire format would carry."""
    if isinstance(arguments, str):
        return arguments
    try:
        return json.dumps(arguments)
    except (TypeError, ValueError):
        return str(arguments)


def estimate_message(message: Message) -> int:
    """Tokens one message adds to a request."""
    tokens = MESSAGE_OVERHEAD + estimate_text(message.content)
    for call in message.tool_calls:
        tokens += TOOL_CALL_OVERHEAD + estimate_text(call.tool_call_id) + estimate_text(call.name)
        tokens += estimate_text(arguments_text(call.arguments))
    if message.tool_call_id:
        tokens += estimate_text(message.tool_call_id)
    return tokens


def _tool_tokens(tool: ToolSpec) -> int:
    return (
        TOOL_OVERHEAD
        + estimate_text(tool.name)
        + estimate_text(tool.description or "")
        + estimate_text(arguments_text(tool.parameters))
    )


@attrs.frozen
class FixedCost:
    """The part of every request that is not history: system message and tools."""

    system: int
    tools: int

    @property
    def total(self) -> int:
        return REQUEST_OVERHEAD + self.system + self.tools


def estimate_fixed(system_message: Optional[str], tools: Sequence[ToolSpec]) -> FixedCost:
    """Tokens of a request's system message and tool definitions."""
    return FixedCost(
        system=(MESSAGE_OVERHEAD + estimate_text(system_message)) if system_message else 0,
        tools=sum(_tool_tokens(tool) for tool in tools),
    )


def corrected(raw: int, last_call: Optional[Tuple[int, int]]) -> int:
    """``raw`` scaled by what the provider reported for the last model call.

    Args:
        raw: an estimate.
        last_call: (our estimate of the last call's prompt, the prompt tokens the
            provider reported for it), or None when no call reported usage.
    """
    if last_call is None:
        return raw
    estimated, reported = last_call
    if estimated <= 0 or reported <= 0:
        return raw
    ratio = min(MAX_CORRECTION, max(MIN_CORRECTION, reported / estimated))
    return int(raw * ratio + 0.5)


@attrs.frozen
class Window:
    """A model's context window: its size, and whether it is known (from the
    session's config or the models list) or only :data:`DEFAULT_MAX_PROMPT_TOKENS`."""

    max_prompt_tokens: int
    known: bool


class ContextLimits:
    """The context windows of one session's models, looked up lazily.

    Thread-safe: the per-model cache is guarded by the class's one ``_lock``, shared
    by every session's instance (a dict lookup or store under it, nothing more: a
    lock per session would cost each idle session more than its cache); the models
    list is fetched (network I/O) outside it.
    """

    __slots__ = ("_provider", "_found")
    _lock = threading.Lock()

    def __init__(self, provider: Callable[[], Provider]) -> None:
        self._provider = provider  # the session's current provider
        self._found: Dict[str, Tuple[Window, float]] = {}  # guarded by ContextLimits._lock

    def window(
        self, model: Optional[str], configured: Optional[int], estimate: int, *, force: bool = False
    ) -> Window:
        """The window for ``model``: ``configured`` (``SessionConfig.max_prompt_tokens``)
        when set; else, once ``estimate`` reaches :data:`LOOKUP_FLOOR` (or with
        ``force``), the models list's figure; else the default."""
        if configured is not None:
            return Window(configured, True)
        if model is None or (estimate < LOOKUP_FLOOR and not force):
            return Window(DEFAULT_MAX_PROMPT_TOKENS, False)
        now = time.monotonic()
        with self._lock:
            found = self._found.get(model)
        if found is not None and (found[0].known or now - found[1] < _LOOKUP_RETRY):
            return found[0]
        window = self._look_up(model)
        with self._lock:
            self._found[model] = (window, now)
        return window

    def _look_up(self, model: str) -> Window:
        try:
            models = self._provider().list_models()
        except CopilotError as exc:
            logger.debug("no context window for %r from the models list: %s", model, exc)
            return Window(DEFAULT_MAX_PROMPT_TOKENS, False)
        for info in models:
            if info.id == model and info.max_prompt_tokens:
                return Window(info.max_prompt_tokens, True)
        logger.debug("the models list gives no context window for %r; assuming %d",
                      model, DEFAULT_MAX_PROMPT_TOKENS)
        return Window(DEFAULT_MAX_PROMPT_TOKENS, False)
