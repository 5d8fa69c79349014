"""Multiple independent sessions on one client, one by one and all at once.

Three conversations (two on gpt-5, one on claude-sonnet-4.5) each get a context
prompt and a follow-up; each answers from its own history only. Then the three
follow-ups go out concurrently with send_async.

    python examples/multiple_sessions.py --offline   # against the built-in MockModelServer
    python examples/multiple_sessions.py             # against your configured provider

Offline, the mock model echoes what it received (how many messages, the first and
last user message), so you can see that no session sees another's context.
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import textwrap
import time
from typing import Iterator, Optional

from copilot_sdk import CopilotClient, ProviderConfig

CONVERSATIONS = [
    # (session id or None for a generated one, model, context prompt, follow-up)
    (None, "gpt-5", "I'm working on a Python web API with FastAPI.", "How should I structure my routers?"),
    (None, "gpt-5", "I'm writing a command-line tool in Rust.", "Which crate parses arguments?"),
    (
        "user-123-chat",
        "claude-sonnet-4.5",
        "I keep my notes in Markdown files.",
        "How could I search them quickly?",
    ),
]


def show(label: str, prompt: str, answer: str) -> None:
    print(f"  [{label}] you:   {prompt}")
    lines = textwrap.wrap(answer, 80) or [""]
    print(f"  [{label}] model: {lines[0]}")
    for line in lines[1:]:
        print(" " * (len(label) + 12) + line)


@contextlib.contextmanager
def make_client(offline: bool) -> Iterator[CopilotClient]:
    if not offline:
        with CopilotClient() as client:
            yield client
        return
    from copilot_sdk.testing import MockModelServer

    with MockModelServer(latency=0.05) as server, tempfile.TemporaryDirectory() as home:
        provider = ProviderConfig(type="openai", base_url=server.openai_base_url, api_key="offline")
        with CopilotClient(provider=provider, base_directory=home) as client:
            yield client


def main(argv: Optional[list[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offline", action="store_true", help="use the built-in MockModelServer")
    args = parser.parse_args(argv)

    with make_client(args.offline) as client:
        print("== three sessions, one by one")
        sessions = []
        for session_id, model, context, follow_up in CONVERSATIONS:
            session = client.create_session(model=model, session_id=session_id)
            sessions.append(session)
            label = f"{session.session_id[:13]} {model}"
            show(label, context, session.send(context).data.content)
            show(label, follow_up, session.send(follow_up).data.content)

        print("\n== stored sessions, newest first")
        for meta in client.list_sessions():
            print(f"  {meta.session_id:38} {meta.model or '-':18} {meta.summary!r}")

        print("\n== the same follow-ups, sent concurrently")
        began = time.perf_counter()
        futures = [
            session.send_async(follow_up)
            for session, (_, _, _, follow_up) in zip(sessions, CONVERSATIONS, strict=True)
        ]
        for session, future, (_, model, _, follow_up) in zip(sessions, futures, CONVERSATIONS, strict=True):
            show(f"{session.session_id[:13]} {model}", follow_up, future.result(timeout=600).data.content)
        print(f"  ({len(futures)} turns in {time.perf_counter() - began:.2f} s)")

        print("\n== cleaning up")
        for session in sessions:
            session.destroy()
            client.delete_session(session.session_id)
            print(f"  deleted {session.session_id}")
        print(f"  sessions left: {len(client.list_sessions())}")


if __name__ == "__main__":
    main()
