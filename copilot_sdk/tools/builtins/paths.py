"""The working directory of the built-in tools: resolving a path the model gave,
and telling whether it stays inside."""

from __future__ import annotations

import os
import pathlib
from typing import Any, Mapping, Optional

import attrs

from ...errors import ToolError
from ..agent import PermissionAsk, current_context

__all__ = ["Resolved", "Workspace"]


@attrs.frozen
class Resolved:
    """A path as a tool will use it.

    Attributes:
        path: the absolute path, symlinks resolved.
        inside: True if it stays inside the working directory (no ``..``, no
            symlink leading out).
        reason: why it does not, for messages ("" when inside).
    """

    path: pathlib.Path
    inside: bool
    reason: str = ""


def _real(path: Any) -> pathlib.Path:
    return pathlib.Path(os.path.realpath(path))


@attrs.frozen
class Workspace:
    """The folder the built-ins work in.

    Thread-safe: immutable.
    """

    root: pathlib.Path = attrs.field(converter=_real)

    def resolve(self, raw: Any, argument: str = "path") -> Resolved:
        """Resolve ``raw`` (relative to the working directory, or absolute).

        Raises:
            ToolError: ``raw`` is not a non-empty string.
        """
        if not isinstance(raw, str) or not raw.strip():
            raise ToolError(f"'{argument}' must be a non-empty path")
        given = pathlib.Path(raw).expanduser()
        full = given if given.is_absolute() else self.root / given
        real = pathlib.Path(os.path.realpath(full))
        if ".." in given.parts:
            return Resolved(real, False, f"{raw!r} contains '..'")
        if real != self.root and self.root not in real.parents:
            lexical = pathlib.Path(os.path.normpath(full))
            if lexical == self.root or self.root in lexical.parents:
                return Resolved(real, False, f"{raw!r} is a symlink leading outside the working directory")
            return Resolved(real, False, f"{raw!r} is outside the working directory {str(self.root)!r}")
        return Resolved(real, True)

    def display(self, path: pathlib.Path) -> str:
        """``path`` relative to the working directory when inside it, else absolute."""
        try:
            relative = path.relative_to(self.root)
        except ValueError:
            return str(path)
        return str(relative) if str(relative) != "." else "."

    def ask(self, kind: str, raw: Any, intention: str, argument: str = "path") -> PermissionAsk:
        """The permission a call on path ``raw`` needs: reads inside the working
        directory run without a handler; writes and anything outside need one."""
        try:
            resolved = self.resolve(raw, argument)
        except ToolError:  # the handler reports the bad argument when it runs
            return PermissionAsk(kind=kind, default_allowed=kind == "read", intention=intention)
        return PermissionAsk(
            kind=kind,
            default_allowed=kind == "read" and resolved.inside,
            path=str(resolved.path),
            intention=intention,
            outside_working_directory=not resolved.inside,
        )

    def use(self, raw: Any, argument: str = "path") -> pathlib.Path:
        """The path a handler may act on: inside the working directory, or outside
        it when the call's permission handler approved that.

        Raises:
            ToolError: the path is outside and was not approved.
        """
        resolved = self.resolve(raw, argument)
        if not resolved.inside and not current_context().approved_outside:
            raise ToolError(
                f"{resolved.reason}; only paths inside the working directory may be used "
                "unless the permission handler approves"
            )
        return resolved.path


def argument(arguments: Mapping[str, Any], name: str, kind: type, default: Optional[Any] = None) -> Any:
    """``arguments[name]`` checked against ``kind`` (None or absent: ``default``).

    Raises:
        ToolError: the value has the wrong type.
    """
    value = arguments.get(name)
    if value is None:
        return default
    if kind is int and isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) and kind is not bool or not isinstance(value, kind):
        raise ToolError(f"'{name}' must be of type {kind.__name__}")
    return value
