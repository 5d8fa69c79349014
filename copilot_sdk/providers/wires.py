"""Wire formats as plug-ins of one HTTP call path.

A :class:`Wire` knows one format's path, request JSON, reply parser and stream
accumulator; an :class:`Endpoint` knows where calls go and with which credentials.
:func:`call_model` joins the two: one model call with retries, streamed or not, and
one more try with fresh credentials after a 401 when the endpoint can refresh them.
Chat completions, Responses and the Anthropic messages format all go through it, so
they share retry, abort and timeout semantics.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Protocol

from .._transport.http import Transport
from .._transport.retry import RetryPolicy
from ..errors import APIStatusError, AuthenticationError
from .base import (
    CallContext,
    DeltaRelay,
    ModelRequest,
    ModelResponse,
    StreamFolder,
    call_model_with_retry,
    read_stream,
)
from .openai_wire import StreamAccumulator as ChatAccumulator
from .openai_wire import parse_response as parse_chat
from .openai_wire import request_body as chat_body

__all__ = ["ChatWire", "Endpoint", "MessagesWire", "ResponsesWire", "Wire", "call_model"]


class Wire(Protocol):
    """One wire format: where it posts, what it sends, how it reads the reply."""

    name: str  # "completions", "responses" or "messages"
    path: str  # appended to the endpoint's API root

    def body(self, request: ModelRequest, model: Optional[str]) -> Dict[str, Any]: ...

    def parse(self, body: Any, url: str) -> ModelResponse: ...

    def folder(self, relay: DeltaRelay) -> StreamFolder: ...


class ChatWire:
    """OpenAI chat completions; ``max_tokens_field`` is the endpoint family's name
    for the output limit (``max_tokens`` or ``max_completion_tokens``).

    Thread-safe: immutable; each call gets its own stream accumulator."""

    name = "completions"
    path = "/chat/completions"

    def __init__(self, max_tokens_field: str = "max_completion_tokens") -> None:
        self.max_tokens_field = max_tokens_field

    def body(self, request: ModelRequest, model: Optional[str]) -> Dict[str, Any]:
        return chat_body(request, model=model, max_tokens_field=self.max_tokens_field)

    def parse(self, body: Any, url: str) -> ModelResponse:
        return parse_chat(body)

    def folder(self, relay: DeltaRelay) -> StreamFolder:
        return ChatAccumulator()


class ResponsesWire:
    """OpenAI Responses; ``reasoning=False`` for models known not to reason.

    Thread-safe: immutable; each call gets its own stream accumulator."""

    name = "responses"
    path = "/responses"

    def __init__(self, reasoning: bool = True) -> None:
        self.reasoning = reasoning

    def body(self, request: ModelRequest, model: Optional[str]) -> Dict[str, Any]:
        from .responses_wire import request_body  # each format loads with its first call

        return request_body(request, model=model, reasoning=self.reasoning)

    def parse(self, body: Any, url: str) -> ModelResponse:
        from .responses_wire import parse_response

        return parse_response(body, url=url)

    def folder(self, relay: DeltaRelay) -> StreamFolder:
        from .responses_wire import StreamAccumulator

        return StreamAccumulator(on_reasoning=relay.reasoning)


class MessagesWire:
    """The Anthropic messages format (``/v1/messages``).

    Thread-safe: stateless; each call gets its own stream accumulator."""

    name = "messages"
    path = "/v1/messages"

    def body(self, request: ModelRequest, model: Optional[str]) -> Dict[str, Any]:
        from .anthropic_wire import request_body

        return request_body(request, model=model)

    def parse(self, body: Any, url: str) -> ModelResponse:
        from .anthropic_wire import parse_response

        return parse_response(body)

    def folder(self, relay: DeltaRelay) -> StreamFolder:
        from .anthropic_wire import StreamAccumulator

        return StreamAccumulator()


class Endpoint(Protocol):
    """Where a model call goes, and with which headers."""

    what: str  # for error messages: "openai provider", "copilot provider"

    def url(self, model: Optional[str], path: str) -> str: ...

    def models_url(self) -> str: ...

    def headers(self, request: Optional[ModelRequest]) -> Dict[str, str]: ...

    def wire_model(self, model: Optional[str]) -> Optional[str]: ...

    def reauthenticate(self, sent: Mapping[str, str]) -> bool:
        """After a 401 for a call sent with ``sent``: True if fresh credentials are
        now in place and the call may be made once more."""
        ...

    def explain(self, exc: APIStatusError) -> APIStatusError:
        """``exc`` with advice for this endpoint, or ``exc`` itself."""
        ...


def call_model(
    *,
    transport: Transport,
    policy: RetryPolicy,
    endpoint: Endpoint,
    wire: Wire,
    request: ModelRequest,
    ctx: CallContext,
    extra_headers: Optional[Mapping[str, str]] = None,
) -> ModelResponse:
    """Make one model call in ``wire``'s format to ``endpoint``, with retries.

    The body is built once; URL and credentials are settled once per try, outside
    the retried attempt (discovery and token exchange retry on their own). After a
    401 the endpoint may refresh its credentials and the call is made once more,
    unless text of it already reached the caller.
    """
    relay = DeltaRelay(ctx)
    body = wire.body(request, endpoint.wire_model(request.model))
    sent: Dict[str, str] = {}

    def call() -> ModelResponse:
        sent.clear()  # stays empty if the endpoint fails before the call is made
        prepare = getattr(endpoint, "prepare", None)  # discovery, token exchange: abortable
        if prepare is not None:
            prepare(ctx.cancel)
        url = endpoint.url(request.model, wire.path)
        headers = endpoint.headers(request)
        if extra_headers:
            headers.update(extra_headers)
        sent.update(headers)
        plain_url = url.split("?")[0]

        def attempt() -> ModelResponse:
            response = transport.request(
                "POST",
                url,
                headers=headers,
                json_body=body,
                stream=request.stream,
                cancel=ctx.cancel,
                what=endpoint.what,
            )
            if not request.stream:
                return wire.parse(response.json(), plain_url)
            return read_stream(response, wire.folder(relay), relay)

        try:
            return call_model_with_retry(attempt, policy, ctx, relay)
        except APIStatusError as exc:
            explained = endpoint.explain(exc)
            if explained is exc:
                raise
            raise explained from exc

    try:
        return call()
    except AuthenticationError:
        if relay.delivered or not endpoint.reauthenticate(sent):
            raise
    return call()
