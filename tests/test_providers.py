"""Every provider type end to end over real HTTP: one client mixing Copilot, OpenAI,
Azure and Anthropic sessions, their credentials and URLs, Anthropic tool rounds and
streaming, list_models (and its cache), and secrets kept out of logs, reprs, errors."""

from __future__ import annotations

import json
import logging
import time
from typing import Any, Dict, List

import pytest

from copilot_sdk import (
    AbortedError,
    APIConnectionError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    CopilotClient,
    ProviderConfig,
    SessionConfig,
    Tool,
)
from copilot_sdk._transport.redact import RedactingFilter, redact
from copilot_sdk.testing import MockFault, MockModelServer, MockReply, MockToolCall

from ._rawserver import RawServer
from ._spec import validate_request

GITHUB_TOKEN = "gho_providersTestToken0123456789"
OPENAI_KEY = "sk-openaiSecretKey0123456789"
AZURE_KEY = "azureSecretKey0123456789abcdef"
AZURE_AD = "eyAzureAdBearerSecret0123456789"
ANTHROPIC_KEY = "sk-ant-anthropicSecret0123456789"
SECRETS = (GITHUB_TOKEN, OPENAI_KEY, AZURE_KEY, AZURE_AD, ANTHROPIC_KEY)
JOIN = 30.0


def providers(server: MockModelServer) -> Dict[str, ProviderConfig]:
    return {
        "openai": ProviderConfig(type="openai", base_url=server.openai_base_url, api_key=OPENAI_KEY),
        "azure": ProviderConfig(type="azure", base_url=server.url, api_key=AZURE_KEY),
        "azure-ad": ProviderConfig(type="azure", base_url=server.url, bearer_token=AZURE_AD),
        "anthropic": ProviderConfig(
            type="anthropic", base_url=server.anthropic_base_url, api_key=ANTHROPIC_KEY
        ),
    }


@pytest.fixture
def client(server: MockModelServer) -> Any:
    client = CopilotClient(
        github_token=GITHUB_TOKEN,
        provider=ProviderConfig(type="copilot", github_api_url=server.url),
        store=":memory:",
        retry_initial_delay=0.01,
        retry_max_delay=0.02,
    ).start()
    yield client
    client.stop(force=True)


def test_one_client_every_provider_type(client: CopilotClient, server: MockModelServer) -> None:
    configs = providers(server)
    sessions = {
        "copilot": client.create_session(model="gpt-5"),
        **{
            name: client.create_session(
                model="claude-sonnet-4.5" if name == "anthropic" else "gpt-5", provider=config
            )
            for name, config in configs.items()
        },
    }
    futures = {name: s.send_async(f"hello from {name}") for name, s in sessions.items()}
    replies = {name: f.result(JOIN).data.content for name, f in futures.items()}
    for name, text in replies.items():
        assert text.startswith("echo:") and f"hello from {name}" in text
    assert "model=claude-sonnet-4.5" in replies["anthropic"]
    by_prompt = {}
    for request in server.chat_requests:
        messages = request.body["messages"]
        by_prompt[messages[-1]["content"].split()[-1]] = request
    copilot, openai = by_prompt["copilot"], by_prompt["openai"]
    azure, azure_ad, anthropic = by_prompt["azure"], by_prompt["azure-ad"], by_prompt["anthropic"]
    assert copilot.path == "/copilot-api/chat/completions"
    assert copilot.get_header("Authorization") == f"Bearer {GITHUB_TOKEN}"
    assert openai.path == "/v1/chat/completions"
    assert openai.get_header("Authorization") == f"Bearer {OPENAI_KEY}"
    assert azure.path == "/openai/deployments/gpt-5/chat/completions"
    assert azure.query == {"api-version": "2024-10-21"}
    assert azure.get_header("api-key") == AZURE_KEY and azure.get_header("Authorization") is None
    assert azure_ad.get_header("Authorization") == f"Bearer {AZURE_AD}"
    assert azure_ad.get_header("api-key") is None
    assert anthropic.path == "/v1/messages"
    assert anthropic.get_header("x-api-key") == ANTHROPIC_KEY
    assert anthropic.get_header("anthropic-version") == "2023-06-01"
    assert anthropic.get_header("Authorization") is None
    for request in (copilot, openai, azure, azure_ad):
        validate_request(request.body)
    for request in (openai, azure, azure_ad, anthropic):  # only Copilot calls carry the GitHub token
        assert GITHUB_TOKEN not in str(request.headers)


