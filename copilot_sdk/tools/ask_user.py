"""The built-in ``ask_user`` tool: the model asks the user a question through the
session's ``on_user_input_request`` handler, as in the official SDK.

The handler is called as ``handler(request, invocation)`` (or ``handler(request)``)
with ``request = {"question": str, "choices": [str, ...], "allowFreeform": bool}``
(``choices`` only when the model offered some) and ``invocation = {"session_id":
...}``; it may be ``async def``. It returns ``{"answer": str, "wasFreeform": bool}``
(a plain str is taken as a freeform answer). The model receives the answer text.
Around the call the tool emits ``user_input.requested`` and
``user_input.completed`` (on the tool's thread). A handler that raises, or returns
something without an answer, gives the model a failure result; the details are logged.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Dict, List, Mapping, Optional

from ..events import UserInputCompletedData, UserInputRequestedData, new_id
from .asyncrun import run_awaitable, takes_invocation
from .define import Tool
from .result import ToolInvocation, ToolResult, failure

logger = logging.getLogger("copilot_sdk.tools")

__all__ = ["ASK_USER", "ask_user_tool"]

ASK_USER = "ask_user"

_DESCRIPTION = (
    "Ask the user a question and wait for the answer. Use it when you need a decision "
    "or information only the user has. Offer choices when there are a few obvious answers."
)

_PARAMETERS: Mapping[str, Any] = {
    "type": "object",
    "properties": {
        "question": {"type": "string", "description": "The question to ask the user."},
        "choices": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Answers the user may pick from (optional).",
        },
        "allow_freeform": {
            "type": "boolean",
            "description": "Whether the user may answer in their own words (default true).",
        },
    },
    "required": ["question"],
}


def ask_user_tool(handler: Callable[..., Any], emit: Callable[[str, Any], Any]) -> Tool:
    """The ``ask_user`` Tool calling ``handler``; ``emit(type, data)`` gets its events."""

    def run(invocation: ToolInvocation) -> ToolResult:
        args = invocation.arguments if isinstance(invocation.arguments, dict) else {}
        question = str(args.get("question", ""))
        choices: Optional[List[str]] = None
        if isinstance(args.get("choices"), list) and args["choices"]:
            choices = [str(choice) for choice in args["choices"]]
        freeform = args.get("allow_freeform")
        allow_freeform = True if freeform is None else bool(freeform)
        request: Dict[str, Any] = {"question": question, "allowFreeform": allow_freeform}
        if choices is not None:
            request["choices"] = choices
        request_id = new_id()
        emit(
            "user_input.requested",
            UserInputRequestedData(
                request_id=request_id,
                question=question,
                choices=tuple(choices) if choices else None,
                allow_freeform=allow_freeform,
                tool_call_id=invocation.tool_call_id,
            ),
        )
        answer: Optional[str] = None
        was_freeform: Optional[bool] = None
        try:
            reply = _call(handler, request, invocation.session_id)
            if isinstance(reply, str):
                answer, was_freeform = reply, True
            elif isinstance(reply, Mapping) and isinstance(reply.get("answer"), str):
                answer = reply["answer"]
                flag = reply.get("wasFreeform", reply.get("was_freeform"))
                was_freeform = bool(flag) if flag is not None else choices is None or answer not in choices
            else:
                logger.error(
                    "on_user_input_request returned %r, not {'answer': str, ...}", type(reply).__name__
                )
        except Exception:
            logger.exception("on_user_input_request raised (session %r)", invocation.session_id)
        emit(
            "user_input.completed",
            UserInputCompletedData(
                request_id=request_id,
                answer=answer,
                was_freeform=was_freeform,
            ),
        )
        if answer is None:
            return failure(
                "The user could not be asked: no answer was given.", "on_user_input_request failed"
            )
        return ToolResult(answer)

    return Tool(name=ASK_USER, description=_DESCRIPTION, parameters=dict(_PARAMETERS), handler=run)


def _call(handler: Callable[..., Any], request: Dict[str, Any], session_id: str) -> Any:
    if takes_invocation(handler):
        return run_awaitable(handler(request, {"session_id": session_id}))
    return run_awaitable(handler(request))
