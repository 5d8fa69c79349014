"""``python -m copilot_sdk``: log in to GitHub, see which credentials are in use, list
stored sessions and models.

Commands::

    python -m copilot_sdk login     # GitHub OAuth device flow; saves the token (0600)
    python -m copilot_sdk logout    # removes the saved token
    python -m copilot_sdk status    # which token is used (masked) and its Copilot access
    python -m copilot_sdk whoami    # the same
    python -m copilot_sdk sessions  # sessions in the default store
    python -m copilot_sdk models    # models of the Copilot API (or --type/--base-url)

URLs and the OAuth client id can be overridden with options or the environment
(``COPILOT_SDK_GITHUB_URL``, ``COPILOT_SDK_GITHUB_API_URL``, ``COPILOT_SDK_CLIENT_ID``);
the SDK home with ``--home`` or ``COPILOT_SDK_HOME``. BYOK keys for ``models`` come from
``OPENAI_API_KEY``, ``AZURE_OPENAI_API_KEY`` or ``ANTHROPIC_API_KEY``.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Callable, List, Optional

from . import __version__
from ._github.auth import NO_TOKEN_MESSAGE, check_token_kind, find_github_token, mask, sdk_home
from ._github.login import (
    DEFAULT_CLIENT_ID,
    DEFAULT_GITHUB_URL,
    DEFAULT_SCOPE,
    DeviceCode,
    delete_saved_token,
    device_flow,
    save_token,
)
from ._transport.http import Timeouts, Transport
from ._transport.retry import RetryPolicy
from .errors import CopilotError

DEFAULT_GITHUB_API_URL = "https://api.github.com"
_KEY_ENV = {"openai": "OPENAI_API_KEY", "azure": "AZURE_OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}


def _transport() -> Transport:
    return Transport(max_workers=1, timeouts=Timeouts(read=60.0), user_agent=f"copilot_sdk/{__version__}")


def _say(text: str = "") -> None:
    print(text, flush=True)


def cmd_login(args: argparse.Namespace) -> int:
    """Run the device flow and save the token under the SDK home."""

    def on_code(code: DeviceCode) -> None:
        _say(f"To log in, open {code.verification_uri} and enter the code: {code.user_code}")
        _say(f"(the code expires in {int(code.expires_in // 60)} minutes; waiting for you...)")

    def on_wait(reason: str, seconds: float) -> None:
        if reason == "slow_down":
            _say(f"GitHub asked to poll more slowly; now every {seconds:g}s")

    transport = _transport()
    try:
        token = device_flow(
            transport,
            github_url=args.github_url,
            client_id=args.client_id,
            scope=args.scope,
            on_code=on_code,
            on_wait=on_wait,
        )
    finally:
        transport.close()
    path = save_token(sdk_home(args.home), token, github_url=args.github_url)
    _say(f"Logged in. Token ({mask(token)}) saved to {path}")
    return 0


def cmd_logout(args: argparse.Namespace) -> int:
    """Remove the saved token."""
    home = sdk_home(args.home)
    if delete_saved_token(home):
        _say(f"Logged out: removed the saved token from {home}")
    else:
        _say("No saved login to remove.")
    env = [name for name in ("COPILOT_GITHUB_TOKEN", "GH_TOKEN", "GITHUB_TOKEN") if os.environ.get(name)]
    if env:
        _say(f"Note: {', '.join(env)} is still set and will be used.")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    """Say which GitHub token is used (masked) and what Copilot says about it."""
    from .providers.copilot import CopilotEndpoint
    from .types import ProviderConfig

    found = find_github_token(home=args.home)
    if found is None:
        _say("Not logged in.")
        _say(NO_TOKEN_MESSAGE)
        return 1
    _say(f"GitHub token: {mask(found.token)} from {found.source}")
    check_token_kind(found.token)
    transport = _transport()
    try:
        config = ProviderConfig(type="copilot", github_api_url=args.github_api_url)
        transport.check_url(config.github_api_url)
        endpoint = CopilotEndpoint(config, found.token, transport, RetryPolicy(max_retries=1))
        info = endpoint.user_info()
    finally:
        transport.close()
    endpoints = info.get("endpoints")
    api = endpoints.get("api") if isinstance(endpoints, dict) else None
    _say(f"Copilot: user {info.get('login', '?')}, plan {info.get('copilot_plan', '?')}, API {api or '?'}")
    return 0


def cmd_sessions(args: argparse.Namespace) -> int:
    """List the stored sessions, most recent first."""
    from .store import open_store

    store, owned = open_store(args.store, sdk_home(args.home))
    try:
        sessions = store.list()
    finally:
        if owned:
            store.close()
    if not sessions:
        _say("No stored sessions.")
    for meta in sessions:
        when = meta.modified_time.isoformat(timespec="seconds")
        _say(f"{meta.session_id}\t{when}\t{meta.model or '-'}\t{meta.summary or ''}")
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    """List the models of the Copilot API, or of the provider named by --type."""
    from .client import CopilotClient
    from .types import ProviderConfig

    key_env = _KEY_ENV.get(args.type)
    provider = ProviderConfig(
        type=args.type,
        base_url=args.base_url,
        api_key=os.environ.get(key_env) if key_env else None,
        github_api_url=args.github_api_url,
    )
    with CopilotClient(provider=provider, store=":memory:", base_directory=args.home) as client:
        models = client.list_models()
    for model in models:
        _say(f"{model.id}\t{model.name}")
    return 0


def _parser() -> argparse.ArgumentParser:
    env = os.environ.get
    description = __doc__.split("\n\n")[0].replace("``", "")
    parser = argparse.ArgumentParser(prog="python -m copilot_sdk", description=description)
    parser.add_argument("--version", action="version", version=f"copilot_sdk {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, func: Callable[[argparse.Namespace], int], help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.add_argument("--home", default=None, help="the SDK home (default: $COPILOT_SDK_HOME)")
        p.set_defaults(func=func)
        return p

    login = command("login", cmd_login, "log in to GitHub with the device flow and save the token")
    login.add_argument("--github-url", default=env("COPILOT_SDK_GITHUB_URL") or DEFAULT_GITHUB_URL)
    login.add_argument("--client-id", default=env("COPILOT_SDK_CLIENT_ID") or DEFAULT_CLIENT_ID)
    login.add_argument("--scope", default=DEFAULT_SCOPE)
    command("logout", cmd_logout, "remove the saved token")
    api_url = env("COPILOT_SDK_GITHUB_API_URL") or DEFAULT_GITHUB_API_URL
    for name in ("status", "whoami"):
        p = command(name, cmd_status, "show which GitHub token is used and its Copilot access")
        p.add_argument("--github-api-url", default=api_url)
    sessions = command("sessions", cmd_sessions, "list stored sessions")
    sessions.add_argument("--store", default=None, help="a session database (default: <home>/sessions.db)")
    models = command("models", cmd_models, "list the models of a provider")
    models.add_argument("--type", default="copilot", choices=("copilot", "openai", "azure", "anthropic"))
    models.add_argument("--base-url", default=None)
    models.add_argument("--github-api-url", default=api_url)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    """Run the command line; return the exit status (0 ok, 1 failed, 2 usage)."""
    args = _parser().parse_args(argv)
    try:
        status: int = args.func(args)
        return status
    except CopilotError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
