"""The public surface is exactly what DESIGN.md promises."""

from __future__ import annotations

import copilot_sdk

PROMISED = {
    "CopilotClient", "Session", "SessionConfig", "MessageOptions", "ProviderConfig",
    "SessionEvent", "SessionEventType", "SessionMetadata", "ModelInfo",
    "Attachment",
    "Tool", "ToolInvocation", "ToolResult", "ToolError", "define_tool", "PermissionHandler",
    "CopilotError", "APIError", "APIStatusError", "BadRequestError", "AuthenticationError",
    "PermissionDeniedError", "NotFoundError", "RateLimitError", "InternalServerError",
    "APIConnectionError", "APITimeoutError", "APIResponseValidationError",
    "SessionNotFoundError", "SessionExistsError", "SessionClosedError", "AbortedError",
    "TurnTimeoutError", "ConfigurationError", "ContextWindowExceededError", "StoreError",
    "MaxToolRoundsError",
}


def test_all_is_exactly_the_promised_surface() -> None:
    assert set(copilot_sdk.__all__) == PROMISED | {"__version__"}
    assert copilot_sdk.__all__ == sorted(copilot_sdk.__all__)


def test_exported_names_report_the_package() -> None:
    for name in PROMISED:
        assert getattr(copilot_sdk, name).__module__ == "copilot_sdk", name


def test_error_tree() -> None:
    c = copilot_sdk
    for name in PROMISED:
        obj = getattr(c, name)
        if isinstance(obj, type) and name.endswith("Error") and name != "ToolError":
            assert issubclass(obj, c.CopilotError), name
    assert issubclass(c.TurnTimeoutError, TimeoutError)
    assert issubclass(c.APITimeoutError, c.APIConnectionError)
    assert issubclass(c.RateLimitError, c.APIStatusError)
    assert issubclass(c.APIStatusError, c.APIError)


def test_aliases() -> None:
    assert copilot_sdk.Session.disconnect is copilot_sdk.Session.destroy
    assert copilot_sdk.Session.get_events is copilot_sdk.Session.get_messages
