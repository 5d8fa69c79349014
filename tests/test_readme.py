"""The README's first two commands and its self-contained example stay true."""

from __future__ import annotations

import re
from pathlib import Path

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_readme_starts_with_the_two_commands() -> None:
    block = re.search(r"```bash\n(.*?)```", README, re.S)
    assert block is not None and README.index(block.group(0)) < README.index("\n## ")
    lines = [line for line in block.group(1).splitlines() if line and not line.startswith("#")]
    assert lines[0].endswith("examples/multiple_sessions.py --offline")
    assert lines[1].endswith(".venv/bin/pytest -q")


def test_mock_server_example_runs() -> None:
    section = README[README.index("## Testing your own code") :]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None
    exec(compile(code.group(1), "README.md", "exec"), {})


def test_tools_example_defines_a_tool() -> None:
    section = README[README.index("## Tools") :]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None
    source = code.group(1).split("session = client")[0]
    namespace: dict = {}
    exec(compile(source, "README.md", "exec"), namespace)
    tool = namespace["get_weather"]
    assert tool.name == "get_weather"
    assert tool.parameters["required"] == ["city"]
    assert tool.parameters["properties"]["city"]["description"] == "City name"
