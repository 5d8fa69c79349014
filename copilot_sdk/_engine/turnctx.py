"""Which sessions' turns the current thread is working for.

A pool thread running a turn, and a tool thread running one of its handlers, are
marked with the session id. That lets a session refuse a re-entrant ``send`` from
its own handler or tool (it would deadlock), and lets a blocking ``send`` from
inside some turn run its target's queue inline instead of waiting for a pool thread.
A thread running a tool handler is also marked as such, so that a tool round started
on it (a nested send) runs its calls itself rather than waiting for the tool pool.

Thread-safe by construction: the state is thread-local.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Iterator, Optional, Set

# .sessions: ids of the sessions whose turn this thread works for;
# .in_tool: this thread is running a tool handler.
_local = threading.local()


def running_turns() -> Set[str]:
    """The ids of the sessions whose turn this thread is working for."""
    sessions: Optional[Set[str]] = getattr(_local, "sessions", None)
    if sessions is None:
        sessions = _local.sessions = set()
    return sessions


def in_any_turn() -> bool:
    """True on a thread that is running some session's turn (or one of its tools)."""
    return bool(running_turns())


@contextlib.contextmanager
def turn_thread(session_id: str) -> Iterator[None]:
    """Mark this thread as working for ``session_id``'s turn inside the block."""
    sessions = running_turns()
    sessions.add(session_id)
    try:
        yield
    finally:
        sessions.discard(session_id)


def in_tool_handler() -> bool:
    """True on a thread that is running a tool handler."""
    return bool(getattr(_local, "in_tool", False))


@contextlib.contextmanager
def tool_handler() -> Iterator[None]:
    """Mark this thread as running a tool handler inside the block."""
    previous = in_tool_handler()
    _local.in_tool = True
    try:
        yield
    finally:
        _local.in_tool = previous
