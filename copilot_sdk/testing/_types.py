"""Value types of the mock model server: the request log entry and scripted replies.

Public through :mod:`copilot_sdk.testing`, which re-exports them (and makes them
report that module); this module only exists so the wire-format handlers can import
them without importing the public module.
"""

from __future__ import annotations

import types
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

__all__ = ["MockFault", "MockReply", "MockToolCall", "RecordedRequest"]


def _non_negative(_: object, attribute: attrs.Attribute[Any], value: float | None) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise TypeError(f"{attribute.name} must be a number or None, not {type(value).__name__}")
    if value is not None and value < 0:
        raise ValueError(f"{attribute.name} must be >= 0, got {value!r}")


def _positive(_: object, attribute: attrs.Attribute[Any], value: int | None) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise TypeError(f"{attribute.name} must be an int or None, not {type(value).__name__}")
    if value is not None and value < 1:
        raise ValueError(f"{attribute.name} must be >= 1, got {value!r}")


def _http_version(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str):
        raise TypeError(f"http_version must be a str (\"1.0\" or \"1.1\"), not {type(value).__name__}")
    if value not in ("1.0", "1.1"):
        raise ValueError(f"http_version must be \"1.0\" or \"1.1\", got {value!r}")


def _tool_calls(value: Iterable[MockToolCall]) -> tuple[MockToolCall, ...]:
    calls = tuple(value)
    for call in calls:
        if not isinstance(call, MockToolCall):
            raise TypeError(f"tool_calls: expected MockToolCall, got {type(call).__name__}")
    return calls


