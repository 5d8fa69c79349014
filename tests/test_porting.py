"""Code written for the official (asyncio) SDK, with ``await`` removed: its call shapes,
dict forms, hooks with camelCase fields, user input, model switching, the client's
informational calls. Every path is checked at the mock server's request log."""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, List

import attrs
import pytest

from copilot_sdk import (
    CopilotClient,
    ProviderConfig,
    SessionConfig,
    SessionEvent,
    SessionEventType,
    define_tool,
)
from copilot_sdk.events import HookEndData, SessionModelChangeData
from copilot_sdk.store.memory import MemoryStore
from copilot_sdk.testing import MockModelServer, MockReply, MockToolCall

MakeClient = Callable[..., CopilotClient]


@define_tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def collect(session: Any) -> List[SessionEvent]:
    events: List[SessionEvent] = []
    session.on(events.append)
    return events


def tool_texts(server: MockModelServer, index: int) -> List[str]:
    return [m["content"] for m in server.chat_requests[index].body["messages"] if m["role"] == "tool"]


def system_text(server: MockModelServer, index: int) -> str:
    messages = server.chat_requests[index].body["messages"]
    return next(m["content"] for m in messages if m["role"] == "system")


# -- dict forms and options ----------------------------------------------------------
def test_provider_and_system_message_dicts(server: MockModelServer) -> None:
    provider = {
        "type": "openai",
        "base_url": server.openai_base_url,
        "api_key": "k-1",
        "headers": {"X-A": "b"},
    }
    with CopilotClient(provider=provider, store=":memory:") as client:
        session = client.create_session(
            model="gpt-5", system_message={"mode": "replace", "content": "You are terse."}
        )
        session.send("hi")
    request = server.chat_requests[0]
    assert request.headers["Authorization"] == "Bearer k-1" and request.headers["X-A"] == "b"
    assert system_text(server, 0) == "You are terse."
    azure = ProviderConfig.from_dict(
        {"type": "azure", "base_url": "https://r.openai.azure.com", "azure": {"api_version": "2025-01-01"}}
    )
    assert azure.azure_api_version == "2025-01-01"
    assert (
        ProviderConfig.from_dict({"base_url": "http://localhost:1/v1"}).type == "openai"
    )  # official default


def test_unknown_and_cli_only_options_are_named() -> None:
    with pytest.raises(TypeError, match="unknown key.*api_kye"):
        ProviderConfig.from_dict({"type": "openai", "base_url": "http://localhost:1/v1", "api_kye": "x"})
    with pytest.raises(TypeError, match="max_output_tokens is set per session"):
        ProviderConfig.from_dict({"base_url": "http://localhost:1/v1", "max_output_tokens": 5})
    with pytest.raises(TypeError, match="system_message: unknown key.*sections"):
        SessionConfig(system_message={"mode": "append", "sections": {}})
    with pytest.raises(ValueError, match="customize"):
        SessionConfig(system_message={"mode": "customize", "content": "x"})
    with pytest.raises(
        ValueError, match="reasoning_effort must be one of minimal, low, medium, high, xhigh, max"
    ):
        SessionConfig(reasoning_effort="extreme")  # type: ignore[arg-type]
    assert SessionConfig(reasoning_effort="xhigh").reasoning_effort == "xhigh"
    with pytest.raises(TypeError, match="CopilotClient\\(\\): connection, log_level configure.*Copilot CLI"):
        CopilotClient(log_level="debug", connection=None)  # type: ignore[call-arg]


def test_cli_only_session_options_raise(client: CopilotClient) -> None:
    with pytest.raises(
        TypeError, match="create_session\\(\\): canvases, skill_directories .*docs/porting.md"
    ):
        client.create_session(model="gpt-5", skill_directories=["x"], canvases=[])  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unknown option\\(s\\) modle"):
        client.create_session(modle="gpt-5")  # type: ignore[call-arg]


def test_bearer_token_provider_is_called_per_request(server: MockModelServer) -> None:
    calls: List[Dict[str, str]] = []

    def token(args: Dict[str, str]) -> str:
        calls.append(args)
        return f"fresh-{len(calls)}"

    provider = {
        "type": "openai",
        "base_url": server.openai_base_url,
        "api_key": "static",
        "bearer_token_provider": token,
    }
    with CopilotClient(provider=provider, store=":memory:") as client:
        session = client.create_session(model="gpt-5", session_id="tok")
        session.send("one")
        session.send("two")
    assert [r.headers["Authorization"] for r in server.chat_requests] == ["Bearer fresh-1", "Bearer fresh-2"]
    assert calls[0] == {"provider_name": "default", "session_id": "tok"}
    assert "fresh" not in repr(ProviderConfig.from_dict(provider))


