"""The tool loop over real HTTP against MockModelServer: rounds, concurrency, failures,
permissions, hooks, nested sends, atomicity, resume, abort and streaming."""

from __future__ import annotations

import json
import logging
import threading
import time
from concurrent.futures import Future
from typing import Any, Callable, Dict, List, Optional

import attrs
import pytest

from copilot_sdk import (
    AbortedError,
    BadRequestError,
    CopilotClient,
    MaxToolRoundsError,
    PermissionHandler,
    SessionEvent,
    Tool,
    ToolError,
    ToolInvocation,
    ToolResult,
    define_tool,
)
from copilot_sdk.store.memory import MemoryStore
from copilot_sdk.testing import MockFault, MockModelServer, MockReply, MockToolCall
from copilot_sdk.tools import PermissionRequest, SessionHooks

from ._spec import validate_request

MakeClient = Callable[..., CopilotClient]


@define_tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@attrs.frozen
class Address:
    city: str
    zip_code: Optional[str] = None


def call(name: str, arguments: Any, id: Optional[str] = None) -> MockToolCall:
    return MockToolCall(name=name, arguments=arguments, id=id)


def tool_messages(body: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [m for m in body["messages"] if m["role"] == "tool"]


def completes(events: List[SessionEvent]) -> List[Any]:
    return [e.data for e in events if e.type == "tool.execution_complete"]


def collect(session: Any) -> List[SessionEvent]:
    events: List[SessionEvent] = []
    session.on(events.append)
    return events


# -- the loop -------------------------------------------------------------------------
def test_one_round_exact_event_order_and_wire(server: MockModelServer, client: CopilotClient) -> None:
    session = client.create_session(model="gpt-5", tools=[add])
    events = collect(session)
    server.enqueue(MockReply(tool_calls=[call("add", {"a": 2, "b": 3}, "c1")]), MockReply(content="5"))
    reply = session.send("What is 2 + 3?")
    assert reply.data.content == "5"
    assert [e.type for e in events] == [
        "user.message", "assistant.turn_start", "assistant.message", "assistant.usage",
        "tool.execution_start", "tool.execution_complete",
        "assistant.message", "assistant.usage", "assistant.turn_end", "session.idle",
    ]
    assert events[2].data.tool_requests[0].arguments == {"a": 2, "b": 3}
    start, done = events[4].data, events[5].data
    assert (start.tool_call_id, start.tool_name, start.arguments) == ("c1", "add", {"a": 2, "b": 3})
    assert (done.tool_call_id, done.success, done.result, done.error) == ("c1", True, "5", None)
    first, second = (r.body for r in server.chat_requests)
    assert first["tools"] == [{
        "type": "function",
        "function": {"name": "add", "description": "Add two integers.", "parameters": add.parameters},
    }]
    assert second["messages"][1:] == [
        {"role": "assistant", "content": None, "tool_calls": [{
            "id": "c1", "type": "function", "function": {"name": "add", "arguments": '{"a": 2, "b": 3}'}
        }]},
        {"role": "tool", "tool_call_id": "c1", "content": "5"},
    ]
    logged = [e.type for e in session.get_messages()]
    assert logged == [t for t in (e.type for e in events) if t != "session.idle"]


def test_several_calls_run_concurrently_results_in_call_order(
    server: MockModelServer, client: CopilotClient
) -> None:
    barrier = threading.Barrier(2, timeout=5)
    threads: Dict[str, str] = {}

    @define_tool
    def slow(label: str, delay: float) -> str:
        barrier.wait()  # both calls must be running at the same time
        time.sleep(delay)
        threads[label] = threading.current_thread().name
        return label.upper()

    session = client.create_session(model="gpt-5", tools=[slow])
    events = collect(session)
    server.enqueue(
        MockReply(tool_calls=[call("slow", {"label": "first", "delay": 0.2}, "c1"),
                              call("slow", {"label": "second", "delay": 0.0}, "c2")]),
        MockReply(content="done"),
    )
    assert session.send("go").data.content == "done"
    assert threads["first"] != threads["second"]
    assert [(d.tool_call_id, d.result) for d in completes(events)] == [("c1", "FIRST"), ("c2", "SECOND")]
    assert [m["tool_call_id"] for m in tool_messages(server.chat_requests[1].body)] == ["c1", "c2"]
    types = [e.type for e in events]
    assert types[4:8] == ["tool.execution_start"] * 2 + ["tool.execution_complete"] * 2


def test_chained_rounds(server: MockModelServer, client: CopilotClient) -> None:
    session = client.create_session(model="gpt-5", tools=[add])
    server.enqueue(
        MockReply(tool_calls=[call("add", {"a": 1, "b": 2}, "r1")]),
        MockReply(tool_calls=[call("add", {"a": 3, "b": 4}, "r2")]),
        MockReply(content="3 then 7"),
    )
    assert session.send("chain").data.content == "3 then 7"
    requests = server.chat_requests
    assert len(requests) == 3
    assert [m["content"] for m in tool_messages(requests[2].body)] == ["3", "7"]


def test_arguments_arrive_converted(server: MockModelServer, client: CopilotClient) -> None:
    seen: List[Any] = []

    @define_tool
    def ship(to: Address, copies: int = 1, rush: bool = False) -> Dict[str, Any]:
        seen.append((to, copies, rush))
        return {"shipped": to.city, "copies": copies}

    session = client.create_session(model="gpt-5", tools=[ship])
    server.enqueue(MockReply(tool_calls=[call("ship", {"to": {"city": "Oslo"}, "copies": 2})]), MockReply())
    session.send("ship it")
    assert seen == [(Address(city="Oslo"), 2, False)]
    assert tool_messages(server.chat_requests[1].body)[0]["content"] == '{"shipped": "Oslo", "copies": 2}'


def test_failure_paths_become_results_and_the_turn_goes_on(
    server: MockModelServer, client: CopilotClient, caplog: pytest.LogCaptureFixture
) -> None:
    def refuse(inv: ToolInvocation) -> str:
        raise ToolError("no such city: Atlantis")

    def crash(inv: ToolInvocation) -> str:
        raise RuntimeError("internal detail /etc/secret")

    tools = [add, Tool(name="refuse", handler=refuse), Tool(name="crash", handler=crash)]
    session = client.create_session(model="gpt-5", tools=tools)
    events = collect(session)
    server.enqueue(
        MockReply(tool_calls=[
            call("missing", {}, "u1"),
            call("add", "{not json", "j1"),
            call("add", {"a": "abc"}, "s1"),
            call("refuse", {}, "t1"),
            call("crash", {}, "x1"),
            call("add", [1, 2], "o1"),
        ]),
        MockReply(content="recovered"),
    )
    with caplog.at_level(logging.ERROR, logger="copilot_sdk.tools"):
        assert session.send("try everything").data.content == "recovered"
    sent = {m["tool_call_id"]: m["content"] for m in tool_messages(server.chat_requests[1].body)}
    assert sent == {
        "u1": "Tool 'missing' does not exist. Available tools: add, crash, refuse.",
        "j1": "Invalid arguments for tool 'add': not valid JSON: '{not json'. "
              "Send the arguments as a JSON object.",
        "s1": "Invalid arguments for tool 'add':\na: expected integer, got 'abc'\nb: required",
        "t1": "no such city: Atlantis",
        "x1": "Tool 'crash' failed: RuntimeError",
        "o1": "Invalid arguments for tool 'add':\narguments: expected object, got an array",
    }
    assert [(d.tool_call_id, d.success) for d in completes(events)] == [
        (i, False) for i in ("u1", "j1", "s1", "t1", "x1", "o1")
    ]
    assert all(d.error for d in completes(events))
    assert "Traceback" not in json.dumps(sent)
    for request in server.chat_requests:
        validate_request(request.body)
    assert any("crash" in r.getMessage() and r.exc_info for r in caplog.records)


def test_max_tool_rounds_is_a_session_error(server: MockModelServer, client: CopilotClient) -> None:
    session = client.create_session(model="gpt-5", tools=[add], max_tool_rounds=1)
    events = collect(session)
    server.enqueue(
        MockReply(tool_calls=[call("add", {"a": 1, "b": 1})]),
        MockReply(tool_calls=[call("add", {"a": 2, "b": 2})]),
    )
    with pytest.raises(MaxToolRoundsError, match="max_tool_rounds=1") as info:
        session.send("loop")
    assert info.value.max_tool_rounds == 1
    assert [e.type for e in events][-2:] == ["session.error", "session.idle"]
    assert events[-2].data.error_type == "MaxToolRoundsError"
    assert session.get_messages() == []


# -- permissions -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("handler", "ran", "text"),
    [
        (None, True, "3"),
        (PermissionHandler.approve_all, True, "3"),
        (lambda req: True, True, "3"),
        (lambda req: "approved", True, "3"),
        (lambda req, invocation: {"kind": "approved"}, True, "3"),
        (PermissionHandler.deny_all, False, "Permission to run tool 'add' was denied."),
        (lambda req: False, False, "Permission to run tool 'add' was denied."),
        (lambda req: None, False, "Permission to run tool 'add' was denied."),
        (lambda req: {"kind": "denied-interactively-by-user", "message": "not now"}, False,
         "Permission to run tool 'add' was denied: not now"),
        (lambda req: 1 / 0, False, "Permission to run tool 'add' was denied."),
    ],
)
def test_permission_handlers(
    server: MockModelServer, client: CopilotClient, handler: Any, ran: bool, text: str
) -> None:
    calls: List[int] = []

    @define_tool
    def add(a: int, b: int) -> int:
        calls.append(a + b)
        return a + b

    session = client.create_session(model="gpt-5", tools=[add], on_permission_request=handler)
    events = collect(session)
    server.enqueue(MockReply(tool_calls=[call("add", {"a": 1, "b": 2})]), MockReply(content="ok"))
    assert session.send("add").data.content == "ok"
    assert calls == ([3] if ran else [])
    assert tool_messages(server.chat_requests[1].body)[0]["content"] == text
    (done,) = completes(events)
    assert done.success is ran
    if not ran:
        assert done.error.startswith("permission denied (")


