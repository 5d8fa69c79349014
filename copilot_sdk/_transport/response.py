"""A successful reply being read: JSON, or bytes as they arrive, with the socket's
timeouts switched from the read timeout to the stream idle timeout after the first
chunk.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Iterator, Mapping, Optional

import requests
from urllib3.connection import HTTPConnection

from ..errors import APIResponseValidationError
from .cancel import CancelToken
from .errormap import translate
from .sockets import live_socket

__all__ = ["HTTPResponse"]


class HTTPResponse:
    """A successful (2xx) response. Close it, or read it to the end.

    Not thread-safe: one reader. ``close()`` may be called from any thread.
    """

    def __init__(
        self,
        response: requests.Response,
        release: Callable[[], None],
        conn: Optional[HTTPConnection] = None,
        idle_timeout: Optional[float] = None,
        cancel: Optional[CancelToken] = None,
    ) -> None:
        self._response = response
        self._cancel = cancel
        self._release = release
        self._conn = conn
        self._idle_timeout = idle_timeout
        self.status_code = response.status_code
        self.headers: Mapping[str, str] = response.headers
        self.url = response.url

    def json(self) -> Any:
        """The body as JSON; APIResponseValidationError if it is not JSON."""
        try:
            body = self._read_all()
        finally:
            self.close()
        try:
            return json.loads(body)
        except ValueError as exc:
            raise APIResponseValidationError(
                f"the reply from {self.url} is not JSON: {body[:200]!r}", url=self.url
            ) from exc

    def iter_bytes(self) -> Iterator[bytes]:
        """The body as it arrives, chunk by chunk, to its real end (so the connection
        goes back to the pool). Errors become APIConnectionError/APITimeoutError."""
        raw = self._response.raw
        try:
            if raw.chunked and raw.supports_chunked_reads():
                chunks = raw.stream(None, decode_content=True)
                while True:
                    with translate(self.url, self._cancel):
                        chunk = next(chunks, None)
                    if chunk is None:
                        return
                    if chunk:
                        self._start_idle_clock()
                        yield chunk
            else:
                while True:
                    with translate(self.url, self._cancel):
                        chunk = raw.read1(65536, decode_content=True)
                    if not chunk:
                        return
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
        with translate(self.url, self._cancel):
            return self._response.content

    def close(self) -> None:
        try:
            self._response.close()
        finally:
            self._release()

