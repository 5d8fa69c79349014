"""Session events: what a turn emits, and what a session's log is made of. Names as
in the official Copilot SDK; one frozen data class per event type;
:func:`event_to_dict` / :func:`event_from_dict` are the lossless JSON form the store uses.

The face of ``kinds`` (the type names), ``data``, ``reasoning`` and ``compaction``
(the data classes) and ``event`` (the event and its JSON form).
"""

from __future__ import annotations

from ..tools.interaction import (
    HookEndData,
    PermissionCompletedData,
    PermissionRequestedData,
    UserInputCompletedData,
    UserInputRequestedData,
)
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
from .event import PERSISTED_TYPES, EventData, SessionEvent, event_from_dict, event_to_dict, new_event
from .event import new_id as new_id  # for the engine; not part of the public surface
from .kinds import SessionEventType
from .kinds import event_type as event_type  # for the engine; not part of the public surface
from .reasoning import AssistantReasoningData, AssistantReasoningDeltaData

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
