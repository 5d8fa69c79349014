"""How fast abort and timeouts take effect while the server stalls.

Measures, over several runs: ``session.abort()`` while the request waits for
response headers (the server would take a minute), ``abort()`` in the middle of a
stalled stream, and ``send_and_wait(timeout=0.5)`` overshoot. Prints median and max.

    python benchmarks/bench_abort.py [--smoke]
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from concurrent.futures import Future
from typing import Any, Callable, List

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
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    runs = 2 if args.smoke else args.runs
    with MockModelServer() as server:
        provider = ProviderConfig(type="openai", base_url=server.openai_base_url, api_key="bench")
        with CopilotClient(provider=provider, store=":memory:") as client:
            cases: List[tuple[str, Callable[[CopilotClient, MockModelServer], float]]] = [
                ("abort while waiting for headers", abort_waiting_for_headers),
                ("abort in the middle of a stream", abort_mid_stream),
                ("send_and_wait(timeout=0.5) overshoot", timeout_overshoot),
            ]
            print(f"{runs} runs each; the server would otherwise stall for 60 s")
            print(f"{'':40}{'median ms':>11}{'max ms':>9}")
            for label, case in cases:
                times = [case(client, server) for _ in range(runs)]
                print(f"{label:40}{statistics.median(times) * 1000:11.1f}{max(times) * 1000:9.1f}")
            client.stop(force=True)


if __name__ == "__main__":
    main()
