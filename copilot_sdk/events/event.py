"""The event itself: :class:`SessionEvent` (generic in its data), new events and ids,
and :func:`event_to_dict` / :func:`event_from_dict`, the lossless JSON form the store
uses."""

from __future__ import annotations

import datetime as _dt
import random
from time import time as _time
from typing import TYPE_CHECKING, Any, Generic, Mapping, Optional, Union

import attrs

from ..tools.interaction import (
    HookEndData,
    PermissionCompletedData,
    PermissionRequestedData,
    UserInputCompletedData,
    UserInputRequestedData,
)
from ..tools.mcp.status import SessionMcpServerStatusChangedData
from .compaction import SessionCompactionCompleteData, SessionCompactionStartData, SessionTruncationData
from .data import (
    AbortData,
    AssistantMessageData,
    AssistantMessageDeltaData,
    AssistantTurnEndData,
    AssistantTurnRetryData,
    AssistantTurnStartData,
    AssistantUsageData,
    SessionErrorData,
    SessionIdleData,
    SessionModelChangeData,
    SessionResumeData,
    SessionStartData,
    ToolExecutionCompleteData,
    ToolExecutionStartData,
    ToolRequest,
    UserMessageData,
)
from .kinds import SessionEventType, event_type
from .reasoning import AssistantReasoningData, AssistantReasoningDeltaData

if TYPE_CHECKING:  # PEP 696 defaults: a bare ``SessionEvent`` means SessionEvent[EventData]
    from typing_extensions import TypeVar
else:
    from typing import TypeVar as _TypeVar

    def TypeVar(name: str, *, covariant: bool = False, default: Any = None) -> Any:  # noqa: N802
        return _TypeVar(name, covariant=covariant)

__all__ = [
    "EventData", "PERSISTED_TYPES", "SessionEvent", "event_from_dict", "event_to_dict", "new_event", "new_id",
]


EventData = Union[
    UserMessageData, AssistantTurnStartData, AssistantMessageDeltaData, AssistantMessageData,
    AssistantReasoningDeltaData, AssistantReasoningData,
    AssistantUsageData, ToolExecutionStartData, ToolExecutionCompleteData, AssistantTurnEndData,
    AssistantTurnRetryData, SessionErrorData, SessionIdleData, AbortData,
    SessionStartData,
    SessionResumeData,
    SessionModelChangeData,
    PermissionRequestedData,
    PermissionCompletedData,
    UserInputRequestedData,
    UserInputCompletedData,
    SessionCompactionStartData, SessionCompactionCompleteData, SessionTruncationData,
    HookEndData,
    SessionMcpServerStatusChangedData,
]

_DATA_CLASSES: Mapping[str, type] = {
    "user.message": UserMessageData,
    "assistant.turn_start": AssistantTurnStartData,
    "assistant.message_delta": AssistantMessageDeltaData,
    "assistant.message": AssistantMessageData,
    "assistant.reasoning_delta": AssistantReasoningDeltaData,
    "assistant.reasoning": AssistantReasoningData,
    "assistant.usage": AssistantUsageData,
    "tool.execution_start": ToolExecutionStartData,
    "tool.execution_complete": ToolExecutionCompleteData,
    "assistant.turn_end": AssistantTurnEndData,
    "assistant.turn_retry": AssistantTurnRetryData,
    "session.error": SessionErrorData,
    "session.idle": SessionIdleData,
    "abort": AbortData,
    "session.start": SessionStartData,
    "session.resume": SessionResumeData,
    "session.model_change": SessionModelChangeData,
    "permission.requested": PermissionRequestedData,
    "permission.completed": PermissionCompletedData,
    "user_input.requested": UserInputRequestedData,
    "user_input.completed": UserInputCompletedData,
    "session.compaction_start": SessionCompactionStartData, "session.truncation": SessionTruncationData,
    "session.compaction_complete": SessionCompactionCompleteData,
    "hook.end": HookEndData,
    "session.mcp_server_status_changed": SessionMcpServerStatusChangedData,
}

#: Event types a commit writes to the log; the others (deltas, retries, errors, idle, abort) are live-only.
PERSISTED_TYPES = frozenset({
    "user.message", "assistant.turn_start", "assistant.message", "assistant.reasoning", "assistant.usage",
    "tool.execution_start", "tool.execution_complete", "assistant.turn_end", "session.model_change",
    "session.compaction_start", "session.compaction_complete", "session.truncation",
})

DataT = TypeVar("DataT", covariant=True, default=EventData)  # frozen: read-only data


_Stamp = Union[float, _dt.datetime]  # how an event holds its time (see SessionEvent)
_UTC = _dt.timezone.utc


def _as_datetime(stamp: _Stamp) -> _dt.datetime:
    """The timezone-aware datetime of a stamp: ``time.time()`` seconds or a datetime."""
    if isinstance(stamp, _dt.datetime):
        return stamp
    return _dt.datetime.fromtimestamp(stamp, _UTC)


def _check_stamp(_: Any, attribute: Any, stamp: Any) -> None:
    if not isinstance(stamp, (_dt.datetime, float)):
        raise TypeError(f"timestamp must be a datetime, not {type(stamp).__name__}")


