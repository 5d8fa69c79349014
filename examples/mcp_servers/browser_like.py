"""A stand-in for Playwright's MCP server, for running the accessibility example
offline: ``browser_navigate`` fetches a page and ``browser_snapshot`` returns its
accessibility tree (landmarks, headings, links, images and their alt text, the
page's language and title) in the same spirit as Playwright's snapshot.

    python examples/mcp_servers/browser_like.py     # speaks MCP on stdin/stdout
"""

from __future__ import annotations

import html.parser
import urllib.request
from typing import Any, Dict, List, Optional, Tuple

from mcp.server.fastmcp import FastMCP

server = FastMCP("browser-like")
_LANDMARKS = {"header": "banner", "nav": "navigation", "main": "main", "footer": "contentinfo"}
_page: Dict[str, Any] = {}


class _Tree(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.nodes: List[str] = []
        self.lang: Optional[str] = None
        self.title = ""
        self._open: List[Tuple[str, str]] = []  # (tag, text so far) for headings, links, title

    def handle_starttag(self, tag: str, attrs: List[Tuple[str, Optional[str]]]) -> None:
        found = dict(attrs)
        if tag == "html":
            self.lang = found.get("lang")
        elif tag in _LANDMARKS:
            self.nodes.append(f"- {_LANDMARKS[tag]}")
        elif tag == "img":
            alt = found.get("alt")
            self.nodes.append(f'- img "{alt}"' if alt else "- img (no alt text)")
        if tag in ("title", "a", "h1", "h2", "h3", "h4", "button"):
            self._open.append((tag, ""))

    def handle_data(self, data: str) -> None:
        if self._open:
            tag, text = self._open[-1]
            self._open[-1] = (tag, text + data)

    def handle_endtag(self, tag: str) -> None:
        if not self._open or self._open[-1][0] != tag:
            return
        _, text = self._open.pop()
        text = " ".join(text.split())
        if tag == "title":
            self.title = text
        elif tag == "a":
            self.nodes.append(f'- link "{text}"')
        elif tag == "button":
            self.nodes.append(f'- button "{text}"')
        else:
            self.nodes.append(f'- heading "{text}" [level={tag[1]}]')


@server.tool()
def browser_navigate(url: str) -> str:
    """Navigate to a URL."""
    with urllib.request.urlopen(url, timeout=20) as response:
        _page["html"] = response.read(2_000_000).decode("utf-8", "replace")
    _page["url"] = url
    return f"Navigated to {url}"


@server.tool()
def browser_snapshot() -> str:
    """Capture the accessibility snapshot of the current page."""
    if "html" not in _page:
        raise ValueError("no page is open: call browser_navigate first")
    tree = _Tree()
    tree.feed(_page["html"])
    head = [
        f"- Page URL: {_page['url']}",
        f"- Page Title: {tree.title}",
        f"- Language: {tree.lang or '(none)'}",
    ]
    return "\n".join(head + ["- Page Snapshot:"] + ["  " + node for node in tree.nodes])


if __name__ == "__main__":
    server.run(transport="stdio")
