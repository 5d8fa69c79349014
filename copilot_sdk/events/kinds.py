"""The event type names: :class:`SessionEventType`, a ``str`` Enum, as in the official
Copilot SDK."""

from __future__ import annotations

import enum
from typing import Union

__all__ = ["SessionEventType", "event_type"]


class SessionEventType(str, enum.Enum):
    """The event names, as in the official Copilot SDK.

    A ``str`` Enum: ``event.type == "assistant.message"``, ``event.type.value ==
    "assistant.message"`` and ``event.type is SessionEventType.ASSISTANT_MESSAGE`` all
    hold, and ``str()``/f-strings give the name itself. Members: the events emitted here.
    """

    SESSION_START = "session.start"
    SESSION_RESUME = "session.resume"
    SESSION_ERROR = "session.error"
    SESSION_IDLE = "session.idle"
    SESSION_MODEL_CHANGE = "session.model_change"
    SESSION_COMPACTION_START = "session.compaction_start"
    SESSION_COMPACTION_COMPLETE = "session.compaction_complete"
    SESSION_TRUNCATION = "session.truncation"
    USER_MESSAGE = "user.message"
    ASSISTANT_TURN_START = "assistant.turn_start"
    ASSISTANT_TURN_RETRY = "assistant.turn_retry"
    ASSISTANT_REASONING = "assistant.reasoning"
    ASSISTANT_REASONING_DELTA = "assistant.reasoning_delta"
    ASSISTANT_MESSAGE = "assistant.message"
    ASSISTANT_MESSAGE_DELTA = "assistant.message_delta"
    ASSISTANT_TURN_END = "assistant.turn_end"
    ASSISTANT_USAGE = "assistant.usage"
    ABORT = "abort"
    TOOL_EXECUTION_START = "tool.execution_start"
    TOOL_EXECUTION_COMPLETE = "tool.execution_complete"
    HOOK_END = "hook.end"
    PERMISSION_REQUESTED = "permission.requested"
    PERMISSION_COMPLETED = "permission.completed"
    USER_INPUT_REQUESTED = "user_input.requested"
    USER_INPUT_COMPLETED = "user_input.completed"
    SESSION_MCP_SERVER_STATUS_CHANGED = "session.mcp_server_status_changed"

    # Behave as the value wherever a str would: hashing (found among plain str keys), str(), format().
    __hash__ = str.__hash__

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)


def event_type(value: Union[str, SessionEventType]) -> SessionEventType:
    """``value`` as a SessionEventType; ValueError naming it if it is not one."""
    try:  # a dict lookup (a member hashes as its value): the Enum call costs a µs an event
        return _EVENT_TYPES[value]
    except (KeyError, TypeError):
        raise ValueError(f"unknown event type {value!r}") from None


_EVENT_TYPES: dict[str, SessionEventType] = {member.value: member for member in SessionEventType}
