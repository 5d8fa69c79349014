"""The ``web_fetch`` tool: GET a URL with size and time limits, and return its
text (HTML reduced to readable text) a page at a time."""

from __future__ import annotations

import html.parser
import re
import time
from typing import Any, List, Mapping

from ... import __version__
from ...errors import ToolError
from ..agent import AgentTool, PermissionAsk
from ..result import ToolInvocation
from .paths import argument

__all__ = ["DEFAULT_MAX_LENGTH", "MAX_BYTES", "html_to_text", "make_web_fetch"]

MAX_BYTES = 2_000_000  # a body larger than this is cut
TIMEOUT = 30.0  # seconds for the whole download
DEFAULT_MAX_LENGTH = 5000  # characters returned per call
_BLOCKS = {
    "p",
    "div",
    "br",
    "li",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "section",
    "article",
    "header",
    "footer",
    "pre",
    "table",
    "ul",
    "ol",
    "blockquote",
    "hr",
    "title",
}
_SKIPPED = {"script", "style", "noscript", "template", "svg", "head"}


class _TextExtractor(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: List[str] = []
        self.skip = 0
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in _SKIPPED:
            self.skip += 1
        if tag == "title":
            self._in_title = True
        if tag in _BLOCKS:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED and self.skip:
            self.skip -= 1
        if tag == "title":
            self._in_title = False
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        if not self.skip:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Readable text of an HTML page: scripts and styles dropped, blocks on their
    own lines, runs of blank space collapsed; the title first."""
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    text = re.sub(r"[ \t\r\f\v]+", " ", "".join(parser.parts))
    text = re.sub(r" *\n[ \n]*", "\n", text).strip()
    title = parser.title.strip()
    return f"# {title}\n\n{text}" if title and not text.startswith(title) else text


def _download(url: str) -> tuple[str, str]:
    import urllib.error  # on first use: urllib.request is heavy for an import of copilot_sdk
    import urllib.request

    request = urllib.request.Request(url, headers={"User-Agent": f"copilot_sdk/{__version__} web_fetch"})
    deadline = time.monotonic() + TIMEOUT
    try:
        with urllib.request.urlopen(request, timeout=min(10.0, TIMEOUT)) as response:
            content_type = response.headers.get("Content-Type", "")
            charset = response.headers.get_content_charset() or "utf-8"
            chunks: List[bytes] = []
            size = 0
            while size < MAX_BYTES:
                if time.monotonic() > deadline:
                    raise ToolError(f"Fetching {url} took longer than {TIMEOUT:g} s")
                chunk = response.read(min(65536, MAX_BYTES - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
    except urllib.error.HTTPError as exc:
        raise ToolError(f"Fetching {url} failed: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ToolError(f"Fetching {url} failed: {reason}") from None
    return b"".join(chunks).decode(charset, "replace"), content_type


def make_web_fetch() -> AgentTool:
    """The ``web_fetch`` tool."""

    def permission(arguments: Mapping[str, Any]) -> PermissionAsk:
        url = arguments.get("url")
        return PermissionAsk(
            kind="url",
            default_allowed=False,
            url=url if isinstance(url, str) else None,
            intention=f"Fetch {url}",
        )

    def handler(invocation: ToolInvocation) -> str:
        args = invocation.arguments
        url = argument(args, "url", str)
        if not url or not re.match(r"https?://", url, re.IGNORECASE):
            raise ToolError("'url' must be an http:// or https:// URL")
        max_length = argument(args, "max_length", int, DEFAULT_MAX_LENGTH)
        start = argument(args, "start_index", int, 0)
        if max_length < 1 or start < 0:
            raise ToolError("'max_length' must be >= 1 and 'start_index' >= 0")
        body, content_type = _download(url)
        raw = argument(args, "raw", bool, False)
        is_html = "html" in content_type.lower() or body.lstrip()[:15].lower().startswith(
            ("<!doctype", "<html")
        )
        text = body if raw or not is_html else html_to_text(body)
        page = text[start : start + max_length]
        header = f"Contents of {url}:\n"
        if start + max_length < len(text):
            page += (
                f"\n\n[content truncated: {len(text)} characters in all; call again with "
                f"start_index={start + max_length} for more]"
            )
        return header + page

    return AgentTool(
        name="web_fetch",
        description=(
            "Fetch a URL (GET) and return its content as text (HTML reduced to readable text, "
            "or the raw body with raw=true), max_length characters from start_index."
        ),
        parameters={
            "type": "object",
            "properties": {
                "url": {"type": "string", "description": "The http(s) URL to fetch."},
                "max_length": {
                    "type": "integer",
                    "description": f"Characters to return (default {DEFAULT_MAX_LENGTH}).",
                },
                "start_index": {"type": "integer", "description": "Where to start, for paging (default 0)."},
                "raw": {"type": "boolean", "description": "Return the body as is, without text extraction."},
            },
            "required": ["url"],
        },
        handler=handler,
        permission=permission,
        source="builtin",
    )
