"""The provider contract: what every provider offers the turn engine, and what it
gets from it.

The canonical message model (:class:`Message`, :class:`ModelRequest`,
:class:`ModelResponse`) is shared by the turn engine and every wire format; a
provider turns a :class:`ModelRequest` into HTTP through the transport and the reply
back into a :class:`ModelResponse`. It never sees sessions; the session layer never
builds HTTP. Also here: the models cache and the one stream reader every wire
format's accumulator plugs into.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, List, Optional, Protocol, Tuple

import attrs

from .._transport.cancel import CancelToken
from .._transport.response import HTTPResponse
from .._transport.retry import RetryPolicy, call_with_retry
from .._transport.sse import ServerSentEvent, iter_sse
from .._transport.wirejson import loads
from ..errors import APIConnectionError, APIError, APIResponseValidationError, APIStatusError
from ..events import ToolRequest
from ..types import ModelInfo

DRAIN_TIMEOUT = 1.0  # seconds to read a stream's end after its last event
MODELS_TTL = 300.0  # seconds a provider's model list is reused

@attrs.frozen(kw_only=True)
class Message:
    """One chat message. ``role`` is "user", "assistant" or "tool"."""

    role: str
    content: str = ""
    tool_calls: Tuple[ToolRequest, ...] = ()
    tool_call_id: Optional[str] = None
    name: Optional[str] = None


@attrs.frozen(kw_only=True)
class ToolSpec:
    """A tool as the model sees it: name, description, JSON Schema of its parameters."""

    name: str
    description: str
    parameters: Any


@attrs.frozen(kw_only=True)
class ModelRequest:
    """One model call, independent of the wire format."""

    model: Optional[str]
    system_message: Optional[str]
    messages: Tuple[Message, ...]
    tools: Tuple[ToolSpec, ...] = ()
    stream: bool = False
    temperature: Optional[float] = None
    max_output_tokens: Optional[int] = None
    reasoning_effort: Optional[str] = None
    #: "user" for a turn's first call, "agent" for the follow-ups of tool rounds.
    initiator: str = "user"
    #: one id per turn, sent by providers that want it (Copilot).
    interaction_id: Optional[str] = None


@attrs.frozen(kw_only=True)
class ModelResponse:
    """One model reply, independent of the wire format."""

    content: str
    tool_calls: Tuple[ToolRequest, ...] = ()
    model: Optional[str] = None
    message_id: Optional[str] = None
    input_tokens: Optional[int] = None
    output_tokens: Optional[int] = None
    finish_reason: Optional[str] = None


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


class ModelsCache:
    """A model list fetched at most once per ``ttl`` seconds.

    Thread-safe: the cached list is guarded by ``self._lock``, held while fetching so
    that concurrent callers share one request.
    """

    def __init__(self, ttl: float = MODELS_TTL) -> None:
        self._ttl = ttl
        self._lock = threading.Lock()
        self._cached: Optional[Tuple[float, List[ModelInfo]]] = None  # guarded by self._lock

    def get(self, fetch: Callable[[], List[ModelInfo]]) -> List[ModelInfo]:
        """The cached list, or ``fetch()`` when there is none or it is too old."""
        with self._lock:
            if self._cached is None or time.monotonic() - self._cached[0] >= self._ttl:
                self._cached = (time.monotonic(), fetch())
            return list(self._cached[1])


class StreamFolder(Protocol):
    """A wire format's stream accumulator, as :func:`read_stream` drives it."""

    #: True once the reply is whole; the rest of the stream is only drained.
    done: bool

    def feed(self, event: ServerSentEvent, url: str) -> str:
        """Fold one event in; return the assistant text it carried ("" if none)."""
        ...

    def complete(self) -> bool:
        """Whether the stream may end here without losing part of the reply."""
        ...

    def result(self) -> ModelResponse:
        """The folded reply."""
        ...


def event_json(event: ServerSentEvent, url: str) -> Any:
    """The JSON an SSE event carries, or APIResponseValidationError."""
    return loads(event.data, what=f"a stream event from {url}", url=url)


def _scrub_error(exc: APIError, response: HTTPResponse) -> None:
    exc.message = response.scrub(exc.message)
    exc.args = (exc.message,)
    if isinstance(exc, APIStatusError):
        exc.body = response.scrub(exc.body)


def read_stream(
    response: HTTPResponse, folder: StreamFolder, on_delta: Callable[[str], None]
) -> ModelResponse:
    """Read a streamed reply to its real end (so the connection can be reused),
    passing each piece of text to ``on_delta``; close the response whatever happens."""
    url = response.url.split("?")[0]
    saw_event = False
    try:
        for event in iter_sse(response.iter_bytes()):
            if folder.done or not event.data:
                continue  # after the end: drain to the real end so the connection is reusable
            saw_event = True
            try:
                text = folder.feed(event, url)
            except APIError as exc:  # an error event may echo the request's credentials
                _scrub_error(exc, response)
                raise
            if text:
                on_delta(text)
            if folder.done:
                response.set_read_timeout(DRAIN_TIMEOUT)
    except APIConnectionError:
        if not folder.done:
            raise
        # The reply is complete; only the drain failed (a server holding the
        # connection open): the connection is dropped instead of reused.
    finally:
        response.close()
    if not saw_event:
        raise APIResponseValidationError(f"the streamed reply from {url} is not an event stream", url=url)
    if not folder.complete():
        raise APIConnectionError(f"the stream from {url} ended before the reply was complete", url=url)
    return folder.result()
