"""Shared fixtures: a clean environment per test, a real loopback model server, and
clients pointed at it. Nothing here patches requests or the SDK."""

from __future__ import annotations

import os
from typing import Any, Callable, Iterator, List

import pytest

from copilot_sdk import CopilotClient, ProviderConfig
from copilot_sdk.testing import MockModelServer

_CLEARED_PREFIXES = ("COPILOT_", "GH_", "GITHUB_")
_CLEARED = {
    "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY",
    "http_proxy", "https_proxy", "all_proxy", "no_proxy",
    "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE",
}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """No ambient tokens, proxies or SDK home leak into a test."""
    for name in list(os.environ):
        if name.startswith(_CLEARED_PREFIXES) or name in _CLEARED:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COPILOT_SDK_HOME", str(tmp_path / "sdk-home"))
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("HOME", str(home))


@pytest.fixture
def server() -> Iterator[MockModelServer]:
    with MockModelServer() as srv:
        yield srv


@pytest.fixture
def make_client(server: MockModelServer) -> Iterator[Callable[..., CopilotClient]]:
    """Build started clients on the mock server (stopped at teardown)."""
    clients: List[CopilotClient] = []

    def factory(**kwargs: Any) -> CopilotClient:
        kwargs.setdefault(
            "provider",
            ProviderConfig(type="openai", base_url=server.openai_base_url, api_key="test-key"),
        )
        kwargs.setdefault("store", ":memory:")
        kwargs.setdefault("retry_initial_delay", 0.01)
        kwargs.setdefault("retry_max_delay", 0.05)
        client = CopilotClient(**kwargs).start()
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.stop(force=True)


@pytest.fixture
def client(make_client: Callable[..., CopilotClient]) -> CopilotClient:
    return make_client()
