"""A worker process for the store tests: another process (or host) on the same store.

Usage: ``python -m tests.store._worker '<json>'`` with keys ``factory``, ``args``,
``options`` (the backend, see ``_backends.Backend.spec``) and ``mode``:

- ``hold``: take the turn lease of ``session``, print ``{"held": true}``, wait for a
  line on stdin, then append one turn and print ``{"ok": length}`` or ``{"error": type}``.
- ``turns``: a CopilotClient on the store and the mock model at ``url``; ``threads``
  lists, per thread, the ``[session_id, prompt]`` pairs it sends in order.
- ``loop``: send to ``session`` forever (until killed).
- ``send``: send ``prompt`` to ``session`` once.

Prints ``{"ready": true}`` once the store is open, then one JSON line per turn:
``{"session", "prompt", "reply"}`` or ``{"session", "prompt", "error", "message"}``.
"""

from __future__ import annotations

import json
import sys
import threading
from typing import Any, Dict, List

from copilot_sdk import CopilotClient, CopilotError, ProviderConfig, Session
from tests.store._backends import load_factory
from tests.store._helpers import turn

_print_lock = threading.Lock()


def say(**fields: Any) -> None:
    with _print_lock:
        print(json.dumps(fields), flush=True)


def hold(store: Any, session_id: str) -> None:
    with store.turn_lock(session_id):
        say(held=True)
        sys.stdin.readline()
        try:
            say(ok=store.append(session_id, turn("from the stalled worker")))
        except CopilotError as exc:
            say(error=type(exc).__name__, message=str(exc))


def client_mode(store: Any, spec: Dict[str, Any]) -> None:
    client = CopilotClient(
        provider=ProviderConfig(type="openai", base_url=spec["url"], api_key="test-key"),
        store=store,
        retry_initial_delay=0.01,
        max_workers=16,
    )
    sessions: Dict[str, Session] = {}
    lock = threading.Lock()

    def session_for(session_id: str) -> Session:
        with lock:
            if session_id not in sessions:
                sessions[session_id] = client.resume_session(session_id)
            return sessions[session_id]

    def send(session_id: str, prompt: str) -> None:
        try:
            reply = session_for(session_id).send(prompt)
            say(session=session_id, prompt=prompt, reply=reply.data.content)
        except CopilotError as exc:
            say(session=session_id, prompt=prompt, error=type(exc).__name__, message=str(exc))

    try:
        mode = spec["mode"]
        if mode == "send":
            send(spec["session"], spec["prompt"])
        elif mode == "loop":
            n = 0
            while True:
                send(spec["session"], f"loop turn {n}")
                n += 1
        else:
            steps: List[List[List[str]]] = spec["threads"]
            threads = [
                threading.Thread(target=lambda s=s: [send(sid, p) for sid, p in s]) for s in steps
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
    finally:
        client.stop()


def main(spec: Dict[str, Any]) -> None:
    store = load_factory(spec["factory"])(**spec["args"], **spec["options"])
    say(ready=True)
    try:
        if spec["mode"] == "hold":
            hold(store, spec["session"])
        else:
            client_mode(store, spec)
    finally:
        store.close()


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
