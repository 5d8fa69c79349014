"""A cancellation token handed from the turn engine down to the transport.

Thread-safe: ``cancel()`` may be called from any thread. Callbacks registered with
``add_callback`` (e.g. "shut the socket of the request in flight") run once, outside
the token's lock, either at cancel time or at once if already cancelled.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable, Dict, Optional

logger = logging.getLogger("copilot_sdk.cancel")


class CancelToken:
    """Set once; wakes waiters and runs the registered callbacks.

    Thread-safe: ``cancel()``, ``wait()`` and ``add_callback()`` may be called from
    any thread. The callback table is guarded by ``self._lock``; callbacks run
    outside it, exactly once each. ``reason`` is written once, before the event is
    set, and only read after it.
    """

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: Dict[int, Callable[[], None]] = {}  # guarded by self._lock
        self._next_key = 0  # guarded by self._lock
        self.reason: Optional[str] = None

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Block up to ``timeout`` seconds; True if cancelled."""
        return self._event.wait(timeout)

    def cancel(self, reason: str = "aborted") -> None:
        with self._lock:
            if self._event.is_set():
                return
            self.reason = reason
            self._event.set()
            callbacks = list(self._callbacks.values())
            self._callbacks.clear()
        for callback in callbacks:
            _run(callback)

    def add_callback(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Register ``callback``; returns a function that unregisters it."""
        with self._lock:
            if not self._event.is_set():
                key = self._next_key
                self._next_key += 1
                self._callbacks[key] = callback

                def remove() -> None:
                    with self._lock:
                        self._callbacks.pop(key, None)

                return remove
        _run(callback)
        return lambda: None


def _run(callback: Callable[[], None]) -> None:
    try:
        callback()
    except Exception:  # a socket already closed, say: never fatal
        logger.debug("cancel callback failed", exc_info=True)
