"""The event data of an MCP server's status, as a session sees it."""

from __future__ import annotations

from typing import Optional

import attrs

__all__ = ["McpServerStatus", "SessionMcpServerStatusChangedData"]


@attrs.frozen(kw_only=True, weakref_slot=False)
class SessionMcpServerStatusChangedData:
    """``session.mcp_server_status_changed``: a server the session names connected
    ("connected") or could not start, crashed or stopped answering ("failed"; then
    ``error`` says why and the session goes on without its tools)."""

    server_name: str
    status: str
    error: Optional[str] = None


@attrs.frozen(kw_only=True, weakref_slot=False)
class McpServerStatus:
    """An MCP server of the client, as ``client.get_status().mcp_servers`` shows it.

    Attributes:
        name: the server's name in ``mcp_servers``.
        type: "stdio", "http" or "sse".
        status: "starting", "connected", "failed" or "stopped".
        error: why it failed, if it did.
    """

    name: str
    type: str
    status: str
    error: Optional[str] = None
