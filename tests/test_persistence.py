"""Sessions persisted in SQLite, end to end over real HTTP and real processes:
resume with exactly the same history, concurrent writers (threads and processes),
SIGKILL of a writer, bad or unreachable database files, delete while sending,
listing, and no secret in the database."""

from __future__ import annotations

import json
import os
import queue
import random
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import pytest

from copilot_sdk import (
    AbortedError,
    ConfigurationError,
    CopilotClient,
    ProviderConfig,
    SessionClosedError,
    SessionExistsError,
    SessionNotFoundError,
)
from copilot_sdk.testing import MockModelServer, MockReply

from ._spec import validate_request

JOIN = 60.0
ROOT = Path(__file__).resolve().parents[1]
WORKER = Path(__file__).with_name("_persist_worker.py")
Factory = Callable[..., CopilotClient]


# -- helpers --------------------------------------------------------------------


def worker_command(spec: Dict[str, Any]) -> List[str]:
    return [sys.executable, str(WORKER), json.dumps(spec)]


def worker_env() -> Dict[str, str]:
    path = os.environ.get("PYTHONPATH")
    return dict(os.environ, PYTHONPATH=str(ROOT) + (os.pathsep + path if path else ""))


def run_worker(spec: Dict[str, Any], timeout: float = JOIN) -> List[Dict[str, str]]:
    """Run the worker to completion; its committed turns, in order."""
    proc = subprocess.run(
        worker_command(spec),
        capture_output=True,
        text=True,
        timeout=timeout,
        env=worker_env(),
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


def stored_logs(db: Path) -> Dict[str, List[Dict[str, Any]]]:
    """Every session's log as stored, read with plain sqlite3; seqs must be 0..n-1."""
    conn = sqlite3.connect(str(db), timeout=30)
    try:
        logs: Dict[str, List[Dict[str, Any]]] = {
            sid: [] for (sid,) in conn.execute("SELECT id FROM sessions")
        }
        for sid, seq, payload in conn.execute(
            "SELECT session_id, seq, payload FROM events ORDER BY session_id, seq"
        ):
            assert seq == len(logs[sid]), f"gap in the log of {sid!r}"
            logs[sid].append(json.loads(payload))
    finally:
        conn.close()
    return logs


def complete_turns(log: List[Dict[str, Any]]) -> List[List[Dict[str, Any]]]:
    """Split a log into turns, asserting each is whole: user.message ... turn_end."""
    turns: List[List[Dict[str, Any]]] = []
    for event in log:
        if event["type"] == "user.message":
            assert not turns or turns[-1][-1]["type"] == "assistant.turn_end", "unfinished turn"
            turns.append([event])
        else:
            assert turns, "the log does not start with a user message"
            turns[-1].append(event)
    for one in turns:
        assert one[-1]["type"] == "assistant.turn_end", "unfinished turn"
        assert [e["type"] for e in one].count("user.message") == 1
    return turns


def check_conversation(log: List[Dict[str, Any]], system: bool = False) -> List[str]:
    """Strict user/assistant alternation, and each reply (the server's echo) saw the
    whole history before it: no lost or interleaved turn. Returns the prompts."""
    prompts = []
    for index, one in enumerate(complete_turns(log)):
        messages = [e for e in one if e["type"] in ("user.message", "assistant.message")]
        assert [e["type"] for e in messages] == ["user.message", "assistant.message"]
        seen = 2 * index + 1 + (1 if system else 0)
        assert f"messages={seen};" in messages[1]["data"]["content"]
        prompts.append(messages[0]["data"]["content"])
    return prompts


# -- resume across processes ----------------------------------------------------


def test_resume_in_a_new_process_sends_exactly_the_same_history(
    server: MockModelServer, make_client: Factory, tmp_path: Path
) -> None:
    db = str(tmp_path / "s.db")
    fields: Dict[str, Any] = {
        "model": "gpt-5",
        "system_message": "You are terse.",
        "streaming": True,
        "temperature": 0.25,
        "max_output_tokens": 300,
    }
    prompts = ["How do I make a venv?", "And activate it?", "What did I ask first?"]
    first = run_worker(
        {"db": db, "url": server.openai_base_url,
         "create": [dict(fields, session_id="rt")], "steps": [["rt", p] for p in prompts[:2]]}
    )
    second = run_worker({"db": db, "url": server.openai_base_url, "steps": [["rt", prompts[2]]]})
    assert len(first) == 2 and len(second) == 1
    resumed = server.chat_requests[2].body

    control = make_client(store=":memory:").create_session(session_id="control", **fields)
    replies = [control.send(p).data.content for p in prompts]
    never_stopped = server.chat_requests[5].body

    assert resumed == never_stopped  # messages, model, stream, parameters: all of it
    assert [m["role"] for m in resumed["messages"]] == [
        "system", "user", "assistant", "user", "assistant", "user",
    ]
    assert resumed["stream"] is True and resumed["temperature"] == 0.25
    validate_request(resumed)
    assert [r["reply"] for r in first + second] == replies

    reopened = make_client(store=db).resume_session("rt")
    assert reopened.config.system_message == "You are terse." and reopened.config.streaming
    assert [e.data.content for e in reopened.get_messages() if e.type == "user.message"] == prompts
    assert check_conversation(stored_logs(Path(db))["rt"], system=True) == prompts


def test_resume_overrides_and_catch_up_between_clients(
    server: MockModelServer, make_client: Factory, tmp_path: Path
) -> None:
    db = str(tmp_path / "s.db")
    one = make_client(store=db).create_session(session_id="s", model="gpt-5")
    one.send("one")
    two = make_client(store=db).resume_session("s", model="gpt-4o")
    assert two.config.model == "gpt-4o"
    two.send("two")
    body = server.chat_requests[-1].body
    assert body["model"] == "gpt-4o"
    assert [m["content"] for m in body["messages"] if m["role"] == "user"] == ["one", "two"]
    one.send("three")  # the first client picks up the turn the second one added
    body = server.chat_requests[-1].body
    assert [m["content"] for m in body["messages"] if m["role"] == "user"] == ["one", "two", "three"]
    assert len(one.get_messages()) == len(two.get_messages()) + 5


# -- concurrent writers ---------------------------------------------------------


def test_concurrent_writers_from_threads(make_client: Factory, tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    creator = make_client(store=db)
    for i in range(4):
        creator.create_session(session_id=f"s{i}", model="gpt-5")
    clients = [make_client(store=db) for _ in range(8)]
    errors: List[BaseException] = []

    def work(i: int) -> None:
        try:
            session = clients[i].resume_session(f"s{i % 4}")
            for k in range(10):
                session.send(f"w{i} turn {k}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(JOIN)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    logs = stored_logs(Path(db))
    for i in range(4):
        prompts = check_conversation(logs[f"s{i}"])
        assert len(prompts) == 20
        for writer in (i, i + 4):
            assert [p for p in prompts if p.startswith(f"w{writer} ")] == [
                f"w{writer} turn {k}" for k in range(10)
            ]


def test_concurrent_writers_from_processes(make_client: Factory, tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    creator = make_client(store=db)
    for name in ("shared", "own-0", "own-1", "own-2"):
        creator.create_session(session_id=name, model="gpt-5")
    with MockModelServer(latency=0.05) as server:  # long enough for the workers to overlap
        _run_three_workers(server, db)


def _run_three_workers(server: MockModelServer, db: str) -> None:
    procs = []
    for p in range(3):
        steps = []
        for k in range(5):
            steps += [["shared", f"p{p} shared {k}"], [f"own-{p}", f"p{p} own {k}"]]
        spec = {"db": db, "url": server.openai_base_url, "steps": steps}
        procs.append(
            subprocess.Popen(
                worker_command(spec),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=worker_env(),
            )
        )
    try:
        outputs = [proc.communicate(timeout=JOIN) for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:  # pragma: no cover - a hung worker
                proc.kill()
                proc.wait(10)
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert len(out.splitlines()) == 10
    logs = stored_logs(Path(db))
    shared = check_conversation(logs["shared"])
    assert len(shared) == 15
    for p in range(3):
        assert [x for x in shared if x.startswith(f"p{p} ")] == [f"p{p} shared {k}" for k in range(5)]
        assert check_conversation(logs[f"own-{p}"]) == [f"p{p} own {k}" for k in range(5)]
    assert len(server.chat_requests) == 30


# -- a writer killed mid-load ---------------------------------------------------


@pytest.mark.parametrize("moment", ["waiting-for-the-model", "anywhere"])
def test_sigkill_of_a_writer_leaves_only_complete_turns(tmp_path: Path, moment: str) -> None:
    """Killed while a turn waits for the model (so it holds the session's lease,
    which must expire), or at an arbitrary moment of a tight loop (mid-commit
    included, by chance)."""
    db = tmp_path / "s.db"
    in_flight = moment == "waiting-for-the-model"
    with MockModelServer(latency=0.03 if in_flight else 0.0) as slow:
        spec = {
            "db": str(db),
            "url": slow.openai_base_url,
            "lease_ttl": 1.0,
            "create": [{"session_id": "k1", "model": "m"}, {"session_id": "k2", "model": "m"}],
            "loop": ["k1", "k2"],
        }
        proc = subprocess.Popen(
            worker_command(spec),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=worker_env(),
        )
        lines: queue.Queue[Optional[str]] = queue.Queue()

        def pump() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                lines.put(line)
            lines.put(None)

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        committed: List[Dict[str, str]] = []
        try:
            while len(committed) < 7:
                line = lines.get(timeout=JOIN)
                assert line is not None, "the worker ended early"
                committed.append(json.loads(line))
            if in_flight:  # the next turn's request arrived: its lease is held
                assert slow.wait_for_requests(len(committed) + 1, JOIN)
            else:
                time.sleep(random.uniform(0.0, 0.05))
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(JOIN)
            reader.join(JOIN)
            assert proc.stdout is not None
            proc.stdout.close()
        assert proc.returncode == -signal.SIGKILL

        conn = sqlite3.connect(str(db), timeout=30)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        finally:
            conn.close()
        conn = sqlite3.connect(str(db), timeout=30)
        try:
            leases = conn.execute("SELECT session_id, owner, expires_at FROM leases").fetchall()
        finally:
            conn.close()
        target = "k1"
        if in_flight:  # the dead worker's lease is left behind
            assert len(leases) == 1 and f":{proc.pid}:" in leases[0][1]
            target, expires_at = leases[0][0], leases[0][2]
        logs = stored_logs(db)
        replies = {name: [] for name in ("k1", "k2")}  # type: Dict[str, List[str]]
        for name in replies:
            check_conversation(logs[name])  # complete turns only, alternating
            replies[name] = [
                e["data"]["content"] for e in logs[name] if e["type"] == "assistant.message"
            ]
        for turn in committed:  # every turn the worker saw committed is stored
            assert turn["reply"] in replies[turn["session"]]

        # The dead worker's lease (TTL 1 s) expires: a new process resumes and sends.
        before = len(complete_turns(logs[target]))
        out = run_worker(
            {"db": str(db), "url": slow.openai_base_url, "lease_ttl": 1.0,
             "steps": [[target, "after the crash"]]}
        )
        assert len(out) == 1
        if in_flight:  # it had to wait for the expiry
            assert time.time() >= expires_at
        prompts = check_conversation(stored_logs(db)[target])
        assert len(prompts) == before + 1 and prompts[-1] == "after the crash"


# -- files that cannot be used --------------------------------------------------


def test_default_store_is_sqlite_under_the_sdk_home(make_client: Factory, tmp_path: Path) -> None:
    home = Path(os.environ["COPILOT_SDK_HOME"])
    assert not home.exists()
    client = make_client(store=None)
    client.create_session(session_id="x", model="m").send("hello")
    db = home / "sessions.db"
    assert stat.S_IMODE(os.stat(home).st_mode) == 0o700
    for name in ("sessions.db", "sessions.db-wal", "sessions.db-shm"):
        assert stat.S_IMODE(os.stat(home / name).st_mode) == 0o600, name
    assert [m.session_id for m in client.list_sessions()] == ["x"]
    assert "x" in stored_logs(db)


def test_corrupt_database_is_a_configuration_error_and_untouched(
    server: MockModelServer, tmp_path: Path
) -> None:
    db = tmp_path / "s.db"
    garbage = os.urandom(10000)
    db.write_bytes(garbage)
    client = CopilotClient(
        provider=ProviderConfig(type="openai", base_url=server.openai_base_url, api_key="k"),
        store=str(db),
    )
    with pytest.raises(ConfigurationError) as info:
        client.start()
    assert str(db) in str(info.value)
    assert db.read_bytes() == garbage
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("s.db")) == ["s.db"]


def test_unusable_home_is_a_configuration_error(
    server: MockModelServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")  # fails for root too, unlike chmod
    provider = ProviderConfig(type="openai", base_url=server.openai_base_url, api_key="k")
    with pytest.raises(ConfigurationError) as info:
        CopilotClient(provider=provider, base_directory=blocker / "home").start()
    assert str(blocker) in str(info.value)
    monkeypatch.setenv("COPILOT_SDK_HOME", str(blocker))
    with pytest.raises(ConfigurationError) as info:
        CopilotClient(provider=provider).start()
    assert str(blocker) in str(info.value)
    assert blocker.read_text() == "not a directory"


# -- lifecycle --------------------------------------------------------------------


def test_delete_while_sending(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with MockModelServer(latency=5.0) as slow:
        client = CopilotClient(
            provider=ProviderConfig(type="openai", base_url=slow.openai_base_url, api_key="k"),
            store=str(db),
            retry_initial_delay=0.01,
        ).start()
        try:
            slow.enqueue(MockReply(content="quick", latency=0.0))
            session = client.create_session(session_id="doomed", model="m")
            assert session.send("first").data.content == "quick"
            future = session.send_async("a slow one")
            assert slow.wait_for_requests(2, JOIN)
            began = time.monotonic()
            deleter = threading.Thread(target=client.delete_session, args=("doomed",))
            deleter.start()
            deleter.join(JOIN)
            assert not deleter.is_alive()
            with pytest.raises((AbortedError, SessionClosedError)):
                future.result(JOIN)
            assert time.monotonic() - began < 4.0  # aborted, not waited out
            assert not client.store.exists("doomed")
            assert client.list_sessions() == []
            with pytest.raises(SessionClosedError):
                session.send("again")
            with pytest.raises(SessionNotFoundError):
                client.resume_session("doomed")
        finally:
            client.stop(force=True)
    conn = sqlite3.connect(str(db))
    try:
        for table in ("sessions", "events", "leases"):
            assert conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0, table
    finally:
        conn.close()


def test_deleted_by_another_client_then_send(make_client: Factory, tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    session = make_client(store=db).create_session(session_id="s", model="m")
    session.send("one")
    before = session.get_messages()
    make_client(store=db).delete_session("s")
    with pytest.raises(SessionNotFoundError):
        session.send("two")
    assert session.get_messages() == before


def test_listing_summaries_last_id_and_conflicts(make_client: Factory, tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    client = make_client(store=db)
    a = client.create_session(session_id="a", model="gpt-5")
    a.send("  First   prompt\nof a  ")
    client.create_session(session_id="b", model="gpt-4o").send("x" * 300)
    client.create_session(session_id="c")
    assert [m.session_id for m in client.list_sessions()] == ["c", "b", "a"]
    a.send("more")
    listed = client.list_sessions()
    assert [m.session_id for m in listed] == ["a", "c", "b"]
    assert client.get_last_session_id() == "a"
    by_id = {m.session_id: m for m in listed}
    assert by_id["a"].summary == "First prompt of a" and by_id["a"].model == "gpt-5"
    summary_b = by_id["b"].summary
    assert summary_b is not None and summary_b.startswith("xxx") and len(summary_b) <= 100
    assert by_id["c"].summary is None
    assert by_id["a"].start_time < by_id["b"].start_time < by_id["a"].modified_time

    other = make_client(store=db)
    assert other.list_sessions() == listed
    with pytest.raises(SessionExistsError):
        other.create_session(session_id="a")
    with pytest.raises(SessionNotFoundError):
        other.delete_session("unknown")
    other.delete_session("b")
    assert [m.session_id for m in client.list_sessions()] == ["a", "c"]


def test_no_secret_reaches_the_database(server: MockModelServer, tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    client = CopilotClient(
        provider=ProviderConfig(
            type="openai", base_url=server.openai_base_url, api_key="sk-secret-client-123"
        ),
        github_token="gho_secret_client_456",
        store=str(db),
    ).start()
    secrets = [b"sk-secret-client-123", b"gho_secret_client_456", b"sk-secret-session-789",
               b"gho_secret_session_000", b"hdr-secret-111"]

    def files() -> bytes:
        return b"".join(p.read_bytes() for p in sorted(tmp_path.iterdir()) if p.is_file())

    try:
        session = client.create_session(
            session_id="s",
            model="gpt-5",
            github_token="gho_secret_session_000",
            provider=ProviderConfig(
                type="openai",
                base_url=server.openai_base_url,
                api_key="sk-secret-session-789",
                headers={"X-Extra": "hdr-secret-111"},
            ),
        )
        session.send("hello")
        assert server.chat_requests[-1].get_header("Authorization") == "Bearer sk-secret-session-789"
        assert Path(f"{db}-wal").stat().st_size > 0
        content = files()
        assert b"hello" in content  # the log is there...
        for secret in secrets:  # ...the credentials are not
            assert secret not in content, secret
    finally:
        client.stop()
    content = files()
    for secret in secrets:
        assert secret not in content, secret
