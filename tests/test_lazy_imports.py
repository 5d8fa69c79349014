"""`import copilot_sdk` stays light: the HTTP stack loads with the first client that
starts, tenacity with the first retry, the web_fetch tool's urllib on its first fetch;
the turn engine and the providers with the first client that starts; the built-in
tools, each wire format, asyncio and MCP with the first session that uses them.

Each check runs in a fresh interpreter and reads ``sys.modules``."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any, Dict, List

HEAVY = ["requests", "urllib3", "tenacity", "http.cookiejar", "urllib.request"]
BUILTIN_TOOLS = [f"copilot_sdk.tools.builtins.{m}" for m in ("files", "paths", "search", "shell", "web")]
WIRES = ["copilot_sdk.providers.anthropic_wire", "copilot_sdk.providers.responses_wire"]
OPTIONAL = [
    "asyncio", "mcp", "pydantic", "ssl", "uuid", "email.utils",
    "copilot_sdk.tools.mcp.connection", "copilot_sdk.tools.mcp.loop", "copilot_sdk.tools.schema",
    *BUILTIN_TOOLS, *WIRES,
]
ENGINE = ["copilot_sdk._engine.runner", "copilot_sdk._engine.turn", "copilot_sdk._engine.compaction",
          "copilot_sdk.providers.base", "copilot_sdk._transport.http"]

# A model server on 127.0.0.1 and a client on it (openai chat completions unless said).
_SETUP = """
from copilot_sdk import CopilotClient, ProviderConfig, define_tool
from copilot_sdk.testing import MockModelServer, MockReply, MockToolCall
server = MockModelServer().start()
def client(**provider):
    provider = {"type": "openai", "base_url": server.openai_base_url, "api_key": "k", **provider}
    return CopilotClient(provider=ProviderConfig(**provider), store=":memory:").start()
"""


def _loaded(code: str, modules: List[str] = HEAVY) -> Dict[str, Any]:
    """Run ``code`` in a fresh interpreter; which of ``modules`` it loaded, and
    ``result`` (the value ``code`` left in ``result``, if any)."""
    script = (f"import sys, json\nresult = None\n{code}\n"
              f"print(json.dumps({{'result': result, **{{m: m in sys.modules for m in {modules!r}}}}}))")
    out = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True, timeout=120
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def test_import_loads_no_http_stack_and_no_tenacity() -> None:
    assert _loaded("import copilot_sdk") == {"result": None, **dict.fromkeys(HEAVY, False)}


def test_import_loads_no_optional_machinery_and_no_engine() -> None:
    loaded = _loaded("import copilot_sdk", OPTIONAL + ENGINE)
    assert {m for m, on in loaded.items() if on is True} == set()


def test_the_public_names_are_all_there_without_loading_the_engine() -> None:
    loaded = _loaded(
        "import copilot_sdk\n"
        "from copilot_sdk import *  # noqa: F403\n"
        "result = sorted(n for n in copilot_sdk.__all__ if getattr(copilot_sdk, n, None) is None)",
        OPTIONAL + ENGINE,
    )
    assert loaded.pop("result") == []
    assert {m for m, on in loaded.items() if on} == set()


def test_a_started_client_loads_the_http_stack() -> None:
    loaded = _loaded(
        "from copilot_sdk import CopilotClient, ProviderConfig\n"
        "c = CopilotClient(provider=ProviderConfig(type='openai', base_url='http://127.0.0.1:9/v1'),"
        " store=':memory:').start()\n"
        "c.stop()",
        HEAVY + ENGINE + OPTIONAL,
    )
    assert loaded["requests"] and loaded["urllib3"]
    assert all(loaded[m] for m in ENGINE)
    assert not loaded["tenacity"]  # nothing was retried
    # Of the optional modules only the HTTP stack's own (requests loads ssl and email):
    assert {m for m in OPTIONAL if loaded[m]} <= {"ssl", "email.utils"}


def test_a_turn_with_builtin_and_async_tools_loads_and_runs_them() -> None:
    loaded = _loaded(
        _SETUP
        + "@define_tool(description='Add two numbers.')\n"
          "async def add(a: int, b: int) -> int:\n"
          "    return a + b\n"
          "calls = [MockToolCall(name='glob', arguments={'pattern': '*.nothing'}),\n"
          "         MockToolCall(name='add', arguments={'a': 2, 'b': 3})]\n"
          "server.enqueue(MockReply(tool_calls=calls), MockReply(content='done'))\n"
          "c = client()\n"
          "s = c.create_session(model='gpt-5', available_tools=['builtin:glob', 'add'], tools=[add])\n"
          "done = []\n"
          "s.on('tool.execution_complete', done.append)\n"
          "reply = s.send('go').data.content\n"
          "result = [reply] + sorted((e.data.success, e.data.result) for e in done)\n"
          "c.stop(); server.stop()",
        OPTIONAL,
    )
    assert loaded.pop("result") == ["done", [True, "5"], [True, "No files matched '*.nothing'."]]
    assert all(loaded[m] for m in BUILTIN_TOOLS)
    assert loaded["asyncio"]  # the async handler ran in an event loop of its own
    assert not any(loaded[m] for m in WIRES)  # chat completions only
    assert not loaded["copilot_sdk.tools.mcp.connection"] and not loaded["mcp"]


def test_each_wire_format_loads_with_its_first_call() -> None:
    loaded = _loaded(
        _SETUP
        + "server.enqueue(MockReply(content='one'), MockReply(content='two'))\n"
          "a = client(type='anthropic', base_url=server.anthropic_base_url)\n"
          "first = a.create_session(model='claude-sonnet-4').send('hi').data.content\n"
          "anthropic = 'copilot_sdk.providers.anthropic_wire' in sys.modules\n"
          "responses_before = 'copilot_sdk.providers.responses_wire' in sys.modules\n"
          "r = client(wire_api='responses')\n"
          "second = r.create_session(model='gpt-5').send('hi').data.content\n"
          "result = [first, second, anthropic, responses_before]\n"
          "a.stop(); r.stop(); server.stop()",
        OPTIONAL,
    )
    assert loaded.pop("result") == ["one", "two", True, False]
    assert all(loaded[m] for m in WIRES)
    assert not any(loaded[m] for m in BUILTIN_TOOLS)
