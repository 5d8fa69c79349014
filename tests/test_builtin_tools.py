"""The built-in tools against a temporary working directory, driven by a scripted
model over real HTTP: results, files on disk, permission kinds, denials, path
escapes, and abort killing bash's children."""

from __future__ import annotations

import http.server
import os
import pathlib
import threading
import time
from typing import Any, Callable, Iterator, List, Optional, Tuple

import pytest

from copilot_sdk import AbortedError, CopilotClient, PermissionHandler, SessionEvent
from copilot_sdk.testing import MockModelServer, MockReply, MockToolCall
from copilot_sdk.tools import PermissionRequest

Outcome = Tuple[bool, str]


def approver(asked: List[PermissionRequest]) -> Callable[[PermissionRequest], bool]:
    """A handler approving every call and recording its request in ``asked``."""

    def approve(request: PermissionRequest) -> bool:
        asked.append(request)
        return True

    return approve


def run_calls(
    server: MockModelServer, client: CopilotClient, calls: List[Tuple[str, Any]], **session: Any
) -> List[Outcome]:
    """One turn in which the model calls ``calls`` (in one round); each call's
    (success, result text)."""
    server.enqueue(
        MockReply(tool_calls=[MockToolCall(name=name, arguments=args) for name, args in calls]),
        MockReply(content="done"),
    )
    session.setdefault("available_tools", ["builtin:*"])
    s = client.create_session(model="gpt-5", **session)
    done: List[SessionEvent] = []
    s.on("tool.execution_complete", done.append)
    assert s.send("go").data.content == "done"
    return [(e.data.success, e.data.result) for e in done]


@pytest.fixture
def work(tmp_path: pathlib.Path) -> pathlib.Path:
    """An empty working directory."""
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


def test_view_file_range_and_directory(
    work: pathlib.Path, server: MockModelServer, client: CopilotClient
) -> None:
    (work / "lines.txt").write_text("line1\nline2\nline3\nline4\nline5\n")
    (work / "src").mkdir()
    (work / "src" / "a.py").write_text("x = 1\n")
    outcomes = run_calls(
        server,
        client,
        [
            ("view", {"path": "lines.txt", "view_range": [2, 4]}),
            ("view", {"path": str(work / "lines.txt")}),
            ("view", {"path": "."}),
            ("view", {"path": "missing.txt"}),
        ],
        working_directory=str(work),
    )
    assert outcomes[0] == (True, "2. line2\n3. line3\n4. line4")
    assert outcomes[1] == (True, "1. line1\n2. line2\n3. line3\n4. line4\n5. line5\n6. ")
    assert outcomes[2] == (True, "lines.txt\nsrc/\nsrc/a.py")
    assert outcomes[3][0] is False and "does not exist" in outcomes[3][1]


def test_create_and_edit_need_permission_and_change_disk(
    work: pathlib.Path, server: MockModelServer, client: CopilotClient
) -> None:
    asked: List[PermissionRequest] = []
    approve = approver(asked)

    (work / "edit_me.txt").write_text("Hello World\nGoodbye World\nHello World\n")
    outcomes = run_calls(
        server,
        client,
        [
            ("create", {"path": "sub/new_file.txt", "file_text": "Created by test"}),
            ("create", {"path": "edit_me.txt", "file_text": "clobber"}),
            ("edit", {"path": "edit_me.txt", "old_str": "Goodbye World", "new_str": "Hi Universe"}),
            ("edit", {"path": "edit_me.txt", "old_str": "Hello World", "new_str": "x"}),
            ("edit", {"path": "edit_me.txt", "old_str": "absent", "new_str": "x"}),
        ],
        working_directory=str(work),
        on_permission_request=approve,
    )
    assert outcomes[0] == (True, f"Created file {work / 'sub' / 'new_file.txt'} with 15 characters")
    assert (work / "sub" / "new_file.txt").read_text() == "Created by test"
    assert outcomes[1][0] is False and "already exists" in outcomes[1][1]
    assert outcomes[2] == (True, f"File {work / 'edit_me.txt'} updated with changes.")
    assert outcomes[3][0] is False and "occurs 2 times" in outcomes[3][1]
    assert outcomes[4][0] is False and "No match" in outcomes[4][1]
    assert (work / "edit_me.txt").read_text() == "Hello World\nHi Universe\nHello World\n"
    assert [(r.kind, r.tool_name) for r in asked] == [("write", "create")] * 2 + [("write", "edit")] * 3
    assert asked[0].path == str(work / "sub" / "new_file.txt")
    assert not asked[0].outside_working_directory


