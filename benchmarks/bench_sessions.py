"""Many concurrent sessions: copilot_sdk against bare requests + ThreadPoolExecutor.

64 sessions x 4 turns against a model server with 100 ms latency running in its own
process; copilot_sdk with max_workers=64 side by side (alternating runs, each in a
fresh process) with a bare ``requests.Session`` + ``ThreadPoolExecutor(64)`` doing the
same conversations with hand-kept message lists. Prints wall time, client CPU per
turn and peak RSS, and our ratio to the baseline (target: within 1.10x).

    python benchmarks/bench_sessions.py            # full size
    python benchmarks/bench_sessions.py --smoke    # tiny, for CI
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, Iterator, List

SERVER_CODE = """
import sys, time
from copilot_sdk.testing import MockModelServer
server = MockModelServer(latency=float(sys.argv[1])).start()
print(server.openai_base_url, flush=True)
sys.stdin.read()
server.stop()
"""


@contextlib.contextmanager
def ours(base_url: str, workers: int, store: str) -> Iterator[Callable[[int, int], None]]:
    """A started client (setup is not timed); yields the conversation runner."""
    from copilot_sdk import CopilotClient, ProviderConfig

    provider = ProviderConfig(type="openai", base_url=base_url, api_key="bench")
    with tempfile.TemporaryDirectory() as home, CopilotClient(
        provider=provider, store=None if store == "sqlite" else store, base_directory=home,
        max_workers=workers,
    ) as client:

        def converse(sessions: int, turns: int) -> None:
            live = [client.create_session(model="gpt-5") for _ in range(sessions)]
            futures = [
                s.send_async(f"turn {t} of session {i}") for t in range(turns) for i, s in enumerate(live)
            ]
            for future in futures:
                future.result(timeout=600)

        yield converse


def baseline_conversation(http: Any, base_url: str, i: int, turns: int) -> None:
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


@contextlib.contextmanager
def baseline(base_url: str, workers: int) -> Iterator[Callable[[int, int], None]]:
    """Bare requests.Session (pool sized to the workers) + ThreadPoolExecutor."""
    import requests
    import requests.adapters

    http = requests.Session()
    http.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=workers))
    with ThreadPoolExecutor(workers) as pool:

        def converse(sessions: int, turns: int) -> None:
            futures = [pool.submit(baseline_conversation, http, base_url, i, turns) for i in range(sessions)]
            for future in futures:
                future.result(timeout=600)

        yield converse


@contextlib.contextmanager
def openai_peer(base_url: str, workers: int) -> Iterator[Callable[[int, int], None]]:
    """The peer users would otherwise pick: the sync ``openai`` client in a thread pool."""
    import openai

    client = openai.OpenAI(base_url=base_url, api_key="bench", max_retries=0)

    def conversation(i: int, turns: int) -> None:
        messages: List[Dict[str, Any]] = []
        for t in range(turns):
            messages.append({"role": "user", "content": f"turn {t} of session {i}"})
            reply = client.chat.completions.create(model="gpt-5", messages=messages)  # type: ignore[arg-type]
            messages.append({"role": "assistant", "content": reply.choices[0].message.content})

    with ThreadPoolExecutor(workers) as pool:

        def converse(sessions: int, turns: int) -> None:
            for future in [pool.submit(conversation, i, turns) for i in range(sessions)]:
                future.result(timeout=600)

        yield converse


def worker(kind: str, base_url: str, sessions: int, turns: int, workers: int) -> None:
    runners = {
        "baseline": lambda: baseline(base_url, workers),
        "openai": lambda: openai_peer(base_url, workers),
        "ours": lambda: ours(base_url, workers, ":memory:"),
        "ours-sqlite": lambda: ours(base_url, workers, "sqlite"),
    }
    with runners[kind]() as converse:
        converse(2, 1)  # warm up imports, code paths and connections
        cpu0, wall0 = time.process_time(), time.perf_counter()
        converse(sessions, turns)
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"wall": wall, "cpu": cpu, "rss_mb": rss_mb}))


def measure(kind: str, base_url: str, args: argparse.Namespace) -> Dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", kind, "--url", base_url,
         "--sessions", str(args.sessions), "--turns", str(args.turns), "--workers", str(args.workers)],
        check=True, capture_output=True, text=True, timeout=900,
    ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def _has_openai() -> bool:
    import importlib.util

    return importlib.util.find_spec("openai") is not None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true", help="tiny size for CI")
    parser.add_argument("--sessions", type=int, default=64)
    parser.add_argument("--turns", type=int, default=4)
    parser.add_argument("--workers", type=int, default=64)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--worker", choices=["ours", "ours-sqlite", "baseline", "openai"])
    parser.add_argument("--url")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.url, args.sessions, args.turns, args.workers)
        return
    if args.smoke:
        args.sessions, args.turns, args.workers, args.repeat = 8, 2, 8, 1

    server = subprocess.Popen(
        [sys.executable, "-c", SERVER_CODE, str(args.latency)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert server.stdout is not None
        base_url = server.stdout.readline().strip()
        kinds = ["baseline", "ours", "ours-sqlite"] + (["openai"] if _has_openai() else [])
        results: Dict[str, List[Dict[str, float]]] = {kind: [] for kind in kinds}
        for _ in range(args.repeat):
            for kind in kinds:
                results[kind].append(measure(kind, base_url, args))
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(10)

    n_turns = args.sessions * args.turns
    ideal = args.turns * args.latency
    print(f"{args.sessions} sessions x {args.turns} turns, server latency {args.latency * 1000:.0f} ms "
          f"in its own process, {args.workers} workers, {args.repeat} alternating runs (median)")
    print(f"ideal wall time: {ideal:.2f} s")
    print(f"{'':28}{'wall s':>9}{'x ideal':>9}{'CPU ms/turn':>13}{'peak RSS MB':>13}")
    med: Dict[str, Dict[str, float]] = {}
    labels = [
        ("baseline", "requests + ThreadPool"),
        ("ours", "copilot_sdk (:memory:)"),
        ("ours-sqlite", "copilot_sdk (SQLite store)"),
    ]
    if "openai" in results:
        labels.append(("openai", "openai (sync) + ThreadPool"))
    else:
        print("(the openai peer is measured too when the openai package is installed)")
    for kind, label in labels:
        runs = results[kind]
        med[kind] = {k: statistics.median(r[k] for r in runs) for k in ("wall", "cpu", "rss_mb")}
        m = med[kind]
        print(f"{label:28}{m['wall']:9.3f}{m['wall'] / ideal:9.2f}{m['cpu'] / n_turns * 1000:13.2f}"
              f"{m['rss_mb']:13.1f}")
    for kind, label in labels[1:3]:
        ratio = med[kind]["wall"] / med["baseline"]["wall"]
        print(f"{label} / baseline wall time: {ratio:.3f}x (target <= 1.10x)")


if __name__ == "__main__":
    main()
