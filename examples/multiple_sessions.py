"""Working with multiple sessions: independent conversations on one client.

The official cookbook's "Multiple Sessions" recipe, synchronous and prompt for
prompt: three sessions with their own context, a follow-up in each, a custom
session id, listing and deleting sessions; then, beyond the recipe, the three
follow-ups again, sent concurrently.

    python examples/multiple_sessions.py --offline   # against the built-in MockModelServer
    python examples/multiple_sessions.py             # against GitHub Copilot (your login)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import textwrap
import time
from typing import Optional

from copilot_sdk import ConfigurationError, CopilotClient, MessageOptions, ProviderConfig, SessionConfig

OFFLINE_NOTE = (
    "offline: the built-in mock model echoes what it received, so each answer shows "
    "that session's own context"
)
NO_CREDENTIALS = """\
No GitHub credentials were found for the Copilot API. Either log in once:

    python -m copilot_sdk login

(or set GH_TOKEN / COPILOT_GITHUB_TOKEN), or run this example offline:

    python examples/multiple_sessions.py --offline
"""


def show(session_id: str, prompt: str, answer: str) -> None:
    print(f"  [{session_id[:8]}] {prompt}")
    print(textwrap.indent(textwrap.fill(answer, 86), "      "))


def run(client: CopilotClient) -> None:
    # Create multiple independent sessions
    session1 = client.create_session(SessionConfig(model="gpt-5"))
    session2 = client.create_session(SessionConfig(model="gpt-5"))
    session3 = client.create_session(SessionConfig(model="claude-sonnet-4.5"))
    print("Created 3 independent sessions")

    # Each session maintains its own conversation history
    session1.send(MessageOptions(prompt="You are helping with a Python project"))
    session2.send(MessageOptions(prompt="You are helping with a TypeScript project"))
    session3.send(MessageOptions(prompt="You are helping with a Go project"))
    print("Sent initial context to all sessions")

    # Follow-up messages stay in their respective contexts
    reply1 = session1.send(MessageOptions(prompt="How do I create a virtual environment?"))
    reply2 = session2.send(MessageOptions(prompt="How do I set up tsconfig?"))
    reply3 = session3.send(MessageOptions(prompt="How do I initialize a module?"))
    print("Sent follow-up questions to each session")
    show(session1.session_id, "How do I create a virtual environment?", reply1.data.content)
    show(session2.session_id, "How do I set up tsconfig?", reply2.data.content)
    show(session3.session_id, "How do I initialize a module?", reply3.data.content)

    # Custom session IDs
    session = client.create_session(SessionConfig(session_id="user-123-chat", model="gpt-5"))
    print(session.session_id)  # "user-123-chat"

    # Listing sessions
    sessions = client.list_sessions()
    for session_info in sessions:
        print(f"Session: {session_info.session_id}")

    # Deleting sessions
    client.delete_session("user-123-chat")
    print(f"Deleted user-123-chat; {len(client.list_sessions())} sessions left")

    # Beyond the recipe: the three follow-ups again, all at once
    began = time.perf_counter()
    future1 = session1.send_async(MessageOptions(prompt="How do I create a virtual environment?"))
    future2 = session2.send_async(MessageOptions(prompt="How do I set up tsconfig?"))
    future3 = session3.send_async(MessageOptions(prompt="How do I initialize a module?"))
    show(session1.session_id, "(again, concurrently)", future1.result(timeout=600).data.content)
    show(session2.session_id, "(again, concurrently)", future2.result(timeout=600).data.content)
    show(session3.session_id, "(again, concurrently)", future3.result(timeout=600).data.content)
    print(f"3 concurrent turns in {time.perf_counter() - began:.2f} s")

    # Clean up all sessions
    session1.destroy()
    session2.destroy()
    session3.destroy()
    print("All sessions destroyed successfully")


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offline", action="store_true", help="use the built-in MockModelServer")
    args = parser.parse_args(argv)

    if not args.offline:
        try:
            with CopilotClient() as client:
                run(client)
        except ConfigurationError as exc:
            print(f"{exc}\n\n{NO_CREDENTIALS}", file=sys.stderr)
            return 2
        return 0

    from copilot_sdk.testing import MockModelServer

    print(OFFLINE_NOTE)
    with MockModelServer(latency=0.05) as server, tempfile.TemporaryDirectory() as home:
        provider = ProviderConfig(type="openai", base_url=server.openai_base_url, api_key="offline")
        with CopilotClient(provider=provider, base_directory=home) as client:
            run(client)
    return 0


if __name__ == "__main__":
    sys.exit(main())
