"""A session's conversation: its committed event log and the history projected from it.

The message history sent to the model is a projection of the append-only event log
(:class:`Projection`); a resumed session rebuilds it from the stored log, so it
sends the same requests a session that never stopped would.

The projection groups messages into *units*: one per turn (a user message, the
model's replies, its tool calls and their results, never split), and one for the
summary of a compaction. A successful ``session.compaction_complete`` replaces the
oldest units, up to the event it names, with its summary; a ``session.truncation``
drops them. Each message's token estimate is taken once, as it enters the
projection, so the history's size is always at hand.
"""

from __future__ import annotations

import logging
import threading
from typing import Iterable, List, Optional, Sequence, Tuple

import attrs

from ..events import (
    AssistantMessageData,
    AssistantUsageData,
    SessionCompactionCompleteData,
    SessionEvent,
    SessionTruncationData,
    ToolExecutionCompleteData,
    UserMessageData,
)
from ..providers.base import ImagePart, Message
from .attachments import attachment_parts
from .tokens import estimate_message

logger = logging.getLogger("copilot_sdk.compaction")

__all__ = ["SUMMARY_PREFIX", "Conversation", "Projection", "Unit", "UnitView", "project_history"]

#: How a compaction's summary is put before the turns kept verbatim (as a user message).
SUMMARY_PREFIX = "[Summary of the earlier part of this conversation, which was compacted]\n"

_TURN_TYPES = frozenset(
    {
        "user.message",
        "assistant.turn_start",
        "assistant.message",
        "assistant.usage",
        "tool.execution_start",
        "tool.execution_complete",
        "assistant.turn_end",
    }
)


@attrs.define
class Unit:
    """Messages that stay together: a whole turn, or a compaction's summary.

    ``first_id``/``last_id`` are the log events the unit stands for (for a summary,
    the range it replaced)."""

    first_id: str
    last_id: str
    messages: List[Message]
    tokens: int = 0
    summary: bool = False

    def add(self, message: Message) -> None:
        self.messages.append(message)
        self.tokens += estimate_message(message)


class Projection:
    """Folds committed events, in log order, into the message history.

    Not thread-safe on its own: :class:`Conversation` guards it.
    """

    __slots__ = ("units", "tokens", "last_call", "_call_estimate", "_names", "reshaped", "_images")

    def __init__(self) -> None:
        self.units: List[Unit] = []
        self.tokens = 0  # estimated tokens of all units
        #: (estimated prompt of the last model call, prompt tokens reported for it)
        self.last_call: Optional[Tuple[int, int]] = None
        self._call_estimate: Optional[int] = None
        self._names: dict[str, str] = {}
        self.reshaped = False  # set when units were replaced or dropped
        self._images: List[Tuple[str, str]] = []  # of the tool round being folded in

    def apply(self, event: SessionEvent) -> List[Message]:
        """Fold in one event; return the messages it appended at the end."""
        data = event.data
        if isinstance(data, SessionCompactionCompleteData):
            if data.success:
                self._replace(data.last_event_id, data.first_event_id, data.summary_content or "")
            return []
        if isinstance(data, SessionTruncationData):
            self._replace(data.last_event_id, data.first_event_id, None)
            return []
        if event.type not in _TURN_TYPES:
            return []
        if isinstance(data, UserMessageData) or not self.units or self.units[-1].summary:
            self.units.append(Unit(first_id=event.id, last_id=event.id, messages=[]))
        unit = self.units[-1]
        unit.last_id = event.id
        added = self._flush_images(unit) if not isinstance(data, ToolExecutionCompleteData) else []
        message: Optional[Message] = None
        if isinstance(data, UserMessageData):
            message = user_message(data)
        elif isinstance(data, AssistantMessageData):
            for req in data.tool_requests:
                self._names[req.tool_call_id] = req.name
            message = assistant_message(data)
            self._call_estimate = self.tokens  # the prompt of the call this message answers
        elif isinstance(data, ToolExecutionCompleteData):
            message = Message(
                role="tool",
                content=data.result if data.result is not None else (data.error or ""),
                tool_call_id=data.tool_call_id,
                name=data.tool_name or self._names.get(data.tool_call_id),
            )
            self._images.extend(data.images)
        elif isinstance(data, AssistantUsageData):
            if self._call_estimate is not None and data.input_tokens:
                self.last_call = (self._call_estimate, data.input_tokens)
            self._call_estimate = None
        if message is None:
            return added
        before = unit.tokens
        unit.add(message)
        self.tokens += unit.tokens - before
        return [*added, message]

    def _flush_images(self, unit: Unit) -> List[Message]:
        """The images of the last tool round, as one user message after its results."""
        if not self._images:
            return []
        message = tool_images_message(self._images)
        self._images = []
        before = unit.tokens
        unit.add(message)
        self.tokens += unit.tokens - before
        return [message]

    def _replace(self, last_id: Optional[str], first_id: Optional[str], summary: Optional[str]) -> None:
        """Drop the oldest units up to the one ending at ``last_id``; put a summary
        unit in their place when ``summary`` is given."""
        end = next((i for i, unit in enumerate(self.units) if unit.last_id == last_id), None)
        if end is None:
            logger.warning("a compaction or truncation names an event not in the history; ignored")
            return
        dropped = self.units[: end + 1]
        kept = self.units[end + 1 :]
        if summary is not None:
            unit = Unit(
                first_id=first_id or dropped[0].first_id,
                last_id=dropped[-1].last_id,
                messages=[],
                summary=True,
            )
            unit.add(Message(role="user", content=SUMMARY_PREFIX + summary))
            kept.insert(0, unit)
        self.units = kept
        self.tokens = sum(unit.tokens for unit in kept)
        self.reshaped = True

    def messages(self) -> List[Message]:
        return [message for unit in self.units for message in unit.messages]


