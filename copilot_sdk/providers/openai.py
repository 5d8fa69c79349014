"""Chat-completions over HTTP: OpenAI-compatible servers, Azure OpenAI, and (through an
endpoint object from ``copilot_sdk.providers.copilot``) the GitHub Copilot API.

Thread-safe: a provider holds no per-call state; it is shared by every session that
uses the same endpoint and credentials. The models cache is guarded by
``self._models_lock`` (held while fetching, so concurrent callers fetch once).
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Protocol

from .._transport.http import Transport
from .._transport.retry import RetryPolicy, call_with_retry
from ..errors import (
    APIResponseValidationError,
    APIStatusError,
    AuthenticationError,
    ConfigurationError,
)
from ..types import ModelInfo, ProviderConfig
from .base import (
    CallContext,
    DeltaRelay,
    ModelRequest,
    ModelResponse,
    ModelsCache,
    call_model_with_retry,
    read_stream,
)
from .openai_wire import StreamAccumulator, parse_response, request_body

__all__ = ["ChatEndpoint", "OpenAIProvider", "StaticEndpoint", "parse_models"]

OPENAI_DEFAULT_URL = "https://api.openai.com/v1"


class ChatEndpoint(Protocol):
    """Where a chat-completions call goes, and with which headers."""

    what: str  # for error messages: "openai provider", "copilot provider (api.x)"

    def chat_url(self, model: Optional[str]) -> str: ...

    def models_url(self) -> str: ...

    def headers(self, request: Optional[ModelRequest]) -> Dict[str, str]: ...

    def wire_model(self, model: Optional[str]) -> Optional[str]: ...

    def max_tokens_field(self) -> str: ...

    def reauthenticate(self, sent: Mapping[str, str]) -> bool:
        """After a 401 for a call sent with ``sent``: True if fresh credentials are
        now in place and the call may be made once more."""
        ...

    def explain(self, exc: APIStatusError) -> APIStatusError:
        """``exc`` with advice for this endpoint, or ``exc`` itself."""
        ...


class StaticEndpoint:
    """An OpenAI-compatible or Azure endpoint: fixed URL and key.

    Thread-safe: immutable once built.
    """

    def __init__(self, config: ProviderConfig) -> None:
        self._config = config
        if config.type == "azure":
            if not config.base_url:
                raise ConfigurationError(
                    "ProviderConfig(type='azure') needs base_url: the resource URL "
                    "(https://NAME.openai.azure.com) or a deployment URL"
                )
            self._root = config.base_url
        else:
            self._root = config.base_url or OPENAI_DEFAULT_URL
        self.what = f"{config.type} provider"

    def _azure_url(self, model: Optional[str], path: str) -> str:
        root = self._root
        if "/deployments/" not in root:
            deployment = self.wire_model(model)
            if not deployment:
                raise ConfigurationError("an Azure session needs a model or wire_model (the deployment)")
            if not root.endswith("/openai"):
                root += "/openai"
            root += f"/deployments/{deployment}"
        return f"{root}{path}?api-version={self._config.azure_api_version}"

    def chat_url(self, model: Optional[str]) -> str:
        if self._config.type == "azure":
            return self._azure_url(model, "/chat/completions")
        return f"{self._root}/chat/completions"

    def models_url(self) -> str:
        if self._config.type == "azure":
            root = self._root.split("/openai/deployments/")[0].removesuffix("/openai")
            return f"{root}/openai/models?api-version={self._config.azure_api_version}"
        return f"{self._root}/models"

    def headers(self, request: Optional[ModelRequest]) -> Dict[str, str]:
        headers = {"Accept": "text/event-stream" if request and request.stream else "application/json"}
        config = self._config
        if config.type == "azure" and config.api_key:
            headers["api-key"] = config.api_key
        elif config.api_key:
            headers["Authorization"] = f"Bearer {config.api_key}"
        if config.bearer_token:
            headers["Authorization"] = f"Bearer {config.bearer_token}"
        headers.update(config.headers)
        return headers

    def wire_model(self, model: Optional[str]) -> Optional[str]:
        return self._config.wire_model or model

    def max_tokens_field(self) -> str:
        return "max_completion_tokens"

    def reauthenticate(self, sent: Mapping[str, str]) -> bool:
        return False  # a static key cannot be refreshed

    def explain(self, exc: APIStatusError) -> APIStatusError:
        return exc


def parse_models(body: Any) -> List[ModelInfo]:
    """A ``/models`` reply (OpenAI or Copilot shape) -> ModelInfo list."""
    items = body.get("data") if isinstance(body, Mapping) else body
    if not isinstance(items, list):
        raise APIResponseValidationError("the /models reply has no data list")
    models = []
    for item in items:
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
            raise APIResponseValidationError("a /models entry without an id")
        caps = item.get("capabilities") if isinstance(item.get("capabilities"), Mapping) else None
        limits = caps.get("limits") if caps and isinstance(caps.get("limits"), Mapping) else {}
        models.append(
            ModelInfo(
                id=item["id"],
                name=str(item.get("name") if isinstance(item.get("name"), str) else item["id"]),
                max_prompt_tokens=_int(limits.get("max_prompt_tokens")),
                max_output_tokens=_int(limits.get("max_output_tokens")),
                capabilities=caps,
            )
        )
    return models


def _int(value: Any) -> Optional[int]:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class OpenAIProvider:
    """The chat-completions wire format over a :class:`ChatEndpoint`.

    Thread-safe: shared by every session using this endpoint. It keeps no per-call
    state; the endpoint and the models cache guard their own, the transport is
    thread-safe.
    """

    def __init__(
        self, *, type: str, endpoint: ChatEndpoint, transport: Transport, policy: RetryPolicy
    ) -> None:
        self.type = type
        self._endpoint = endpoint
        self._transport = transport
        self._policy = policy
        self._models = ModelsCache()

    def __repr__(self) -> str:
        return f"OpenAIProvider(type={self.type!r}, endpoint={self._endpoint!r})"

    def complete(self, request: ModelRequest, ctx: CallContext) -> ModelResponse:
        """Make one model call (streamed when ``request.stream``), with retries; after
        a 401 the endpoint may refresh its credentials and the call is made once more."""
        relay = DeltaRelay(ctx)
        endpoint = self._endpoint
        model = endpoint.wire_model(request.model)
        if model is None and self.type != "azure":  # Azure may name it in the URL
            raise ConfigurationError(
                f"{endpoint.what}: the session has no model; pass create_session(model=...)"
            )
        body = request_body(request, model=model, max_tokens_field=endpoint.max_tokens_field())
        sent: Dict[str, str] = {}

        def call() -> ModelResponse:
            # URL and credentials are settled once per call, outside the retried
            # attempt: discovery and token exchange retry on their own.
            sent.clear()  # stays empty if the endpoint fails before the call is made
            url = endpoint.chat_url(request.model)
            headers = endpoint.headers(request)
            sent.update(headers)

            def attempt() -> ModelResponse:
                response = self._transport.request(
                    "POST",
                    url,
                    headers=headers,
                    json_body=body,
                    stream=request.stream,
                    cancel=ctx.cancel,
                    what=endpoint.what,
                )
                if not request.stream:
                    return parse_response(response.json())
                return read_stream(response, StreamAccumulator(), relay)

            try:
                return call_model_with_retry(attempt, self._policy, ctx, relay)
            except APIStatusError as exc:
                explained = self._endpoint.explain(exc)
                if explained is exc:
                    raise
                raise explained from exc

        try:
            return call()
        except AuthenticationError:
            if relay.delivered or not self._endpoint.reauthenticate(sent):
                raise
        return call()

    def list_models(self) -> List[ModelInfo]:
        """The endpoint's models; fetched at most once per five minutes."""

        def fetch() -> List[ModelInfo]:
            url, headers = self._endpoint.models_url(), self._endpoint.headers(None)

            def attempt() -> List[ModelInfo]:
                response = self._transport.request("GET", url, headers=headers, what=self._endpoint.what)
                return parse_models(response.json())

            return call_with_retry(attempt, self._policy)

        return self._models.get(fetch)
