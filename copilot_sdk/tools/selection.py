"""Which tools a session offers the model: ``available_tools`` and ``excluded_tools``.

Names: a custom tool by its name or ``custom:NAME``; a built-in by its name,
``builtin:NAME`` or ``builtin:*``; an MCP tool as ``<server>-<tool>`` or
``mcp:<server>-<tool>``; ``custom:*`` and ``mcp:*`` name every tool of their
family, and ``*`` every tool. With ``available_tools=None`` a session offers its
custom and MCP tools and no built-ins; a list is a strict allowlist (what it does
not name is not offered). ``excluded_tools`` subtracts, with the same names.
"""

from __future__ import annotations

import logging
from typing import Dict, Iterable, Mapping, Optional, Sequence, Tuple

from .define import Tool

logger = logging.getLogger("copilot_sdk.tools")

__all__ = ["FAMILIES", "check_tool_names", "named_builtins", "select_tools"]

FAMILIES = ("custom", "builtin", "mcp")


def check_tool_names(
    field: str, names: Optional[Sequence[str]], builtin_names: Iterable[str]
) -> Optional[Tuple[str, ...]]:
    """``names`` as a tuple, checked: strings, prefixes known, built-in names real.

    Raises:
        TypeError: not a list of strings.
        ValueError: an unknown prefix or built-in name.
    """
    if names is None:
        return None
    if isinstance(names, (str, bytes)) or not isinstance(names, Sequence):
        raise TypeError(f"{field} must be a list of tool names, not {type(names).__name__}")
    known = set(builtin_names)
    for index, name in enumerate(names):
        if not isinstance(name, str) or not name:
            raise TypeError(f"{field}[{index}] must be a non-empty str")
        if ":" in name:
            family, _, rest = name.partition(":")
            if family not in FAMILIES or not rest:
                raise ValueError(
                    f"{field}[{index}] {name!r}: use NAME, custom:NAME, builtin:NAME, builtin:*, "
                    "mcp:<server>-<tool>, custom:* or mcp:*"
                )
            if family == "builtin" and rest != "*" and rest not in known:
                raise ValueError(
                    f"{field}[{index}] {name!r}: no built-in tool {rest!r}; "
                    f"built-ins: {', '.join(sorted(known))}"
                )
    return tuple(names)


def _named(family: str, name: str, names: Sequence[str]) -> bool:
    return any(pattern in ("*", name, f"{family}:{name}", f"{family}:*") for pattern in names)


def named_builtins(
    available: Optional[Sequence[str]], excluded: Optional[Sequence[str]], builtin_names: Iterable[str]
) -> set[str]:
    """The built-ins ``available``/``excluded`` turn on (none when ``available`` is None)."""
    if available is None:
        return set()
    return {
        name
        for name in builtin_names
        if _named("builtin", name, available) and not _named("builtin", name, excluded or ())
    }


def select_tools(
    *,
    custom: Sequence[Tool],
    builtins: Mapping[str, Tool],
    mcp: Mapping[str, Tool],
    available: Optional[Sequence[str]],
    excluded: Optional[Sequence[str]],
) -> Dict[str, Tool]:
    """The tools offered, by name, in order: custom, built-in, MCP. A custom tool
    shadows a built-in or MCP tool of the same name."""
    chosen: Dict[str, Tool] = {}
    for family, tools, default in (
        ("custom", custom, True),
        ("builtin", builtins.values(), False),
        ("mcp", mcp.values(), True),
    ):
        for tool in tools:
            if tool.name in chosen:
                logger.debug("%s tool %r is shadowed by a tool of the same name", family, tool.name)
                continue
            offered = default if available is None else _named(family, tool.name, available)
            if offered and not _named(family, tool.name, excluded or ()):
                chosen[tool.name] = tool
    return chosen
