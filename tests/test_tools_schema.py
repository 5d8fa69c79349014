"""define_tool and Tool: JSON Schema from type hints, argument conversion, results.

No server needed: these exercise the definitions and the handler directly."""

from __future__ import annotations

import enum
import logging
from typing import Annotated, Any, Dict, List, Literal, Optional, Union

import attrs
import jsonschema
import pytest

from copilot_sdk import Tool, ToolError, ToolInvocation, ToolResult, define_tool
from copilot_sdk.tools import SessionHooks
from copilot_sdk.tools.define import validate_tools


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


@attrs.define
class Point:
    """A point on the plane.

    Attributes:
        x: the horizontal coordinate.
    """

    x: float
    y: Annotated[float, "the vertical coordinate"] = 0.0


@attrs.frozen
class Shape:
    name: str
    points: List[Point]
    color: Color = Color.RED
    tags: Dict[str, str] = attrs.field(factory=dict, metadata={"description": "free labels"})


@attrs.define
class Positive:
    value: int = attrs.field(validator=attrs.validators.gt(0))


@attrs.define
class Node:
    child: Optional[Node] = None


def invocation(arguments: Any, name: str = "t") -> ToolInvocation:
    return ToolInvocation(session_id="s", tool_call_id="c1", tool_name=name, arguments=arguments)


_EMPTY = object()


def schema_of(annotation: Any, default: Any = _EMPTY) -> Dict[str, Any]:
    """The schema of a one-parameter tool whose parameter ``p`` has ``annotation``."""
    if default is _EMPTY:
        def fn(p):  # type: ignore[no-untyped-def]
            return p
    else:
        def fn(p=default):  # type: ignore[no-untyped-def]
            return p
    fn.__annotations__ = {"p": annotation}
    parameters = define_tool(fn).parameters
    return dict(parameters["properties"]["p"])


# -- schemas -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("annotation", "expected"),
    [
        (str, {"type": "string"}),
        (int, {"type": "integer"}),
        (float, {"type": "number"}),
        (bool, {"type": "boolean"}),
        (None, {"type": "null"}),
        (type(None), {"type": "null"}),
        (Any, {}),
        (list, {"type": "array"}),
        (List[int], {"type": "array", "items": {"type": "integer"}}),
        (list[str], {"type": "array", "items": {"type": "string"}}),
        (list[list[bool]], {"type": "array", "items": {"type": "array", "items": {"type": "boolean"}}}),
        (dict, {"type": "object"}),
        (dict[str, int], {"type": "object", "additionalProperties": {"type": "integer"}}),
        (Dict[str, Any], {"type": "object"}),
        (Optional[int], {"anyOf": [{"type": "integer"}, {"type": "null"}]}),
        (int | None, {"anyOf": [{"type": "integer"}, {"type": "null"}]}),
        (Union[int, str], {"anyOf": [{"type": "integer"}, {"type": "string"}]}),
        (Literal["a", "b"], {"type": "string", "enum": ["a", "b"]}),
        (Literal[1, 2], {"type": "integer", "enum": [1, 2]}),
        (Literal["a", 1], {"enum": ["a", 1]}),
        (Color, {"type": "string", "enum": ["red", "green"]}),
        (Level, {"type": "integer", "enum": [1, 2]}),
        (Annotated[int, "how many"], {"type": "integer", "description": "how many"}),
        (Annotated[int, 42], {"type": "integer"}),  # non-str metadata is ignored
        (
            Point,
            {
                "type": "object",
                "properties": {
                    "x": {"type": "number", "description": "the horizontal coordinate."},
                    "y": {"type": "number", "description": "the vertical coordinate", "default": 0.0},
                },
                "required": ["x"],
                "description": "A point on the plane.",
            },
        ),
    ],
)
def test_schema_for_each_supported_type(annotation: Any, expected: Dict[str, Any]) -> None:
    assert schema_of(annotation) == expected
    jsonschema.Draft202012Validator.check_schema(expected)


