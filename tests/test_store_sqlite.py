"""SQLiteStore on its own: files and modes, schema, the append-only log, refusing bad
files untouched, turn leases across stores (as across processes), thread safety.

The tests open the database with ``sqlite3`` directly only to look at it (or to
play a crashed process's lease row); nothing in the store is patched.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator, List

import pytest

from copilot_sdk import (
    AbortedError,
    ConfigurationError,
    CopilotClient,
    ProviderConfig,
    SessionExistsError,
    SessionNotFoundError,
    StoreError,
)
from copilot_sdk._transport.cancel import CancelToken
from copilot_sdk.events import (
    AssistantMessageData,
    AssistantTurnEndData,
    AssistantTurnStartData,
    SessionEvent,
    ToolExecutionCompleteData,
    ToolRequest,
    UserMessageData,
    new_event,
)
from copilot_sdk.store import MemoryStore, SessionRecord, SessionStore, open_store
from copilot_sdk.store._sqlite_schema import MIGRATIONS, SCHEMA_VERSION
from copilot_sdk.store.sqlite import SQLiteStore

JOIN = 30.0


def record(session_id: str, **fields: object) -> SessionRecord:
    now = _dt.datetime.now(_dt.timezone.utc)
    return SessionRecord(
        session_id=session_id,
        start_time=now,
        modified_time=now,
        model=str(fields.get("model", "gpt-5")),
        config={"model": fields.get("model", "gpt-5"), "system_message": "hi"},
    )


def turn(prompt: str, answer: str = "ok") -> List[SessionEvent]:
    user = new_event("user.message", UserMessageData(content=prompt))
    start = new_event("assistant.turn_start", AssistantTurnStartData(turn_id="t"), user.id)
    reply = new_event(
        "assistant.message",
        AssistantMessageData(content=answer, message_id="m", model="gpt-5"),
        start.id,
    )
    end = new_event("assistant.turn_end", AssistantTurnEndData(turn_id="t"), start.id)
    return [user, start, reply, end]


def raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(str(path), timeout=30)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "store" / "sessions.db"


@pytest.fixture
def store(db: Path) -> Iterator[SQLiteStore]:
    s = SQLiteStore(db)
    yield s
    s.close()


# -- files, modes, schema -------------------------------------------------------


def test_creates_directory_0700_and_files_0600_in_wal_mode(db: Path) -> None:
    s = SQLiteStore(db)
    try:
        s.create(record("a"))
        assert stat.S_IMODE(os.stat(db.parent).st_mode) == 0o700
        for name in ("sessions.db", "sessions.db-wal", "sessions.db-shm"):
            assert stat.S_IMODE(os.stat(db.parent / name).st_mode) == 0o600, name
        with raw(db) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert {"sessions", "events", "leases", "sessions_by_modified_time"} <= tables
        assert SCHEMA_VERSION == len(MIGRATIONS) >= 1
    finally:
        s.close()


def test_existing_directory_mode_is_left_alone(tmp_path: Path) -> None:
    os.chmod(tmp_path, 0o755)
    s = SQLiteStore(tmp_path / "x.db")
    s.close()
    assert stat.S_IMODE(os.stat(tmp_path).st_mode) == 0o755
    assert stat.S_IMODE(os.stat(tmp_path / "x.db").st_mode) == 0o600


def test_reopening_keeps_data_and_an_empty_file_is_initialised(db: Path) -> None:
    db.parent.mkdir()
    db.touch()  # an empty file is a new database, not a foreign one
    s = SQLiteStore(db)
    s.create(record("a"))
    s.append("a", turn("hello"))
    s.close()
    again = SQLiteStore(db)
    try:
        rec, log = again.load("a")
        assert rec.summary == "hello" and [e.type for e in log][0] == "user.message"
    finally:
        again.close()


@pytest.mark.parametrize(
    "content",
    [
        os.urandom(4096),
        b"SQLite format 3\x00" + os.urandom(8192),  # the right header, garbage pages
        b"not a database at all\n",
    ],
    ids=["random", "bad-pages", "text"],
)
def test_corrupt_file_is_refused_untouched(db: Path, content: bytes) -> None:
    db.parent.mkdir()
    db.write_bytes(content)
    with pytest.raises(ConfigurationError) as info:
        SQLiteStore(db)
    assert str(db) in str(info.value)
    assert db.read_bytes() == content
    assert not Path(f"{db}-wal").exists()


def test_foreign_sqlite_database_is_refused_untouched(db: Path) -> None:
    db.parent.mkdir()
    with raw(db) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
        conn.execute("INSERT INTO notes VALUES ('mine')")
    conn.close()
    before = db.read_bytes()
    with pytest.raises(ConfigurationError, match="not a copilot_sdk session store") as info:
        SQLiteStore(db)
    assert str(db) in str(info.value)
    assert db.read_bytes() == before


def test_newer_schema_version_is_refused(db: Path) -> None:
    SQLiteStore(db).close()
    with raw(db) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(ConfigurationError, match="newer"):
        SQLiteStore(db)


def test_parent_that_is_a_file_is_a_configuration_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the SDK home should be")
    for path in (blocker / "sessions.db", blocker / "deeper" / "sessions.db"):
        with pytest.raises(ConfigurationError) as info:
            SQLiteStore(path)
        assert str(blocker) in str(info.value)
    assert blocker.read_text() == "a file where the SDK home should be"


def test_unreadable_database_path_is_a_configuration_error(tmp_path: Path) -> None:
    db = tmp_path / "sessions.db"
    db.mkdir()  # unreadable as a file, for root too
    with pytest.raises(ConfigurationError, match="cannot read the session database") as info:
        SQLiteStore(db)
    assert str(db) in str(info.value)
    assert list(db.iterdir()) == []


def test_open_store_default_path_and_memory(tmp_path: Path) -> None:
    store, owned = open_store(None, tmp_path / "home")
    try:
        assert owned and isinstance(store, SQLiteStore)
        assert store.path == tmp_path / "home" / "sessions.db"
    finally:
        store.close()
    memory, owned = open_store(":memory:", tmp_path)
    assert owned and isinstance(memory, MemoryStore)
    mine = MemoryStore()
    assert open_store(mine, tmp_path) == (mine, False)
    with pytest.raises(ConfigurationError):
        open_store(str(tmp_path / "home" / "sessions.db" / "x.db"), tmp_path)


def test_bad_arguments(db: Path) -> None:
    for name in ("lease_ttl", "lease_wait", "busy_timeout"):
        with pytest.raises(ValueError, match=name):
            SQLiteStore(db, **{name: 0})


# -- the log --------------------------------------------------------------------


def test_log_round_trip_is_lossless_and_seq_continues(store: SQLiteStore, db: Path) -> None:
    store.create(record("a"))
    first = turn("What is 2+2?", "4")
    tool_reply = new_event(
        "assistant.message",
        AssistantMessageData(
            content="",
            message_id="m2",
            tool_requests=(ToolRequest(tool_call_id="c1", name="calc", arguments={"x": [1, 2]}),),
        ),
    )
    tool_done = new_event(
        "tool.execution_complete",
        ToolExecutionCompleteData(tool_call_id="c1", success=True, result="3", tool_name="calc"),
    )
    second = [*turn("ünïcode ✓ and \"quotes\"", "fine")[:2], tool_reply, tool_done, *turn("x")[2:]]
    assert store.append("a", first) == 4
    assert store.append("a", second) == 10
    rec, log = store.load("a")
    assert log == first + second
    assert store.events_since("a", 4) == second
    assert store.events_since("a", 10) == []
    assert rec.summary == "What is 2+2?" and rec.model == "gpt-5"
    assert rec.config == {"model": "gpt-5", "system_message": "hi"}
    with raw(db) as conn:
        seqs = [r[0] for r in conn.execute("SELECT seq FROM events WHERE session_id='a' ORDER BY seq")]
    conn.close()
    assert seqs == list(range(10))


def test_append_never_rewrites_stored_rows(store: SQLiteStore, db: Path) -> None:
    store.create(record("a"))
    store.append("a", turn("one"))
    with raw(db) as conn:  # any UPDATE or DELETE of a stored event now fails loudly
        conn.execute(
            "CREATE TRIGGER no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'rewrite'); END"
        )
        conn.execute(
            "CREATE TRIGGER no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'rewrite'); END"
        )
    conn.close()
    for i in range(5):
        store.append("a", turn(f"more {i}"))
    assert len(store.load("a")[1]) == 24


def test_missing_sessions_and_duplicates(store: SQLiteStore) -> None:
    store.create(record("a"))
    with pytest.raises(SessionExistsError):
        store.create(record("a"))
    for call in (
        lambda: store.load("nope"),
        lambda: store.events_since("nope", 0),
        lambda: store.append("nope", turn("x")),
    ):
        with pytest.raises(SessionNotFoundError):
            call()
    assert store.exists("a") and not store.exists("nope")
    assert store.delete("nope") is False


def test_list_newest_first_summary_trimmed_and_last_id(store: SQLiteStore) -> None:
    assert store.list() == [] and store.last_session_id() is None
    for name in ("a", "b", "c"):
        store.create(record(name))
    long_prompt = "  word " * 40
    store.append("a", turn(long_prompt))  # "a" is now the newest
    listed = store.list()
    assert [m.session_id for m in listed] == ["a", "c", "b"]
    assert store.last_session_id() == "a"
    summary = listed[0].summary
    assert summary is not None and len(summary) <= 100 and summary.startswith("word word")
    assert listed[1].summary is None
    assert all(m.modified_time.tzinfo is not None for m in listed)
    assert listed[0].modified_time > listed[1].modified_time > listed[2].modified_time
    store.append("a", turn("later prompt"))
    assert store.list()[0].summary == summary  # the first prompt stays the summary


def test_delete_removes_every_trace(store: SQLiteStore, db: Path) -> None:
    store.create(record("a"))
    store.create(record("b"))
    store.append("a", turn("secret plans"))
    with store.turn_lock("a"):
        assert store.delete("a") is True
    with raw(db) as conn:
        for table, column in (("sessions", "id"), ("events", "session_id"), ("leases", "session_id")):
            count = conn.execute(f"SELECT COUNT(*) FROM {table} WHERE {column} = 'a'").fetchone()[0]
            assert count == 0, table
        assert conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 1
    conn.close()
    store.create(record("a"))  # the id is free again, with an empty log
    assert store.load("a")[1] == []


def test_secret_config_keys_are_never_stored(store: SQLiteStore, db: Path) -> None:
    now = _dt.datetime.now(_dt.timezone.utc)
    store.create(
        SessionRecord(
            session_id="a",
            start_time=now,
            modified_time=now,
            config={"model": "m", "provider": {"type": "openai", "api_key": "sk-nope"}},
        )
    )
    assert store.load("a")[0].config == {"model": "m", "provider": {"type": "openai"}}
    store.close()
    assert b"sk-nope" not in b"".join(p.read_bytes() for p in db.parent.iterdir())


def test_closed_store_raises_copilot_error(db: Path) -> None:
    s = SQLiteStore(db)
    s.close()
    s.close()
    with pytest.raises(StoreError, match="closed"):
        s.list()


def test_memory_and_sqlite_stores_behave_alike(db: Path) -> None:
    stores: List[SessionStore] = [MemoryStore(), SQLiteStore(db)]
    results = []
    for s in stores:
        s.create(record("x"))
        s.create(record("y"))
        events = turn("hello")
        n = s.append("x", events)
        results.append(
            (n, s.load("x")[1] == events, s.events_since("x", 2) == events[2:],
             [m.session_id for m in s.list()], s.last_session_id(), s.delete("y"), s.exists("y"))
        )
        s.close()
    assert results[0] == results[1]


# -- turn leases ----------------------------------------------------------------


def test_turn_lock_excludes_other_stores_until_released(db: Path) -> None:
    a, b = SQLiteStore(db), SQLiteStore(db, lease_wait=0.3)
    try:
        a.create(record("s"))
        with a.turn_lock("s"):
            with pytest.raises(StoreError, match="busy in another process"):
                with b.turn_lock("s"):
                    pass
        with b.turn_lock("s"):  # released: free again at once
            pass
        acquired, release = threading.Event(), threading.Event()
        waited: List[float] = []

        def hold() -> None:
            with a.turn_lock("s"):
                acquired.set()
                release.wait(JOIN)

        def waiter() -> None:
            began = time.monotonic()
            with c.turn_lock("s"):
                waited.append(time.monotonic() - began)

        c = SQLiteStore(db)
        holder = threading.Thread(target=hold)
        holder.start()
        assert acquired.wait(JOIN)
        t = threading.Thread(target=waiter)
        t.start()
        time.sleep(0.3)
        assert waited == []  # still waiting for the holder
        release.set()
        holder.join(JOIN)
        t.join(JOIN)
        c.close()
        assert not holder.is_alive() and not t.is_alive()
        assert len(waited) == 1 and waited[0] >= 0.25
    finally:
        a.close()
        b.close()


def test_lease_is_renewed_while_held(db: Path) -> None:
    a, b = SQLiteStore(db, lease_ttl=1.5), SQLiteStore(db, lease_wait=0.1)
    try:
        a.create(record("s"))
        with a.turn_lock("s"):
            for _ in range(5):  # 5 x 0.6 s: twice the TTL, renewed by the heartbeat
                time.sleep(0.6)
                with pytest.raises(StoreError, match="busy"):
                    with b.turn_lock("s"):
                        pass
    finally:
        a.close()
        b.close()


@pytest.mark.parametrize(
    ("ttl", "burst", "pause", "writers"),
    [(1.5, 0.6, 0.1, 4), (1.0, 0.3, 0.0, 8)],
    ids=["four-writers", "eight-writers-no-pause"],
)
def test_lease_stays_renewed_while_another_connection_takes_the_write_lock_in_bursts(
    db: Path, ttl: float, burst: float, pause: float, writers: int
) -> None:
    """A lease held by this process stays renewed while another connection takes
    SQLite's write lock in bursts (shorter than ``lease_ttl`` minus the heartbeat's
    interval) and threads of this process keep writing through the store. Renewal
    is a write: during a burst nobody can renew; after it, the first write of this
    process that gets in renews the leases that are due, so the heartbeat losing
    the race for the store's lock to eight busy writers does not matter."""
    store = SQLiteStore(db, lease_ttl=ttl)
    other = sqlite3.connect(str(db), isolation_level=None, timeout=JOIN, check_same_thread=False)
    look = raw(db)
    stop, written, bursts = threading.Event(), [0] * writers, [0]
    errors: List[BaseException] = []

    def write(index: int) -> None:
        try:
            while not stop.is_set():
                store.create(record(f"w{index}-{written[index]}"))
                written[index] += 1
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def take_the_write_lock_in_bursts() -> None:
        try:
            while not stop.is_set():
                other.execute("BEGIN IMMEDIATE")
                time.sleep(burst)
                other.execute("COMMIT")
                bursts[0] += 1
                seen, began = other.execute("PRAGMA data_version").fetchone()[0], time.monotonic()
                while other.execute("PRAGMA data_version").fetchone()[0] == seen:
                    if time.monotonic() - began > 2 * ttl:  # pragma: no cover
                        raise AssertionError("this process wrote nothing between two bursts")
                    time.sleep(0.001)
                time.sleep(pause)  # this process has written: the lock is free a moment
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    try:
        store.create(record("s"))
        with store.turn_lock("s"):
            threads = [threading.Thread(target=take_the_write_lock_in_bursts)]
            threads += [threading.Thread(target=write, args=(i,)) for i in range(writers)]
            for t in threads:
                t.start()
            margins = []
            began = time.monotonic()
            while time.monotonic() - began < 3.0:  # twice the TTL: four or five bursts
                (expires_at,) = look.execute("SELECT expires_at FROM leases").fetchone()
                margins.append(expires_at - time.time())
                time.sleep(0.02)
            stop.set()
            for t in threads:
                t.join(JOIN)
            assert not any(t.is_alive() for t in threads) and errors == []
        assert bursts[0] >= 3 and all(n > 0 for n in written), (bursts, written)
        assert min(margins) > 0, f"the lease lapsed: {min(margins):+.2f} s"
    finally:
        stop.set()
        look.close()
        other.close()
        store.close()


