"""GitHub token discovery and the Copilot API endpoint (discovered once per token).

Thread-safe: :class:`CopilotEndpoint` discovers its API base single-flight under
``self._lock``; the cached value is read under the same lock.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from typing import Dict, Optional

from . import __version__
from ._http import Transport
from ._messages import ModelRequest
from .errors import APIResponseValidationError, AuthenticationError, ConfigurationError, NotFoundError, PermissionDeniedError
from .types import ProviderConfig

logger = logging.getLogger("copilot_sdk.auth")

TOKEN_ENV_VARS = ("COPILOT_GITHUB_TOKEN", "GH_TOKEN", "GITHUB_TOKEN")
INTEGRATION_ID = "copilot-developer-cli"
GITHUB_API_VERSION = "2025-05-01"

NO_TOKEN_MESSAGE = (
    "no GitHub token for the GitHub Copilot API: pass CopilotClient(github_token=...), "
    "set COPILOT_GITHUB_TOKEN (or GH_TOKEN / GITHUB_TOKEN), or run "
    "`python -m copilot_sdk login`; to use another endpoint pass "
    "provider=ProviderConfig(type='openai', base_url=..., api_key=...)"
)


def discover_github_token(explicit: Optional[str] = None) -> Optional[str]:
    """The GitHub token to use: the argument, then the environment variables."""
    if explicit:
        return explicit
    for name in TOKEN_ENV_VARS:
        value = os.environ.get(name)
        if value:
            return value
    return None


def check_token_kind(token: str) -> None:
    """Refuse token kinds the Copilot API does not accept, saying what to use."""
    if token.startswith("ghp_"):
        raise ConfigurationError(
            "classic personal access tokens (ghp_...) are not accepted by the Copilot API: "
            "use `python -m copilot_sdk login`, a gh CLI token, or a fine-grained token"
        )


class CopilotEndpoint:
    """The Copilot API base for one GitHub token, discovered from
    ``GET <github_api_url>/copilot_internal/user`` -> ``endpoints.api``."""

    def __init__(self, config: ProviderConfig, token: str, transport: Transport) -> None:
        check_token_kind(token)
        self._config = config
        self._token = token
        self._transport = transport
        self._lock = threading.Lock()
        self._api_base: Optional[str] = config.base_url  # guarded by self._lock
        self.what = "copilot provider"

    def __repr__(self) -> str:
        return f"CopilotEndpoint(github_api_url={self._config.github_api_url!r})"

    def api_base(self) -> str:
        with self._lock:  # single flight: one discovery per token, however many threads
            if self._api_base is None:
                self._api_base = self._discover()
            return self._api_base

    def _discover(self) -> str:
        url = f"{self._config.github_api_url}/copilot_internal/user"
        try:
            body = self._transport.request(
                "GET",
                url,
                headers={
                    "Authorization": f"token {self._token}",
                    "Accept": "application/json",
                    "X-GitHub-Api-Version": GITHUB_API_VERSION,
                },
                what="copilot endpoint discovery",
            ).json()
        except (AuthenticationError, PermissionDeniedError, NotFoundError) as exc:
            raise type(exc)(
                f"{exc.message} — the GitHub token was refused or has no Copilot access: "
                "check that the account has a Copilot seat and the token is a gho_/ghu_/"
                "github_pat_ token",
                status_code=exc.status_code,
                url=exc.url,
                request_id=exc.request_id,
                body=exc.body,
            ) from exc
        api = body.get("endpoints", {}).get("api") if isinstance(body, dict) else None
        if not isinstance(api, str) or not api.startswith(("https://", "http://")):
            raise APIResponseValidationError(f"{url} did not say endpoints.api", url=url)
        logger.debug("Copilot API base discovered: %s", api)
        return api.rstrip("/")

    def chat_url(self, model: Optional[str]) -> str:
        return f"{self.api_base()}/chat/completions"

    def models_url(self) -> str:
        return f"{self.api_base()}/models"

    def headers(self, request: Optional[ModelRequest]) -> Dict[str, str]:
        headers = {
            "Authorization": f"Bearer {self._token}",
            "Copilot-Integration-Id": self._config.headers.get("Copilot-Integration-Id", INTEGRATION_ID),
            "X-GitHub-Api-Version": GITHUB_API_VERSION,
            "User-Agent": f"copilot_sdk/{__version__}",
            "X-Request-Id": str(uuid.uuid4()),
            "Accept": "text/event-stream" if request and request.stream else "application/json",
        }
        if request is not None:
            headers["X-Initiator"] = request.initiator
            if request.interaction_id:
                headers["X-Interaction-Id"] = request.interaction_id
        headers.update({k: v for k, v in self._config.headers.items()})
        return headers

    def wire_model(self, model: Optional[str]) -> Optional[str]:
        return self._config.wire_model or model

    def max_tokens_field(self) -> str:
        return "max_tokens"
