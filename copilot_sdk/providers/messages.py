"""The canonical message model shared by the turn engine and every wire format.

A session's history is a projection of its event log (:func:`project_history`); a
provider turns a :class:`ModelRequest` into its wire JSON and its reply into a
:class:`ModelResponse`. Nothing here knows about HTTP or sessions.
"""

from __future__ import annotations

from typing import Any, Iterable, List, Optional, Tuple

import attrs

from ..events import SessionEvent, ToolRequest


@attrs.frozen(kw_only=True)
class Message:
    """One chat message. ``role`` is "user", "assistant" or "tool"."""

    role: str
    content: str = ""
    tool_calls: Tuple[ToolRequest, ...] = ()
    tool_call_id: Optional[str] = None
    name: Optional[str] = None


@attrs.frozen(kw_only=True)
class ToolSpec:
    """A tool as the model sees it: name, description, JSON Schema of its parameters."""

    name: str
    description: str
    parameters: Any


@attrs.frozen(kw_only=True)
class ModelRequest:
    """One model call, independent of the wire format."""

    model: Optional[str]
    system_message: Optional[str]
    messages: Tuple[Message, ...]
    tools: Tuple[ToolSpec, ...] = ()
    stream: bool = False
    temperature: Optional[float] = None
    max_output_tokens: Optional[int] = None
    reasoning_effort: Optional[str] = None
    #: "user" for a turn's first call, "agent" for the follow-ups of tool rounds.
    initiator: str = "user"
    #: one id per turn, sent by providers that want it (Copilot).
    interaction_id: Optional[str] = None


@attrs.frozen(kw_only=True)
class ModelResponse:
    """One model reply, independent of the wire format."""

    content: str
    tool_calls: Tuple[ToolRequest, ...] = ()
    model: Optional[str] = None
    message_id: Optional[str] = None
    input_tokens: Optional[int] = None
    output_tokens: Optional[int] = None
    finish_reason: Optional[str] = None


def project_history(events: Iterable[SessionEvent]) -> List[Message]:
    """The messages a session's committed log stands for, in order."""
    messages: List[Message] = []
    names: dict[str, str] = {}
    for event in events:
        data = event.data
        if event.type == "user.message":
            messages.append(Message(role="user", content=data.content))
        elif event.type == "assistant.message":
            for req in data.tool_requests:
                names[req.tool_call_id] = req.name
            messages.append(
                Message(role="assistant", content=data.content, tool_calls=data.tool_requests)
            )
        elif event.type == "tool.execution_complete":
            text = data.result if data.result is not None else (data.error or "")
            messages.append(
                Message(
                    role="tool",
                    content=text,
                    tool_call_id=data.tool_call_id,
                    name=data.tool_name or names.get(data.tool_call_id),
                )
            )
    return messages
