"""Client CPU per turn, sequential, against a zero-latency server in its own process.

copilot_sdk (``session.send``: queue hand-off to the pool, events, atomic commit,
default store) against bare ``requests.Session`` posts with hand-kept message lists,
for the same conversations (S sessions x T turns, one turn at a time). Each variant
runs in a fresh process; runs alternate; medians are printed.

    python benchmarks/bench_overhead.py [--smoke]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Dict, List

from bench_sessions import SERVER_CODE, baseline_conversation


def run_ours(base_url: str, sessions: int, turns: int, store: str) -> None:
    from copilot_sdk import CopilotClient, ProviderConfig

    provider = ProviderConfig(type="openai", base_url=base_url, api_key="bench")
    with tempfile.TemporaryDirectory() as home:
        store_arg = None if store == "default" else store
        with CopilotClient(provider=provider, store=store_arg, base_directory=home) as client:
            for i in range(sessions):
                session = client.create_session(model="gpt-5")
                for t in range(turns):
                    session.send(f"turn {t} of session {i}")


def run_baseline(base_url: str, sessions: int, turns: int, store: str) -> None:
    import requests

    http = requests.Session()
    for i in range(sessions):
        baseline_conversation(http, base_url, i, turns)


def worker(kind: str, base_url: str, sessions: int, turns: int, store: str) -> None:
    run = run_ours if kind != "baseline" else run_baseline
    run(base_url, 2, 2, store)  # warm up
    cpu0, wall0 = time.process_time(), time.perf_counter()
    run(base_url, sessions, turns, store)
    print(json.dumps({"cpu": time.process_time() - cpu0, "wall": time.perf_counter() - wall0}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--worker")
    parser.add_argument("--url")
    parser.add_argument("--store", default=":memory:")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.url, args.sessions, args.turns, args.store)
        return
    if args.smoke:
        args.sessions, args.turns, args.repeat = 10, 3, 1
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER_CODE, "0"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    variants = [("baseline", ":memory:", "requests.Session"), ("ours", ":memory:", "copilot_sdk, :memory:"),
                ("ours", "default", "copilot_sdk, SQLite store")]
    results: Dict[str, List[Dict[str, float]]] = {label: [] for _, _, label in variants}
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        for _ in range(args.repeat):
            for kind, store, label in variants:
                out = subprocess.run(
                    [sys.executable, __file__, "--worker", kind, "--url", url, "--store", store,
                     "--sessions", str(args.sessions), "--turns", str(args.turns)],
                    check=True, capture_output=True, text=True, timeout=900,
                ).stdout
                results[label].append(json.loads(out.strip().splitlines()[-1]))
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(10)
    n = args.sessions * args.turns
    print(f"{args.sessions} sessions x {args.turns} turns, sequential, 0 ms server latency, "
          f"{args.repeat} alternating runs (median)")
    print(f"{'':30}{'CPU ms/turn':>12}{'wall ms/turn':>14}{'x baseline CPU':>16}")
    base = statistics.median(r["cpu"] for r in results["requests.Session"])
    for _, _, label in variants:
        cpu = statistics.median(r["cpu"] for r in results[label])
        wall = statistics.median(r["wall"] for r in results[label])
        print(f"{label:30}{cpu / n * 1000:12.2f}{wall / n * 1000:14.2f}{cpu / base:16.2f}")


if __name__ == "__main__":
    main()
