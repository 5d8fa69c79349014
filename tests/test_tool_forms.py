"""define_tool in the official SDK's forms, run through real turns against MockModelServer:
pydantic, dataclass and TypedDict params, async handlers (abort-aware), the positional
name form, skip_permission, and the official ToolResult shape."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from typing import Any, Dict, List, Optional, TypedDict

import pytest
from pydantic import BaseModel, Field

from copilot_sdk import AbortedError, CopilotClient, SessionConfig, ToolInvocation, ToolResult, define_tool
from copilot_sdk.testing import MockModelServer, MockReply, MockToolCall


class LookupIssueParams(BaseModel):
    id: str = Field(description="Issue identifier")
    verbose: bool = False


@dataclasses.dataclass
class Point:
    """A point.

    Attributes:
        x: the abscissa.
    """

    x: int
    y: int = 0
    tags: List[str] = dataclasses.field(default_factory=list)


class Query(TypedDict):
    text: str
    limit: int


def tool_texts(server: MockModelServer, index: int) -> List[str]:
    return [m["content"] for m in server.chat_requests[index].body["messages"] if m["role"] == "tool"]


def run_call(
    server: MockModelServer, client: CopilotClient, tool: Any, arguments: Dict[str, Any], **kw: Any
) -> str:
    session = client.create_session(model="gpt-5", tools=[tool], **kw)
    server.enqueue(MockReply(tool_calls=[MockToolCall(name=tool.name, arguments=arguments)]), MockReply())
    session.send("go")
    return tool_texts(server, len(server.chat_requests) - 1)[0]


def test_pydantic_params_and_async_handler(server: MockModelServer, client: CopilotClient) -> None:
    @define_tool(description="Fetch issue details from our tracker")
    async def lookup_issue(params: LookupIssueParams) -> str:
        await asyncio.sleep(0)
        return f"issue {params.id} verbose={params.verbose}"

    schema = lookup_issue.parameters
    assert schema["properties"]["id"]["description"] == "Issue identifier" and schema["required"] == ["id"]
    assert lookup_issue.description == "Fetch issue details from our tracker"
    assert run_call(server, client, lookup_issue, {"id": "42"}) == "issue 42 verbose=False"
    sent = server.chat_requests[0].body["tools"][0]["function"]
    assert sent["name"] == "lookup_issue" and sent["parameters"]["properties"]["id"]["type"] == "string"
    # pydantic's own validation errors go back to the model as field: problem lines
    text = run_call(server, client, lookup_issue, {"verbose": "maybe"})
    assert text.startswith("Invalid arguments for tool 'lookup_issue':") and "id: Field required" in text


def test_positional_name_with_handler_and_params_type(server: MockModelServer, client: CopilotClient) -> None:
    def handler(params: LookupIssueParams, invocation: ToolInvocation) -> Dict[str, Any]:
        return {"id": params.id, "call": invocation.tool_call_id, "model": params}

    tool = define_tool("lookup", description="Look up", handler=handler, params_type=LookupIssueParams)
    assert tool.name == "lookup"
    text = run_call(server, client, tool, {"id": "7"})
    assert '"id": "7"' in text and '"model": {"id": "7", "verbose": false}' in text


def test_dataclass_and_typeddict_params(server: MockModelServer, client: CopilotClient) -> None:
    got: List[Any] = []

    @define_tool
    def place(point: Point) -> str:
        """Place a point."""
        got.append(point)
        return "ok"

    @define_tool
    def search(query: Query, invocation: ToolInvocation) -> str:
        """Search."""
        got.append(query)
        return "found"

    assert place.parameters["properties"]["x"] == {"type": "integer", "description": "the abscissa."}
    assert place.parameters["required"] == ["x"]
    assert run_call(server, client, place, {"x": 1}) == "ok"
    assert run_call(server, client, search, {"text": "a", "limit": 3}) == "found"
    assert got == [Point(x=1), {"text": "a", "limit": 3}]
    assert "limit: " in run_call(server, client, search, {"text": "a", "limit": "x"})


def test_async_tool_is_cancelled_by_abort(server: MockModelServer, client: CopilotClient) -> None:
    started, cancelled = threading.Event(), threading.Event()

    @define_tool
    async def slow() -> str:
        """Takes long."""
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return "never"

    session = client.create_session(model="gpt-5", tools=[slow])
    server.enqueue(MockReply(tool_calls=[MockToolCall(name="slow", arguments={})]), MockReply())
    future = session.send_async("go")
    assert started.wait(10)
    session.abort()
    with pytest.raises(AbortedError):
        future.result(10)
    assert cancelled.wait(10)


def test_skip_permission_and_official_tool_result(server: MockModelServer, client: CopilotClient) -> None:
    asked: List[str] = []

    @define_tool(name="safe_lookup", description="Read-only", skip_permission=True)
    def safe_lookup() -> ToolResult:
        return ToolResult(text_result_for_llm="safe", result_type="success", session_log="looked up")

    @define_tool(description="Needs approval")
    def risky() -> Dict[str, Any]:
        return {"textResultForLlm": "risky done", "resultType": "success"}

    session = client.create_session(
        model="gpt-5",
        tools=[safe_lookup, risky],
        on_permission_request=lambda r: asked.append(r.tool_name) or True,
    )
    server.enqueue(
        MockReply(
            tool_calls=[
                MockToolCall(name="safe_lookup", arguments={}),
                MockToolCall(name="risky", arguments={}),
            ]
        ),
        MockReply(),
    )
    session.send("go")
    assert asked == ["risky"] and tool_texts(server, 1) == ["safe", "risky done"]


def test_a_custom_tool_named_like_a_built_in_needs_the_override() -> None:
    @define_tool(name="view", description="My viewer", overrides_built_in_tool=True)
    def view(path: str) -> str:
        return path

    assert view.overrides_built_in_tool and view("x") == "x"
    assert SessionConfig(tools=[view]).tools == (view,)

    @define_tool(name="bash", description="Not a shell")
    def bash() -> str:
        return ""

    with pytest.raises(
        ValueError, match="'bash' is the name of a built-in tool; pass overrides_built_in_tool=True"
    ):
        SessionConfig(tools=[bash])


def test_define_tool_argument_errors() -> None:
    with pytest.raises(TypeError, match="needs the tool name"):
        define_tool(handler=lambda p: p)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="params_type must be a pydantic model, a dataclass or a TypedDict"):
        define_tool("x", handler=lambda p: p, params_type=int)
    assert (
        ToolResult().text_result_for_llm == "" and ToolResult(result_type="timeout").result_type == "timeout"
    )
    optional: Optional[str] = None
    assert optional is None


def test_an_image_a_tool_returns_goes_to_the_model_as_an_image(
    server: MockModelServer, make_client: Any
) -> None:
    from copilot_sdk.store.memory import MemoryStore
    from copilot_sdk.tools import ToolBinaryResult

    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16

    @define_tool(description="Draw a chart")
    def chart() -> ToolResult:
        return ToolResult(
            text_result_for_llm="chart drawn",
            binary_results_for_llm=[ToolBinaryResult(data=png, mime_type="image/png", description="a chart")],
        )

    store = MemoryStore()
    client = make_client(store=store)
    session = client.create_session(model="gpt-5", session_id="img", tools=[chart])
    server.enqueue(MockReply(tool_calls=[MockToolCall(name="chart", arguments={})]), MockReply())
    session.send("draw")
    messages = server.chat_requests[1].body["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "tool", "user"]
    assert messages[2]["content"] == "chart drawn"
    image = messages[3]["content"][1]
    assert image["type"] == "image_url" and image["image_url"]["url"].startswith(
        "data:image/png;base64,iVBOR"
    )
    session.destroy()
    make_client(store=store).resume_session("img").send("again")  # the projection sends the same
    assert server.chat_requests[-1].body["messages"][:4] == messages
