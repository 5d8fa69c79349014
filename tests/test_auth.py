"""GitHub Copilot authentication against the mock GitHub: token discovery order, token
kinds, endpoint discovery (single-flight), the headers of model calls, the token
exchange (caching, refresh, single-flight, 401 re-exchange) and mapped failures."""

from __future__ import annotations

import os
import stat
import threading
import time
from pathlib import Path
from typing import Any, Callable, List

import pytest

from copilot_sdk import (
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    CopilotClient,
    NotFoundError,
    PermissionDeniedError,
    ProviderConfig,
    Tool,
)
from copilot_sdk._github.auth import find_github_token
from copilot_sdk._github.login import save_token
from copilot_sdk.testing import MockModelServer, MockReply, MockToolCall, RecordedRequest

from ._spec import validate_request

JOIN = 30.0
TOKEN = "gho_testAliceToken0123456789abcdef"


def copilot(server: MockModelServer, **kwargs: Any) -> ProviderConfig:
    return ProviderConfig(type="copilot", github_api_url=server.url, **kwargs)


@pytest.fixture
def make_copilot(server: MockModelServer) -> Any:
    clients: List[CopilotClient] = []

    def factory(**kwargs: Any) -> CopilotClient:
        kwargs.setdefault("provider", copilot(server))
        kwargs.setdefault("store", ":memory:")
        kwargs.setdefault("retry_initial_delay", 0.01)
        kwargs.setdefault("retry_max_delay", 0.02)
        client = CopilotClient(**kwargs)
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.stop(force=True)


def paths(server: MockModelServer, path: str) -> List[RecordedRequest]:
    return [r for r in server.requests if r.path == path]


def fake_gh(directory: Path, output: str, exit_code: int = 0) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    gh = directory / "gh"
    gh.write_text(f'#!/bin/sh\n[ "$1 $2" = "auth token" ] || exit 3\necho "{output}"\nexit {exit_code}\n')
    gh.chmod(0o755)
    return directory


# -- token discovery ----------------------------------------------------------------
def test_token_discovery_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = Path(os.environ["COPILOT_SDK_HOME"])
    monkeypatch.setenv("PATH", str(fake_gh(tmp_path / "bin", "gho_fromGhCli")))
    save_token(home, "gho_fromSavedLogin")
    monkeypatch.setenv("COPILOT_GITHUB_TOKEN", "gho_fromCopilotEnv")
    monkeypatch.setenv("GH_TOKEN", "gho_fromGhEnv")
    monkeypatch.setenv("GITHUB_TOKEN", "gho_fromGithubEnv")

    def found() -> Any:
        result = find_github_token(None, home=home)
        return (result.token, result.source) if result else None

    assert find_github_token("gho_fromArgument", home=home).source == "argument"  # type: ignore[union-attr]
    assert found() == ("gho_fromCopilotEnv", "COPILOT_GITHUB_TOKEN")
    monkeypatch.delenv("COPILOT_GITHUB_TOKEN")
    assert found() == ("gho_fromGhEnv", "GH_TOKEN")
    monkeypatch.delenv("GH_TOKEN")
    assert found() == ("gho_fromGithubEnv", "GITHUB_TOKEN")
    monkeypatch.delenv("GITHUB_TOKEN")
    assert found() == ("gho_fromSavedLogin", "saved login")
    (home / "auth.json").unlink()
    assert found() == ("gho_fromGhCli", "gh CLI")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert found() is None


def test_saved_login_file_is_private(tmp_path: Path) -> None:
    path = save_token(tmp_path / "home", "gho_private")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


@pytest.mark.parametrize("source", ["saved", "gh"])
def test_client_uses_saved_login_and_gh_cli(
    source: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: MockModelServer, make_copilot: Any
) -> None:
    token = f"gho_via_{source}_0123456789"
    if source == "saved":
        save_token(Path(os.environ["COPILOT_SDK_HOME"]), token)
        monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    else:
        monkeypatch.setenv("PATH", str(fake_gh(tmp_path / "bin", token)))
    session = make_copilot().create_session(model="gpt-5")
    session.send("hi")
    assert server.chat_requests[-1].get_header("Authorization") == f"Bearer {token}"


