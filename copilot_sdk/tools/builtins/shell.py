"""The ``bash`` tool: a command run by bash in the working directory, in its own
process group, with a timeout and an output cap; the whole group is killed when
the command times out, the turn is aborted, or the command ends leaving children
behind."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
import time
from typing import Any, Mapping, Optional

from ...errors import ToolError
from ..agent import AgentTool, PermissionAsk, current_context
from ..result import ToolInvocation
from .paths import Workspace, argument

logger = logging.getLogger("copilot_sdk.tools")

__all__ = ["DEFAULT_TIMEOUT", "MAX_OUTPUT_CHARS", "make_bash", "run_command"]

DEFAULT_TIMEOUT = 120.0  # seconds
MAX_TIMEOUT = 600.0
MAX_OUTPUT_CHARS = 30_000  # kept: the first and last halves
_GRACE = 0.5  # seconds between SIGTERM and SIGKILL


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL, to the command's whole process group."""
    for sig, wait in ((signal.SIGTERM, _GRACE), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except (ProcessLookupError, PermissionError):
            return
        try:
            process.wait(wait)
        except subprocess.TimeoutExpired:
            continue
        if sig is signal.SIGTERM:
            try:  # the leader is gone; its children may not be
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        return


class _Output:
    """Collects a pipe's bytes, keeping at most ``limit`` characters' worth
    (head and tail). Thread-safe: one reader thread appends, the caller reads
    after joining it."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.head = bytearray()
        self.tail = bytearray()
        self.dropped = 0

    def add(self, chunk: bytes) -> None:
        half = self.limit // 2
        if len(self.head) < half:
            take = half - len(self.head)
            self.head += chunk[:take]
            chunk = chunk[take:]
        if chunk:
            self.tail += chunk
            if len(self.tail) > half:
                self.dropped += len(self.tail) - half
                del self.tail[: len(self.tail) - half]

    def text(self) -> str:
        head = self.head.decode("utf-8", "replace")
        if not self.dropped:
            return head + self.tail.decode("utf-8", "replace")
        tail = self.tail.decode("utf-8", "replace")
        return f"{head}\n[... {self.dropped} bytes of output omitted ...]\n{tail}"


def _pump(pipe: Any, output: _Output) -> None:
    try:
        for chunk in iter(lambda: pipe.read1(65536), b""):
            output.add(chunk)
    except (OSError, ValueError):
        pass


def run_command(command: str, cwd: str, timeout: float, limit: int = MAX_OUTPUT_CHARS) -> str:
    """Run ``command``; its output (stdout and stderr interleaved) and how it ended."""
    cancel = current_context().cancel
    try:
        process = subprocess.Popen(
            ["bash", "-c", command],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    except OSError as exc:
        raise ToolError(f"Cannot run bash: {exc.strerror or exc}") from None
    output = _Output(limit)
    reader = threading.Thread(target=_pump, args=(process.stdout, output), daemon=True)
    reader.start()
    ended = threading.Event()
    unregister = cancel.add_callback(ended.set)
    def watch() -> None:
        process.wait()
        ended.set()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    deadline = time.monotonic() + timeout
    how: Optional[str] = None
    try:
        while process.poll() is None:
            if cancel.cancelled:
                how = "aborted"
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                how = f"timed out after {timeout:g} s"
                break
            ended.wait(min(remaining, 1.0))
    finally:
        unregister()
        _kill_group(process)  # also reaps children left running by a finished command
        reader.join(5.0)
        if process.stdout is not None:
            process.stdout.close()
    text = output.text().rstrip("\n")
    if how is not None:
        return f"{text}\n<command {how}; its process group was killed>".lstrip("\n")
    return f"{text}\n<exited with exit code {process.returncode}>".lstrip("\n")


def make_bash(workspace: Workspace) -> AgentTool:
    """The ``bash`` tool, running in ``workspace``."""

    def permission(arguments: Mapping[str, Any]) -> PermissionAsk:
        command = arguments.get("command")
        return PermissionAsk(
            kind="shell",
            default_allowed=False,
            command=command if isinstance(command, str) else None,
            path=str(workspace.root),
            intention=str(arguments.get("description") or f"Run {command}"),
        )

    def handler(invocation: ToolInvocation) -> str:
        args = invocation.arguments
        command = argument(args, "command", str)
        if not command or not command.strip():
            raise ToolError("'command' must be a non-empty shell command")
        timeout = args.get("timeout")
        timeout = DEFAULT_TIMEOUT if timeout is None else timeout
        if (
            isinstance(timeout, bool)
            or not isinstance(timeout, (int, float))
            or not 0 < timeout <= MAX_TIMEOUT
        ):
            raise ToolError(f"'timeout' must be between 0 and {MAX_TIMEOUT:g} seconds")
        return run_command(command, str(workspace.root), float(timeout))

    return AgentTool(
        name="bash",
        description=(
            "Run a bash command in the working directory and return its output (stdout and "
            f"stderr) and exit code. Commands time out after {DEFAULT_TIMEOUT:g} s unless "
            "'timeout' says otherwise; long output is cut in the middle."
        ),
        parameters={
            "type": "object",
            "properties": {
                "command": {"type": "string", "description": "The bash command to run."},
                "description": {"type": "string", "description": "A short description of what it does."},
                "timeout": {
                    "type": "number",
                    "description": f"Seconds before it is killed (max {MAX_TIMEOUT:g}).",
                },
            },
            "required": ["command"],
        },
        handler=handler,
        permission=permission,
    )
