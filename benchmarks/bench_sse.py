"""SSE decoding throughput: copilot_sdk's decoder against openai's, in process.

Two inputs, fed in 64 KiB chunks (what a socket read hands over): one large event
(a single 8 MiB ``data:`` line, e.g. a big tool-call argument or an image) and a
typical chat stream (``chat.completion.chunk`` events of a few deltas each, 8 MiB
in all). CPU time, rounds alternating; MB/s is input bytes over CPU seconds.

Target: >= 50 MB/s on the large event.

    python benchmarks/bench_sse.py [--smoke] [--rounds 5] [--json PATH]
"""

from __future__ import annotations

import json
import sys
import time
from typing import Callable, Dict, List

import harness

CHUNK = 64 * 1024


def large_event(size: int) -> bytes:
    return b"data: " + b'{"x":"' + b"a" * size + b'"}' + b"\n\n"


def chat_stream(size: int) -> bytes:
    delta = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "gpt-5",
             "choices": [{"index": 0, "delta": {"content": "Hello, wor"}, "finish_reason": None}]}
    one = b"data: " + json.dumps(delta).encode() + b"\n\n"
    return one * (size // len(one)) + b"data: [DONE]\n\n"


def chunks(payload: bytes) -> List[bytes]:
    return [payload[i : i + CHUNK] for i in range(0, len(payload), CHUNK)]


def ours(pieces: List[bytes]) -> int:
    from copilot_sdk._transport.sse import iter_sse

    return sum(len(e.data) for e in iter_sse(pieces))


def openai_decoder(pieces: List[bytes]) -> int:
    from openai._streaming import SSEDecoder

    return sum(len(e.data) for e in SSEDecoder().iter_bytes(iter(pieces)))


def timed(decode: Callable[[List[bytes]], int], pieces: List[bytes]) -> Dict[str, float]:
    cpu0 = time.process_time()
    decode(pieces)
    return {"cpu": time.process_time() - cpu0}


def main() -> None:
    args = harness.parser(__doc__).parse_args()
    size, rounds = (1 << 20, 1) if args.smoke else (8 << 20, args.rounds)
    decoders: Dict[str, Callable[[List[bytes]], int]] = {"copilot_sdk": ours}
    skipped = {}
    if why := harness.have("openai"):
        skipped["openai"] = why
    else:
        decoders["openai"] = openai_decoder
    for decode in decoders.values():
        decode([b"data: warm-up\n\n"])  # imports are not decoding
    inputs = {"one large event": large_event(size), "chat stream": chat_stream(size)}
    report: Dict[str, Dict[str, float]] = {}
    rows = []
    for label, payload in inputs.items():
        pieces = chunks(payload)
        results = harness.alternate(list(decoders), rounds, lambda d: timed(decoders[d], pieces))  # noqa: B023
        med = harness.medians(results)
        mb = len(payload) / 1e6
        report[label] = {d: mb / max(m["cpu"], 1e-9) for d, m in med.items()}
        for d in decoders:
            rows.append([f"{label}: {d}", mb / max(med[d]["cpu"], 1e-9), med[d]["cpu"] * 1e3])
    print(harness.table(
        f"SSE decoding, {size / 1e6:.1f} MB inputs in 64 KiB chunks, {rounds} alternating round(s), "
        "CPU medians",
        ["input: decoder", "MB/s", "CPU ms"], rows,
    ))
    for d, why in skipped.items():
        print(f"skipped {d}: {why}")
    large = report["one large event"]["copilot_sdk"]
    print(f"target: >= 50 MB/s on a large event: {harness.target(large, 50, at_least=True)}")
    harness.save("sse", {"bytes": size, "rounds": rounds, "mb_per_s": report, "skipped": skipped,
                         "targets": {"large_event_mb_per_s": [large, 50]}}, args.json)


if __name__ == "__main__":
    sys.exit(main())
