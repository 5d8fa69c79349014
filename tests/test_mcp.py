"""MCP servers against real servers the tests start (tests/mcp_test_server.py,
written with the mcp package's FastMCP): stdio, streamable HTTP and SSE; results,
permissions, the pre-call hook, sharing, tool filters, abort, timeouts, servers that
cannot start, never answer or crash, and no process left after client.stop()."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import pathlib
import socket
import subprocess
import sys
import time
from typing import Any, Callable, Dict, Iterator, List, Tuple

import pytest

from copilot_sdk import AbortedError, CopilotClient, SessionEvent, define_tool
from copilot_sdk.testing import MockModelServer, MockReply, MockToolCall
from copilot_sdk.tools import PermissionRequest, SessionHooks


@define_tool
def echo(text: str) -> str:
    """Echo the text."""
    return text


SCRIPT = str(pathlib.Path(__file__).with_name("mcp_test_server.py"))
MakeClient = Callable[..., CopilotClient]


def stdio(*args: str, **extra: Any) -> Dict[str, Any]:
    return {"type": "stdio", "command": sys.executable, "args": [SCRIPT, *args], **extra}


def turn(
    server: MockModelServer, session: Any, calls: List[Tuple[str, Dict[str, Any]]]
) -> Tuple[List[Tuple[bool, str]], List[SessionEvent]]:
    """One turn in which the model makes ``calls``; their (success, result) and every event."""
    server.enqueue(
        MockReply(tool_calls=[MockToolCall(name=n, arguments=a) for n, a in calls]), MockReply(content="done")
    )
    events: List[SessionEvent] = []
    unsubscribe = session.on(events.append)
    try:
        assert session.send("go").data.content == "done"
    finally:
        unsubscribe()
    done = [(e.data.success, e.data.result) for e in events if e.type == "tool.execution_complete"]
    return done, events


def offered(server: MockModelServer) -> List[str]:
    return [t["function"]["name"] for t in server.chat_requests[-1].body.get("tools", [])]


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def server_processes() -> List[int]:
    """Live processes running the test server whose parent is this process."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                cmdline = handle.read()
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(") ", 1)[1].split()
        except OSError:
            continue
        if SCRIPT.encode() in cmdline and int(fields[1]) == os.getpid() and fields[0] != "Z":
            found.append(int(entry))
    return found


def test_stdio_tools_results_permission_and_hook(server: MockModelServer, client: CopilotClient) -> None:
    asked: List[PermissionRequest] = []
    hooked: List[Dict[str, Any]] = []

    def approve(request: PermissionRequest) -> bool:
        asked.append(request)
        return True

    def pre_mcp(data: Dict[str, Any]) -> Dict[str, Any]:
        hooked.append(data)
        return {"metaToUse": {"trace": "t-1"}}

    session = client.create_session(
        model="gpt-5",
        mcp_servers={"t": stdio("stdio")},
        on_permission_request=approve,
        hooks=SessionHooks(on_pre_mcp_tool_call=pre_mcp),
    )
    done, events = turn(
        server,
        session,
        [
            ("t-add", {"a": 2, "b": 3}),
            ("t-image", {}),
            ("t-forecast", {"city": "Paris"}),
            ("t-fail", {"reason": "testing"}),
            ("t-add", {"a": "x"}),
        ],
    )
    assert done[0] == (True, "5")
    assert done[1] == (True, "[image image/png, 70 bytes]")
    assert done[2][0] and json.loads(done[2][1]) == {"city": "Paris", "temperature": 21}
    assert done[3][0] is False and "failed on purpose: testing" in done[3][1]
    assert (
        done[4][0] is False and "Invalid arguments for tool 't-add'" in done[4][1]
    )  # checked against its schema
    status = [e.data for e in events if e.type == "session.mcp_server_status_changed"]
    assert [(s.server_name, s.status) for s in status] == [("t", "connected")]
    tools = {t["function"]["name"]: t["function"] for t in server.chat_requests[0].body["tools"]}
    assert list(tools) == ["t-add", "t-echo", "t-pid", "t-image", "t-forecast", "t-fail", "t-slow", "t-crash"]
    assert tools["t-add"]["description"] == "Add two integers."
    assert tools["t-add"]["parameters"]["required"] == ["a", "b"]
    assert [(r.kind, r.server_name, r.tool_name) for r in asked][:2] == [
        ("mcp", "t", "t-add"),
        ("mcp", "t", "t-image"),
    ]
    assert hooked[0]["serverName"] == "t" and hooked[0]["toolName"] == "add"
    assert hooked[0]["arguments"] == {"a": 2, "b": 3}