def test_nested_attrs_classes_inline_with_defaults_and_metadata() -> None:
    point = schema_of(Point)
    assert schema_of(Shape) == {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "points": {"type": "array", "items": point},
            "color": {"type": "string", "enum": ["red", "green"], "default": "red"},
            "tags": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "description": "free labels",
            },
        },
        "required": ["name", "points"],
    }


def test_full_function_schema_defaults_docstring_and_annotated() -> None:
    @define_tool
    def search(
        query: Annotated[str, "what to look for"],
        limit: int = 10,
        unit: Optional[Literal["km", "mi"]] = None,
        exact: bool = False,
    ) -> List[str]:
        """Search the catalogue.

        Returns the matching titles.

        Args:
            query: ignored: Annotated wins.
            limit: at most this many
                results.
            unit (str): the distance unit.

        Returns:
            A list of titles.
        """
        return []

    assert search.name == "search"
    assert search.description == "Search the catalogue.\n\nReturns the matching titles."
    assert search.parameters == {
        "type": "object",
        "properties": {
            "query": {"type": "string", "description": "what to look for"},
            "limit": {"type": "integer", "description": "at most this many results.", "default": 10},
            "unit": {
                "anyOf": [{"type": "string", "enum": ["km", "mi"]}, {"type": "null"}],
                "description": "the distance unit.",
                "default": None,
            },
            "exact": {"type": "boolean", "default": False},
        },
        "required": ["query"],
    }


def test_no_parameters_declares_exactly_an_empty_object() -> None:
    @define_tool
    def now() -> str:
        return "noon"

    assert now.parameters == {"type": "object", "properties": {}}
    assert now.description == ""


def test_define_tool_with_arguments_and_invocation_parameter() -> None:
    @define_tool(name="lookup-user", description="Find a user.")
    def find(user_id: int, invocation: ToolInvocation) -> str:
        """Not this docstring."""
        return f"{user_id} via {invocation.tool_call_id}"

    assert isinstance(find, Tool)
    assert (find.name, find.description) == ("lookup-user", "Find a user.")
    assert find.parameters == {
        "type": "object",
        "properties": {"user_id": {"type": "integer"}},
        "required": ["user_id"],
    }
    assert find.invoke(invocation({"user_id": 7})) == ToolResult("7 via c1")


class Opaque:
    pass


class TupleValued(enum.Enum):
    A = (1, 2)


@pytest.mark.parametrize(
    ("annotation", "shown"),
    [
        (Opaque, "Opaque"),
        (set, "set"),
        (tuple[int, int], "tuple[int, int]"),
        (dict[int, str], "dict[int, str]"),
        (bytes, "bytes"),
        (TupleValued, "TupleValued"),
    ],
)
def test_unsupported_annotation_is_a_type_error_naming_parameter_and_type(
    annotation: Any, shown: str
) -> None:
    with pytest.raises(TypeError) as info:
        schema_of(annotation)
    assert "parameter 'p' of tool 'fn'" in str(info.value)
    assert shown in str(info.value)


@attrs.define
class Bad:
    when: Opaque


def test_unsupported_field_in_nested_attrs_class_is_named() -> None:
    def fn(p: Bad) -> None: ...

    with pytest.raises(TypeError, match=r"field 'when' of .*Bad.*parameter 'p' of tool 'fn'.*Opaque"):
        define_tool(fn)


def test_other_definition_errors() -> None:
    def untyped(x):  # type: ignore[no-untyped-def]
        return x

    with pytest.raises(TypeError, match=r"parameter 'x' of tool 'untyped': no type annotation"):
        define_tool(untyped)

    def star(*args: int) -> None: ...

    with pytest.raises(TypeError, match="variadic positional parameters are not supported"):
        define_tool(star)

    with pytest.raises(TypeError, match="recursive attrs class"):
        schema_of(Node)

    with pytest.raises(ValueError, match="Tool name '<lambda>' is invalid"):
        define_tool(lambda: None)


@pytest.mark.parametrize("name", ["", "a" * 65, "has space", "dot.name", "ünicode"])
def test_tool_name_is_validated(name: str) -> None:
    with pytest.raises(ValueError, match="Tool name .* is invalid: use 1-64 ASCII letters"):
        Tool(name=name, handler=lambda inv: "x")


