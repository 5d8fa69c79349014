"""The data of the compaction (summary) and truncation events (exposed by
:mod:`copilot_sdk.events`). Field names follow the official SDK's where it has them;
``first_event_id``/``last_event_id`` name the range of the log a compaction or
truncation takes out of the history projection.
"""

from __future__ import annotations

from typing import Optional

import attrs

__all__ = ["SessionCompactionCompleteData", "SessionCompactionStartData", "SessionTruncationData"]


@attrs.frozen(kw_only=True, weakref_slot=False)
class SessionCompactionStartData:
    """A compaction began. ``trigger``: "threshold" (queued after a turn past the
    background threshold), "buffer_exhaustion" (run before a turn past the blocking
    threshold) or "manual" (``session.compact()``). Token figures are estimates of
    the request the next turn would send."""

    trigger: str
    current_tokens: int
    token_limit: int
    model: Optional[str] = None
    conversation_tokens: int = 0
    system_tokens: int = 0
    tool_definitions_tokens: int = 0


@attrs.frozen(kw_only=True, weakref_slot=False)
class SessionCompactionCompleteData:
    """A compaction ended. On success, the history projection replaces the log's
    events ``first_event_id`` .. ``last_event_id`` (the oldest ``turns_replaced``
    turns, a previous summary included) with ``summary_content``; on failure
    (``success`` False, ``error`` says why) nothing changed."""

    success: bool
    trigger: str
    summary_content: Optional[str] = None
    first_event_id: Optional[str] = None
    last_event_id: Optional[str] = None
    turns_replaced: int = 0
    messages_removed: int = 0
    pre_compaction_tokens: Optional[int] = None
    post_compaction_tokens: Optional[int] = None
    token_limit: Optional[int] = None
    error: Optional[str] = None

    @property
    def summary(self) -> Optional[str]:
        """The summary text (``summary_content``)."""
        return self.summary_content


@attrs.frozen(kw_only=True, weakref_slot=False)
class SessionTruncationData:
    """``session.truncate(n)``: the history projection drops the log's events
    ``first_event_id`` .. ``last_event_id`` (the oldest ``turns_removed`` turns); the
    log itself keeps them."""

    turns_removed: int
    first_event_id: Optional[str]
    last_event_id: Optional[str]
    messages_removed_during_truncation: int
    pre_truncation_messages_length: int
    post_truncation_messages_length: int
    pre_truncation_tokens_in_messages: int
    post_truncation_tokens_in_messages: int
    tokens_removed_during_truncation: int
    token_limit: Optional[int] = None
    performed_by: str = "user"