def test_sessions_share_a_server_and_filters_apply(server: MockModelServer, client: CopilotClient) -> None:
    config = {"t": stdio("stdio")}
    first = client.create_session(model="gpt-5", mcp_servers=config)
    second = client.create_session(model="gpt-5", mcp_servers=config)
    pids = [turn(server, s, [("t-pid", {})])[0][0][1] for s in (first, second)]
    assert pids[0] == pids[1]
    filtered = client.create_session(model="gpt-5", mcp_servers={"t": stdio("stdio", tools=["add", "echo"])})
    turn(server, filtered, [("t-add", {"a": 1, "b": 1})])
    assert offered(server) == ["t-add", "t-echo"]
    allowed = client.create_session(
        model="gpt-5", mcp_servers=config, available_tools=["mcp:t-echo", "t-pid"]
    )
    done, _ = turn(server, allowed, [("t-add", {"a": 1, "b": 1})])
    assert offered(server) == ["t-echo", "t-pid"]
    assert done[0][0] is False and "does not exist" in done[0][1]


def test_abort_cancels_the_call_in_flight(
    tmp_path: pathlib.Path, server: MockModelServer, client: CopilotClient
) -> None:
    session = client.create_session(model="gpt-5", mcp_servers={"t": stdio("stdio", str(tmp_path))})
    server.enqueue(MockReply(tool_calls=[MockToolCall(name="t-slow", arguments={"seconds": 60})]))
    future = session.send_async("go")
    deadline = time.monotonic() + 30
    while not (tmp_path / "slow.started").exists():
        assert time.monotonic() < deadline, "the slow call never started"
        time.sleep(0.02)
    session.abort()
    with pytest.raises(AbortedError):
        future.result(timeout=20)
    deadline = time.monotonic() + 20
    while not (tmp_path / "slow.cancelled").exists():
        assert time.monotonic() < deadline, "the server never heard of the cancellation"
        time.sleep(0.05)
    done, _ = turn(server, session, [("t-echo", {"text": "still here"})])  # the server goes on
    assert done == [(True, "still here")]


def test_a_call_past_its_timeout_fails_and_the_turn_goes_on(
    server: MockModelServer, client: CopilotClient
) -> None:
    session = client.create_session(model="gpt-5", mcp_servers={"t": stdio("stdio", timeout=300)})
    done, _ = turn(server, session, [("t-slow", {"seconds": 20}), ("t-echo", {"text": "ok"})])
    assert done[0][0] is False and "t-slow" not in done[0][1] and "slow" in done[0][1]
    assert "timed out" in done[0][1].lower() or "did not answer" in done[0][1]
    assert done[1] == (True, "ok")


def test_servers_that_cannot_start_or_never_answer(server: MockModelServer, make_client: MakeClient) -> None:
    client = make_client(mcp_start_timeout=3.0)
    session = client.create_session(
        model="gpt-5", tools=[echo], mcp_servers={"broken": stdio("crash-on-start"), "mute": stdio("silent")}
    )
    began = time.monotonic()
    done, events = turn(server, session, [("broken-add", {"a": 1, "b": 2}), ("echo", {"text": "on"})])
    assert time.monotonic() - began < 25
    status = {e.data.server_name: e.data for e in events if e.type == "session.mcp_server_status_changed"}
    assert status["broken"].status == "failed" and "this server cannot start" in (
        status["broken"].error or ""
    )
    assert status["mute"].status == "failed" and "3 s" in (status["mute"].error or "")
    assert done[0][0] is False and "does not exist" in done[0][1]
    assert done[1] == (True, "on")
    assert offered(server) == ["echo"]  # the session goes on without their tools
    shown = {row.name: row for row in client.get_status().mcp_servers}
    assert shown["broken"].status == "failed" and "this server cannot start" in (shown["broken"].error or "")
    assert shown["mute"].status == "failed" and shown["mute"].type == "stdio"
    client.stop()
    assert server_processes() == []


def test_a_server_crashing_mid_call(server: MockModelServer, client: CopilotClient) -> None:
    session = client.create_session(model="gpt-5", mcp_servers={"t": stdio("stdio")})
    done, _ = turn(server, session, [("t-crash", {})])
    assert done[0][0] is False and "MCP server 't'" in done[0][1]
    done, events = turn(server, session, [("t-echo", {"text": "x"})])
    assert done[0][0] is False  # its tools are gone: a failure result, never a hung turn
    status = [e.data for e in events if e.type == "session.mcp_server_status_changed"]
    assert status and status[0].status == "failed"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(params=["http", "sse"])
def remote(request: Any) -> Iterator[Tuple[str, str]]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, SCRIPT, request.param, str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                error = process.stderr.read() if process.stderr else b""
                raise RuntimeError(f"the {request.param} MCP server did not start: {error!r}") from None
            time.sleep(0.05)
    path = "/mcp" if request.param == "http" else "/sse"
    try:
        yield request.param, f"http://127.0.0.1:{port}{path}"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        if process.stderr is not None:
            process.stderr.close()


