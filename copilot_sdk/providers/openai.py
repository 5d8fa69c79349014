"""OpenAI-style endpoints over HTTP: OpenAI-compatible servers and Azure OpenAI, in
the chat-completions or the Responses wire format (``ProviderConfig.wire_api``).

Thread-safe: a provider holds no per-call state; it is shared by every session that
uses the same endpoint and credentials. The models cache guards itself.
"""

from __future__ import annotations

import urllib.parse
from typing import Any, Dict, List, Mapping, Optional

from .._transport.http import Transport
from .._transport.retry import RetryPolicy, call_with_retry
from ..errors import APIResponseValidationError, APIStatusError, ConfigurationError
from ..types import ModelInfo, ProviderConfig
from .base import CallContext, ModelRequest, ModelResponse, ModelsCache, find_model, provided_bearer_token
from .wires import ChatWire, Endpoint, ResponsesWire, Wire, call_model

__all__ = ["OpenAIProvider", "StaticEndpoint", "parse_models"]

OPENAI_DEFAULT_URL = "https://api.openai.com/v1"
#: hosts whose chat completions take ``max_completion_tokens`` (their reasoning
#: models refuse ``max_tokens``); other OpenAI-compatible servers get ``max_tokens``,
#: the older name that every one of them knows.
MAX_COMPLETION_TOKENS_HOSTS = ("api.openai.com",)


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

    def url(self, model: Optional[str], path: str) -> str:
        if self._config.type == "azure":
            if path == "/responses":  # Azure serves Responses on its v1 API: the model names the deployment
                return f"{self._azure_root()}/openai/v1/responses"
            return self._azure_url(model, path)
        return f"{self._root}{path}"

    def _azure_root(self) -> str:
        return self._root.split("/openai/deployments/")[0].removesuffix("/openai")

    def models_url(self) -> str:
        if self._config.type == "azure":
            return f"{self._azure_root()}/openai/models?api-version={self._config.azure_api_version}"
        return f"{self._root}/models"

    def headers(self, request: Optional[ModelRequest]) -> Dict[str, str]:
        headers = {"Accept": "text/event-stream" if request and request.stream else "application/json"}
        config = self._config
        provided = provided_bearer_token(config, request)
        if provided is not None:  # wins over the static credentials, as in the official SDK
            headers["Authorization"] = f"Bearer {provided}"
        elif config.type == "azure" and config.api_key:
            headers["api-key"] = config.api_key
        elif config.api_key:
            headers["Authorization"] = f"Bearer {config.api_key}"
        if config.bearer_token and provided is None:
            headers["Authorization"] = f"Bearer {config.bearer_token}"
        headers.update(config.headers)
        return headers

    def wire_model(self, model: Optional[str]) -> Optional[str]:
        if self._config.wire_model or model or "/deployments/" not in self._root:
            return self._config.wire_model or model
        return self._root.split("/deployments/")[1].split("/")[0]  # an Azure deployment URL names it

    def max_tokens_field(self) -> str:
        """``max_completion_tokens`` for Azure and OpenAI itself, ``max_tokens`` for
        other OpenAI-compatible servers (Ollama, vLLM, LiteLLM, ...)."""
        if self._config.type == "azure":
            return "max_completion_tokens"
        host = urllib.parse.urlsplit(self._root).hostname or ""
        return "max_completion_tokens" if host in MAX_COMPLETION_TOKENS_HOSTS else "max_tokens"

    def reauthenticate(self, sent: Mapping[str, str]) -> bool:
        return False  # a static key cannot be refreshed

    def explain(self, exc: APIStatusError) -> APIStatusError:
        return exc


