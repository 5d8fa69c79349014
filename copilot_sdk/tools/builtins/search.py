"""The search tools: ``glob`` (files by name pattern) and ``grep`` (lines by
regular expression), both inside the working directory."""

from __future__ import annotations

import fnmatch
import os
import pathlib
import re
from typing import Any, Iterator, List, Mapping

from ...errors import ToolError
from ..agent import AgentTool, PermissionAsk
from ..result import ToolInvocation
from .paths import Workspace, argument

__all__ = ["MAX_RESULTS", "make_glob", "make_grep"]

MAX_RESULTS = 1000
_MAX_FILE_BYTES = 5_000_000  # larger files are not searched
_SKIPPED_DIRS = {".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv"}


def _search_root(workspace: Workspace, arguments: Mapping[str, Any]) -> pathlib.Path:
    return workspace.use(arguments["path"]) if arguments.get("path") else workspace.root


def _ask(workspace: Workspace, arguments: Mapping[str, Any], what: str) -> PermissionAsk:
    path = arguments.get("path") or "."
    return workspace.ask("read", path, f"{what} in {path}")


def _files(root: pathlib.Path) -> Iterator[pathlib.Path]:
    """The files under ``root`` (or ``root`` itself), skipping VCS and cache folders
    and symlinks that lead out of ``root``."""
    if root.is_file():
        yield root
        return
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS)
        for name in sorted(files):
            path = pathlib.Path(folder, name)
            real = pathlib.Path(os.path.realpath(path))
            if real == root or root in real.parents:
                yield path


def make_glob(workspace: Workspace) -> AgentTool:
    """The ``glob`` tool: files matching a pattern such as ``**/*.py``."""

    def handler(invocation: ToolInvocation) -> str:
        args = invocation.arguments
        pattern = argument(args, "pattern", str)
        if not pattern:
            raise ToolError("'pattern' must be a glob pattern such as '**/*.py'")
        root = _search_root(workspace, args)
        matches: List[str] = []
        for path in _files(root):
            relative = path.relative_to(root).as_posix()
            if _glob_match(relative, pattern):
                matches.append("./" + relative)
        matches.sort()
        if not matches:
            return f"No files matched {pattern!r}."
        more = f"\n[{len(matches) - MAX_RESULTS} more not shown]" if len(matches) > MAX_RESULTS else ""
        return "\n".join(matches[:MAX_RESULTS]) + more

    return AgentTool(
        name="glob",
        description=(
            "Find files by name pattern ('**/*.ts', 'src/*.py'), relative to the working "
            "directory or to 'path'."
        ),
        parameters={
            "type": "object",
            "properties": {
                "pattern": {"type": "string", "description": "The glob pattern; ** matches any folders."},
                "path": {
                    "type": "string",
                    "description": "The folder to search (default: the working directory).",
                },
            },
            "required": ["pattern"],
        },
        handler=handler,
        permission=lambda arguments: _ask(workspace, arguments, "Find files"),
    )


def _glob_match(relative: str, pattern: str) -> bool:
    """Match a POSIX relative path against a glob where ``**/`` spans folders."""
    regex = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            regex += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            regex += ".*"
            i += 2
        elif pattern[i] == "*":
            regex += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            regex += "[^/]"
            i += 1
        else:
            regex += re.escape(pattern[i])
            i += 1
    if re.fullmatch(regex, relative):
        return True
    return "/" not in pattern and fnmatch.fnmatchcase(relative.rsplit("/", 1)[-1], pattern)


def _text(path: pathlib.Path) -> List[str] | None:
    try:
        if path.stat().st_size > _MAX_FILE_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    if b"\0" in data[:4096]:
        return None
    return data.decode("utf-8", "replace").splitlines()


def make_grep(workspace: Workspace) -> AgentTool:
    """The ``grep`` tool: lines matching a regular expression."""

    def handler(invocation: ToolInvocation) -> str:
        args = invocation.arguments
        pattern = argument(args, "pattern", str)
        if not pattern:
            raise ToolError("'pattern' must be a regular expression")
        try:
            regex = re.compile(pattern, re.IGNORECASE if argument(args, "-i", bool, False) else 0)
        except re.error as exc:
            raise ToolError(f"'pattern' is not a valid regular expression: {exc}") from None
        mode = argument(args, "output_mode", str, "files_with_matches")
        if mode not in ("content", "files_with_matches", "count"):
            raise ToolError("'output_mode' must be 'content', 'files_with_matches' or 'count'")
        numbers = argument(args, "-n", bool, False)
        context = argument(args, "-C", int, 0)
        before, after = argument(args, "-B", int, context), argument(args, "-A", int, context)
        limit = argument(args, "head_limit", int, MAX_RESULTS)
        name_filter = argument(args, "glob", str)
        root = _search_root(workspace, args)
        out: List[str] = []
        for path in _files(root):
            if name_filter and not _glob_match(
                path.relative_to(root).as_posix() if path != root else path.name, name_filter
            ):
                continue
            lines = _text(path)
            if not lines:
                continue
            hits = [i for i, line in enumerate(lines) if regex.search(line)]
            if not hits:
                continue
            shown = workspace.display(path)
            if mode == "files_with_matches":
                out.append(shown)
            elif mode == "count":
                out.append(f"{shown}:{len(hits)}")
            else:
                wanted = sorted(
                    {j for i in hits for j in range(max(0, i - before), min(len(lines), i + after + 1))}
                )
                for j in wanted:
                    out.append(f"{shown}:{j + 1}:{lines[j]}" if numbers else f"{shown}:{lines[j]}")
            if len(out) >= limit:
                break
        if not out:
            return f"No matches for {pattern!r}."
        return "\n".join(out[:limit])

    return AgentTool(
        name="grep",
        description=(
            "Search files for a regular expression. output_mode 'files_with_matches' (default) "
            "lists files, 'content' shows matching lines, 'count' counts them per file."
        ),
        parameters={
            "type": "object",
            "properties": {
                "pattern": {"type": "string", "description": "A regular expression (Python syntax)."},
                "path": {
                    "type": "string",
                    "description": "A file or folder (default: the working directory).",
                },
                "glob": {"type": "string", "description": "Only files whose name matches this glob."},
                "output_mode": {"type": "string", "enum": ["content", "files_with_matches", "count"]},
                "-i": {"type": "boolean", "description": "Ignore case."},
                "-n": {"type": "boolean", "description": "Show line numbers (content mode)."},
                "-A": {"type": "integer", "description": "Lines of context after each match."},
                "-B": {"type": "integer", "description": "Lines of context before each match."},
                "-C": {"type": "integer", "description": "Lines of context around each match."},
                "head_limit": {"type": "integer", "description": "At most this many output lines."},
            },
            "required": ["pattern"],
        },
        handler=handler,
        permission=lambda arguments: _ask(workspace, arguments, f"Search for {arguments.get('pattern')!r}"),
    )