def test_custom_permission_handler_sees_the_call(server: MockModelServer, client: CopilotClient) -> None:
    asked: List[PermissionRequest] = []

    def decide(request: PermissionRequest) -> Dict[str, str]:
        asked.append(request)
        return {"kind": "approved" if request.arguments["a"] < 10 else "denied-by-rules"}

    session = client.create_session(model="gpt-5", tools=[add], on_permission_request=decide)
    server.enqueue(
        MockReply(tool_calls=[call("add", {"a": 1, "b": 1}, "ok"), call("add", {"a": 50, "b": 1}, "no")]),
        MockReply(),
    )
    session.send("two")
    assert [(r.kind, r.tool_name, r.tool_call_id, r.arguments, r.session_id) for r in asked] == [
        ("custom-tool", "add", "ok", {"a": 1, "b": 1}, session.session_id),
        ("custom-tool", "add", "no", {"a": 50, "b": 1}, session.session_id),
    ]
    sent = [m["content"] for m in tool_messages(server.chat_requests[1].body)]
    assert sent == ["2", "Permission to run tool 'add' was denied."]


# -- hooks -----------------------------------------------------------------------------
def test_user_prompt_hook_rewrites_the_prompt(server: MockModelServer, client: CopilotClient) -> None:
    inputs: List[Dict[str, Any]] = []

    def rewrite(data: Dict[str, Any]) -> Dict[str, str]:
        inputs.append(data)
        return {"modifiedPrompt": data["prompt"].upper()}

    session = client.create_session(model="gpt-5", hooks=SessionHooks(on_user_prompt_submitted=rewrite))
    events = collect(session)
    session.send("quiet please")
    assert server.chat_requests[0].body["messages"][-1] == {"role": "user", "content": "QUIET PLEASE"}
    assert events[0].data.content == "QUIET PLEASE"
    assert inputs[0]["prompt"] == "quiet please" and inputs[0]["sessionId"] == session.session_id
    assert isinstance(inputs[0]["timestamp"], int) and "workingDirectory" in inputs[0]


