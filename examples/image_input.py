"""Attach an image (and a file) to a message: "look at this plot".

The example writes a small PNG and a CSV of the data behind it, then sends both with
one prompt. Images go to the model as images (Copilot gets ``Copilot-Vision-Request``);
text files are inlined with their path. Offline, the built-in mock model describes
what it received; a model whose models list says it has no vision is refused before
anything is sent.

    python examples/image_input.py --offline    # against the built-in MockModelServer
    python examples/image_input.py              # against GitHub Copilot (your login)
"""

from __future__ import annotations

import argparse
import struct
import sys
import tempfile
import zlib
from pathlib import Path
from typing import Optional

from copilot_sdk import Attachment, ConfigurationError, CopilotClient, ProviderConfig

NO_CREDENTIALS = """\
No GitHub credentials were found for the Copilot API: run `python -m copilot_sdk login`
(or set GH_TOKEN), or run this example offline: python examples/image_input.py --offline
"""


def write_plot(path: Path, size: int = 32) -> None:
    """A tiny line chart as a PNG: white background, a rising black line."""
    rows = []
    for y in range(size):
        row = bytearray([0])  # filter type "none"
        for x in range(size):
            on_line = abs((size - 1 - y) - x) <= 1
            row += b"\x00\x00\x00" if on_line else b"\xff\xff\xff"
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)  # 8-bit RGB
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows)))
    path.write_bytes(png + chunk(b"IEND", b""))


def run(client: CopilotClient, workdir: Path, model: str) -> None:
    plot, data = workdir / "plot.png", workdir / "data.csv"
    write_plot(plot)
    data.write_text("t,value\n0,0\n1,1\n2,2\n3,3\n", encoding="utf-8")

    session = client.create_session(model=model)
    reply = session.send(
        "What does this plot show, and does the data agree?",
        attachments=[Attachment.image(plot), {"type": "file", "path": str(data)}],
    )
    print(f"[{model}] {reply.data.content}")

    stored = session.get_messages()[0].data.attachments  # kept in the log: a resumed session resends them
    print("stored with the message:", ", ".join(f"{a['type']} {a.get('path', '')}" for a in stored))


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offline", action="store_true", help="use the built-in MockModelServer")
    parser.add_argument("--model", default="gpt-5", help="a model with vision (default gpt-5)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        if not args.offline:
            try:
                with CopilotClient() as client:
                    run(client, workdir, args.model)
            except ConfigurationError as exc:
                print(f"{exc}\n\n{NO_CREDENTIALS}", file=sys.stderr)
                return 2
            return 0

        from copilot_sdk.testing import MockModelServer

        print("offline: the mock Copilot API answers, describing the images it received")
        with MockModelServer(latency=0.02) as server:
            provider = ProviderConfig(type="copilot", github_api_url=server.url)
            token = "gho_offlineExampleToken000000000000000000"
            home = workdir / "home"
            with CopilotClient(provider=provider, github_token=token, base_directory=home) as client:
                run(client, workdir, args.model)
                try:  # the mock's models list says o3-mini has no vision
                    run(client, workdir, "o3-mini")
                except ValueError as exc:
                    print(f"refused before sending: {exc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
