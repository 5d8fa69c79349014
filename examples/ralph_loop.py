"""The Ralph loop: an autonomous task loop with a fresh session per iteration.

The official cookbook's "Ralph Loop" recipe, synchronous. Each iteration creates a
new session (a fresh context window) pinned to the project directory with the
built-in tools, sends the same prompt file, and waits for the turn; state carries
over between iterations only through files on disk (IMPLEMENTATION_PLAN.md...).

    python examples/ralph_loop.py --offline        # a temporary project, MockModelServer plays the model
    python examples/ralph_loop.py [plan] [N]       # in this directory: PROMPT_build.md or PROMPT_plan.md

Offline, the example creates a project whose plan has three tasks; in each
iteration the scripted model reads the plan, does the first open task (writes its
file) and ticks it off, so after three iterations the plan is done.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pathlib
import re
import sys
import tempfile
from typing import Any, Iterator, List, Optional

from support.offline import MockReply, Results, ScriptedModel, example_client, tool_calls

from copilot_sdk import PermissionHandler, SessionEvent

PLAN = """# Implementation plan
- [ ] Create greet.py with a greet(name) function
- [ ] Create test_greet.py with a test for greet
- [ ] Create NOTES.md describing the module
"""
PROMPT_BUILD = """Study IMPLEMENTATION_PLAN.md. Pick the first unchecked task, implement it,
then mark it done ([x]) in IMPLEMENTATION_PLAN.md. Do one task only."""
FILES = {
    "greet.py": 'def greet(name: str) -> str:\n    return f"Hello, {name}!"\n',
    "test_greet.py": (
        'from greet import greet\n\n\ndef test_greet() -> None:\n    assert greet("Ada") == "Hello, Ada!"\n'
    ),
    "NOTES.md": "# greet\n\n`greet(name)` returns a greeting.\n",
}


@contextlib.contextmanager
def project(offline: bool) -> Iterator[pathlib.Path]:
    if not offline:
        yield pathlib.Path.cwd()
        return
    with tempfile.TemporaryDirectory() as folder:
        root = pathlib.Path(folder)
        (root / "IMPLEMENTATION_PLAN.md").write_text(PLAN)
        (root / "PROMPT_build.md").write_text(PROMPT_BUILD)
        (root / "PROMPT_plan.md").write_text("Study the code and write IMPLEMENTATION_PLAN.md.")
        yield root


def do_first_task(results: Results) -> MockReply:
    """From the plan as ``view`` showed it: write the first open task's file, tick it off."""
    plan = "\n".join(line.split(". ", 1)[1] if ". " in line else "" for line in results[0][2].splitlines())
    task = re.search(r"- \[ \] (Create (\S+) .*)", plan)
    if task is None:
        return MockReply(content="Every task of the plan is done.")
    name = task.group(2)
    return tool_calls(
        ("create", {"path": name, "file_text": FILES.get(name, "")}),
        (
            "edit",
            {
                "path": "IMPLEMENTATION_PLAN.md",
                "old_str": f"- [ ] {task.group(1)}",
                "new_str": f"- [x] {task.group(1)}",
            },
        ),
    )


def log_tool_event(event: SessionEvent) -> None:
    if event.type == "tool.execution_start":
        arguments = event.data.arguments if isinstance(event.data.arguments, dict) else {}
        print(f"  * {event.data.tool_name} {arguments.get('path', '')}")


def ralph_loop(client: Any, server: Any, root: pathlib.Path, mode: str, max_iterations: int) -> None:
    prompt_file = "PROMPT_plan.md" if mode == "plan" else "PROMPT_build.md"
    print("-" * 40)
    print(f"Mode:   {mode}\nPrompt: {prompt_file}\nMax:    {max_iterations} iterations")
    print("-" * 40)
    prompt = (root / prompt_file).read_text()
    for i in range(1, max_iterations + 1):
        print(f"\n=== Iteration {i}/{max_iterations} ===")
        session = client.create_session(
            model="gpt-5.1-codex-mini",
            working_directory=str(root),  # pin the agent to the project directory
            available_tools=["builtin:*"],  # built-ins are opt-in here
            on_permission_request=PermissionHandler.approve_all,  # unattended operation
        )
        session.on(log_tool_event)
        model = ScriptedModel(server)
        model.attach(session)
        model.then(
            tool_calls(("view", {"path": "IMPLEMENTATION_PLAN.md"})),
            do_first_task,
            MockReply(content="Task done and ticked off in the plan."),
        )
        try:
            reply = session.send_and_wait(prompt, timeout=600)
            print(f"  {reply.data.content[:200]}")
        finally:
            session.destroy()
        model.check()
        print(f"Iteration {i} complete.")
    print(f"\nReached max iterations: {max_iterations}")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("args", nargs="*", help="'plan' for planning mode; a number of iterations")
    parser.add_argument("--offline", action="store_true", help="a temporary project and MockModelServer")
    args = parser.parse_args(argv)
    mode = "plan" if "plan" in args.args else "build"
    max_iterations = next((int(a) for a in args.args if a.isdigit()), 3 if args.offline else 50)
    with project(args.offline) as root, example_client(args.offline) as (client, server):
        ralph_loop(client, server, root, mode, max_iterations)
        if args.offline:
            print("\nIMPLEMENTATION_PLAN.md now reads:\n" + (root / "IMPLEMENTATION_PLAN.md").read_text())
            print("Files: " + ", ".join(sorted(p for p in os.listdir(root) if not p.startswith("PROMPT"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