def test_a_raising_hook_is_logged_and_ignored(
    server: MockModelServer, client: CopilotClient, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(data: Dict[str, Any]) -> None:
        raise ValueError("hook bug")

    hooks = SessionHooks(on_user_prompt_submitted=broken, on_pre_tool_use=broken, on_post_tool_use=broken)
    session = client.create_session(model="gpt-5", tools=[add], hooks=hooks)
    server.enqueue(MockReply(tool_calls=[call("add", {"a": 1, "b": 2})]), MockReply(content="fine"))
    with caplog.at_level(logging.ERROR, logger="copilot_sdk.tools"):
        assert session.send("hello").data.content == "fine"
    assert server.chat_requests[0].body["messages"][-1]["content"] == "hello"
    assert tool_messages(server.chat_requests[1].body)[0]["content"] == "3"
    assert len([r for r in caplog.records if "hook" in r.getMessage()]) == 3


def test_pre_tool_use_can_deny_change_arguments_or_allow(
    server: MockModelServer, client: CopilotClient
) -> None:
    seen: List[Dict[str, Any]] = []
    asked: List[Any] = []

    def pre(data: Dict[str, Any], invocation: Dict[str, str]) -> Optional[Dict[str, Any]]:
        seen.append({**data, "invocation": invocation})
        if data["toolCallId"] == "deny":
            return {"permissionDecision": "deny", "permissionDecisionReason": "too big"}
        if data["toolCallId"] == "change":
            return {"modifiedArgs": {"a": 100, "b": 1}}
        if data["toolCallId"] == "allow":
            return {"permission_decision": "allow"}  # snake_case output keys work too
        return None

    def deny_rest(request: PermissionRequest) -> bool:
        asked.append((request.tool_call_id, request.arguments))
        return request.tool_call_id == "change"

    session = client.create_session(
        model="gpt-5", tools=[add], hooks=SessionHooks(on_pre_tool_use=pre), on_permission_request=deny_rest
    )
    events = collect(session)
    server.enqueue(
        MockReply(tool_calls=[
            call("add", {"a": 1, "b": 1}, "deny"),
            call("add", {"a": 2, "b": 2}, "change"),
            call("add", {"a": 3, "b": 3}, "allow"),
            call("add", {"a": 4, "b": 4}, "plain"),
        ]),
        MockReply(),
    )
    session.send("hooks")
    sent = [m["content"] for m in tool_messages(server.chat_requests[1].body)]
    assert sent == [
        "Permission to run tool 'add' was denied: too big",
        "101",
        "6",
        "Permission to run tool 'add' was denied.",
    ]
    assert asked == [("change", {"a": 100, "b": 1}), ("plain", {"a": 4, "b": 4})]
    assert seen[0]["toolName"] == "add" and seen[0]["toolArgs"] == {"a": 1, "b": 1}
    assert seen[0]["invocation"] == {"session_id": session.session_id}
    assert [d.success for d in completes(events)] == [False, True, True, False]


def test_post_tool_use_can_change_the_result(server: MockModelServer, client: CopilotClient) -> None:
    results: List[ToolResult] = []

    def post(data: Dict[str, Any]) -> Dict[str, Any]:
        results.append(data["toolResult"])
        text = data["toolResult"].text_result_for_llm
        return {"modifiedResult": {"sum": text, "args": data["toolArgs"]}}

    session = client.create_session(model="gpt-5", tools=[add], hooks=SessionHooks(on_post_tool_use=post))
    events = collect(session)
    server.enqueue(MockReply(tool_calls=[call("add", {"a": 1, "b": 2})]), MockReply())
    session.send("post")
    assert results == [ToolResult("3")]
    expected = '{"sum": "3", "args": {"a": 1, "b": 2}}'
    assert tool_messages(server.chat_requests[1].body)[0]["content"] == expected
    assert completes(events)[0].result == expected


def test_error_hook_hears_tool_and_turn_errors(server: MockModelServer, client: CopilotClient) -> None:
    errors: List[Dict[str, Any]] = []

    def crash(inv: ToolInvocation) -> str:
        raise OSError("disk on fire")

    session = client.create_session(
        model="gpt-5", tools=[Tool(name="crash", handler=crash)],
        hooks=SessionHooks(on_error_occurred=errors.append),
    )
    server.enqueue(MockReply(tool_calls=[call("crash", {})]), MockReply(content="ok"))
    session.send("crash")
    server.enqueue(MockFault(status=400, message="bad request"))
    with pytest.raises(BadRequestError):
        session.send("fail")
    assert [(e["errorContext"], e["errorType"], e["recoverable"]) for e in errors] == [
        ("tool_execution", "OSError", True),
        ("model_call", "BadRequestError", False),
    ]
    assert errors[0]["error"] == "disk on fire" and isinstance(errors[1]["exception"], BadRequestError)


# -- threads ---------------------------------------------------------------------------
def test_nested_send_from_tools_under_saturated_pools(
    server: MockModelServer, make_client: MakeClient
) -> None:
    client = make_client(max_workers=2)  # 2 turn threads; the tool pool has 4 threads
    leaf_calls: List[str] = []

    @define_tool
    def leaf(tag: str) -> str:
        leaf_calls.append(tag)
        return f"leaf {tag}"

    inner = [client.create_session(model="gpt-5", tools=[leaf]) for _ in range(8)]

    @define_tool
    def ask(index: int) -> str:
        return inner[index].send(f"inner {index}").data.content

    outer = [client.create_session(model="gpt-5", tools=[ask]) for _ in range(4)]

    def first_call(prompt: str) -> Callable[[Any], bool]:
        return lambda body: len(body["messages"]) == 1 and body["messages"][0]["content"] == prompt

    for i in range(8):
        server.enqueue(MockReply(tool_calls=[call("leaf", {"tag": str(i)})]), match=first_call(f"inner {i}"))
    for k in range(4):
        calls = [call("ask", {"index": 2 * k}), call("ask", {"index": 2 * k + 1})]
        server.enqueue(MockReply(tool_calls=calls), match=first_call(f"outer {k}"))
    futures: List[Future[SessionEvent]] = [s.send_async(f"outer {k}") for k, s in enumerate(outer)]
    replies = [f.result(timeout=30) for f in futures]
    assert all(r.data.content.startswith("echo:") for r in replies)
    assert sorted(leaf_calls) == [str(i) for i in range(8)]
    for session in outer:
        done = [m for m in session.get_messages() if m.type == "tool.execution_complete"]
        assert [d.data.success for d in done] == [True, True]
        assert all(d.data.result.startswith("echo:") for d in done)


def test_send_to_the_same_session_from_its_tool_fails_cleanly(
    server: MockModelServer, client: CopilotClient
) -> None:
    holder: List[Any] = []

    @define_tool
    def recurse() -> str:
        return holder[0].send("again").data.content

    session = client.create_session(model="gpt-5", tools=[recurse])
    holder.append(session)
    server.enqueue(MockReply(tool_calls=[call("recurse", {})]), MockReply(content="ok"))
    assert session.send("go").data.content == "ok"
    assert tool_messages(server.chat_requests[1].body)[0]["content"] == "Tool 'recurse' failed: CopilotError"


def test_abort_while_a_tool_runs(server: MockModelServer, client: CopilotClient) -> None:
    started, release = threading.Event(), threading.Event()

    @define_tool
    def block() -> str:
        started.set()
        release.wait(10)
        return "late"

    session = client.create_session(model="gpt-5", tools=[block])
    events = collect(session)
    server.enqueue(MockReply(tool_calls=[call("block", {})]))
    future = session.send_async("block")
    assert started.wait(5)
    began = time.monotonic()
    session.abort()
    with pytest.raises(AbortedError):
        future.result(timeout=5)
    assert time.monotonic() - began < 2.0
    assert [e.type for e in events][-2:] == ["abort", "session.idle"]
    assert events[-1].data.aborted is True
    assert session.get_messages() == []
    release.set()
    assert session.send("again").data.content.startswith("echo:")
    assert len(server.chat_requests) == 2
    assert server.chat_requests[1].body["messages"] == [{"role": "user", "content": "again"}]


# -- atomicity and resume -----------------------------------------------------------------
def test_a_failing_later_round_commits_nothing(server: MockModelServer, client: CopilotClient) -> None:
    session = client.create_session(model="gpt-5", tools=[add])
    session.send("first")  # a committed turn to compare against
    before = session.get_messages()
    server.enqueue(MockReply(tool_calls=[call("add", {"a": 1, "b": 2})]), MockFault(status=400))
    with pytest.raises(BadRequestError):
        session.send("second")
    assert session.get_messages() == before
    assert client.store.load(session.session_id)[1] == before
    session.send("third")
    last = server.chat_requests[-1].body["messages"]
    assert [m["role"] for m in last] == ["user", "assistant", "user"]
    assert [last[0]["content"], last[2]["content"]] == ["first", "third"]


def test_resumed_session_replays_tool_turns_exactly(server: MockModelServer, make_client: MakeClient) -> None:
    store = MemoryStore()
    first = make_client(store=store)

    def script() -> None:
        server.enqueue(
            MockReply(content="let me add", tool_calls=[call("add", {"a": 1, "b": 2}, "c1"),
                                                        call("add", {"a": "x"}, "c2")]),
            MockReply(tool_calls=[call("add", {"a": 3, "b": 4}, "c3")]),
            MockReply(content="3 and 7"),
        )

    straight = first.create_session(model="gpt-5", session_id="straight", tools=[add])
    script()
    straight.send("add things")
    resumable = first.create_session(model="gpt-5", session_id="resumable", tools=[add])
    script()
    resumable.send("add things")
    resumable.destroy()

    second = make_client(store=store)
    resumed = second.resume_session("resumable", tools=[add])
    straight.send("and now?")
    expected = server.chat_requests[-1].body
    resumed.send("and now?")
    actual = server.chat_requests[-1].body
    assert actual["messages"] == expected["messages"]
    assert actual["tools"] == expected["tools"]
    assert [m["role"] for m in actual["messages"]] == [
        "user", "assistant", "tool", "tool", "assistant", "tool", "assistant", "user"
    ]
    assert [e.type for e in resumed.get_messages()] == [e.type for e in straight.get_messages()]
    for request in server.chat_requests:  # tool calls and results on the wire follow OpenAI's spec
        validate_request(request.body)


def test_streamed_tool_calls_give_the_same_arguments(server: MockModelServer, client: CopilotClient) -> None:
    seen: List[Any] = []

    @define_tool
    def ship(to: Address, notes: List[str], copies: int = 1) -> str:
        seen.append((to, notes, copies))
        return "ok"

    arguments = {"to": {"city": "Zürich", "zip_code": "8001"}, "notes": ["fragile", "„quoted\""], "copies": 3}
    for streaming in (False, True):
        session = client.create_session(model="gpt-5", tools=[ship], streaming=streaming)
        server.enqueue(
            MockReply(
                tool_calls=[call("ship", arguments, "s1"), call("ship", {"to": {"city": "B"}, "notes": []})],
                chunk_size=3,
            ),
            MockReply(content="shipped"),
        )
        assert session.send("ship").data.content == "shipped"
    assert server.chat_requests[2].body.get("stream") is True
    assert seen[0:2] == seen[2:4]
    assert seen[0] == (Address(city="Zürich", zip_code="8001"), ["fragile", "„quoted\""], 3)


@define_tool
def broken_text(kind: str) -> Any:
    """Return text with a lone surrogate (a bad decode with surrogateescape)."""
    text = b"caf\xe9".decode("utf-8", errors="surrogateescape")
    return text if kind == "str" else {"text": text}


@pytest.mark.parametrize("kind", ["str", "json"])
def test_a_tool_result_with_lone_surrogates_is_sent_and_stored_as_replacement_characters(
    kind: str, server: MockModelServer, make_client: MakeClient, tmp_path: Any
) -> None:
    client = make_client(store=tmp_path / "sessions.db")
    session = client.create_session(model="gpt-5", tools=[broken_text], session_id="tool-text")
    server.enqueue(MockReply(tool_calls=[call("broken_text", {"kind": kind})]), MockReply(content="ok"))
    assert session.send("go").data.content == "ok"
    sent = tool_messages(server.chat_requests[1].body)[0]["content"]
    assert "caf\ufffd" in sent
    session.destroy()
    stored = completes(client.resume_session("tool-text").get_messages())
    assert "caf\ufffd" in stored[0].result
