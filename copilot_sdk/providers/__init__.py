"""Wire formats and endpoints. :func:`make_provider` picks one for a ProviderConfig."""

from __future__ import annotations

from typing import Optional

from .._github.auth import NO_TOKEN_MESSAGE
from .._transport.http import Transport
from .._transport.retry import RetryPolicy
from ..errors import ConfigurationError
from ..types import ProviderConfig
from .anthropic import AnthropicProvider
from .base import CallContext, Provider
from .copilot import CopilotEndpoint
from .copilot_routing import CopilotProvider
from .openai import OpenAIProvider

__all__ = ["CallContext", "Provider", "make_provider"]


def make_provider(
    config: ProviderConfig,
    *,
    github_token: Optional[str],
    transport: Transport,
    policy: RetryPolicy,
) -> Provider:
    """Build the provider for ``config``; ConfigurationError if it cannot work."""
    if config.base_url:
        transport.check_url(config.base_url)
    if config.type == "copilot":
        if not github_token and config.bearer_token is None:
            raise ConfigurationError(NO_TOKEN_MESSAGE)
        transport.check_url(config.github_api_url)
        endpoint = CopilotEndpoint(config, github_token, transport, policy)
        return CopilotProvider(config=config, endpoint=endpoint, transport=transport, policy=policy)
    if config.type in ("openai", "azure"):
        return OpenAIProvider.from_config(config, transport=transport, policy=policy)
    if config.type == "anthropic":
        return AnthropicProvider(config=config, transport=transport, policy=policy)
    raise ConfigurationError(f"unknown provider type {config.type!r}")
