"""Benchmark the session stores: append cost vs log size, resume, listing.

Prints the figures next to their targets, writes JSON, and asserts nothing::

    python benchmarks/bench_store.py           # full size (10,000 events / sessions)
    python benchmarks/bench_store.py --smoke   # tiny, for CI (a few seconds)

- Appending a turn (5 events: user.message, assistant.turn_start, assistant.message,
  assistant.usage, assistant.turn_end) to a session whose log holds ~10 events vs
  ~10,000 events, for the SQLite and the memory store: target flat (ratio within
  1.5x). The two are measured interleaved and the medians compared.
- Resuming a 10,000-event session (``store.load`` + the history projection): target
  under 0.2 s, and ``store.load`` within 1.3x of a bare ``sqlite3`` read of the same
  rows (``SELECT payload ... ORDER BY seq`` and ``json.loads`` of each), the peer.
- ``list_sessions()`` (``store.list``) over 10,000 sessions: target under 0.5 s.

Then the stores shared between processes, side by side (SQLite, PostgreSQL, Redis;
``--stores`` picks them): turns/s of 4 processes x 16 threads on 64 sessions, the lease
hand-off between processes, append, resume and list (see ``_shared_stores.py``).
"""

from __future__ import annotations

import datetime as _dt
import json
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Union

import _shared_stores
import harness

from copilot_sdk import CopilotClient, ProviderConfig
from copilot_sdk._engine.history import project_history
from copilot_sdk.events import (
    AssistantMessageData,
    AssistantTurnEndData,
    AssistantTurnStartData,
    AssistantUsageData,
    SessionEvent,
    UserMessageData,
    new_event,
)
from copilot_sdk.store import MemoryStore, SessionRecord
from copilot_sdk.store.sqlite import SQLiteStore

PROMPT = "How do I create a virtual environment and install requests into it? " * 3
ANSWER = "Run `python -m venv .venv`, then `.venv/bin/pip install requests`. " * 15


def a_turn(n: int) -> List[SessionEvent]:
    """One typical committed turn: 5 events, ~1.3 KB of text."""
    user = new_event("user.message", UserMessageData(content=f"{n}: {PROMPT}"))
    start = new_event("assistant.turn_start", AssistantTurnStartData(turn_id=f"t{n}"), user.id)
    reply = new_event(
        "assistant.message",
        AssistantMessageData(content=ANSWER, message_id=f"m{n}", model="gpt-5"),
        start.id,
    )
    usage = new_event(
        "assistant.usage",
        AssistantUsageData(model="gpt-5", input_tokens=420, output_tokens=310, duration=1.25),
        reply.id,
    )
    end = new_event("assistant.turn_end", AssistantTurnEndData(turn_id=f"t{n}"), start.id)
    return [user, start, reply, usage, end]


def new_session(store: Union[SQLiteStore, MemoryStore], session_id: str) -> None:
    now = _dt.datetime.now(_dt.timezone.utc)
    store.create(
        SessionRecord(
            session_id=session_id,
            start_time=now,
            modified_time=now,
            model="gpt-5",
            config={"model": "gpt-5", "system_message": "You are helpful."},
        )
    )


