"""A local OpenAI-compatible model endpoint for tests and offline examples.

:class:`MockModelServer` is a real HTTP/1.1 server on ``127.0.0.1`` (standard
library, one daemon thread per connection, keep-alive, ``TCP_NODELAY``); a scripted
reply may close its connection (``MockReply(close_connection=True)``) or answer as
HTTP/1.0 (``MockReply(http_version="1.0")``: no chunking, the body ends with the
connection). It answers
``POST .../chat/completions`` (any path prefix: ``/v1``, Azure deployment URLs,
Copilot API bases) with JSON or SSE streams, and ``GET .../models``; the Anthropic
``POST .../v1/messages`` (JSON and SSE); and GitHub's Copilot endpoints
(``/copilot_internal/user``, the token exchange, the OAuth device flow, the Copilot
API under ``/copilot-api``, configured through :attr:`MockModelServer.github`). Replies are
scripted with :meth:`MockModelServer.enqueue`; without a script the server answers
with a deterministic echo of the conversation it received, so a test can see exactly
what each session sent::

    from copilot_sdk.testing import MockModelServer, MockReply, MockFault

    with MockModelServer(latency=0.1) as server:
        server.enqueue(MockFault(status=429, headers={"Retry-After": "0"}), MockReply(content="hi"))
        ...  # point a client at server.openai_base_url
        assert len(server.chat_requests) == 2

As a pytest fixture: ``mock_model_server``, a started server stopped after the test,
is there in every test once the package is installed (the ``pytest11`` entry point
registers :mod:`copilot_sdk.testing.plugin`); no import is needed.
"""

from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import Callable
from types import TracebackType
from typing import Any

from ._anthropic import ROUTES as _ANTHROPIC_ROUTES
from ._github import ROUTES as _GITHUB_ROUTES
from ._github import GitHubSettings, settings_for
from ._openai import ROUTES as _OPENAI_ROUTES
from ._responses import ROUTES as _RESPONSES_ROUTES
from ._server import MockHTTPServer, Route
from ._state import ServerState, Settings
from ._types import MockFault, MockReply, MockToolCall, RecordedRequest

logger = logging.getLogger("copilot_sdk.testing")

__all__ = [
    "GitHubSettings",
    "MockFault",
    "MockModelServer",
    "MockReply",
    "MockToolCall",
    "RecordedRequest",
]

for _cls in (GitHubSettings, MockFault, MockReply, MockToolCall, RecordedRequest):
    _cls.__module__ = __name__

_ROUTES: tuple[Route, ...] = (*_GITHUB_ROUTES, *_ANTHROPIC_ROUTES, *_RESPONSES_ROUTES, *_OPENAI_ROUTES)
"""Every endpoint served, more specific routes first (the first match wins)."""


