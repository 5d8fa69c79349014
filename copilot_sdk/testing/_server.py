"""The wire-format-agnostic core of :class:`copilot_sdk.testing.MockModelServer`.

Layers: :class:`MockHTTPServer` accepts connections (one daemon thread each) and
tracks their sockets so ``stop()`` can shut them down; :class:`_Handler` reads one
request, records it in :class:`ServerState`, finds its :class:`Route` and hands an
:class:`Exchange` (``_exchange``) to the route's handler. Handlers (one module per
wire format, e.g. ``_openai``) only build payloads and call the ``Exchange`` send
methods; they never touch sockets or HTTP framing.

To add an endpoint, write ``handler(exchange) -> None`` and add a ``Route`` to the
route table ``copilot_sdk.testing`` passes to the server; the first matching route
wins. Set ``model_call=True`` on routes that produce completions: those requests
count in ``chat_requests`` and in the in-flight figures.
"""

from __future__ import annotations

import http.server
import json
import logging
import socket
import socketserver
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Sequence
from typing import Any, cast

import attrs

from ._exchange import Exchange, error_body
from ._state import ServerState
from ._types import RecordedRequest

logger = logging.getLogger("copilot_sdk.testing")

__all__ = ["MockHTTPServer", "Route", "path_endswith"]

@attrs.frozen
class Route:
    """One endpoint: an HTTP method, a path predicate and a handler.

    Attributes:
        method: The HTTP method, upper case.
        matches: Called with the request path (no query); True if this route serves it.
        handler: Called with the :class:`Exchange`; must send a reply or close it.
        model_call: The route produces completions (counted in ``chat_requests``
            and in the in-flight figures).
    """

    method: str
    matches: Callable[[str], bool]
    handler: Callable[[Exchange], None]
    model_call: bool = False


def path_endswith(suffix: str) -> Callable[[str], bool]:
    """Return a path predicate: the path is ``suffix`` or ends with it.

    Args:
        suffix: A path suffix starting with "/", e.g. ``"/chat/completions"``.

    Returns:
        The predicate (trailing slashes on the path are ignored).
    """

    def matches(path: str) -> bool:
        return path.rstrip("/").endswith(suffix)

    return matches


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else keep-alive clients stall on delayed ACKs
    server_version = "MockModelServer/1"

    def version_string(self) -> str:
        """The ``Server`` header value."""
        return self.server_version

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s " + format, self.address_string(), *args)

    def _dispatch(self) -> None:
        received_at = time.monotonic()
        server = cast(MockHTTPServer, self.server)
        split = urllib.parse.urlsplit(self.path)
        try:
            raw = self._read_body()
        except (ValueError, OSError):
            logger.debug("unreadable request body on %s %s", self.command, split.path)
            self.close_connection = True
            return
        body, is_json = _parse_json(raw)
        route = next((r for r in server.routes if r.method == self.command and r.matches(split.path)), None)
        model_call = route is not None and route.model_call
        request = RecordedRequest(
            method=self.command,
            path=split.path,
            query=dict(urllib.parse.parse_qsl(split.query, keep_blank_values=True)),
            headers=dict(self.headers.items()),
            body=body,
            raw_body=raw,
            received_at=received_at,
        )
        exchange = Exchange(self, request, server.state.record(request, model_call=model_call))
        try:
            if route is None:
                message = f"no route for {self.command} {split.path}"
                exchange.send_json(404, error_body(404, message, "not_found"))
            elif not is_json:
                exchange.send_json(400, error_body(400, "request body is not valid JSON"))
            else:
                route.handler(exchange)
        except OSError as exc:  # the client went away mid-reply
            logger.debug("connection failed while answering %s: %r", split.path, exc)
            self.close_connection = True
        except Exception:
            logger.exception("mock route handler failed for %s %s", self.command, split.path)
            if exchange.headers_sent:
                exchange.close_abruptly()
            else:
                exchange.send_json(500, error_body(500, "mock handler failed"))
        finally:
            if model_call:
                server.state.model_call_done()

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked_body()
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0:
            raise ValueError("negative Content-Length")
        data = self.rfile.read(length)
        if len(data) != length:
            raise ConnectionError("request body cut short")
        return data

    def _read_chunked_body(self) -> bytes:
        parts: list[bytes] = []
        while True:
            line = self.rfile.readline(65537)
            if not line:
                raise ConnectionError("chunked request body cut short")
            size = int(line.split(b";", 1)[0].strip(), 16)
            if size == 0:
                while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(parts)
            parts.append(self.rfile.read(size))
            self.rfile.readline()


def _parse_json(raw: bytes) -> tuple[Any, bool]:
    if not raw:
        return None, True
    try:
        return json.loads(raw), True
    except ValueError:
        return None, False


class MockHTTPServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    """The listening socket plus one daemon thread per connection.

    Thread-safe: the set of open connection sockets is guarded by ``self._conns_lock``.
    """

    daemon_threads = True
    request_queue_size = 1024  # a burst of concurrent clients must not overflow the backlog

    def __init__(self, address: tuple[str, int], state: ServerState, routes: Iterable[Route]) -> None:
        self.state = state
        self.routes: Sequence[Route] = tuple(routes)
        self._conns_lock = threading.Lock()
        self._conns: set[socket.socket] = set()  # guarded by self._conns_lock
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        """Bind without HTTPServer's reverse DNS lookup of the host."""
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Track the connection's socket, then serve it on a new thread."""
        with self._conns_lock:
            self._conns.add(request)
        self.state.connection_accepted()
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        """Forget and close a finished connection."""
        with self._conns_lock:
            self._conns.discard(request)
        super().shutdown_request(request)

    def shutdown_connections(self) -> None:
        """Shut down every open connection (wakes threads blocked reading them)."""
        with self._conns_lock:
            conns = list(self._conns)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Log (at debug level) an error that escaped a connection thread."""
        logger.debug("connection from %s failed", client_address, exc_info=True)
