"""Sessions that outlive the client: create, destroy, resume in a new client, delete.

A session created with an id is stored (SQLite, ``<base_directory>/sessions.db`` by
default) one committed turn at a time. A new client, in this process or another
one tomorrow, resumes it with ``resume_session(id)``: the model then receives the
same history it would have received had nothing stopped.

    python examples/persisting_sessions.py --offline   # MockModelServer, temporary home
    python examples/persisting_sessions.py             # your configured provider and home

Offline, the mock model echoes what it received: after the resume its answer counts
the messages of the earlier turns too.
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import textwrap
import uuid
from typing import Any, Dict, Iterator, Optional

from copilot_sdk import CopilotClient, ProviderConfig

MODEL = "gpt-5"


def show(who: str, text: str) -> None:
    lines = textwrap.wrap(" ".join(text.split()), 88) or [""]
    print(f"  {who:>6}: {lines[0]}")
    for line in lines[1:]:
        print(" " * 10 + line)


@contextlib.contextmanager
def client_settings(offline: bool) -> Iterator[Dict[str, Any]]:
    """Keyword arguments for each new CopilotClient (the same store every time)."""
    if not offline:
        yield {}
        return
    from copilot_sdk.testing import MockModelServer

    with MockModelServer() as server, tempfile.TemporaryDirectory() as home:
        provider = ProviderConfig(type="openai", base_url=server.openai_base_url, api_key="offline")
        yield {"provider": provider, "base_directory": home}


def main(argv: Optional[list[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offline", action="store_true", help="use the built-in MockModelServer")
    args = parser.parse_args(argv)
    session_id = f"notes-{uuid.uuid4().hex[:8]}"

    with client_settings(args.offline) as settings:
        print(f"== 1. a first client creates session {session_id!r}")
        with CopilotClient(**settings) as client:
            session = client.create_session(
                session_id=session_id,
                model=MODEL,
                system_message="You are a concise assistant for Python questions.",
            )
            for prompt in ("How do I create a virtual environment?", "And how do I activate it?"):
                show("you", prompt)
                show("model", session.send(prompt).data.content)
            session.destroy()
            print(f"  destroyed; the store lives at {getattr(client.store, 'path', client.store)}")
        print("  first client stopped")

        print("\n== 2. a new client resumes it")
        with CopilotClient(**settings) as client:
            session = client.resume_session(session_id)
            print(f"  resumed {session.session_id!r} (model {session.config.model})")
            prompt = "What have we discussed so far?"
            show("you", prompt)
            show("model", session.send(prompt).data.content)

            print("\n== 3. its persisted log (get_messages)")
            for event in session.get_messages():
                text = getattr(event.data, "content", "")
                detail = f" {text[:60]!r}" if text else ""
                print(f"  {event.timestamp:%H:%M:%S.%f} {event.type:22}{detail}".rstrip())

            print("\n== 4. stored sessions, newest first")
            for meta in client.list_sessions():
                print(f"  {meta.session_id:24} {meta.model or '-':10} {meta.summary!r}")
            print(f"  last session id: {client.get_last_session_id()}")

            print("\n== 5. delete it")
            session.destroy()
            client.delete_session(session_id)
            left = [m.session_id for m in client.list_sessions()]
            print(f"  deleted {session_id!r}; still stored: {session_id in left}")


if __name__ == "__main__":
    main()
