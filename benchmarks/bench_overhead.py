"""Client CPU per turn, sequential, against a zero-latency server in its own process.

The same conversations (S sessions x T turns, one turn at a time, each request
carrying the whole history) through: stdlib ``http.client`` with a hand-kept message
list; a bare ``requests.Session`` loop (the baseline of the targets); the sync
``openai`` client; copilot_sdk (``session.send``: queue, events, atomic commit)
with the memory store and with the SQLite store. Each variant runs in a fresh
process; rounds alternate; CPU is the client process's own (``time.process_time``,
all threads), so a busy machine hurts wall time far more than these figures.

Targets: copilot_sdk <= 0.75x the requests loop with the memory store, <= 1.0x with
SQLite (medians of the per-round ratios).

    python benchmarks/bench_overhead.py [--smoke] [--rounds 5] [--json PATH]
"""

from __future__ import annotations

import json
import sys
import tempfile
from typing import Any, Callable, Dict, List

import harness

VARIANTS = {
    "http.client": "stdlib http.client + json",
    "requests": "requests.Session loop (baseline)",
    "openai": "openai (sync)",
    "ours-memory": "copilot_sdk, memory store",
    "ours-sqlite": "copilot_sdk, SQLite store",
}


def _http_client(base_url: str) -> Callable[[int, int], None]:
    import http.client
    import urllib.parse

    parts = urllib.parse.urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port)
    path = parts.path + "/chat/completions"

    def converse(i: int, turns: int) -> None:
        messages: List[Dict[str, Any]] = []
        for t in range(turns):
            messages.append({"role": "user", "content": f"turn {t} of session {i}"})
            body = json.dumps({"model": "gpt-5", "messages": messages})
            conn.request("POST", path, body, {"Content-Type": "application/json",
                                              "Authorization": "Bearer bench"})
            response = conn.getresponse()
            payload = response.read()
            if response.status != 200:
                raise RuntimeError(f"status {response.status}")
            messages.append(json.loads(payload)["choices"][0]["message"])

    return converse


def requests_conversation(http: Any, base_url: str, i: int, turns: int) -> None:
    """One conversation with bare requests and a hand-kept message list."""
    messages: List[Dict[str, Any]] = []
    for t in range(turns):
        messages.append({"role": "user", "content": f"turn {t} of session {i}"})
        response = http.post(
            f"{base_url}/chat/completions",
            json={"model": "gpt-5", "messages": messages},
            headers={"Authorization": "Bearer bench"},
            timeout=(10, 600),
        )
        response.raise_for_status()
        messages.append(response.json()["choices"][0]["message"])


def _requests(base_url: str) -> Callable[[int, int], None]:
    import requests

    http = requests.Session()
    return lambda i, turns: requests_conversation(http, base_url, i, turns)


def _openai(base_url: str) -> Callable[[int, int], None]:
    import openai

    client = openai.OpenAI(base_url=base_url, api_key="bench", max_retries=0)

    def converse(i: int, turns: int) -> None:
        messages: List[Dict[str, Any]] = []
        for t in range(turns):
            messages.append({"role": "user", "content": f"turn {t} of session {i}"})
            reply = client.chat.completions.create(model="gpt-5", messages=messages)  # type: ignore[arg-type]
            messages.append({"role": "assistant", "content": reply.choices[0].message.content})

    return converse


def _ours(base_url: str, store: str, home: str) -> Callable[[int, int], None]:
    from copilot_sdk import CopilotClient, ProviderConfig

    provider = ProviderConfig(type="openai", base_url=base_url, api_key="bench")
    client = CopilotClient(provider=provider, store=None if store == "sqlite" else ":memory:",
                           base_directory=home)
    client.start()

    def converse(i: int, turns: int) -> None:
        session = client.create_session(model="gpt-5")
        for t in range(turns):
            session.send(f"turn {t} of session {i}")

    return converse


def worker(kind: str, spec: Dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as home:
        url = spec["url"]
        converse = {
            "http.client": lambda: _http_client(url),
            "requests": lambda: _requests(url),
            "openai": lambda: _openai(url),
            "ours-memory": lambda: _ours(url, "memory", home),
            "ours-sqlite": lambda: _ours(url, "sqlite", home),
        }[kind]()
        for i in range(3):  # warm up imports, code paths and the connection
            converse(-1 - i, 2)
        with harness.cpu_clock() as took:
            for i in range(spec["sessions"]):
                converse(i, spec["turns"])
        harness.emit(took)


def main() -> None:
    args = harness.parser(__doc__).parse_args()
    if args.worker:
        worker(args.worker, json.loads(args.spec))
        return
    sessions, turns, rounds = (10, 3, 1) if args.smoke else (100, 10, args.rounds)
    skipped = {"openai": why} if (why := harness.have("openai")) else {}
    variants = [v for v in VARIANTS if v not in skipped]
    with harness.ModelServer(latency=0.0) as server:
        spec = {"url": server.url, "sessions": sessions, "turns": turns}
        results = harness.alternate(
            variants, rounds, lambda v: harness.run_worker(__file__, v, spec)
        )
    n = sessions * turns
    med = harness.medians(results)
    rows = []
    for v in variants:
        ratio = harness.ratio_rounds(results, v, "requests", "cpu")
        rows.append([VARIANTS[v], med[v]["cpu"] / n * 1e6, med[v]["wall"] / n * 1e6, ratio])
    print(harness.table(
        f"{sessions} sessions x {turns} turns, sequential, 0 ms server latency, "
        f"{rounds} alternating round(s), medians",
        ["client", "CPU µs/turn", "wall µs/turn", "x requests CPU"], rows,
    ))
    for v, why in skipped.items():
        print(f"skipped {VARIANTS[v]}: {why}")
    memory = harness.ratio_rounds(results, "ours-memory", "requests", "cpu")
    sqlite = harness.ratio_rounds(results, "ours-sqlite", "requests", "cpu")
    print(f"target: memory store <= 0.75x requests: {harness.target(memory, 0.75)}; "
          f"SQLite <= 1.0x: {harness.target(sqlite, 1.0)}")
    harness.save("overhead", {
        "turns": n, "sessions": sessions, "turns_per_session": turns, "rounds": rounds,
        "skipped": skipped, "runs": results, "medians": med,
        "per_turn_cpu_us": {v: med[v]["cpu"] / n * 1e6 for v in variants},
        "ratio_vs_requests_cpu": {v: harness.ratio_rounds(results, v, "requests", "cpu") for v in variants},
        "targets": {"memory_vs_requests": [memory, 0.75], "sqlite_vs_requests": [sqlite, 1.0]},
    }, args.json)


if __name__ == "__main__":
    sys.exit(main())
