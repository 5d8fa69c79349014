"""A session's event handlers and the dispatch of each event to them."""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable, List, Optional, Tuple

from ..events import SessionEvent

logger = logging.getLogger("copilot_sdk.session")

__all__ = ["Handler", "Handlers"]

Handler = Callable[[SessionEvent], Any]


class Handlers:
    """The handlers subscribed to one session's events, in registration order.

    Thread-safe: the list is guarded by ``self._lock``, which is never held while a
    handler runs (dispatch copies the list first). A handler that raises is logged
    and does not affect the turn or the other handlers.
    """

    __slots__ = ("_session_id", "_lock", "_entries")

    def __init__(self, session_id: str) -> None:
        self._session_id = session_id
        self._lock = threading.Lock()
        self._entries: List[Tuple[Optional[str], Handler]] = []  # guarded by self._lock

    def add(self, event_type: Optional[str], handler: Handler) -> Callable[[], None]:
        """Subscribe ``handler`` to ``event_type`` (None: every event); return the
        function that unsubscribes it."""
        entry = (event_type, handler)
        with self._lock:
            self._entries.append(entry)

        def unsubscribe() -> None:
            with self._lock:
                if entry in self._entries:
                    self._entries.remove(entry)

        return unsubscribe

    def dispatch(self, event: SessionEvent) -> None:
        """Call every handler subscribed to ``event``'s type, on this thread."""
        with self._lock:
            entries = list(self._entries)
        for event_type, handler in entries:
            if event_type is not None and event_type != event.type:
                continue
            try:
                handler(event)
            except Exception:
                logger.exception(
                    "event handler %r raised on %s (session %r)", handler, event.type, self._session_id
                )
