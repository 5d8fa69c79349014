"""A private asyncio event loop on its own thread, bridged to our blocking threads.

The ``mcp`` SDK is asyncio-only. A client's MCP connections all live on one such
loop; callers on any other thread hand it coroutines and wait for the results
with ``concurrent.futures``. No event loop is ever set on a caller's thread, so it
works the same from a script, a pool thread or a running Jupyter kernel.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from typing import Any, Coroutine, Optional, TypeVar

logger = logging.getLogger("copilot_sdk.mcp")

__all__ = ["LoopThread"]

T = TypeVar("T")


class LoopThread:
    """One event loop running on a daemon thread until :meth:`stop`.

    Thread-safe: :meth:`submit` and :meth:`stop` may be called from any thread;
    the loop itself is only touched through ``call_soon_threadsafe`` and
    ``run_coroutine_threadsafe``. ``_stopped`` is guarded by ``self._lock``.
    """

    def __init__(self, name: str = "copilot_sdk-mcp") -> None:
        self._loop = asyncio.new_event_loop()
        self._lock = threading.Lock()
        self._stopped = False  # guarded by self._lock
        self._thread = threading.Thread(target=self._main, name=name, daemon=True)
        self._thread.start()

    def _main(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_forever()
        finally:
            try:
                pending = [t for t in asyncio.all_tasks(self._loop) if not t.done()]
                for task in pending:
                    task.cancel()
                if pending:
                    self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
                self._loop.run_until_complete(self._loop.shutdown_asyncgens())
            finally:
                self._loop.close()

    def on_loop(self) -> bool:
        """True when called from the loop's own thread."""
        return threading.current_thread() is self._thread

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Schedule ``coro`` on the loop; its result as a concurrent Future.

        Raises:
            RuntimeError: the loop was stopped.
        """
        with self._lock:
            if self._stopped:
                coro.close()
                raise RuntimeError("the MCP event loop was stopped")
            return asyncio.run_coroutine_threadsafe(coro, self._loop)

    def stop(self, timeout: Optional[float] = 10.0) -> None:
        """Stop the loop (tasks still running are cancelled) and join its thread."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout)
        if self._thread.is_alive():
            logger.warning("the MCP event loop thread did not stop within %s s", timeout)
