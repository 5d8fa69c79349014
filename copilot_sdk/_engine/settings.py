"""A session's settings after it opened: ``set_model``, the overrides of
``resume_session`` on an open session, the ``session.start``/``session.resume``
event and the session-level hooks, as a base class of :class:`~copilot_sdk.Session`.

The config and provider themselves are kept by the session's
:class:`~.runner.TurnRunner` (under its lock), which a turn reads once when it starts.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional

from ..errors import SessionClosedError
from ..events import new_event
from ..types import ReasoningEffort, SessionConfig
from .handlers import Handlers
from .opening import changed_settings, opening_event

if TYPE_CHECKING:  # the turn engine loads with the first session
    from ..providers.base import Provider
    from .history import Conversation
    from .hooks import HookEnv
    from .runner import TurnRunner

__all__ = ["SessionSettings"]


class SessionSettings:
    """The settings methods of Session (thread-safety: see Session)."""

    __slots__ = ()

    _lock: threading.Lock
    _closing: bool
    _session_id: str
    _handlers: Handlers
    if TYPE_CHECKING:  # not in __annotations__: typing.get_type_hints(Session) needs no engine
        _runner: TurnRunner
        _conversation: Conversation
        _provider_for: Optional[Callable[[SessionConfig], Provider]]

    @property
    def config(self) -> SessionConfig:
        """The configuration this session runs with (the next turn's)."""
        return self._runner.config

    def set_model(self, model: str, *, reasoning_effort: Optional[ReasoningEffort] = None) -> None:
        """Use ``model`` (and ``reasoning_effort``) from the next turn on (a turn in
        flight keeps its model). Emits ``session.model_change`` now; it is stored with
        the next turn that completes (``SessionMetadata.model`` and resume follow it).

        Raises:
            TypeError/ValueError: a bad model or effort (one the cached models list
                says the model lacks). SessionClosedError: the session is closed.
        """
        self._reconfigure({"model": model, "reasoning_effort": reasoning_effort})

    def _reconfigure(self, changes: Mapping[str, Any]) -> None:
        """Apply ``changes`` (SessionConfig fields) from the next turn on."""
        with self._lock:
            if self._closing:
                raise SessionClosedError(f"session {self._session_id!r} is closed: settings cannot change")
        config, provider, change = changed_settings(*self._runner.current(), changes, self._provider_for)
        self._runner.reconfigure(config, provider, change)
        if change is not None:
            self._handlers.dispatch(change)

    def _opened(self, source: str, when: Any) -> None:
        """Emit ``session.start``/``session.resume``; run ``on_session_start`` (its
        ``additionalContext`` joins every turn's system message)."""
        self._handlers.dispatch(opening_event(source, self.config, self._conversation.length(), when))
        self._runner.session_context = self._hooks().session_start(source)

    def _hooks(self) -> HookEnv:
        from .hooks import HookEnv

        emit = lambda kind, data: self._handlers.dispatch(new_event(kind, data))  # noqa: E731
        return HookEnv(self.config.hooks, self._session_id, self.config.working_directory, emit)
