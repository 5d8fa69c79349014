"""GitHub token discovery and token kinds (redaction lives in ``copilot_sdk._transport.redact``).

Discovery order (first hit wins): the ``github_token=`` argument,
``COPILOT_GITHUB_TOKEN``, ``GH_TOKEN``, ``GITHUB_TOKEN``, the token saved by
``python -m copilot_sdk login`` (``<SDK home>/auth.json``), then ``gh auth token`` when
the gh CLI is on ``PATH``. Before the GitHub token variables,
``GITHUB_COPILOT_API_TOKEN`` (a Copilot API token, as the Copilot coding agent's
environment holds one) is used as is against ``COPILOT_API_URL`` (default
``https://api.githubcopilot.com``): see :func:`copilot_api_token_from_env`. With
``use_logged_in_user=False`` only the explicit argument counts: no environment,
saved login or gh CLI (for servers acting for many users).

The Copilot endpoint itself (discovery, exchange) lives in
:mod:`copilot_sdk.providers.copilot`; the device flow and the saved token in
:mod:`copilot_sdk._github.login`.

Thread-safe: the only shared state is the ``gh auth token`` cache, guarded by
``_GH_LOCK`` (held while gh runs, so concurrent callers start it once).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Dict, Optional, Tuple, Union

import attrs

from ..errors import ConfigurationError
from ..types import ProviderConfig

logger = logging.getLogger("copilot_sdk.auth")

__all__ = [
    "FoundToken",
    "NO_TOKEN_MESSAGE",
    "TOKEN_ENV_VARS",
    "check_token_kind",
    "resolve_credentials",
    "copilot_api_token_from_env",
    "discover_github_token",
    "find_github_token",
    "mask",
    "sdk_home",
]

TOKEN_ENV_VARS = ("COPILOT_GITHUB_TOKEN", "GH_TOKEN", "GITHUB_TOKEN")
API_TOKEN_ENV_VAR = "GITHUB_COPILOT_API_TOKEN"
API_URL_ENV_VAR = "COPILOT_API_URL"
GH_TIMEOUT = 5.0  # seconds for `gh auth token`
GH_CACHE_TTL = 300.0  # seconds a `gh auth token` answer (or its absence) is reused

NO_TOKEN_MESSAGE = (
    "no GitHub token for the GitHub Copilot API: pass CopilotClient(github_token=...), "
    "set COPILOT_GITHUB_TOKEN (or GH_TOKEN / GITHUB_TOKEN), run "
    "`python -m copilot_sdk login`, or log in with the gh CLI (`gh auth login`); to use "
    "another endpoint pass provider=ProviderConfig(type='openai', base_url=..., api_key=...)"
)

PathArg = Union[None, str, "os.PathLike[str]"]


def sdk_home(base_directory: PathArg = None) -> Path:
    """The SDK home: ``base_directory``, else ``$COPILOT_SDK_HOME``, else ``~/.copilot_sdk``."""
    home = base_directory or os.environ.get("COPILOT_SDK_HOME") or Path.home() / ".copilot_sdk"
    return Path(home).expanduser()


@attrs.frozen
class FoundToken:
    """A discovered GitHub token and where it came from (for ``status`` output).

    Attributes:
        token: the token (never shown in repr).
        source: "argument", an environment variable name, "saved login" or "gh CLI".
    """

    token: str = attrs.field(repr=False)
    source: str


def copilot_api_token_from_env() -> Optional[Tuple[str, Optional[str]]]:
    """``(GITHUB_COPILOT_API_TOKEN, COPILOT_API_URL or None)`` when the token is set."""
    token = os.environ.get(API_TOKEN_ENV_VAR, "").strip()
    if not token:
        return None
    url = os.environ.get(API_URL_ENV_VAR, "").strip().rstrip("/")
    return token, url or None


def find_github_token(
    explicit: Optional[str] = None, *, home: PathArg = None, logged_in_user: bool = True
) -> Optional[FoundToken]:
    """Find the GitHub token to use, in the documented order.

    Args:
        explicit: a token passed by the caller (``github_token=``); wins if set.
        home: the SDK home holding the saved login (default: :func:`sdk_home`).
        logged_in_user: False: only ``explicit`` counts (no environment, saved
            login or gh CLI).

    Returns:
        The token and its source, or None when there is none anywhere.
    """
    if explicit:
        return FoundToken(explicit.strip(), "argument")
    if not logged_in_user:
        return None
    for name in TOKEN_ENV_VARS:
        value = os.environ.get(name, "").strip()
        if value:
            return FoundToken(value, name)
    from .login import load_saved_token  # local: _login imports this module

    saved = load_saved_token(sdk_home(home))
    if saved:
        return FoundToken(saved, "saved login")
    token = _gh_auth_token()
    if token:
        return FoundToken(token, "gh CLI")
    return None


def resolve_credentials(
    config: ProviderConfig, token: Optional[str], *, home: PathArg = None, logged_in_user: bool = True
) -> Tuple[ProviderConfig, Optional[str]]:
    """The provider config and GitHub token a Copilot provider is built with.

    Other provider types, and a Copilot config with a ``bearer_token`` (a Copilot
    API token), need no GitHub token. Without an explicit ``token``, the
    ``GITHUB_COPILOT_API_TOKEN`` variable becomes the config's ``bearer_token``
    (with ``COPILOT_API_URL`` as its ``base_url`` unless one is set); otherwise the
    GitHub token is discovered (see :func:`find_github_token`).
    """
    if config.type != "copilot" or config.bearer_token is not None:
        return config, None
    if not token and logged_in_user:
        api_token = copilot_api_token_from_env()
        if api_token is not None:
            base_url = config.base_url or api_token[1]
            return attrs.evolve(config, bearer_token=api_token[0], base_url=base_url), None
    return config, discover_github_token(token, home=home, logged_in_user=logged_in_user)


def discover_github_token(
    explicit: Optional[str] = None, *, home: PathArg = None, logged_in_user: bool = True
) -> Optional[str]:
    """The GitHub token to use (see :func:`find_github_token`), or None."""
    found = find_github_token(explicit, home=home, logged_in_user=logged_in_user)
    return found.token if found else None


_GH_LOCK = threading.Lock()
_GH_CACHE: Dict[Tuple[str, float], Tuple[float, Optional[str]]] = {}  # guarded by _GH_LOCK


def _gh_auth_token() -> Optional[str]:
    """``gh auth token`` if gh is on PATH and answers in time; failures mean None."""
    gh = shutil.which("gh")
    if gh is None:
        return None
    try:
        key = (gh, os.stat(gh).st_mtime)
    except OSError:
        return None
    with _GH_LOCK:
        cached = _GH_CACHE.get(key)
        if cached is not None and time.monotonic() - cached[0] < GH_CACHE_TTL:
            return cached[1]
        token: Optional[str] = None
        try:
            done = subprocess.run(
                [gh, "auth", "token"],
                capture_output=True,
                text=True,
                timeout=GH_TIMEOUT,
                stdin=subprocess.DEVNULL,
                check=False,
            )
            lines = done.stdout.strip().splitlines()
            if done.returncode == 0 and len(lines) == 1 and lines[0].strip():
                token = lines[0].strip()
            else:
                logger.debug("`gh auth token` found no token (exit %d)", done.returncode)
        except (OSError, subprocess.SubprocessError) as exc:
            logger.debug("`gh auth token` failed: %s", type(exc).__name__)
        _GH_CACHE[key] = (time.monotonic(), token)
        return token


def check_token_kind(token: str) -> None:
    """Refuse token kinds the Copilot API does not accept, saying what to use.

    Accepted: OAuth tokens (``gho_``, from ``python -m copilot_sdk login`` or the gh CLI),
    GitHub App user tokens (``ghu_``) and fine-grained personal access tokens
    (``github_pat_``). Tokens of unknown shape are let through (GitHub may add kinds).

    Raises:
        ConfigurationError: a classic ``ghp_`` token, or a token that cannot be a header.
    """
    if not token or any(c.isspace() for c in token):
        raise ConfigurationError("the GitHub token is empty or contains whitespace")
    if token.startswith("ghp_"):
        raise ConfigurationError(
            "classic personal access tokens (ghp_...) are not accepted by the Copilot API: "
            "run `python -m copilot_sdk login`, use `gh auth login` (gho_ token), or create a "
            "fine-grained token (github_pat_...) with the 'Copilot Requests' permission"
        )


def mask(token: Optional[str]) -> str:
    """A token shown safely: its kind prefix and length, never its secret part."""
    if not token:
        return "(none)"
    match = re.match(r"(github_pat_|gh[a-z]_|sk-ant-|sk-)", token)
    prefix = match.group(1) if match else ""
    return f"{prefix}*** ({len(token)} characters)"
