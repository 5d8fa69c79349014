"""The GitHub Copilot API as a provider: each model in the wire format it is served in.

Copilot's models list says, per model, which endpoints serve it
(``supported_endpoints``: ``/chat/completions``, ``/responses``, ``/v1/messages``).
The flagship and codex models answer only on ``/responses`` (``/chat/completions``
refuses them with ``unsupported_api_for_model``), and some Claude models only on
``/v1/messages``. :func:`choose_wire` picks, from the cached list: chat completions
where the model offers it (or Responses, with ``ProviderConfig(wire_api="responses")``,
where it offers both), else Responses, else the Anthropic messages format; a model
the list does not name, or a list that cannot be had, goes to chat completions.

:meth:`CopilotProvider.list_models` returns what an account can pick: no embedding
models, none with ``model_picker_enabled: false``, none disabled by policy.

Thread-safe: the provider holds no per-call state; the models cache guards itself.
"""

from __future__ import annotations

import logging
from typing import Any, FrozenSet, List, Mapping, Optional, Tuple

import attrs

from .._transport.http import Transport
from .._transport.retry import RetryPolicy
from ..errors import APIResponseValidationError, APIStatusError, CopilotError, NotFoundError
from ..types import ModelInfo, ProviderConfig
from .base import CallContext, ModelRequest, ModelResponse, ModelsCache
from .copilot import CopilotEndpoint
from .openai import fetch_models_json, parse_models
from .wires import ChatWire, MessagesWire, ResponsesWire, Wire, call_model

logger = logging.getLogger("copilot_sdk.providers")

__all__ = ["CopilotProvider", "choose_wire", "is_pickable"]

CHAT, RESPONSES, MESSAGES = "/chat/completions", "/responses", "/v1/messages"


def choose_wire(info: Optional[ModelInfo], prefer: Optional[str] = None) -> str:
    """The wire format for a model: "completions", "responses" or "messages".

    Args:
        info: the model's entry in the models list (None: not listed).
        prefer: ``ProviderConfig.wire_api``; "responses" picks Responses for a
            model that offers both it and chat completions.
    """
    endpoints = info.supported_endpoints if info is not None else None
    if not endpoints:
        return "completions"  # models listed without endpoints take chat completions
    if prefer == "responses" and RESPONSES in endpoints:
        return "responses"
    if CHAT in endpoints:
        return "completions"
    if RESPONSES in endpoints:
        return "responses"
    if MESSAGES in endpoints:
        return "messages"
    return "completions"


def is_pickable(entry: Any, info: ModelInfo) -> bool:
    """Whether a Copilot model belongs in a model picker: a chat model (not an
    embedding model), not hidden with ``model_picker_enabled: false``, and not
    disabled by policy."""
    caps: Mapping[str, Any] = info.capabilities or {}
    if caps.get("type") not in (None, "chat") or "/embeddings" in (info.supported_endpoints or ()):
        return False
    if isinstance(entry, Mapping) and entry.get("model_picker_enabled") is False:
        return False
    return info.policy_state != "disabled"


@attrs.frozen
class _Listing:
    """The parsed models list: every entry, and the ids fit for a picker."""

    models: Tuple[ModelInfo, ...]
    pickable: FrozenSet[str]


def _listing(body: Any) -> _Listing:
    models = parse_models(body)
    entries: Any = body.get("data") if isinstance(body, Mapping) else body
    pickable = {m.id for m, entry in zip(models, entries, strict=True) if is_pickable(entry, m)}
    return _Listing(models=tuple(models), pickable=frozenset(pickable))


def _reasons(info: Optional[ModelInfo]) -> bool:
    """Whether to ask a model for reasoning items: unless the list says it lists
    no reasoning efforts (the Responses API refuses reasoning options there)."""
    if info is None or info.capabilities is None:
        return True
    return bool(info.reasoning_efforts)


class CopilotProvider:
    """Model calls to the Copilot API, routed per model (see the module docstring).

    Thread-safe: shared by every session of one GitHub token; it keeps no per-call
    state, the models cache and the endpoint guard their own.

    Args:
        config: the provider configuration (``type="copilot"``).
        endpoint: the Copilot endpoint (credentials, discovery, exchange).
        transport: the HTTP transport.
        policy: the retry policy.
    """

    type = "copilot"

    def __init__(
        self, *, config: ProviderConfig, endpoint: CopilotEndpoint, transport: Transport, policy: RetryPolicy
    ) -> None:
        self._config = config
        self._endpoint = endpoint
        self._transport = transport
        self._policy = policy
        self._models: ModelsCache[_Listing] = ModelsCache()
        self._chat = ChatWire(endpoint.max_tokens_field())
        self._messages = MessagesWire()

    def __repr__(self) -> str:
        return f"CopilotProvider(endpoint={self._endpoint!r})"

    def _listing(self) -> _Listing:
        def fetch() -> _Listing:
            try:
                return _listing(fetch_models_json(self._endpoint, self._transport, self._policy))
            except NotFoundError:
                raise
            except APIStatusError as exc:
                explained = self._endpoint.explain(exc)
                if explained is exc:
                    raise
                raise explained from exc

        return self._models.get(fetch)

    def model_info(self, model: Optional[str]) -> Optional[ModelInfo]:
        """The models list's entry for ``model`` (None if not listed, or if the
        endpoint has no usable list: routing then falls back to chat completions).
        Credential and connection errors are raised: the model call would fail too."""
        if not model:
            return None
        wire_name = self._config.wire_model or model
        try:
            models = self._listing().models
        except (NotFoundError, APIResponseValidationError) as exc:
            logger.warning("the Copilot models list failed (%s); %s goes to chat completions", exc, model)
            return None
        return next((m for m in models if m.id == wire_name), None)

    def wire_for(self, model: Optional[str]) -> Wire:
        """The wire format ``model`` is sent in."""
        info = self.model_info(model)
        name = choose_wire(info, self._config.wire_api)
        if name == "responses":
            return ResponsesWire(reasoning=_reasons(info))
        if name == "messages":
            return self._messages
        return self._chat

    def complete(self, request: ModelRequest, ctx: CallContext) -> ModelResponse:
        """Make one model call in the model's wire format, with retries."""
        if not request.model and not self._config.wire_model:
            raise CopilotError("copilot provider: the session has no model; pass create_session(model=...)")
        self._endpoint.prepare(ctx.cancel)  # discovery or exchange, abortable, before the models list
        wire = self.wire_for(request.model)
        extra = None
        if wire.name == "messages":
            from .anthropic import ANTHROPIC_VERSION  # the Anthropic modules load for Claude models only

            extra = {"anthropic-version": ANTHROPIC_VERSION}
        return call_model(
            transport=self._transport,
            policy=self._policy,
            endpoint=self._endpoint,
            wire=wire,
            request=request,
            ctx=ctx,
            extra_headers=extra,
        )

    def list_models(self) -> List[ModelInfo]:
        """The models the account can pick (fetched at most once per five minutes)."""
        listing = self._listing()
        return [m for m in listing.models if m.id in listing.pickable]
