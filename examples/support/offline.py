"""A client for an example: the GitHub Copilot API (your login), or offline the
built-in MockModelServer with a temporary SDK home; and :class:`ScriptedModel`,
which plays the model's part offline, reply by reply, from what the tools returned."""

from __future__ import annotations

import contextlib
import json
import sys
import tempfile
from typing import Any, Callable, Iterator, List, Optional, Sequence, Tuple, Union

from copilot_sdk import ConfigurationError, CopilotClient, ProviderConfig, SessionEvent
from copilot_sdk.testing import MockModelServer, MockReply, MockToolCall

__all__ = [
    "MockReply",
    "MockToolCall",
    "Results",
    "ScriptedModel",
    "example_client",
    "json_values",
    "tool_calls",
]

NO_CREDENTIALS = """\
No GitHub credentials were found for the Copilot API. Log in once with

    python -m copilot_sdk login

(or set GH_TOKEN / COPILOT_GITHUB_TOKEN), or run the example offline with --offline.
"""

#: The results of a round of tool calls: (tool name, success, result text) per call.
Results = List[Tuple[str, bool, str]]
Step = Union[MockReply, Callable[[Results], MockReply]]


@contextlib.contextmanager
def example_client(
    offline: bool, **options: Any
) -> Iterator[Tuple[CopilotClient, Optional[MockModelServer]]]:
    """A started client and, offline, the mock server it talks to."""
    if not offline:
        try:
            with CopilotClient(**options) as client:
                yield client, None
        except ConfigurationError as exc:
            print(f"{exc}\n\n{NO_CREDENTIALS}", file=sys.stderr)
            raise SystemExit(2) from None
        return
    with MockModelServer() as server, tempfile.TemporaryDirectory() as home:
        provider = ProviderConfig(type="openai", base_url=server.openai_base_url, api_key="offline")
        options.setdefault("base_directory", home)
        with CopilotClient(provider=provider, **options) as client:
            yield client, server


def json_values(text: str) -> List[Any]:
    """The JSON values in a tool result (an MCP server may send one per content part)."""
    decoder, values, at = json.JSONDecoder(), [], 0
    while at < len(text):
        if text[at].isspace():
            at += 1
            continue
        value, at = decoder.raw_decode(text, at)
        values.append(value)
    return values


def tool_calls(*calls: Tuple[str, Any], content: str = "") -> MockReply:
    """A reply asking for tools: ``tool_calls(("view", {"path": "."}), ...)``."""
    return MockReply(content=content, tool_calls=[MockToolCall(name=n, arguments=a) for n, a in calls])


class ScriptedModel:
    """Plays the model offline: the first step answers the first model call; each
    later step, when it is a function, is called with the results of the tool round
    before it (so it can answer from what the tools really returned).

    Thread-safe enough for an example: steps are consumed by the session's turn
    thread only, in order.
    """

    def __init__(self, server: Optional[MockModelServer], steps: Sequence[Step] = ()) -> None:
        self.server = server
        self.steps: List[Step] = list(steps)
        self.round: Results = []
        self.expected = 0
        self.error: Optional[Exception] = None

    def attach(self, session: Any) -> None:
        """Follow ``session``'s events (does nothing online)."""
        if self.server is not None:
            session.on(self._on_event)

    def then(self, *steps: Step) -> None:
        """Queue more steps (e.g. for the next turn); the first is enqueued now if
        nothing is waiting for tool results."""
        self.steps.extend(steps)
        if self.server is not None and self.expected == 0 and self.steps:
            self._next()

    def _next(self) -> None:
        assert self.server is not None
        step = self.steps.pop(0)
        try:
            reply = step(self.round) if callable(step) else step
        except Exception as exc:  # a bug in the script: say so at the end, fail the example
            self.error = exc
            reply = MockReply(content=f"(the scripted model failed: {exc!r})")
        self.round = []
        self.server.enqueue(reply)

    def check(self) -> None:
        """Raise if a step of the script failed (the example then exits non-zero)."""
        if self.error is not None:
            raise RuntimeError("the scripted model failed") from self.error

    def _on_event(self, event: SessionEvent) -> None:
        if event.type == "assistant.message" and event.data.tool_requests:
            self.expected = len(event.data.tool_requests)
        elif event.type == "tool.execution_complete":
            self.round.append((event.data.tool_name or "", event.data.success, event.data.result or ""))
            if len(self.round) == self.expected:
                self.expected = 0
                if self.steps:
                    self._next()
