"""A successful reply being read: JSON, or bytes as they arrive, with the socket's
timeouts switched from the read timeout to the stream idle timeout after the first
chunk.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterator, List, Mapping, Optional

from ..errors import APIConnectionError, APIResponseValidationError
from .cancel import CancelToken
from .errormap import strip_query, translate
from .redact import scrub, secret_values
from .wirejson import loads

if TYPE_CHECKING:
    import urllib3
    from urllib3.connection import HTTPConnection

__all__ = ["MAX_BODY_SIZE", "HTTPResponse", "close_reply"]

#: The largest non-streamed body read, in bytes once decompressed (a small gzip
#: body may inflate a thousandfold).
MAX_BODY_SIZE = 32 * 1024 * 1024


class HTTPResponse:
    """A successful (2xx) response. Close it, or read it to the end.

    Not thread-safe: one reader. ``close()`` may be called from any thread.
    """

    def __init__(
        self,
        response: urllib3.HTTPResponse,
        url: str,
        release: Callable[[], None],
        conn: Optional[HTTPConnection] = None,
        idle_timeout: Optional[float] = None,
        cancel: Optional[CancelToken] = None,
        sent_headers: Optional[Mapping[str, str]] = None,
    ) -> None:
        self._response = response
        self._sent_headers = sent_headers or {}
        self._cancel = cancel
        self._release = release
        self._conn = conn
        self._idle_timeout = idle_timeout
        self.status_code = response.status
        self.headers: Mapping[str, str] = response.headers
        self.url = url

    def json(self) -> Any:
        """The body as JSON.

        Raises:
            APIResponseValidationError: not JSON, or larger than MAX_BODY_SIZE.
            APIConnectionError: an empty body the reply gave no length for (the
                connection ended before the reply did; retried).
        """
        try:
            body = self._read_all()
        finally:
            self.close()
        if not body:
            self._check_not_cut()
        return loads(body, what=f"the reply from {strip_query(self.url)}", url=strip_query(self.url))

    def _check_not_cut(self) -> None:
        """An empty body is only a whole reply if the reply said how long it is."""
        raw = self._response
        if "content-length" not in self.headers and not raw.chunked and self.status_code not in (204, 205):
            url = strip_query(self.url)
            raise APIConnectionError(
                f"the reply from {url} ended before its body (no Content-Length, not chunked, "
                "nothing sent): the connection was cut",
                url=url,
            )

    def scrub(self, text: str) -> str:
        """``text`` (e.g. an error event of the stream) without the secret values
        the request carried."""
        return scrub(text, secret_values(self._sent_headers))

    def iter_bytes(self) -> Iterator[bytes]:
        """The body as it arrives, chunk by chunk, to its real end (so the connection
        goes back to the pool). Errors become APIConnectionError/APITimeoutError."""
        raw = self._response
        empty = True
        try:
            if raw.chunked and raw.supports_chunked_reads():
                chunks = raw.stream(None, decode_content=True)
                while True:
                    with translate(self.url, self._cancel):
                        chunk = next(chunks, None)
                    if chunk is None:
                        return
                    if chunk:
                        empty = False
                        self._start_idle_clock()
                        yield chunk
            else:
                while True:
                    with translate(self.url, self._cancel):
                        chunk = raw.read1(65536, decode_content=True)
                    if not chunk:
                        if empty:
                            self._check_not_cut()
                        return
                    empty = False
                    self._start_idle_clock()
                    yield chunk
        finally:
            self.close()

    def set_read_timeout(self, seconds: float) -> None:
        """Bound each further read of the body by ``seconds`` (e.g. a short drain
        after a stream's last event)."""
        self._idle_timeout = None
        self._settimeout(seconds)

    def _settimeout(self, seconds: float) -> None:
        from .sockets import live_socket  # loaded with the transport already

        sock = live_socket(self._conn)
        if sock is not None:
            try:
                sock.settimeout(seconds)
            except OSError:  # already closed: the next read says so
                pass

    def _start_idle_clock(self) -> None:
        """After the first chunk, the socket's read timeout becomes the stream idle
        timeout (the first chunk may take the whole read timeout: a model thinks)."""
        if self._idle_timeout is not None:
            self._settimeout(self._idle_timeout)
            self._idle_timeout = None

    def _read_all(self) -> bytes:
        parts: List[bytes] = []
        size = 0
        with translate(self.url, self._cancel):
            for piece in self._response.stream(65536, decode_content=True):
                size += len(piece)
                if size > MAX_BODY_SIZE:
                    url = strip_query(self.url)
                    raise APIResponseValidationError(
                        f"the reply from {url} is larger than {MAX_BODY_SIZE} bytes", url=url
                    )
                parts.append(piece)
        return b"".join(parts)

    def close(self) -> None:
        try:
            close_reply(self._response)
        finally:
            self._release()


def close_reply(response: urllib3.HTTPResponse) -> None:
    """Done with a reply: its connection goes back to the pool (closed first unless
    the body was read to its end), as ``requests.Response.close`` does."""
    response.close()
    response.release_conn()

