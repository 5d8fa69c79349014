"""What every provider offers the turn engine, and what it gets from it.

A provider turns a :class:`~copilot_sdk._messages.ModelRequest` into HTTP through the
transport and the reply back into a :class:`~copilot_sdk._messages.ModelResponse`.
It never sees sessions; the session layer never builds HTTP.
"""

from __future__ import annotations

from typing import Callable, List, Optional, Protocol

import attrs

from .._cancel import CancelToken
from .._messages import ModelRequest, ModelResponse
from ..types import ModelInfo


@attrs.frozen(kw_only=True)
class CallContext:
    """Per-call hooks from the turn engine.

    Attributes:
        cancel: aborts the call (the socket in flight is shut).
        on_delta: receives each piece of streamed assistant text, in order.
        on_retry: told ``(attempt, delay, error)`` before a retry waits.
    """

    cancel: CancelToken
    on_delta: Optional[Callable[[str], None]] = None
    on_retry: Optional[Callable[[int, float, BaseException], None]] = None


class Provider(Protocol):
    """A model endpoint of one wire format. Thread-safe: shared by sessions."""

    type: str

    def complete(self, request: ModelRequest, ctx: CallContext) -> ModelResponse:
        """Make one model call (streamed when ``request.stream``), with retries."""
        ...

    def list_models(self) -> List[ModelInfo]:
        """The models this endpoint offers."""
        ...
