"""Token accounting's CPU per turn, at 10 and at 1,000 turns of history, as a share
of the turn's whole client CPU.

A long session measures every request against its model's context window
(``infinite_sessions``): each turn estimates the new prompt before it starts
(blocking threshold), checks each model call against the window, estimates the
messages it commits, and measures the history after it (background threshold).
Messages are estimated once, when they enter the history, so none of that should
grow with the history. This benchmark resumes a session with H turns of history
(H = 10 and 1,000; compaction on, a window too large to trigger it, so every turn
sends the whole history), then in a fresh process per round:

- sends T turns with ``session.send`` against a zero-latency MockModelServer in its
  own process and takes the client's CPU per turn (all threads);
- runs the same accounting steps a turn runs, on the same session, many times, and
  takes their CPU per turn.

Target: the accounting is under 5% of a turn's client CPU at both sizes.

    python benchmarks/bench_compaction.py [--smoke] [--rounds 3] [--json PATH]
"""

from __future__ import annotations

import datetime as _dt
import json
import sys
import time
from typing import Any, Dict, List

import harness

from copilot_sdk import CopilotClient, ProviderConfig, Session
from copilot_sdk._engine.tokens import estimate_message
from copilot_sdk.events import (
    AssistantMessageData,
    AssistantTurnEndData,
    AssistantTurnStartData,
    AssistantUsageData,
    SessionEvent,
    UserMessageData,
    new_event,
)
from copilot_sdk.providers.base import Message
from copilot_sdk.store import SessionRecord

PROMPT = "How do I create a virtual environment and install requests into it? " * 2
ANSWER = "Run `python -m venv .venv`, then `.venv/bin/pip install requests`. " * 6
TARGET = 0.05


def a_turn(n: int) -> List[SessionEvent]:
    """One committed turn of the history: user message, answer, usage."""
    user = new_event("user.message", UserMessageData(content=f"{n}: {PROMPT}"))
    start = new_event("assistant.turn_start", AssistantTurnStartData(turn_id=f"t{n}"), user.id)
    reply = new_event(
        "assistant.message", AssistantMessageData(content=ANSWER, message_id=f"m{n}", model="gpt-5"),
        start.id,
    )
    usage = new_event(
        "assistant.usage",
        AssistantUsageData(model="gpt-5", input_tokens=100 * n + 50, output_tokens=60, duration=0.1),
        reply.id,
    )
    end = new_event("assistant.turn_end", AssistantTurnEndData(turn_id=f"t{n}"), start.id)
    return [user, start, reply, usage, end]


def resumed(client: CopilotClient, history: int) -> Session:
    """A session with ``history`` turns in its log, resumed as a user would."""
    now = _dt.datetime.now(_dt.timezone.utc)
    config = {"model": "gpt-5", "system_message": "You are helpful.", "max_prompt_tokens": 10**9}
    name = f"h{history}"
    client.store.create(
        SessionRecord(session_id=name, start_time=now, modified_time=now, model="gpt-5", config=config)
    )
    for n in range(history):
        client.store.append(name, a_turn(n))
    return client.resume_session(name)


def accounting_per_turn(session: Session, repeat: int) -> float:
    """CPU seconds of the accounting steps one turn runs (measured ``repeat`` times)."""
    keeper = session._runner.keeper  # the turn runner's adviser, as the runner calls it
    config = session.config
    user = Message(role="user", content=f"next: {PROMPT}")
    answer = Message(role="assistant", content=ANSWER)
    specs = ()
    began = time.process_time()
    for _ in range(repeat):
        keeper.measure(config, estimate_message(user))  # before the turn: blocking threshold
        check = keeper.request_check(config)
        check(config.system_message, specs, estimate_message(user))  # before its model call
        estimate_message(user)  # the committed messages enter the history's total
        estimate_message(answer)
        keeper.measure(config)  # after the turn: background threshold
    return (time.process_time() - began) / repeat


def worker(kind: str, spec: Dict[str, Any]) -> None:
    history, turns = int(kind), spec["turns"]
    provider = ProviderConfig(type="openai", base_url=spec["url"], api_key="bench")
    with CopilotClient(provider=provider, store=":memory:") as client:
        session = resumed(client, history)
        for i in range(2):  # warm up code paths and the connection
            session.send(f"warm-up {i}: {PROMPT}")
        with harness.cpu_clock() as took:
            for t in range(turns):
                session.send(f"turn {t}: {PROMPT}")
        turn_cpu = took["cpu"] / turns
        accounting = accounting_per_turn(session, spec["repeat"])
        compactions = sum(e.type == "session.compaction_complete" for e in session.get_messages())
    harness.emit({"turn_cpu": turn_cpu, "accounting_cpu": accounting,
                  "share": accounting / turn_cpu, "compactions": compactions})


def main() -> None:
    args = harness.parser(__doc__, rounds=3).parse_args()
    if args.worker:
        worker(args.worker, json.loads(args.spec))
        return
    turns, repeat, rounds = (5, 200, 1) if args.smoke else (30, 2000, args.rounds)
    sizes = ["10", "1000"]
    with harness.ModelServer(latency=0.0) as server:
        spec = {"url": server.url, "turns": turns, "repeat": repeat}
        results = harness.alternate(sizes, rounds, lambda v: harness.run_worker(__file__, v, spec))
    med = harness.medians(results)
    rows = [
        [f"{size} turns of history", med[size]["turn_cpu"] * 1e6, med[size]["accounting_cpu"] * 1e6,
         med[size]["share"] * 100]
        for size in sizes
    ]
    print(harness.table(
        f"session.send at 0 ms server latency, {turns} turns x {rounds} round(s), medians",
        ["history", "turn CPU µs", "accounting CPU µs", "share %"], rows,
    ))
    if any(med[size]["compactions"] for size in sizes):
        raise SystemExit("a compaction ran: the benchmark's window is meant to be too large for that")
    worst = max(med[size]["share"] for size in sizes)
    print(f"accounting share of a turn's client CPU: 10 turns {med['10']['share']:.2%}, "
          f"1000 turns {med['1000']['share']:.2%}; target < {TARGET:.0%}: "
          f"{harness.target(worst, TARGET)}")
    harness.save("compaction", {
        "turns": turns, "repeat": repeat, "rounds": rounds, "runs": results, "medians": med,
        "targets": {"accounting_share": [worst, TARGET]},
    }, args.json)


if __name__ == "__main__":
    sys.exit(main())
