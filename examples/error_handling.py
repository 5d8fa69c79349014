"""Error handling: what fails, how it surfaces, and how to recover.

The official cookbook's "Error Handling" recipe, synchronous: start the client,
create a session, ``send_and_wait``, print any error, always stop the client. Then,
beyond the recipe, the SDK's typed errors one by one: a rate limit retried by
itself (``assistant.turn_retry``), a refused credential (``AuthenticationError``), a
turn over its time budget (``TurnTimeoutError``, the session usable right after),
and a tool failing (``ToolError``, sent to the model, the turn goes on).

    python examples/error_handling.py --offline   # MockModelServer injects the faults
    python examples/error_handling.py             # GitHub Copilot (the recipe part only)
"""

from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from support.offline import MockReply, example_client, tool_calls

from copilot_sdk import (
    APIStatusError,
    AuthenticationError,
    CopilotError,
    MessageOptions,
    PermissionHandler,
    SessionConfig,
    ToolError,
    TurnTimeoutError,
    define_tool,
)


@define_tool
def lookup_order(order_id: str) -> str:
    """Look an order up by its id."""
    raise ToolError(f"no order {order_id!r}; order ids look like 'A-1234'")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offline", action="store_true", help="use the built-in MockModelServer")
    args = parser.parse_args(argv)
    from copilot_sdk.testing import MockFault

    with example_client(args.offline, retry_initial_delay=0.05) as (client, server):
        # The recipe
        try:
            session = client.create_session(
                SessionConfig(
                    model="gpt-5", on_permission_request=PermissionHandler.approve_all, tools=[lookup_order]
                )
            )
            if server is not None:
                server.enqueue(MockReply(content="Hello! How can I help you today?"))
            response = session.send_and_wait(MessageOptions(prompt="Hello!"), timeout=120)
            print(response.data.content)
        except CopilotError as e:  # every SDK failure is a CopilotError
            print(f"Error: {e}")
            return 1
        if server is None:
            session.destroy()
            return 0

        # A rate limit: retried after Retry-After, the caller sees only the answer
        session.on(
            "assistant.turn_retry", lambda e: print(f"  retrying after {e.data.delay:.2f} s: {e.data.error}")
        )
        server.enqueue(
            MockFault(status=429, headers={"Retry-After": "0.1"}), MockReply(content="Answer after a retry")
        )
        print(session.send("Tell me something").data.content)

        # A refused credential: not retried, raised with the status and the provider's message
        server.enqueue(MockFault(status=401, message="bad key"))
        try:
            session.send("Hello?")
        except AuthenticationError as e:
            print(f"AuthenticationError (status {e.status_code}): {e}")
        except APIStatusError as e:
            print(f"other HTTP error {e.status_code}: {e}")

        # Over the time budget: the turn is aborted, nothing of it is kept
        server.enqueue(MockReply(content="too late", latency=5.0))
        try:
            session.send_and_wait("Think long and hard", timeout=0.3)
        except TurnTimeoutError as e:
            print(f"TurnTimeoutError: {e}")
        server.enqueue(MockReply(content="Back on track"))
        print(session.send("And now?").data.content)

        # A tool that fails: its ToolError message goes to the model, which can recover
        session.on(
            "tool.execution_complete",
            lambda e: None if e.data.success else print(f"  tool failed, the model reads: {e.data.result}"),
        )
        server.enqueue(
            tool_calls(("lookup_order", {"order_id": "42"})),
            MockReply(content="I could not find order 42: order ids look like 'A-1234'."),
        )
        print(session.send("Where is my order 42?").data.content)
        print(f"{len(session.get_messages())} events kept: only the turns that completed")
        session.destroy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