def test_tool_low_level_form_and_its_checks() -> None:
    tool = Tool(name="echo_1-x", handler=lambda inv: inv.arguments)
    assert tool.parameters == {"type": "object", "properties": {}}
    assert tool.description == ""
    assert tool.invoke(invocation({"a": [1, 2]})) == ToolResult('{"a": [1, 2]}')
    assert Tool(name="a" * 64, handler=print).name == "a" * 64
    with pytest.raises(TypeError, match="handler must be callable"):
        Tool(name="x", handler="nope")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="of type 'object'"):
        Tool(name="x", parameters={"type": "string"}, handler=print)
    with pytest.raises(TypeError, match="was not made by define_tool"):
        Tool(name="x", handler=print)("called")


def test_duplicate_and_foreign_tools_are_refused() -> None:
    a = Tool(name="a", handler=print)
    assert validate_tools([a]) == (a,)
    with pytest.raises(ValueError, match="duplicate tool name 'a'"):
        validate_tools([a, Tool(name="a", handler=repr)])
    with pytest.raises(TypeError, match=r"tools\[1\] must be a Tool"):
        validate_tools([a, print])  # type: ignore[list-item]


# -- conversion and direct calls ------------------------------------------------------
def test_arguments_arrive_converted_to_the_annotated_types() -> None:
    seen: Dict[str, Any] = {}

    @define_tool
    def draw(shape: Shape, color: Color, level: Level, scale: float, shapes: List[Shape] = ()) -> str:  # type: ignore[assignment]
        seen.update(shape=shape, color=color, level=level, scale=scale, shapes=shapes)
        return "ok"

    shape = {"name": "tri", "points": [{"x": 1, "y": 2}, {"x": 3}], "color": "green"}
    arguments = {"shape": shape, "color": "red", "level": 2, "scale": 2, "shapes": [shape]}
    result = draw.invoke(invocation(arguments))
    assert result == ToolResult("ok")
    expected = Shape(name="tri", points=[Point(1.0, 2.0), Point(3.0)], color=Color.GREEN)
    assert seen == {
        "shape": expected, "color": Color.RED, "level": Level.HIGH, "scale": 2.0, "shapes": [expected]
    }
    assert type(seen["scale"]) is float and type(seen["shape"].points[0].x) is float


def test_defaults_apply_and_null_means_default() -> None:
    @define_tool
    def pick(n: int = 3, label: Optional[str] = "x") -> str:
        return f"{n}-{label}"

    assert pick.invoke(invocation({})).text_result_for_llm == "3-x"
    assert pick.invoke(invocation({"n": None})).text_result_for_llm == "3-x"
    assert pick.invoke(invocation({"label": None})).text_result_for_llm == "3-None"
    assert pick.invoke(invocation({"n": 4.0})).text_result_for_llm == "4-x"


def test_validation_failures_are_field_problem_lines() -> None:
    @define_tool
    def count(name: str, count: int, mode: Literal["a", "b"], point: Point, ok: bool = True) -> str:
        return "never"

    result = count.invoke(invocation({"count": "abc", "mode": "c", "point": {"y": "q"}, "ok": 1}))
    assert result.result_type == "failure" and not result.success
    assert result.text_result_for_llm.splitlines() == [
        "Invalid arguments for tool 'count':",
        "name: required",
        "count: expected integer, got 'abc'",
        "mode: expected one of 'a', 'b', got 'c'",
        "point.x: required",
        "point.y: expected number, got 'q'",
        "ok: expected boolean, got 1",
    ]
    assert count.check_arguments({"name": "n", "count": True, "mode": "a", "point": {"x": 1}}) == [
        "count: expected integer, got true"
    ]


def test_attrs_validator_and_container_problems() -> None:
    @define_tool
    def store(item: Positive, items: List[int], tags: Dict[str, int], color: Color) -> str:
        return "never"

    problems = store.check_arguments(
        {"item": {"value": -1}, "items": [1, "2"], "tags": {"a": 1, "b": []}, "color": "blue"}
    )
    assert problems[0].startswith("item: 'value' must be > 0")
    assert problems[1:] == [
        "items[1]: expected integer, got '2'",
        "tags.b: expected integer, got an array",
        "color: expected one of 'red', 'green', got 'blue'",
    ]
    assert store.check_arguments([1]) == ["arguments: expected object, got an array"]