def fill(store: Union[SQLiteStore, MemoryStore], session_id: str, events: int) -> None:
    """Append whole turns until the log holds ``events`` events."""
    for n in range(events // len(a_turn(0))):
        store.append(session_id, a_turn(n))


def resume_in_a_client(store: SQLiteStore) -> float:
    """Seconds ``CopilotClient.resume_session`` takes (client start-up not counted)."""
    provider = ProviderConfig(type="openai", base_url="http://127.0.0.1:9/v1", api_key="unused")
    with CopilotClient(provider=provider, store=store) as client:
        began = time.perf_counter()
        client.resume_session("big")
        return time.perf_counter() - began


def timed(fn: Callable[[], object]) -> float:
    began = time.perf_counter()
    fn()
    return time.perf_counter() - began


def bare_read(path: Path, session_id: str) -> List[Any]:
    """The peer of a resume: the same rows with bare sqlite3, each payload parsed."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT payload FROM events WHERE session_id = ? ORDER BY seq", (session_id,)
        ).fetchall()
        return [json.loads(payload) for (payload,) in rows]
    finally:
        conn.close()


def append_flatness(store: Union[SQLiteStore, MemoryStore], big: int, samples: int) -> Dict[str, float]:
    """Median seconds to append a turn at log size ~10 and at ~``big``, interleaved."""
    new_session(store, "big")
    fill(store, "big", big)
    smalls = [f"small-{i}" for i in range(samples)]
    for name in smalls:
        new_session(store, name)
        store.append(name, a_turn(0))
        store.append(name, a_turn(1))  # 10 events
    turn = a_turn(2)
    small_times, big_times = [], []
    for name in smalls:  # interleaved, so drift hits both alike
        small_times.append(timed(lambda: store.append(name, turn)))  # noqa: B023
        big_times.append(timed(lambda: store.append("big", turn)))
    return {"small": statistics.median(small_times), "big": statistics.median(big_times)}


def bench(directory: Path, *, big: int, sessions: int, samples: int) -> Dict[str, Any]:
    out: Dict[str, Any] = {"big": big, "sessions": sessions, "samples": samples}
    out["memory_append"] = append_flatness(MemoryStore(), big, samples)
    store = SQLiteStore(directory / "bench.db")
    try:
        out["sqlite_append"] = append_flatness(store, big, samples)
        # -- resume a big session -----------------------------------------------
        big_len = len(store.events_since("big", 0))
        loads, bares = [], []
        for _ in range(7):  # alternating: ours, then the bare read of the same rows
            loads.append(timed(lambda: store.load("big")))
            bares.append(timed(lambda: bare_read(store.path, "big")))
        out["load"], out["bare_read"] = statistics.median(loads), statistics.median(bares)
        out["resume"] = min(timed(lambda: project_history(store.load("big")[1])) for _ in range(5))
        out["client_resume"] = min(resume_in_a_client(store) for _ in range(5))
        out["events"] = big_len

        # -- list many sessions -------------------------------------------------
        for i in range(sessions - samples - 1):
            name = f"listed-{i}"
            new_session(store, name)
            store.append(name, a_turn(i)[:1])  # a first prompt: the summary
        out["listed"] = len(store.list())
        out["list"] = min(timed(store.list) for _ in range(5))
    finally:
        store.close()
    return out


def report(out: Dict[str, Any]) -> Dict[str, Any]:
    big = out["big"]
    rows = []
    targets: Dict[str, Any] = {}
    for kind in ("sqlite", "memory"):
        small_ms, big_ms = out[f"{kind}_append"]["small"] * 1e3, out[f"{kind}_append"]["big"] * 1e3
        ratio = big_ms / small_ms
        targets[f"{kind}_append_flat"] = [ratio, 1.5]
        rows += [
            (f"{kind}: append a turn at log size ~10", f"{small_ms:.3f} ms", ""),
            (f"{kind}: append a turn at log size ~{big:,}", f"{big_ms:.3f} ms", ""),
            ("  ratio (large / small)", f"{ratio:.2f}x", f"<= 1.5x {harness.target(ratio, 1.5)}"),
        ]
    load_ratio = out["load"] / out["bare_read"]
    targets["sqlite_load_vs_bare"] = [load_ratio, 1.3]
    targets["resume_s"] = [out["resume"], 0.2]
    targets["list_s"] = [out["list"], 0.5]
    rows += [
        (f"store.load of a {out['events']:,}-event session", f"{out['load'] * 1e3:.1f} ms", ""),
        ("  bare sqlite3 read + json.loads of the same rows", f"{out['bare_read'] * 1e3:.1f} ms", ""),
        ("  ratio (store.load / bare read)", f"{load_ratio:.2f}x",
         f"<= 1.3x {harness.target(load_ratio, 1.3)}"),
        (f"resume (load + history) of {out['events']:,} events", f"{out['resume']:.3f} s",
         f"< 0.2 s {harness.target(out['resume'], 0.2)}"),
        ("  the same via CopilotClient.resume_session", f"{out['client_resume']:.3f} s", ""),
        (f"list_sessions() over {out['listed']:,} sessions", f"{out['list']:.3f} s",
         f"< 0.5 s {harness.target(out['list'], 0.5)}"),
    ]
    print(harness.table("session stores (medians of interleaved samples; best of 5 for resume and list)",
                        ["measure", "measured", "target"], rows))
    return targets


def main() -> None:
    parser = harness.parser(__doc__)
    parser.add_argument("--stores", default="sqlite,postgres,redis",
                        help="the shared stores to measure too (comma-separated; '' for none)")
    args = parser.parse_args()
    big, sessions, samples = (500, 300, 30) if args.smoke else (10_000, 10_000, 300)
    with tempfile.TemporaryDirectory(prefix="copilot_sdk-bench-") as tmp:
        out = bench(Path(tmp), big=big, sessions=sessions, samples=samples)
        targets = report(out)
        names = [n.strip() for n in args.stores.split(",") if n.strip()]
        shared = _shared_stores.measure(names, Path(tmp), smoke=args.smoke) if names else {}
    harness.save("store", {**out, "shared": shared, "targets": targets}, args.json)


if __name__ == "__main__":
    main()
