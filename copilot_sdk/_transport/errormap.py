"""The one place where ``requests``/``urllib3`` exceptions become copilot_sdk errors,
and the excerpt of an error reply that a status error quotes.

Thread-safe: pure functions and a stateless context manager.
"""

from __future__ import annotations

from typing import Any, Optional

import requests
from urllib3.exceptions import ReadTimeoutError

from ..errors import (
    AbortedError,
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    ConfigurationError,
)
from .cancel import CancelToken
from .redact import redact
from .wirejson import loads

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
        if isinstance(exc, _REQUEST_NOT_SENDABLE):
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
            raise APITimeoutError(f"timed out talking to {self.url}", url=self.url) from exc
        if isinstance(exc, (requests.RequestException, OSError)) or _is_urllib3_error(exc):
            raise APIConnectionError(
                f"connection to {self.url} failed: {type(exc).__name__}", url=self.url
            ) from exc


_REQUEST_NOT_SENDABLE = (
    requests.exceptions.InvalidHeader,
    requests.exceptions.InvalidURL,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
    requests.exceptions.InvalidJSONError,
    requests.exceptions.URLRequired,
)


def _is_urllib3_error(exc: BaseException) -> bool:
    return type(exc).__module__.startswith(("urllib3", "http.client"))


def error_excerpt(response: requests.Response) -> str:
    """The error message of an error reply (OpenAI/Anthropic/GitHub shapes), else its
    text; at most the first 64 KiB of the body are read. Never raises for the body's
    sake: the status is what matters."""
    try:
        body = response.raw.read(_EXCERPT_READ, decode_content=True) or b""
        text = body.decode(response.encoding or "utf-8", errors="replace")
    except Exception:  # an undecodable or broken body must not hide the status
        return ""
    try:
        parsed = loads(text, what="the error reply")
    except APIResponseValidationError:  # not JSON, too deep, cut at 64 KiB
        return redact(text[:500])
    error = parsed.get("error", parsed) if isinstance(parsed, dict) else None
    message = error.get("message") if isinstance(error, dict) else error
    # A gateway may echo the request, credentials included.
    return redact((message if isinstance(message, str) else text)[:500])


def strip_query(url: str) -> str:
    return url.split("?", 1)[0]

