"""An MCP server's tools as :class:`~copilot_sdk.tools.agent.AgentTool`\\ s named
``<server>-<tool>``, and their results as text for the model."""

from __future__ import annotations

import concurrent.futures
import json
import re
from typing import Any, Callable, Dict, List, Mapping

from ...errors import ToolError
from ..agent import AgentTool, PermissionAsk, current_context
from ..result import ToolBinaryResult, ToolInvocation, ToolResult
from .connection import McpConnection, describe_error

__all__ = ["make_tools", "result_text"]

_INVALID = re.compile(r"[^A-Za-z0-9_-]")
_GRACE = 5.0  # seconds beyond the call's own timeout before the bridge gives up


def _tool_name(server: str, tool: str) -> str:
    return _INVALID.sub("_", f"{server}-{tool}")[:64]


def result_text(result: Any) -> str:
    """A ``CallToolResult``'s content as the model's text: text parts as they are,
    images and audio as a line naming their type and size, resources by their text
    or URI, and the structured content as JSON when no text part carries it."""
    parts: List[str] = []
    for block in getattr(result, "content", None) or ():
        kind = getattr(block, "type", None)
        if kind == "text":
            parts.append(block.text)
        elif kind in ("image", "audio"):
            size = len(block.data) * 3 // 4 - block.data[-2:].count("=")  # base64
            parts.append(f"[{kind} {block.mimeType}, {size} bytes]")
        elif kind == "resource":
            resource = block.resource
            text = getattr(resource, "text", None)
            parts.append(text if text is not None else f"[resource {resource.uri} ({resource.mimeType})]")
        elif kind == "resource_link":
            parts.append(f"[resource {block.uri}: {getattr(block, 'name', '')}]")
    structured = getattr(result, "structuredContent", None)
    if structured is not None and not any(getattr(b, "type", None) == "text" for b in result.content or ()):
        parts.append(json.dumps(structured, ensure_ascii=False))  # text, when there is some, says it
    return "\n".join(parts)


def make_tools(
    connection: McpConnection,
    tools: List[Any],
    submit: Callable[[Any], concurrent.futures.Future[Any]],
) -> Dict[str, AgentTool]:
    """The AgentTools for ``tools`` (``mcp.types.Tool``) that the server's
    ``tools`` filter lets through."""
    config = connection.config
    made: Dict[str, AgentTool] = {}
    for tool in tools:
        if not config.offers(tool.name):
            continue
        name = _tool_name(config.name, tool.name)
        schema = dict(tool.inputSchema or {}) or {"type": "object", "properties": {}}
        schema.setdefault("type", "object")
        schema.setdefault("properties", {})
        made[name] = AgentTool(
            name=name,
            description=tool.description or getattr(tool, "title", None) or "",
            parameters=schema,
            handler=_Handler(connection, tool.name, submit),
            permission=_permission(config.name, tool.name, _read_only(tool)),
            source="mcp",
        )
    return made


def _read_only(tool: Any) -> bool:
    return bool(getattr(getattr(tool, "annotations", None), "readOnlyHint", False))


def _permission(server: str, tool: str, read_only: bool) -> Callable[[Mapping[str, Any]], PermissionAsk]:
    def permission(arguments: Mapping[str, Any]) -> PermissionAsk:
        return PermissionAsk(
            kind="mcp",
            default_allowed=True,
            server_name=server,
            intention=f"Call {tool} on the MCP server {server}" + (" (read-only)" if read_only else ""),
        )

    return permission


class _Handler:
    """Runs one tool call on the MCP loop and waits for it on the calling thread;
    an abort of the turn cancels the call in flight."""

    def __init__(
        self, connection: McpConnection, tool: str, submit: Callable[[Any], concurrent.futures.Future[Any]]
    ) -> None:
        self.connection = connection
        self.tool = tool
        self.submit = submit
        self.server_tool = (connection.config.name, tool)

    def __repr__(self) -> str:
        return f"<MCP tool {self.tool!r} of server {self.connection.config.name!r}>"

    def __call__(self, invocation: ToolInvocation) -> ToolResult:
        config = self.connection.config
        context = current_context()
        timeout = config.timeout_ms / 1000
        meta = context.mcp_meta
        try:
            future = self.submit(self.connection.call(self.tool, invocation.arguments, meta, timeout))
        except RuntimeError as exc:
            raise ToolError(f"MCP server {config.name!r} is not running: {exc}") from None
        unregister = context.cancel.add_callback(lambda: None if future.cancel() else None)
        try:
            result = future.result(timeout + _GRACE)
        except concurrent.futures.CancelledError:
            raise ToolError(f"The call of {self.tool} on MCP server {config.name!r} was cancelled") from None
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise ToolError(
                f"MCP server {config.name!r} did not answer {self.tool} within {timeout:g} s"
            ) from None
        except Exception as exc:
            text = describe_error(exc)
            if _connection_lost(exc):
                self.connection.fail(f"lost the connection: {text}")
            raise ToolError(f"MCP server {config.name!r} failed to run {self.tool}: {text}") from None
        finally:
            unregister()
        text = result_text(result)
        if getattr(result, "isError", False):
            return ToolResult(text or f"{self.tool} failed", result_type="failure", error=text or None)
        return ToolResult(text, binary_results_for_llm=_images(result) or None)


def _images(result: Any) -> List[ToolBinaryResult]:
    """The image parts of a ``CallToolResult``, as binary results for the model."""
    return [
        ToolBinaryResult(data=block.data, mime_type=block.mimeType, type="image", description="an image")
        for block in result.content or ()
        if getattr(block, "type", None) == "image"
    ]


def _connection_lost(exc: BaseException) -> bool:
    text = describe_error(exc).lower()
    return any(
        word in text for word in ("connection closed", "closedresource", "brokenresource", "not running")
    )
