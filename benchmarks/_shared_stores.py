"""The shared stores' part of ``bench_store.py``: SQLite, PostgreSQL and Redis side by
side, with processes sharing sessions.

- turns/s: 4 processes x 16 threads on 64 shared sessions, each thread sending to the
  sessions round-robin, the model (MockModelServer in its own process) at 0 ms latency;
- lease hand-off: two processes taking one session's turn lease in strict alternation,
  each holding it 20 ms; the time from one's release to the other's grant;
- appending a turn (5 events) to a log of ~10 vs ~10,000 events (medians, interleaved);
- resuming a 10,000-event session (``store.load`` + the history projection);
- ``list_sessions()`` (``store.list``) over 10,000 sessions.

PostgreSQL and Redis are found as the store tests find them (``COPILOT_SDK_TEST_*_URL``,
127.0.0.1:5432/6379, or private servers from binaries); each run uses its own schema /
key prefix and removes it. Worker processes run this file: ``_shared_stores.py JSON``.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the store tests' server finder

import harness  # noqa: E402

from copilot_sdk import CopilotClient, ProviderConfig  # noqa: E402
from copilot_sdk._engine.history import project_history  # noqa: E402
from copilot_sdk.store import SessionStore  # noqa: E402

Spec = Dict[str, Any]  # {"factory": "module:callable", "args": {...}}


def _bench() -> Any:
    import bench_store  # the turn and session helpers (imported late: it imports us)

    return bench_store


def make_store(spec: Spec, **options: Any) -> SessionStore:
    module, _, name = spec["factory"].partition(":")
    store: SessionStore = getattr(importlib.import_module(module), name)(**spec["args"], **options)
    return store


@contextlib.contextmanager
def stores(names: List[str], tmp: Path) -> Iterator[Dict[str, Tuple[Spec, str]]]:
    """name -> (spec, server version), each in a fresh namespace removed afterwards."""
    from tests.store import _servers

    tag = f"copilot_sdk_bench_{os.getpid()}"
    found: Dict[str, Tuple[Spec, str]] = {}
    with contextlib.ExitStack() as stack:
        if "sqlite" in names:
            found["sqlite"] = (
                {"factory": "copilot_sdk.store.sqlite:SQLiteStore", "args": {"path": str(tmp / "s.db")}},
                f"SQLite {sqlite3.sqlite_version}",
            )
        if "postgres" in names:
            import psycopg

            url, server = _servers.resolve_postgres(os.environ.get("COPILOT_SDK_TEST_POSTGRES_URL"))
            if server is not None:
                stack.callback(server.remove)
            with psycopg.connect(url) as conn:
                row = conn.execute("SHOW server_version").fetchone()

            def drop(url: str = url) -> None:
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute(f'DROP SCHEMA IF EXISTS "{tag}" CASCADE')

            stack.callback(drop)
            found["postgres"] = (
                {"factory": "copilot_sdk.store.postgres:PostgresStore",
                 "args": {"url": url, "schema": tag}},
                f"PostgreSQL {row[0] if row else '?'}",
            )
        if "redis" in names:
            import redis

            url, server = _servers.resolve_redis(os.environ.get("COPILOT_SDK_TEST_REDIS_URL"))
            if server is not None:
                stack.callback(server.remove)
            client = redis.Redis.from_url(url, decode_responses=True)
            version = client.info("server")["redis_version"]

            def delete(client: Any = client) -> None:
                keys = list(client.scan_iter(match=f"{tag}:*", count=1000))
                for i in range(0, len(keys), 1000):
                    client.delete(*keys[i : i + 1000])
                client.close()

            stack.callback(delete)
            found["redis"] = (
                {"factory": "copilot_sdk.store.redis:RedisStore",
                 "args": {"url": url, "prefix": f"{tag}:"}},
                f"Redis {version}",
            )
        yield found


def single(spec: Spec, *, big: int, sessions: int, samples: int) -> Dict[str, Any]:
    """Append at ~10 vs ~``big`` events, resume of ``big`` events, list of ``sessions``."""
    bench = _bench()
    store = make_store(spec)
    try:
        append = bench.append_flatness(store, big, samples)
        events = len(store.events_since("big", 0))
        resume = min(bench.timed(lambda: project_history(store.load("big")[1])) for _ in range(5))
        for i in range(sessions - samples - 1):
            name = f"listed-{i}"
            bench.new_session(store, name)
            store.append(name, bench.a_turn(i)[:1])  # a first prompt: the summary
        listed = len(store.list())
        listing = min(bench.timed(store.list) for _ in range(5))
    finally:
        store.close()
    return {"append_small": append["small"], "append_big": append["big"], "events": events,
            "resume": resume, "listed": listed, "list": listing}


def run_workers(payloads: List[Dict[str, Any]]) -> Tuple[float, List[Any]]:
    """Start the workers, wait until each is ready, say go; (wall seconds, results)."""
    procs = [
        subprocess.Popen([sys.executable, __file__, json.dumps(p)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for p in payloads
    ]
    for proc in procs:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    began = time.perf_counter()
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    results = []
    for proc in procs:
        out, _ = proc.communicate(timeout=600)
        assert proc.returncode == 0, f"a worker failed ({proc.returncode})"
        results.append(json.loads(out))
    return time.perf_counter() - began, results


def turns_per_second(spec: Spec, url: str, *, procs: int, threads: int, sessions: int,
                     turns: int) -> Dict[str, Any]:
    store = make_store(spec)
    sids = [f"shared-{i}" for i in range(sessions)]
    try:
        for sid in sids:
            _bench().new_session(store, sid)
    finally:
        store.close()
    seconds, results = run_workers([
        {"mode": "turns", "spec": spec, "url": url, "sessions": sids, "threads": threads,
         "turns": turns, "first": p * threads}
        for p in range(procs)
    ])
    return {"turns": sum(results), "seconds": seconds, "turns_per_s": sum(results) / seconds}


def handoff(spec: Spec, *, rounds: int) -> Dict[str, Any]:
    store = make_store(spec)
    try:
        _bench().new_session(store, "handoff")
        _bench().new_session(store, "marks")
    finally:
        store.close()
    _, results = run_workers(
        [{"mode": "pingpong", "spec": spec, "rounds": rounds, "me": me} for me in (0, 1)]
    )
    marks = sorted((t, kind, who) for who, got in enumerate(results) for kind, t in got)
    gaps = sorted(
        b[0] - a[0]
        for a, b in zip(marks, marks[1:], strict=False)
        if a[1] == "released" and b[1] == "granted" and a[2] != b[2]
    )
    return {"handoffs": len(gaps), "median": statistics.median(gaps),
            "p95": gaps[min(len(gaps) - 1, int(len(gaps) * 0.95))]}


def measure(names: List[str], tmp: Path, *, smoke: bool) -> Dict[str, Any]:
    """Every figure for every named store; prints one table per store."""
    if smoke:
        sizes = {"big": 250, "sessions": 100, "samples": 20}
        load = {"procs": 2, "threads": 4, "sessions": 8, "turns": 3}
        rounds = 5
    else:
        sizes = {"big": 10_000, "sessions": 10_000, "samples": 300}
        load = {"procs": 4, "threads": 16, "sessions": 64, "turns": 20}
        rounds = 50
    out: Dict[str, Any] = {"load": load, "sizes": sizes}
    with harness.ModelServer(latency=0.0) as server, stores(names, tmp) as found:
        for name, (spec, version) in found.items():
            got = {"server": version, "load": turns_per_second(spec, server.url, **load),
                   "handoff": handoff(spec, rounds=rounds), **single(spec, **sizes)}
            out[name] = got
            rows = [
                ("server", version),
                (f"turns/s, {load['procs']} processes x {load['threads']} threads on "
                 f"{load['sessions']} sessions, 0 ms model", got["load"]["turns_per_s"]),
                ("lease hand-off between processes, median ms", got["handoff"]["median"] * 1e3),
                ("  p95 ms", got["handoff"]["p95"] * 1e3),
                ("append a turn at log size ~10, ms", got["append_small"] * 1e3),
                (f"append a turn at log size ~{sizes['big']:,}, ms", got["append_big"] * 1e3),
                (f"resume a {got['events']:,}-event session, ms", got["resume"] * 1e3),
                (f"list_sessions() over {got['listed']:,} sessions, ms", got["list"] * 1e3),
            ]
            print("\n" + harness.table(f"shared store: {name}", ["measure", "measured"], rows))
    return out


# -- worker processes ---------------------------------------------------------------
def pingpong(store: SessionStore, me: int, rounds: int) -> None:
    """Take the lease of "handoff" in strict alternation with the other worker: wait
    (outside the lease) until the other holds it, then ask for it, so the wait in
    ``turn_lock`` is exactly the hand-off. Who holds it is told through "marks"."""
    print("ready", flush=True)
    sys.stdin.readline()
    marks: List[Tuple[str, float]] = []
    for n in range(rounds):
        while len(store.events_since("marks", 0)) != 2 * n + me:
            time.sleep(0.001)  # the other took the lease (or it is our first turn)
        with store.turn_lock("handoff"):
            marks.append(("granted", time.monotonic()))
            store.append("marks", _bench().a_turn(n)[:1])  # another session: the lease stays
            time.sleep(0.02)
        marks.append(("released", time.monotonic()))
    store.close()
    print(json.dumps(marks))


def turns(payload: Dict[str, Any]) -> None:
    store = make_store(payload["spec"])
    client = CopilotClient(
        provider=ProviderConfig(type="openai", base_url=payload["url"], api_key="bench"),
        store=store, max_workers=payload["threads"],
    ).start()
    sids: List[str] = payload["sessions"]
    opened = {sid: client.resume_session(sid) for sid in sids}
    count = [0]
    lock = threading.Lock()

    def run(j: int) -> None:
        for k in range(payload["turns"]):
            opened[sids[(payload["first"] + j + k) % len(sids)]].send(f"turn {k} of {j}")
            with lock:
                count[0] += 1

    pool = [threading.Thread(target=run, args=(j,)) for j in range(payload["threads"])]
    print("ready", flush=True)
    sys.stdin.readline()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    client.stop()
    store.close()
    print(json.dumps(count[0]))


if __name__ == "__main__":
    job = json.loads(sys.argv[1])
    if job["mode"] == "pingpong":
        pingpong(make_store(job["spec"], lease_ttl=10.0), job["me"], job["rounds"])
    else:
        turns(job)
