"""Wire formats and endpoints. :func:`make_provider` picks one for a ProviderConfig."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from ..errors import ConfigurationError
from .base import CallContext, Provider

if TYPE_CHECKING:  # each wire format loads with the first provider that speaks it
    from .._transport.http import Transport
    from .._transport.retry import RetryPolicy
    from ..types import ProviderConfig

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
        from .._github.auth import NO_TOKEN_MESSAGE
        from .copilot import CopilotEndpoint
        from .copilot_routing import CopilotProvider

        if not github_token and config.bearer_token is None:
            raise ConfigurationError(NO_TOKEN_MESSAGE)
        transport.check_url(config.github_api_url)
        endpoint = CopilotEndpoint(config, github_token, transport, policy)
        return CopilotProvider(config=config, endpoint=endpoint, transport=transport, policy=policy)
    if config.type in ("openai", "azure"):
        from .openai import OpenAIProvider

        return OpenAIProvider.from_config(config, transport=transport, policy=policy)
    if config.type == "anthropic":
        from .anthropic import AnthropicProvider

        return AnthropicProvider(config=config, transport=transport, policy=policy)
    raise ConfigurationError(f"unknown provider type {config.type!r}")
