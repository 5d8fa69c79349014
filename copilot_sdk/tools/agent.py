"""Agent tools: tools the SDK brings (built-ins, MCP servers' tools) rather than the
user's own functions.

An :class:`AgentTool` is a :class:`~copilot_sdk.tools.Tool` that also says what
permission a call needs (:class:`PermissionAsk`: a kind, the path, command or URL
at stake, and whether it may run when no ``on_permission_request`` handler is set).
Its handler reads the :class:`ToolContext` of the call it runs for (the turn's
cancel token, and whether a path outside the working directory was approved)
through :func:`current_context`.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any, Callable, Iterator, Mapping, Optional, Protocol

import attrs

from .define import Tool

__all__ = ["AgentTool", "Cancellation", "PermissionAsk", "ToolContext", "current_context", "tool_context"]


@attrs.frozen(kw_only=True)
class PermissionAsk:
    """What a call needs permission for.

    Attributes:
        kind: "read", "write", "shell", "url", "mcp" or "custom-tool".
        default_allowed: True if the call may run when no permission handler is set.
        path: the file or directory at stake (read/write), resolved.
        command: the shell command (shell).
        url: the URL (url).
        server_name: the MCP server (mcp).
        intention: one line saying what the call would do, for a prompt.
        outside_working_directory: the path leaves the working directory (through
            ``..``, an absolute path or a symlink); it runs only if a handler
            approves it explicitly.
    """

    kind: str
    default_allowed: bool
    path: Optional[str] = None
    command: Optional[str] = None
    url: Optional[str] = None
    server_name: Optional[str] = None
    intention: Optional[str] = None
    outside_working_directory: bool = False


class Cancellation(Protocol):
    """The part of the turn's cancel token a tool sees."""

    @property
    def cancelled(self) -> bool: ...

    def wait(self, timeout: Optional[float] = None) -> bool: ...

    def add_callback(self, callback: Callable[[], None]) -> Callable[[], None]: ...


class _NeverCancelled:
    cancelled = False

    def wait(self, timeout: Optional[float] = None) -> bool:
        if timeout is not None:
            threading.Event().wait(timeout)
        return False

    def add_callback(self, callback: Callable[[], None]) -> Callable[[], None]:
        return lambda: None


@attrs.frozen(kw_only=True)
class ToolContext:
    """What an agent tool's handler knows about the call it runs for.

    Attributes:
        cancel: the turn's cancel token (fires on abort or timeout).
        approved_outside: a handler approved a path outside the working directory.
        mcp_meta: the ``_meta`` an MCP call sends (from ``on_pre_mcp_tool_call``).
    """

    cancel: Cancellation = attrs.field(factory=_NeverCancelled)
    approved_outside: bool = False
    mcp_meta: Optional[Mapping[str, Any]] = None


_current = threading.local()


@contextlib.contextmanager
def tool_context(context: ToolContext) -> Iterator[None]:
    """Make ``context`` the current one on this thread while the block runs."""
    previous = getattr(_current, "context", None)
    _current.context = context
    try:
        yield
    finally:
        _current.context = previous


def current_context() -> ToolContext:
    """The context of the call running on this thread (a default one outside a turn)."""
    context = getattr(_current, "context", None)
    return context if isinstance(context, ToolContext) else ToolContext()


def _check_permission(_inst: object, _attr: object, value: Any) -> None:
    if not callable(value):
        raise TypeError("AgentTool permission must be callable: permission(arguments) -> PermissionAsk")


@attrs.frozen(kw_only=True)
class AgentTool(Tool):
    """A tool the SDK provides.

    Attributes:
        source: "builtin" or "mcp".
        permission: ``permission(arguments)`` -> the :class:`PermissionAsk` of a call.
    """

    source: str = "builtin"
    permission: Callable[[Mapping[str, Any]], PermissionAsk] = attrs.field(
        repr=False, validator=_check_permission
    )
