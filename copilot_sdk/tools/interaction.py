"""The data of the events around user code in a turn: permission requests
(``permission.requested`` / ``permission.completed``), the ``ask_user`` tool
(``user_input.requested`` / ``user_input.completed``) and hooks that failed
(``hook.end``). Re-exported by ``copilot_sdk.events``."""

from __future__ import annotations

from typing import Any, Mapping, Optional, Tuple

import attrs

__all__ = [
    "HookEndData",
    "PermissionCompletedData",
    "PermissionRequestedData",
    "UserInputCompletedData",
    "UserInputRequestedData",
]


@attrs.frozen(kw_only=True, weakref_slot=False)
class PermissionRequestedData:
    """``on_permission_request`` is asked about ``permission_request`` (a PermissionRequest)."""

    request_id: str
    permission_request: Any
    tool_call_id: Optional[str] = None


@attrs.frozen(kw_only=True, weakref_slot=False)
class PermissionCompletedData:
    """The answer: ``result`` is ``{"kind": "approved"}`` or ``{"kind": "denied-..."}``."""

    request_id: str
    result: Mapping[str, Any]
    tool_call_id: Optional[str] = None


@attrs.frozen(kw_only=True, weakref_slot=False)
class UserInputRequestedData:
    """The model asked the user a question (the ``ask_user`` tool)."""

    request_id: str
    question: str
    choices: Optional[Tuple[str, ...]] = None
    allow_freeform: Optional[bool] = None
    tool_call_id: Optional[str] = None


@attrs.frozen(kw_only=True, weakref_slot=False)
class UserInputCompletedData:
    """The user's answer (None if the handler failed)."""

    request_id: str
    answer: Optional[str] = None
    was_freeform: Optional[bool] = None


@attrs.frozen(kw_only=True, weakref_slot=False)
class HookEndData:
    """A hook ended; emitted when it raised (``success`` false, ``error`` its text)."""

    hook_invocation_id: str
    hook_type: str
    success: bool
    error: Optional[str] = None
