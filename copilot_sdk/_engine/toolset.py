"""The tools a turn offers, and the system message it sends with them.

At the start of each turn: the custom tools, the built-ins that
``available_tools`` names (made for the session's working directory) and the tools
of the session's MCP servers (started on first use), filtered by
``available_tools`` / ``excluded_tools`` (see :mod:`copilot_sdk.tools.selection`).
When a built-in is offered, a short preamble naming the working directory opens
the system message, unless the system message's mode is "replace".
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Mapping, Optional, Tuple

from ..tools import Tool
from ..tools.agent import AgentTool
from ..tools.ask_user import ASK_USER, ask_user_tool
from ..tools.builtins import BUILTIN_NAMES, make_builtins, preamble
from ..tools.selection import named_builtins, select_tools
from ..types import SessionConfig

__all__ = ["compose_system_message", "session_tools", "with_ask_user"]

_ASK_USER_NAMES = frozenset({ASK_USER, "builtin:" + ASK_USER, "builtin:*", "*"})


def session_tools(
    config: SessionConfig, mcp_tools: Mapping[str, Tool]
) -> Tuple[Dict[str, Tool], Optional[str]]:
    """The tools offered, by name, and the preamble (None when no built-in is on)."""
    names = named_builtins(config.available_tools, config.excluded_tools, BUILTIN_NAMES)
    builtins = make_builtins(config.working_directory, names) if names else {}
    chosen = select_tools(
        custom=config.tools,
        builtins=builtins,
        mcp=mcp_tools,
        available=config.available_tools,
        excluded=config.excluded_tools,
    )
    on = any(isinstance(tool, AgentTool) and tool.source == "builtin" for tool in chosen.values())
    return chosen, preamble(config.working_directory) if on else None


def compose_system_message(system_message: Any, sdk_preamble: Optional[str]) -> Optional[str]:
    """The system text sent: the preamble, then the session's system message (a
    str, or ``{"content": ..., "mode": "append" | "replace"}``); "replace" drops
    the preamble."""
    content: Optional[str]
    mode = "append"
    if isinstance(system_message, Mapping):
        content = system_message.get("content")
        mode = system_message.get("mode") or "append"
    else:
        content = getattr(system_message, "content", system_message)
        mode = getattr(system_message, "mode", None) or mode
    if content is not None and not isinstance(content, str):
        content = str(content)
    if sdk_preamble is None or mode == "replace":
        return content
    return sdk_preamble if not content else f"{sdk_preamble}\n\n{content}"


def with_ask_user(
    tools: Dict[str, Tool], config: SessionConfig, emit: Callable[[str, Any], Any]
) -> Dict[str, Tool]:
    """``tools`` plus the built-in ``ask_user`` when ``on_user_input_request`` is
    set, unless ``available_tools`` leaves it out or ``excluded_tools`` names it."""
    handler = config.on_user_input_request
    if handler is None or ASK_USER in tools:
        return tools
    if config.available_tools is not None and not _ASK_USER_NAMES & set(config.available_tools):
        return tools
    if _ASK_USER_NAMES & set(config.excluded_tools):
        return tools
    return {**tools, ASK_USER: ask_user_tool(handler, emit)}
