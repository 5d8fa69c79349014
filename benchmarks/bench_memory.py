"""Memory: per idle session with many sessions live, and per event.

Idle sessions: a process creates N sessions (10,000; memory store) and runs one
turn in each against a zero-latency server in its own process, then holds them all.
Reported per session: the growth of the process's resident memory (after
``gc.collect``) once the sessions exist, and once each has its turn. The peer keeps
what a bare requests loop would: a dict per session with its message list (the
prompt dict and the reply's message as ``response.json()`` gave it).

Per event: the bytes ``tracemalloc`` sees for the events of typical turns
(user.message, assistant.turn_start, assistant.message, assistant.usage,
assistant.turn_end; the text contents shared, so the figure is the event's own
cost: object, data, id, timestamp). The peer: a chat message dict
``{"role": ..., "content": ...}`` with the same shared text.

Targets: an idle session <= 4 KB at 10,000 live; an event <= 200 B.

    python benchmarks/bench_memory.py [--smoke] [--rounds 3] [--json PATH]
"""

from __future__ import annotations

import gc
import json
import os
import sys
import tempfile
import tracemalloc
from typing import Any, Dict, List

import harness

VARIANTS = {"requests": "hand-kept message lists (requests)", "ours": "copilot_sdk sessions, memory store"}
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss() -> int:
    """Resident bytes now (Linux /proc; ru_maxrss elsewhere, which only grows)."""
    gc.collect()
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * _PAGE
    except OSError:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def worker(kind: str, spec: Dict[str, Any]) -> None:
    url, n = spec["url"], spec["sessions"]
    keep: List[Any] = []
    with tempfile.TemporaryDirectory() as home:
        if kind == "ours":
            from copilot_sdk import CopilotClient, ProviderConfig

            provider = ProviderConfig(type="openai", base_url=url, api_key="bench")
            client = CopilotClient(provider=provider, store=":memory:", base_directory=home)
            client.start()
            for i in range(3):
                client.create_session(model="gpt-5").send(f"warm-up {i}")
            base = rss()
            keep = [client.create_session(model="gpt-5") for _ in range(n)]
            created = rss()
            for i, session in enumerate(keep):
                session.send(f"turn 0 of session {i}")
            after = rss()
        else:
            import requests
            from bench_overhead import requests_conversation

            http = requests.Session()
            for i in range(3):
                requests_conversation(http, url, -1 - i, 1)
            base = rss()
            keep = [{"id": f"session-{i}", "messages": []} for i in range(n)]
            created = rss()
            for i, state in enumerate(keep):
                state["messages"].append({"role": "user", "content": f"turn 0 of session {i}"})
                response = http.post(f"{url}/chat/completions", timeout=(10, 600),
                                     json={"model": "gpt-5", "messages": state["messages"]},
                                     headers={"Authorization": "Bearer bench"})
                response.raise_for_status()
                state["messages"].append(response.json()["choices"][0]["message"])
            after = rss()
    harness.emit({"created_bytes": (created - base) / n, "after_turn_bytes": (after - base) / n,
                  "live": len(keep)})


def event_bytes(count: int) -> Dict[str, float]:
    """tracemalloc bytes per event of typical turns, and per chat message dict."""
    from copilot_sdk.events import (
        AssistantMessageData,
        AssistantTurnEndData,
        AssistantTurnStartData,
        AssistantUsageData,
        UserMessageData,
        new_event,
    )

    prompt, answer = "How do I create a virtual environment?", "Run python -m venv .venv." * 10
    new_event("user.message", UserMessageData(content=prompt))  # warm caches
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        events = []
        for n in range(count):
            user = new_event("user.message", UserMessageData(content=prompt))
            start = new_event("assistant.turn_start", AssistantTurnStartData(turn_id=f"t{n}"), user.id)
            reply = new_event(
                "assistant.message", AssistantMessageData(content=answer, message_id=f"m{n}", model="gpt-5"),
                start.id,
            )
            usage = new_event("assistant.usage", AssistantUsageData(
                model="gpt-5", input_tokens=420 + n, output_tokens=310 + n, duration=1.25 + n), reply.id)
            end = new_event("assistant.turn_end", AssistantTurnEndData(turn_id=start.data.turn_id), start.id)
            events.extend((user, start, reply, usage, end))
        ours = (tracemalloc.get_traced_memory()[0] - before) / len(events)
        before = tracemalloc.get_traced_memory()[0]
        dicts = []
        for _ in range(count):
            dicts.append({"role": "user", "content": prompt})
            dicts.append({"role": "assistant", "content": answer})
        peer = (tracemalloc.get_traced_memory()[0] - before) / len(dicts)
    finally:
        tracemalloc.stop()
    return {"event_bytes": ours, "message_dict_bytes": peer}


def main() -> None:
    args = harness.parser(__doc__, rounds=3).parse_args()
    if args.worker:
        worker(args.worker, json.loads(args.spec))
        return
    sessions, rounds, events = (300, 1, 2_000) if args.smoke else (10_000, args.rounds, 20_000)
    with harness.ModelServer(latency=0.0) as server:
        spec = {"url": server.url, "sessions": sessions}

        def measure(variant: str) -> Dict[str, Any]:
            result = harness.run_worker(__file__, variant, spec)
            server.forget()
            return result

        results = harness.alternate(list(VARIANTS), rounds, measure)
    med = harness.medians(results)
    per_event = event_bytes(events)
    rows = [[VARIANTS[v], med[v]["created_bytes"], med[v]["after_turn_bytes"]] for v in VARIANTS]
    print(harness.table(
        f"{sessions:,} live sessions, resident memory per session (after gc), {rounds} round(s), medians",
        ["state", "bytes, created", "bytes, after one turn"], rows,
    ))
    print(harness.table(
        f"\nbytes per event ({events:,} turns' worth, tracemalloc, texts shared)",
        ["object", "bytes"],
        [["copilot_sdk SessionEvent", per_event["event_bytes"]],
         ["chat message dict", per_event["message_dict_bytes"]]],
    ))
    idle = med["ours"]["after_turn_bytes"]
    print(f"target: an idle session <= 4 KB: {harness.target(idle, 4096)}; "
          f"an event <= 200 B: {harness.target(per_event['event_bytes'], 200)}")
    harness.save("memory", {
        "sessions": sessions, "rounds": rounds, "runs": results, "medians": med, "events": per_event,
        "targets": {"idle_session_bytes": [idle, 4096], "event_bytes": [per_event["event_bytes"], 200]},
    }, args.json)


if __name__ == "__main__":
    sys.exit(main())
