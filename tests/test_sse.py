"""The SSE decoder: a pure function of bytes, whatever the chunking."""

from __future__ import annotations

import threading
from typing import Callable, List

import pytest

from copilot_sdk import APIResponseValidationError
from copilot_sdk._transport.sse import MAX_EVENT_SIZE, ServerSentEvent, SSEDecoder, iter_sse

STREAM = (
    b": keep-alive comment\r\n"
    b"event: delta\r\n"
    b"data: first line\r\n"
    b"data: second line\r\n"
    b"id: 7\r\n"
    b"\r\n"
    b"data:no space\n\n"
    b"data: caf\xc3\xa9\r\r"
    b"retry: 1500\ndata\n\n"
    b"data: [DONE]\n\n"
)
EXPECTED = [
    ServerSentEvent(event="delta", data="first line\nsecond line", id="7"),
    ServerSentEvent(data="no space"),
    ServerSentEvent(data="café"),
    ServerSentEvent(data="", retry=1500),
    ServerSentEvent(data="[DONE]"),
]


def split_every(data: bytes, size: int) -> List[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 64, len(STREAM)])
def test_any_chunking_gives_the_same_events(size: int) -> None:
    assert list(iter_sse(split_every(STREAM, size))) == EXPECTED


def test_crlf_split_across_chunks_is_one_line_end() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r") == []
    assert decoder.feed(b"\n\r") == [ServerSentEvent(data="a")]  # CRLF, then CR: blank line
    assert decoder.feed(b"\ndata: b\n\n") == [ServerSentEvent(data="b")]  # that CR's LF is skipped


def test_unterminated_last_event_is_dropped() -> None:
    assert list(iter_sse([b"data: complete\n\n", b"data: cut"])) == [ServerSentEvent(data="complete")]


def test_comments_only_produce_nothing() -> None:
    assert list(iter_sse([b":ping\n\n:ping\n\n"])) == []


def _in_thread(work: Callable[[], object], timeout: float = 30.0) -> object:
    """Run ``work`` in a daemon thread; fail if it has not finished in ``timeout`` s."""
    result: List[object] = []
    thread = threading.Thread(target=lambda: result.append(work()), daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"still decoding after {timeout} s"
    return result[0]


def test_a_long_line_in_small_chunks_is_decoded_in_linear_time() -> None:
    line = b"data: " + b"x" * (8 * 1024 * 1024) + b"\n\n"
    events = _in_thread(lambda: list(iter_sse(split_every(line, 16 * 1024))))
    assert events == [ServerSentEvent(data="x" * (8 * 1024 * 1024))]


def test_a_line_past_the_cap_is_a_validation_error() -> None:
    decoder = SSEDecoder()
    chunk = b"x" * (1024 * 1024)
    with pytest.raises(APIResponseValidationError, match="larger than"):
        for _ in range(MAX_EVENT_SIZE // len(chunk) + 1):
            decoder.feed(chunk)


def test_an_event_past_the_cap_is_a_validation_error() -> None:
    decoder = SSEDecoder(max_size=1000)
    with pytest.raises(APIResponseValidationError, match="event is larger"):
        decoder.feed(b"data: " + b"y" * 100 + b"\n" * 1)
        for _ in range(20):
            decoder.feed(b"data: " + b"y" * 100 + b"\n")


@pytest.mark.parametrize("value", ["\u00b2", "\u0661\u0662", "12a", "", " 5"])
def test_retry_takes_ascii_digits_only(value: str) -> None:
    events = list(iter_sse([f"retry: {value}\ndata: x\n\n".encode()]))
    assert events == [ServerSentEvent(data="x")]


@pytest.mark.parametrize("size", [1, 2, 3, 4, 100])
def test_a_leading_bom_is_skipped(size: int) -> None:
    stream = b"\xef\xbb\xbfdata: first\n\ndata: \xef\xbb\xbfsecond\n\n"
    assert list(iter_sse(split_every(stream, size))) == [
        ServerSentEvent(data="first"),
        ServerSentEvent(data="\ufeffsecond"),  # only a leading BOM is dropped
    ]
