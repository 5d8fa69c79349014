"""What a tool gets and gives: :class:`ToolInvocation` and :class:`ToolResult`, and
how a handler's return value becomes the text the model reads."""

from __future__ import annotations

import base64
import dataclasses
import datetime as _dt
import enum
import json
import pathlib
import re
from typing import Any, Dict, Literal, Mapping, Optional, Sequence, Tuple, Union

import attrs

__all__ = ["RESULT_TYPES", "ToolBinaryResult", "ToolInvocation", "ToolResult", "failure", "to_tool_result"]

RESULT_TYPES = ("success", "failure", "denied", "rejected", "timeout")
ToolResultType = Literal["success", "failure", "denied", "rejected", "timeout"]


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


def _data_base64(value: Union[str, bytes]) -> str:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if not isinstance(value, str):
        raise TypeError(f"ToolBinaryResult data must be base64 str or bytes, not {type(value).__name__}")
    return value


@attrs.frozen(kw_only=True)
class ToolBinaryResult:
    """Binary content a tool returns, e.g. an image it produced (the official
    SDK's shape). Images go to the model as an image where the wire format allows.

    Attributes:
        data: the content, base64 (bytes are encoded).
        mime_type: e.g. "image/png".
        type: "image" or "resource".
        description: what it is (shown to the model where an image cannot be).
    """

    data: str = attrs.field(converter=_data_base64, repr=lambda d: f"<{len(d)} base64 characters>")
    mime_type: str = attrs.field(validator=attrs.validators.instance_of(str))
    type: Literal["image", "resource"] = attrs.field(default="image")
    description: str = ""


def _binaries(value: Optional[Sequence[Any]]) -> Optional[Tuple[ToolBinaryResult, ...]]:
    if value is None:
        return None
    items = []
    for item in value:
        if isinstance(item, Mapping):  # the official camelCase dict form
            item = ToolBinaryResult(
                data=item.get("data", ""), mime_type=item.get("mimeType", item.get("mime_type", "")),
                type=item.get("type", "image"), description=item.get("description") or "",
            )
        if not isinstance(item, ToolBinaryResult):
            raise TypeError(f"binary_results_for_llm items must be ToolBinaryResult: {type(item).__name__}")
        items.append(item)
    return tuple(items) or None


@attrs.frozen
class ToolResult:
    """What a tool call returns to the model; the official SDK's fields.

    Attributes:
        text_result_for_llm: the text the model receives (lone surrogates, which
            no store or request can carry, become U+FFFD).
        result_type: "success", "failure", "denied", "rejected" or "timeout".
        error: a developer-facing detail (in ``tool.execution_complete``, never
            sent to the model).
        binary_results_for_llm: images (or other binary content) for the model.
        session_log: a line for the session's log (kept in ``tool.execution_complete``).
        tool_telemetry, tool_references: carried as given (not sent to the model).
    """

    text_result_for_llm: str = attrs.field(
        default="", converter=_safe_text, validator=attrs.validators.instance_of(str)
    )
    result_type: ToolResultType = attrs.field(default="success", kw_only=True, validator=_check_result_type)
    error: Optional[str] = attrs.field(default=None, kw_only=True, converter=_safe_text)
    binary_results_for_llm: Optional[Tuple[ToolBinaryResult, ...]] = attrs.field(
        default=None, kw_only=True, converter=_binaries
    )
    session_log: Optional[str] = attrs.field(default=None, kw_only=True)
    tool_telemetry: Optional[Dict[str, Any]] = attrs.field(default=None, kw_only=True, eq=False)
    tool_references: Optional[Tuple[str, ...]] = attrs.field(
        default=None, kw_only=True, converter=attrs.converters.optional(tuple)
    )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ToolResult:
        """The official camelCase dict form (``textResultForLlm``, ``resultType``,
        ``error``, ``binaryResultsForLlm``, ``sessionLog``...)."""
        return cls(
            data.get("textResultForLlm", ""), result_type=data.get("resultType", "success"),
            error=data.get("error"), binary_results_for_llm=data.get("binaryResultsForLlm"),
            session_log=data.get("sessionLog"), tool_telemetry=data.get("toolTelemetry"),
            tool_references=data.get("toolReferences"),
        )

    @property
    def success(self) -> bool:
        """True for a "success" result."""
        return self.result_type == "success"


def _json_default(value: Any) -> Any:
    if attrs.has(type(value)):
        return attrs.asdict(value, recurse=False)
    if callable(getattr(value, "model_dump", None)):  # a pydantic model
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
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
    if isinstance(value, Mapping) and "textResultForLlm" in value:
        return ToolResult.from_dict(value)
    if isinstance(value, str):
        return ToolResult(value)
    if value is None:
        return ToolResult("")
    return ToolResult(json.dumps(value, default=_json_default, ensure_ascii=False))


def failure(text: str, error: Optional[str] = None, *, result_type: ToolResultType = "failure") -> ToolResult:
    """A failed result: ``text`` for the model, ``error`` for the developer."""
    return ToolResult(text, result_type=result_type, error=error or text)
