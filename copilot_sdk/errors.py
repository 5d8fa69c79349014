"""The exception hierarchy of copilot_sdk.

Every SDK-side failure that escapes the public API is a :class:`CopilotError`::

    CopilotError
    ├── APIError                      a call to the model endpoint failed
    │   ├── APIStatusError            the endpoint answered with an error status
    │   │   ├── BadRequestError           400
    │   │   ├── AuthenticationError       401
    │   │   ├── PermissionDeniedError     403
    │   │   ├── NotFoundError             404
    │   │   ├── RateLimitError            429
    │   │   └── InternalServerError       >= 500
    │   ├── APIConnectionError        no answer: DNS, refused, reset, TLS
    │   │   └── APITimeoutError           connect, read or stream-idle timeout
    │   └── APIResponseValidationError a 2xx reply that is not what the API promises
    ├── SessionNotFoundError          no stored session with that id
    ├── SessionExistsError            a session with that id exists already
    ├── SessionClosedError            the session was destroyed or deleted
    ├── AbortedError                  the turn was aborted
    ├── TurnTimeoutError              send_and_wait ran out of time (also a TimeoutError)
    ├── ContextWindowExceededError    a request would not fit the model's context window
    ├── MaxToolRoundsError            the model kept asking for tools past max_tool_rounds
    ├── ConfigurationError            missing or contradictory configuration
    └── StoreError                    the session store failed: disk, database, server,
                                      or a turn's lease lost to another worker

:class:`ToolError` is not part of that tree: tool code raises it to send a message
to the model, and the SDK never raises it.

Only ``copilot_sdk._transport`` translates ``requests``/``urllib3`` exceptions and only the
store translates ``sqlite3``, ``psycopg`` and ``redis`` ones; both re-raise these ``from`` the original.
"""

from __future__ import annotations

from typing import Mapping

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AbortedError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ContextWindowExceededError",
    "CopilotError",
    "InternalServerError",
    "MaxToolRoundsError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "SessionClosedError",
    "SessionExistsError",
    "SessionNotFoundError",
    "StoreError",
    "ToolError",
    "TurnTimeoutError",
    "status_error",
]

_EXCERPT_LIMIT = 500


class CopilotError(Exception):
    """Root of every error the SDK raises."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class APIError(CopilotError):
    """Raised when a call to the model endpoint (or its auth endpoints) fails.

    Attributes:
        url: the URL called (never carries a secret), or None.
    """

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url


class APIStatusError(APIError):
    """Raised when the endpoint answers with a 4xx or 5xx status.

    Attributes:
        status_code: the HTTP status.
        request_id: the server's request id header, when it sent one.
        body: a short excerpt of the response body (at most 500 characters).
        retry_after: seconds the server asked to wait, when it said so.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        url: str | None = None,
        request_id: str | None = None,
        body: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, url=url)
        self.status_code = status_code
        self.request_id = request_id
        self.body = body
        self.retry_after = retry_after


class BadRequestError(APIStatusError):
    """Raised on 400: the endpoint rejected the request as malformed."""


class AuthenticationError(APIStatusError):
    """Raised on 401: the credentials are missing, wrong or expired."""


class PermissionDeniedError(APIStatusError):
    """Raised on 403: the credentials are valid but not allowed to do this."""


class NotFoundError(APIStatusError):
    """Raised on 404: wrong URL, model or deployment."""


class RateLimitError(APIStatusError):
    """Raised on 429 once retries are exhausted, or at once for a long quota wait."""


class InternalServerError(APIStatusError):
    """Raised on 5xx (and 529) once retries are exhausted."""


class APIConnectionError(APIError):
    """Raised when no HTTP answer could be had: refused, reset, DNS, TLS, dropped."""


class APITimeoutError(APIConnectionError):
    """Raised when connecting, waiting for the answer, or a silent stream timed out."""


class APIResponseValidationError(APIError):
    """Raised when a 2xx reply is not JSON, or JSON of the wrong shape. Never retried."""


class SessionNotFoundError(CopilotError):
    """Raised when no session with the given id exists (in this client or the store)."""


class SessionExistsError(CopilotError):
    """Raised by create_session when the session id is already taken."""


class SessionClosedError(CopilotError):
    """Raised when using a session that was destroyed, deleted, or whose client stopped."""


class AbortedError(CopilotError):
    """Raised by send/send_async/stream when their turn was aborted or cancelled."""


class TurnTimeoutError(CopilotError, TimeoutError):
    """Raised by send_and_wait when its timeout expired; the turn was aborted."""


class ContextWindowExceededError(CopilotError):
    """Raised before a request is sent when its estimated size exceeds the model's
    context window (compaction is off, or could not make it fit). Nothing is sent
    and nothing of the turn is committed.

    Attributes:
        session_id: the session whose request it was.
        estimated_tokens: the estimated prompt size, in tokens.
        max_prompt_tokens: the limit it exceeds.
    """

    def __init__(
        self, message: str, *, session_id: str, estimated_tokens: int, max_prompt_tokens: int
    ) -> None:
        super().__init__(message)
        self.session_id = session_id
        self.estimated_tokens = estimated_tokens
        self.max_prompt_tokens = max_prompt_tokens


class MaxToolRoundsError(CopilotError):
    """Raised when the model answered ``max_tool_rounds`` model calls in a row with
    tool requests and asked again: the turn is stopped and nothing of it is
    committed (raise ``SessionConfig.max_tool_rounds`` for long agent loops).

    Attributes:
        max_tool_rounds: the limit that was reached.
    """

    def __init__(self, message: str, *, max_tool_rounds: int) -> None:
        super().__init__(message)
        self.max_tool_rounds = max_tool_rounds


class ConfigurationError(CopilotError):
    """Raised for missing or contradictory configuration (credentials, URLs, store)."""


class StoreError(CopilotError):
    """Raised when the session store fails: a database or server error or outage, a
    turn lease not granted within ``lease_wait``, or a turn's commit refused because
    another worker took its session's lease over (nothing of that turn is stored)."""


class ToolError(Exception):
    """Raised by a tool handler to send ``message`` to the model as the tool's error.

    The turn goes on; the model sees the message and may correct itself. Any other
    exception from a tool sends a generic failure and logs the details.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_STATUS_CLASSES: Mapping[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    429: RateLimitError,
}


def status_error(
    status_code: int,
    message: str,
    *,
    url: str | None = None,
    request_id: str | None = None,
    body: str = "",
    retry_after: float | None = None,
) -> APIStatusError:
    """Build the APIStatusError subclass that fits ``status_code``."""
    cls = _STATUS_CLASSES.get(status_code)
    if cls is None:
        cls = InternalServerError if status_code >= 500 else APIStatusError
    return cls(
        message,
        status_code=status_code,
        url=url,
        request_id=request_id,
        body=body[:_EXCERPT_LIMIT],
        retry_after=retry_after,
    )
