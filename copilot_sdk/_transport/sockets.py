"""Connections that can be shut from another thread, and the requests adapter that
uses them.

The transport sets, per request and per thread, the turn's cancel token in
``local.token``; when urllib3 takes a connection from the pool for that request,
"shut this socket" is registered on the token (the remover is appended to
``local.removers``) and the connection is noted in ``local.conn``.
``shutdown(SHUT_RDWR)`` wakes a read blocked in another thread, which closing the
response does not reliably do. No exceptions are translated here (see ``http``).

The socket is kept from connect time (``live_socket``): ``http.client`` drops
``conn.sock`` as soon as a reply says ``Connection: close`` or is HTTP/1.0 (the
response then owns the socket), and abort, the stream idle timeout and the drain
bound must still reach it.

Thread-safe by construction: the per-request state is thread-local.
"""

from __future__ import annotations

import socket
import threading
from typing import Any, Optional

import requests.adapters
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from ..errors import AbortedError
from .cancel import CancelToken

__all__ = ["CancellableAdapter", "current_token", "live_socket", "local"]

local = threading.local()


def current_token() -> Optional[CancelToken]:
    return getattr(local, "token", None)


def live_socket(conn: Optional[HTTPConnection]) -> Optional[socket.socket]:
    """The socket ``conn`` connected with, even once http.client let go of it."""
    if conn is None:
        return None
    sock = getattr(conn, "sock", None)
    return sock if sock is not None else getattr(conn, "connected_sock", None)


def _shutdown(conn: HTTPConnection) -> None:
    sock = live_socket(conn)
    if sock is not None:
        # socket.socket.shutdown, not SSLSocket.shutdown: the latter drops the SSL
        # object under a reader in another thread; this just ends the TCP stream.
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _CancellableConnectMixin:
    """A cancel during connect() cannot interrupt it; catch it right after."""

    connected_sock: Optional[socket.socket] = None

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        # Kept for the life of this connection's socket: the response of a reply
        # that closes the connection reads it after conn.sock was set to None.
        self.connected_sock = self.sock  # type: ignore[attr-defined]
        token = current_token()
        if token is not None and token.cancelled:
            self.close()  # type: ignore[attr-defined]
            raise AbortedError("the turn was aborted while connecting")


class _CancellableConnection(_CancellableConnectMixin, HTTPConnection):
    pass


class _CancellableHTTPSConnection(_CancellableConnectMixin, HTTPSConnection):
    pass


class _CancellablePoolMixin:
    def _get_conn(self, timeout: Optional[float] = None) -> Any:
        conn = super()._get_conn(timeout)  # type: ignore[misc]
        local.conn = conn  # the transport's request() picks it up for its response
        token = current_token()
        if token is not None:
            local.removers.append(token.add_callback(lambda: _shutdown(conn)))
        return conn


class _HTTPPool(_CancellablePoolMixin, HTTPConnectionPool):
    ConnectionCls = _CancellableConnection


class _HTTPSPool(_CancellablePoolMixin, HTTPSConnectionPool):
    ConnectionCls = _CancellableHTTPSConnection


_POOL_CLASSES = {"http": _HTTPPool, "https": _HTTPSPool}


class CancellableAdapter(requests.adapters.HTTPAdapter):
    """Pools sized to the client's workers; no urllib3 retries (tenacity is the one
    retry layer); connections that can be shut from another thread."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOL_CLASSES

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if hasattr(manager, "pool_classes_by_scheme"):
            manager.pool_classes_by_scheme = _POOL_CLASSES
        return manager


