"""Client CPU per streamed turn, and TCP connections opened, against a local server.

Sequential streamed turns (SSE, the server's default reply in 8-character deltas)
through: bare ``requests`` (``iter_lines`` + ``json.loads`` per chunk, read to the
end); the sync ``openai`` client (``stream=True``, every chunk iterated);
copilot_sdk's ``session.stream()`` (every event iterated, deltas included). Each
variant in a fresh process, rounds alternating; CPU is the client process's own.
The connections column is what the server accepted during the whole process
(warm-up included): a client that reuses its connection opens one.

Target: copilot_sdk <= 0.5x openai's CPU per streamed turn.

    python benchmarks/bench_stream.py [--smoke] [--rounds 5] [--json PATH]
"""

from __future__ import annotations

import json
import sys
import tempfile
from typing import Any, Callable, Dict, List

import harness

VARIANTS = {
    "requests": "requests, iter_lines + json",
    "openai": "openai (sync), stream=True",
    "ours": "copilot_sdk session.stream()",
}


def _requests(base_url: str) -> Callable[[int, int], int]:
    import requests

    http = requests.Session()

    def converse(i: int, turns: int) -> int:
        messages: List[Dict[str, Any]] = []
        chunks = 0
        for t in range(turns):
            messages.append({"role": "user", "content": f"turn {t} of session {i}"})
            with http.post(f"{base_url}/chat/completions", stream=True, timeout=(10, 600),
                           json={"model": "gpt-5", "messages": messages, "stream": True},
                           headers={"Authorization": "Bearer bench"}) as response:
                response.raise_for_status()
                text = []
                for line in response.iter_lines():
                    if not line.startswith(b"data: ") or line == b"data: [DONE]":
                        continue
                    delta = json.loads(line[6:])["choices"][0]["delta"].get("content")
                    if delta:
                        text.append(delta)
                    chunks += 1
            messages.append({"role": "assistant", "content": "".join(text)})
        return chunks

    return converse


def _openai(base_url: str) -> Callable[[int, int], int]:
    import openai

    client = openai.OpenAI(base_url=base_url, api_key="bench", max_retries=0)

    def converse(i: int, turns: int) -> int:
        messages: List[Dict[str, Any]] = []
        chunks = 0
        for t in range(turns):
            messages.append({"role": "user", "content": f"turn {t} of session {i}"})
            text = []
            for chunk in client.chat.completions.create(model="gpt-5", messages=messages,  # type: ignore[arg-type]
                                                        stream=True):
                if chunk.choices and chunk.choices[0].delta.content:
                    text.append(chunk.choices[0].delta.content)
                chunks += 1
            messages.append({"role": "assistant", "content": "".join(text)})
        return chunks

    return converse


def _ours(base_url: str, home: str) -> Callable[[int, int], int]:
    from copilot_sdk import CopilotClient, ProviderConfig

    provider = ProviderConfig(type="openai", base_url=base_url, api_key="bench")
    client = CopilotClient(provider=provider, store=":memory:", base_directory=home)
    client.start()

    def converse(i: int, turns: int) -> int:
        session = client.create_session(model="gpt-5")
        events = 0
        for t in range(turns):
            for _event in session.stream(f"turn {t} of session {i}"):
                events += 1
        return events

    return converse


def worker(kind: str, spec: Dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as home:
        url = spec["url"]
        converse = {
            "requests": lambda: _requests(url),
            "openai": lambda: _openai(url),
            "ours": lambda: _ours(url, home),
        }[kind]()
        for i in range(3):
            converse(-1 - i, 2)
        items = 0
        with harness.cpu_clock() as took:
            for i in range(spec["sessions"]):
                items += converse(i, spec["turns"])
        harness.emit({**took, "items": items})


def main() -> None:
    args = harness.parser(__doc__).parse_args()
    if args.worker:
        worker(args.worker, json.loads(args.spec))
        return
    sessions, turns, rounds = (5, 3, 1) if args.smoke else (30, 10, args.rounds)
    skipped = {"openai": why} if (why := harness.have("openai")) else {}
    variants = [v for v in VARIANTS if v not in skipped]
    with harness.ModelServer(latency=0.0) as server:
        spec = {"url": server.url, "sessions": sessions, "turns": turns}

        def measure(variant: str) -> Dict[str, Any]:
            before = server.connections()
            result = harness.run_worker(__file__, variant, spec)
            result["connections"] = server.connections() - before
            return result

        results = harness.alternate(variants, rounds, measure)
    n = sessions * turns
    med = harness.medians(results)
    rows = []
    for v in variants:
        rows.append([VARIANTS[v], med[v]["cpu"] / n * 1e6, med[v]["wall"] / n * 1e6,
                     harness.ratio_rounds(results, v, "openai", "cpu") if "openai" in med else None,
                     int(med[v]["connections"])])
    print(harness.table(
        f"{n} streamed turns ({sessions} sessions x {turns}), sequential, 0 ms latency, "
        f"{rounds} alternating round(s), medians",
        ["client", "CPU µs/turn", "wall µs/turn", "x openai CPU", "connections"], rows,
    ))
    for v, why in skipped.items():
        print(f"skipped {VARIANTS[v]}: {why}")
    ours = harness.ratio_rounds(results, "ours", "openai", "cpu")
    print(f"target: copilot_sdk <= 0.5x openai's CPU per streamed turn: {harness.target(ours, 0.5)}")
    harness.save("stream", {
        "turns": n, "rounds": rounds, "skipped": skipped, "runs": results, "medians": med,
        "per_turn_cpu_us": {v: med[v]["cpu"] / n * 1e6 for v in variants},
        "targets": {"ours_vs_openai_cpu": [ours, 0.5]},
    }, args.json)


if __name__ == "__main__":
    sys.exit(main())