def test_anthropic_bearer_token_and_wire_model(client: CopilotClient, server: MockModelServer) -> None:
    config = ProviderConfig(
        type="anthropic", base_url=server.url + "/v1", bearer_token=ANTHROPIC_KEY, wire_model="claude-x"
    )
    session = client.create_session(model="claude-sonnet-4.5", provider=config, system_message="Be kind.")
    reply = session.send("hi")
    assert "model=claude-x" in reply.data.content and "system=yes" in reply.data.content
    request = server.chat_requests[-1]
    assert request.path == "/v1/messages"
    assert request.get_header("Authorization") == f"Bearer {ANTHROPIC_KEY}"
    assert request.body["system"] == "Be kind." and request.body["max_tokens"] == 4096


@pytest.mark.parametrize("streaming", [False, True])
def test_anthropic_tool_round(streaming: bool, client: CopilotClient, server: MockModelServer) -> None:
    seen: List[Any] = []

    def weather(invocation: Any) -> str:
        seen.append(invocation.arguments)
        return "sunny"

    tool = Tool(
        name="get_weather",
        description="Weather for a city",
        parameters={"type": "object", "properties": {"city": {"type": "string"}}},
        handler=weather,
    )
    session = client.create_session(
        model="claude-sonnet-4.5", provider=providers(server)["anthropic"], tools=[tool], streaming=streaming
    )
    server.enqueue(
        MockReply(
            content="Checking.", tool_calls=[MockToolCall(name="get_weather", arguments={"city": "Paris"})]
        ),
        MockReply(content="It is sunny in Paris.", chunk_size=4, completion_tokens=9),
    )
    events = list(session.stream("Weather in Paris?")) if streaming else []
    if streaming:
        reply = [e for e in events if e.type == "assistant.message"][-1]
    else:
        reply = session.send("Weather in Paris?")
    assert reply.type == "assistant.message" and reply.data.content == "It is sunny in Paris."
    assert seen == [{"city": "Paris"}]
    first, follow_up = server.chat_requests
    assert first.body["tools"] == [
        {"name": "get_weather", "description": "Weather for a city", "input_schema": tool.parameters}
    ]
    assert [m["role"] for m in follow_up.body["messages"]] == ["user", "assistant", "user"]
    tool_use = follow_up.body["messages"][1]["content"][1]
    assert tool_use["type"] == "tool_use" and tool_use["input"] == {"city": "Paris"}
    assert follow_up.body["messages"][2]["content"] == [
        {"type": "tool_result", "tool_use_id": tool_use["id"], "content": "sunny"}
    ]
    if streaming:
        deltas = [e.data.delta_content for e in events if e.type == "assistant.message_delta"]
        assert "".join(deltas) == "Checking.It is sunny in Paris." and len(deltas) > 3
        usage = [e for e in events if e.type == "assistant.usage"][-1]
        assert usage.data.output_tokens == 9


def test_anthropic_errors_and_retries(client: CopilotClient, server: MockModelServer) -> None:
    session = client.create_session(model="claude-sonnet-4.5", provider=providers(server)["anthropic"])
    retries: List[Any] = []
    session.on("assistant.turn_retry", retries.append)
    server.enqueue(MockFault(status=529, message="Overloaded"), MockReply(content="ok"))
    assert session.send("hi").data.content == "ok"
    assert len(retries) == 1 and retries[0].data.status_code == 529
    server.enqueue(MockFault(status=400, message="messages: bad thing"))
    with pytest.raises(BadRequestError, match="messages: bad thing"):
        session.send("again")
    server.enqueue(MockFault(status=401, message="invalid x-api-key"))
    with pytest.raises(AuthenticationError) as info:
        session.send("again")
    assert "anthropic provider" in str(info.value) and "/v1/messages" in str(info.value)


