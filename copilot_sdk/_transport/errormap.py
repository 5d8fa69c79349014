"""The one place where ``requests``/``urllib3`` exceptions become copilot_sdk errors,
and the excerpt of an error reply that a status error quotes.

Thread-safe: pure functions and a stateless context manager.

``requests``, ``urllib3``, ``http.client`` and ``ssl`` are imported when an error
is translated, not with this module: ``import copilot_sdk`` stays light, and only a
client that sends requests loads them.
"""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING, Any, List, Optional, Sequence

from ..errors import (
    AbortedError,
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    ConfigurationError,
)
from .cancel import CancelToken
from .redact import redact, scrub
from .wirejson import loads

if TYPE_CHECKING:
    import urllib3

__all__ = ["error_excerpt", "strip_query", "translate"]

_EXCERPT_READ = 64 * 1024


class translate:
    """Context manager mapping requests/urllib3 errors to ours (the only place)."""

    def __init__(self, url: str, token: Optional[CancelToken] = None) -> None:
        self.url = url
        self.token = token

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: Any, exc: Optional[BaseException], tb: Any) -> None:
        if exc is None or isinstance(exc, (AbortedError, GeneratorExit)):
            return
        if self.token is not None and self.token.cancelled:
            raise AbortedError("the turn was aborted") from exc
        import requests
        from urllib3.exceptions import ReadTimeoutError

        if isinstance(exc, _request_not_sendable()):
            # Raised before any I/O, so retrying cannot help; their messages may quote
            # a header value (a key with a stray newline): not chained, not quoted.
            raise ConfigurationError(
                f"the request to {strip_query(self.url)} cannot be sent: {type(exc).__name__} "
                "(a header value with a newline or control character, e.g. in api_key, "
                "or a malformed URL)"
            ) from None
        if isinstance(exc, (requests.Timeout, ReadTimeoutError)) or (
            isinstance(exc, requests.ConnectionError)
            and exc.args
            and isinstance(exc.args[0], ReadTimeoutError)
        ):
            url = strip_query(self.url)
            raise APITimeoutError(f"timed out talking to {url}", url=url) from exc
        if isinstance(exc, (requests.RequestException, OSError)) or _is_urllib3_error(exc):
            url = strip_query(self.url)
            raise APIConnectionError(
                f"connection to {url} failed: {connection_cause(exc)} ({type(exc).__name__})", url=url
            ) from exc


def _request_not_sendable() -> tuple[type[BaseException], ...]:
    import requests

    return (
        requests.exceptions.InvalidHeader,
        requests.exceptions.InvalidURL,
        requests.exceptions.MissingSchema,
        requests.exceptions.InvalidSchema,
        requests.exceptions.InvalidJSONError,
        requests.exceptions.URLRequired,
    )


def connection_cause(exc: BaseException) -> str:
    """What went wrong under a connection error, in words: "connection refused",
    "name not resolved", a TLS failure, ... (found anywhere in its chain)."""
    import http.client
    import ssl

    seen: set[int] = set()
    stack: List[BaseException] = [exc]
    while stack:
        error = stack.pop(0)
        if id(error) in seen:
            continue
        seen.add(id(error))
        if isinstance(error, ssl.SSLCertVerificationError):
            return f"TLS certificate verification failed ({error.verify_message})"
        if isinstance(error, ssl.SSLError):
            return f"TLS handshake failed ({error.reason or error.__class__.__name__})"
        if isinstance(error, socket.gaierror) or type(error).__name__ == "NameResolutionError":
            return "name not resolved"
        if isinstance(error, ConnectionRefusedError):
            return "connection refused"
        if isinstance(error, ConnectionResetError):
            return "connection reset by the server"
        if isinstance(error, http.client.RemoteDisconnected):
            return "the server closed the connection without replying"
        if isinstance(error, http.client.IncompleteRead) or type(error).__name__ == "IncompleteRead":
            return "the reply was cut short"
        linked = [error.__cause__, error.__context__, getattr(error, "reason", None), *error.args]
        stack.extend(e for e in linked if isinstance(e, BaseException))
    return "the connection failed"


def _is_urllib3_error(exc: BaseException) -> bool:
    return type(exc).__module__.startswith(("urllib3", "http.client"))


def error_excerpt(response: urllib3.HTTPResponse, secrets: Sequence[str] = ()) -> str:
    """The error message of an error reply (OpenAI/Anthropic/GitHub shapes), else its
    text, without ``secrets`` (the values the request carried); at most the first
    64 KiB of the body are read. Never raises for the body's sake: the status is what
    matters."""
    try:
        from requests.utils import get_encoding_from_headers

        body = response.read(_EXCERPT_READ, decode_content=True) or b""
        text = body.decode(get_encoding_from_headers(response.headers) or "utf-8", errors="replace")
    except Exception:  # an undecodable or broken body must not hide the status
        return ""
    # A gateway may echo the request, credentials included: scrubbed before the cut,
    # so that no part of a secret survives at the edge.
    text = scrub(text, secrets)
    try:
        parsed = loads(text, what="the error reply")
    except APIResponseValidationError:  # not JSON, too deep, cut at 64 KiB
        return redact(text[:500])
    error = parsed.get("error", parsed) if isinstance(parsed, dict) else None
    message = error.get("message") if isinstance(error, dict) else error
    return redact((message if isinstance(message, str) else text)[:500])


def strip_query(url: str) -> str:
    """``url`` fit for a message: no query, no userinfo."""
    url = url.split("?", 1)[0]
    scheme, sep, rest = url.partition("://")
    if sep:
        host, slash, path = rest.partition("/")
        if "@" in host:
            url = f"{scheme}://{host.rpartition('@')[2]}{slash}{path}"
    return url

