"""One tool round: run the tool calls the model asked for, emit their events, and
return their results in call order. Failures are results for the model, not errors."""

from __future__ import annotations

import logging
from concurrent.futures import Executor
from typing import Any, Callable, List, Mapping, Sequence

from ._cancel import CancelToken
from .errors import AbortedError
from .events import (
    SessionEvent,
    ToolExecutionCompleteData,
    ToolExecutionStartData,
    ToolRequest,
)
from .tools import Tool, ToolInvocation, ToolResult
from .types import SessionConfig

logger = logging.getLogger("copilot_sdk.tools")


def run_tool_round(
    requests: Sequence[ToolRequest],
    *,
    tools: Mapping[str, Tool],
    session_id: str,
    config: SessionConfig,
    executor: Callable[[], Executor],
    record: Callable[[str, Any], SessionEvent],
    cancel: CancelToken,
) -> List[ToolExecutionCompleteData]:
    """Run ``requests`` and return one completion per request, in call order."""
    results: List[ToolExecutionCompleteData] = []
    for request in requests:
        if cancel.cancelled:
            raise AbortedError("the turn was aborted while running tools")
        record(
            "tool.execution_start",
            ToolExecutionStartData(
                tool_call_id=request.tool_call_id,
                tool_name=request.name,
                arguments=request.arguments,
            ),
        )
        tool = tools.get(request.name)
        if tool is None:
            result = ToolResult(
                text_result_for_llm=f"Tool '{request.name}' does not exist.",
                result_type="failure",
                error=f"unknown tool {request.name!r}",
            )
        else:
            result = tool.invoke(
                ToolInvocation(
                    session_id=session_id,
                    tool_call_id=request.tool_call_id,
                    tool_name=request.name,
                    arguments=request.arguments,
                )
            )
        if cancel.cancelled:
            raise AbortedError("the turn was aborted while running tools")
        data = ToolExecutionCompleteData(
            tool_call_id=request.tool_call_id,
            success=result.success,
            result=result.text_result_for_llm,
            error=result.error if not result.success else None,
            tool_name=request.name,
        )
        record("tool.execution_complete", data)
        results.append(data)
    return results