def parse_models(body: Any) -> List[ModelInfo]:
    """A ``/models`` reply (OpenAI or Copilot shape) -> ModelInfo list.

    Copilot's entries also say ``vendor``, ``preview``, ``supported_endpoints``,
    ``policy.state`` and, under ``capabilities``, ``limits`` and ``supports``
    (``vision``, ``tool_calls``, ``reasoning_effort``); what an entry does not say
    is None.
    """
    items = body.get("data") if isinstance(body, Mapping) else body
    if not isinstance(items, list):
        raise APIResponseValidationError("the /models reply has no data list")
    models = []
    for item in items:
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
            raise APIResponseValidationError("a /models entry without an id")
        caps = _mapping(item.get("capabilities"))
        limits, supports = _mapping(caps.get("limits")), _mapping(caps.get("supports"))
        policy = _mapping(item.get("policy"))
        models.append(
            ModelInfo(
                id=item["id"],
                name=str(item.get("name") if isinstance(item.get("name"), str) else item["id"]),
                max_prompt_tokens=_int(limits.get("max_prompt_tokens")),
                max_output_tokens=_int(limits.get("max_output_tokens")),
                capabilities=caps if isinstance(item.get("capabilities"), Mapping) else None,
                vendor=_str(item.get("vendor")),
                supported_endpoints=_strings(item.get("supported_endpoints")),
                supports_vision=_bool(supports.get("vision")),
                supports_tool_calls=_bool(supports.get("tool_calls")),
                reasoning_efforts=_strings(supports.get("reasoning_effort")),
                policy_state=_str(policy.get("state")),
                preview=_bool(item.get("preview")),
            )
        )
    return models


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _str(value: Any) -> Optional[str]:
    return value if isinstance(value, str) else None


def _bool(value: Any) -> Optional[bool]:
    return value if isinstance(value, bool) else None


def _strings(value: Any) -> Optional[tuple[str, ...]]:
    if not isinstance(value, list):
        return None
    return tuple(v for v in value if isinstance(v, str))


def _int(value: Any) -> Optional[int]:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class OpenAIProvider:
    """An OpenAI-style endpoint in one wire format.

    Args:
        type: the provider type ("openai", "azure").
        endpoint: where calls go (URL, credentials).
        transport: the HTTP transport.
        policy: the retry policy.
        wire: the wire format; default chat completions with the endpoint's name
            for the output limit.

    Thread-safe: shared by every session using this endpoint. It keeps no per-call
    state; the endpoint and the models cache guard their own, the transport is
    thread-safe.
    """

    def __init__(
        self,
        *,
        type: str,
        endpoint: StaticEndpoint,
        transport: Transport,
        policy: RetryPolicy,
        wire: Optional[Wire] = None,
    ) -> None:
        self.type = type
        self._endpoint: Endpoint = endpoint
        self._wire: Wire = wire or ChatWire(endpoint.max_tokens_field())
        self._transport = transport
        self._policy = policy
        self._models: ModelsCache[List[ModelInfo]] = ModelsCache()

    @classmethod
    def from_config(
        cls, config: ProviderConfig, *, transport: Transport, policy: RetryPolicy
    ) -> OpenAIProvider:
        """The provider for an "openai" or "azure" config (``wire_api`` picks the wire)."""
        endpoint = StaticEndpoint(config)
        wire: Wire = ChatWire(endpoint.max_tokens_field())
        if config.wire_api == "responses":
            wire = ResponsesWire()
        return cls(type=config.type, endpoint=endpoint, transport=transport, policy=policy, wire=wire)

    def __repr__(self) -> str:
        return f"OpenAIProvider(type={self.type!r}, wire={self._wire.name!r})"

    def complete(self, request: ModelRequest, ctx: CallContext) -> ModelResponse:
        """Make one model call (streamed when ``request.stream``), with retries."""
        endpoint = self._endpoint
        # Azure may name the model in the URL
        if endpoint.wire_model(request.model) is None and self.type != "azure":
            raise ConfigurationError(
                f"{endpoint.what}: the session has no model; pass create_session(model=...)"
            )
        return call_model(
            transport=self._transport, policy=self._policy, endpoint=endpoint,
            wire=self._wire, request=request, ctx=ctx,
        )

    def model_info(self, model: Optional[str]) -> Optional[ModelInfo]:
        """The entry for ``model`` in the models list if one was fetched already."""
        return find_model(self._models.peek(), model)

    def list_models(self) -> List[ModelInfo]:
        """The endpoint's models; fetched at most once per five minutes."""
        return list(
            self._models.get(
                lambda: parse_models(fetch_models_json(self._endpoint, self._transport, self._policy))
            )
        )


def fetch_models_json(endpoint: Endpoint, transport: Transport, policy: RetryPolicy) -> Any:
    """``GET`` the endpoint's models list (with retries): the JSON it returned."""
    url, headers = endpoint.models_url(), endpoint.headers(None)
    return call_with_retry(
        lambda: transport.request("GET", url, headers=headers, what=endpoint.what).json(), policy
    )
