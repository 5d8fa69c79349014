"""Records and turns for the store tests."""

from __future__ import annotations

import datetime as _dt
from typing import Any, List

from copilot_sdk.events import (
    AssistantMessageData,
    AssistantTurnEndData,
    AssistantTurnStartData,
    SessionEvent,
    UserMessageData,
    new_event,
)
from copilot_sdk.store import SessionRecord

__all__ = ["JOIN", "record", "turn", "turns_of"]

JOIN = 30.0  # seconds: liveness bound for threads and processes


def record(session_id: str, **config: Any) -> SessionRecord:
    now = _dt.datetime.now(_dt.timezone.utc)
    return SessionRecord(
        session_id=session_id,
        start_time=now,
        modified_time=now,
        model="gpt-5",
        config={"model": "gpt-5", "system_message": "hi", **config},
    )


def turn(prompt: str, answer: str = "ok") -> List[SessionEvent]:
    """The four events of a committed turn."""
    user = new_event("user.message", UserMessageData(content=prompt))
    start = new_event("assistant.turn_start", AssistantTurnStartData(turn_id="t"), user.id)
    reply = new_event(
        "assistant.message",
        AssistantMessageData(content=answer, message_id="m", model="gpt-5"),
        start.id,
    )
    end = new_event("assistant.turn_end", AssistantTurnEndData(turn_id="t"), start.id)
    return [user, start, reply, end]


def turns_of(log: List[SessionEvent]) -> List[List[SessionEvent]]:
    """The log split into turns at each user message; asserts each turn is whole
    (starts with the user message, ends with its turn_end, one assistant message)."""
    turns: List[List[SessionEvent]] = []
    for event in log:
        if event.type == "user.message":
            turns.append([])
        assert turns, f"log starts with {event.type}, not a user message"
        turns[-1].append(event)
    for events in turns:
        kinds = [e.type for e in events]
        assert kinds[-1] == "assistant.turn_end", kinds
        assert kinds.count("assistant.message") == 1, kinds
        assert kinds.count("assistant.turn_start") == 1, kinds
    return turns
