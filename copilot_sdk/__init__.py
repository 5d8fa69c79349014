"""copilot_sdk: a synchronous, thread-safe client for Copilot-style chat sessions."""

__version__ = "0.1.0"

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

# Exported names report the package as their home (as httpx does).
for _name in __all__:
    _obj = globals()[_name]
    if hasattr(_obj, "__module__") and not isinstance(_obj, str):
        try:
            _obj.__module__ = "copilot_sdk"
        except (AttributeError, TypeError):
            pass
del _name, _obj
