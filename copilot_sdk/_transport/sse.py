"""A pure Server-Sent Events decoder over bytes (no I/O).

Follows the WHATWG event-stream rules: one leading UTF-8 BOM is skipped; lines end
in CRLF, LF or CR (a CRLF split across two chunks is one line end); ``data`` lines
of one event are joined with "\\n"; lines starting with ":" are comments
(keep-alives); an empty line dispatches the event; a field without a colon has an
empty value; one leading space of a value is dropped; ``retry`` takes ASCII digits
only. Bytes are split into lines before decoding, so a UTF-8 character split across
chunks is safe.

Linear: each byte is scanned once, whatever the chunking. A line or an event that
grows past ``max_size`` bytes (16 MiB) raises APIResponseValidationError instead of
eating the memory of the process.
"""

from __future__ import annotations

import re
from typing import Iterable, Iterator, List, Optional

import attrs

from ..errors import APIResponseValidationError

__all__ = ["MAX_EVENT_SIZE", "SSEDecoder", "ServerSentEvent", "iter_sse"]

MAX_EVENT_SIZE = 16 * 1024 * 1024
_BOM = b"\xef\xbb\xbf"
_LINE_END = re.compile(rb"\r\n|\r|\n")
_ASCII_DIGITS = frozenset("0123456789")


@attrs.frozen
class ServerSentEvent:
    event: str = "message"
    data: str = ""
    id: Optional[str] = None
    retry: Optional[int] = None


class SSEDecoder:
    """Feed bytes in, get complete events out. Not thread-safe (one stream, one reader).

    Args:
        max_size: the longest line, and the largest event (its data lines
            together), in bytes.
    """

    def __init__(self, *, max_size: int = MAX_EVENT_SIZE) -> None:
        self._max_size = max_size
        self._partial: List[bytes] = []  # the pieces of the line not yet ended
        self._partial_size = 0
        self._pending_cr = False
        self._started = False  # past the place of a leading BOM
        self._event: Optional[str] = None
        self._data: List[str] = []
        self._data_size = 0
        self._id: Optional[str] = None
        self._retry: Optional[int] = None
        self._has_fields = False

    def feed(self, chunk: bytes) -> List[ServerSentEvent]:
        """Decode ``chunk``; return the events it completed.

        Raises:
            APIResponseValidationError: a line or an event is larger than ``max_size``.
        """
        events: List[ServerSentEvent] = []
        if not chunk:
            return events  # keep a pending CR pending
        if not self._started:
            chunk = self._skip_bom(chunk)
            if not chunk:
                return events
        if self._pending_cr and chunk[:1] == b"\n":
            chunk = chunk[1:]  # the LF half of a CRLF split across chunks
        self._pending_cr = False
        start = 0
        for match in _LINE_END.finditer(chunk):
            piece = chunk[start : match.start()]
            if self._partial:
                self._partial.append(piece)
                line = b"".join(self._partial)
                self._partial, self._partial_size = [], 0
            else:
                line = piece
            if len(line) > self._max_size:
                self._too_large("line")
            start = match.end()
            if match.group() == b"\r" and start == len(chunk):
                self._pending_cr = True
            event = self._line(line)
            if event is not None:
                events.append(event)
        rest = chunk[start:]
        if rest:
            self._partial.append(rest)
            self._partial_size += len(rest)
            if self._partial_size > self._max_size:
                self._too_large("line")
        return events

    def _skip_bom(self, chunk: bytes) -> bytes:
        """Hold the first bytes until they can be told from a BOM; drop one BOM."""
        head = b"".join(self._partial) + chunk
        if len(head) < len(_BOM) and _BOM.startswith(head):
            self._partial, self._partial_size = [head], len(head)
            return b""
        self._partial, self._partial_size = [], 0
        self._started = True
        return head[len(_BOM) :] if head.startswith(_BOM) else head

    def flush(self) -> List[ServerSentEvent]:
        """End of stream: an unterminated last event is dropped, as the spec says."""
        self._partial, self._partial_size = [], 0
        self._reset()
        return []

    def _too_large(self, what: str) -> None:
        self._partial, self._partial_size = [], 0
        self._reset()
        raise APIResponseValidationError(
            f"a server-sent event {what} is larger than {self._max_size} bytes; "
            "the stream is not what the API promises"
        )

    def _reset(self) -> None:
        self._event = None
        self._data = []
        self._data_size = 0
        self._id = None
        self._retry = None
        self._has_fields = False

    def _line(self, raw: bytes) -> Optional[ServerSentEvent]:
        if not raw:
            if not self._has_fields:
                return None
            event = ServerSentEvent(
                event=self._event or "message",
                data="\n".join(self._data),
                id=self._id,
                retry=self._retry,
            )
            self._reset()
            return event
        if raw.startswith(b":"):
            return None
        line = raw.decode("utf-8", errors="replace")
        name, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data_size += len(raw) + 1
            if self._data_size > self._max_size:
                self._too_large("event")
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id":
            if "\0" not in value:
                self._id = value
        elif name == "retry":
            if value and _ASCII_DIGITS.issuperset(value):
                self._retry = int(value)
        else:
            return None
        self._has_fields = True
        return None


def iter_sse(chunks: Iterable[bytes], *, max_size: int = MAX_EVENT_SIZE) -> Iterator[ServerSentEvent]:
    """Decode an iterable of byte chunks into events."""
    decoder = SSEDecoder(max_size=max_size)
    for chunk in chunks:
        yield from decoder.feed(chunk)
    decoder.flush()
