"""The Anthropic Messages API over HTTP (``POST <base_url>/v1/messages``).

Thread-safe: a provider holds no per-call state; it is shared by every session that
uses the same configuration. The models cache has its own lock.
"""

from __future__ import annotations

import functools
from typing import Any, Dict, List, Optional

from .._transport.http import Transport
from .._transport.retry import RetryPolicy, call_with_retry
from ..errors import ConfigurationError
from ..types import ModelInfo, ProviderConfig
from .anthropic_wire import StreamAccumulator, parse_models, parse_response, request_body
from .base import (
    CallContext,
    DeltaRelay,
    ModelRequest,
    ModelResponse,
    ModelsCache,
    call_model_with_retry,
    find_model,
    provided_bearer_token,
    read_stream,
)

__all__ = ["ANTHROPIC_DEFAULT_URL", "ANTHROPIC_VERSION", "AnthropicProvider"]

ANTHROPIC_DEFAULT_URL = "https://api.anthropic.com"
ANTHROPIC_VERSION = "2023-06-01"
MAX_MODEL_PAGES = 20


class AnthropicProvider:
    """Model calls in the Messages API wire format.

    Credentials: ``api_key`` as ``x-api-key``, or ``bearer_token`` as
    ``Authorization: Bearer`` (gateways); extra ``headers`` are sent as given.

    Args:
        config: the provider configuration (``type="anthropic"``).
        transport: the HTTP transport.
        policy: the retry policy.

    Thread-safe: shared by every session using this endpoint; it keeps no per-call
    state (the models cache guards its own).
    """

    type = "anthropic"

    def __init__(self, *, config: ProviderConfig, transport: Transport, policy: RetryPolicy) -> None:
        self._config = config
        self._transport = transport
        self._policy = policy
        root = config.base_url or ANTHROPIC_DEFAULT_URL
        self._root = root[: -len("/v1")] if root.endswith("/v1") else root
        self._models: ModelsCache[List[ModelInfo]] = ModelsCache()
        self.what = "anthropic provider"

    def __repr__(self) -> str:
        return f"AnthropicProvider(base_url={self._root!r})"

    def _headers(self, stream: bool, request: Optional[ModelRequest] = None) -> Dict[str, str]:
        headers = {
            "anthropic-version": ANTHROPIC_VERSION,
            "Accept": "text/event-stream" if stream else "application/json",
        }
        provided = provided_bearer_token(self._config, request)
        if provided is not None:  # wins over the static credentials, as in the official SDK
            headers["Authorization"] = f"Bearer {provided}"
        elif self._config.api_key:
            headers["x-api-key"] = self._config.api_key
        if self._config.bearer_token and provided is None:
            headers["Authorization"] = f"Bearer {self._config.bearer_token}"
        headers.update(self._config.headers)
        return headers

    def complete(self, request: ModelRequest, ctx: CallContext) -> ModelResponse:
        """Make one model call (streamed when ``request.stream``), with retries."""
        model = self._config.wire_model or request.model
        if not model:
            raise ConfigurationError("an anthropic session needs a model (e.g. 'claude-sonnet-4.5')")
        body = request_body(request, model=model)
        relay = DeltaRelay(ctx)

        def attempt() -> ModelResponse:
            response = self._transport.request(
                "POST",
                f"{self._root}/v1/messages",
                headers=self._headers(request.stream, request),
                json_body=body,
                stream=request.stream,
                cancel=ctx.cancel,
                what=self.what,
            )
            if not request.stream:
                return parse_response(response.json())
            return read_stream(response, StreamAccumulator(), relay)

        return call_model_with_retry(attempt, self._policy, ctx, relay)

    def model_info(self, model: Optional[str]) -> Optional[ModelInfo]:
        """The entry for ``model`` in the models list if one was fetched already."""
        return find_model(self._models.peek(), model)

    def list_models(self) -> List[ModelInfo]:
        """``GET <base_url>/v1/models`` (all pages); fetched at most once per five minutes."""

        def page(after: Optional[str]) -> Any:
            params = {"limit": "1000"}
            if after:
                params["after_id"] = after
            return self._transport.request(
                "GET",
                f"{self._root}/v1/models",
                headers=self._headers(False),
                params=params,
                what=self.what,
            ).json()

        def fetch() -> List[ModelInfo]:
            models: List[ModelInfo] = []
            after: Optional[str] = None
            for _ in range(MAX_MODEL_PAGES):
                found, after = parse_models(
                    call_with_retry(functools.partial(page, after), self._policy)
                )
                models.extend(found)
                if after is None:
                    break
            return models

        return list(self._models.get(fetch))
