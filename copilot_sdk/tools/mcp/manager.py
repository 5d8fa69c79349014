"""The client's MCP servers: started on first use, shared by the sessions that
name the same config, stopped with the client."""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Sequence, Tuple

from .config import START_TIMEOUT, McpServerConfig
from .status import McpServerStatus

if TYPE_CHECKING:  # the connection machinery (and asyncio) loads with the first server
    from ..agent import AgentTool
    from .connection import McpConnection
    from .loop import LoopThread

logger = logging.getLogger("copilot_sdk.mcp")

__all__ = ["McpManager", "StatusCallback"]

#: ``callback(server_name, status, error)`` when a session first sees a server's
#: status ("connected" or "failed").
StatusCallback = Callable[[str, str, Optional[str]], None]


class McpManager:
    """The MCP connections of one client, and the event-loop thread they run on
    (created with the first connection).

    Thread-safe: ``_loop``, ``_connections`` and ``_stopped`` are guarded by
    ``self._lock``; starting and stopping servers happens outside it.
    """

    def __init__(self, start_timeout: float = START_TIMEOUT) -> None:
        self._start_timeout = start_timeout
        self._lock = threading.Lock()
        self._loop: Optional[LoopThread] = None  # guarded by self._lock
        self._connections: Dict[McpServerConfig, McpConnection] = {}  # guarded by self._lock
        self._stopped = False  # guarded by self._lock

    def _connection(self, config: McpServerConfig) -> Optional[McpConnection]:
        from .connection import McpConnection  # not under the lock: an import reads files
        from .loop import LoopThread

        with self._lock:
            if self._stopped:
                return None
            connection = self._connections.get(config)
            if connection is None:
                if self._loop is None:
                    self._loop = LoopThread()
                connection = McpConnection(config, self._loop)
                self._connections[config] = connection
            return connection

    def _submit(self, coro: Any) -> Any:
        with self._lock:
            loop = self._loop
        if loop is None:
            coro.close()
            raise RuntimeError("the MCP servers were stopped")
        return loop.submit(coro)

    def tools_for(
        self, configs: Sequence[McpServerConfig], on_status: StatusCallback
    ) -> Dict[str, AgentTool]:
        """The tools of ``configs``' servers, starting those not yet started (all at
        once, each bounded by the start timeout). A server that cannot start is
        reported through ``on_status`` and offers no tools."""
        if not configs:
            return {}
        from .connection import describe_error
        from .tools import make_tools

        pending = [(config, self._connection(config)) for config in configs]
        started = [(config, connection, connection.start()) for config, connection in pending if connection]
        deadline = time.monotonic() + self._start_timeout
        tools: Dict[str, AgentTool] = {}
        for config, connection, ready in started:
            try:
                listed: List[Any] = ready.result(max(0.0, deadline - time.monotonic()))
            except Exception as exc:
                error = describe_error(exc) if str(exc) else f"did not start within {self._start_timeout:g} s"
                tail = connection.stderr_tail()
                if tail and tail not in error:
                    error += f" (stderr: {tail[-500:]})"
                connection.fail(error)
                on_status(config.name, "failed", connection.status()[1] or error)
                continue
            status, why = connection.status()
            if status != "connected":
                on_status(config.name, status, why)
                continue
            on_status(config.name, "connected", None)
            tools.update(make_tools(connection, listed, self._submit))
        return tools

    def status(self) -> Tuple[McpServerStatus, ...]:
        """Each server's name, type, status and error (for ``get_status()``)."""
        with self._lock:
            connections = list(self._connections.values())
        rows = []
        for connection in connections:
            status, error = connection.status()
            rows.append(McpServerStatus(name=connection.config.name, type=connection.config.type,
                                        status=status, error=error))
        return tuple(rows)

    def __del__(self) -> None:
        if not getattr(self, "_stopped", True):
            self.stop(1.0)  # a client dropped without stop(): no server process outlives it

    def stop(self, timeout: float = 10.0) -> None:
        """Stop every server (local servers' processes end) and the loop thread. Idempotent."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
            connections = list(self._connections.values())
            loop = self._loop
        for connection in connections:
            connection.stop(timeout)
        if loop is not None:
            loop.stop(timeout)
        logger.debug("MCP servers stopped (%d)", len(connections))
