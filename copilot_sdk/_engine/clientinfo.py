"""What a client tells about itself and its sessions: ``list_sessions``,
``get_last_session_id``, ``get_session_metadata``, ``ping``, ``get_status`` and
``get_auth_status`` (the official SDK's names), as a
base class of :class:`~copilot_sdk.CopilotClient` (which documents them)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import attrs

from .. import __version__
from ..store.base import SessionStore
from ..types import ProviderConfig, SessionMetadata, validate_session_id
from .opening import AuthStatus, ClientStatus, PingResponse, auth_status, status

__all__ = ["ClientInfo"]


class ClientInfo:
    """The informational methods of CopilotClient. Thread-safe: reads the client's
    registry under its lock, and the store (which locks itself)."""

    _lock: threading.Lock
    _sessions: Dict[str, Any]
    _default_provider: Optional[ProviderConfig]
    _github_token: Optional[str]
    _base_directory: Path
    _store: Any
    _mcp: Any

    def _ensure_started(self) -> None:
        raise NotImplementedError

    @property
    def store(self) -> SessionStore:
        raise NotImplementedError

    def get_session_metadata(self, session_id: str) -> Optional[SessionMetadata]:
        """A stored session's metadata, or None for an unknown id (as in the
        official SDK). The model of a session open here is its current one."""
        validate_session_id(session_id)
        self._ensure_started()
        found = next((m for m in self.store.list() if m.session_id == session_id), None)
        with self._lock:
            session = self._sessions.get(session_id)
        if found is not None and session is not None and session.config.model != found.model:
            found = attrs.evolve(found, model=session.config.model)
        return found

    def ping(self, message: Optional[str] = None) -> PingResponse:
        """Check the client is alive (no request is made: there is no CLI process
        to reach); answers ``message`` (default "pong") with the time in ms."""
        self._ensure_started()
        return PingResponse(
            message=message if message is not None else "pong", timestamp=int(time.time() * 1000)
        )

    def get_status(self) -> ClientStatus:
        """Version, default provider, host, store, SDK home and MCP servers."""
        return status(
            __version__, self._default_provider, self._store, self._base_directory, self._mcp.status()
        )

    def get_auth_status(self) -> AuthStatus:
        """Whether a credential is found for the default provider and where from;
        a GitHub token is shown masked, never in full."""
        return auth_status(self._default_provider, self._github_token, self._base_directory)

    def list_sessions(self) -> List[SessionMetadata]:
        """Every stored session, most recently modified first."""
        self._ensure_started()
        return self.store.list()

    def get_last_session_id(self) -> Optional[str]:
        """The id of the most recently modified session, or None."""
        self._ensure_started()
        return self.store.last_session_id()