def tool_images_message(images: Sequence[Tuple[str, str]]) -> Message:
    """The user message carrying the images a tool round returned (every wire format
    takes images in a user message; tool results carry text only)."""
    parts = tuple(ImagePart(mime_type=mime, data=data) for mime, data in images)
    return Message(role="user", content="Images returned by the tools above:", parts=parts)


def user_message(data: UserMessageData) -> Message:
    """The message a ``user.message`` event stands for (attachments as parts)."""
    return Message(role="user", content=data.content, parts=attachment_parts(data.attachments))


def assistant_message(data: AssistantMessageData) -> Message:
    """The message an ``assistant.message`` event stands for (reasoning items kept)."""
    return Message(
        role="assistant",
        content=data.content,
        tool_calls=data.tool_requests,
        reasoning=data.reasoning_items,
    )


def project_history(events: Iterable[SessionEvent]) -> List[Message]:
    """The messages a session's committed log stands for, in order."""
    projection = Projection()
    for event in events:
        projection.apply(event)
    return projection.messages()


@attrs.frozen
class UnitView:
    """A read-only copy of a :class:`Unit`."""

    first_id: str
    last_id: str
    messages: Tuple[Message, ...]
    tokens: int
    summary: bool


class Conversation:
    """The committed event log of one session and its projected message history.

    Thread-safe: the log and the projection are guarded by ``self._lock`` and only
    ever change together, so a reader never sees a log and a history that disagree.
    Readers get copies.
    """

    __slots__ = ("_lock", "_log", "_projection", "_history")

    def __init__(self, log: Iterable[SessionEvent]) -> None:
        self._lock = threading.Lock()
        self._log: List[SessionEvent] = list(log)  # guarded by self._lock
        self._projection = Projection()  # guarded by self._lock
        for event in self._log:
            self._projection.apply(event)
        self._history: List[Message] = self._projection.messages()  # guarded by self._lock

    def extend(self, events: List[SessionEvent]) -> None:
        """Add committed events (and the messages they stand for)."""
        with self._lock:
            projection = self._projection
            self._log.extend(events)
            for event in events:
                self._history.extend(projection.apply(event))
            if projection.reshaped:
                projection.reshaped = False
                self._history = projection.messages()

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

    def tokens(self) -> Tuple[int, Optional[Tuple[int, int]]]:
        """The history's estimated tokens, and the last model call's (estimate,
        reported prompt tokens) for correcting estimates (None if unknown)."""
        with self._lock:
            return self._projection.tokens, self._projection.last_call

    def snapshot(self) -> Tuple[List[Message], int, Optional[Tuple[int, int]]]:
        """history(), and tokens() of that same history, in one step."""
        with self._lock:
            projection = self._projection
            return list(self._history), projection.tokens, projection.last_call

    def units(self) -> List[UnitView]:
        """Copies of the history's units, oldest first."""
        with self._lock:
            return [
                UnitView(u.first_id, u.last_id, tuple(u.messages), u.tokens, u.summary)
                for u in self._projection.units
            ]
