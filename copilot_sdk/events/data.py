"""The data of the core turn events: one frozen attrs class per event type, field names
as in the official Copilot SDK."""

from __future__ import annotations

import datetime as _dt
from typing import Any, Iterable, Optional, Tuple

import attrs

__all__ = [
    "AbortData",
    "AssistantMessageData",
    "AssistantMessageDeltaData",
    "AssistantTurnEndData",
    "AssistantTurnRetryData",
    "AssistantTurnStartData",
    "AssistantUsageData",
    "SessionErrorData",
    "SessionIdleData",
    "SessionModelChangeData",
    "SessionResumeData",
    "SessionStartData",
    "ToolExecutionCompleteData",
    "ToolExecutionStartData",
    "ToolRequest",
    "UserMessageData",
]

@attrs.frozen(kw_only=True, weakref_slot=False)
class ToolRequest:
    """A tool call the model asked for. ``arguments`` is the parsed JSON object
    (or the raw string when the model sent something that is not JSON)."""

    tool_call_id: str
    name: str
    arguments: Any = None


@attrs.frozen(kw_only=True, weakref_slot=False)
class UserMessageData:
    content: str
    #: as sent: the official dict shapes plus what was read (see Attachment)
    attachments: Tuple[Any, ...] = attrs.field(factory=tuple, converter=tuple)


@attrs.frozen(kw_only=True, weakref_slot=False)
class AssistantTurnStartData:
    turn_id: str


@attrs.frozen(kw_only=True, weakref_slot=False)
class AssistantMessageDeltaData:
    delta_content: str
    message_id: str


def _requests_tuple(value: Iterable[ToolRequest]) -> Tuple[ToolRequest, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True, weakref_slot=False)
class AssistantMessageData:
    content: str
    message_id: str
    tool_requests: Tuple[ToolRequest, ...] = attrs.field(factory=tuple, converter=_requests_tuple)
    model: Optional[str] = None
    reasoning_text: Optional[str] = None
    #: Responses reasoning items as the API sent them (encrypted_content too), sent back later
    reasoning_items: Tuple[Any, ...] = attrs.field(factory=tuple, converter=tuple)


@attrs.frozen(kw_only=True, weakref_slot=False)
class AssistantUsageData:
    model: Optional[str]
    input_tokens: Optional[int]
    output_tokens: Optional[int]
    duration: float


@attrs.frozen(kw_only=True, weakref_slot=False)
class ToolExecutionStartData:
    tool_call_id: str
    tool_name: str
    arguments: Any = None


def _pairs(value: Iterable[Iterable[str]]) -> Tuple[Tuple[str, str], ...]:
    return tuple((str(a), str(b)) for a, b in value)


@attrs.frozen(kw_only=True, weakref_slot=False)
class ToolExecutionCompleteData:
    """``result`` is the text the model receives (on failure too: the error text)."""

    tool_call_id: str
    success: bool
    result: Optional[str] = None
    error: Optional[str] = None
    tool_name: Optional[str] = None
    #: images the tool returned, ``(mime_type, base64 data)``: sent to the model after the round.
    images: Tuple[Tuple[str, str], ...] = attrs.field(default=(), converter=_pairs)


@attrs.frozen(kw_only=True, weakref_slot=False)
class AssistantTurnEndData:
    turn_id: str


@attrs.frozen(kw_only=True, weakref_slot=False)
class AssistantTurnRetryData:
    attempt: int
    delay: float
    error: str
    status_code: Optional[int] = None


@attrs.frozen(kw_only=True, weakref_slot=False)
class SessionErrorData:
    error_type: str
    message: str
    status_code: Optional[int] = None


@attrs.frozen(kw_only=True, weakref_slot=False)
class SessionIdleData:
    aborted: bool = False


@attrs.frozen(kw_only=True, weakref_slot=False)
class AbortData:
    reason: str = "aborted"


@attrs.frozen(kw_only=True, weakref_slot=False)
class SessionStartData:
    """A session was created (``source`` "new" in the ``on_session_start`` hook)."""

    session_id: str
    start_time: _dt.datetime
    selected_model: Optional[str] = None
    reasoning_effort: Optional[str] = None


@attrs.frozen(kw_only=True, weakref_slot=False)
class SessionResumeData:
    """A stored session was reopened with ``event_count`` committed events."""

    session_id: str
    resume_time: _dt.datetime
    event_count: int
    selected_model: Optional[str] = None
    reasoning_effort: Optional[str] = None


@attrs.frozen(kw_only=True, weakref_slot=False)
class SessionModelChangeData:
    """``session.set_model`` changed the model of the following turns."""

    new_model: str
    previous_model: Optional[str] = None
    reasoning_effort: Optional[str] = None
    previous_reasoning_effort: Optional[str] = None
