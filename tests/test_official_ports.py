"""Scripts from the official SDK's README and cookbook (github/awesome-copilot,
cookbook/copilot-sdk/python), with ``await`` and ``asyncio`` removed and the imports
saying ``copilot_sdk``, run unchanged against MockModelServer standing in for the
Copilot API (``GITHUB_COPILOT_API_TOKEN`` and ``COPILOT_API_URL`` point the default
client at it)."""

from __future__ import annotations

import threading
from typing import Any, List

import pytest

from copilot_sdk import CopilotClient, MessageOptions, PermissionHandler, SessionConfig
from copilot_sdk.events import AssistantMessageData, SessionIdleData
from copilot_sdk.testing import MockModelServer


@pytest.fixture(autouse=True)
def copilot_is_the_mock(server: MockModelServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_COPILOT_API_TOKEN", "copilot-api-token")
    monkeypatch.setenv("COPILOT_API_URL", server.url + "/copilot-api")


def test_readme_quick_start(server: MockModelServer, capsys: pytest.CaptureFixture[str]) -> None:
    # The official README's "Quick Start", await/asyncio removed (asyncio.Event -> threading.Event).
    def main() -> None:
        # Client automatically starts on enter and cleans up on exit
        with CopilotClient() as client:
            # Create a session with automatic cleanup
            with client.create_session(
                on_permission_request=PermissionHandler.approve_all,
                model="gpt-5",
            ) as session:
                # Wait for response using session.idle event
                done = threading.Event()

                def on_event(event: Any) -> None:
                    match event.data:
                        case AssistantMessageData() as data:
                            print(data.content)
                        case SessionIdleData():
                            done.set()

                session.on(on_event)

                # Send a message and wait for completion
                session.send("What is 2+2?")
                done.wait()

    main()
    assert "What is 2+2?" in capsys.readouterr().out
    assert server.chat_requests[0].get_header("Authorization") == "Bearer copilot-api-token"


def test_readme_manual_resource_management(
    server: MockModelServer, capsys: pytest.CaptureFixture[str]
) -> None:
    def main() -> None:
        client = CopilotClient()
        client.start()

        session = client.create_session(
            on_permission_request=PermissionHandler.approve_all,
            model="gpt-5",
        )

        done = threading.Event()

        def on_event(event: Any) -> None:
            match event.data:
                case AssistantMessageData() as data:
                    print(data.content)
                case SessionIdleData():
                    done.set()

        session.on(on_event)
        session.send("What is 2+2?")
        done.wait()

        # Clean up manually
        session.disconnect()
        client.stop()

    main()
    assert "What is 2+2?" in capsys.readouterr().out


def test_cookbook_error_handling(server: MockModelServer, capsys: pytest.CaptureFixture[str]) -> None:
    def main() -> None:
        client = CopilotClient()

        try:
            client.start()
            session = client.create_session(
                SessionConfig(model="gpt-5", on_permission_request=PermissionHandler.approve_all)
            )

            response = session.send_and_wait(MessageOptions(prompt="Hello!"))

            if response:
                print(response.data.content)

            session.destroy()
        except Exception as e:
            print(f"Error: {e}")
        finally:
            client.stop()

    main()
    out = capsys.readouterr().out
    assert "Hello!" in out and "Error" not in out


def test_cookbook_multiple_sessions(server: MockModelServer, capsys: pytest.CaptureFixture[str]) -> None:
    def main() -> None:
        client = CopilotClient()
        client.start()

        # Create multiple independent sessions
        session1 = client.create_session(
            SessionConfig(model="gpt-5", on_permission_request=PermissionHandler.approve_all)
        )
        session2 = client.create_session(
            SessionConfig(model="gpt-5", on_permission_request=PermissionHandler.approve_all)
        )
        session3 = client.create_session(
            SessionConfig(model="claude-sonnet-4.5", on_permission_request=PermissionHandler.approve_all)
        )

        print("Created 3 independent sessions")

        # Each session maintains its own conversation history
        session1.send(MessageOptions(prompt="You are helping with a Python project"))
        session2.send(MessageOptions(prompt="You are helping with a TypeScript project"))
        session3.send(MessageOptions(prompt="You are helping with a Go project"))

        print("Sent initial context to all sessions")

        # Follow-up messages stay in their respective contexts
        session1.send(MessageOptions(prompt="How do I create a virtual environment?"))
        session2.send(MessageOptions(prompt="How do I set up tsconfig?"))
        session3.send(MessageOptions(prompt="How do I initialize a module?"))

        print("Sent follow-up questions to each session")

        # Clean up all sessions
        session1.destroy()
        session2.destroy()
        session3.destroy()
        client.stop()

        print("All sessions destroyed successfully")

    main()
    assert capsys.readouterr().out.splitlines()[-1] == "All sessions destroyed successfully"
    followups = [r for r in server.requests if r.method == "POST"][-3:]
    texts = [str(r.body) for r in followups]
    assert "Python" in texts[0] and "TypeScript" not in texts[0]
    assert "TypeScript" in texts[1] and "Go project" in texts[2] and "Python" not in texts[2]


def test_cookbook_persisting_sessions(server: MockModelServer, capsys: pytest.CaptureFixture[str]) -> None:
    def main() -> List[str]:
        client = CopilotClient()
        client.start()

        # Create session with a memorable ID
        session = client.create_session(
            SessionConfig(
                session_id="user-123-conversation",
                model="gpt-5",
                on_permission_request=PermissionHandler.approve_all,
            )
        )

        session.send_and_wait(MessageOptions(prompt="Let's discuss TypeScript generics"))
        print(f"Session created: {session.session_id}")

        # Destroy session but keep data on disk
        session.destroy()
        print("Session destroyed (state persisted)")

        # Resume the previous session
        resumed = client.resume_session(
            "user-123-conversation", on_permission_request=PermissionHandler.approve_all
        )
        print(f"Resumed: {resumed.session_id}")

        resumed.send_and_wait(MessageOptions(prompt="What were we discussing?"))

        # List sessions
        sessions = client.list_sessions()
        print("Sessions:", [s.session_id for s in sessions])

        # Delete session permanently
        client.delete_session("user-123-conversation")
        print("Session deleted")

        resumed.destroy()
        client.stop()
        return [s.session_id for s in sessions]

    assert main() == ["user-123-conversation"]
    assert "Session deleted" in capsys.readouterr().out
    last = server.chat_requests[-1].body["messages"]
    assert [m["role"] for m in last] == ["user", "assistant", "user"]  # the resumed history was sent
    assert "TypeScript generics" in last[0]["content"]