def test_failing_gh_cli_means_no_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_copilot: Any
) -> None:
    monkeypatch.setenv("PATH", str(fake_gh(tmp_path / "bin", "not logged in", exit_code=1)))
    with pytest.raises(ConfigurationError, match="COPILOT_GITHUB_TOKEN"):
        make_copilot().start()


@pytest.mark.parametrize("how", ["argument", "env"])
def test_classic_pat_is_refused(how: str, monkeypatch: pytest.MonkeyPatch, make_copilot: Any) -> None:
    classic = "ghp_classicSecret0123456789abcdef"
    if how == "env":
        monkeypatch.setenv("GH_TOKEN", classic)
        client = make_copilot()
    else:
        client = make_copilot(github_token=classic)
    with pytest.raises(ConfigurationError) as info:
        client.start()
    message = str(info.value)
    assert "ghp_" in message and "fine-grained" in message and "login" in message
    assert classic not in message


@pytest.mark.parametrize("token", ["gho_abc123", "ghu_abc123", "github_pat_11AAA_bbb"])
def test_supported_token_kinds(token: str, server: MockModelServer, make_copilot: Any) -> None:
    make_copilot(github_token=token).create_session(model="gpt-5").send("hi")
    assert server.chat_requests[-1].get_header("Authorization") == f"Bearer {token}"


# -- endpoint discovery and headers ---------------------------------------------------
def test_discovery_is_single_flight_under_50_threads(server: MockModelServer, make_copilot: Any) -> None:
    client = make_copilot(github_token=TOKEN, max_workers=50)
    sessions = [client.create_session(model="gpt-5") for _ in range(50)]
    barrier = threading.Barrier(50)
    errors: List[BaseException] = []

    def run(session: Any) -> None:
        try:
            barrier.wait(JOIN)
            session.send("hello")
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(s,)) for s in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN)
    assert not any(t.is_alive() for t in threads) and errors == []
    discovery = paths(server, "/copilot_internal/user")
    assert len(discovery) == 1
    assert discovery[0].get_header("Authorization") == f"token {TOKEN}"
    assert len(server.chat_requests) == 50
    assert {r.path for r in server.chat_requests} == {"/copilot-api/chat/completions"}


def test_headers_of_user_call_and_tool_round(server: MockModelServer, make_copilot: Any) -> None:
    from copilot_sdk import __version__

    tool = Tool(name="t", description="d", handler=lambda inv: "ok")
    session = make_copilot(github_token=TOKEN).create_session(model="gpt-5", tools=[tool])
    server.enqueue(MockReply(tool_calls=[MockToolCall(name="t", arguments={})]), MockReply(content="done"))
    assert session.send("use the tool").data.content == "done"
    first, follow_up = server.chat_requests
    for request in (first, follow_up):
        assert request.get_header("Authorization") == f"Bearer {TOKEN}"
        assert request.get_header("Copilot-Integration-Id") == "copilot-developer-cli"
        assert request.get_header("X-GitHub-Api-Version")
        assert f"copilot_sdk/{__version__}" in (request.get_header("User-Agent") or "")
        validate_request(request.body)
    assert first.get_header("X-Initiator") == "user"
    assert follow_up.get_header("X-Initiator") == "agent"
    assert first.get_header("X-Request-Id") != follow_up.get_header("X-Request-Id")
    assert first.get_header("X-Interaction-Id") == follow_up.get_header("X-Interaction-Id")
    session.send("again")
    assert server.chat_requests[-1].get_header("X-Initiator") == "user"
    assert server.chat_requests[-1].get_header("X-Interaction-Id") != first.get_header("X-Interaction-Id")


def test_integration_id_is_overridable(server: MockModelServer, make_copilot: Any) -> None:
    provider = copilot(server, headers={"Copilot-Integration-Id": "my-app"})
    make_copilot(github_token=TOKEN, provider=provider).create_session(model="gpt-5").send("hi")
    assert server.chat_requests[-1].get_header("Copilot-Integration-Id") == "my-app"


