"""Many threads sending, aborting and timing out at once: every call resolves, and
every session's log holds exactly the turns whose callers were told they succeeded."""

from __future__ import annotations

import random
import threading
from concurrent.futures import Future
from typing import Any, Callable, Dict, List

from copilot_sdk import AbortedError, CopilotClient, ProviderConfig, TurnTimeoutError
from copilot_sdk.testing import MockModelServer

JOIN = 60.0


def test_sends_aborts_and_timeouts_from_many_threads(
    make_client: Callable[..., CopilotClient],
) -> None:
    with MockModelServer(latency=0.01, chunk_size=3, chunk_delay=0.001) as srv:
        provider = ProviderConfig(type="openai", base_url=srv.openai_base_url, api_key="k")
        client = make_client(provider=provider, max_workers=4)
        sessions = [client.create_session(model="gpt-5", session_id=f"s{i}") for i in range(6)]
        outcomes: Dict[str, List[str]] = {s.session_id: [] for s in sessions}
        lock = threading.Lock()
        futures: List[tuple[str, str, Future[Any]]] = []
        start = threading.Barrier(8)

        def worker(seed: int) -> None:
            rng = random.Random(seed)
            start.wait(JOIN)
            for k in range(60):
                session = rng.choice(sessions)
                prompt = f"w{seed}-{k}"
                action = rng.random()
                if action < 0.55:
                    with lock:
                        futures.append((session.session_id, prompt, session.send_async(prompt)))
                elif action < 0.7:
                    try:
                        session.send_and_wait(prompt, timeout=rng.choice([0.001, 0.05, 5.0]))
                        result = "ok"
                    except (TurnTimeoutError, AbortedError):
                        result = "lost"
                    with lock:
                        outcomes[session.session_id].append(f"{prompt}:{result}")
                elif action < 0.85:
                    events = session.stream(prompt)
                    result = "ok"
                    try:
                        for i, _event in enumerate(events):
                            if rng.random() < 0.05 and i > 2:
                                events.close()  # leave early: aborts the turn
                                result = "maybe"
                                break
                    except AbortedError:
                        result = "lost"
                    with lock:
                        outcomes[session.session_id].append(f"{prompt}:{result}")
                else:
                    session.abort()

        threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(JOIN)
            assert not t.is_alive(), "a worker hung"
        for session_id, prompt, future in futures:
            try:
                future.result(JOIN)
                result = "ok"
            except AbortedError:
                result = "lost"
            outcomes[session_id].append(f"{prompt}:{result}")

        for session in sessions:
            log = session.get_messages()
            committed = [e.data.content for e in log if e.type == "user.message"]
            # every turn in the log is complete: user, start, message, usage, end
            types = [e.type for e in log]
            assert types == [
                "user.message", "assistant.turn_start", "assistant.message",
                "assistant.usage", "assistant.turn_end",
            ] * len(committed)
            told_ok = {o.rsplit(":", 1)[0] for o in outcomes[session.session_id] if o.endswith(":ok")}
            lost = {o.rsplit(":", 1)[0] for o in outcomes[session.session_id] if o.endswith(":lost")}
            assert told_ok <= set(committed)
            assert not (lost & set(committed))
            assert len(committed) == len(set(committed))
            # the history sent with each committed turn is exactly the turns before it
            bodies = {
                r.body["messages"][-1]["content"]: r.body["messages"]
                for r in srv.chat_requests
                if r.body["messages"][-1]["content"] in committed
            }
            for index, prompt in enumerate(committed):
                sent = [m["content"] for m in bodies[prompt] if m["role"] == "user"]
                assert sent == committed[: index + 1]
        everything = [o.rsplit(":", 1)[1] for v in outcomes.values() for o in v]
        assert everything.count("ok") > 100 and everything.count("lost") > 5
