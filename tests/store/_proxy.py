"""A TCP proxy on 127.0.0.1 to play a server outage without touching the server.

``stop()`` closes the listening socket and cuts every connection (as a server that
went away); ``start()`` listens again on the same port (the server is back).
"""

from __future__ import annotations

import socket
import threading
import time
from typing import List, Optional, Tuple

__all__ = ["Proxy"]


class Proxy:
    """Forwards 127.0.0.1:``port`` to ``upstream``.

    Thread-safe: ``self._sockets`` and ``self._listener`` are guarded by ``self._lock``.
    """

    def __init__(self, upstream: Tuple[str, int]) -> None:
        self._upstream = upstream
        self._lock = threading.Lock()
        self._listener: Optional[socket.socket] = None  # guarded by self._lock
        self._sockets: List[socket.socket] = []  # guarded by self._lock
        self.port = 0
        self.start()

    def start(self) -> None:
        """Listen (again) on the port; a connection the outage cut may hold the port
        for a moment, so binding is retried for a few seconds."""
        deadline = time.monotonic() + 10.0
        while True:
            listener = socket.socket()
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                listener.bind(("127.0.0.1", self.port))
                break
            except OSError:
                listener.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        listener.listen(64)
        self.port = listener.getsockname()[1]
        with self._lock:
            self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            sockets, self._sockets = self._sockets, []
        if listener is not None:
            listener.close()
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed by stop()
            try:
                server = socket.create_connection(self._upstream, timeout=5)
                server.settimeout(None)
            except OSError:
                client.close()
                continue
            for sock in (client, server):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                if self._listener is not listener:
                    client.close()
                    server.close()
                    return
                self._sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