@pytest.mark.parametrize(
    "status, error, advice",
    [
        (401, AuthenticationError, "python -m copilot_sdk login"),
        (403, PermissionDeniedError, "Copilot seat"),
        (404, NotFoundError, "github_api_url"),
    ],
)
def test_discovery_failures_say_what_to_do(
    status: int, error: type, advice: str, server: MockModelServer, make_copilot: Any
) -> None:
    server.github.fail_user_with = status
    session = make_copilot(github_token=TOKEN).create_session(model="gpt-5")
    with pytest.raises(error) as info:
        session.send("hi")
    assert advice in str(info.value) and TOKEN not in str(info.value)
    assert "model id" not in str(info.value)  # a discovery failure, not a model-call one
    assert info.value.status_code == status
    assert server.chat_requests == []


def test_missing_header_400_names_the_fix(server: MockModelServer, make_copilot: Any) -> None:
    server.github.require_headers = ("Copilot-Integration-Id", "Editor-Version")
    session = make_copilot(github_token=TOKEN).create_session(model="gpt-5")
    with pytest.raises(BadRequestError) as info:
        session.send("hi")
    assert "Editor-Version" in str(info.value) and "ProviderConfig(headers=" in str(info.value)
    fixed = copilot(server, headers={"Editor-Version": "copilot_sdk/0"})
    reply = make_copilot(github_token=TOKEN, provider=fixed).create_session(model="gpt-5").send("hi")
    assert reply.data.content.startswith("echo:")


def test_direct_mode_401_is_not_retried_and_explained(server: MockModelServer, make_copilot: Any) -> None:
    session = make_copilot(github_token=TOKEN).create_session(model="gpt-5")
    session.send("hi")
    server.github.valid_tokens = {"gho_someoneElse"}
    with pytest.raises(AuthenticationError) as info:
        session.send("again")
    assert "token_exchange=True" in str(info.value) and TOKEN not in str(info.value)
    assert len(server.chat_requests) == 2


# -- token exchange ----------------------------------------------------------------------
def test_exchange_token_is_cached(server: MockModelServer, make_copilot: Any) -> None:
    client = make_copilot(github_token=TOKEN, provider=copilot(server, token_exchange=True))
    session = client.create_session(model="gpt-5")
    for i in range(3):
        session.send(f"turn {i}")
    exchanges = paths(server, "/copilot_internal/v2/token")
    assert len(exchanges) == 1 and exchanges[0].get_header("Authorization") == f"token {TOKEN}"
    assert paths(server, "/copilot_internal/user") == []  # endpoints.api came with the token
    (issued,) = server.github.issued_tokens
    assert {r.get_header("Authorization") for r in server.chat_requests} == {f"Bearer {issued}"}


def test_exchange_refreshes_before_expiry(server: MockModelServer, make_copilot: Any) -> None:
    server.github.token_ttl = 60.0
    server.github.refresh_in = 0.3
    session = make_copilot(github_token=TOKEN, provider=copilot(server, token_exchange=True)).create_session(
        model="gpt-5"
    )
    session.send("one")
    time.sleep(0.5)
    session.send("two")
    first, second = server.github.issued_tokens
    assert server.github.copilot_token_ok(first)  # refreshed while the old one was still valid
    assert [r.get_header("Authorization") for r in server.chat_requests] == [
        f"Bearer {first}",
        f"Bearer {second}",
    ]


def test_exchange_is_single_flight(server: MockModelServer, make_copilot: Any) -> None:
    client = make_copilot(github_token=TOKEN, provider=copilot(server, token_exchange=True), max_workers=50)
    sessions = [client.create_session(model="gpt-5") for _ in range(50)]
    futures = [s.send_async("hi") for s in sessions]
    for future in futures:
        future.result(JOIN)
    assert len(paths(server, "/copilot_internal/v2/token")) == 1
    assert len(server.chat_requests) == 50

    def exchanges_after_50_calls() -> int:
        for future in [s.send_async("again") for s in sessions]:
            future.result(JOIN)
        return len(paths(server, "/copilot_internal/v2/token"))

    server.github.revoke_copilot_tokens()  # 50 calls get a 401 at once: one re-exchange
    assert exchanges_after_50_calls() == 2
    server.github.refresh_in = 0.2  # the next token is to be refreshed after 0.2 s
    server.github.revoke_copilot_tokens()
    sessions[0].send("get a short-lived token")
    assert len(paths(server, "/copilot_internal/v2/token")) == 3
    server.github.refresh_in = 60.0
    time.sleep(0.4)
    assert exchanges_after_50_calls() == 4  # one proactive refresh for 50 calls


