"""What a tool gets and gives: :class:`ToolInvocation` and :class:`ToolResult`, and
how a handler's return value becomes the text the model reads."""

from __future__ import annotations

import datetime as _dt
import enum
import json
import pathlib
import re
from typing import Any, Optional

import attrs

__all__ = ["RESULT_TYPES", "ToolInvocation", "ToolResult", "failure", "to_tool_result"]

RESULT_TYPES = ("success", "failure", "denied", "rejected")


@attrs.frozen(kw_only=True)
class ToolInvocation:
    """One call of a tool by the model, as its handler sees it.

    Attributes:
        session_id: the session whose turn asked for the call.
        tool_call_id: the model's id for this call.
        tool_name: the tool's name.
        arguments: the arguments: a dict (the parsed JSON object).
    """

    session_id: str
    tool_call_id: str
    tool_name: str
    arguments: Any


_SURROGATE = re.compile("[\ud800-\udfff]")


def _safe_text(value: Any) -> Any:
    """A str with its lone surrogates (not encodable, so not storable) as U+FFFD."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return _SURROGATE.sub("\ufffd", value)
    return value


def _check_result_type(_inst: object, _attr: object, value: Any) -> None:
    if value not in RESULT_TYPES:
        raise ValueError(f"result_type must be one of {', '.join(RESULT_TYPES)}; got {value!r}")


@attrs.frozen
class ToolResult:
    """What a tool call returns to the model.

    Attributes:
        text_result_for_llm: the text the model receives (lone surrogates, which
            no store or request can carry, become U+FFFD).
        result_type: "success", "failure", "denied" or "rejected".
        error: a developer-facing detail (in ``tool.execution_complete``, never
            sent to the model).
    """

    text_result_for_llm: str = attrs.field(
        converter=_safe_text, validator=attrs.validators.instance_of(str)
    )
    result_type: str = attrs.field(default="success", kw_only=True, validator=_check_result_type)
    error: Optional[str] = attrs.field(default=None, kw_only=True, converter=_safe_text)

    @property
    def success(self) -> bool:
        """True for a "success" result."""
        return self.result_type == "success"


def _json_default(value: Any) -> Any:
    if attrs.has(type(value)):
        return attrs.asdict(value, recurse=False)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, pathlib.PurePath):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def to_tool_result(value: Any) -> ToolResult:
    """A handler's return value as a ToolResult: str as is, None as "", anything
    else as JSON.

    Raises:
        TypeError: the value cannot be written as JSON.
    """
    if isinstance(value, ToolResult):
        return value
    if isinstance(value, str):
        return ToolResult(value)
    if value is None:
        return ToolResult("")
    return ToolResult(json.dumps(value, default=_json_default, ensure_ascii=False))


def failure(text: str, error: Optional[str] = None, *, result_type: str = "failure") -> ToolResult:
    """A failed result: ``text`` for the model, ``error`` for the developer."""
    return ToolResult(text, result_type=result_type, error=error or text)
