"""CopilotClient: the session runtime — lifecycle, session registry, thread pool,
HTTP transport, providers and store.

Thread-safe: every method may be called from any thread. The registry lock
(``self._lock``) guards the lifecycle state, the open-session registry and the
provider cache only; each session guards its own state.
"""

from __future__ import annotations

import datetime as _dt
import logging
import os
import sys
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Tuple, Union, overload

from . import __version__
from ._engine.clientinfo import ClientInfo
from ._engine.clientproviders import ClientProviders
from ._engine.opening import check_overrides, new_config, resumed_config
from ._engine.options import CLI_ONLY_CLIENT_OPTIONS, NoOptions, ResumeOptions, SessionOptions, check_options
from ._engine.turnctx import in_any_turn
from ._transport.checks import check_number
from .errors import CopilotError, SessionClosedError, SessionExistsError, SessionNotFoundError
from .events import SessionEvent
from .session import Session
from .store import SessionRecord, SessionStore, open_store
from .tools.mcp.manager import McpManager
from .types import ModelInfo, ProviderConfig, SessionConfig, validate_session_id

if TYPE_CHECKING:  # the engine, HTTP and the providers load with the client that starts
    from ._engine.runner import Runtime
    from ._transport.http import Transport
    from .providers import Provider

if sys.version_info >= (3, 11):
    from typing import Unpack
else:  # annotations only (strings); typing.get_type_hints needs it where it is installed
    try:
        from typing_extensions import Unpack
    except ImportError:  # pragma: no cover - not a dependency on 3.10
        pass

logger = logging.getLogger("copilot_sdk.client")

__all__ = ["CopilotClient"]

_NEW, _STARTED, _STOPPING, _STOPPED = "new", "started", "stopping", "stopped"
TimeoutArg = Union[None, float, Tuple[float, float]]