def test_401_re_exchanges_once_then_succeeds(server: MockModelServer, make_copilot: Any) -> None:
    session = make_copilot(github_token=TOKEN, provider=copilot(server, token_exchange=True)).create_session(
        model="gpt-5"
    )
    events: List[str] = []
    session.on(lambda e: events.append(e.type))
    session.send("one")
    server.github.revoke_copilot_tokens()  # the token "expires" mid-session
    reply = session.send("two")
    assert reply.data.content.startswith("echo:")
    first, second = server.github.issued_tokens
    calls = [r.get_header("Authorization") for r in server.chat_requests]
    assert calls == [f"Bearer {first}", f"Bearer {first}", f"Bearer {second}"]
    assert len(paths(server, "/copilot_internal/v2/token")) == 2
    assert "session.error" not in events


@pytest.mark.parametrize("status", [401, 403])
def test_exchange_refused_says_what_to_do(status: int, server: MockModelServer, make_copilot: Any) -> None:
    server.github.fail_user_with = status
    session = make_copilot(github_token=TOKEN, provider=copilot(server, token_exchange=True)).create_session(
        model="gpt-5"
    )
    expected = AuthenticationError if status == 401 else PermissionDeniedError
    with pytest.raises(expected, match="login" if status == 401 else "Copilot seat") as info:
        session.send("hi")
    assert len(paths(server, "/copilot_internal/v2/token")) == 1  # not exchanged again
    assert "copilot token exchange" in str(info.value) and "/copilot_internal/v2/token" in str(info.value)


# -- multi-user -----------------------------------------------------------------------
def test_per_session_tokens_on_one_client(tmp_path: Path, server: MockModelServer, make_copilot: Any) -> None:
    alice, bob = TOKEN, "gho_testBobToken9876543210fedcba"
    db = tmp_path / "sessions.db"
    client: CopilotClient = make_copilot(github_token=alice, store=str(db))
    sessions = {
        "alice": client.create_session(model="gpt-5", session_id="alice-chat"),
        "bob": client.create_session(model="gpt-5", session_id="bob-chat", github_token=bob),
    }
    futures = [sessions[name].send_async(f"{name} turn {i}") for i in range(3) for name in ("alice", "bob")]
    for future in futures:
        future.result(JOIN)
    expected = {"alice": f"Bearer {alice}", "bob": f"Bearer {bob}"}
    for request in server.chat_requests:
        user = request.body["messages"][-1]["content"].split()[0]
        assert request.get_header("Authorization") == expected[user]
    discovery = sorted(r.get_header("Authorization") or "" for r in paths(server, "/copilot_internal/user"))
    assert discovery == sorted([f"token {alice}", f"token {bob}"])
    resumed = client.resume_session("bob-chat", github_token=bob)
    assert resumed is sessions["bob"]
    client.stop()
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("sessions.db"))
    assert b"bob turn 2" in stored  # the store has the conversation...
    for secret in (alice, bob):
        assert secret.encode() not in stored  # ...and never a token
        assert secret.encode("utf-16-le") not in stored


# -- URLs -----------------------------------------------------------------------------------
def test_insecure_urls_are_refused(
    server: MockModelServer, make_copilot: Callable[..., CopilotClient]
) -> None:
    with pytest.raises(ConfigurationError, match="allow_insecure_http"):
        make_copilot(github_token=TOKEN, provider=ProviderConfig(github_api_url="http://example.com")).start()
    client = make_copilot(github_token=TOKEN)
    for provider in (
        ProviderConfig(type="openai", base_url="http://example.com/v1", api_key="k"),
        ProviderConfig(type="anthropic", base_url="http://example.com", api_key="k"),
    ):
        with pytest.raises(ConfigurationError, match="allow_insecure_http"):
            client.create_session(model="m", provider=provider)
    loopback = ProviderConfig(type="openai", base_url="http://127.0.0.1:9/v1", api_key="k")
    client.create_session(model="m", provider=loopback)
    allowed = make_copilot(github_token=TOKEN, allow_insecure_http=True)
    allowed.create_session(
        model="m", provider=ProviderConfig(type="openai", base_url="http://example.com/v1")
    )