@attrs.frozen(kw_only=True, weakref_slot=False, repr=False)
class SessionEvent(Generic[DataT]):
    """One event of a session.

    Typing: ``SessionEvent`` is generic in its data. ``session.send()`` returns a
    ``SessionEvent[AssistantMessageData]``, so ``reply.data.content`` is checked;
    an event from a handler or ``stream()`` is a ``SessionEvent`` whose ``data`` is
    the union of every data class, narrowed with ``isinstance``/``match`` on
    ``event.data`` (as in the official SDK's ``match event.data: case
    AssistantMessageData()``). A generic rather than one class per event type keeps
    one frozen class with one JSON form for the store, and the narrowing users
    already write.

    Attributes:
        id: a unique id (uuid4 string).
        timestamp: when it happened (timezone-aware UTC).
        type: the event name, a :class:`SessionEventType` (a str Enum, so
            ``event.type == "assistant.message"`` holds).
        data: the typed data of that event type.
        parent_id: the id of the event this one follows in the turn, if any.

    Memory: a session keeps every event of its log, so a new event holds its time as
    ``time.time()`` seconds (a 24-byte float rather than a 48-byte datetime) and makes
    the datetime on the first read of ``timestamp``, then keeps it (a pure function of
    the float: the same whichever thread reads first). Equality and hashing compare
    the time. ``timestamp=`` takes a timezone-aware datetime.
    """

    id: str
    _timestamp: _Stamp = attrs.field(validator=_check_stamp, eq=_as_datetime)
    type: SessionEventType = attrs.field(converter=event_type)
    data: DataT
    parent_id: Optional[str] = None

    @property
    def timestamp(self) -> _dt.datetime:
        """When it happened (timezone-aware UTC)."""
        stamp = self._timestamp
        if isinstance(stamp, _dt.datetime):
            return stamp
        moment = _as_datetime(stamp)
        object.__setattr__(self, "_timestamp", moment)  # a cache of a pure function of the stamp
        return moment

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(id={self.id!r}, timestamp={self.timestamp!r}, "
                f"type={self.type!r}, data={self.data!r}, parent_id={self.parent_id!r})")

    def __str__(self) -> str:
        """The text of a message event (``print(reply)`` prints the answer); for
        other events, the repr."""
        if self.type in _TEXT_TYPES:
            data: Any = self.data
            return str(data.delta_content if self.type == "assistant.message_delta" else data.content)
        return repr(self)

    def _repr_markdown_(self) -> str:
        """Jupyter renders an assistant reply as Markdown."""
        data: Any = self.data
        if self.type == "assistant.message":
            return str(data.content)
        if self.type == "user.message":
            return "**You:** " + str(data.content)
        return f"`{self.type}`"


_D = TypeVar("_D")
_TEXT_TYPES = frozenset({"assistant.message", "assistant.message_delta", "user.message"})
_random_bits = random.getrandbits  # reseeded in forked children by the random module


def new_id() -> str:
    """A random (version 4) UUID string; cheaper than ``str(uuid.uuid4())``, which
    matters at several ids per turn. Event ids need to be unique, not secret."""
    bits = (_random_bits(128) & ~(0xF000 << 64) & ~(0xC << 60)) | (0x4000 << 64) | (0x8 << 60)
    h = f"{bits:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def new_event(
    type: Union[str, SessionEventType], data: _D, parent_id: Optional[str] = None
) -> SessionEvent[_D]:
    """Create an event stamped now with a fresh id."""
    return SessionEvent(id=new_id(), timestamp=_time(), type=type, data=data, parent_id=parent_id)


def event_to_dict(event: SessionEvent[Any]) -> dict[str, Any]:
    """The JSON-safe form of an event (the store's row payload)."""
    return {
        "id": event.id,
        "timestamp": event.timestamp.isoformat(),
        "type": event.type.value,
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
    """Inverse of :func:`event_to_dict`. Raises ValueError for an unknown shape.

    A resume builds every event of a log through here, so the event is assembled
    from its slots directly (the checks ``SessionEvent(...)`` makes are made here,
    on the stored form: a known type, string ids, an ISO time); the data class is
    built through its own ``__init__``, which refuses unknown or missing fields.
    """
    try:
        cls, member = _KINDS[raw["type"]]
        data = raw["data"]
        if cls is AssistantMessageData and data.get("tool_requests"):
            data = dict(data)
            data["tool_requests"] = tuple(ToolRequest(**t) for t in data["tool_requests"])
        event_id, parent_id = raw["id"], raw.get("parent_id")
        if type(event_id) is not str or not (parent_id is None or type(parent_id) is str):
            raise TypeError("an event id is not a string")
        event: SessionEvent = _new_event_object(SessionEvent)
        _set_id(event, event_id)
        _set_timestamp(event, _dt.datetime.fromisoformat(raw["timestamp"]))
        _set_type(event, member)
        _set_data(event, cls(**data))
        _set_parent(event, parent_id)
        return event
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"not a valid stored event: {exc}") from exc


_KINDS = {name: (cls, event_type(name)) for name, cls in _DATA_CLASSES.items()}  # for loading
_new_event_object = object.__new__
_set_id, _set_timestamp, _set_type, _set_data, _set_parent = (
    SessionEvent.__dict__[name].__set__ for name in ("id", "_timestamp", "type", "data", "parent_id")
)
