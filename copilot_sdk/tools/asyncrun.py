"""Running the ``async def`` handlers and hooks of code written for the official
(asyncio) SDK: to completion, on the calling thread, in a private event loop.

A tool thread or turn thread has no event loop of its own, so the coroutine gets a
fresh one (``asyncio.run`` semantics: its async generators and default executor are
closed afterwards). With a cancel token, an abort cancels the coroutine's task at
once (it sees ``asyncio.CancelledError`` at its current ``await``), and
:class:`~copilot_sdk.AbortedError` is raised.
"""

from __future__ import annotations

import inspect
from typing import Any, Awaitable, Optional, Protocol

from ..errors import AbortedError

__all__ = ["run_awaitable", "takes_invocation"]


class _Cancel(Protocol):
    @property
    def cancelled(self) -> bool: ...

    def add_callback(self, callback: Any) -> Any: ...


async def _await(value: Awaitable[Any]) -> Any:
    return await value


def run_awaitable(value: Any, cancel: Optional[_Cancel] = None) -> Any:
    """``value`` itself, or, if it is awaitable, what it returns when run to completion.

    Raises:
        AbortedError: ``cancel`` fired while it ran.
        RuntimeError: called on a thread whose event loop is running (an ``async``
            handler cannot be run to completion from inside a running loop).
    """
    if not inspect.isawaitable(value):
        return value
    import asyncio  # only code written for the asyncio SDK pays for it

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        if inspect.iscoroutine(value):
            value.close()
        raise RuntimeError("an async handler cannot be run from inside a running event loop")
    loop = asyncio.new_event_loop()
    try:
        task = loop.create_task(_await(value))
        unregister = None
        if cancel is not None:
            unregister = cancel.add_callback(lambda: loop.call_soon_threadsafe(task.cancel))
        try:
            return loop.run_until_complete(task)
        except asyncio.CancelledError:
            if cancel is not None and cancel.cancelled:
                raise AbortedError("the turn was aborted while an async handler ran") from None
            raise RuntimeError("the async handler was cancelled") from None
        finally:
            if callable(unregister):
                unregister()
    finally:
        try:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            loop.close()


def takes_invocation(fn: Any) -> bool:
    """True if ``fn`` accepts a second positional argument: the official SDK's
    ``(input, invocation)`` signature of handlers and hooks."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2 or any(p.kind is p.VAR_POSITIONAL for p in params)
