"""What every provider offers the turn engine, and what it gets from it.

A provider turns a :class:`~copilot_sdk.providers.messages.ModelRequest` into HTTP through the
transport and the reply back into a :class:`~copilot_sdk.providers.messages.ModelResponse`.
It never sees sessions; the session layer never builds HTTP.
"""

from __future__ import annotations

from typing import Callable, List, Optional, Protocol

import attrs

from .._transport.cancel import CancelToken
from .._transport.retry import RetryPolicy, call_with_retry
from ..types import ModelInfo
from .messages import ModelRequest, ModelResponse


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


class DeltaRelay:
    """Passes streamed text on to the caller and remembers that some got there:
    from then on the call must not be re-sent (the caller would see text twice)."""

    def __init__(self, ctx: CallContext) -> None:
        self._ctx = ctx
        self.delivered = False

    def __call__(self, text: str) -> None:
        self.delivered = True
        if self._ctx.on_delta is not None:
            self._ctx.on_delta(text)


def call_model_with_retry(
    attempt: Callable[[], ModelResponse], policy: RetryPolicy, ctx: CallContext, relay: DeltaRelay
) -> ModelResponse:
    """Run ``attempt`` under the retry policy, retrying only while no text of it
    reached the caller; abort wakes the wait between attempts."""
    return call_with_retry(
        attempt, policy, cancel=ctx.cancel, on_retry=ctx.on_retry, may_retry=lambda: not relay.delivered
    )
