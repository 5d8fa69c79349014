"""The GitHub Copilot API as an endpoint: where to send model calls, with which
credentials and headers. (Which wire format each model takes is decided in
:mod:`copilot_sdk.providers.copilot_routing`.)

Three modes:

* direct (default): model calls carry ``Authorization: Bearer <github token>``; the
  API base comes from ``GET <github_api_url>/copilot_internal/user`` ->
  ``endpoints.api``, discovered once per token.
* ``token_exchange=True``: the GitHub token is exchanged at
  ``<github_api_url>/copilot_internal/v2/token`` (``Authorization: token ...``) for a
  short-lived Copilot token and its ``endpoints.api``; it is refreshed before
  ``refresh_in``/``expires_at``, and again once when a model call gets a 401. The
  exchange sends ``Editor-Version`` and ``Editor-Plugin-Version``, which it requires
  (as VS Code, Zed, copilot-api and LiteLLM send them).
* a Copilot API token (``ProviderConfig(bearer_token=...)``, or the
  ``GITHUB_COPILOT_API_TOKEN`` environment variable with ``COPILOT_API_URL``): used
  as the bearer as is, against ``base_url`` (default ``https://api.githubcopilot.com``);
  no discovery, no exchange.

Model calls whose messages carry an image also send ``Copilot-Vision-Request: true``.

Thread-safe: discovery and exchange are single-flight (one request however many
sessions need it, shared through a Future, never run under a lock, so that a
waiting session's abort is prompt); ``self._lock`` guards the cached API base,
Copilot token and flights. Nothing here logs a credential.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from concurrent.futures import Future
from typing import Any, Callable, Dict, Mapping, Optional, TypeVar, cast

import attrs

from .. import __version__
from .._github.auth import check_token_kind, mask
from .._transport.cancel import CancelToken
from .._transport.http import Transport
from .._transport.retry import RetryPolicy, call_with_retry
from ..errors import (
    AbortedError,
    APIResponseValidationError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    PermissionDeniedError,
)
from ..types import ProviderConfig
from .base import ModelRequest

T = TypeVar("T")
logger = logging.getLogger("copilot_sdk.auth")

__all__ = ["CopilotEndpoint", "GITHUB_API_VERSION", "INTEGRATION_ID", "with_hint"]

INTEGRATION_ID = "copilot-developer-cli"
DEFAULT_API_URL = "https://api.githubcopilot.com"
#: what the token exchange is told about the editor (it refuses calls without both)
EDITOR_VERSION = f"copilot_sdk/{__version__}"
EDITOR_PLUGIN_VERSION = f"copilot_sdk/{__version__}"
GITHUB_API_VERSION = "2025-05-01"
MAX_REFRESH_MARGIN = 60.0  # seconds before expires_at a Copilot token is refreshed, at most


def with_hint(exc: APIStatusError, hint: str) -> APIStatusError:
    """A copy of ``exc`` (same class and fields) whose message ends with ``hint``."""
    return type(exc)(
        f"{exc.message} — {hint}",
        status_code=exc.status_code,
        url=exc.url,
        request_id=exc.request_id,
        body=exc.body,
        retry_after=exc.retry_after,
    )


def _auth_hint(exc: APIStatusError, token: str, doing: str) -> APIStatusError:
    kind = mask(token).split(" ")[0]
    if isinstance(exc, AuthenticationError):
        hint = (
            f"GitHub refused the token ({kind}) while {doing}: it is invalid, expired or "
            "revoked. Run `python -m copilot_sdk login`, or set COPILOT_GITHUB_TOKEN to a "
            "gho_, ghu_ or fine-grained github_pat_ token"
        )
    elif isinstance(exc, PermissionDeniedError):
        hint = (
            f"the account behind the token has no Copilot access while {doing}: it needs a "
            "Copilot seat (or an organization policy allowing it), and a fine-grained token "
            "needs the 'Copilot Requests' permission"
        )
    elif isinstance(exc, NotFoundError):
        hint = (
            f"not found while {doing}: the token cannot use Copilot (a token of an app "
            "without Copilot access, or an account without a seat), or github_api_url is "
            "wrong (GitHub Enterprise Cloud: https://api.<tenant>.ghe.com)"
        )
    elif isinstance(exc, BadRequestError):
        hint = (
            f"the request was refused while {doing}; if it names a missing header, pass it "
            "with ProviderConfig(headers={...})"
        )
    else:
        return exc
    return with_hint(exc, hint)


@attrs.frozen
class _CopilotToken:
    token: str = attrs.field(repr=False)
    api_base: str
    refresh_at: float  # wall clock (time.time()), like expires_at
    expires_at: float


def _api_from(body: Any) -> Optional[str]:
    endpoints = body.get("endpoints") if isinstance(body, Mapping) else None
    api = endpoints.get("api") if isinstance(endpoints, Mapping) else None
    if isinstance(api, str) and api.startswith(("https://", "http://")):
        return api.rstrip("/")
    return None


class CopilotEndpoint:
    """The Copilot API for one GitHub token (see the module docstring).

    Thread-safe: shared by every session using the token. Discovery and the token
    exchange are single-flight through a shared Future (run outside the lock, with
    the cancel token of the turn that runs them); ``self._lock`` guards the cached API
    base, Copilot token and the flights; the config, token and transport are
    immutable references.

    Args:
        config: the provider configuration (``github_api_url``, ``token_exchange``,
            ``base_url`` overriding the discovered API base, extra ``headers``).
        token: the GitHub token.
        transport: the HTTP transport.
        policy: retries for discovery and exchange calls.

    Raises:
        ConfigurationError: the token is of a kind the Copilot API refuses.
    """

    def __init__(
        self, config: ProviderConfig, token: Optional[str], transport: Transport, policy: RetryPolicy
    ) -> None:
        if config.bearer_token is None:
            if not token:
                raise ValueError("CopilotEndpoint needs a GitHub token or config.bearer_token")
            check_token_kind(token)
        self._config = config
        self._token = token or ""
        self._transport = transport
        self._policy = policy
        self._lock = threading.Lock()
        self._api_base: Optional[str] = None  # guarded by self._lock
        self._copilot: Optional[_CopilotToken] = None  # guarded by self._lock
        self._flights: Dict[str, Future[Any]] = {}  # guarded by self._lock
        self.what = "copilot provider"

    def __repr__(self) -> str:
        mode = "token_exchange" if self._config.token_exchange else "direct"
        if self._config.bearer_token is not None:
            mode = "api_token"
        return f"CopilotEndpoint(github_api_url={self._config.github_api_url!r}, mode={mode!r})"

    # -- GitHub API calls --------------------------------------------------------
    def _github_get(self, path: str, what: str, doing: str, cancel: Optional[CancelToken] = None) -> Any:
        url = f"{self._config.github_api_url}{path}"
        headers = {
            "Authorization": f"token {self._token}",
            "Accept": "application/json",
            "X-GitHub-Api-Version": GITHUB_API_VERSION,
            "User-Agent": f"copilot_sdk/{__version__}",
            "Editor-Version": EDITOR_VERSION,
            "Editor-Plugin-Version": EDITOR_PLUGIN_VERSION,
        }
        for name in ("Editor-Version", "Editor-Plugin-Version"):  # the user's values win
            for key, value in self._config.headers.items():
                if key.lower() == name.lower():
                    headers[name] = value
        try:
            return call_with_retry(
                lambda: self._transport.request("GET", url, headers=headers, what=what, cancel=cancel).json(),
                self._policy,
                cancel=cancel,
            )
        except APIStatusError as exc:
            raise _auth_hint(exc, self._token, doing) from exc

    def user_info(self, cancel: Optional[CancelToken] = None) -> Mapping[str, Any]:
        """``GET <github_api_url>/copilot_internal/user`` (the account's Copilot status)."""
        body = self._github_get(
            "/copilot_internal/user", "copilot endpoint discovery", "discovering the Copilot API endpoint",
            cancel,
        )
        if not isinstance(body, Mapping):
            raise APIResponseValidationError("copilot_internal/user did not return a JSON object")
        return body

    def _discover(self, cancel: Optional[CancelToken] = None) -> str:
        body = self.user_info(cancel)
        api = _api_from(body)
        if api is None:
            url = f"{self._config.github_api_url}/copilot_internal/user"
            raise APIResponseValidationError(f"{url} did not say endpoints.api", url=url)
        self._transport.check_url(api)  # before it is logged: no credentials in it
        logger.debug("Copilot API base discovered: %s", api)
        return api

    def _exchange(self, cancel: Optional[CancelToken] = None) -> _CopilotToken:
        body = self._github_get(
            "/copilot_internal/v2/token",
            "copilot token exchange",
            "exchanging the GitHub token for a Copilot token",
            cancel,
        )
        url = f"{self._config.github_api_url}/copilot_internal/v2/token"
        token = body.get("token") if isinstance(body, Mapping) else None
        expires_at = body.get("expires_at") if isinstance(body, Mapping) else None
        if not isinstance(token, str) or not token or not isinstance(expires_at, (int, float)):
            raise APIResponseValidationError(f"{url} did not return a token and expires_at", url=url)
        now = time.time()
        margin = min(MAX_REFRESH_MARGIN, max(0.0, (expires_at - now) * 0.25))
        refresh_at = expires_at - margin
        refresh_in = body.get("refresh_in")
        if isinstance(refresh_in, (int, float)) and not isinstance(refresh_in, bool) and refresh_in >= 0:
            refresh_at = min(refresh_at, now + refresh_in)
        api = _api_from(body) or self._discovered(cancel)
        logger.debug("Copilot token exchanged; refresh in %.1fs", refresh_at - now)
        return _CopilotToken(token=token, api_base=api, refresh_at=refresh_at, expires_at=expires_at)

    def _current_token(self, cancel: Optional[CancelToken] = None) -> _CopilotToken:
        with self._lock:
            current = self._copilot
        if current is not None and time.time() < current.refresh_at:
            return current
        current = self._single_flight("exchange", lambda: self._exchange(cancel), cancel)
        with self._lock:
            self._copilot = current
        return current

    def _discovered(self, cancel: Optional[CancelToken] = None) -> str:
        with self._lock:
            api = self._api_base
        if api is None:
            api = self._single_flight("discovery", lambda: self._discover(cancel), cancel)
            with self._lock:
                self._api_base = api
        return api

    def _single_flight(self, name: str, compute: Callable[[], T], cancel: Optional[CancelToken]) -> T:
        """``compute()`` run by one caller at a time; the others wait for its Future,
        each stopping at once if its own ``cancel`` fires (and computing again
        themselves if it was the leader's turn that was aborted)."""
        while True:
            with self._lock:
                flight = self._flights.get(name)
                leader = flight is None
                if flight is None:
                    flight = self._flights[name] = Future()
            if leader:
                try:
                    value = compute()
                except BaseException as exc:
                    flight.set_exception(exc)
                    raise
                else:
                    flight.set_result(value)
                    return value
                finally:
                    with self._lock:
                        self._flights.pop(name, None)
            while not flight.done():
                if cancel is not None and cancel.wait(0.05):
                    raise AbortedError("the turn was aborted while waiting for Copilot authentication")
                if cancel is None:
                    flight.exception()  # waits for it
            error = flight.exception()
            if error is None:
                return cast(T, flight.result())
            if not isinstance(error, AbortedError):
                raise error

    def prepare(self, cancel: CancelToken) -> None:
        """Settle discovery (or the token exchange) before a model call, abortable."""
        if self._config.bearer_token is not None:
            return
        if self._config.token_exchange:
            self._current_token(cancel)
        else:
            self._discovered(cancel)

    # -- ChatEndpoint ----------------------------------------------------------
    def api_base(self) -> str:
        """The Copilot API base (``ProviderConfig.base_url`` if set, else discovered)."""
        if self._config.bearer_token is not None:
            return self._config.base_url or DEFAULT_API_URL
        api = self._current_token().api_base if self._config.token_exchange else self._discovered()
        return self._config.base_url or api

    def url(self, model: Optional[str], path: str) -> str:
        return f"{self.api_base()}{path}"

    def models_url(self) -> str:
        return f"{self.api_base()}/models"

    def headers(self, request: Optional[ModelRequest]) -> Dict[str, str]:
        if self._config.bearer_token is not None:
            bearer = self._config.bearer_token
        elif self._config.token_exchange:
            bearer = self._current_token().token
        else:
            bearer = self._token
        headers = {
            "Authorization": f"Bearer {bearer}",
            "Copilot-Integration-Id": INTEGRATION_ID,
            "X-GitHub-Api-Version": GITHUB_API_VERSION,
            "User-Agent": f"copilot_sdk/{__version__}",
            "X-Request-Id": str(uuid.uuid4()),
            "Accept": "text/event-stream" if request and request.stream else "application/json",
        }
        if request is not None:
            headers["X-Initiator"] = request.initiator
            if request.interaction_id:
                headers["X-Interaction-Id"] = request.interaction_id
            if any(m.has_images() for m in request.messages):
                headers["Copilot-Vision-Request"] = "true"
        headers.update(self._config.headers)
        return headers

    def reauthenticate(self, sent: Mapping[str, str]) -> bool:
        """After a 401 on a call sent with ``sent`` headers: get a fresh Copilot token.

        Returns:
            True if the call may be retried with new credentials (exchange mode),
            False otherwise (a GitHub token cannot be refreshed here).
        """
        if not self._config.token_exchange or self._config.bearer_token is not None:
            return False  # direct mode or an API token: nothing to refresh
        if "Authorization" not in sent:
            return False  # direct mode, or the 401 came from GitHub before any model call
        with self._lock:
            current = self._copilot
            if current is None or sent.get("Authorization") == f"Bearer {current.token}":
                logger.info("the Copilot token was refused; exchanging the GitHub token again")
                self._copilot = self._exchange()
        return True

    def explain(self, exc: APIStatusError) -> APIStatusError:
        """``exc`` from a model call, with what to do about it when we know."""
        if exc.url and exc.url.startswith(f"{self._config.github_api_url}/copilot_internal/"):
            return exc  # from discovery or exchange: explained there already
        if isinstance(exc, AuthenticationError):
            if self._config.bearer_token is not None:
                return with_hint(exc, "the Copilot API refused the Copilot API token (expired?)")
            if self._config.token_exchange:
                return with_hint(exc, "the Copilot API refused a freshly exchanged Copilot token")
            return with_hint(
                exc,
                f"the Copilot API refused the GitHub token ({mask(self._token).split(' ')[0]}): "
                "use a gho_/ghu_/github_pat_ token of an account with Copilot "
                "(`python -m copilot_sdk login`), or try ProviderConfig(token_exchange=True)",
            )
        if isinstance(exc, PermissionDeniedError):
            return with_hint(
                exc,
                "the account may lack a Copilot seat, or this model is disabled by policy "
                "(enable it in the Copilot settings on github.com)",
            )
        if isinstance(exc, BadRequestError) and "header" in exc.body.lower():
            return with_hint(
                exc,
                "the Copilot API wants a header this client did not send: pass it with "
                "ProviderConfig(headers={...}), or try ProviderConfig(token_exchange=True)",
            )
        if isinstance(exc, NotFoundError):
            return with_hint(exc, "check the model id against client.list_models()")
        if isinstance(exc, BadRequestError) and "unsupported_api_for_model" in exc.body:
            return with_hint(
                exc,
                "this model is not served on this endpoint; the provider picks the wire "
                "format from the models list's supported_endpoints (see ProviderConfig.wire_api)",
            )
        return exc

    def wire_model(self, model: Optional[str]) -> Optional[str]:
        return self._config.wire_model or model

    def max_tokens_field(self) -> str:
        """Copilot's chat completions take ``max_tokens`` for every model family it serves."""
        return "max_tokens"