class MockModelServer:
    """A threaded local HTTP server speaking the OpenAI chat-completions wire format.

    Reply selection for each chat-completions request: the first queue added with
    ``enqueue(..., match=f)`` whose ``f(body)`` is true and which is not empty; else
    the FIFO of ``enqueue(...)`` without ``match``; else the default echo reply
    ``"echo: model=M; messages=N; system=yes|no; first_user='..'; last_user='..'"``.

    Streaming (``"stream": true``) sends one HTTP chunk per SSE event: a role chunk,
    the content in ``chunk_size``-character pieces, each tool call's header then its
    arguments in pieces, a finish chunk, a usage chunk if
    ``stream_options.include_usage``, then ``data: [DONE]`` and the chunked
    terminator. Every request (all routes) is logged before it is answered.

    Lifecycle: new -> started -> stopped; a stopped server cannot be restarted.

    Thread-safe: all methods and properties may be called from any thread while the
    server runs; the request log, counters and queues live behind one lock in the
    server state, and the lifecycle fields are guarded by ``self._lock``.

    Args:
        latency: Seconds each chat-completions request waits (server side) before
            it is answered.
        chunk_size: Characters of content (or tool arguments) per streamed chunk.
        chunk_delay: Seconds between streamed chunks.
        host: The interface to listen on.
        port: The port; 0 picks a free one.
        max_prompt_tokens: Enforce a context window: a model call whose prompt
            counts more tokens (about one per four characters of its messages,
            system prompt and tools as JSON; the count the usage reports) is
            refused with the real APIs' 400 (OpenAI's ``context_length_exceeded``
            error, Anthropic's "prompt is too long"). The models lists report this
            limit (``capabilities.limits.max_prompt_tokens``, Anthropic's
            ``max_input_tokens``); without it they report 128000 and nothing is
            enforced.
        api_key: Require this key on model calls (``Authorization: Bearer``,
            ``api-key`` or ``x-api-key``): without it, the real APIs' 401.
        known_models_only: Refuse models the models list does not name with the
            real APIs' 404 (``model_not_found``; Anthropic's ``not_found_error``).

    Every model call is checked as the real APIs check it: an empty ``messages``
    (Responses: ``input``), an unknown role or item type, a tool call without its
    result (or a result without its call), a missing content or an out-of-range
    parameter gets their 400 and error body; ``tool_choice``, ``parallel_tool_calls`` and the max-token limits
    (``finish_reason: "length"``, Anthropic's ``max_tokens``) are honoured, and the
    Anthropic endpoint merges consecutive turns of one role as the API does.

    Raises:
        ValueError: If a number is out of range.
    """

    def __init__(
        self,
        *,
        latency: float = 0.0,
        chunk_size: int = 8,
        chunk_delay: float = 0.0,
        host: str = "127.0.0.1",
        port: int = 0,
        max_prompt_tokens: int | None = None,
        api_key: str | None = None,
        known_models_only: bool = False,
    ) -> None:
        if latency < 0 or chunk_delay < 0:
            raise ValueError("latency and chunk_delay must be >= 0")
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be >= 1, got {chunk_size!r}")
        limit = max_prompt_tokens
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
            raise ValueError(f"max_prompt_tokens must be an int >= 1, got {max_prompt_tokens!r}")
        if api_key is not None and not isinstance(api_key, str):
            raise TypeError(f"api_key must be a str or None, not {type(api_key).__name__}")
        self._address = (host, port)
        self._state = ServerState(
            Settings(
                latency=latency,
                chunk_size=chunk_size,
                chunk_delay=chunk_delay,
                max_prompt_tokens=max_prompt_tokens,
                api_key=api_key,
                known_models_only=known_models_only,
            )
        )
        self._lock = threading.Lock()
        self._lifecycle = "new"  # guarded by self._lock
        self._httpd: MockHTTPServer | None = None  # guarded by self._lock
        self._thread: threading.Thread | None = None  # guarded by self._lock
        self._url: str | None = None  # guarded by self._lock

    # -- lifecycle -----------------------------------------------------------------

    def start(self) -> MockModelServer:
        """Start listening and serving (idempotent while running).

        Returns:
            ``self``, once the socket is listening.

        Raises:
            RuntimeError: If the server was stopped.
        """
        with self._lock:
            if self._lifecycle == "started":
                return self
            if self._lifecycle == "stopped":
                raise RuntimeError("cannot restart a stopped MockModelServer; create a new one")
            httpd = MockHTTPServer(self._address, self._state, _ROUTES)  # listens on return
            thread = threading.Thread(
                target=httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"MockModelServer:{httpd.server_port}",
                daemon=True,
            )
            thread.start()
            self._httpd, self._thread, self._lifecycle = httpd, thread, "started"
            self._url = f"http://{httpd.server_name}:{httpd.server_port}"
        logger.debug("MockModelServer listening on %s", self._url)
        return self

    def stop(self) -> None:
        """Stop serving and close every connection, stalled streams included (idempotent).

        Returns within about 0.1 s: waiting handlers wake on a stop flag, and open
        connections (idle keep-alive ones too) are shut down.
        """
        with self._lock:
            httpd, thread = self._httpd, self._thread
            self._lifecycle = "stopped"
            self._httpd = self._thread = None
        if httpd is None or thread is None:
            return
        self._state.stop_event.set()
        httpd.shutdown()
        httpd.server_close()
        httpd.shutdown_connections()
        thread.join(timeout=1.0)
        logger.debug("MockModelServer on port %s stopped", httpd.server_port)

    def __enter__(self) -> MockModelServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __del__(self) -> None:
        if getattr(self, "_lifecycle", None) == "started":
            warnings.warn(
                "MockModelServer was garbage-collected while running; call stop()",
                ResourceWarning,
                stacklevel=1,
            )

    def __repr__(self) -> str:
        with self._lock:
            url, lifecycle = self._url, self._lifecycle
        where = f" {url}" if url is not None else ""
        return f"<MockModelServer{where} {lifecycle}>"

    # -- addresses -----------------------------------------------------------------

    @property
    def url(self) -> str:
        """``"http://127.0.0.1:PORT"`` (still the old address after ``stop()``).

        Raises:
            RuntimeError: If the server was never started.
        """
        with self._lock:
            url = self._url
        if url is None:
            raise RuntimeError("MockModelServer is not started; call start() first")
        return url

    @property
    def openai_base_url(self) -> str:
        """The OpenAI-style base URL: ``url + "/v1"``."""
        return self.url + "/v1"

    @property
    def anthropic_base_url(self) -> str:
        """The Anthropic-style base URL (no version): ``url``; calls go to ``/v1/messages``."""
        return self.url

    @property
    def github(self) -> GitHubSettings:
        """How the mock GitHub behaves: ``/copilot_internal/user``, the token exchange,
        the device flow and the Copilot API under ``url + "/copilot-api"`` (accepted
        tokens, token lifetime, scripted device-flow outcomes, auth failures)."""
        return settings_for(self._state)

    # -- scripting -----------------------------------------------------------------

    def enqueue(self, *replies: MockReply | MockFault, match: Callable[[Any], bool] | None = None) -> None:
        """Script replies for coming chat-completions requests, used first in, first out.

        Args:
            *replies: The replies, in the order they are to be used.
            match: If given, these replies go to a queue used only for requests whose
                parsed JSON body satisfies ``match(body)``; such queues are tried
                before the unmatched FIFO. Enqueueing again with the same function
                object appends to its queue. ``match`` runs on server threads; an
                exception in it is logged and counts as no match.

        Raises:
            TypeError: If a reply is not a MockReply or MockFault.
            ValueError: If no reply is given.
        """
        if not replies:
            raise ValueError("enqueue() needs at least one MockReply or MockFault")
        for reply in replies:
            if not isinstance(reply, (MockReply, MockFault)):
                raise TypeError(f"enqueue() takes MockReply or MockFault, got {type(reply).__name__}")
        self._state.script.add(replies, match)

    def reset(self) -> None:
        """Clear the request log, the scripted replies and the counters.

        ``max_in_flight`` restarts from the current ``in_flight``; ids
        (``req_...``, ``chatcmpl-...``, ``call_...``) get a new random salt, so that
        they never repeat across servers or resets.
        """
        self._state.reset()

    # -- observation ---------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """A copy of every request received (all routes), in arrival order."""
        return self._state.snapshot()[0]

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        """A copy of the chat-completions requests received, in arrival order."""
        return self._state.snapshot()[1]

    @property
    def in_flight(self) -> int:
        """The number of chat-completions requests being handled right now.

        A request stops counting once its last byte is written, which its client
        may see a moment earlier: use :meth:`wait_for_idle` before asserting 0.
        """
        return self._state.snapshot()[2]

    @property
    def max_in_flight(self) -> int:
        """The most chat-completions requests handled at the same moment."""
        return self._state.snapshot()[3]

    @property
    def connections_accepted(self) -> int:
        """The number of TCP connections accepted (a keep-alive client reuses one)."""
        return self._state.snapshot()[4]

    def wait_for_requests(self, n: int, timeout: float = 10.0) -> bool:
        """Block until at least ``n`` chat-completions requests were received.

        Args:
            n: The number of requests to wait for (counted since start or ``reset()``).
            timeout: Seconds to wait at most.

        Returns:
            True if they arrived, False on timeout.
        """
        return self._state.wait_for_model_calls(n, timeout)

    def wait_for_idle(self, timeout: float = 10.0) -> bool:
        """Block until no chat-completions request is being handled.

        Args:
            timeout: Seconds to wait at most.

        Returns:
            True once ``in_flight`` is 0, False on timeout.
        """
        return self._state.wait_for_idle(timeout)


def __getattr__(name: str) -> Any:
    """``from copilot_sdk.testing import mock_model_server`` still works (pytest is
    imported only then; the fixture is registered by the plugin anyway)."""
    if name == "mock_model_server":
        from .plugin import mock_model_server

        return mock_model_server
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
