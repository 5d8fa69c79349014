"""Error-recovery hooks: classify tool failures and SDK errors, and keep the model
investigating instead of giving up.

The official cookbook's "Error Recovery Hooks" recipe, synchronous: the same
classifiers and the standalone classification demo, then a session with the hooks
wired in. ``on_post_tool_use`` appends a continuation note to failed shell and
permission-denied results (the model reads it); ``on_error_occurred`` classifies
an SDK error so the caller can retry a transient one.

    python examples/error_recovery_hooks.py --offline   # MockModelServer plays the model and injects a 503
    python examples/error_recovery_hooks.py             # GitHub Copilot (your login)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from enum import Enum
from typing import Any, Dict, List, Optional

from support.offline import MockReply, ScriptedModel, example_client, tool_calls

from copilot_sdk import CopilotError
from copilot_sdk.tools import PermissionRequest


class ToolResultCategory(str, Enum):
    SHELL_ERROR = "shell_error"
    PERMISSION_DENIED = "permission_denied"
    NORMAL = "normal"


class SDKErrorCategory(str, Enum):
    CLIENT_ERROR = "client_error"  # 4xx: not retryable
    TRANSIENT = "transient"  # 5xx / timeout
    NON_RECOVERABLE = "non_recoverable"


PERMISSION_DENIAL_PHRASES = [
    "permission denied",
    "access denied",
    "not permitted",
    "operation not allowed",
    "eacces",
    "eperm",
    "403 forbidden",
    "was denied",
]
SHELL_ERROR_PHRASES = ["command not found", "no such file or directory", "exit code 1", "errno", "traceback"]
CONTINUATION_MESSAGES = {
    ToolResultCategory.SHELL_ERROR: (
        "\n\n[SYSTEM NOTE: This command encountered an error. This does NOT mean you should stop. "
        "Retry with different arguments, try a different tool, or move on.]"
    ),
    ToolResultCategory.PERMISSION_DENIED: (
        "\n\n[SYSTEM NOTE: Permission was denied for this specific action. "
        "Continue using alternative approaches.]"
    ),
}


def classify_tool_result(tool_name: str, result_text: str) -> ToolResultCategory:
    """Classify a tool's output into a failure category."""
    result_lower = result_text.lower()
    if any(phrase in result_lower for phrase in PERMISSION_DENIAL_PHRASES):
        return ToolResultCategory.PERMISSION_DENIED
    if any(phrase in result_lower for phrase in SHELL_ERROR_PHRASES):
        return ToolResultCategory.SHELL_ERROR
    return ToolResultCategory.NORMAL


def classify_sdk_error(error_msg: str, recoverable: bool) -> SDKErrorCategory:
    """Classify an SDK-level error for retry/skip decisions."""
    error_lower = error_msg.lower()
    if any(kw in error_lower for kw in ("timeout", "503", "502", "429", "retry")):
        return SDKErrorCategory.TRANSIENT
    if any(kw in error_lower for kw in ("401", "403", "404", "400", "422")):
        return SDKErrorCategory.CLIENT_ERROR
    return SDKErrorCategory.TRANSIENT if recoverable else SDKErrorCategory.NON_RECOVERABLE


def field(data: Dict[str, Any], name: str) -> Any:
    """A hook input field by its official camelCase name (or its snake_case twin)."""
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in name)
    return data.get(name, data.get(snake))


def on_post_tool_use(input_data: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """Append continuation hints to failed tool results."""
    tool_name = field(input_data, "toolName") or ""
    result = field(input_data, "toolResult")
    text = getattr(result, "text_result_for_llm", str(result))
    category = classify_tool_result(tool_name, text)
    print(f"  [hook] {tool_name} -> {category.value}")
    if category in CONTINUATION_MESSAGES:
        return {"modifiedResult": text + CONTINUATION_MESSAGES[category]}
    return None


last_error: Dict[str, SDKErrorCategory] = {}


def on_error_occurred(input_data: Dict[str, Any]) -> None:
    """Classify the error; the caller decides to retry a transient one."""
    error_msg = str(field(input_data, "error") or "")
    category = classify_sdk_error(error_msg, bool(field(input_data, "recoverable")))
    last_error["category"] = category
    print(f"  [hook] SDK error -> {category.value}: {error_msg[:80]}")


def demo_classification() -> None:
    samples = [
        ("bash", "ls: cannot access '/root': Permission denied"),
        ("bash", "grep: command not found"),
        ("read_file", '{"lines": ["INFO startup complete"]}'),
        ("bash", "cat: /etc/shadow: Operation not permitted"),
    ]
    print("Classification demo:\n" + "-" * 60)
    for tool, output in samples:
        print(f"  {tool:15s} | {classify_tool_result(tool, output).value:20s} | {output[:50]}")
    print("\nSDK error classification demo:\n" + "-" * 60)
    for msg, recoverable in [
        ("Connection timeout after 30s", True),
        ("HTTP 503 Service Unavailable", True),
        ("HTTP 404 Not Found", False),
        ("Unexpected server error", False),
    ]:
        print(f"  recoverable={recoverable!s:5s} | {classify_sdk_error(msg, recoverable).value:20s} | {msg}")


def deny_outside(request: PermissionRequest) -> bool:
    """Commands in the working folder are fine; reading elsewhere is not."""
    return not request.outside_working_directory


def demo_with_session(offline: bool) -> int:
    from copilot_sdk.testing import MockFault

    with (
        tempfile.TemporaryDirectory() as folder,
        example_client(offline, retry_initial_delay=0.05) as (client, server),
    ):
        session = client.create_session(
            model="gpt-5",
            available_tools=["builtin:*"],
            working_directory=folder,
            on_permission_request=deny_outside,
            hooks={"on_post_tool_use": on_post_tool_use, "on_error_occurred": on_error_occurred},
        )
        model = ScriptedModel(server)
        model.attach(session)
        model.then(
            tool_calls(
                ("bash", {"command": "ls -la /tmp | head -3"}),
                ("view", {"path": "/etc/shadow"}),
                ("bash", {"command": "cat /etc/shadow-missing"}),
            ),
            lambda results: MockReply(
                content="I listed /tmp; /etc/shadow is off limits (permission denied) and "
                f"/etc/shadow-missing does not exist, so I moved on. ({len(results)} calls)"
            ),
        )
        response = session.send(
            "List the files in /tmp and then try to read /etc/shadow. "
            "If you can't read it, explain why and move on."
        )
        print(f"\nAgent response:\n{response.data.content}\n")
        if server is not None:  # a server error that outlasts the retries
            server.enqueue(*[MockFault(status=503)] * 3, MockReply(content="Recovered."))
        for attempt in range(1, 4):
            try:
                print(session.send("Summarise what you found in one line.").data.content)
                break
            except CopilotError:
                if last_error.get("category") is not SDKErrorCategory.TRANSIENT:
                    raise
                print(f"  transient error, sending again (attempt {attempt + 1})")
        model.check()
        session.destroy()
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offline", action="store_true", help="use the built-in MockModelServer")
    args = parser.parse_args(argv)
    demo_classification()
    print()
    return demo_with_session(args.offline)


if __name__ == "__main__":
    sys.exit(main())
