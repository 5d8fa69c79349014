"""A session's conversation: its committed event log and the history projected from it.

The message history sent to the model is a projection of the append-only event log
(:func:`project_history`); a resumed session rebuilds it from the stored log, so it
sends the same requests a session that never stopped would.
"""

from __future__ import annotations

import threading
from typing import Iterable, List

from ..events import AssistantMessageData, SessionEvent, ToolExecutionCompleteData, UserMessageData
from ..providers.base import Message

__all__ = ["Conversation", "project_history"]


def project_history(events: Iterable[SessionEvent]) -> List[Message]:
    """The messages a session's committed log stands for, in order."""
    messages: List[Message] = []
    names: dict[str, str] = {}
    for event in events:
        data = event.data
        if isinstance(data, UserMessageData):
            messages.append(Message(role="user", content=data.content))
        elif isinstance(data, AssistantMessageData):
            for req in data.tool_requests:
                names[req.tool_call_id] = req.name
            messages.append(
                Message(role="assistant", content=data.content, tool_calls=data.tool_requests)
            )
        elif isinstance(data, ToolExecutionCompleteData):
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


class Conversation:
    """The committed event log of one session and its projected message history.

    Thread-safe: both lists are guarded by ``self._lock`` and only ever grow
    together, so a reader never sees a log and a history that disagree. Readers get
    copies.
    """

    def __init__(self, log: Iterable[SessionEvent]) -> None:
        self._lock = threading.Lock()
        self._log: List[SessionEvent] = list(log)  # guarded by self._lock
        self._history: List[Message] = project_history(self._log)  # guarded by self._lock

    def extend(self, events: List[SessionEvent]) -> None:
        """Add committed events (and the messages they stand for)."""
        messages = project_history(events)
        with self._lock:
            self._log.extend(events)
            self._history.extend(messages)

    def events(self) -> List[SessionEvent]:
        """A copy of the log, oldest first."""
        with self._lock:
            return list(self._log)

    def history(self) -> List[Message]:
        """A copy of the message history, oldest first."""
        with self._lock:
            return list(self._history)

    def length(self) -> int:
        """How many events are committed."""
        with self._lock:
            return len(self._log)
