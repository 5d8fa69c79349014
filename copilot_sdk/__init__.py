"""copilot_sdk: a synchronous, thread-safe client for Copilot-style chat sessions."""

__version__ = "0.1.0"

import logging

from .client import CopilotClient
from .errors import (
    AbortedError,
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ContextWindowExceededError,
    CopilotError,
    InternalServerError,
    MaxToolRoundsError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    SessionClosedError,
    SessionExistsError,
    SessionNotFoundError,
    StoreError,
    ToolError,
    TurnTimeoutError,
)
from .events import SessionEvent, SessionEventType
from .session import Session
from .tools import PermissionHandler, Tool, ToolInvocation, ToolResult, define_tool
from .types import Attachment, MessageOptions, ModelInfo, ProviderConfig, SessionConfig, SessionMetadata

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AbortedError",
    "Attachment",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ContextWindowExceededError",
    "CopilotClient",
    "CopilotError",
    "InternalServerError",
    "MaxToolRoundsError",
    "MessageOptions",
    "ModelInfo",
    "NotFoundError",
    "PermissionDeniedError",
    "PermissionHandler",
    "ProviderConfig",
    "RateLimitError",
    "Session",
    "SessionClosedError",
    "SessionConfig",
    "SessionEvent",
    "SessionEventType",
    "SessionExistsError",
    "SessionMetadata",
    "SessionNotFoundError",
    "StoreError",
    "Tool",
    "ToolError",
    "ToolInvocation",
    "ToolResult",
    "TurnTimeoutError",
    "__version__",
    "define_tool",
]

# Exported names report the package as their home (as httpx does). Their string
# annotations are resolved first, in the module that defines them, so that
# typing.get_type_hints() (which looks names up in ``__module__``) works on each.
def _resolve_annotations(obj: object) -> None:
    import typing

    holder = obj.__dict__ if isinstance(obj, type) else getattr(obj, "__dict__", {})
    own = holder.get("__annotations__") if isinstance(obj, type) else getattr(obj, "__annotations__", {})
    if not own:
        return
    hints = typing.get_type_hints(obj, include_extras=True)
    obj.__annotations__ = {key: hints.get(key, value) for key, value in own.items()}


for _name in __all__:
    _obj = globals()[_name]
    if hasattr(_obj, "__module__") and not isinstance(_obj, str):
        try:
            _resolve_annotations(_obj)
            _obj.__module__ = "copilot_sdk"
        except (AttributeError, TypeError, NameError):
            pass
del _name, _obj, _resolve_annotations

# A library logs, the application decides where it goes: no "no handlers" fallback output.
logging.getLogger("copilot_sdk").addHandler(logging.NullHandler())