def test_anthropic_truncated_stream_fails(server: MockModelServer) -> None:
    with CopilotClient(provider=providers(server)["anthropic"], store=":memory:", max_retries=0) as client:
        session = client.create_session(model="claude-sonnet-4.5", streaming=True)
        server.enqueue(MockReply(content="a long answer that is cut", truncate_after=4))
        with pytest.raises(APIConnectionError):
            session.send("hi")
        assert session.get_messages() == []


def test_list_models_of_each_provider(client: CopilotClient, server: MockModelServer) -> None:
    copilot_models = client.list_models()
    assert "claude-sonnet-4.5" in [m.id for m in copilot_models]
    assert copilot_models[0].max_prompt_tokens == 128000
    client.list_models()
    client.create_session(model="gpt-5").send("hi")
    models_calls = [r for r in server.requests if r.path == "/copilot-api/models"]
    assert len(models_calls) == 1  # cached: not fetched again, nor per send
    for name, config in providers(server).items():
        with CopilotClient(provider=config, store=":memory:") as other:
            models = other.list_models()
        assert [m.id for m in models][:2] == ["gpt-5", "gpt-5-mini"], name
        if name == "anthropic":
            assert models[0].name == "GPT-5" and server.requests[-1].query["limit"] == "1000"
            assert server.requests[-1].get_header("x-api-key") == ANTHROPIC_KEY


def test_secrets_never_in_logs_reprs_or_errors(
    client: CopilotClient, server: MockModelServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="copilot_sdk")
    caplog.set_level(logging.DEBUG, logger="urllib3")
    texts: List[str] = []
    exchange = ProviderConfig(type="copilot", github_api_url=server.url, token_exchange=True)
    configs = {**providers(server), "exchange": exchange}
    for name, config in configs.items():
        session = client.create_session(model="gpt-5", provider=config)
        session.send("hello")
        faults = 2 if name == "exchange" else 1  # exchange mode re-exchanges once
        server.enqueue(*[MockFault(status=401, message="bad key")] * faults)
        with pytest.raises(AuthenticationError) as info:
            session.send("fail")
        texts += [str(info.value), repr(info.value), repr(session), repr(config), name]
        texts.append(repr(SessionConfig(model="m", provider=config, github_token=GITHUB_TOKEN)))
    server.github.fail_user_with = 401
    with pytest.raises(AuthenticationError) as discovery_error:
        client.create_session(model="gpt-5", github_token="gho_other0123456789abc").send("x")
    texts += [str(discovery_error.value), repr(client)]
    texts += [repr(p) for p in client._providers.values()]
    texts += [record.getMessage() for record in caplog.records]
    texts.append(caplog.text)
    copilot_tokens = server.github.issued_tokens
    assert copilot_tokens
    blob = "\n".join(texts)
    for secret in (*SECRETS, *copilot_tokens, "gho_other0123456789abc"):
        assert secret not in blob
    assert any("copilot" in r.name for r in caplog.records)  # logging was on


