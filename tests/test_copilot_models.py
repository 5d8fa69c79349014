"""The default provider with every Copilot model: routing by the models list's
supported_endpoints, Claude's tool calls in a second choice, the models a picker
shows, the token exchange's editor headers, the Copilot API token from the
environment, use_logged_in_user=False, and each endpoint family's max-tokens name.
All over real HTTP against MockModelServer's Copilot API."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, List

import pytest
import requests

from copilot_sdk import (
    BadRequestError,
    ConfigurationError,
    CopilotClient,
    ModelInfo,
    ProviderConfig,
    define_tool,
)
from copilot_sdk.providers.copilot_routing import choose_wire
from copilot_sdk.providers.openai import StaticEndpoint
from copilot_sdk.testing import MockModelServer, MockReply, MockToolCall
from copilot_sdk.testing._copilot_models import COPILOT_MODELS

MakeClient = Callable[..., CopilotClient]
TOKEN = "gho_testCopilotModels0123456789abcdef"
API = "/copilot-api"
PICKABLE = [
    "gpt-4.1",
    "gpt-5",
    "gpt-5-mini",
    "gpt-5.1-codex",
    "claude-sonnet-4.5",
    "claude-opus-4.5",
    "o3-mini",
]


@define_tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@pytest.fixture
def copilot(
    server: MockModelServer, make_client: Callable[..., CopilotClient]
) -> Callable[..., CopilotClient]:
    """Started clients on the mock's Copilot API (stopped at teardown by make_client)."""
    defaults = {"provider": ProviderConfig(type="copilot", github_api_url=server.url), "github_token": TOKEN}
    return lambda **kwargs: make_client(**{**defaults, **kwargs})


def model_paths(server: MockModelServer) -> List[str]:
    return [r.path for r in server.chat_requests]


def test_list_models_is_what_a_picker_shows(server: MockModelServer, copilot: Any) -> None:
    models = copilot().list_models()
    assert [m.id for m in models] == PICKABLE  # no embeddings, no hidden, no disabled models
    codex = next(m for m in models if m.id == "gpt-5.1-codex")
    assert codex == ModelInfo(
        id="gpt-5.1-codex",
        name="GPT-5.1-Codex",
        max_prompt_tokens=128000,
        max_output_tokens=16384,
        capabilities=codex.capabilities,
        vendor="OpenAI",
        supported_endpoints=("/responses",),
        supports_vision=True,
        supports_tool_calls=True,
        reasoning_efforts=("low", "medium", "high"),
        policy_state="enabled",
        preview=True,
    )
    assert next(m for m in models if m.id == "o3-mini").supports_vision is False
    assert next(m for m in models if m.id == "claude-opus-4.5").supported_endpoints == ("/v1/messages",)


ROUTES = [
    ("gpt-4.1", None, "/chat/completions"),
    ("gpt-5", None, "/chat/completions"),
    ("gpt-5", "responses", "/responses"),
    ("gpt-4.1", "responses", "/chat/completions"),
    ("gpt-5.1-codex", None, "/responses"),
    ("claude-sonnet-4.5", None, "/chat/completions"),
    ("claude-opus-4.5", None, "/v1/messages"),
    ("not-listed", None, "/chat/completions"),
]


@pytest.mark.parametrize("model,wire_api,path", ROUTES)
def test_routing_table(model: str, wire_api: Any, path: str, server: MockModelServer, copilot: Any) -> None:
    provider = ProviderConfig(type="copilot", github_api_url=server.url, wire_api=wire_api)
    reply = copilot(provider=provider).create_session(model=model).send("hi")
    assert reply.data.content.startswith(f"echo: model={model}")
    assert model_paths(server) == [API + path]


def test_choose_wire_rules() -> None:
    def info(*endpoints: str) -> ModelInfo:
        return ModelInfo(id="m", name="m", supported_endpoints=endpoints)

    assert choose_wire(None) == "completions"
    assert choose_wire(info()) == "completions"
    assert choose_wire(info("/chat/completions", "/responses")) == "completions"
    assert choose_wire(info("/chat/completions", "/responses"), "responses") == "responses"
    assert choose_wire(info("/responses", "/v1/messages")) == "responses"
    assert choose_wire(info("/v1/messages")) == "messages"


