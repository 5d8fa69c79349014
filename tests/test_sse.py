"""The SSE decoder: a pure function of bytes, whatever the chunking."""

from __future__ import annotations

from typing import List

import pytest

from copilot_sdk._transport.sse import ServerSentEvent, SSEDecoder, iter_sse

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