def test_crashed_holders_lease_expires(store: SQLiteStore, db: Path) -> None:
    store.create(record("s"))
    with raw(db) as conn:  # what a SIGKILLed process leaves behind
        conn.execute(
            "INSERT INTO leases (session_id, owner, expires_at) VALUES ('s', 'host:1:dead', ?)",
            (time.time() + 0.5,),
        )
    conn.close()
    began = time.monotonic()
    with store.turn_lock("s"):
        waited = time.monotonic() - began
    assert 0.3 <= waited < 5.0


def test_append_refuses_after_the_lease_was_taken_over(store: SQLiteStore, db: Path) -> None:
    store.create(record("s"))
    with store.turn_lock("s"):
        with raw(db) as conn:  # another process took the lease over (we stalled)
            conn.execute("UPDATE leases SET owner = 'host:2:other' WHERE session_id = 's'")
        conn.close()
        with pytest.raises(StoreError, match="took over"):
            store.append("s", turn("late"))
    assert store.load("s")[1] == []
    store.append("s", turn("outside a turn lock"))  # plain appends need no lease


def test_turn_lock_of_unknown_session(store: SQLiteStore) -> None:
    with pytest.raises(SessionNotFoundError):
        with store.turn_lock("nope"):
            pass


def test_one_store_shared_by_many_threads(store: SQLiteStore) -> None:
    sessions = [f"s{i}" for i in range(4)]
    for name in sessions:
        store.create(record(name))
    errors: List[BaseException] = []

    def work(index: int) -> None:
        name = sessions[index % 4]
        try:
            for k in range(25):
                with store.turn_lock(name):
                    store.events_since(name, 0)
                    store.append(name, turn(f"{index}-{k}"))
                store.list()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(JOIN)
    assert not any(t.is_alive() for t in threads) and errors == []
    for index, name in enumerate(sessions):
        log = store.load(name)[1]
        assert len(log) == 2 * 25 * 4
        prompts = [e.data.content for e in log if e.type == "user.message"]
        for writer in (index, index + 4):
            mine = [p for p in prompts if p.startswith(f"{writer}-")]
            assert mine == [f"{writer}-{k}" for k in range(25)]