@pytest.mark.parametrize("stream", [False, True])
def test_every_listed_chat_model_answers_with_tools(
    stream: bool, server: MockModelServer, copilot: Any
) -> None:
    client = copilot()
    for info in client.list_models():
        session = client.create_session(model=info.id, tools=[add], streaming=stream)
        server.enqueue(
            MockReply(
                content="Let me add.", tool_calls=[MockToolCall(name="add", arguments={"a": 2, "b": 3})]
            ),
            MockReply(content=f"{info.id} says 5"),
        )
        events: List[Any] = []
        session.on(events.append)
        assert session.send("2+3?").data.content == f"{info.id} says 5", info.id
        done = [e.data for e in events if e.type == "tool.execution_complete"]
        assert [(d.success, d.result) for d in done] == [(True, "5")], info.id
    assert len([r for r in server.requests if r.path == API + "/models"]) == 1  # cached with the list


@pytest.mark.parametrize("stream", [False, True])
def test_claude_tool_calls_in_a_second_choice_are_executed(
    stream: bool, server: MockModelServer, copilot: Any
) -> None:
    session = copilot().create_session(model="claude-sonnet-4.5", tools=[add], streaming=stream)
    script = [
        MockReply(
            content="I'll use the tool.",
            tool_calls=[MockToolCall(name="add", arguments={"a": 1, "b": 2}, id="toolu_1")],
        ),
        MockReply(content="It is 3."),
    ]
    server.enqueue(*script)
    reply = session.send("1+2?")
    assert reply.data.content == "It is 3."
    first = [e for e in session.get_messages() if e.type == "assistant.message"][0].data
    assert first.content == "I'll use the tool." and [t.tool_call_id for t in first.tool_requests] == [
        "toolu_1"
    ]
    follow_up = server.chat_requests[1].body["messages"]
    assert follow_up[-1] == {"role": "tool", "tool_call_id": "toolu_1", "content": "3"}
    # the mock served the calls as Copilot does: in choice 1, after the text in choice 0
    server.enqueue(script[0])
    body = {**server.chat_requests[0].body, "stream": False}
    raw = requests.post(
        server.url + API + "/chat/completions",
        json=body,
        timeout=10,
        headers={"Authorization": f"Bearer {TOKEN}", "Copilot-Integration-Id": "x"},
    ).json()
    assert [c["index"] for c in raw["choices"]] == [0, 1]
    assert raw["choices"][0]["message"]["content"] and "tool_calls" in raw["choices"][1]["message"]


def test_a_model_on_the_wrong_endpoint_is_refused_as_copilot_does(server: MockModelServer) -> None:
    with CopilotClient(
        provider=ProviderConfig(
            type="openai", base_url=server.url + API, api_key=TOKEN, headers={"Copilot-Integration-Id": "x"}
        ),
        store=":memory:",
    ) as client:
        with pytest.raises(BadRequestError, match="not supported via /chat/completions"):
            client.create_session(model="gpt-5.1-codex").send("hi")


def test_token_exchange_sends_the_editor_headers(server: MockModelServer, copilot: Any) -> None:
    provider = ProviderConfig(type="copilot", github_api_url=server.url, token_exchange=True)
    assert copilot(provider=provider).create_session(model="gpt-5").send("hi").data.content.startswith("echo")
    exchange = [r for r in server.requests if r.path == "/copilot_internal/v2/token"]
    assert len(exchange) == 1
    assert exchange[0].get_header("Editor-Version", "").startswith("copilot_sdk/")
    assert exchange[0].get_header("Editor-Plugin-Version", "").startswith("copilot_sdk/")
    mine = ProviderConfig(
        type="copilot",
        github_api_url=server.url,
        token_exchange=True,
        headers={"Editor-Version": "my-app/2.0"},
    )
    copilot(provider=mine).create_session(model="gpt-5").send("hi")
    exchange = [r for r in server.requests if r.path == "/copilot_internal/v2/token"]
    assert exchange[-1].get_header("Editor-Version") == "my-app/2.0"


