"""The SessionStore protocol, the same for every store (memory, SQLite, PostgreSQL,
Redis, and a third-party store named by COPILOT_SDK_TEST_STORE).

Each test gets a fresh namespace on a real server (see conftest); nothing is patched.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import List

import pytest

from copilot_sdk import AbortedError, SessionExistsError, SessionNotFoundError, StoreError
from copilot_sdk.events import SessionModelChangeData, event_to_dict, new_event

from ._backends import Backend
from ._helpers import JOIN, record, turn, turns_of


def test_round_trip_is_lossless_and_the_log_only_grows(backend: Backend) -> None:
    store = backend.make()
    store.create(record("s1", temperature=0.5))
    first, second = turn("héllo 🌍 first", "answer one"), turn("second", "answer two")
    assert store.append("s1", first) == 4
    assert store.append("s1", second) == 8
    assert store.append("s1", []) == 8
    loaded, log = store.load("s1")
    assert [event_to_dict(e) for e in log] == [event_to_dict(e) for e in first + second]
    assert loaded.session_id == "s1" and loaded.model == "gpt-5"
    assert loaded.config == {"model": "gpt-5", "system_message": "hi", "temperature": 0.5}
    assert loaded.summary == "héllo 🌍 first"
    assert [e.id for e in store.events_since("s1", 4)] == [e.id for e in second]
    assert store.events_since("s1", 8) == [] and store.events_since("s1", 100) == []
    # another store on the same backend sees it all (another worker, another host)
    other = backend.make()
    assert [e.id for e in other.load("s1")[1]] == [e.id for e in first + second]


def test_missing_sessions_and_duplicates(backend: Backend) -> None:
    store = backend.make()
    for call in (
        lambda: store.load("nope"),
        lambda: store.events_since("nope", 0),
        lambda: store.append("nope", turn("x")),
    ):
        with pytest.raises(SessionNotFoundError):
            call()
    store.create(record("dup"))
    with pytest.raises(SessionExistsError):
        backend.make().create(record("dup"))
    assert store.exists("dup") and not store.exists("nope")
    assert store.delete("nope") is False


def test_list_is_newest_first_with_summaries_and_last_id(backend: Backend) -> None:
    store = backend.make()
    assert store.list() == [] and store.last_session_id() is None
    for sid in ("a", "b", "c"):
        store.create(record(sid))
    store.append("a", turn("  many   words " + "x" * 200))
    store.append("b", turn("short"))
    listed = store.list()
    assert [m.session_id for m in listed] == ["b", "a", "c"]
    assert store.last_session_id() == "b"
    by_id = {m.session_id: m for m in listed}
    assert by_id["b"].summary == "short" and by_id["c"].summary is None
    assert by_id["a"].summary is not None and len(by_id["a"].summary) == 100
    assert by_id["a"].summary.startswith("many words x") and by_id["a"].summary.endswith("…")
    assert by_id["a"].modified_time > by_id["c"].modified_time
    store.append("a", turn("later"))  # the summary stays the first prompt's
    assert store.list()[0].session_id == "a" and store.list()[0].summary == by_id["a"].summary


def test_a_model_change_in_a_turn_becomes_the_sessions_model(backend: Backend) -> None:
    store = backend.make()
    store.create(record("m"))
    change = new_event("session.model_change", SessionModelChangeData(new_model="claude-sonnet-4.5"))
    store.append("m", [change, *turn("switched")])
    assert store.list()[0].model == "claude-sonnet-4.5"
    assert backend.make().load("m")[0].model == "claude-sonnet-4.5"
    store.append("m", turn("again"))  # a turn without a change keeps it
    assert store.list()[0].model == "claude-sonnet-4.5"
    assert store.load("m")[1][0].data == change.data


def test_delete_removes_every_trace(backend: Backend) -> None:
    store = backend.make()
    store.create(record("doomed-session-7f3a"))
    store.create(record("kept"))
    with store.turn_lock("doomed-session-7f3a"):
        store.append("doomed-session-7f3a", turn("bye"))
    with store.turn_lock("doomed-session-7f3a"):  # a lease held at delete time
        assert store.delete("doomed-session-7f3a") is True
    assert backend.traces("doomed-session-7f3a") in (0, None)
    assert not store.exists("doomed-session-7f3a")
    assert [m.session_id for m in store.list()] == ["kept"]
    with pytest.raises(SessionNotFoundError):
        store.load("doomed-session-7f3a")
    store.create(record("doomed-session-7f3a"))  # the id is free again, with an empty log
    assert store.load("doomed-session-7f3a")[1] == []


def test_secret_config_keys_never_reach_the_store(shared_backend: Backend) -> None:
    backend = shared_backend
    store = backend.make()
    store.create(record("s", api_key="sk-secret-1", headers={"Authorization": "Bearer sk-secret-2"},
                        nested={"token": "sk-secret-3", "fine": 1}))
    config = store.load("s")[0].config
    assert "api_key" not in config and "headers" not in config
    assert config["nested"] == {"fine": 1}
    dump = backend.dump()
    assert dump is None or ("sk-secret" not in dump and '"fine"' in dump)


def test_one_store_shared_by_many_threads(backend: Backend) -> None:
    store = backend.make()
    sessions = [f"s{i}" for i in range(4)]
    for sid in sessions:
        store.create(record(sid))
    errors: List[BaseException] = []

    def work(n: int) -> None:
        try:
            for k in range(10):
                sid = sessions[(n + k) % len(sessions)]
                with store.turn_lock(sid):
                    before = len(store.events_since(sid, 0))
                    assert store.append(sid, turn(f"t{n}-{k}")) == before + 4
                store.list()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(JOIN)
    assert not any(t.is_alive() for t in threads) and errors == []
    counts = Counter({sid: len(turns_of(store.load(sid)[1])) for sid in sessions})
    assert sum(counts.values()) == 80 and set(counts.values()) == {20}


def test_turn_lock_excludes_other_stores_until_released(backend: Backend) -> None:
    a, b = backend.make(lease_ttl=5.0), backend.make(lease_ttl=5.0)
    a.create(record("s"))
    got = threading.Event()
    order: List[str] = []

    def other() -> None:
        with b.turn_lock("s"):
            order.append("b")
            got.set()

    with a.turn_lock("s"):
        thread = threading.Thread(target=other)
        thread.start()
        assert not got.wait(0.3)  # b waits while a holds it
        order.append("a")
    assert got.wait(JOIN)
    thread.join(JOIN)
    assert order == ["a", "b"]


def test_waiting_for_a_lease_can_be_given_up(backend: Backend) -> None:
    a, b = backend.make(lease_ttl=5.0), backend.make(lease_ttl=5.0)
    a.create(record("s"))
    calls: List[float] = []

    def give_up(seconds: float) -> bool:
        calls.append(seconds)
        return len(calls) >= 3

    with a.turn_lock("s"):
        with pytest.raises(AbortedError):
            with b.turn_lock("s", give_up):
                pass
    assert len(calls) == 3
    with b.turn_lock("s"):  # nothing was left held
        pass


def test_turn_lock_of_an_unknown_session(shared_backend: Backend) -> None:
    store = shared_backend.make()
    with pytest.raises(SessionNotFoundError):
        with store.turn_lock("nope"):
            pass


def test_closed_store_raises_store_error(shared_backend: Backend) -> None:
    backend = shared_backend
    store = backend.make()
    store.create(record("s"))
    store.close()
    store.close()  # idempotent
    with pytest.raises(StoreError):
        store.load("s")
    assert backend.make().exists("s")  # the data stays
