"""Benchmark the SQLite session store: append cost vs log size, resume, listing.

Prints the figures next to the targets of issue 3 and asserts nothing::

    python benchmarks/bench_store.py           # full size (10,000 events / sessions)
    python benchmarks/bench_store.py --smoke   # tiny, for CI (a few seconds)

- Appending a turn (5 events: user.message, assistant.turn_start, assistant.message,
  assistant.usage, assistant.turn_end) to a session whose log holds ~10 events vs
  ~10,000 events: target ratio within 1.5x. The two are measured interleaved and the
  medians compared.
- Resuming a 10,000-event session (``store.load`` + the history projection): target
  under 0.2 s.
- ``list_sessions()`` (``store.list``) over 10,000 sessions: target under 0.5 s.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import statistics
import tempfile
import time
from pathlib import Path
from typing import Callable, List

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
from copilot_sdk.store import SessionRecord
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


def new_session(store: SQLiteStore, session_id: str) -> None:
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


def fill(store: SQLiteStore, session_id: str, events: int) -> None:
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


def bench(directory: Path, *, big: int, sessions: int, samples: int) -> None:
    store = SQLiteStore(directory / "bench.db")
    try:
        # -- append at ~10 vs ~big events --------------------------------------
        new_session(store, "big")
        fill(store, "big", big)

        # -- resume a big session -----------------------------------------------
        big_len = len(store.events_since("big", 0))
        resume = min(timed(lambda: project_history(store.load("big")[1])) for _ in range(5))
        client_resume = min(resume_in_a_client(store) for _ in range(5))
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
        small_ms = statistics.median(small_times) * 1000
        big_ms = statistics.median(big_times) * 1000

        # -- list many sessions -------------------------------------------------
        for i in range(sessions - len(smalls) - 1):
            name = f"listed-{i}"
            new_session(store, name)
            store.append(name, a_turn(i)[:1])  # a first prompt: the summary
        count = len(store.list())
        listing = min(timed(store.list) for _ in range(5))
    finally:
        store.close()

    rows = [
        ("append a turn at log size ~10", f"{small_ms:.3f} ms", ""),
        (f"append a turn at log size ~{big:,}", f"{big_ms:.3f} ms", ""),
        ("  ratio (large / small)", f"{big_ms / small_ms:.2f}x", "<= 1.5x"),
        (f"resume a {big_len:,}-event session", f"{resume:.3f} s", "< 0.2 s"),
        ("  the same via CopilotClient.resume_session", f"{client_resume:.3f} s", ""),
        (f"list_sessions() over {count:,} sessions", f"{listing:.3f} s", "< 0.5 s"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'measured':>10}  target")
    print(f"{'-' * width}  {'-' * 10}  -------")
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:>10}  {target}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes for CI")
    args = parser.parse_args()
    big, sessions, samples = (500, 300, 30) if args.smoke else (10_000, 10_000, 300)
    with tempfile.TemporaryDirectory(prefix="copilot_sdk-bench-") as tmp:
        bench(Path(tmp), big=big, sessions=sessions, samples=samples)


if __name__ == "__main__":
    main()