class CopilotClient(ClientInfo, ClientProviders):
    """A synchronous client running many independent chat sessions at once.

    Args:
        provider: the default endpoint for sessions; None means the GitHub Copilot API.
        github_token: GitHub token for the Copilot API (else discovered: COPILOT_GITHUB_TOKEN,
            GH_TOKEN, GITHUB_TOKEN, the saved ``python -m copilot_sdk login``, ``gh auth token``).
        store: a SessionStore, a database path, or ":memory:"; default SQLite at
            ``<base_directory>/sessions.db``.
        base_directory: the SDK home (env COPILOT_SDK_HOME; default ~/.copilot_sdk).
        max_workers: turns of different sessions run in parallel up to this many.
        timeout: read timeout in seconds, or a (connect, read) pair. Default (10, 600).
        stream_idle_timeout: longest silence between stream chunks, seconds (60);
            the wait for the first chunk is bounded by the read timeout.
        max_retries: retries of a failed model call (connection errors, 408, 409,
            429, 5xx) with exponential backoff; ``Retry-After`` is honoured.
        retry_initial_delay, retry_max_delay: backoff bounds, seconds.
        max_retry_after: longest server-requested wait honoured; a longer one
            fails at once with RateLimitError.
        allow_insecure_http: allow plain http:// to hosts other than loopback.
        use_logged_in_user: False: explicit tokens only (no env, saved login, gh; multi-user servers).
        mcp_start_timeout: seconds an MCP server may take to start (then it fails).

    Thread-safe. Use as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(
        self,
        *,
        provider: Union[None, ProviderConfig, Mapping[str, Any]] = None,
        github_token: Optional[str] = None,
        store: Union[None, str, os.PathLike[str], SessionStore] = None,
        base_directory: Union[None, str, os.PathLike[str]] = None,
        max_workers: int = 16,
        timeout: TimeoutArg = None,
        stream_idle_timeout: float = 60.0,
        max_retries: int = 2,
        retry_initial_delay: float = 0.5,
        retry_max_delay: float = 8.0,
        max_retry_after: float = 60.0,
        allow_insecure_http: bool = False,
        use_logged_in_user: bool = True,
        mcp_start_timeout: float = 30.0,
        **cli_options: Unpack[NoOptions],
    ) -> None:
        from ._transport.http import Timeouts
        from ._transport.retry import RetryPolicy

        check_options(cli_options, (), CLI_ONLY_CLIENT_OPTIONS, "CopilotClient()")
        if isinstance(provider, Mapping):
            provider = ProviderConfig.from_dict(provider)  # the official SDK's dict form
        if provider is not None and not isinstance(provider, ProviderConfig):
            raise TypeError(f"provider must be a ProviderConfig or a dict, not {type(provider).__name__}")
        if isinstance(max_workers, bool) or not isinstance(max_workers, int) or max_workers < 1:
            raise ValueError(f"max_workers must be an int >= 1, got {max_workers!r}")
        connect, read = 10.0, 600.0
        if isinstance(timeout, tuple):
            if len(timeout) != 2:
                raise ValueError(f"timeout must be seconds or a (connect, read) pair, got {timeout!r}")
            connect, read = timeout
        elif timeout is not None:
            read = timeout
        self._timeouts = Timeouts(connect=connect, read=read, stream_idle=stream_idle_timeout)
        self._policy = RetryPolicy(
            max_retries=max_retries,
            initial_delay=retry_initial_delay,
            max_delay=retry_max_delay,
            max_retry_after=max_retry_after,
        )
        self._default_provider = provider
        self._github_token = github_token
        self._store_arg = store
        home = base_directory or os.environ.get("COPILOT_SDK_HOME") or Path.home() / ".copilot_sdk"
        self._base_directory = Path(home).expanduser()
        self._max_workers = max_workers
        self._allow_insecure_http = bool(allow_insecure_http)
        self._use_logged_in_user = bool(use_logged_in_user)
        self._lock = threading.Lock()
        self._state = _NEW  # guarded by self._lock
        self._sessions: Dict[str, Session] = {}  # guarded by self._lock
        self._providers: Dict[Tuple[ProviderConfig, Optional[str]], Provider] = {}  # guarded
        self._pool: Optional[ThreadPoolExecutor] = None  # set once by start()
        self._tool_pool: Optional[ThreadPoolExecutor] = None
        self._transport: Optional[Transport] = None
        self._store: Optional[SessionStore] = None  # set once by start()
        self._runtime: Optional[Runtime] = None  # set once by start()
        self._owns_store = False
        check_number("mcp_start_timeout", mcp_start_timeout)
        self._mcp = McpManager(mcp_start_timeout)  # MCP servers: started on first use, stopped by stop()

    def __repr__(self) -> str:
        provider = self._default_provider.type if self._default_provider else "copilot"
        return f"CopilotClient(provider={provider!r}, state={self._state!r})"

    # -- lifecycle ------------------------------------------------------------
    def start(self) -> CopilotClient:
        """Open the store, the HTTP pool and the thread pool. Idempotent.

        Raises:
            ConfigurationError: no usable provider (e.g. no GitHub token for the
                default Copilot provider), or the store cannot be opened.
            CopilotError: the client was stopped (a stopped client cannot restart).
        """
        from ._engine.runner import CallerSlots, Runtime
        from ._transport.http import Transport

        default = self._default_provider
        resolved = None
        if default is None or default.type == "copilot":
            resolved = self._resolve(default, self._github_token)
        with self._lock:
            if self._state == _STARTED:
                return self
            if self._state in (_STOPPING, _STOPPED):  # never a second transport, store, pool
                raise CopilotError(f"this CopilotClient is {self._state}; create a new one")
            transport = Transport(
                max_workers=self._max_workers,
                timeouts=self._timeouts,
                allow_insecure_http=self._allow_insecure_http,
                user_agent=f"copilot_sdk/{__version__}",
            )
            try:
                if resolved is not None:
                    self._provider_locked(*resolved, transport)
                store, owned = open_store(self._store_arg, self._base_directory)
            except BaseException:
                transport.close()
                self._providers.clear()
                raise
            self._transport = transport
            self._store, self._owns_store = store, owned
            self._pool = ThreadPoolExecutor(self._max_workers, thread_name_prefix="copilot_sdk")
            self._tool_pool = ThreadPoolExecutor(
                max(4, min(32, self._max_workers)), thread_name_prefix="copilot_sdk-tool"
            )
            slots = CallerSlots(self._max_workers)  # blocking sends run on their callers' threads
            self._runtime = Runtime(store, self._pool, self._tool_pool, self._forget, self._mcp, slots)
            self._state = _STARTED
        logger.debug("client started (max_workers=%d)", self._max_workers)
        return self

    def stop(self, force: bool = False, timeout: Optional[float] = None) -> None:
        """Wait for in-flight and queued turns (or abort them with ``force=True``),
        release every session and close the pools and the store. Idempotent.

        Raises:
            CopilotError: called from inside a turn (a handler or tool), where
                waiting for the turns would wait for itself.
        """
        if in_any_turn():
            raise CopilotError(
                "CopilotClient.stop() was called from inside a turn (a handler or tool), "
                "which would wait for itself; stop the client from outside its turns"
            )
        with self._lock:
            if self._state != _STARTED:
                self._state = _STOPPED if self._state == _NEW else self._state
                return
            self._state = _STOPPING  # from here on no session is created or resumed
            sessions = list(self._sessions.values())
        deadline = None if timeout is None else time.monotonic() + timeout
        for session in sessions:  # force: abort now; else refuse new turns, let submitted ones run
            session._close_now("the client was stopped") if force else session._begin_close()

        def remaining() -> Optional[float]:
            return None if deadline is None else max(0.0, deadline - time.monotonic())

        for session in sessions:
            session._wait_idle(remaining())
            session._close_now("the client was stopped", remaining())
        with self._lock:
            self._state = _STOPPED
            pool, tool_pool, transport = self._pool, self._tool_pool, self._transport
        assert pool is not None and tool_pool is not None and transport is not None
        pool.shutdown(wait=not force and remaining() != 0.0, cancel_futures=True)  # not past the deadline
        tool_pool.shutdown(wait=False, cancel_futures=True)
        self._mcp.stop()
        transport.close()
        if self._owns_store and self._store is not None:
            self._store.close()
        logger.debug("client stopped")

    def __enter__(self) -> CopilotClient:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def __del__(self) -> None:
        if getattr(self, "_state", None) == _STARTED:
            warnings.warn("CopilotClient was garbage-collected while started; call stop() or use "
                          "`with CopilotClient() as client:`", ResourceWarning, stacklevel=1)
            # Best effort: turns cannot be running (they hold references to this client).
            for pool in (self._pool, self._tool_pool):
                if pool is not None:
                    pool.shutdown(wait=False)
            if self._transport is not None:
                self._transport.close()

    def _ensure_started(self) -> None:
        with self._lock:
            state = self._state
        if state in (_STOPPING, _STOPPED):
            raise SessionClosedError("this CopilotClient was stopped")
        if state == _NEW:
            self.start()

    def _runtime_now(self) -> Runtime:
        assert self._runtime is not None
        return self._runtime

    @property
    def store(self) -> SessionStore:
        """The SessionStore this client uses (opened by :meth:`start`)."""
        self._ensure_started()
        assert self._store is not None
        return self._store

    def _check_running_locked(self) -> None:
        if self._state != _STARTED:
            raise SessionClosedError("this CopilotClient is stopping or stopped")

    def _register(self, session: Session) -> Session:
        """The one way into the registry: the first session of an id wins, for every caller."""
        with self._lock:
            self._check_running_locked()
            return self._sessions.setdefault(session.session_id, session)

    def _forget(self, session: Session) -> None:
        """A session was released: drop it from the registry."""
        with self._lock:
            if self._sessions.get(session.session_id) is session:
                del self._sessions[session.session_id]

    # -- sessions -------------------------------------------------------------
    @overload
    def create_session(self, config: SessionConfig, /) -> Session: ...

    @overload
    def create_session(self, config: None = None, /, **options: Unpack[SessionOptions]) -> Session: ...

    def create_session(self, config: Optional[SessionConfig] = None, /, **options: Any) -> Session:
        """Create a new session from a SessionConfig, or from its fields as keywords
        (the official SDK's names, typed by ``SessionOptions``; each is documented
        on :class:`SessionConfig`). Emits ``session.start`` (to ``on_event``) and runs ``on_session_start``.

        Raises:
            SessionExistsError: ``session_id`` is taken (open or stored).
            ConfigurationError: no usable provider for this session.
            TypeError/ValueError: bad or unknown fields, official options of the CLI process.
        """
        config = new_config(config, options)
        self._ensure_started()
        assert config.session_id is not None
        provider = self._session_provider(config)
        with self._lock:
            self._check_running_locked()
            if config.session_id in self._sessions:
                raise SessionExistsError(f"session {config.session_id!r} already exists")
        now = _dt.datetime.now(_dt.timezone.utc)
        self.store.create(SessionRecord(session_id=config.session_id, start_time=now, modified_time=now,
                                        model=config.model, config=config.to_public_dict()))
        session = self._register(created := self._new_session(config, provider, []))
        logger.debug("session %r created (model=%r)", config.session_id, config.model)
        if session is created:  # else a resume_session of this id got in first: its session
            session._opened("new", now)
        return session

    def _new_session(self, config: SessionConfig, provider: Provider, log: List[SessionEvent]) -> Session:
        return Session(config=config, provider=provider, runtime=self._runtime_now(), log=log,
                       provider_for=self._session_provider)

    def _session_provider(self, c: SessionConfig) -> Provider:
        """The provider a session's config asks for (a bound method, not a closure per session)."""
        return self._provider_for(c.provider or self._default_provider, c.github_token or self._github_token)

    def resume_session(self, session_id: str, /, **overrides: Unpack[ResumeOptions]) -> Session:
        """Reopen a stored session with its history (and the model its last
        ``set_model`` chose). Secrets, tools, hooks and handlers are not stored: pass
        them again as ``overrides`` (the options of :meth:`create_session` but
        ``session_id``). Emits ``session.resume``; runs ``on_session_start`` (source
        "resume"). A session already open here is returned as is, with the
        ``overrides`` applied from its next turn on.

        Raises:
            SessionNotFoundError: no such session.
            SessionClosedError: the open session is closing (overrides cannot apply).
            TypeError/ValueError: bad, unknown or CLI-only options.
        """
        validate_session_id(session_id)
        check_overrides(overrides)
        self._ensure_started()
        with self._lock:
            session = self._sessions.get(session_id)
        if session is not None:
            if overrides:
                session._reconfigure(overrides)
            return session
        record, log = self.store.load(session_id)
        config = resumed_config(record.config, log, session_id, overrides, self._default_provider)
        provider = self._session_provider(config)
        session = self._new_session(config, provider, log)
        existing = self._register(session)
        if existing is session:
            session._opened("resume", _dt.datetime.now(_dt.timezone.utc))
        elif overrides:
            existing._reconfigure(overrides)
        return existing

    def delete_session(self, session_id: str) -> None:
        """Abort a live session's turns, close it and remove its stored data.

        Raises:
            SessionNotFoundError: no such session.
        """
        validate_session_id(session_id)
        self._ensure_started()
        with self._lock:
            session = self._sessions.pop(session_id, None)
        if session is not None:
            session._close_now("deleted")
        if not self.store.delete(session_id) and session is None:
            raise SessionNotFoundError(f"no session {session_id!r}")

    def list_models(self) -> List[ModelInfo]:
        """The models the default provider offers."""
        self._ensure_started()
        return self._provider_for(self._default_provider, self._github_token).list_models()
