"""The built-in tools: ``view``, ``create``, ``edit``, ``bash``, ``glob``,
``grep`` and ``web_fetch``, working inside a session's working directory.

They are off until named in ``SessionConfig.available_tools`` (``"builtin:*"``, a
name, or ``"builtin:NAME"``). Every call asks ``on_permission_request`` with kind
``read`` (view, glob, grep), ``write`` (create, edit), ``shell`` (bash) or ``url``
(web_fetch) and the path, command or URL at stake. Without a handler, reads inside
the working directory run; writes, commands, fetches and any path outside the
working directory (an absolute path elsewhere, ``..``, a symlink leading out) are
denied with a result the model can read.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Callable, Dict, Mapping, Optional, Union

if TYPE_CHECKING:  # the tools' modules load with the first session that offers them
    from ..agent import AgentTool
    from .paths import Workspace

__all__ = ["BUILTIN_NAMES", "Workspace", "make_builtins", "preamble"]

#: The names of the built-in tools, in the order they are offered.
BUILTIN_NAMES = ("view", "create", "edit", "bash", "glob", "grep", "web_fetch")


def _factories() -> Mapping[str, Callable[[Workspace], AgentTool]]:
    from .files import make_create, make_edit, make_view
    from .search import make_glob, make_grep
    from .shell import make_bash
    from .web import make_web_fetch

    factories: Mapping[str, Callable[[Workspace], AgentTool]] = {
        "view": make_view,
        "create": make_create,
        "edit": make_edit,
        "bash": make_bash,
        "glob": make_glob,
        "grep": make_grep,
        "web_fetch": lambda _workspace: make_web_fetch(),
    }
    return factories


def __getattr__(name: str) -> object:
    if name == "Workspace":
        from .paths import Workspace

        return Workspace
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def make_builtins(
    working_directory: Union[None, str, os.PathLike[str]], names: Optional[set[str]] = None
) -> Dict[str, AgentTool]:
    """The built-in tools (all, or ``names``) working in ``working_directory``
    (default: the current directory)."""
    from .paths import Workspace

    workspace = Workspace(working_directory if working_directory is not None else os.getcwd())
    return {
        name: factory(workspace) for name, factory in _factories().items() if names is None or name in names
    }


def preamble(working_directory: Union[None, str, os.PathLike[str]]) -> str:
    """The SDK's few lines at the start of the system message when built-ins are on."""
    from .paths import Workspace

    root = Workspace(working_directory if working_directory is not None else os.getcwd()).root
    return (
        f"You are working in the directory {root}. Relative paths are relative to it; "
        "the file, search and shell tools work inside it, and using anything outside it "
        "needs the user's permission."
    )
