"""A separate process for the persistence tests: drives a CopilotClient on a shared
SQLite store, as another script or notebook would.

Usage: ``python tests/_persist_worker.py '<json>'`` with keys:

- ``db``: the database path; ``url``: the mock server's OpenAI base URL;
- ``lease_ttl``: the store's lease TTL (seconds);
- ``create``: sessions to create first, each ``{"session_id", "model",
  "system_message"}``;
- ``steps``: ``[session_id, prompt]`` pairs sent in order (sessions are resumed on
  first use unless created here);
- ``loop``: session ids to send to round-robin forever (until killed).

Prints one JSON line per committed turn: ``{"session": id, "reply": text}``.
"""

from __future__ import annotations

import json
import sys
from typing import Any, Dict

from copilot_sdk import CopilotClient, ProviderConfig, Session
from copilot_sdk.store.sqlite import SQLiteStore


def main(spec: Dict[str, Any]) -> None:
    store = SQLiteStore(spec["db"], lease_ttl=float(spec.get("lease_ttl", 30.0)))
    client = CopilotClient(
        provider=ProviderConfig(type="openai", base_url=spec["url"], api_key="test-key"),
        store=store,
        retry_initial_delay=0.01,
    )
    sessions: Dict[str, Session] = {}
    try:
        for fields in spec.get("create", []):
            session = client.create_session(**fields)
            sessions[session.session_id] = session

        def session_for(session_id: str) -> Session:
            if session_id not in sessions:
                sessions[session_id] = client.resume_session(session_id)
            return sessions[session_id]

        for session_id, prompt in spec.get("steps", []):
            reply = session_for(session_id).send(prompt)
            print(json.dumps({"session": session_id, "reply": reply.data.content}), flush=True)
        loop = spec.get("loop") or []
        n = 0
        while loop:
            session_id = loop[n % len(loop)]
            reply = session_for(session_id).send(f"{session_id} turn {n // len(loop)}")
            print(json.dumps({"session": session_id, "reply": reply.data.content}), flush=True)
            n += 1
    finally:
        client.stop()
        store.close()


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