def test_redacting_filter_covers_headers_and_tokens(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("copilot_sdk.providers")
    assert any(isinstance(f, RedactingFilter) for f in logger.filters)
    caplog.set_level(logging.DEBUG, logger="copilot_sdk")
    logger.debug("headers %s", {"Authorization": f"Bearer {GITHUB_TOKEN}", "x-api-key": ANTHROPIC_KEY})
    logger.debug("api-key: %s then token %s", AZURE_KEY, "tid=abc;exp=1;sku=x")
    assert GITHUB_TOKEN not in caplog.text and ANTHROPIC_KEY not in caplog.text
    assert AZURE_KEY not in caplog.text and "tid=abc" not in caplog.text
    assert "[REDACTED]" in caplog.text
    assert redact("Authorization: token ghu_abc123") == "Authorization: token [REDACTED]"


def test_every_package_logger_has_the_redaction_filter() -> None:
    import logging
    import re
    from pathlib import Path

    import copilot_sdk
    from copilot_sdk._transport.redact import RedactingFilter

    root = Path(copilot_sdk.__file__).parent
    names = {
        m.group(1)
        for path in root.rglob("*.py")
        for m in re.finditer(r'getLogger\("([a-z_.]+)"\)', path.read_text(encoding="utf-8"))
    }
    assert "copilot_sdk.http" in names
    for name in names:
        filters = logging.getLogger(name).filters
        assert any(isinstance(f, RedactingFilter) for f in filters), name


PASSWORD = "hunter2-url-password"


@pytest.mark.parametrize("field", ["base_url", "github_api_url"])
def test_credentials_in_a_url_are_refused_without_quoting_them(field: str) -> None:
    url = f"https://user:{PASSWORD}@models.example.com/v1"
    with pytest.raises(ValueError, match="api_key=") as info:
        ProviderConfig(type="openai", **{field: url})
    assert PASSWORD not in str(info.value)


def test_a_discovered_endpoint_with_credentials_is_refused_without_quoting_them(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="copilot_sdk")
    body = json.dumps({"endpoints": {"api": f"http://copilot:{PASSWORD}@127.0.0.1:9/"}}).encode()
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
    discovery = RawServer(head % len(body) + body, close=True)
    client = CopilotClient(
        github_token=GITHUB_TOKEN,
        provider=ProviderConfig(type="copilot", github_api_url=f"http://127.0.0.1:{discovery.port}"),
        store=":memory:",
    ).start()
    try:
        session = client.create_session(model="gpt-5")
        with pytest.raises(ConfigurationError, match="credentials in the URL") as info:
            session.send("hello")
        errors = [e.data.message for e in session.get_messages() if e.type == "session.error"]
        assert PASSWORD not in str(info.value) + repr(info.value) + "".join(errors) + caplog.text
    finally:
        client.stop(force=True)
        discovery.close()


ECHOED = {
    "azure-hex-key": ("azure", {"api_key": "0123456789abcdef0123456789abcdef"}),
    "custom-key": ("openai", {"api_key": "my-own-key-value"}),
    "bearer-token": ("openai", {"bearer_token": "opaque.bearer.value"}),
    "custom-header": ("openai", {"headers": {"X-Team-Secret": "team-header-secret"}}),
    "anthropic-key": ("anthropic", {"api_key": "plain-anthropic-key"}),
}


@pytest.mark.parametrize("case", sorted(ECHOED))
def test_an_error_reply_echoing_the_sessions_credential_is_scrubbed(
    case: str, client: CopilotClient, server: MockModelServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="copilot_sdk")
    kind, secrets = ECHOED[case]
    secret = next(iter(secrets["headers"].values())) if "headers" in secrets else next(iter(secrets.values()))
    base = {"azure": server.url, "openai": server.openai_base_url, "anthropic": server.anthropic_base_url}
    config = ProviderConfig(type=kind, base_url=base[kind], **secrets)
    session = client.create_session(model="gpt-5", provider=config)
    events: List[Any] = []
    session.on(events.append)
    server.enqueue(MockFault(status=400, message=f"invalid request: you sent {secret!r} as 'key' {secret}"))
    with pytest.raises(BadRequestError) as info:
        session.send("hello")
    assert "invalid request" in str(info.value)  # the rest of the message stays
    texts = [str(info.value), repr(info.value), info.value.body, caplog.text]
    texts += [repr(e.data) for e in events]
    assert all(secret not in text for text in texts)


@pytest.mark.parametrize("exchange", [False, True])
def test_abort_is_prompt_while_copilot_discovery_or_exchange_waits(exchange: bool) -> None:
    github = RawServer(b"")  # accepts, reads the request, never answers
    client = CopilotClient(
        github_token=GITHUB_TOKEN,
        provider=ProviderConfig(
            type="copilot", github_api_url=f"http://127.0.0.1:{github.port}", token_exchange=exchange
        ),
        store=":memory:",
        max_retries=0,
    ).start()
    try:
        sessions = [client.create_session(model="gpt-5") for _ in range(3)]
        futures = [s.send_async("hello") for s in sessions]
        assert github.reached.wait(10)
        time.sleep(0.3)  # one session leads the discovery; the others wait for it
        began = time.monotonic()
        for session in sessions:
            session.abort()
        for future in futures:
            with pytest.raises(AbortedError):
                future.result(10)  # the server holds the discovery for 15 s
        assert time.monotonic() - began < 5
    finally:
        client.stop(force=True)
        github.close()
