"""The data of the reasoning events (``assistant.reasoning_delta``,
``assistant.reasoning``), re-exported by :mod:`copilot_sdk.events`.

A reasoning summary comes from models that reason (over the Responses wire format):
streamed as deltas, then whole, before the ``assistant.message`` of the same model
call; both carry the same ``reasoning_id``. The encrypted reasoning itself rides on
that ``assistant.message`` (``reasoning_items``) and is sent back on later calls.
"""

from __future__ import annotations

import attrs

__all__ = ["AssistantReasoningData", "AssistantReasoningDeltaData"]


@attrs.frozen(kw_only=True, weakref_slot=False)
class AssistantReasoningDeltaData:
    """A piece of a streamed reasoning summary."""

    reasoning_id: str
    delta_content: str


@attrs.frozen(kw_only=True, weakref_slot=False)
class AssistantReasoningData:
    """The reasoning summary of one model call (``content``: its text)."""

    reasoning_id: str
    content: str
