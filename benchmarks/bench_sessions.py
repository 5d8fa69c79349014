"""Many concurrent sessions against a model server with 100 ms latency in its own process.

Workloads (S sessions x T turns, W workers): 64 x 4 with 64 workers, 256 x 4 with
256 workers, and 32 x 3 with 32 workers, the one the official SDK runs too. Each
through: bare ``requests.Session`` (pool sized to the workers) +
``ThreadPoolExecutor`` with hand-kept message lists (the floor); copilot_sdk with
the memory store and with the SQLite store (``send_async`` for every turn at once:
its queues order each session's turns); the sync ``openai`` client in a thread pool;
and the official ``github-copilot-sdk`` with its Copilot CLI (BYOK, ``mode="empty"``,
no tools, ``asyncio.gather``), when ``github-copilot-sdk`` is installed and a CLI is
found (``COPILOT_CLI_PATH``, or ``npm install --prefix benchmarks/.peers
@github/copilot``). Each run in a fresh process, rounds alternating.

Reported: wall time (and x the ideal T x latency), client CPU per turn (the official
SDK's includes its CLI process), peak RSS, and the ratio to the floor.
Target: copilot_sdk <= 1.05x the floor's wall time at 256 x 4.

    python benchmarks/bench_sessions.py [--smoke] [--rounds 5] [--official-rounds 1] [--json PATH]
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import resource
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional

import harness
from bench_overhead import requests_conversation

VARIANTS = {
    "requests": "requests + ThreadPool (floor)",
    "ours-memory": "copilot_sdk, memory store",
    "ours-sqlite": "copilot_sdk, SQLite store",
    "openai": "openai (sync) + ThreadPool",
    "official": "github-copilot-sdk + CLI",
}
LATENCY = 0.1
CLI_IN_REPO = harness.HERE / ".peers" / "node_modules" / "@github" / "copilot-linux-x64" / "copilot"


def official_cli() -> Optional[str]:
    """The Copilot CLI binary for the official SDK, or None."""
    path = os.environ.get("COPILOT_CLI_PATH") or (str(CLI_IN_REPO) if CLI_IN_REPO.exists() else None)
    return path if path and Path(path).exists() else None


def why_not_official() -> Optional[str]:
    if harness.have("copilot") or harness.version("github-copilot-sdk") is None:
        return "github-copilot-sdk is not installed (pip install github-copilot-sdk)"
    if official_cli() is None:
        return ("no Copilot CLI: npm install --prefix benchmarks/.peers @github/copilot, "
                "or set COPILOT_CLI_PATH to node_modules/@github/copilot-linux-x64/copilot")
    return None


@contextlib.contextmanager
def _ours(url: str, workers: int, store: str) -> Iterator[Callable[[int, int], None]]:
    from copilot_sdk import CopilotClient, ProviderConfig

    provider = ProviderConfig(type="openai", base_url=url, api_key="bench")
    with tempfile.TemporaryDirectory() as home, CopilotClient(
        provider=provider, store=None if store == "sqlite" else ":memory:", base_directory=home,
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


@contextlib.contextmanager
def _requests(url: str, workers: int) -> Iterator[Callable[[int, int], None]]:
    import requests
    import requests.adapters

    http = requests.Session()
    http.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=workers))
    with ThreadPoolExecutor(workers) as pool:

        def converse(sessions: int, turns: int) -> None:
            futures = [pool.submit(requests_conversation, http, url, i, turns) for i in range(sessions)]
            for future in futures:
                future.result(timeout=600)

        yield converse


@contextlib.contextmanager
def _openai(url: str, workers: int) -> Iterator[Callable[[int, int], None]]:
    import httpx
    import openai

    client = openai.OpenAI(base_url=url, api_key="bench", max_retries=0,
                           http_client=httpx.Client(limits=httpx.Limits(max_connections=workers)))

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


def _official(url: str, sessions: int, turns: int) -> Dict[str, float]:
    """The official SDK: its own process tree, so CPU counts the CLI child too."""
    import asyncio

    from copilot import CopilotClient, PermissionHandler

    logging.getLogger("copilot").setLevel(logging.CRITICAL)  # "Unhandled method" fallbacks
    os.environ["COPILOT_CLI_PATH"] = official_cli() or ""
    provider = {"type": "openai", "base_url": url, "api_key": "bench"}

    async def run(home: str) -> Dict[str, float]:
        client = CopilotClient(base_directory=home, mode="empty")
        await client.start()

        async def conversation(i: int, n: int) -> None:
            session = await client.create_session(
                on_permission_request=PermissionHandler.approve_all, model="gpt-5",
                provider=provider, available_tools=[],  # type: ignore[arg-type]
            )
            for t in range(n):
                await session.send_and_wait(f"turn {t} of session {i}", timeout=600)
            await session.disconnect()

        await asyncio.gather(*(conversation(-1 - i, 1) for i in range(2)))  # warm up
        cpu0, wall0 = _cpu_with_children(), time.perf_counter()
        await asyncio.gather(*(conversation(i, turns) for i in range(sessions)))
        wall = time.perf_counter() - wall0
        await client.stop()  # the CLI's CPU is counted once it was reaped
        return {"wall": wall, "cpu": _cpu_with_children() - cpu0}

    with tempfile.TemporaryDirectory() as home:
        result = asyncio.run(run(home))
    children_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {**result, "cli_rss_mb": children_mb}


def _cpu_with_children() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def worker(kind: str, spec: Dict[str, Any]) -> None:
    url, sessions, turns, workers = spec["url"], spec["sessions"], spec["turns"], spec["workers"]
    if kind == "official":
        result = _official(url, sessions, turns)
    else:
        runners = {
            "requests": lambda: _requests(url, workers),
            "openai": lambda: _openai(url, workers),
            "ours-memory": lambda: _ours(url, workers, "memory"),
            "ours-sqlite": lambda: _ours(url, workers, "sqlite"),
        }
        with runners[kind]() as converse:
            converse(2, 1)  # warm up imports, code paths and connections
            with harness.cpu_clock() as took:
                converse(sessions, turns)
        result = dict(took)
    result["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    harness.emit(result)


def main() -> None:
    p = harness.parser(__doc__)
    p.add_argument("--official-rounds", type=int, default=1, help="rounds of the (slow) official SDK")
    p.add_argument("--latency", type=float, default=LATENCY)
    args = p.parse_args()
    if args.worker:
        worker(args.worker, json.loads(args.spec))
        return
    if args.smoke:
        workloads = [(8, 2, 8), (4, 2, 4)]
        rounds = official_rounds = 1
    else:
        workloads = [(64, 4, 64), (256, 4, 256), (32, 3, 32)]
        rounds, official_rounds = args.rounds, args.official_rounds
    skipped: Dict[str, str] = {}
    if why := harness.have("openai"):
        skipped["openai"] = why
    if why := why_not_official():
        skipped["official"] = why
    report: Dict[str, Any] = {"latency": args.latency, "workloads": {}, "skipped": skipped}
    with harness.ModelServer(latency=args.latency) as server:
        for index, (sessions, turns, workers) in enumerate(workloads):
            last = index == len(workloads) - 1  # the official SDK's workload
            variants = ["requests", "ours-memory", "ours-sqlite"]
            variants += [v for v in (["official"] if last else ["openai"]) if v not in skipped]
            spec = {"url": server.url, "sessions": sessions, "turns": turns, "workers": workers}
            results = harness.alternate(
                [v for v in variants if v != "official"], rounds,
                lambda v: harness.run_worker(__file__, v, spec),  # noqa: B023
            )
            if "official" in variants:
                results["official"] = [harness.run_worker(__file__, "official", spec, timeout=1800)
                                       for _ in range(official_rounds)]
            server.forget()
            name = f"{sessions}x{turns}"
            report["workloads"][name] = _print(name, spec, args.latency, rounds, results)
    for v, why in skipped.items():
        print(f"skipped {VARIANTS[v]}: {why}")
    report["targets"] = {k: v for w in report["workloads"].values() for k, v in w.get("targets", {}).items()}
    harness.save("sessions", report, args.json)


def _print(name: str, spec: Dict[str, Any], latency: float, rounds: int,
           results: Dict[str, List[Dict[str, Any]]]) -> Dict[str, Any]:
    sessions, turns, workers = spec["sessions"], spec["turns"], spec["workers"]
    ideal = turns * latency
    med = harness.medians(results)
    rows = []
    for v, m in med.items():
        floor = harness.ratio_rounds(results, v, "requests", "wall")
        rows.append([VARIANTS[v], m["wall"], m["wall"] / ideal, floor,
                     m["cpu"] / (sessions * turns) * 1e3, m["rss_mb"] + m.get("cli_rss_mb", 0.0)])
    print(harness.table(
        f"\n{sessions} sessions x {turns} turns, {workers} workers, {latency * 1000:.0f} ms latency, "
        f"ideal {ideal:.2f} s, {rounds} alternating round(s) "
        f"(official: {len(results.get('official', []))}), medians",
        ["client", "wall s", "x ideal", "x floor", "CPU ms/turn", "peak RSS MB"], rows,
    ))
    out: Dict[str, Any] = {"spec": {k: v for k, v in spec.items() if k != "url"}, "rounds": rounds,
                           "runs": results, "medians": med,
                           "wall_vs_floor": {v: harness.ratio_rounds(results, v, "requests", "wall")
                                             for v in med}}
    if name == "256x4":
        ratio = out["wall_vs_floor"].get("ours-memory")
        print(f"target: copilot_sdk <= 1.05x the floor at 256 x 4: {harness.target(ratio, 1.05)}")
        out["targets"] = {"ours_vs_floor_wall": [ratio, 1.05]}
    return out


if __name__ == "__main__":
    sys.exit(main())