def test_remote_servers(remote: Tuple[str, str], server: MockModelServer, client: CopilotClient) -> None:
    kind, url = remote
    session = client.create_session(
        model="gpt-5", mcp_servers={"web": {"type": kind, "url": url, "headers": {"X-Test": "1"}}}
    )
    done, _ = turn(server, session, [("web-add", {"a": 20, "b": 22}), ("web-echo", {"text": kind})])
    assert done == [(True, "42"), (True, kind)]


def test_works_from_a_thread_running_an_event_loop(server: MockModelServer, client: CopilotClient) -> None:
    """As in a Jupyter cell: the calling thread has a running asyncio loop."""
    session = client.create_session(model="gpt-5", mcp_servers={"t": stdio("stdio")})

    async def cell() -> List[Tuple[bool, str]]:
        return turn(server, session, [("t-add", {"a": 1, "b": 2})])[0]

    assert asyncio.run(cell()) == [(True, "3")]


def test_stop_leaves_no_server_process(server: MockModelServer, make_client: MakeClient) -> None:
    client = make_client()
    pids = []
    for index in range(3):
        session = client.create_session(model="gpt-5", mcp_servers={f"s{index}": stdio("stdio")})
        pids.append(int(turn(server, session, [(f"s{index}-pid", {})])[0][0][1]))
    assert sorted(server_processes()) == sorted(pids)
    client.stop()
    assert server_processes() == []
    assert not any(alive(pid) for pid in pids)


def test_bad_mcp_configs_are_refused() -> None:
    from copilot_sdk import SessionConfig

    with pytest.raises(ValueError, match="'type' must be"):
        SessionConfig(mcp_servers={"x": {"type": "ws", "url": "ws://x"}})
    with pytest.raises(ValueError, match="needs 'command'"):
        SessionConfig(mcp_servers={"x": {"type": "stdio"}})
    with pytest.raises(TypeError, match="unknown key"):
        SessionConfig(mcp_servers={"x": {"type": "http", "url": "http://h/mcp", "command": "y"}})
    with pytest.raises(ValueError, match="timeout"):
        SessionConfig(mcp_servers={"x": {"command": "y", "timeout": 0}})
    with pytest.raises(ValueError, match="server name"):
        SessionConfig(mcp_servers={"a-b": {"command": "y"}})
    config = SessionConfig(
        mcp_servers={"x": {"type": "http", "url": "http://h/mcp", "headers": {"Authorization": "s3cret"}}}
    )
    assert "s3cret" not in repr(config)


def test_many_sessions_call_one_shared_server_at_once(server: MockModelServer, client: CopilotClient) -> None:
    config = {"t": stdio("stdio")}
    sessions = [client.create_session(model="gpt-5", mcp_servers=config) for _ in range(8)]
    for index in range(len(sessions)):
        match = f"go {index}"
        server.enqueue(
            MockReply(
                tool_calls=[
                    MockToolCall(name="t-add", arguments={"a": index, "b": 1000}),
                    MockToolCall(name="t-pid", arguments={}),
                ]
            ),
            MockReply(content=f"done {index}"),
            match=lambda body, m=match: any(msg.get("content") == m for msg in body["messages"]),
        )
    results: Dict[int, List[str]] = {}

    def collect(index: int) -> Callable[[SessionEvent], None]:
        return lambda e: results.setdefault(index, []).append(e.data.result)

    for index, session in enumerate(sessions):
        session.on("tool.execution_complete", collect(index))
    futures = [session.send_async(f"go {index}") for index, session in enumerate(sessions)]
    assert [f.result(timeout=60).data.content for f in futures] == [f"done {i}" for i in range(8)]
    assert [results[i][0] for i in range(8)] == [str(1000 + i) for i in range(8)]
    assert len({results[i][1] for i in range(8)}) == 1  # one server process for all of them


def test_images_reach_the_result_as_binary_content(server: MockModelServer, client: CopilotClient) -> None:
    seen: List[Any] = []
    session = client.create_session(
        model="gpt-5",
        mcp_servers={"t": stdio("stdio")},
        hooks=SessionHooks(on_post_tool_use=lambda data: seen.append(data.get("toolResult"))),
    )
    done, _ = turn(server, session, [("t-image", {})])
    assert done == [(True, "[image image/png, 70 bytes]")]
    (image,) = seen[0].binary_results_for_llm
    assert image.mime_type == "image/png" and image.type == "image"
    assert base64.b64decode(image.data).startswith(b"\x89PNG")
    # ... and reach the model as an image on the follow-up call, not only as text.
    parts = [
        part
        for message in server.chat_requests[-1].body["messages"]
        if isinstance(message.get("content"), list)
        for part in message["content"]
    ]
    urls = [part["image_url"]["url"] for part in parts if part.get("type") == "image_url"]
    assert urls == [f"data:image/png;base64,{image.data}"]
    assert [(row.name, row.status) for row in client.get_status().mcp_servers] == [("t", "connected")]
