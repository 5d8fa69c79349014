"""``python -m copilot_sdk`` in a subprocess against MockModelServer: the device flow
(pending, slow_down, success, expired, denied), the saved token, status, logout,
sessions and models; plus the device-flow function's polling intervals."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest

from copilot_sdk import CopilotClient, CopilotError, ProviderConfig
from copilot_sdk._github.login import DEFAULT_CLIENT_ID, device_flow
from copilot_sdk._transport.http import Timeouts, Transport
from copilot_sdk.testing import MockModelServer

TIMEOUT = 60.0


@pytest.fixture
def env(server: MockModelServer, tmp_path: Path) -> Dict[str, str]:
    """A clean environment for the CLI: no tokens, no gh, URLs at the mock server."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("COPILOT_", "GH_", "GITHUB_"))}
    (tmp_path / "bin").mkdir(exist_ok=True)
    clean.update(
        COPILOT_SDK_HOME=str(tmp_path / "sdk-home"),
        COPILOT_SDK_GITHUB_URL=server.url,
        COPILOT_SDK_GITHUB_API_URL=server.url,
        PATH=str(tmp_path / "bin"),  # no gh CLI
        PYTHONPATH=str(Path(__file__).resolve().parents[1]),
    )
    return clean


def cli(env: Dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "copilot_sdk", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def polls(server: MockModelServer) -> List[Any]:
    return [r for r in server.requests if r.path == "/login/oauth/access_token"]


def test_login_status_logout(env: Dict[str, str], server: MockModelServer) -> None:
    server.github.device_flow_script = ["pending", "slow_down", "pending", "success"]
    done = cli(env, "login")
    assert done.returncode == 0, done.stderr
    assert "MOCK-1234" in done.stdout and f"{server.url}/login/device" in done.stdout
    assert "more slowly" in done.stdout
    token = server.github.device_token
    assert token not in done.stdout + done.stderr
    code_request = next(r for r in server.requests if r.path == "/login/device/code")
    assert code_request.body["client_id"] == DEFAULT_CLIENT_ID
    sent = polls(server)
    assert len(sent) == 4
    assert {r.body["grant_type"] for r in sent} == {"urn:ietf:params:oauth:grant-type:device_code"}
    gaps = [b.received_at - a.received_at for a, b in zip(sent, sent[1:], strict=False)]
    assert gaps[0] >= 0.009 and min(gaps[1:]) >= 0.019  # slow_down raised the interval
    home = Path(env["COPILOT_SDK_HOME"])
    saved = home / "auth.json"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert json.loads(saved.read_text())["github_token"] == token

    status = cli(env, "status")
    assert status.returncode == 0, status.stderr
    assert "saved login" in status.stdout and "gho_***" in status.stdout
    assert "mock-user" in status.stdout and "/copilot-api" in status.stdout
    assert token not in status.stdout + status.stderr
    user_call = [r for r in server.requests if r.path == "/copilot_internal/user"][-1]
    assert user_call.get_header("Authorization") == f"token {token}"

    whoami = cli({**env, "GH_TOKEN": "gho_fromEnvironment123"}, "whoami")
    assert whoami.returncode == 0 and "from GH_TOKEN" in whoami.stdout

    logout = cli(env, "logout")
    assert logout.returncode == 0 and "removed" in logout.stdout
    assert not saved.exists()
    after = cli(env, "status")
    assert after.returncode == 1 and "Not logged in" in after.stdout


@pytest.mark.parametrize("outcome, message", [("expired", "expired"), ("access_denied", "denied")])
def test_login_failures(outcome: str, message: str, env: Dict[str, str], server: MockModelServer) -> None:
    server.github.device_flow_script = ["pending", outcome]
    done = cli(env, "login")
    assert done.returncode == 1
    assert message in done.stderr and done.stderr.startswith("error:")
    assert not (Path(env["COPILOT_SDK_HOME"]) / "auth.json").exists()
    assert len(polls(server)) == 2


def test_status_reports_refused_token(env: Dict[str, str], server: MockModelServer) -> None:
    server.github.fail_user_with = 403
    done = cli({**env, "GH_TOKEN": "gho_noSeat0123456789"}, "status")
    assert done.returncode == 1 and "Copilot seat" in done.stderr
    assert "gho_noSeat0123456789" not in done.stdout + done.stderr
    classic = cli({**env, "GH_TOKEN": "ghp_classic0123456789"}, "status")
    assert classic.returncode == 1 and "fine-grained" in classic.stderr


def test_sessions_and_models(env: Dict[str, str], server: MockModelServer) -> None:
    assert "No stored sessions" in cli(env, "sessions").stdout
    home = Path(env["COPILOT_SDK_HOME"])
    provider = ProviderConfig(type="copilot", github_api_url=server.url)
    # the default store: SQLite under the SDK home, which the CLI lists
    with CopilotClient(
        github_token="gho_cliTest0123456789", base_directory=home, provider=provider
    ) as client:
        client.create_session(model="gpt-5", session_id="cli-chat").send("What is a venv?")
    listed = cli(env, "sessions")
    assert listed.returncode == 0 and "cli-chat" in listed.stdout and "What is a venv?" in listed.stdout
    models = cli({**env, "GH_TOKEN": "gho_cliTest0123456789"}, "models")
    assert models.returncode == 0, models.stderr
    assert "gpt-5\tGPT-5" in models.stdout and "claude-sonnet-4.5" in models.stdout
    byok = cli(
        {**env, "ANTHROPIC_API_KEY": "sk-ant-cli"}, "models", "--type", "anthropic", "--base-url", server.url
    )
    assert byok.returncode == 0 and "claude-sonnet-4.5" in byok.stdout
    assert server.requests[-1].get_header("x-api-key") == "sk-ant-cli"


def test_device_flow_intervals(server: MockModelServer) -> None:
    """slow_down without an interval adds 5 s; with one, that interval is used."""
    server.github.device_flow_script = ["pending", "slow_down", "slow_down", "success"]
    server.github.slow_down_interval = None
    waits: List[float] = []
    codes: List[str] = []
    transport = Transport(max_workers=1, timeouts=Timeouts())
    try:
        token = device_flow(
            transport,
            github_url=server.url,
            client_id="my-client",
            on_code=lambda code: codes.append(code.user_code),
            sleep=waits.append,
        )
    finally:
        transport.close()
    assert token == server.github.device_token and codes == ["MOCK-1234"]
    assert waits == [0.01, 0.01, 5.01, 10.01]
    server.github.device_flow_script = ["slow_down", "expired"]
    server.github.slow_down_interval = 0.5
    waits.clear()
    transport = Transport(max_workers=1, timeouts=Timeouts())
    try:
        with pytest.raises(CopilotError, match="expired"):
            device_flow(transport, github_url=server.url, on_code=lambda code: None, sleep=waits.append)
    finally:
        transport.close()
    assert waits == [0.01, 0.5]


def test_every_option_has_help_and_the_console_script_runs() -> None:
    import argparse

    from copilot_sdk.__main__ import _parser

    parser = _parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, sub in [("copilot-sdk", parser), *subparsers.choices.items()]:
        for action in sub._actions:
            assert action.help, (name, action.option_strings or action.dest)
    script = Path(sys.executable).with_name("copilot-sdk")
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0 and done.stdout.startswith("usage: copilot-sdk")


def test_json_tables_on_a_tty_and_errors_on_stderr(env: Dict[str, str], server: MockModelServer) -> None:
    import json
    import os
    import pty

    home = Path(env["COPILOT_SDK_HOME"])
    provider = ProviderConfig(type="copilot", github_api_url=server.url)
    token = "gho_cliTest0123456789"
    with CopilotClient(github_token=token, base_directory=home, provider=provider) as client:
        client.create_session(model="gpt-5", session_id="json-chat").send("Tables please")
    listed = json.loads(cli(env, "sessions", "--json").stdout)
    assert listed[0]["session_id"] == "json-chat" and listed[0]["summary"] == "Tables please"
    models = json.loads(cli({**env, "GH_TOKEN": "gho_cliTest0123456789"}, "models", "--json").stdout)
    assert "gpt-5" in [m["id"] for m in models]
    leader, follower = pty.openpty()  # a terminal: aligned columns under a header
    done = subprocess.run(
        [sys.executable, "-m", "copilot_sdk", "sessions"],
        env=env, stdout=follower, stderr=subprocess.PIPE, timeout=TIMEOUT, check=False,
    )
    os.close(follower)
    out = os.read(leader, 65536).decode()
    os.close(leader)
    lines = out.splitlines()
    assert done.returncode == 0 and lines[0].split() == ["SESSION", "MODIFIED", "MODEL", "SUMMARY"]
    assert lines[1].index("gpt-5") == lines[0].index("MODEL") and "\t" not in out
    failed = cli({**env, "OPENAI_API_KEY": "k"}, "models", "--type", "openai", "--base-url", "http://127.0.0.1:9/v1")
    assert failed.returncode == 1 and failed.stdout == "" and failed.stderr.startswith("error: ")
    assert "127.0.0.1:9" in failed.stderr