# -- events ----------------------------------------------------------------------------
def test_session_start_and_resume_events(make_client: MakeClient) -> None:
    store = MemoryStore()
    client = make_client(store=store)
    seen: List[SessionEvent] = []
    session = client.create_session(model="gpt-5", session_id="ev", on_event=seen.append)
    session.send("hello")
    session.destroy()
    resumed = client.resume_session("ev", on_event=seen.append)
    assert seen[0].type is SessionEventType.SESSION_START and seen[0].data.selected_model == "gpt-5"
    resume = [e for e in seen if e.type == "session.resume"]
    assert resume and resume[0].data.event_count == len(resumed.get_messages())
    assert seen[-1].type.value == "session.resume"


# -- hooks -------------------------------------------------------------------------------
def test_hooks_with_official_fields_reach_the_model(server: MockModelServer, client: CopilotClient) -> None:
    inputs: Dict[str, List[Dict[str, Any]]] = {}

    def hook(name: str, output: Any) -> Callable[..., Any]:
        def run(data: Dict[str, Any], invocation: Dict[str, str]) -> Any:
            inputs.setdefault(name, []).append(data)
            return output

        return run

    @define_tool
    def crash() -> str:
        """Fails."""
        raise OSError("disk on fire")

    hooks = {
        "on_session_start": hook("start", {"additionalContext": "The user is Ada."}),
        "on_user_prompt_submitted": hook("prompt", {"additionalContext": "Answer in French."}),
        "on_pre_tool_use": hook("pre", {"permissionDecision": "allow", "additionalContext": "pre-note"}),
        "on_post_tool_use": hook("post", {"additionalContext": "post-note"}),
        "on_post_tool_use_failure": hook("failure", {"additionalContext": "retry with care"}),
        "on_session_end": hook("end", None),
    }
    session = client.create_session(model="gpt-5", tools=[add, crash], hooks=hooks, working_directory=None)
    server.enqueue(
        MockReply(
            tool_calls=[
                MockToolCall(name="add", arguments={"a": 1, "b": 2}, id="c1"),
                MockToolCall(name="crash", arguments={}, id="c2"),
            ]
        ),
        MockReply(content="done"),
    )
    assert session.send("sum").data.content == "done"
    session.destroy()
    assert inputs["start"][0]["source"] == "new" and inputs["start"][0]["sessionId"] == session.session_id
    assert isinstance(inputs["start"][0]["timestamp"], int) and inputs["start"][0]["workingDirectory"]
    assert [d["toolName"] for d in inputs["pre"]] == ["add", "crash"]
    assert inputs["post"][0]["toolArgs"] == {"a": 1, "b": 2}
    assert inputs["post"][0]["toolResult"].text_result_for_llm == "3"
    assert (
        inputs["failure"][0]["toolName"] == "crash"
        and inputs["failure"][0]["error"] == "OSError: disk on fire"
    )
    assert inputs["end"][0]["reason"] == "complete"
    first = server.chat_requests[0].body["messages"]
    assert "The user is Ada." in system_text(server, 0)
    assert first[-1] == {"role": "user", "content": "sum\n\nAnswer in French."}
    assert tool_texts(server, 1) == [
        "3\n\npre-note\n\npost-note",
        "Tool 'crash' failed: OSError\n\npre-note\n\nretry with care",
    ]


def test_a_raising_hook_is_an_event_not_a_broken_turn(server: MockModelServer, client: CopilotClient) -> None:
    async def broken(data: Dict[str, Any]) -> None:  # async hooks run to completion
        raise ValueError("hook bug")

    session = client.create_session(model="gpt-5", hooks={"on_user_prompt_submitted": broken})
    events = collect(session)
    assert session.send("hello").data.content
    failed = [e.data for e in events if isinstance(e.data, HookEndData)]
    assert len(failed) == 1 and not failed[0].success and failed[0].hook_type == "on_user_prompt_submitted"
    assert failed[0].error == "ValueError: hook bug"
    assert server.chat_requests[0].body["messages"][-1]["content"] == "hello"


def test_async_hook_output_is_used(server: MockModelServer, client: CopilotClient) -> None:
    async def rewrite(data: Dict[str, Any], invocation: Dict[str, str]) -> Dict[str, str]:
        return {"modifiedPrompt": data["prompt"].upper()}

    session = client.create_session(model="gpt-5", hooks={"on_user_prompt_submitted": rewrite})
    session.send("quiet")
    assert server.chat_requests[0].body["messages"][-1]["content"] == "QUIET"


def test_permission_events(server: MockModelServer, client: CopilotClient) -> None:
    session = client.create_session(
        model="gpt-5", tools=[add], on_permission_request=lambda request, invocation: {"kind": "approved"}
    )
    events = collect(session)
    server.enqueue(
        MockReply(tool_calls=[MockToolCall(name="add", arguments={"a": 2, "b": 2}, id="p1")]), MockReply()
    )
    session.send("go")
    kinds = [e.type.value for e in events if e.type.value.startswith("permission.")]
    assert kinds == ["permission.requested", "permission.completed"]
    done = next(e.data for e in events if e.type == "permission.completed")
    assert done.result == {"kind": "approved"} and done.tool_call_id == "p1"
    assert tool_texts(server, 1) == ["4"]