def test_without_a_handler_reads_run_and_the_rest_is_denied(
    work: pathlib.Path, server: MockModelServer, client: CopilotClient
) -> None:
    (work / "a.txt").write_text("apple\n")
    outcomes = run_calls(
        server,
        client,
        [
            ("view", {"path": "a.txt"}),
            ("glob", {"pattern": "*.txt"}),
            ("grep", {"pattern": "app"}),
            ("create", {"path": "b.txt", "file_text": "x"}),
            ("edit", {"path": "a.txt", "old_str": "a", "new_str": "b"}),
            ("bash", {"command": "touch c.txt"}),
            ("web_fetch", {"url": "http://127.0.0.1:9/"}),
            ("view", {"path": "../outside.txt"}),
        ],
        working_directory=str(work),
    )
    assert [ok for ok, _ in outcomes] == [True, True, True, False, False, False, False, False]
    for _, text in outcomes[3:]:
        assert "denied" in text and "no permission handler is set" in text
    assert "outside the working directory" in outcomes[7][1]
    assert sorted(p.name for p in work.iterdir()) == ["a.txt"]  # nothing was written
    assert (work / "a.txt").read_text() == "apple\n"


def test_path_escapes_need_explicit_approval(
    tmp_path: pathlib.Path, server: MockModelServer, client: CopilotClient
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    (work / "link.txt").symlink_to(secret)
    (work / "linkdir").symlink_to(tmp_path)
    escapes = [
        ("view", {"path": str(secret)}),
        ("view", {"path": "../secret.txt"}),
        ("view", {"path": "link.txt"}),
        ("grep", {"pattern": "secret", "path": "linkdir"}),
        ("create", {"path": "../made.txt", "file_text": "x"}),
    ]
    asked: List[PermissionRequest] = []

    def deny_outside(request: PermissionRequest) -> Any:
        asked.append(request)
        return {"kind": "denied-by-rules"} if request.outside_working_directory else {"kind": "approved"}

    denied = run_calls(server, client, escapes, working_directory=str(work))  # no handler
    assert [ok for ok, _ in denied] == [False] * 5
    assert "top secret" not in "".join(text for _, text in denied)
    refused = run_calls(
        server, client, escapes, working_directory=str(work), on_permission_request=deny_outside
    )
    assert [ok for ok, _ in refused] == [False] * 5
    assert [(r.kind, r.outside_working_directory) for r in asked] == [("read", True)] * 4 + [("write", True)]
    assert asked[2].path == str(secret)  # the symlink's target is what is at stake
    approved = run_calls(
        server,
        client,
        escapes,
        working_directory=str(work),
        on_permission_request=PermissionHandler.approve_all,
    )
    assert approved[0] == (True, "1. top secret") and approved[2] == (True, "1. top secret")
    assert approved[3][0] and "secret.txt" in approved[3][1]
    assert approved[4][0] and (tmp_path / "made.txt").read_text() == "x"
    # a symlink inside the tree that leads out is never followed by glob or grep
    globbed = run_calls(
        server,
        client,
        [("glob", {"pattern": "**/*.txt"}), ("grep", {"pattern": "secret"})],
        working_directory=str(work),
    )
    assert globbed == [(True, "No files matched '**/*.txt'."), (True, "No matches for 'secret'.")]


def test_glob_and_grep(work: pathlib.Path, server: MockModelServer, client: CopilotClient) -> None:
    (work / "src" / "deep").mkdir(parents=True)
    (work / "src" / "index.ts").write_text("export const a = 1;\n")
    (work / "src" / "deep" / "b.ts").write_text("const apple = 2;\n")
    (work / "data.txt").write_text("apple\nbanana\napricot\ncherry\n")
    (work / ".git").mkdir()
    (work / ".git" / "x.ts").write_text("apple")
    outcomes = run_calls(
        server,
        client,
        [
            ("glob", {"pattern": "**/*.ts"}),
            ("glob", {"pattern": "src/*.ts"}),
            ("grep", {"pattern": "^ap", "path": "data.txt", "output_mode": "content", "-n": True}),
            ("grep", {"pattern": "APPLE", "-i": True}),
            ("grep", {"pattern": "a", "output_mode": "count", "glob": "*.txt"}),
            ("grep", {"pattern": "banana", "output_mode": "content", "-C": 1}),
            ("grep", {"pattern": "("}),
        ],
        working_directory=str(work),
    )
    assert outcomes[0] == (True, "./src/deep/b.ts\n./src/index.ts")
    assert outcomes[1] == (True, "./src/index.ts")
    assert outcomes[2] == (True, "data.txt:1:apple\ndata.txt:3:apricot")
    assert outcomes[3] == (True, "data.txt\nsrc/deep/b.ts")
    assert outcomes[4] == (True, "data.txt:3")
    assert outcomes[5] == (True, "data.txt:apple\ndata.txt:banana\ndata.txt:apricot")
    assert outcomes[6][0] is False and "not a valid regular expression" in outcomes[6][1]


def test_bash_output_exit_code_timeout_and_cap(
    work: pathlib.Path, server: MockModelServer, client: CopilotClient
) -> None:
    asked: List[PermissionRequest] = []
    approve = approver(asked)

    outcomes = run_calls(
        server,
        client,
        [
            ("bash", {"command": "echo hello && echo world >&2; pwd", "description": "greet"}),
            ("bash", {"command": "exit 3"}),
            ("bash", {"command": "sleep 30", "timeout": 0.5}),
            ("bash", {"command": "head -c 100000 /dev/zero | tr '\\0' a"}),
        ],
        working_directory=str(work),
        on_permission_request=approve,
    )
    assert outcomes[0] == (True, f"hello\nworld\n{work}\n<exited with exit code 0>")
    assert outcomes[1] == (True, "<exited with exit code 3>")
    assert outcomes[2][0] and "timed out after 0.5 s" in outcomes[2][1]
    assert outcomes[3][0] and "bytes of output omitted" in outcomes[3][1] and len(outcomes[3][1]) < 31_000
    assert [(r.kind, r.command) for r in asked][:2] == [
        ("shell", "echo hello && echo world >&2; pwd"),
        ("shell", "exit 3"),
    ]
    assert asked[0].intention == "greet"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is as good as dead
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"
    except OSError:
        return False


def test_abort_kills_bash_and_its_children(
    work: pathlib.Path, server: MockModelServer, client: CopilotClient
) -> None:
    pidfile = work / "pids"
    command = f"sleep 60 & echo $! > {pidfile}; (sleep 60; echo never) & echo $! >> {pidfile}; wait"
    server.enqueue(MockReply(tool_calls=[MockToolCall(name="bash", arguments={"command": command})]))
    s = client.create_session(
        model="gpt-5",
        available_tools=["bash"],
        working_directory=str(work),
        on_permission_request=PermissionHandler.approve_all,
    )
    future = s.send_async("go")
    deadline = time.monotonic() + 20
    while not (pidfile.exists() and len(pidfile.read_text().split()) == 2):
        assert time.monotonic() < deadline, "the command did not start"
        time.sleep(0.02)
    pids = [int(p) for p in pidfile.read_text().split()]
    assert all(_alive(pid) for pid in pids)
    s.abort()
    with pytest.raises(AbortedError):
        future.result(timeout=20)
    deadline = time.monotonic() + 20
    while any(_alive(pid) for pid in pids):
        assert time.monotonic() < deadline, "bash's children survived the abort"
        time.sleep(0.05)


def test_finished_command_leaves_no_background_children(
    work: pathlib.Path, server: MockModelServer, client: CopilotClient
) -> None:
    pidfile = work / "pid"
    outcomes = run_calls(
        server,
        client,
        [("bash", {"command": f"sleep 60 > /dev/null 2>&1 & echo $! > {pidfile}; echo started"})],
        working_directory=str(work),
        on_permission_request=PermissionHandler.approve_all,
    )
    assert outcomes == [(True, "started\n<exited with exit code 0>")]
    pid = int(pidfile.read_text())
    deadline = time.monotonic() + 20
    while _alive(pid):
        assert time.monotonic() < deadline
        time.sleep(0.05)


@pytest.fixture
def web() -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/page":
                body = (
                    b"<html><head><title>Hi</title><style>p{}</style></head><body>"
                    b"<h1>Title</h1><p>Some <b>bold</b> text.</p><script>x()</script>"
                    b"<ul><li>one</li><li>two</li></ul></body></html>"
                )
                kind = "text/html; charset=utf-8"
            elif self.path == "/big":
                body, kind = b"a" * 3_000_000, "text/plain"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(10)


def test_web_fetch(web: str, work: pathlib.Path, server: MockModelServer, client: CopilotClient) -> None:
    asked: List[Optional[str]] = []

    def approve(request: PermissionRequest) -> bool:
        asked.append(f"{request.kind} {request.url}")
        return True

    outcomes = run_calls(
        server,
        client,
        [
            ("web_fetch", {"url": f"{web}/page"}),
            ("web_fetch", {"url": f"{web}/page", "raw": True, "max_length": 20}),
            ("web_fetch", {"url": f"{web}/big", "max_length": 10, "start_index": 5}),
            ("web_fetch", {"url": f"{web}/missing"}),
            ("web_fetch", {"url": "file:///etc/passwd"}),
        ],
        working_directory=str(work),
        on_permission_request=approve,
    )
    assert outcomes[0] == (True, f"Contents of {web}/page:\n# Hi\n\nTitle\nSome bold text.\n- one\n- two")
    assert outcomes[1][0] and outcomes[1][1].startswith(f"Contents of {web}/page:\n<html><head><title>H\n")
    assert "start_index=20" in outcomes[1][1]
    assert outcomes[2][0] and outcomes[2][1].startswith(f"Contents of {web}/big:\naaaaaaaaaa\n")
    assert "2000000 characters in all" in outcomes[2][1]  # cut at the size limit
    assert outcomes[3][0] is False and "HTTP 404" in outcomes[3][1]
    assert outcomes[4][0] is False and "http:// or https://" in outcomes[4][1]
    assert asked[0] == f"url {web}/page"


def test_preamble_and_offered_tools(
    work: pathlib.Path, server: MockModelServer, client: CopilotClient
) -> None:
    def send(**config: Any) -> Tuple[List[str], Optional[str]]:
        server.enqueue(MockReply(content="ok"))
        client.create_session(model="gpt-5", **config).send("hi")
        body = server.chat_requests[-1].body
        system = [m["content"] for m in body["messages"] if m["role"] == "system"]
        return [t["function"]["name"] for t in body.get("tools", [])], (system[0] if system else None)

    names, system = send(
        available_tools=["builtin:*"], working_directory=str(work), system_message="Be brief."
    )
    assert names == ["view", "create", "edit", "bash", "glob", "grep", "web_fetch"]
    assert system is not None and system.startswith(f"You are working in the directory {work}.")
    assert system.endswith("\n\nBe brief.")
    names, system = send(system_message="Be brief.")
    assert names == [] and system == "Be brief."
    names, system = send(available_tools=["view", "builtin:grep"], excluded_tools=["grep"])
    assert names == ["view"] and system is not None and str(pathlib.Path.cwd().resolve()) in system


def test_bad_configuration_is_refused(work: pathlib.Path) -> None:
    from copilot_sdk import SessionConfig

    with pytest.raises(ValueError, match="no built-in tool 'nope'"):
        SessionConfig(available_tools=["builtin:nope"])
    with pytest.raises(ValueError, match="available_tools\\[0\\] 'tool:x'"):
        SessionConfig(available_tools=["tool:x"])
    with pytest.raises(TypeError, match="available_tools must be a list"):
        SessionConfig(available_tools="view")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="working_directory"):
        SessionConfig(working_directory=str(work / "absent"))


def test_edits_of_one_file_in_one_round_all_apply(
    work: pathlib.Path, server: MockModelServer, client: CopilotClient
) -> None:
    """The calls of a round run concurrently: edits of one file must neither see a
    half-written file nor lose each other's changes."""
    lines = [f"line {i}" for i in range(12)]
    (work / "many.txt").write_text("\n".join(lines) + "\n")
    outcomes = run_calls(
        server,
        client,
        [
            ("edit", {"path": "many.txt", "old_str": f"line {i}\n", "new_str": f"edited {i}\n"})
            for i in range(12)
        ],
        working_directory=str(work),
        on_permission_request=PermissionHandler.approve_all,
    )
    assert all(ok for ok, _ in outcomes), outcomes
    assert (work / "many.txt").read_text() == "".join(f"edited {i}\n" for i in range(12))
    assert sorted(p.name for p in work.iterdir()) == ["many.txt"]  # no temporary file left
