"""HTTP statuses and broken replies become the documented exceptions, with the
status, request id and a body excerpt, and never a secret."""

from __future__ import annotations

import logging
from typing import Callable, Type

import pytest

from copilot_sdk import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    CopilotClient,
    CopilotError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    ProviderConfig,
    RateLimitError,
)
from copilot_sdk.testing import MockFault, MockModelServer

SECRET = "sk-test-SECRET-0123456789"


@pytest.mark.parametrize(
    "status, cls",
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (422, APIStatusError),
        (429, RateLimitError),
        (500, InternalServerError),
        (503, InternalServerError),
        (529, InternalServerError),
    ],
)
def test_status_maps_to_exception(
    status: int,
    cls: Type[APIStatusError],
    make_client: Callable[..., CopilotClient],
    server: MockModelServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="copilot_sdk")
    client = make_client(
        max_retries=0,
        provider=ProviderConfig(type="openai", base_url=server.openai_base_url, api_key=SECRET),
    )
    session = client.create_session(model="gpt-5")
    server.enqueue(MockFault(status=status, message=f"injected {status}"))
    with pytest.raises(cls) as info:
        session.send("hello")
    error = info.value
    assert type(error) is cls
    assert isinstance(error, CopilotError)
    assert error.status_code == status
    assert error.request_id and error.request_id.startswith("req_")
    assert f"injected {status}" in error.body
    text = str(error)
    assert str(status) in text and "waiting for the model" in text
    assert session.session_id in text
    if status in (401, 404):
        assert "openai provider" in text and "/v1/chat/completions" in text
    assert SECRET not in text and SECRET not in repr(error) and SECRET not in caplog.text
    assert session.get_messages() == []


def test_long_retry_after_is_not_retried(
    client: CopilotClient, server: MockModelServer
) -> None:
    session = client.create_session(model="gpt-5")
    server.enqueue(MockFault(status=429, headers={"Retry-After": "3600"}, message="weekly limit"))
    with pytest.raises(RateLimitError) as info:
        session.send("hello")
    assert info.value.retry_after == 3600
    assert len(server.chat_requests) == 1


def test_retry_after_ms_is_honoured(client: CopilotClient, server: MockModelServer) -> None:
    session = client.create_session(model="gpt-5")
    server.enqueue(MockFault(status=503, headers={"retry-after-ms": "50"}))
    assert "hello" in session.send("hello").data.content
    assert len(server.chat_requests) == 2


def test_other_4xx_fail_at_once(client: CopilotClient, server: MockModelServer) -> None:
    session = client.create_session(model="gpt-5")
    server.enqueue(MockFault(status=400))
    with pytest.raises(BadRequestError):
        session.send("hello")
    assert len(server.chat_requests) == 1


@pytest.mark.parametrize("fault", [MockFault(malformed=True), MockFault(wrong_shape=True)])
def test_malformed_reply_is_validation_error_and_not_retried(
    fault: MockFault, client: CopilotClient, server: MockModelServer
) -> None:
    session = client.create_session(model="gpt-5")
    server.enqueue(fault)
    with pytest.raises(APIResponseValidationError):
        session.send("hello")
    assert len(server.chat_requests) == 1
    assert session.get_messages() == []


def test_unreachable_server_is_connection_error(make_client: Callable[..., CopilotClient]) -> None:
    with MockModelServer() as srv:
        url = srv.openai_base_url
    client = make_client(provider=ProviderConfig(type="openai", base_url=url), max_retries=1)
    session = client.create_session(model="gpt-5")
    with pytest.raises(APIConnectionError) as info:
        session.send("hello")
    assert "after 2 attempts" in str(info.value)


def test_secrets_never_in_repr() -> None:
    provider = ProviderConfig(
        type="openai", base_url="https://example.invalid/v1", api_key=SECRET,
        bearer_token=SECRET, headers={"X-Api-Key": SECRET},
    )
    assert SECRET not in repr(provider)
    client = CopilotClient(provider=provider, github_token=SECRET, store=":memory:")
    assert SECRET not in repr(client)
    from copilot_sdk import SessionConfig

    assert SECRET not in repr(SessionConfig(github_token=SECRET, provider=provider))


def test_plain_http_refused_except_loopback() -> None:
    from copilot_sdk import ConfigurationError

    client = CopilotClient(
        provider=ProviderConfig(type="openai", base_url="http://models.example.com/v1"),
        store=":memory:",
    ).start()
    try:
        with pytest.raises(ConfigurationError, match="allow_insecure_http"):
            client.create_session(model="gpt-5")
    finally:
        client.stop()
