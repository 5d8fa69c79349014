"""Session events: what a turn emits, and what a session's log is made of. Names as
in the official Copilot SDK; one frozen data class per event type;
:func:`event_to_dict` / :func:`event_from_dict` are the lossless JSON form the store uses.
"""

from __future__ import annotations

import datetime as _dt
import enum
import random
from typing import TYPE_CHECKING, Any, Generic, Iterable, Mapping, Optional, Tuple, Union

import attrs

from ._engine.reasoningdata import AssistantReasoningData, AssistantReasoningDeltaData
from ._engine.summary import SessionCompactionCompleteData, SessionCompactionStartData, SessionTruncationData
from .tools.interaction import (
    HookEndData,
    PermissionCompletedData,
    PermissionRequestedData,
    UserInputCompletedData,
    UserInputRequestedData,
)
from .tools.mcp.status import SessionMcpServerStatusChangedData

if TYPE_CHECKING:  # PEP 696 defaults: a bare ``SessionEvent`` means SessionEvent[EventData]
    from typing_extensions import TypeVar
else:
    from typing import TypeVar as _TypeVar

    def TypeVar(name: str, *, covariant: bool = False, default: Any = None) -> Any:  # noqa: N802
        return _TypeVar(name, covariant=covariant)

__all__ = [
    "AbortData", "AssistantMessageData", "AssistantMessageDeltaData", "AssistantReasoningData",
    "AssistantReasoningDeltaData", "AssistantTurnEndData", "AssistantTurnRetryData",
    "AssistantTurnStartData", "AssistantUsageData", "EventData", "HookEndData", "PERSISTED_TYPES",
    "PermissionCompletedData", "PermissionRequestedData", "SessionCompactionCompleteData",
    "SessionCompactionStartData", "SessionErrorData", "SessionEvent", "SessionEventType",
    "SessionIdleData", "SessionModelChangeData", "SessionResumeData", "SessionStartData",
    "SessionTruncationData", "ToolExecutionCompleteData", "ToolExecutionStartData", "ToolRequest",
    "UserInputCompletedData", "UserInputRequestedData", "UserMessageData", "event_from_dict",
    "event_to_dict", "new_event",
]


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
    #: as sent: the official dict shapes plus what was read (see Attachment)
    attachments: Tuple[Any, ...] = attrs.field(factory=tuple, converter=tuple)


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
    reasoning_text: Optional[str] = None
    #: Responses reasoning items as the API sent them (encrypted_content too), sent back later
    reasoning_items: Tuple[Any, ...] = attrs.field(factory=tuple, converter=tuple)


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


def _pairs(value: Iterable[Iterable[str]]) -> Tuple[Tuple[str, str], ...]:
    return tuple((str(a), str(b)) for a, b in value)


@attrs.frozen(kw_only=True)
class ToolExecutionCompleteData:
    """``result`` is the text the model receives (on failure too: the error text)."""

    tool_call_id: str
    success: bool
    result: Optional[str] = None
    error: Optional[str] = None
    tool_name: Optional[str] = None
    #: images the tool returned, ``(mime_type, base64 data)``: sent to the model after the round.
    images: Tuple[Tuple[str, str], ...] = attrs.field(default=(), converter=_pairs)


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


@attrs.frozen(kw_only=True)
class SessionStartData:
    """A session was created (``source`` "new" in the ``on_session_start`` hook)."""

    session_id: str
    start_time: _dt.datetime
    selected_model: Optional[str] = None
    reasoning_effort: Optional[str] = None


@attrs.frozen(kw_only=True)
class SessionResumeData:
    """A stored session was reopened with ``event_count`` committed events."""

    session_id: str
    resume_time: _dt.datetime
    event_count: int
    selected_model: Optional[str] = None
    reasoning_effort: Optional[str] = None


@attrs.frozen(kw_only=True)
class SessionModelChangeData:
    """``session.set_model`` changed the model of the following turns."""

    new_model: str
    previous_model: Optional[str] = None
    reasoning_effort: Optional[str] = None
    previous_reasoning_effort: Optional[str] = None


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


@attrs.frozen(kw_only=True)
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
    """

    id: str
    timestamp: _dt.datetime
    type: SessionEventType = attrs.field(converter=event_type)
    data: DataT
    parent_id: Optional[str] = None

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
    now = _dt.datetime.now(_dt.timezone.utc)
    return SessionEvent(id=new_id(), timestamp=now, type=type, data=data, parent_id=parent_id)


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
