"""MockModelServer's context window: the real APIs' 400 for a prompt that does not
fit, the limit in its models lists, and the usage it reports."""

from __future__ import annotations

from typing import Any, Iterator

import pytest
import requests

from copilot_sdk.testing import MockModelServer, MockReply

from ._spec import validate_request

pytestmark = pytest.mark.timeout(30)

TIMEOUT = 10.0


@pytest.fixture
def small() -> Iterator[MockModelServer]:
    with MockModelServer(max_prompt_tokens=100) as srv:
        yield srv


def _chat(server: MockModelServer, text: str) -> requests.Response:
    body: dict[str, Any] = {"model": "gpt-5", "messages": [{"role": "user", "content": text}]}
    validate_request(body)
    return requests.post(server.openai_base_url + "/chat/completions", json=body, timeout=TIMEOUT)


def _anthropic(server: MockModelServer, text: str) -> requests.Response:
    body = {"model": "claude-sonnet-4.5", "max_tokens": 50, "messages": [{"role": "user", "content": text}]}
    headers = {"anthropic-version": "2023-06-01", "x-api-key": "k"}
    return requests.post(server.url + "/v1/messages", json=body, headers=headers, timeout=TIMEOUT)


def test_openai_prompt_over_the_limit_gets_context_length_exceeded(small: MockModelServer) -> None:
    small.enqueue(MockReply(content="scripted"))
    assert _chat(small, "short").status_code == 200  # the scripted reply was used here
    reply = _chat(small, "x" * 800)
    assert reply.status_code == 400
    error = reply.json()["error"]
    assert error["code"] == "context_length_exceeded"
    assert error["type"] == "invalid_request_error" and error["param"] == "messages"
    assert "maximum context length is 100 tokens" in error["message"]


def test_a_refused_prompt_does_not_use_up_a_scripted_reply(small: MockModelServer) -> None:
    small.enqueue(MockReply(content="kept"))
    assert _chat(small, "y" * 800).status_code == 400
    assert _chat(small, "fits").json()["choices"][0]["message"]["content"] == "kept"


def test_anthropic_prompt_over_the_limit(small: MockModelServer) -> None:
    reply = _anthropic(small, "z" * 800)
    assert reply.status_code == 400
    body = reply.json()
    assert body["type"] == "error" and body["error"]["type"] == "invalid_request_error"
    assert body["error"]["message"].startswith("prompt is too long: ")
    assert body["error"]["message"].endswith("tokens > 100 maximum")
    assert _anthropic(small, "fits").status_code == 200


def test_usage_is_the_count_the_limit_uses(small: MockModelServer) -> None:
    reply = _chat(small, "a" * 200).json()
    prompt = reply["usage"]["prompt_tokens"]
    assert 50 < prompt <= 100
    # one character more per 4 tokens' worth: the refusal names a count above the limit
    refused = _chat(small, "a" * 400).json()["error"]["message"]
    assert "resulted in " in refused and "100 tokens" in refused


def test_models_lists_report_the_limit(small: MockModelServer) -> None:
    listed = requests.get(small.openai_base_url + "/models", timeout=TIMEOUT).json()["data"]
    assert {m["capabilities"]["limits"]["max_prompt_tokens"] for m in listed} == {100}
    headers = {"anthropic-version": "2023-06-01", "x-api-key": "k"}
    anthropic = requests.get(small.url + "/v1/models", headers=headers, timeout=TIMEOUT).json()["data"]
    assert {m["max_input_tokens"] for m in anthropic} == {100}


def test_no_limit_by_default() -> None:
    with MockModelServer() as server:
        assert _chat(server, "b" * 100_000).status_code == 200
        listed = requests.get(server.openai_base_url + "/models", timeout=TIMEOUT).json()["data"]
        assert listed[0]["capabilities"]["limits"]["max_prompt_tokens"] == 128000


@pytest.mark.parametrize("bad", [0, -1, True, 1.5])
def test_bad_limit_is_refused(bad: Any) -> None:
    with pytest.raises(ValueError, match="max_prompt_tokens"):
        MockModelServer(max_prompt_tokens=bad)


def test_responses_input_over_the_limit(small: MockModelServer) -> None:
    url = small.openai_base_url + "/responses"
    body = {"model": "gpt-5", "input": [{"role": "user", "content": "w" * 800}], "store": False}
    reply = requests.post(url, json=body, timeout=TIMEOUT)
    assert reply.status_code == 400
    error = reply.json()["error"]
    assert error["code"] == "context_length_exceeded" and error["param"] == "input"
    body["input"] = [{"role": "user", "content": "fits"}]
    assert requests.post(url, json=body, timeout=TIMEOUT).status_code == 200


def test_copilot_models_list_reports_the_limit(small: MockModelServer) -> None:
    headers = {"Authorization": "Bearer gho_abcdefghijklmnop", "Copilot-Integration-Id": "vscode-chat"}
    listed = requests.get(small.url + "/copilot-api/models", headers=headers, timeout=TIMEOUT).json()["data"]
    assert {m["capabilities"]["limits"]["max_prompt_tokens"] for m in listed} == {100}
