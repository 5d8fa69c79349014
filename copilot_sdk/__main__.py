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
import json
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
    if args.json:
        _say(json.dumps([
            {"session_id": m.session_id, "start_time": m.start_time.isoformat(),
             "modified_time": m.modified_time.isoformat(), "model": m.model, "summary": m.summary}
            for m in sessions
        ], indent=2, ensure_ascii=False))
        return 0
    if not sessions:
        _say("No stored sessions.")
        return 0
    _table(["SESSION", "MODIFIED", "MODEL", "SUMMARY"], [
        [m.session_id, m.modified_time.isoformat(timespec="seconds"), m.model or "-", m.summary or ""]
        for m in sessions
    ])
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
    if args.json:
        _say(json.dumps([{"id": m.id, "name": m.name, "vendor": getattr(m, "vendor", None),
                          "max_prompt_tokens": m.max_prompt_tokens} for m in models], indent=2))
        return 0
    _table(["ID", "NAME"], [[m.id, m.name] for m in models])
    return 0


def _table(headers: List[str], rows: List[List[str]]) -> None:
    """Aligned columns with a header on a terminal; tab-separated lines otherwise
    (for ``cut``, ``awk`` and scripts)."""
    if not sys.stdout.isatty():
        for row in rows:
            _say("\t".join(row))
        return
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]
    for row in [headers, *rows]:
        _say("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def _parser() -> argparse.ArgumentParser:
    env = os.environ.get
    description = __doc__.split("\n\n")[0].replace("``", "")
    prog = "copilot-sdk" if os.path.basename(sys.argv[0]) == "copilot-sdk" else "python -m copilot_sdk"
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--version", action="version", version=f"copilot_sdk {__version__}",
                        help="show the version and exit")
    sub = parser.add_subparsers(dest="command", required=True, help="what to do")

    def command(name: str, func: Callable[[argparse.Namespace], int], help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.add_argument("--home", default=None, help="the SDK home (default: $COPILOT_SDK_HOME)")
        p.set_defaults(func=func)
        return p

    login = command("login", cmd_login, "log in to GitHub with the device flow and save the token")
    login.add_argument("--github-url", default=env("COPILOT_SDK_GITHUB_URL") or DEFAULT_GITHUB_URL,
                       help="the GitHub site (default: $COPILOT_SDK_GITHUB_URL or %(default)s)")
    login.add_argument("--client-id", default=env("COPILOT_SDK_CLIENT_ID") or DEFAULT_CLIENT_ID,
                       help="the OAuth app's client id (default: $COPILOT_SDK_CLIENT_ID or %(default)s)")
    login.add_argument("--scope", default=DEFAULT_SCOPE, help="the OAuth scopes (default: %(default)s)")
    command("logout", cmd_logout, "remove the saved token")
    api_url = env("COPILOT_SDK_GITHUB_API_URL") or DEFAULT_GITHUB_API_URL
    api_help = "the GitHub API for Copilot discovery (default: $COPILOT_SDK_GITHUB_API_URL or %(default)s)"
    for name in ("status", "whoami"):
        p = command(name, cmd_status, "show which GitHub token is used and its Copilot access")
        p.add_argument("--github-api-url", default=api_url, help=api_help)
    sessions = command("sessions", cmd_sessions, "list stored sessions")
    sessions.add_argument("--store", default=None, help="a session database (default: <home>/sessions.db)")
    sessions.add_argument("--json", action="store_true", help="print JSON instead of a table")
    models = command("models", cmd_models, "list the models of a provider")
    models.add_argument("--type", default="copilot", choices=("copilot", "openai", "azure", "anthropic"),
                        help="the provider type (default: %(default)s)")
    models.add_argument("--base-url", default=None, help="the provider's API root (BYOK providers)")
    models.add_argument("--github-api-url", default=api_url, help=api_help)
    models.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    """Run the command line; return the exit status (0 ok, 1 failed, 2 usage)."""
    args = _parser().parse_args(argv)
    try:
        status: int = args.func(args)
        return status
    except CopilotError as exc:
        cause = exc.__cause__
        why = ""
        if cause is not None and str(cause) not in str(exc):
            why = f" (cause: {type(cause).__name__}: {cause})"
        print(f"error: {exc}{why}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
