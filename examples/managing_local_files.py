"""Managing local files: the model lists a folder with a tool and groups the files.

The example creates a temporary folder with a few files, gives the model a
``list_files`` tool that returns each file's name, size, modification time and
extension, and asks it to group the files by extension.

    python examples/managing_local_files.py --offline   # against the built-in MockModelServer
    python examples/managing_local_files.py             # against your configured provider

The tool only looks inside the example's folder: any other path is refused with a
ToolError, whose message goes back to the model. Offline, the mock model is
scripted: it calls ``list_files``, then writes the grouping from the listing it got.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import datetime as dt
import json
import pathlib
import tempfile
from typing import Any, Callable, Iterator, List, Optional

import attrs

from copilot_sdk import CopilotClient, PermissionHandler, ProviderConfig, SessionEvent, ToolError, define_tool

FILES = {
    "report.pdf": 2048,
    "notes.txt": 120,
    "todo.txt": 64,
    "holiday.jpg": 4096,
    "cat.jpg": 3072,
    "budget.xlsx": 1024,
    "README": 10,
}


@attrs.frozen
class FileInfo:
    name: str
    size: int
    modified: str
    extension: str


def make_list_files(root: pathlib.Path) -> Any:
    """A ``list_files`` tool confined to ``root``."""

    @define_tool
    def list_files(folder: str = ".") -> List[FileInfo]:
        """List the files in a folder with their size in bytes, modification time
        (ISO 8601, UTC) and extension ("" when there is none).

        Args:
            folder: a folder relative to the working folder; "." for the folder itself.
        """
        target = (root / folder).resolve()
        if target != root and root not in target.parents:
            raise ToolError(f"{folder!r} is outside the working folder; use a relative path")
        if not target.is_dir():
            raise ToolError(f"{folder!r} is not a folder")
        infos = []
        for path in sorted(target.iterdir()):
            if path.is_file():
                stat = path.stat()
                modified = dt.datetime.fromtimestamp(stat.st_mtime, dt.timezone.utc)
                infos.append(FileInfo(
                    name=path.name, size=stat.st_size,
                    modified=modified.isoformat(timespec="seconds"), extension=path.suffix.lstrip("."),
                ))
        return infos

    return list_files


def create_files(root: pathlib.Path) -> None:
    for name, size in FILES.items():
        (root / name).write_bytes(b"x" * size)


def offline_model(server: Any) -> Callable[[SessionEvent], None]:
    """Script the mock model: a ``list_files`` call now; when its result is in,
    an answer grouping the listed files by extension (what a model would write)."""
    from copilot_sdk.testing import MockReply, MockToolCall

    server.enqueue(MockReply(tool_calls=[MockToolCall(name="list_files", arguments={"folder": "."})]))

    def on_event(event: SessionEvent) -> None:
        if event.type != "tool.execution_complete" or not event.data.success:
            return
        groups: dict[str, list[str]] = collections.defaultdict(list)
        for info in json.loads(event.data.result):
            groups[info["extension"] or "(none)"].append(f"{info['name']} ({info['size']} bytes)")
        lines = [f"- {ext}: {', '.join(names)}" for ext, names in sorted(groups.items())]
        server.enqueue(MockReply(content="Here are your files grouped by extension:\n" + "\n".join(lines)))

    return on_event


@contextlib.contextmanager
def make_client(offline: bool) -> Iterator[tuple[CopilotClient, Any]]:
    if not offline:
        with CopilotClient() as client:
            yield client, None
        return
    from copilot_sdk.testing import MockModelServer

    with MockModelServer() as server, tempfile.TemporaryDirectory() as home:
        provider = ProviderConfig(type="openai", base_url=server.openai_base_url, api_key="offline")
        with CopilotClient(provider=provider, base_directory=home) as client:
            yield client, server


def show(event: SessionEvent) -> None:
    if event.type == "tool.execution_start":
        print(f"  -> {event.data.tool_name}({json.dumps(event.data.arguments)})")
    elif event.type == "tool.execution_complete":
        if event.data.success:
            print(f"  <- listed {len(json.loads(event.data.result))} files")
        else:
            print(f"  <- failed: {event.data.result}")


def main(argv: Optional[list[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offline", action="store_true", help="use the built-in MockModelServer")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder, make_client(args.offline) as (client, server):
        root = pathlib.Path(folder).resolve()
        create_files(root)
        session = client.create_session(
            model="gpt-5",
            tools=[make_list_files(root)],
            on_permission_request=PermissionHandler.approve_all,
        )
        session.on(show)
        if server is not None:
            session.on(offline_model(server))
        prompt = "List the files in my working folder and group them by extension."
        print(f"you:   {prompt}")
        reply = session.send(prompt)
        print("model:", reply.data.content.replace("\n", "\n       "))
        session.destroy()


if __name__ == "__main__":
    main()
