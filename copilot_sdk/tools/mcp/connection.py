"""One MCP server connection, living on the client's MCP event loop.

A connection task enters the transport (a stdio subprocess, streamable HTTP or
SSE) and an ``mcp.ClientSession``, initialises it, lists the server's tools, then
holds them open until asked to stop; leaving the task closes the session and the
transport, which ends a local server's process. Calls run as their own tasks on
the same loop and may overlap.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import datetime as _dt
import logging
import tempfile
import threading
from typing import IO, Any, AsyncIterator, List, Optional, Tuple

from .config import McpServerConfig
from .loop import LoopThread

logger = logging.getLogger("copilot_sdk.mcp")

__all__ = ["McpConnection", "McpUnavailableError", "describe_error"]

_STDERR_TAIL = 2000  # characters of a failed server's stderr kept for the error


class McpUnavailableError(Exception):
    """The server is not running (it failed to start, crashed or was stopped)."""


def _import_mcp() -> Any:
    try:
        import mcp
    except ImportError as exc:
        raise McpUnavailableError(
            "MCP servers need the 'mcp' package: pip install 'copilot_sdk[mcp]'"
        ) from exc
    return mcp


class McpConnection:
    """One server's session and its state.

    Thread-safe: the state fields are guarded by ``self._lock``; the ``mcp``
    session is only used on the loop's thread.
    """

    def __init__(self, config: McpServerConfig, loop: LoopThread) -> None:
        self.config = config
        self._loop = loop
        self._lock = threading.Lock()
        self._status = "pending"  # guarded by self._lock: pending, starting, connected, failed, stopped
        self._error: Optional[str] = None  # guarded by self._lock
        self._ready: Optional[concurrent.futures.Future[List[Any]]] = None  # guarded by self._lock
        self._task: Optional[concurrent.futures.Future[None]] = None  # guarded by self._lock
        self._session: Any = None  # loop thread only
        self._stop_event: Optional[asyncio.Event] = None  # loop thread only
        self._stderr: Optional[IO[str]] = None

    def __repr__(self) -> str:
        return f"McpConnection({self.config.name!r}, status={self.status()[0]!r})"

    def status(self) -> Tuple[str, Optional[str]]:
        """(status, error): "pending", "starting", "connected", "failed" or "stopped"."""
        with self._lock:
            return self._status, self._error

    def start(self) -> concurrent.futures.Future[List[Any]]:
        """Start the server if not yet started; a Future of its tools (``mcp.types.Tool``)."""
        with self._lock:
            if self._ready is not None:
                return self._ready
            ready: concurrent.futures.Future[List[Any]] = concurrent.futures.Future()
            self._ready = ready
            self._status = "starting"
        try:
            task = self._loop.submit(self._serve(ready))
        except RuntimeError as exc:
            self.fail(f"cannot start: {exc}")
            ready.set_exception(McpUnavailableError(str(exc)))
            return ready
        with self._lock:
            self._task = task
        return ready

    def fail(self, error: str) -> bool:
        """Mark the server failed and stop its task; False if it was failed or
        stopped already."""
        with self._lock:
            if self._status in ("failed", "stopped"):
                return False
            self._status, self._error = "failed", error
            task = self._task
        logger.warning("MCP server %r failed: %s", self.config.name, error)
        if task is not None:
            task.cancel()
        return True

    @contextlib.asynccontextmanager
    async def _transport(self) -> AsyncIterator[Tuple[Any, Any]]:
        """The (read, write) streams of the server's transport, open while the block runs."""
        mcp = _import_mcp()
        config = self.config
        if config.type == "stdio":
            from mcp.client.stdio import stdio_client

            self._stderr = tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")
            params = mcp.StdioServerParameters(
                command=config.command or "",
                args=list(config.args),
                env=dict(config.env) or None,
                cwd=config.working_directory,
            )
            async with stdio_client(params, errlog=self._stderr) as streams:
                yield streams[0], streams[1]
            return
        timeout = min(30.0, config.timeout_ms / 1000)
        if config.type == "sse":
            from mcp.client.sse import sse_client

            async with sse_client(config.url or "", headers=dict(config.headers), timeout=timeout) as streams:
                yield streams[0], streams[1]
            return
        import httpx
        from mcp.client import streamable_http

        http = httpx.AsyncClient(
            headers=dict(config.headers), timeout=httpx.Timeout(timeout, read=300.0), follow_redirects=True
        )
        async with http:
            async with streamable_http.streamable_http_client(config.url or "", http_client=http) as streams:
                yield streams[0], streams[1]

    def stderr_tail(self) -> str:
        """The end of a local server's stderr ("" if none)."""
        handle = self._stderr
        if handle is None:
            return ""
        try:
            handle.seek(0, 2)
            size = handle.tell()
            handle.seek(max(0, size - _STDERR_TAIL))
            return handle.read().strip()
        except (OSError, ValueError):
            return ""

    async def _serve(self, ready: concurrent.futures.Future[List[Any]]) -> None:
        try:
            mcp = _import_mcp()
            async with contextlib.AsyncExitStack() as stack:
                read, write = await stack.enter_async_context(self._transport())
                session = await stack.enter_async_context(mcp.ClientSession(read, write))
                await session.initialize()
                tools = await _list_tools(session)
                self._session = session
                self._stop_event = asyncio.Event()
                with self._lock:
                    if self._status == "starting":
                        self._status = "connected"
                ready.set_result(tools)
                await self._stop_event.wait()
        except BaseException as exc:
            message = _describe(exc)
            tail = self.stderr_tail()
            if tail:
                message += f" (stderr: {tail[-500:]})"
            if not ready.done():
                ready.set_exception(McpUnavailableError(message))
            if isinstance(exc, (asyncio.CancelledError, KeyboardInterrupt, SystemExit)):
                raise
            self.fail(message)
        finally:
            self._session = None
            if self._stderr is not None:
                self._stderr.close()

    async def call(self, name: str, arguments: Any, meta: Any, timeout: float) -> Any:
        """Call tool ``name``; the ``mcp.types.CallToolResult``. A cancelled call
        sends the server a cancellation notification.

        Raises:
            McpUnavailableError: the server is not running.
            Exception: what the ``mcp`` session raised (McpError for error replies
                and timeouts).
        """
        session = self._session
        if session is None:
            raise McpUnavailableError(f"MCP server {self.config.name!r} is not running")
        request_id = getattr(session, "_request_id", None)  # the id the call will get
        kwargs = {"meta": meta} if meta is not None else {}
        try:
            return await session.call_tool(
                name, arguments, read_timeout_seconds=_dt.timedelta(seconds=timeout), **kwargs
            )
        except asyncio.CancelledError:
            if isinstance(request_id, int):
                asyncio.get_running_loop().create_task(self._notify_cancelled(session, request_id))
            raise

    async def _notify_cancelled(self, session: Any, request_id: int) -> None:
        import mcp.types as types

        try:
            await session.send_notification(
                types.ClientNotification(
                    types.CancelledNotification(
                        params=types.CancelledNotificationParams(requestId=request_id, reason="aborted")
                    )
                )
            )
        except Exception:  # the server went away meanwhile: nothing to cancel
            logger.debug("could not send the cancellation to MCP server %r", self.config.name)

    async def _close(self) -> None:
        if self._stop_event is not None:
            self._stop_event.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Close the session and the transport (a local server's process ends)."""
        with self._lock:
            task = self._task
            if self._status != "failed":
                self._status = "stopped"
        if task is None or task.done():
            return
        try:
            self._loop.submit(self._close()).result(timeout)
            task.result(timeout)
        except (concurrent.futures.TimeoutError, RuntimeError):
            task.cancel()
            logger.warning("MCP server %r did not stop within %s s; cancelled", self.config.name, timeout)
        except BaseException:  # it failed on its way out: already logged
            pass


async def _list_tools(session: Any) -> List[Any]:
    tools: List[Any] = []
    cursor = None
    while True:
        result = await (session.list_tools(cursor=cursor) if cursor else session.list_tools())
        tools.extend(result.tools)
        cursor = getattr(result, "nextCursor", None)
        if not cursor:
            return tools


def _describe(exc: BaseException) -> str:
    """A one-line description of a failure (exception groups unwrapped)."""
    while getattr(exc, "exceptions", None):  # an exception group: its first member
        exc = exc.exceptions[0]  # type: ignore[attr-defined]
    error = getattr(exc, "error", None)  # McpError
    text = getattr(error, "message", None) or str(exc) or type(exc).__name__
    if isinstance(exc, asyncio.CancelledError):
        text = "cancelled"
    return f"{type(exc).__name__}: {text}" if not isinstance(exc, McpUnavailableError) else text


def describe_error(exc: BaseException) -> str:
    """The message of an exception raised by a call, for results and logs."""
    return _describe(exc)
