"""The reply side of one request to :class:`MockHTTPServer`: :class:`Exchange`, the
object a route handler reads the request from and writes its reply through (bodies,
chunked SSE streams, hangs and abrupt closes), plus the error bodies and scripted
faults every wire format shares.
"""

from __future__ import annotations

import json
import select
import socket
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, cast

from ._state import ServerState
from ._types import MockFault, MockReply, RecordedRequest

if TYPE_CHECKING:
    from ._server import MockHTTPServer, _Handler

__all__ = ["Exchange", "error_body", "pieces", "send_fault"]

_POLL = 0.05  # seconds: how often waiting handlers look at the stop flag


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
        self.state: ServerState = cast("MockHTTPServer", handler.server).state
        self.headers_sent = False
        self.close_after = False  # answer with "Connection: close", then close
        self.http10 = False  # answer as HTTP/1.0: no chunking, the body ends with the connection

    def frame_as(self, reply: MockReply) -> None:
        """Frame the answer as ``reply`` asks: ``Connection: close``, or HTTP/1.0."""
        self.close_after = reply.close_connection
        self.http10 = reply.http_version == "1.0"

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
        """Send a complete response with a Content-Length (HTTP/1.0: none, the body
        ends with the connection)."""
        defaults = {"Content-Type": content_type}
        if not self.http10:
            defaults["Content-Length"] = str(len(body))
        self._send_head(status, defaults, headers)
        if body:
            self._handler.wfile.write(body)

    def begin_chunked(
        self, content_type: str, headers: Mapping[str, str] | None = None, status: int = 200
    ) -> None:
        """Send the head of a ``Transfer-Encoding: chunked`` response (HTTP/1.0: of a
        body that ends with the connection)."""
        defaults = {"Content-Type": content_type}
        if not self.http10:
            defaults["Transfer-Encoding"] = "chunked"
        self._send_head(status, defaults, headers)

    def write_chunk(self, data: bytes) -> None:
        """Write ``data`` as one HTTP chunk (sent at once: the socket is unbuffered);
        HTTP/1.0: as it is."""
        if data:
            self._handler.wfile.write(data if self.http10 else b"%x\r\n%s\r\n" % (len(data), data))

    def end_chunked(self) -> None:
        """Write the chunked terminator (HTTP/1.0: nothing, closing ends the body)."""
        if not self.http10:
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
        if self.http10:  # this connection's last reply: its status line says HTTP/1.0
            handler.protocol_version = "HTTP/1.0"
            handler.close_connection = True
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
