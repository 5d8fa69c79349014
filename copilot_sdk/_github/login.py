"""The GitHub OAuth device flow and the token it saves under the SDK home.

``python -m copilot_sdk login`` runs :func:`device_flow` and :func:`save_token`;
``logout`` runs :func:`delete_saved_token`; token discovery reads
:func:`load_saved_token`. The token file is ``<SDK home>/auth.json``, mode 0600, in a
0700 directory, replaced atomically.

Nothing here prints: the caller is told the user code through ``on_code``.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import os
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Mapping, Optional

import attrs

from .._transport.http import Transport
from ..errors import APIResponseValidationError, CopilotError

logger = logging.getLogger("copilot_sdk.login")

__all__ = [
    "AUTH_FILE",
    "DEFAULT_CLIENT_ID",
    "DEFAULT_GITHUB_URL",
    "DEFAULT_SCOPE",
    "DeviceCode",
    "delete_saved_token",
    "device_flow",
    "load_saved_token",
    "save_token",
]

AUTH_FILE = "auth.json"
DEFAULT_GITHUB_URL = "https://github.com"
#: The public OAuth app client id of the GitHub Copilot CLI: tokens it issues (gho_)
#: are accepted by the Copilot API. Override with --client-id / COPILOT_SDK_CLIENT_ID.
DEFAULT_CLIENT_ID = "Ov23ctDVkRmgkPke0Mmm"
DEFAULT_SCOPE = "read:user"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
SLOW_DOWN_STEP = 5.0  # seconds added to the interval on slow_down (RFC 8628 3.5)


@attrs.frozen(kw_only=True)
class DeviceCode:
    """What the user needs to authorize this device.

    Attributes:
        user_code: the code to type in.
        verification_uri: where to type it.
        expires_in: seconds the code stays valid.
        interval: seconds to wait between polls.
    """

    user_code: str
    verification_uri: str
    expires_in: float
    interval: float
    device_code: str = attrs.field(repr=False)


def _number(value: Any, default: float) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value)
    return default


def _post(transport: Transport, url: str, body: Mapping[str, str]) -> Any:
    return transport.request(
        "POST",
        url,
        headers={"Accept": "application/json"},
        json_body=dict(body),
        what="GitHub device flow",
    ).json()


def request_device_code(
    transport: Transport, *, github_url: str, client_id: str, scope: str = DEFAULT_SCOPE
) -> DeviceCode:
    """Start the device flow: ``POST <github_url>/login/device/code``."""
    url = f"{github_url.rstrip('/')}/login/device/code"
    body = _post(transport, url, {"client_id": client_id, "scope": scope})
    if not isinstance(body, Mapping) or not all(
        isinstance(body.get(k), str) for k in ("device_code", "user_code", "verification_uri")
    ):
        raise APIResponseValidationError(f"{url} did not return a device code", url=url)
    return DeviceCode(
        device_code=body["device_code"],
        user_code=body["user_code"],
        verification_uri=body["verification_uri"],
        expires_in=_number(body.get("expires_in"), 900.0),
        interval=_number(body.get("interval"), 5.0),
    )


def device_flow(
    transport: Transport,
    *,
    github_url: str = DEFAULT_GITHUB_URL,
    client_id: str = DEFAULT_CLIENT_ID,
    scope: str = DEFAULT_SCOPE,
    on_code: Callable[[DeviceCode], None],
    on_wait: Optional[Callable[[str, float], None]] = None,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Run the GitHub OAuth device flow and return the access token.

    Polls ``POST <github_url>/login/oauth/access_token`` no faster than the server's
    interval: ``authorization_pending`` keeps polling, ``slow_down`` waits longer
    (the interval the server sends, else 5 s more), ``expired_token`` and
    ``access_denied`` end the flow.

    Args:
        transport: the HTTP transport.
        github_url: the GitHub web host (``https://github.com``, or GHE).
        client_id: the OAuth app's client id.
        scope: the OAuth scopes to ask for.
        on_code: told the user code and URL, once, before polling starts.
        on_wait: told ``(reason, seconds)`` before each wait ("pending", "slow_down").
        sleep: waits between polls.

    Raises:
        CopilotError: the code expired, the user denied access, or GitHub answered
            with an unknown error.
        APIError: HTTP failures (from the transport).
    """
    code = request_device_code(transport, github_url=github_url, client_id=client_id, scope=scope)
    on_code(code)
    url = f"{github_url.rstrip('/')}/login/oauth/access_token"
    interval = code.interval
    deadline = time.monotonic() + code.expires_in
    reason = "pending"
    while True:
        if time.monotonic() > deadline:
            raise _expired()
        if on_wait is not None:
            on_wait(reason, interval)
        sleep(interval)
        body = _post(
            transport,
            url,
            {"client_id": client_id, "device_code": code.device_code, "grant_type": DEVICE_GRANT},
        )
        if not isinstance(body, Mapping):
            raise APIResponseValidationError(f"{url} did not return a JSON object", url=url)
        token = body.get("access_token")
        if isinstance(token, str) and token:
            logger.info("device flow authorized")
            return token
        error = body.get("error")
        if error == "authorization_pending":
            reason = "pending"
        elif error == "slow_down":
            reason = "slow_down"
            interval = _number(body.get("interval"), interval + SLOW_DOWN_STEP)
        elif error == "expired_token":
            raise _expired()
        elif error == "access_denied":
            raise CopilotError("the authorization was denied on GitHub; nothing was saved")
        else:
            detail = body.get("error_description") or error or "no token and no error"
            raise CopilotError(f"the device flow failed: {str(detail)[:200]}")


def _expired() -> CopilotError:
    return CopilotError(
        "the device code expired before it was authorized: run "
        "`python -m copilot_sdk login` again and enter the new code sooner"
    )


def _auth_path(home: Path) -> Path:
    return Path(home) / AUTH_FILE


def save_token(home: Path, token: str, *, github_url: str = DEFAULT_GITHUB_URL) -> Path:
    """Save ``token`` as ``<home>/auth.json`` (0600, directory 0700), atomically."""
    home = Path(home)
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.chmod(home, 0o700)
    except OSError:
        logger.debug("could not restrict the SDK home's permissions")
    data = {
        "github_token": token,
        "github_url": github_url,
        "saved_at": _dt.datetime.now(_dt.timezone.utc).isoformat(),
    }
    fd, tmp = tempfile.mkstemp(prefix=".auth-", dir=home)  # created 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
        os.chmod(tmp, 0o600)
        os.replace(tmp, _auth_path(home))
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return _auth_path(home)


def load_saved_token(home: Path) -> Optional[str]:
    """The token saved by ``login`` under ``home``, or None (missing or unreadable)."""
    path = _auth_path(home)
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        logger.warning("ignoring the unreadable saved login at %s", path)
        return None
    token = data.get("github_token") if isinstance(data, dict) else None
    return token.strip() if isinstance(token, str) and token.strip() else None


def delete_saved_token(home: Path) -> bool:
    """Remove the saved login; True if there was one."""
    try:
        os.unlink(_auth_path(home))
    except FileNotFoundError:
        return False
    return True
