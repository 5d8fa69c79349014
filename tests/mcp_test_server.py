"""An MCP server for the tests, written with the ``mcp`` package's FastMCP.

    python tests/mcp_test_server.py stdio [MARKER_DIR]
    python tests/mcp_test_server.py http PORT [MARKER_DIR]
    python tests/mcp_test_server.py sse PORT [MARKER_DIR]
    python tests/mcp_test_server.py crash-on-start
    python tests/mcp_test_server.py silent        # reads stdin, never answers

MARKER_DIR, when given, receives files the tests look at: ``slow.started`` and
``slow.cancelled`` when the ``slow`` tool starts and is cancelled.
"""

import asyncio
import base64
import os
import pathlib
import sys
import time
from typing import TYPE_CHECKING, Any, Dict, Optional

if TYPE_CHECKING:
    from mcp.server.fastmcp import FastMCP

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def build(markers: Optional[pathlib.Path], port: int = 0) -> "FastMCP":
    # Imported here, so that the failing modes start fast; no `from __future__ import
    # annotations` in this file: FastMCP reads the tools' annotations at runtime.
    from mcp.server.fastmcp import FastMCP, Image

    server = FastMCP("test-server", host="127.0.0.1", port=port, log_level="WARNING")

    @server.tool()
    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    @server.tool()
    def echo(text: str) -> str:
        """Echo the text back."""
        return text

    @server.tool()
    def pid() -> int:
        """The server's process id."""
        return os.getpid()

    @server.tool()
    def image() -> Image:
        """A tiny PNG."""
        return Image(data=PNG, format="png")

    @server.tool()
    def forecast(city: str) -> Dict[str, Any]:
        """Structured weather."""
        return {"city": city, "temperature": 21}

    @server.tool()
    def fail(reason: str) -> str:
        """Always fails."""
        raise ValueError(f"failed on purpose: {reason}")

    @server.tool()
    async def slow(seconds: float) -> str:
        """Sleep, then answer."""
        if markers is not None:
            (markers / "slow.started").write_text("started")
        try:
            await asyncio.sleep(seconds)
        except BaseException:
            if markers is not None:
                (markers / "slow.cancelled").write_text("cancelled")
            raise
        return f"slept {seconds}"

    @server.tool()
    def crash() -> str:
        """The process dies mid-call."""
        os._exit(3)

    return server


def main() -> None:
    mode = sys.argv[1]
    if mode == "crash-on-start":
        print("this server cannot start", file=sys.stderr)
        sys.exit(2)
    if mode == "silent":
        sys.stdin.read()
        time.sleep(3600)
        return
    if mode == "stdio":
        markers = pathlib.Path(sys.argv[2]) if len(sys.argv) > 2 else None
        build(markers).run(transport="stdio")
        return
    port = int(sys.argv[2])
    markers = pathlib.Path(sys.argv[3]) if len(sys.argv) > 3 else None
    build(markers, port).run(transport="streamable-http" if mode == "http" else "sse")


if __name__ == "__main__":
    main()
