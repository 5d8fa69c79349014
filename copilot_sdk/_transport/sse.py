"""A pure Server-Sent Events decoder over bytes (no I/O).

Follows the WHATWG event-stream rules: lines end in CRLF, LF or CR (a CRLF split
across two chunks is one line end); ``data`` lines of one event are joined with
"\\n"; lines starting with ":" are comments (keep-alives); an empty line dispatches
the event; a field without a colon has an empty value; one leading space of a value
is dropped. Bytes are split into lines before decoding, so a UTF-8 character split
across chunks is safe.
"""

from __future__ import annotations

from typing import Iterable, Iterator, List, Optional

import attrs


@attrs.frozen
class ServerSentEvent:
    event: str = "message"
    data: str = ""
    id: Optional[str] = None
    retry: Optional[int] = None


class SSEDecoder:
    """Feed bytes in, get complete events out. Not thread-safe (one stream, one reader)."""

    def __init__(self) -> None:
        self._buffer = b""
        self._pending_cr = False
        self._event: Optional[str] = None
        self._data: List[str] = []
        self._id: Optional[str] = None
        self._retry: Optional[int] = None
        self._has_fields = False

    def feed(self, chunk: bytes) -> List[ServerSentEvent]:
        """Decode ``chunk``; return the events it completed."""
        events: List[ServerSentEvent] = []
        if not chunk:
            return events  # keep a pending CR pending
        if self._pending_cr and chunk.startswith(b"\n"):
            chunk = chunk[1:]  # the LF half of a CRLF split across chunks
        self._pending_cr = False
        buf = self._buffer + chunk
        start = 0
        n = len(buf)
        i = 0
        while i < n:
            byte = buf[i]
            if byte == 0x0A or byte == 0x0D:
                line = buf[start:i]
                if byte == 0x0D:
                    if i + 1 < n:
                        if buf[i + 1] == 0x0A:
                            i += 1
                    else:
                        self._pending_cr = True
                i += 1
                start = i
                event = self._line(line.decode("utf-8", errors="replace"))
                if event is not None:
                    events.append(event)
                continue
            i += 1
        self._buffer = buf[start:]
        return events

    def flush(self) -> List[ServerSentEvent]:
        """End of stream: an unterminated last event is dropped, as the spec says."""
        self._buffer = b""
        self._reset()
        return []

    def _reset(self) -> None:
        self._event = None
        self._data = []
        self._id = None
        self._retry = None
        self._has_fields = False

    def _line(self, line: str) -> Optional[ServerSentEvent]:
        if not line:
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
        if line.startswith(":"):
            return None
        name, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id":
            if "\0" not in value:
                self._id = value
        elif name == "retry":
            if value.isdigit():
                self._retry = int(value)
        else:
            return None
        self._has_fields = True
        return None


def iter_sse(chunks: Iterable[bytes]) -> Iterator[ServerSentEvent]:
    """Decode an iterable of byte chunks into events."""
    decoder = SSEDecoder()
    for chunk in chunks:
        yield from decoder.feed(chunk)
    decoder.flush()
