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
from typing import Any, Dict, Mapping, Optional, Tuple, cast

import requests.adapters
import urllib3
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
#: Hosts whose pools the adapter keeps at hand. urllib3's pool manager keeps its 8 most
#: recent and drops (without closing) the others; a pool dropped by both is closed
#: when collected.
_MAX_POOLS = 64


class CancellableAdapter(requests.adapters.HTTPAdapter):
    """Pools sized to the client's workers; no urllib3 retries (tenacity is the one
    retry layer); connections that can be shut from another thread.

    Two of ``HTTPAdapter``'s subclassing hooks are overridden: ``build_response``
    hands back urllib3's reply as it is (the transport reads it itself, so no
    ``requests.Response``, with its header dict and a cookie jar the transport never
    uses, is built per reply; :meth:`open` is ``send`` typed for that), and
    ``get_connection_with_tls_context`` looks a host's pool up once, not per request.

    Thread-safe: the pool cache is a dict whose entries are set whole (a racing
    second lookup stores the same pool, which the pool manager hands out under its
    lock); urllib3's pools and pool manager guard themselves.
    """

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOL_CLASSES
        self._pools: Dict[Tuple[str, str, Any, Any], Any] = {}

    def open(self, request: Any, timeout: Any, verify: Any, proxies: Dict[str, str]) -> urllib3.HTTPResponse:
        """``send`` ``request`` (prepared); urllib3's response, its body unread."""
        reply = self.send(request, stream=True, timeout=timeout, verify=verify, proxies=proxies)
        return cast(urllib3.HTTPResponse, reply)

    def build_response(self, req: Any, resp: Any) -> Any:
        """urllib3's reply itself (see the class docstring)."""
        return resp

    def get_connection_with_tls_context(
        self, request: Any, verify: Any, proxies: Optional[Mapping[str, str]] = None, cert: Any = None
    ) -> Any:
        scheme, _, rest = request.url.partition("://")
        key = (scheme, rest.split("/", 1)[0], (proxies or {}).get(scheme), (verify, cert))
        pool = self._pools.get(key)
        if pool is None:
            pool = super().get_connection_with_tls_context(request, verify, proxies=proxies, cert=cert)
            if len(self._pools) >= _MAX_POOLS:  # a client of many hosts: start again
                self._pools.clear()
            self._pools[key] = pool
        return pool

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if hasattr(manager, "pool_classes_by_scheme"):
            manager.pool_classes_by_scheme = _POOL_CLASSES
        return manager
