"""A raw-socket HTTP server for wire behaviour MockModelServer does not produce on
purpose: a reply written byte for byte by the test, then held open.

Each connection reads one request (headers and a Content-Length body), writes the
script's bytes, signals ``reached``, then closes (``close=True``) or holds the
connection open until the client closes it or the server is closed (at most ``hold``
seconds).
"""

from __future__ import annotations

import socket
import threading
from typing import List


class RawServer:
    """Serves ``script`` (bytes written after each request) on 127.0.0.1.

    Thread-safe: the accept loop and the connection threads only read the script;
    the list of open connections is guarded by ``self._lock``.
    """

    def __init__(
        self, script: bytes, *, hold: float = 15.0, close: bool = False, eager: bool = False
    ) -> None:
        self.script = script
        self.eager = eager  # write the script at once, without reading a request
        self.close_at_once = close  # end the connection (FIN) right after the script
        self.requests = 0  # guarded by self._lock
        self.hold = hold
        self.reached = threading.Event()
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._conns: List[socket.socket] = []  # guarded by self._lock
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self._conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            if not self.eager:
                self._read_request(conn)
            with self._lock:
                self.requests += 1
            conn.sendall(self.script)
            self.reached.set()
            if self.close_at_once:
                return
            conn.settimeout(self.hold)
            while conn.recv(65536):  # until the client closes (or shuts) its side
                pass
        except OSError:  # the hold ran out, or the client reset the connection
            pass
        finally:
            conn.close()

    @staticmethod
    def _read_request(conn: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            piece = conn.recv(65536)
            if not piece:
                raise ConnectionError("the client left before its request ended")
            data += piece
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        while len(body) < length:
            piece = conn.recv(65536)
            if not piece:
                raise ConnectionError("the client left before its request ended")
            body += piece

    def close(self) -> None:
        self._closed.set()
        self._listener.close()
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
