"""The wire-format-agnostic core of :class:`copilot_sdk.testing.MockModelServer`.

Layers: :class:`MockHTTPServer` accepts connections (one daemon thread each) and
tracks their sockets so ``stop()`` can shut them down; :class:`_Handler` reads one
request, records it in :class:`ServerState`, finds its :class:`Route` and hands an
:class:`Exchange` to the route's handler. Handlers (one module per wire format, e.g.
``_openai``) only build payloads and call the ``Exchange`` send methods; they
never touch sockets or HTTP framing.

To add an endpoint, write ``handler(exchange) -> None`` and add a ``Route`` to the
route table ``copilot_sdk.testing`` passes to the server; the first matching route
wins. Set ``model_call=True`` on routes that produce completions: those requests
count in ``chat_requests`` and in the in-flight figures.
"""

from __future__ import annotations

import http.server
import json
import logging
import select
import socket
import socketserver
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, cast

import attrs

from ._state import ServerState
from ._types import MockFault, MockReply, RecordedRequest

logger = logging.getLogger("copilot_sdk.testing")

__all__ = [
    "Exchange",
    "MockHTTPServer",
    "Route",
    "error_body",
    "path_endswith",
    "send_fault",
]

_POLL = 0.05  # seconds: how often waiting handlers look at the stop flag


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


def error_body(
    status: int, message: str, code: str | None = None, param: str | None = None
) -> dict[str, Any]:
    """Return an OpenAI-style error body for ``status``."""
    if status == 429:
        kind, default_code = "rate_limit_error", "rate_limit_exceeded"
    elif status == 401:
        kind, default_code = "authentication_error", "invalid_api_key"
    elif status >= 500:
        kind, default_code = "server_error", None
    else:
        kind, default_code = "invalid_request_error", None
    return {"error": {"message": message, "type": kind, "param": param, "code": code or default_code}}


def _merge_headers(defaults: Mapping[str, str], extra: Mapping[str, str] | None) -> list[tuple[str, str]]:
    merged = {name.lower(): (name, value) for name, value in defaults.items()}
    for name, value in (extra or {}).items():
        merged[name.lower()] = (name, value)
    return list(merged.values())


def pieces(text: str, size: int) -> list[str]:
    """``text`` cut into pieces of ``size`` characters (the streamed deltas)."""
    return [text[i : i + size] for i in range(0, len(text), size)]


class Exchange:
    """One request being answered: what a route handler reads and writes through.

    Not thread-safe: used only by the connection thread that received the request.
    """

    def __init__(self, handler: _Handler, request: RecordedRequest, request_id: str) -> None:
        self._handler = handler
        self.request = request
        self.request_id = request_id
        self.state: ServerState = cast(MockHTTPServer, handler.server).state
        self.headers_sent = False
        self.close_after = False  # answer with "Connection: close", then close

    def sleep(self, seconds: float) -> bool:
        """Wait ``seconds``; return False (early) if the server is stopping."""
        if seconds <= 0:
            return not self.state.stop_event.is_set()
        return not self.state.stop_event.wait(seconds)

    def send_json(self, status: int, payload: Any, headers: Mapping[str, str] | None = None) -> None:
        """Send ``payload`` as a JSON body with a Content-Length."""
        self.send_body(status, json.dumps(payload).encode(), "application/json", headers)

    def send_body(
        self,
        status: int,
        body: bytes,
        content_type: str = "application/json",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Send a complete response with a Content-Length."""
        defaults = {"Content-Type": content_type, "Content-Length": str(len(body))}
        self._send_head(status, defaults, headers)
        if body:
            self._handler.wfile.write(body)

    def begin_chunked(
        self, content_type: str, headers: Mapping[str, str] | None = None, status: int = 200
    ) -> None:
        """Send the head of a ``Transfer-Encoding: chunked`` response."""
        self._send_head(status, {"Content-Type": content_type, "Transfer-Encoding": "chunked"}, headers)

    def write_chunk(self, data: bytes) -> None:
        """Write ``data`` as one HTTP chunk (sent at once: the socket is unbuffered)."""
        if data:
            self._handler.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def end_chunked(self) -> None:
        """Write the chunked terminator."""
        self._handler.wfile.write(b"0\r\n\r\n")

    def close_abruptly(self) -> None:
        """Shut the connection down now, whatever was (not) sent."""
        self._handler.close_connection = True
        try:
            self._handler.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def chunk_size(self, reply: MockReply) -> int:
        """Characters per streamed piece: the reply's own, else the server's."""
        return reply.chunk_size or self.state.settings.chunk_size

    def stream_sse(self, frames: Iterable[tuple[bytes, bool]], reply: MockReply, tail: bytes = b"") -> None:
        """Send SSE ``frames`` as one HTTP chunk each, the reply's (or the server's)
        chunk delay apart.

        Each frame comes with a flag: True means "stall here" (hang until the server
        stops or the client leaves, then drop the connection). After
        ``reply.truncate_after`` frames the connection is dropped without the
        terminator; otherwise ``tail`` and the chunked terminator end the response.
        """
        settings = self.state.settings
        delay = reply.chunk_delay if reply.chunk_delay is not None else settings.chunk_delay
        truncate_after = reply.truncate_after
        self.begin_chunked("text/event-stream", {"Cache-Control": "no-cache"})
        for sent, (frame, stall) in enumerate(frames):
            if sent == truncate_after:
                self.close_abruptly()
                return
            if stall:
                self.hang()
                self.close_abruptly()
                return
            if sent and not self.sleep(delay):
                self.close_abruptly()
                return
            self.write_chunk(frame)
        if truncate_after is not None:
            self.close_abruptly()
            return
        self.write_chunk(tail)
        self.end_chunked()

    def hang(self) -> None:
        """Block until the server stops or the client disconnects."""
        sock = self._handler.connection
        while not self.state.stop_event.wait(_POLL):
            if _peer_closed(sock):
                return

    def _send_head(self, status: int, defaults: Mapping[str, str], extra: Mapping[str, str] | None) -> None:
        handler = self._handler
        handler.send_response(status)
        ids = {"x-request-id": self.request_id, "request-id": self.request_id}  # OpenAI's, Anthropic's
        if self.close_after:
            ids["Connection"] = "close"  # send_header then closes after the reply
        for name, value in _merge_headers({**defaults, **ids}, extra):
            handler.send_header(name, value)
        handler.end_headers()
        self.headers_sent = True


def _peer_closed(sock: socket.socket) -> bool:
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable) and sock.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


def send_fault(exchange: Exchange, fault: MockFault) -> None:
    """Answer with a scripted fault (OpenAI-style error body)."""
    latency = fault.latency if fault.latency is not None else exchange.state.settings.latency
    if not exchange.sleep(latency) or fault.drop:
        exchange.close_abruptly()
    elif fault.malformed:
        exchange.send_body(200, b"this is not json{", "application/json", fault.headers)
    elif fault.wrong_shape:
        exchange.send_json(200, {"foo": 1}, fault.headers)
    else:
        status = fault.status or (200 if fault.body is not None else 500)
        if fault.body is not None:
            body = fault.body.encode()
        else:
            body = json.dumps(error_body(status, fault.message)).encode()
        exchange.send_body(status, body, "application/json", fault.headers)


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
