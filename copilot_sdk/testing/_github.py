"""GitHub and Copilot API endpoints of the mock model server.

Served (``<api>`` is ``<server url>/copilot-api``):

* ``GET /copilot_internal/user`` -> the account's Copilot status and ``endpoints.api``;
* ``GET /copilot_internal/v2/token`` -> a short-lived Copilot token (``tid=...``) with
  ``expires_at``, ``refresh_in`` and ``endpoints.api``;
* ``POST /login/device/code`` and ``POST /login/oauth/access_token`` -> the OAuth
  device flow, following a scriptable sequence of outcomes;
* ``POST <api>/chat/completions``, ``POST <api>/responses``, ``POST <api>/v1/messages``
  -> the chat-completions, Responses and Anthropic handlers, after checking the
  ``Authorization`` header like the Copilot API does and that the model is served on
  that endpoint (``400 unsupported_api_for_model`` otherwise); Claude models' tool
  calls come in a second choice on chat completions, as Copilot sends them;
* ``GET <api>/models`` -> the Copilot models list (``copilot_sdk.testing._copilot_models``).

The token exchange requires ``Editor-Version`` and ``Editor-Plugin-Version`` (as the
real one does; ``GitHubSettings.exchange_headers``).

Behaviour is set on :class:`GitHubSettings` (``MockModelServer.github``).
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Iterable
from typing import Any, Optional

from ._anthropic import handle_messages
from ._copilot_models import endpoint_problem, served
from ._exchange import Exchange
from ._openai import handle_chat_completions
from ._responses import handle_responses
from ._server import Route, path_endswith
from ._state import ServerState

__all__ = ["API_PATH", "DEVICE_OUTCOMES", "GitHubSettings", "ROUTES", "settings_for"]

API_PATH = "/copilot-api"
DEVICE_OUTCOMES = ("pending", "slow_down", "success", "expired", "access_denied")
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
_ERRORS = {"pending": "authorization_pending", "expired": "expired_token"}


class GitHubSettings:
    """How the mock GitHub behaves. Set attributes any time; read by server threads.

    Attributes:
        valid_tokens: GitHub tokens accepted; None accepts any non-empty token.
        fail_user_with: answer ``/copilot_internal/user`` and the token exchange with
            this status (401 bad token, 403 no Copilot seat, 404 ...), or None.
        token_ttl: seconds a Copilot token from the exchange stays valid.
        refresh_in: the ``refresh_in`` sent with it (None: ``token_ttl`` * 0.8).
        require_headers: headers a Copilot API call must carry, else 400 names them.
        exchange_headers: headers the token exchange requires, else 400 names them.
        device_flow_script: outcomes of successive access-token polls, consumed in
            order: "pending", "slow_down", "success", "expired", "access_denied";
            once empty, polls succeed.
        device_interval: the polling interval the device flow announces (seconds).
        slow_down_interval: the interval a ``slow_down`` answer announces (None:
            the answer carries no interval; clients then add 5 s).
        device_token: the access token the device flow issues.
        login: the account name ``/copilot_internal/user`` reports.

    Thread-safe: the issued-token table and the device-flow script are guarded by
    ``self._lock``; the plain attributes are read as they are at the time.
    """

    def __init__(self) -> None:
        self.valid_tokens: Optional[set[str]] = None
        self.fail_user_with: Optional[int] = None
        self.token_ttl: float = 1800.0
        self.refresh_in: Optional[float] = None
        self.require_headers: tuple[str, ...] = ("Copilot-Integration-Id",)
        self.exchange_headers: tuple[str, ...] = ("Editor-Version", "Editor-Plugin-Version")
        self.device_interval: float = 0.01
        self.slow_down_interval: Optional[float] = 0.02
        self.device_token: str = "gho_mockDeviceFlowToken0000000000000000000"
        self.login: str = "mock-user"
        self._lock = threading.Lock()
        self._script: list[str] = []  # guarded by self._lock
        self._issued: dict[str, float] = {}  # guarded by self._lock: copilot token -> expiry
        self._count = 0  # guarded by self._lock

    @property
    def device_flow_script(self) -> list[str]:
        """The outcomes still to come (a copy)."""
        with self._lock:
            return list(self._script)

    @device_flow_script.setter
    def device_flow_script(self, outcomes: Iterable[str]) -> None:
        outcomes = list(outcomes)
        for outcome in outcomes:
            if outcome not in DEVICE_OUTCOMES:
                raise ValueError(f"device_flow_script: unknown outcome {outcome!r}")
        with self._lock:
            self._script = outcomes

    def next_device_outcome(self) -> str:
        """Consume the next scripted outcome ("success" once the script is empty)."""
        with self._lock:
            return self._script.pop(0) if self._script else "success"

    def issue_token(self) -> tuple[str, float]:
        """A new Copilot token and its expiry (``time.time()`` seconds)."""
        with self._lock:
            self._count += 1
            expires = time.time() + self.token_ttl
            token = f"tid=mock-{self._count};exp={int(expires)};sku=mock"
            self._issued[token] = expires
            return token, expires

    @property
    def issued_tokens(self) -> list[str]:
        """Every Copilot token issued, oldest first."""
        with self._lock:
            return list(self._issued)

    def revoke_copilot_tokens(self) -> None:
        """Make every Copilot token issued so far invalid (model calls then get 401)."""
        with self._lock:
            for token in self._issued:
                self._issued[token] = 0.0

    def github_token_ok(self, token: str) -> bool:
        """Whether ``token`` is an accepted GitHub token."""
        return bool(token) and (self.valid_tokens is None or token in self.valid_tokens)

    def copilot_token_ok(self, token: str) -> bool:
        """Whether ``token`` is an issued, unexpired Copilot token."""
        with self._lock:
            expires = self._issued.get(token)
        return expires is not None and time.time() < expires


_SETTINGS: weakref.WeakKeyDictionary[ServerState, GitHubSettings] = weakref.WeakKeyDictionary()
_SETTINGS_LOCK = threading.Lock()


def settings_for(state: ServerState) -> GitHubSettings:
    """The GitHub settings of the server owning ``state`` (created on first use)."""
    with _SETTINGS_LOCK:
        settings = _SETTINGS.get(state)
        if settings is None:
            settings = _SETTINGS[state] = GitHubSettings()
        return settings


def _credential(exchange: Exchange) -> str:
    value = exchange.request.get_header("Authorization") or ""
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() in ("token", "bearer") else ""


def _api_url(exchange: Exchange) -> str:
    host = exchange.request.get_header("Host") or "127.0.0.1"
    return f"http://{host}{API_PATH}"


def _github_error(exchange: Exchange, status: int, message: str) -> None:
    exchange.send_json(
        status, {"message": message, "documentation_url": "https://docs.github.com/rest"}
    )


def _check_github_auth(exchange: Exchange) -> bool:
    settings = settings_for(exchange.state)
    if settings.fail_user_with is not None:
        messages = {401: "Bad credentials", 403: "Resource not accessible by integration"}
        status = settings.fail_user_with
        _github_error(exchange, status, messages.get(status, "Not Found"))
        return False
    if not settings.github_token_ok(_credential(exchange)):
        _github_error(exchange, 401, "Bad credentials")
        return False
    return True


def handle_user(exchange: Exchange) -> None:
    """``GET /copilot_internal/user``."""
    if not _check_github_auth(exchange):
        return
    settings = settings_for(exchange.state)
    api = _api_url(exchange)
    exchange.send_json(
        200,
        {
            "login": settings.login,
            "access_type_sku": "free_educational",
            "copilot_plan": "individual",
            "chat_enabled": True,
            "endpoints": {"api": api, "proxy": api, "telemetry": api},
        },
    )


def handle_token(exchange: Exchange) -> None:
    """``GET /copilot_internal/v2/token``: the token exchange."""
    if not _check_github_auth(exchange):
        return
    settings = settings_for(exchange.state)
    missing = [h for h in settings.exchange_headers if exchange.request.get_header(h) is None]
    if missing:
        _github_error(exchange, 400, f"missing required header(s): {', '.join(missing)}")
        return
    token, expires = settings.issue_token()
    refresh_in = settings.refresh_in if settings.refresh_in is not None else settings.token_ttl * 0.8
    exchange.send_json(
        200,
        {
            "token": token,
            "expires_at": expires,
            "refresh_in": refresh_in,
            "endpoints": {"api": _api_url(exchange)},
            "chat_enabled": True,
            "sku": "mock",
        },
    )


def _check_copilot_auth(exchange: Exchange) -> bool:
    settings = settings_for(exchange.state)
    token = _credential(exchange)
    if not (settings.copilot_token_ok(token) or (settings.github_token_ok(token) and "=" not in token)):
        error = {"message": "unauthorized: token expired or invalid", "code": "unauthorized"}
        exchange.send_json(401, {"error": error})
        return False
    missing = [h for h in settings.require_headers if exchange.request.get_header(h) is None]
    if missing:
        message = f"bad request: missing required header(s): {', '.join(missing)}"
        exchange.send_json(400, {"error": {"message": message, "code": "bad_request"}})
        return False
    return True


def _check_endpoint(exchange: Exchange, endpoint: str) -> bool:
    body = exchange.request.body
    model = body.get("model") if isinstance(body, dict) else None
    problem = endpoint_problem(model, endpoint)
    if problem is None:
        return True
    status, code, message = problem
    exchange.send_json(status, {"error": {"message": message, "code": code, "type": "invalid_request_error"}})
    return False


def handle_copilot_chat(exchange: Exchange) -> None:
    """``POST <api>/chat/completions``: authorization and endpoint checked, then the
    OpenAI handler (Claude models' tool calls in a second choice)."""
    if _check_copilot_auth(exchange) and _check_endpoint(exchange, "/chat/completions"):
        body = exchange.request.body
        model = str(body.get("model", "")) if isinstance(body, dict) else ""
        handle_chat_completions(exchange, split_choices=model.startswith("claude"))


def handle_copilot_responses(exchange: Exchange) -> None:
    """``POST <api>/responses``: authorization and endpoint checked, then the Responses handler."""
    if _check_copilot_auth(exchange) and _check_endpoint(exchange, "/responses"):
        handle_responses(exchange)


def handle_copilot_messages(exchange: Exchange) -> None:
    """``POST <api>/v1/messages``: authorization and endpoint checked, then the Anthropic handler."""
    if _check_copilot_auth(exchange) and _check_endpoint(exchange, "/v1/messages"):
        handle_messages(exchange)


def handle_copilot_models(exchange: Exchange) -> None:
    """``GET <api>/models``: authorization checked, then the Copilot models list."""
    if _check_copilot_auth(exchange):
        data = served(exchange.state.settings.max_prompt_tokens)
        exchange.send_json(200, {"object": "list", "data": data})


def _body(exchange: Exchange) -> dict[str, Any]:
    body = exchange.request.body
    return body if isinstance(body, dict) else {}


def handle_device_code(exchange: Exchange) -> None:
    """``POST /login/device/code``."""
    settings = settings_for(exchange.state)
    if not _body(exchange).get("client_id"):
        exchange.send_json(400, {"error": "unauthorized_client", "error_description": "no client_id"})
        return
    host = exchange.request.get_header("Host") or "127.0.0.1"
    exchange.send_json(
        200,
        {
            "device_code": f"mock-device-{exchange.state.next_id('device')}",
            "user_code": "MOCK-1234",
            "verification_uri": f"http://{host}/login/device",
            "expires_in": 900,
            "interval": settings.device_interval,
        },
    )


def handle_access_token(exchange: Exchange) -> None:
    """``POST /login/oauth/access_token``: the next scripted device-flow outcome."""
    settings = settings_for(exchange.state)
    body = _body(exchange)
    if body.get("grant_type") != DEVICE_GRANT or not body.get("device_code"):
        exchange.send_json(200, {"error": "unsupported_grant_type", "error_description": "bad grant"})
        return
    outcome = settings.next_device_outcome()
    if outcome == "success":
        exchange.send_json(
            200, {"access_token": settings.device_token, "token_type": "bearer", "scope": "read:user"}
        )
        return
    payload: dict[str, Any] = {"error": _ERRORS.get(outcome, outcome), "error_description": outcome}
    if outcome == "slow_down" and settings.slow_down_interval is not None:
        payload["interval"] = settings.slow_down_interval
    exchange.send_json(200, payload)


def _under_api(suffix: str) -> Any:
    def matches(path: str) -> bool:
        return path.startswith(API_PATH + "/") and path.rstrip("/").endswith(suffix)

    return matches


ROUTES: tuple[Route, ...] = (
    Route("GET", path_endswith("/copilot_internal/user"), handle_user),
    Route("GET", path_endswith("/copilot_internal/v2/token"), handle_token),
    Route("POST", path_endswith("/login/device/code"), handle_device_code),
    Route("POST", path_endswith("/login/oauth/access_token"), handle_access_token),
    Route("POST", _under_api("/chat/completions"), handle_copilot_chat, model_call=True),
    Route("POST", _under_api("/responses"), handle_copilot_responses, model_call=True),
    Route("POST", _under_api("/v1/messages"), handle_copilot_messages, model_call=True),
    Route("GET", _under_api("/models"), handle_copilot_models),
)
"""The GitHub/Copilot routes; they go before the generic OpenAI-format routes."""
