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

import inspect
import threading
import time
from typing import Any, Callable, Generic, List, Optional, Protocol, Tuple, TypeVar, Union

import attrs

from .._transport.cancel import CancelToken
from .._transport.redact import redact
from .._transport.response import HTTPResponse
from .._transport.retry import RetryPolicy, call_with_retry
from .._transport.sse import ServerSentEvent, iter_sse
from .._transport.wirejson import loads
from ..errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    ConfigurationError,
)
from ..events import ToolRequest
from ..types import ModelInfo, ProviderConfig

DRAIN_TIMEOUT = 1.0  # seconds to read a stream's end after its last event
MODELS_TTL = 300.0  # seconds a provider's model list is reused
T = TypeVar("T")

@attrs.frozen(kw_only=True)
class TextPart:
    """A block of text sent after a user message's own text (an attached file)."""

    text: str


@attrs.frozen(kw_only=True)
class ImagePart:
    """An image in a user message: its MIME type and base64 data."""

    mime_type: str
    data: str = attrs.field(repr=lambda d: f"<{len(d)} base64 characters>")

    def data_url(self) -> str:
        """The image as a ``data:`` URL (chat completions, Responses)."""
        return f"data:{self.mime_type};base64,{self.data}"


Part = Union[TextPart, ImagePart]


@attrs.frozen(kw_only=True)
class Message:
    """One chat message. ``role`` is "user", "assistant" or "tool".

    Attributes:
        content: the message text.
        parts: user messages: attached text blocks and images, after ``content``.
        tool_calls: assistant messages: the tools the model asked for.
        reasoning: assistant messages: the Responses reasoning items of the reply
            (opaque wire JSON with ``encrypted_content``), sent back on later calls
            by the Responses wire format and ignored by the others.
        tool_call_id, name: tool results: the call answered, and the tool's name.
    """

    role: str
    content: str = ""
    parts: Tuple[Part, ...] = ()
    tool_calls: Tuple[ToolRequest, ...] = ()
    reasoning: Tuple[Any, ...] = ()
    tool_call_id: Optional[str] = None
    name: Optional[str] = None

    def has_images(self) -> bool:
        """Whether an image is attached."""
        return any(isinstance(p, ImagePart) for p in self.parts)


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
    #: the session making the call (told to a ``bearer_token_provider``).
    session_id: Optional[str] = None


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
    #: the reasoning summary text, when the model sent one ("" otherwise).
    reasoning_text: str = ""
    #: the Responses reasoning items to send back on later calls (opaque JSON).
    reasoning: Tuple[Any, ...] = ()


@attrs.frozen(kw_only=True)
class CallContext:
    """Per-call hooks from the turn engine.

    Attributes:
        cancel: aborts the call (the socket in flight is shut).
        on_delta: receives each piece of streamed assistant text, in order.
        on_retry: told ``(attempt, delay, error)`` before a retry waits.
        on_reasoning_delta: receives each piece of a streamed reasoning summary.
    """

    cancel: CancelToken
    on_delta: Optional[Callable[[str], None]] = None
    on_retry: Optional[Callable[[int, float, BaseException], None]] = None
    on_reasoning_delta: Optional[Callable[[str], None]] = None


class Provider(Protocol):
    """A model endpoint of one wire format. Thread-safe: shared by sessions."""

    type: str

    def complete(self, request: ModelRequest, ctx: CallContext) -> ModelResponse:
        """Make one model call (streamed when ``request.stream``), with retries."""
        ...

    def list_models(self) -> List[ModelInfo]:
        """The models this endpoint offers."""
        ...

    def model_info(self, model: Optional[str]) -> Optional[ModelInfo]:
        """What the models list says of ``model``, or None (not listed, or no list
        at hand: providers whose routing needs the list fetch it, others only
        look at a list already fetched)."""
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

    def reasoning(self, text: str) -> None:
        """Pass a piece of streamed reasoning summary on (it counts as delivered)."""
        self.delivered = True
        if self._ctx.on_reasoning_delta is not None:
            self._ctx.on_reasoning_delta(text)


def call_model_with_retry(
    attempt: Callable[[], ModelResponse], policy: RetryPolicy, ctx: CallContext, relay: DeltaRelay
) -> ModelResponse:
    """Run ``attempt`` under the retry policy, retrying only while no text of it
    reached the caller; abort wakes the wait between attempts."""
    return call_with_retry(
        attempt, policy, cancel=ctx.cancel, on_retry=ctx.on_retry, may_retry=lambda: not relay.delivered
    )


def provided_bearer_token(config: ProviderConfig, request: Optional[ModelRequest]) -> Optional[str]:
    """A fresh token from ``config.bearer_token_provider`` (None if it has none).
    The callable gets ``{"provider_name": "default", "session_id": ...}`` if it
    takes an argument, as in the official SDK.

    Raises:
        ConfigurationError: the callable raised or returned something other than
            a non-empty str (the value is never shown).
    """
    provider = config.bearer_token_provider
    if provider is None:
        return None
    args = {"provider_name": "default", "session_id": (request.session_id if request else None) or ""}
    try:
        token = provider(args) if _takes_argument(provider) else provider()
    except Exception as exc:
        raise ConfigurationError(
            f"bearer_token_provider raised {type(exc).__name__}: {redact(str(exc))}"
        ) from exc
    if not isinstance(token, str) or not token.strip():
        raise ConfigurationError(
            f"bearer_token_provider must return a non-empty str, not {type(token).__name__}"
        )
    return token.strip()


def _takes_argument(fn: Callable[..., Any]) -> bool:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL) for p in params)


class ModelsCache(Generic[T]):
    """A model list (or anything fetched like one) fetched at most once per ``ttl`` seconds.

    Thread-safe: the cached value is guarded by ``self._lock``, held while fetching so
    that concurrent callers share one request.
    """

    def __init__(self, ttl: float = MODELS_TTL) -> None:
        self._ttl = ttl
        self._lock = threading.Lock()
        self._cached: Optional[Tuple[float, T]] = None  # guarded by self._lock

    def get(self, fetch: Callable[[], T]) -> T:
        """The cached value, or ``fetch()`` when there is none or it is too old."""
        with self._lock:
            if self._cached is None or time.monotonic() - self._cached[0] >= self._ttl:
                self._cached = (time.monotonic(), fetch())
            return self._cached[1]

    def peek(self) -> Optional[T]:
        """The cached value if there is a fresh one, without fetching."""
        with self._lock:
            if self._cached is None or time.monotonic() - self._cached[0] >= self._ttl:
                return None
            return self._cached[1]


def find_model(models: Optional[List[ModelInfo]], model: Optional[str]) -> Optional[ModelInfo]:
    """The entry of ``model`` in ``models`` (None if either is missing)."""
    if not models or not model:
        return None
    return next((m for m in models if m.id == model), None)


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
