"""The file tools: ``view``, ``create`` and ``edit`` (argument shapes as in the
official runtime's tools of the same names)."""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from typing import Any, Dict, Mapping

from ...errors import ToolError
from ..agent import AgentTool, PermissionAsk
from ..result import ToolInvocation
from .paths import Workspace, argument

__all__ = ["MAX_VIEW_CHARS", "make_create", "make_edit", "make_view"]

MAX_VIEW_CHARS = 100_000  # more than this is cut, with a note saying how to see the rest
MAX_LISTING = 1000


def _read_text(path: Any) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace", newline="") as handle:
            return handle.read()
    except FileNotFoundError:
        raise ToolError(f"Path {path} does not exist.") from None
    except IsADirectoryError:
        raise ToolError(f"Path {path} is a directory.") from None
    except OSError as exc:
        raise ToolError(f"Cannot read {path}: {exc.strerror or exc}") from None


def _listing(workspace: Workspace, path: Any) -> str:
    entries = []
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        depth = len(os.path.relpath(root, path).split(os.sep)) if root != str(path) else 0
        if depth >= 2:
            dirs[:] = []
        for name in sorted(dirs):
            entries.append(os.path.relpath(os.path.join(root, name), path) + "/")
        for name in sorted(files):
            entries.append(os.path.relpath(os.path.join(root, name), path))
        if len(entries) > MAX_LISTING:
            break
    shown = sorted(entries)[:MAX_LISTING]
    more = f"\n[{len(entries) - MAX_LISTING} more entries not shown]" if len(entries) > MAX_LISTING else ""
    return "\n".join(shown) + more if shown else "(empty directory)"


def make_view(workspace: Workspace) -> AgentTool:
    """The ``view`` tool: a file with line numbers (optionally a line range), or a
    directory listing two levels deep."""

    def permission(arguments: Mapping[str, Any]) -> PermissionAsk:
        path = arguments.get("path")
        return workspace.ask("read", path, f"Read {path}")

    def handler(invocation: ToolInvocation) -> str:
        args = invocation.arguments
        path = workspace.use(args.get("path"))
        if path.is_dir():
            return _listing(workspace, path)
        lines = _read_text(path).split("\n")
        start, end = 1, len(lines)
        view_range = args.get("view_range")
        if view_range is not None:
            if (
                not isinstance(view_range, list)
                or len(view_range) != 2
                or not all(isinstance(n, int) and not isinstance(n, bool) for n in view_range)
            ):
                raise ToolError("'view_range' must be [start, end] (1-based; end -1 for the last line)")
            start, end = view_range
            end = len(lines) if end == -1 else min(end, len(lines))
            if start < 1 or start > max(end, 1):
                raise ToolError(f"'view_range' {view_range} is outside the file's {len(lines)} lines")
        text = "\n".join(f"{n}. {lines[n - 1]}" for n in range(start, end + 1))
        if len(text) > MAX_VIEW_CHARS:
            text = text[:MAX_VIEW_CHARS] + "\n[output truncated; use view_range to see the rest]"
        return text

    return AgentTool(
        name="view",
        description=(
            "View a file with line numbers, or list a directory (two levels deep). "
            "Paths are relative to the working directory or absolute."
        ),
        parameters={
            "type": "object",
            "properties": {
                "path": {"type": "string", "description": "The file or directory."},
                "view_range": {
                    "type": "array",
                    "items": {"type": "integer"},
                    "minItems": 2,
                    "maxItems": 2,
                    "description": "Optional [start, end] line numbers, 1-based; end -1 for the last line.",
                },
            },
            "required": ["path"],
        },
        handler=handler,
        permission=permission,
    )


def make_create(workspace: Workspace) -> AgentTool:
    """The ``create`` tool: write a new file (parent folders are created)."""

    def permission(arguments: Mapping[str, Any]) -> PermissionAsk:
        path = arguments.get("path")
        return workspace.ask("write", path, f"Create {path}")

    def handler(invocation: ToolInvocation) -> str:
        args = invocation.arguments
        path = workspace.use(args.get("path"))
        text = argument(args, "file_text", str, "")
        if path.exists():
            raise ToolError(f"Path {path} already exists; use 'edit' to change it.")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "x", encoding="utf-8", newline="") as handle:
                handle.write(text)
        except OSError as exc:
            raise ToolError(f"Cannot create {path}: {exc.strerror or exc}") from None
        return f"Created file {path} with {len(text)} characters"

    return AgentTool(
        name="create",
        description="Create a new file with the given content. Fails if the file exists.",
        parameters={
            "type": "object",
            "properties": {
                "path": {"type": "string", "description": "The file to create."},
                "file_text": {"type": "string", "description": "The content of the file."},
            },
            "required": ["path", "file_text"],
        },
        handler=handler,
        permission=permission,
    )


class _PathLocks:
    """One lock per file edited, so that the calls of one tool round (which run
    concurrently) never lose each other's edits to the same file.

    Thread-safe: the registry is guarded by ``self._lock``, held only to find a
    path's lock; the path's lock is held for that file's read-modify-write alone.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._locks: Dict[str, threading.Lock] = {}  # guarded by self._lock

    def of(self, path: Any) -> threading.Lock:
        with self._lock:
            return self._locks.setdefault(os.path.realpath(path), threading.Lock())


_EDITS = _PathLocks()


def _replace_atomically(path: Any, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path`` and rename it over ``path``
    (keeping its mode), so no reader ever sees a half-written file."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, temporary = tempfile.mkstemp(prefix=".copilot_sdk-edit-", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.chmod(temporary, os.stat(path).st_mode & 0o7777)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def make_edit(workspace: Workspace) -> AgentTool:
    """The ``edit`` tool: replace one exact, unique occurrence of a string."""

    def permission(arguments: Mapping[str, Any]) -> PermissionAsk:
        path = arguments.get("path")
        return workspace.ask("write", path, f"Edit {path}")

    def handler(invocation: ToolInvocation) -> str:
        args = invocation.arguments
        path = workspace.use(args.get("path"))
        old = argument(args, "old_str", str)
        new = argument(args, "new_str", str, "")
        if not old:
            raise ToolError("'old_str' must be the exact, non-empty text to replace")
        with _EDITS.of(path):
            text = _read_text(path)
            count = text.count(old)
            if count == 0:
                raise ToolError(f"No match for 'old_str' in {path}; nothing was changed.")
            if count > 1:
                raise ToolError(
                    f"'old_str' occurs {count} times in {path}; include more context to make it "
                    "unique. Nothing was changed."
                )
            try:
                _replace_atomically(path, text.replace(old, new, 1))
            except OSError as exc:
                raise ToolError(f"Cannot write {path}: {exc.strerror or exc}") from None
        return f"File {path} updated with changes."

    return AgentTool(
        name="edit",
        description=(
            "Edit a file: replace one exact occurrence of old_str with new_str. old_str must "
            "occur exactly once (include surrounding lines to make it unique)."
        ),
        parameters={
            "type": "object",
            "properties": {
                "path": {"type": "string", "description": "The file to edit."},
                "old_str": {"type": "string", "description": "The exact text to replace."},
                "new_str": {"type": "string", "description": "The replacement text."},
            },
            "required": ["path", "old_str", "new_str"],
        },
        handler=handler,
        permission=permission,
    )