# -- user input ---------------------------------------------------------------------------
def test_ask_user_through_on_user_input_request(server: MockModelServer, client: CopilotClient) -> None:
    asked: List[Dict[str, Any]] = []

    async def handle_user_input(request: Dict[str, Any], invocation: Dict[str, str]) -> Dict[str, Any]:
        asked.append(request)
        return {"answer": "blue", "wasFreeform": False}

    session = client.create_session(model="gpt-5", on_user_input_request=handle_user_input)
    events = collect(session)
    question = {"question": "Which colour?", "choices": ["red", "blue"], "allow_freeform": False}
    server.enqueue(
        MockReply(tool_calls=[MockToolCall(name="ask_user", arguments=question, id="q1")]), MockReply()
    )
    session.send("pick a colour for me")
    offered = [t["function"]["name"] for t in server.chat_requests[0].body["tools"]]
    assert offered == ["ask_user"]
    assert asked == [{"question": "Which colour?", "choices": ["red", "blue"], "allowFreeform": False}]
    assert tool_texts(server, 1) == ["blue"]
    requested = next(e.data for e in events if e.type == "user_input.requested")
    completed = next(e.data for e in events if e.type == "user_input.completed")
    assert requested.choices == ("red", "blue") and requested.tool_call_id == "q1"
    assert completed.answer == "blue" and completed.was_freeform is False


def test_ask_user_is_not_offered_without_a_handler_or_when_excluded(
    server: MockModelServer, client: CopilotClient
) -> None:
    client.create_session(model="gpt-5").send("a")
    client.create_session(
        model="gpt-5", on_user_input_request=lambda r, i: "x", excluded_tools=["ask_user"]
    ).send("b")
    assert all("tools" not in r.body for r in server.chat_requests)


# -- model switching -----------------------------------------------------------------------
def test_set_model_from_the_next_turn_on_and_persisted(
    server: MockModelServer, make_client: MakeClient
) -> None:
    store = MemoryStore()
    client = make_client(store=store)
    session = client.create_session(model="gpt-5", session_id="switch")
    events = collect(session)
    session.send("one")
    session.set_model("claude-sonnet-4.5", reasoning_effort="high")
    change = [e.data for e in events if isinstance(e.data, SessionModelChangeData)]
    assert change == [
        SessionModelChangeData(
            new_model="claude-sonnet-4.5",
            previous_model="gpt-5",
            reasoning_effort="high",
            previous_reasoning_effort=None,
        )
    ]
    assert client.get_session_metadata("switch").model == "claude-sonnet-4.5"  # type: ignore[union-attr]
    session.send("two")
    bodies = [r.body for r in server.chat_requests]
    assert [b["model"] for b in bodies] == ["gpt-5", "claude-sonnet-4.5"]
    assert "reasoning_effort" not in bodies[0] and bodies[1]["reasoning_effort"] == "high"
    session.destroy()
    other = make_client(store=store)  # another process: the log says which model
    assert other.list_sessions()[0].model == "claude-sonnet-4.5"
    other.resume_session("switch").send("three")
    assert server.chat_requests[-1].body["model"] == "claude-sonnet-4.5"


def test_resume_overrides_on_an_open_session_apply_from_the_next_turn(
    server: MockModelServer, client: CopilotClient
) -> None:
    session = client.create_session(model="gpt-5", session_id="open")
    session.send("one")
    same = client.resume_session("open", model="gpt-4.1", tools=[add], system_message="Be brief.")
    assert same is session
    server.enqueue(MockReply(tool_calls=[MockToolCall(name="add", arguments={"a": 1, "b": 1})]), MockReply())
    session.send("two")
    body = server.chat_requests[1].body
    assert body["model"] == "gpt-4.1" and body["tools"][0]["function"]["name"] == "add"
    assert system_text(server, 1) == "Be brief."
    session.destroy()
    with pytest.raises(TypeError, match="session id as its first argument"):
        client.resume_session("open", session_id="x")  # type: ignore[call-arg]


# -- client -----------------------------------------------------------------------------------
def test_client_metadata_ping_status_and_auth(server: MockModelServer, make_client: MakeClient) -> None:
    client = make_client()
    assert client.get_session_metadata("nope") is None
    client.create_session(model="gpt-5", session_id="m1").send("Summarise me")
    meta = client.get_session_metadata("m1")
    assert meta is not None and meta.summary == "Summarise me" and meta.model == "gpt-5"
    pong = client.ping("hello")
    assert pong.message == "hello" and pong.timestamp > 0 and client.ping().message == "pong"
    status = client.get_status()
    assert status.provider == "openai" and status.version and status.host
    auth = client.get_auth_status()
    assert auth.is_authenticated and auth.auth_type == "api-key" and "test-key" not in repr(auth)
    token = "gho_" + "x" * 36
    copilot = CopilotClient(github_token=token, store=":memory:")
    status_line = copilot.get_auth_status()
    assert status_line.source == "argument" and status_line.token == "gho_*** (40 characters)"
    assert token not in json.dumps(attrs.asdict(status_line)) and token not in repr(status_line)
    assert not CopilotClient(store=":memory:").get_auth_status().is_authenticated