def test_waiting_for_a_lease_can_be_given_up(db: Path) -> None:
    a, b = SQLiteStore(db), SQLiteStore(db)
    token = CancelToken()  # what a turn hands down, so an abort ends the wait
    outcome: List[BaseException] = []

    def wait_then_fail() -> None:
        try:
            with b.turn_lock("s", token.wait):
                pass  # pragma: no cover - must not get here
        except BaseException as exc:
            outcome.append(exc)

    try:
        a.create(record("s"))
        with a.turn_lock("s"):
            t = threading.Thread(target=wait_then_fail)
            t.start()
            time.sleep(0.2)
            assert outcome == []
            began = time.monotonic()
            token.cancel("aborted")
            t.join(JOIN)
            assert not t.is_alive() and time.monotonic() - began < 1.0
        assert len(outcome) == 1 and isinstance(outcome[0], AbortedError)
        with b.turn_lock("s", CancelToken().wait):  # free: no wait at all
            pass
    finally:
        a.close()
        b.close()


def test_many_processes_opening_a_new_database_at_once(db: Path) -> None:
    code = (
        "import sys, datetime as d\n"
        "from copilot_sdk.store import SessionRecord\n"
        "from copilot_sdk.store.sqlite import SQLiteStore\n"
        "s = SQLiteStore(sys.argv[1])\n"
        "now = d.datetime.now(d.timezone.utc)\n"
        "s.create(SessionRecord(session_id=sys.argv[2], start_time=now, modified_time=now))\n"
        "s.close()\n"
    )
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(db), f"p{i}"], env=env,
                         stderr=subprocess.PIPE, text=True)
        for i in range(6)
    ]
    errors = [p.communicate(timeout=JOIN)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 6, errors
    s = SQLiteStore(db)
    try:
        assert sorted(m.session_id for m in s.list()) == [f"p{i}" for i in range(6)]
    finally:
        s.close()


@pytest.mark.parametrize(
    ("column", "value", "field"),
    [
        ("start_time", "yesterday", "start_time"),
        ("modified_time", "3.5e", "modified_time"),
        ("modified_time", 2**62, "modified_time"),
        ("config", "[1, 2]", "config"),
        ("config", "{not json", "config"),
        ("summary", b"\x00bytes", "summary"),
    ],
)
def test_a_damaged_session_row_is_a_configuration_error_naming_session_and_field(
    store: SQLiteStore, db: Path, column: str, value: object, field: str
) -> None:
    store.create(record("damaged"))
    store.append("damaged", turn("hello"))
    with raw(db) as conn:
        conn.execute(f"UPDATE sessions SET {column} = ? WHERE id = 'damaged'", (value,))
    with pytest.raises(ConfigurationError, match=f"'damaged'.*{field}"):
        store.load("damaged")
    if column.endswith("_time"):
        with pytest.raises(ConfigurationError, match=f"'damaged'.*{field}"):
            store.list()


def test_a_damaged_event_row_is_a_configuration_error_naming_the_session(
    store: SQLiteStore, db: Path
) -> None:
    store.create(record("damaged"))
    store.append("damaged", turn("hello"))
    with raw(db) as conn:
        conn.execute(
            "UPDATE events SET payload = ? WHERE session_id = 'damaged' AND seq = 0",
            ('{"type": "user.message", "id": "x", "timestamp": 1, "data": {"bogus": 1}}',),
        )
    with pytest.raises(ConfigurationError, match="'damaged'"):
        store.load("damaged")


@pytest.mark.parametrize(
    ("provider", "field"),
    [({"type": "openai", "base_url": "http://127.0.0.1/v1", "bogus_key": 1}, "bogus_key"),
     ({"type": "nonsense"}, "type"), ("a string", "provider")],
)
def test_a_damaged_stored_config_is_a_configuration_error_on_resume(
    db: Path, provider: object, field: str
) -> None:
    provider_config = ProviderConfig(type="openai", base_url="http://127.0.0.1:9/v1")
    with CopilotClient(store=db, provider=provider_config) as c:
        c.create_session(model="gpt-5", session_id="damaged-config").destroy()
    with raw(db) as conn:
        conn.execute(
            "UPDATE sessions SET config = ? WHERE id = 'damaged-config'",
            (json.dumps({"model": "gpt-5", "provider": provider}),),
        )
    with CopilotClient(store=db, provider=provider_config) as c:
        with pytest.raises(ConfigurationError, match=f"'damaged-config'.*{field}"):
            c.resume_session("damaged-config")


def test_a_stale_turn_of_this_process_cannot_commit_with_the_lease_another_turn_took(
    store: SQLiteStore, db: Path
) -> None:
    """The lease belongs to the turn (thread) that took it, not to the session: a
    turn whose lease expired and was taken by another turn of the same process
    neither commits nor gives the other turn's lease up."""
    store.create(record("s"))
    stale_holds, stale_commits, outcome = threading.Event(), threading.Event(), []

    def stale_turn() -> None:
        with store.turn_lock("s"):
            stale_holds.set()
            stale_commits.wait(JOIN)
            try:
                store.append("s", turn("stale"))
                outcome.append("committed")
            except StoreError as exc:
                outcome.append(str(exc))

    thread = threading.Thread(target=stale_turn)
    thread.start()
    assert stale_holds.wait(JOIN)
    with raw(db) as conn:  # its heartbeat stalled: the lease ran out
        conn.execute("UPDATE leases SET expires_at = 0 WHERE session_id = 's'")
    conn.close()
    with store.turn_lock("s"):  # another turn of this process takes the session over
        stale_commits.set()
        thread.join(JOIN)
        assert not thread.is_alive()
        assert len(outcome) == 1 and "took over" in outcome[0]
        store.append("s", turn("current"))  # the current holder's lease is intact
    assert [e.data.content for e in store.load("s")[1] if e.type == "user.message"] == ["current"]