@attrs.frozen
class RecordedRequest:
    """One HTTP request as the mock server received it.

    Attributes:
        method: The HTTP method, e.g. ``"POST"``.
        path: The request path without the query string.
        query: The query parameters (the last value wins for a repeated name).
        headers: The headers as received, names in their original case (the last
            value wins for a repeated name). Use :meth:`get_header` to look one up
            case-insensitively.
        body: The parsed JSON body, or ``None`` if the body was empty or not JSON.
        raw_body: The body bytes as received.
        received_at: ``time.monotonic()`` when the request line was read.
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    raw_body: bytes
    received_at: float

    def get_header(self, name: str, default: str | None = None) -> str | None:
        """Return a header value by case-insensitive name.

        Args:
            name: The header name, in any case.
            default: What to return when the header is absent.

        Returns:
            The header value, or ``default``.
        """
        wanted = name.lower()
        for key, value in self.headers.items():
            if key.lower() == wanted:
                return value
        return default


@attrs.frozen(kw_only=True)
class MockToolCall:
    """A tool call in a scripted reply.

    Attributes:
        name: The function name.
        arguments: The arguments: any JSON-serialisable value (sent as
            ``json.dumps(arguments)``), or a ``str`` sent verbatim (so a test can
            send invalid JSON).
        id: The tool call id; by default a fresh ``"call_..."`` (``"toolu_..."``
            on the Anthropic endpoint), unique across servers and resets.
    """

    name: str
    arguments: Any = attrs.field(factory=dict)
    id: str | None = None


@attrs.frozen(kw_only=True)
class MockReply:
    """A scripted successful completion.

    Attributes:
        content: The assistant text.
        tool_calls: Tool calls to return (``finish_reason`` is then ``"tool_calls"``).
        latency: Seconds to wait before answering; overrides the server's latency.
        model: The model to report; by default the request's model.
        prompt_tokens: Usage to report; by default the server's count of the
            request (about a quarter of its characters; see ``max_prompt_tokens``).
        completion_tokens: Usage to report; by default ``len(reply text) // 4 + 1``.
        chunk_size: Streaming: characters per delta chunk (overrides the server's).
        chunk_delay: Streaming: seconds between chunks (overrides the server's).
        stall_after: Streaming: after this many content chunks (or after the last
            one, if there are fewer) stop sending and hang until the server stops or
            the client disconnects. Ignored for non-streamed requests.
        truncate_after: Streaming: after this many chunk events, close the
            connection without ``data: [DONE]`` or the chunked terminator. Ignored
            for non-streamed requests.
        reasoning: Responses: a reasoning summary; the reply then starts with a
            reasoning item carrying it and an ``encrypted_content`` the server can
            verify when the item is sent back (the other wire formats ignore it).
        fail_code: Responses: the reply fails with this error code (e.g.
            ``"server_error"``, ``"rate_limit_exceeded"``): a response with
            ``status: "failed"``, or, streamed, ``response.failed`` after the text.
        split_choices: Chat completions: put the tool calls in a second choice,
            after a first choice holding the text, as the Copilot API serves Claude
            models. None: only for Claude models on the Copilot API.
        close_connection: Answer with ``Connection: close`` and close the
            connection after the reply (as a proxy or an HTTP/1.0 server would).
        http_version: ``"1.1"`` (the default) or ``"1.0"``: answer this reply as an
            HTTP/1.0 server: an ``HTTP/1.0`` status line, no ``Content-Length`` and
            no chunking (the body, a stream's events too, ends when the server
            closes the connection, which it does after the reply).
    """

    content: str = ""
    tool_calls: Sequence[MockToolCall] = attrs.field(default=(), converter=_tool_calls)
    latency: float | None = attrs.field(default=None, validator=_non_negative)
    model: str | None = None
    prompt_tokens: int | None = attrs.field(default=None, validator=_non_negative)
    completion_tokens: int | None = attrs.field(default=None, validator=_non_negative)
    chunk_size: int | None = attrs.field(default=None, validator=_positive)
    chunk_delay: float | None = attrs.field(default=None, validator=_non_negative)
    stall_after: int | None = attrs.field(default=None, validator=_non_negative)
    truncate_after: int | None = attrs.field(default=None, validator=_non_negative)
    reasoning: str | None = None
    split_choices: bool | None = None
    close_connection: bool = attrs.field(default=False, validator=attrs.validators.instance_of(bool))
    http_version: str = attrs.field(default="1.1", validator=_http_version)
    fail_code: str | None = None


def _str_mapping(value: Any) -> Mapping[str, str]:
    if not isinstance(value, Mapping):
        raise TypeError(f"headers must be a mapping of str to str, not {type(value).__name__}")
    for name, item in value.items():
        if not isinstance(name, str) or not isinstance(item, str):
            raise TypeError(f"headers must map str to str, got {name!r}: {type(item).__name__}")
    return types.MappingProxyType(dict(value))


def _optional_str(_: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and not isinstance(value, str):
        hint = " (pass json.dumps(...) for a JSON body)" if isinstance(value, (dict, list)) else ""
        raise TypeError(f"{attribute.name} must be a str or None, not {type(value).__name__}{hint}")


_BOOL = attrs.validators.instance_of(bool)


@attrs.frozen(kw_only=True)
class MockFault:
    """A scripted failure. ``MockFault()`` alone answers 500 with an error body.

    At most one of ``drop``, ``malformed`` and ``wrong_shape`` may be set; they take
    precedence over ``status``/``body``.

    Attributes:
        status: Answer with this HTTP status and an OpenAI-style error body
            ``{"error": {"message", "type", "code"}}`` (default 500, or 200 when
            only ``body`` is given).
        headers: Extra response headers, e.g. ``{"Retry-After": "1"}``; they replace
            default headers of the same name.
        body: A raw body sent instead of the error JSON.
        message: The error message in the error JSON.
        drop: Read the request, then close the connection without any response.
        malformed: Answer 200, ``Content-Type: application/json``, a non-JSON body.
        wrong_shape: Answer 200 with valid JSON that is not a completion.
        latency: Seconds to wait before acting; overrides the server's latency.
    """

    status: int | None = attrs.field(default=None)
    headers: Mapping[str, str] = attrs.field(factory=dict, converter=_str_mapping)
    body: str | None = attrs.field(default=None, validator=_optional_str)
    message: str = attrs.field(default="injected fault", validator=attrs.validators.instance_of(str))
    drop: bool = attrs.field(default=False, validator=_BOOL)
    malformed: bool = attrs.field(default=False, validator=_BOOL)
    wrong_shape: bool = attrs.field(default=False, validator=_BOOL)
    latency: float | None = attrs.field(default=None, validator=_non_negative)

    @status.validator
    def _check_status(self, attribute: attrs.Attribute[Any], value: int | None) -> None:
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise TypeError(f"status must be an int HTTP status code, not {type(value).__name__}")
        if value is not None and not 100 <= value <= 599:
            raise ValueError(f"status must be an HTTP status code, got {value!r}")

    def __attrs_post_init__(self) -> None:
        modes = [name for name in ("drop", "malformed", "wrong_shape") if getattr(self, name)]
        if len(modes) > 1:
            raise ValueError(f"MockFault: at most one of drop/malformed/wrong_shape, got {modes}")
