"""A client's providers: one per (provider config, GitHub token), built on first
use and shared by the sessions that name it, as a base class of
:class:`~copilot_sdk.CopilotClient`."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Dict, Optional, Tuple

from ..types import ProviderConfig

if TYPE_CHECKING:  # credential discovery and the wire formats load with the first provider
    from .._transport.http import Transport
    from .._transport.retry import RetryPolicy
    from ..providers import Provider

__all__ = ["ClientProviders"]


class ClientProviders:
    """The provider cache of CopilotClient. Thread-safe: ``_providers`` is guarded
    by the client's registry lock (``_lock``); credential discovery runs outside it."""

    _lock: threading.Lock
    _base_directory: Path
    _use_logged_in_user: bool
    if TYPE_CHECKING:  # not in __annotations__: typing.get_type_hints(CopilotClient) needs no providers
        _providers: Dict[Tuple[ProviderConfig, Optional[str]], Provider]
        _transport: Optional[Transport]
        _policy: RetryPolicy

    def _resolve(
        self, config: Optional[ProviderConfig], token: Optional[str]
    ) -> Tuple[ProviderConfig, Optional[str]]:
        """The provider config and GitHub token to use (discovery may run ``gh``: never under the lock)."""
        from .._github.auth import resolve_credentials

        return resolve_credentials(config or ProviderConfig(type="copilot"), token,
                                   home=self._base_directory, logged_in_user=self._use_logged_in_user)

    def _provider_locked(
        self, config: ProviderConfig, token: Optional[str], transport: Transport
    ) -> Provider:
        key = (config, token)
        provider = self._providers.get(key)
        if provider is None:
            from ..providers import make_provider

            provider = make_provider(config, github_token=token, transport=transport, policy=self._policy)
            self._providers[key] = provider
        return provider

    def _provider_for(self, config: Optional[ProviderConfig], token: Optional[str]) -> Provider:
        resolved, token = self._resolve(config, token)
        with self._lock:
            assert self._transport is not None
            return self._provider_locked(resolved, token, self._transport)
