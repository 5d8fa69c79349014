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
from typing import Any, Dict, Optional, Tuple

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
#: Hosts whose pools the adapter keeps at hand. urllib3's pool manager keeps its 8 most
#: recent and drops (without closing) the others; a pool dropped by both is closed
#: when collected.
_MAX_POOLS = 64


class CancellableAdapter(requests.adapters.HTTPAdapter):
    """Pools sized to the client's workers; no urllib3 retries (tenacity is the one
    retry layer); connections that can be shut from another thread.

    :meth:`open` is ``HTTPAdapter.send`` without ``build_response``: the transport
    reads urllib3's response itself, so no ``requests.Response`` (with its header
    dict and a cookie jar the transport never uses) is built per reply, and the
    pool of a host is looked up (and its TLS settings applied) once, not per request.

    Thread-safe: the pool cache is a dict whose entries are set whole (a racing
    second lookup stores the same pool, which the pool manager hands out under its
    lock); urllib3's pools and pool manager guard themselves.
    """

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOL_CLASSES
        self._pools: Dict[Tuple[str, str, Any], Any] = {}

    def open(self, request: Any, timeout: Any, verify: Any, proxies: Dict[str, str]) -> Any:
        """Send ``request`` (prepared) and return urllib3's response, body unread;
        errors are raised as ``HTTPAdapter.send`` raises them."""
        return self._urlopen(self._pool(request, verify, proxies), request, timeout, proxies)

    @staticmethod
    def _pool_key(request: Any, proxies: Dict[str, str]) -> Tuple[str, str, Any]:
        scheme, _, rest = request.url.partition("://")
        return scheme, rest.split("/", 1)[0], proxies.get(scheme)

    def _pool(self, request: Any, verify: Any, proxies: Dict[str, str]) -> Any:
        key = self._pool_key(request, proxies)
        pool = self._pools.get(key)
        if pool is None:
            from requests.exceptions import InvalidURL
            from urllib3.exceptions import LocationValueError

            try:
                pool = self.get_connection_with_tls_context(request, verify, proxies=proxies)
            except LocationValueError as exc:
                raise InvalidURL(exc, request=request) from exc
            self.cert_verify(pool, request.url, verify, None)  # type: ignore[no-untyped-call]
            if len(self._pools) >= _MAX_POOLS:  # a client of many hosts: start again
                self._pools.clear()
            self._pools[key] = pool
        return pool

    def _urlopen(self, pool: Any, request: Any, timeout: Any, proxies: Dict[str, str]) -> Any:
        """``conn.urlopen`` and its error mapping, as in ``HTTPAdapter.send``."""
        from requests import exceptions as rex
        from urllib3.exceptions import (
            ClosedPoolError,
            ConnectTimeoutError,
            HTTPError,
            InvalidHeader,
            MaxRetryError,
            NewConnectionError,
            ProtocolError,
            ReadTimeoutError,
            ResponseError,
        )
        from urllib3.exceptions import ProxyError as Urllib3ProxyError
        from urllib3.exceptions import SSLError as Urllib3SSLError

        try:
            return pool.urlopen(
                method=request.method,
                url=self.request_url(request, proxies),
                body=request.body,
                headers=request.headers,
                redirect=False,
                assert_same_host=False,
                preload_content=False,
                decode_content=False,
                retries=self.max_retries,
                timeout=timeout,
                chunked=not (request.body is None or "Content-Length" in request.headers),
            )
        except (ProtocolError, OSError) as err:
            raise rex.ConnectionError(err, request=request) from err
        except MaxRetryError as exc:
            reason = exc.reason
            if isinstance(reason, ConnectTimeoutError) and not isinstance(reason, NewConnectionError):
                raise rex.ConnectTimeout(exc, request=request) from exc
            if isinstance(reason, ResponseError):
                raise rex.RetryError(exc, request=request) from exc
            if isinstance(reason, Urllib3ProxyError):
                raise rex.ProxyError(exc, request=request) from exc
            if isinstance(reason, Urllib3SSLError):
                raise rex.SSLError(exc, request=request) from exc
            raise rex.ConnectionError(exc, request=request) from exc
        except ClosedPoolError as exc:
            raise rex.ConnectionError(exc, request=request) from exc
        except Urllib3ProxyError as exc:
            raise rex.ProxyError(exc) from exc
        except (Urllib3SSLError, HTTPError) as exc:
            if isinstance(exc, Urllib3SSLError):
                raise rex.SSLError(exc, request=request) from exc
            if isinstance(exc, ReadTimeoutError):
                raise rex.ReadTimeout(exc, request=request) from exc
            if isinstance(exc, InvalidHeader):
                raise rex.InvalidHeader(exc, request=request) from exc
            raise

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if hasattr(manager, "pool_classes_by_scheme"):
            manager.pool_classes_by_scheme = _POOL_CLASSES
        return manager


