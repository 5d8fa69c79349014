"""Session events: what a turn emits, and what a session's log is made of.

Event names follow the official Copilot SDK. Each event type has its own frozen data
class; :func:`event_to_dict` / :func:`event_from_dict` are the (lossless) JSON form
used by the store.
"""

from __future__ import annotations

import datetime as _dt
import random
from typing import Any, Iterable, Mapping, Optional, Tuple, Union

import attrs

__all__ = [
    "AbortData",
    "AssistantMessageData",
    "AssistantMessageDeltaData",
    "AssistantTurnEndData",
    "AssistantTurnRetryData",
    "AssistantTurnStartData",
    "AssistantUsageData",
    "EventData",
    "PERSISTED_TYPES",
    "SessionErrorData",
    "SessionEvent",
    "SessionIdleData",
    "ToolExecutionCompleteData",
    "ToolExecutionStartData",
    "ToolRequest",
    "UserMessageData",
    "event_from_dict",
    "event_to_dict",
    "new_event",
]


@attrs.frozen(kw_only=True)
class ToolRequest:
    """A tool call the model asked for. ``arguments`` is the parsed JSON object
    (or the raw string when the model sent something that is not JSON)."""

    tool_call_id: str
    name: str
    arguments: Any = None


@attrs.frozen(kw_only=True)
class UserMessageData:
    content: str


@attrs.frozen(kw_only=True)
class AssistantTurnStartData:
    turn_id: str


@attrs.frozen(kw_only=True)
class AssistantMessageDeltaData:
    delta_content: str
    message_id: str


def _requests_tuple(value: Iterable[ToolRequest]) -> Tuple[ToolRequest, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class AssistantMessageData:
    content: str
    message_id: str
    tool_requests: Tuple[ToolRequest, ...] = attrs.field(factory=tuple, converter=_requests_tuple)
    model: Optional[str] = None


@attrs.frozen(kw_only=True)
class AssistantUsageData:
    model: Optional[str]
    input_tokens: Optional[int]
    output_tokens: Optional[int]
    duration: float


@attrs.frozen(kw_only=True)
class ToolExecutionStartData:
    tool_call_id: str
    tool_name: str
    arguments: Any = None


@attrs.frozen(kw_only=True)
class ToolExecutionCompleteData:
    """``result`` is the text the model receives (on failure too: the error text)."""

    tool_call_id: str
    success: bool
    result: Optional[str] = None
    error: Optional[str] = None
    tool_name: Optional[str] = None


@attrs.frozen(kw_only=True)
class AssistantTurnEndData:
    turn_id: str


@attrs.frozen(kw_only=True)
class AssistantTurnRetryData:
    attempt: int
    delay: float
    error: str
    status_code: Optional[int] = None


@attrs.frozen(kw_only=True)
class SessionErrorData:
    error_type: str
    message: str
    status_code: Optional[int] = None


@attrs.frozen(kw_only=True)
class SessionIdleData:
    aborted: bool = False


@attrs.frozen(kw_only=True)
class AbortData:
    reason: str = "aborted"


EventData = Union[
    UserMessageData,
    AssistantTurnStartData,
    AssistantMessageDeltaData,
    AssistantMessageData,
    AssistantUsageData,
    ToolExecutionStartData,
    ToolExecutionCompleteData,
    AssistantTurnEndData,
    AssistantTurnRetryData,
    SessionErrorData,
    SessionIdleData,
    AbortData,
]

_DATA_CLASSES: Mapping[str, type] = {
    "user.message": UserMessageData,
    "assistant.turn_start": AssistantTurnStartData,
    "assistant.message_delta": AssistantMessageDeltaData,
    "assistant.message": AssistantMessageData,
    "assistant.usage": AssistantUsageData,
    "tool.execution_start": ToolExecutionStartData,
    "tool.execution_complete": ToolExecutionCompleteData,
    "assistant.turn_end": AssistantTurnEndData,
    "assistant.turn_retry": AssistantTurnRetryData,
    "session.error": SessionErrorData,
    "session.idle": SessionIdleData,
    "abort": AbortData,
}

#: Event types written to a session's log when a turn commits. The others
#: (deltas, retries, errors, idle, abort) are live-only.
PERSISTED_TYPES = frozenset(
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


@attrs.frozen(kw_only=True)
class SessionEvent:
    """One event of a session.

    Attributes:
        id: a unique id (uuid4 string).
        timestamp: when it happened (timezone-aware UTC).
        type: the event name, e.g. "assistant.message".
        data: the typed data of that event type.
        parent_id: the id of the event this one follows in the turn, if any.
    """

    id: str
    timestamp: _dt.datetime
    type: str
    data: Any
    parent_id: Optional[str] = None

    def _repr_markdown_(self) -> str:
        """Jupyter renders an assistant reply as Markdown."""
        if self.type == "assistant.message":
            return str(self.data.content)
        if self.type == "user.message":
            return "**You:** " + str(self.data.content)
        return f"`{self.type}`"


_random_bits = random.getrandbits  # reseeded in forked children by the random module


def new_id() -> str:
    """A random (version 4) UUID string; cheaper than ``str(uuid.uuid4())``, which
    matters at several ids per turn. Event ids need to be unique, not secret."""
    bits = (_random_bits(128) & ~(0xF000 << 64) & ~(0xC << 60)) | (0x4000 << 64) | (0x8 << 60)
    h = f"{bits:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def new_event(type: str, data: Any, parent_id: Optional[str] = None) -> SessionEvent:
    """Create an event stamped now with a fresh id."""
    return SessionEvent(
        id=new_id(),
        timestamp=_dt.datetime.now(_dt.timezone.utc),
        type=type,
        data=data,
        parent_id=parent_id,
    )


def event_to_dict(event: SessionEvent) -> dict[str, Any]:
    """The JSON-safe form of an event (the store's row payload)."""
    return {
        "id": event.id,
        "timestamp": event.timestamp.isoformat(),
        "type": event.type,
        "data": _plain(event.data),
        "parent_id": event.parent_id,
    }


def _plain(value: Any) -> Any:
    """attrs instances as dicts, tuples as lists, recursively (attrs.asdict, faster)."""
    fields = getattr(type(value), "__attrs_attrs__", None)
    if fields is not None:
        return {f.name: _plain(getattr(value, f.name)) for f in fields}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def event_from_dict(raw: Mapping[str, Any]) -> SessionEvent:
    """Inverse of :func:`event_to_dict`. Raises ValueError for an unknown shape."""
    try:
        etype = raw["type"]
        cls = _DATA_CLASSES[etype]
        data = dict(raw["data"])
        if cls is AssistantMessageData:
            data["tool_requests"] = tuple(ToolRequest(**t) for t in data.get("tool_requests", ()))
        return SessionEvent(
            id=raw["id"],
            timestamp=_dt.datetime.fromisoformat(raw["timestamp"]),
            type=etype,
            data=cls(**data),
            parent_id=raw.get("parent_id"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"not a valid stored event: {exc}") from exc
