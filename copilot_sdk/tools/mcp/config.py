"""``SessionConfig.mcp_servers``: the official shapes, checked and frozen.

Local servers: ``{"type": "local" | "stdio", "command": str, "args": [...],
"env": {...}, "working_directory": str}``; remote ones: ``{"type": "http" | "sse",
"url": str, "headers": {...}}``; each with ``tools`` (``["*"]`` for all, the
default) and ``timeout`` (milliseconds per call, default 60 000). Plain data: this
module does not need the ``mcp`` package.
"""

from __future__ import annotations

import re
from typing import Any, Mapping, Optional, Tuple

import attrs

__all__ = ["DEFAULT_CALL_TIMEOUT_MS", "START_TIMEOUT", "McpServerConfig", "parse_mcp_servers"]

DEFAULT_CALL_TIMEOUT_MS = 60_000
START_TIMEOUT = 30.0  # seconds to start a server and list its tools
_NAME_RE = re.compile(r"[A-Za-z0-9_]{1,40}")
_TYPES = {"local": "stdio", "stdio": "stdio", "http": "http", "sse": "sse"}
_KEYS = {
    "stdio": {"type", "command", "args", "env", "working_directory", "cwd", "tools", "timeout"},
    "http": {"type", "url", "headers", "tools", "timeout"},
    "sse": {"type", "url", "headers", "tools", "timeout"},
}


def _pairs(value: Optional[Mapping[str, Any]]) -> Tuple[Tuple[str, str], ...]:
    return tuple(sorted((value or {}).items()))


@attrs.frozen(kw_only=True)
class McpServerConfig:
    """One MCP server as a session names it. Equal configs share one running
    server. Header and environment values are kept out of ``repr()``.

    Attributes:
        name: the key in ``mcp_servers``; its tools are offered as ``<name>-<tool>``.
        type: "stdio" (also for "local"), "http" (streamable HTTP) or "sse".
        command, args, env, working_directory: how to start a local server.
        url, headers: where a remote server is.
        tools: the server's tools to offer; ``("*",)`` for all.
        timeout_ms: longest wait for one call, milliseconds.
    """

    name: str
    type: str
    command: Optional[str] = None
    args: Tuple[str, ...] = ()
    env: Tuple[Tuple[str, str], ...] = attrs.field(default=(), repr=lambda v: f"<{len(v)} variables>")
    working_directory: Optional[str] = None
    url: Optional[str] = None
    headers: Tuple[Tuple[str, str], ...] = attrs.field(default=(), repr=lambda v: f"<{len(v)} headers>")
    tools: Tuple[str, ...] = ("*",)
    timeout_ms: int = DEFAULT_CALL_TIMEOUT_MS

    def offers(self, tool: str) -> bool:
        """True if ``tools`` lets the server's tool ``tool`` through."""
        return "*" in self.tools or tool in self.tools


def _str_map(where: str, value: Any) -> Mapping[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise TypeError(f"{where} must be a mapping of str to str")
    return value


def _one(name: Any, raw: Any) -> McpServerConfig:
    where = f"mcp_servers[{name!r}]"
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
        raise ValueError(
            f"{where}: a server name is 1-40 ASCII letters, digits and '_' (tools are <name>-<tool>)"
        )
    if isinstance(raw, McpServerConfig):
        return attrs.evolve(raw, name=name)
    if not isinstance(raw, Mapping):
        raise TypeError(f"{where} must be a dict, not {type(raw).__name__}")
    kind = raw.get("type") or ("stdio" if "command" in raw else "http" if "url" in raw else None)
    if kind not in _TYPES:
        raise ValueError(f"{where}: 'type' must be 'local', 'stdio', 'http' or 'sse', got {kind!r}")
    kind = _TYPES[kind]
    unknown = sorted(set(raw) - _KEYS[kind])
    if unknown:
        raise TypeError(f"{where}: unknown key(s) for a {kind} server: {', '.join(unknown)}")
    tools = raw.get("tools", ["*"])
    if (
        isinstance(tools, str)
        or not isinstance(tools, (list, tuple))
        or not all(isinstance(t, str) for t in tools)
    ):
        raise TypeError(f"{where}: 'tools' must be a list of tool names ([\"*\"] for all)")
    timeout = raw.get("timeout", DEFAULT_CALL_TIMEOUT_MS)
    if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout < 1:
        raise ValueError(f"{where}: 'timeout' must be a positive int (milliseconds), got {timeout!r}")
    common: dict[str, Any] = {"name": name, "type": kind, "tools": tuple(tools), "timeout_ms": timeout}
    if kind == "stdio":
        command, args = raw.get("command"), raw.get("args", [])
        if not isinstance(command, str) or not command:
            raise ValueError(f"{where}: a local server needs 'command' (a str)")
        if (
            isinstance(args, str)
            or not isinstance(args, (list, tuple))
            or not all(isinstance(a, str) for a in args)
        ):
            raise TypeError(f"{where}: 'args' must be a list of str")
        cwd = raw.get("working_directory", raw.get("cwd"))
        if cwd is not None and not isinstance(cwd, str):
            raise TypeError(f"{where}: 'working_directory' must be a str")
        return McpServerConfig(
            command=command,
            args=tuple(args),
            env=_pairs(_str_map(f"{where}['env']", raw.get("env"))),
            working_directory=cwd,
            **common,
        )
    url = raw.get("url")
    if not isinstance(url, str) or not re.match(r"https?://", url):
        raise ValueError(f"{where}: a remote server needs 'url' (http:// or https://)")
    return McpServerConfig(
        url=url, headers=_pairs(_str_map(f"{where}['headers']", raw.get("headers"))), **common
    )


def parse_mcp_servers(value: Any) -> Tuple[McpServerConfig, ...]:
    """``mcp_servers`` (a mapping of name to config dict) as checked configs.

    Raises:
        TypeError, ValueError: naming the server and the key at fault.
    """
    if value is None:
        return ()
    if isinstance(value, (tuple, list)) and all(isinstance(v, McpServerConfig) for v in value):
        return tuple(value)
    if not isinstance(value, Mapping):
        raise TypeError(f"mcp_servers must be a dict of server name to config, not {type(value).__name__}")
    return tuple(_one(name, raw) for name, raw in value.items())
