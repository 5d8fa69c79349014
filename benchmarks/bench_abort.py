"""How fast abort and timeouts take effect while the server stalls.

Measures, over several runs: ``session.abort()`` while the request waits for
response headers (the server would take a minute), ``abort()`` in the middle of a
stalled stream, and ``send_and_wait(timeout=0.5)`` overshoot. Prints median and max.
No peer is measured: bare requests and the sync openai client have no way to stop a
request blocked in another thread (their callers wait for the read timeout).

    python benchmarks/bench_abort.py [--smoke] [--rounds 20] [--json PATH]
"""

from __future__ import annotations

import statistics
import threading
import time
from concurrent.futures import Future
from typing import Any, Callable, Dict, List

import harness

from copilot_sdk import AbortedError, CopilotClient, ProviderConfig, TurnTimeoutError
from copilot_sdk.testing import MockModelServer, MockReply


def _time_abort(session: Any, future: Future[Any]) -> float:
    """Seconds from ``session.abort()`` until the turn's caller sees AbortedError."""
    time.sleep(0.05)  # let the turn settle into its wait
    began = time.perf_counter()
    session.abort()
    try:
        future.result(30)
    except AbortedError:
        pass
    return time.perf_counter() - began


def abort_waiting_for_headers(client: CopilotClient, server: MockModelServer) -> float:
    session = client.create_session(model="gpt-5")
    server.enqueue(MockReply(content="late", latency=60))
    n = len(server.chat_requests)
    future = session.send_async("stall")
    server.wait_for_requests(n + 1, timeout=30)
    return _time_abort(session, future)


def abort_mid_stream(client: CopilotClient, server: MockModelServer) -> float:
    session = client.create_session(model="gpt-5", streaming=True)
    server.enqueue(MockReply(content="x" * 400, chunk_size=4, stall_after=5))
    got = threading.Event()
    session.on("assistant.message_delta", lambda e: got.set())
    future = session.send_async("stream")
    got.wait(30)
    return _time_abort(session, future)


def timeout_overshoot(client: CopilotClient, server: MockModelServer) -> float:
    session = client.create_session(model="gpt-5")
    server.enqueue(MockReply(content="late", latency=60))
    began = time.perf_counter()
    try:
        session.send_and_wait("stall", timeout=0.5)
    except TurnTimeoutError:
        pass
    return time.perf_counter() - began - 0.5


def main() -> None:
    args = harness.parser(__doc__, rounds=20).parse_args()
    runs = 2 if args.smoke else args.rounds
    figures: Dict[str, Dict[str, float]] = {}
    with MockModelServer() as server:
        provider = ProviderConfig(type="openai", base_url=server.openai_base_url, api_key="bench")
        with CopilotClient(provider=provider, store=":memory:") as client:
            cases: List[tuple[str, Callable[[CopilotClient, MockModelServer], float]]] = [
                ("abort while waiting for headers", abort_waiting_for_headers),
                ("abort in the middle of a stream", abort_mid_stream),
                ("send_and_wait(timeout=0.5) overshoot", timeout_overshoot),
            ]
            for label, case in cases:
                times = [case(client, server) for _ in range(runs)]
                figures[label] = {"median_ms": statistics.median(times) * 1000, "max_ms": max(times) * 1000}
            client.stop(force=True)
    print(harness.table(f"{runs} runs each; the server would otherwise stall for 60 s",
                        ["case", "median ms", "max ms"],
                        [[k, v["median_ms"], v["max_ms"]] for k, v in figures.items()]))
    harness.save("abort", {"runs": runs, "figures": figures}, args.json)


if __name__ == "__main__":
    main()
