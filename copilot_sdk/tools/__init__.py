"""Tools: Python functions the model may call, run by the client.

Two ways to make a :class:`Tool`:

* :func:`define_tool` builds one from a typed function: the name comes from the
  function, the description from the docstring (or ``description=``), and the JSON
  Schema of the parameters from the type hints (see ``copilot_sdk.tools.schema`` for the
  supported types). The function receives its arguments converted to the annotated
  types, e.g. an attrs-class parameter arrives as an instance. The resulting Tool
  stays callable like the original function.
* ``Tool(name=..., description=..., parameters=..., handler=...)`` is the low-level
  form: ``handler(ToolInvocation)`` gets the raw JSON arguments.

Tool failures are data for the model, details are for the developer: a
:class:`~copilot_sdk.ToolError` sends its message to the model; arguments that do
not fit the schema send ``field: problem`` lines so the model can correct itself;
any other exception sends a generic ``Tool 'x' failed`` message (no traceback) and
is logged on the ``copilot_sdk.tools`` logger.

A handler may return a str (sent as is), a :class:`ToolResult`, None (sent as an
empty string), or anything JSON can carry: dicts, lists, numbers, attrs instances,
Enums (their value), dates (ISO 8601) and paths.
"""

from __future__ import annotations

from ..errors import ToolError
from .define import Tool, define_tool
from .permissions import PermissionHandler, PermissionRequest, PermissionRequestHandler, SessionHooks
from .result import ToolBinaryResult, ToolInvocation, ToolResult

__all__ = [
    "PermissionHandler",
    "PermissionRequest",
    "PermissionRequestHandler",
    "SessionHooks",
    "Tool",
    "ToolBinaryResult",
    "ToolError",
    "ToolInvocation",
    "ToolResult",
    "define_tool",
]
