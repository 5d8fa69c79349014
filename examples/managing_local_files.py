"""Managing local files: the model organises a folder with the built-in tools.

The official cookbook's "Managing Local Files" recipe, synchronous. The example
creates a temporary folder with a few files and gives the session the built-in
tools (``available_tools=["builtin:*"]``) working in that folder. The model lists
the files, previews a grouping by extension and asks before moving anything; on
"yes" it creates the subfolders and moves the files with ``bash``. Every call asks
the permission handler, which prints what it approves (kind and path or command).

    python examples/managing_local_files.py --offline   # the built-in MockModelServer plays the model
    python examples/managing_local_files.py             # GitHub Copilot (your login)

Offline, a scripted model makes the calls a model would make, answering from what
the tools really returned; the files really move.
"""

from __future__ import annotations

import argparse
import collections
import pathlib
import shlex
import sys
import tempfile
from typing import Dict, List, Optional

from support.offline import MockReply, Results, ScriptedModel, example_client, tool_calls

from copilot_sdk import SessionEvent
from copilot_sdk.tools import PermissionRequest

FILES = {
    "report.pdf": 2048,
    "notes.txt": 120,
    "todo.txt": 64,
    "holiday.jpg": 4096,
    "cat.png": 3072,
    "budget.xlsx": 1024,
    "clip.mp4": 8192,
}
KINDS = {
    "images": {"jpg", "jpeg", "png", "gif"},
    "documents": {"pdf", "txt", "md", "xlsx", "docx"},
    "videos": {"mp4", "mov"},
}


def handle_event(event: SessionEvent) -> None:
    if event.type == "assistant.message" and event.data.content:
        print(f"\nCopilot: {event.data.content}")
    elif event.type == "tool.execution_start":
        print(f"  -> Running: {event.data.tool_name}")
    elif event.type == "tool.execution_complete":
        print(
            f"  ok Completed: {event.data.tool_call_id}"
            if event.data.success
            else f"  !! {event.data.result}"
        )


def approve(request: PermissionRequest) -> bool:
    """Approve every call, saying what it is; a real app would ask the user here."""
    print(f"  [permission] {request.kind}: {request.command or request.path or request.url}")
    return True


def plan(listing: str) -> Dict[str, List[str]]:
    """The grouping a model would propose from the ``view`` listing."""
    groups: Dict[str, List[str]] = collections.defaultdict(list)
    for name in listing.splitlines():
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        folder = next((kind for kind, exts in KINDS.items() if ext in exts), "other")
        groups[folder].append(name)
    return dict(sorted(groups.items()))


def offline_preview(results: Results) -> MockReply:
    groups = plan(results[0][2])
    lines = [f"- {folder}/: {', '.join(names)}" for folder, names in groups.items()]
    return MockReply(
        content="Here is the grouping I propose:\n"
        + "\n".join(lines)
        + "\nShall I create these folders and move the files?"
    )


def offline_moves(results: Results) -> MockReply:
    groups = plan(results[0][2])
    commands = [f"mkdir -p {' '.join(groups)}"] + [
        f"mv {' '.join(shlex.quote(n) for n in names)} {folder}/" for folder, names in groups.items()
    ]
    return tool_calls(("bash", {"command": " && ".join(commands), "description": "Organise the files"}))


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offline", action="store_true", help="use the built-in MockModelServer")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder, example_client(args.offline) as (client, server):
        target_folder = pathlib.Path(folder)
        for name, size in FILES.items():
            (target_folder / name).write_bytes(b"x" * size)
        session = client.create_session(
            model="gpt-5",
            available_tools=["builtin:*"],
            working_directory=str(target_folder),
            on_permission_request=approve,
        )
        session.on(handle_event)
        model = ScriptedModel(server)
        model.attach(session)
        model.then(tool_calls(("view", {"path": "."})), offline_preview)
        session.send(f"""
Analyze the files in "{target_folder}" and organize them into subfolders.

1. First, list all files and their metadata
2. Preview grouping by file extension
3. Create appropriate subfolders (e.g., "images", "documents", "videos")
4. Move each file to its appropriate subfolder

Please confirm before moving any files.
""")
        model.then(
            tool_calls(("view", {"path": "."})),
            offline_moves,
            MockReply(content="Done: every file is in its subfolder."),
        )
        session.send("Yes, go ahead.")
        model.check()
        print("\nThe folder now holds:")
        for path in sorted(target_folder.rglob("*")):
            if path.is_file():
                print(f"  {path.relative_to(target_folder)}")
        session.destroy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
