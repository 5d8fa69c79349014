"""Which tools a session offers, as a table: custom and MCP tools by default,
built-ins opt-in, a list a strict allowlist, excluded_tools subtracting."""

from __future__ import annotations

from typing import Any, Optional, Sequence

import pytest

from copilot_sdk import SessionConfig, define_tool
from copilot_sdk._engine.toolset import compose_system_message, session_tools, with_ask_user
from copilot_sdk.tools.agent import AgentTool, PermissionAsk

ALL_BUILTINS = ["view", "create", "edit", "bash", "glob", "grep", "web_fetch"]


@define_tool
def lookup(key: str) -> str:
    """Look a key up."""
    return key


@define_tool(overrides_built_in_tool=True)
def view(path: str) -> str:
    """A custom tool that shadows the built-in of the same name."""
    return path


def _mcp(name: str) -> AgentTool:
    return AgentTool(
        name=name,
        handler=lambda _inv: "",
        source="mcp",
        permission=lambda _args: PermissionAsk(
            kind="mcp", default_allowed=True, server_name=name.split("-")[0]
        ),
    )


MCP = {t.name: t for t in (_mcp("gh-list_prs"), _mcp("gh-get_pr"), _mcp("a11y-audit"))}

TABLE = [
    # available_tools, excluded_tools, offered
    (None, None, ["lookup", "gh-list_prs", "gh-get_pr", "a11y-audit"]),
    (None, ["gh-get_pr"], ["lookup", "gh-list_prs", "a11y-audit"]),
    (None, ["mcp:*"], ["lookup"]),
    (None, ["custom:lookup", "mcp:a11y-audit"], ["gh-list_prs", "gh-get_pr"]),
    (["builtin:*"], None, ALL_BUILTINS),
    (["builtin:*", "custom:*", "mcp:*"], None, ["lookup", *ALL_BUILTINS, *MCP]),
    (["*"], ["bash", "web_fetch"], ["lookup", "view", "create", "edit", "glob", "grep", *MCP]),
    (["builtin:*"], ["bash"], ["view", "create", "edit", "glob", "grep", "web_fetch"]),
    (["view", "grep"], None, ["view", "grep"]),
    (["builtin:view", "lookup"], None, ["lookup", "view"]),
    (["custom:lookup", "mcp:gh-get_pr"], None, ["lookup", "gh-get_pr"]),
    (["gh-list_prs"], None, ["gh-list_prs"]),
    ([], None, []),
    (["lookup"], ["lookup"], []),
    (["unknown-tool"], None, []),
    (["builtin:*", "lookup"], ["builtin:*"], ["lookup"]),
]


@pytest.mark.parametrize("available,excluded,offered", TABLE)
def test_selection_table(
    available: Optional[Sequence[str]], excluded: Optional[Sequence[str]], offered: Sequence[str]
) -> None:
    config = SessionConfig(tools=[lookup], available_tools=available, excluded_tools=excluded)
    tools, preamble = session_tools(config, MCP)
    assert list(tools) == list(offered)
    has_builtin = any(isinstance(t, AgentTool) and t.source == "builtin" for t in tools.values())
    assert (preamble is not None) == has_builtin


def test_a_custom_tool_shadows_the_builtin_of_the_same_name() -> None:
    tools, preamble = session_tools(SessionConfig(tools=[view], available_tools=["view"]), {})
    assert tools == {"view": view}
    assert preamble is None  # no built-in is offered
    tools, _ = session_tools(SessionConfig(tools=[view], available_tools=["builtin:view"]), {})
    # only the built-in is named: it is offered
    assert list(tools) == ["view"] and isinstance(tools["view"], AgentTool)


@pytest.mark.parametrize(
    "system_message,expected",
    [
        (None, "PRE"),
        ("Be brief.", "PRE\n\nBe brief."),
        ({"content": "Be brief.", "mode": "append"}, "PRE\n\nBe brief."),
        ({"content": "Be brief.", "mode": "replace"}, "Be brief."),
        ({"content": "Be brief."}, "PRE\n\nBe brief."),
    ],
)
def test_preamble_composes_with_the_system_message(system_message: Any, expected: str) -> None:
    assert compose_system_message(system_message, "PRE") == expected
    assert compose_system_message(system_message, None) == (None if system_message is None else "Be brief.")


ASK_TABLE = [
    # available_tools, excluded_tools, offered (on_user_input_request set)
    (None, None, ["lookup", "ask_user"]),
    (None, ["ask_user"], ["lookup"]),
    (["builtin:*"], None, [*ALL_BUILTINS, "ask_user"]),
    (["*"], ["builtin:*"], ["lookup"]),
    (["ask_user"], None, ["ask_user"]),
    (["builtin:ask_user", "lookup"], None, ["lookup", "ask_user"]),
    (["lookup"], None, ["lookup"]),
    (["*"], None, ["lookup", *ALL_BUILTINS, "ask_user"]),
]


@pytest.mark.parametrize("available,excluded,offered", ASK_TABLE)
def test_ask_user_in_the_selection(
    available: Optional[Sequence[str]], excluded: Optional[Sequence[str]], offered: Sequence[str]
) -> None:
    config = SessionConfig(
        tools=[lookup],
        available_tools=available,
        excluded_tools=excluded,
        on_user_input_request=lambda request, invocation: {"answer": "yes", "wasFreeform": True},
    )
    tools, _ = session_tools(config, {})
    assert list(with_ask_user(tools, config, lambda *_: None)) == list(offered)
    without = SessionConfig(tools=[lookup], available_tools=available, excluded_tools=excluded)
    assert "ask_user" not in with_ask_user(session_tools(without, {})[0], without, lambda *_: None)