def test_low_level_tool_arguments_are_checked_against_its_schema() -> None:
    schema = {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "days": {"type": "integer", "enum": [1, 3]},
            "spots": {"type": "array", "items": {"$ref": "#/$defs/spot"}},
        },
        "required": ["city"],
        "additionalProperties": False,
        "$defs": {"spot": {"type": "object", "properties": {"n": {"type": "number"}}}},
    }
    tool = Tool(name="weather", parameters=schema, handler=lambda inv: "sunny")
    assert tool.check_arguments({"city": "Paris", "days": 3, "spots": [{"n": 1.5}]}) == []
    assert tool.check_arguments({"days": 2, "spots": [{"n": "x"}], "extra": 1}) == [
        "city: required",
        "days: expected one of 1, 3, got 2",
        "spots[0].n: expected number, got 'x'",
        "extra: unexpected property",
    ]


def test_direct_call_keeps_the_function_usable() -> None:
    @define_tool
    def greet(name: str, punctuation: str = "!") -> str:
        """Say hello."""
        return f"Hello, {name}{punctuation}"

    assert greet("Ada") == "Hello, Ada!"
    assert greet(name="Bob", punctuation="?") == "Hello, Bob?"
    assert greet.function is not None and greet.function.__name__ == "greet"


# -- results --------------------------------------------------------------------------
@attrs.define
class Report:
    title: str
    color: Color


@pytest.mark.parametrize(
    ("returned", "text"),
    [
        ("plain", "plain"),
        ({"a": 1, "b": [True, None]}, '{"a": 1, "b": [true, null]}'),
        ([1, "two"], '[1, "two"]'),
        (Report("r", Color.GREEN), '{"title": "r", "color": "green"}'),
        (None, ""),
        (42, "42"),
        ("ünï", "ünï"),
    ],
)
def test_return_values_become_text(returned: Any, text: str) -> None:
    tool = Tool(name="t", handler=lambda inv: returned)
    assert tool.invoke(invocation({})) == ToolResult(text)


def test_tool_result_passes_through_and_is_validated() -> None:
    custom = ToolResult("nope", result_type="rejected", error="detail")
    assert Tool(name="t", handler=lambda inv: custom).invoke(invocation({})) is custom
    assert not custom.success and ToolResult("x").success
    with pytest.raises(ValueError, match="result_type must be one of"):
        ToolResult("x", result_type="great")


def test_handler_failures_are_results(caplog: pytest.LogCaptureFixture) -> None:
    def tool_error(inv: ToolInvocation) -> str:
        raise ToolError("city not found: Atlantis")

    def crash(inv: ToolInvocation) -> str:
        raise KeyError("secret-detail")

    assert Tool(name="t", handler=tool_error).invoke(invocation({})) == ToolResult(
        "city not found: Atlantis", result_type="failure", error="city not found: Atlantis"
    )
    with caplog.at_level(logging.ERROR, logger="copilot_sdk.tools"):
        result = Tool(name="boom", handler=crash).invoke(invocation({}))
    assert result.text_result_for_llm == "Tool 'boom' failed: KeyError"
    assert "secret-detail" not in result.text_result_for_llm and "Traceback" not in result.text_result_for_llm
    assert result.error == "KeyError: 'secret-detail'"
    assert any(r.exc_info and "boom" in r.getMessage() for r in caplog.records)

    unserialisable = Tool(name="odd", handler=lambda inv: {"x": object()}).invoke(invocation({}))
    assert unserialisable.result_type == "failure"
    assert "could not be converted" in unserialisable.text_result_for_llm


def test_session_hooks_are_checked() -> None:
    with pytest.raises(TypeError, match="on_pre_tool_use must be callable"):
        SessionHooks(on_pre_tool_use="nope")  # type: ignore[arg-type]