def test_copilot_api_token_from_the_environment(
    server: MockModelServer, copilot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_COPILOT_API_TOKEN", "copilot-api-token-123")
    monkeypatch.setenv("COPILOT_API_URL", server.url + API)
    monkeypatch.setenv("GH_TOKEN", "gho_notThisOne0000000000000000000000000")
    reply = copilot(provider=None, github_token=None).create_session(model="gpt-5.1-codex").send("hi")
    assert reply.data.content.startswith("echo: model=gpt-5.1-codex")
    calls = server.chat_requests
    assert calls[0].get_header("Authorization") == "Bearer copilot-api-token-123"
    assert not [r for r in server.requests if r.path.startswith("/copilot_internal")]  # no discovery


def test_use_logged_in_user_false_takes_explicit_tokens_only(
    server: MockModelServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GH_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_COPILOT_API_TOKEN", "copilot-api-token-123")
    provider = ProviderConfig(type="copilot", github_api_url=server.url)
    with pytest.raises(ConfigurationError, match="no GitHub token"):
        CopilotClient(provider=provider, store=":memory:", use_logged_in_user=False).start()
    with CopilotClient(
        provider=provider,
        store=":memory:",
        use_logged_in_user=False,
        github_token="gho_explicitClientToken000000000000000",
    ) as client:
        client.create_session(model="gpt-5").send("hi")
        alice = "gho_aliceSessionToken00000000000000000000"
        client.create_session(model="gpt-5", github_token=alice).send("hi")
    used = [r.get_header("Authorization") for r in server.chat_requests]
    assert used == ["Bearer gho_explicitClientToken000000000000000", f"Bearer {alice}"]


def max_tokens_keys(body: Any) -> List[str]:
    return sorted(k for k in body if "max" in k and "tokens" in k)


@pytest.mark.parametrize(
    "kind,expected",
    [
        ("copilot chat completions", ["max_tokens"]),
        ("copilot responses", ["max_output_tokens"]),
        ("copilot messages", ["max_tokens"]),
        ("openai-compatible server", ["max_tokens"]),
        ("azure", ["max_completion_tokens"]),
        ("responses", ["max_output_tokens"]),
        ("anthropic", ["max_tokens"]),
    ],
)
def test_each_endpoint_family_gets_its_max_tokens_name(
    kind: str, expected: List[str], server: MockModelServer, copilot: Any
) -> None:
    model = {"copilot responses": "gpt-5.1-codex", "copilot messages": "claude-opus-4.5"}.get(kind, "gpt-5")
    providers = {
        "openai-compatible server": ProviderConfig(
            type="openai", base_url=server.openai_base_url, api_key="k"
        ),
        "azure": ProviderConfig(type="azure", base_url=server.url, api_key="k"),
        "responses": ProviderConfig(
            type="openai", base_url=server.openai_base_url, api_key="k", wire_api="responses"
        ),
        "anthropic": ProviderConfig(type="anthropic", base_url=server.anthropic_base_url, api_key="k"),
    }
    client = copilot(provider=providers.get(kind, ProviderConfig(type="copilot", github_api_url=server.url)))
    client.create_session(model=model, max_output_tokens=123).send("hi")
    body = server.chat_requests[-1].body
    assert max_tokens_keys(body) == expected and body[expected[0]] == 123


def test_openai_itself_gets_max_completion_tokens() -> None:
    assert StaticEndpoint(ProviderConfig(type="openai")).max_tokens_field() == "max_completion_tokens"
    local = StaticEndpoint(ProviderConfig(type="openai", base_url="http://localhost:11434/v1"))
    assert local.max_tokens_field() == "max_tokens"


def test_mock_models_list_covers_every_routing_case() -> None:
    endpoints = {tuple(m["supported_endpoints"]) for m in COPILOT_MODELS}
    assert {
        ("/chat/completions",),
        ("/responses",),
        ("/v1/messages",),
        ("/chat/completions", "/responses"),
        ("/chat/completions", "/v1/messages"),
    } <= endpoints


def test_reasoning_effort_is_checked_against_the_copilot_models_list(
    server: MockModelServer, copilot: Any, make_client: MakeClient
) -> None:
    client = copilot()
    with pytest.raises(ValueError, match="'xhigh' is not one model 'gpt-5' supports: low, medium, high"):
        client.create_session(model="gpt-5", reasoning_effort="xhigh").send("think hard")
    assert server.chat_requests == []
    client.create_session(model="gpt-5", reasoning_effort="high").send("think")
    assert server.chat_requests[-1].body["reasoning_effort"] == "high"
    # a provider whose list was never fetched: nothing to check, nothing fetched for it
    make_client().create_session(model="gpt-5", reasoning_effort="xhigh").send("think")
    assert server.chat_requests[-1].body["reasoning_effort"] == "xhigh"
    assert [r.path for r in server.requests].count("/v1/models") == 0
