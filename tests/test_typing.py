"""Type checkers see the API: ``mypy --strict`` on a user's script reports exactly
its deliberate errors (through the editable install, as a user's IDE would), and
``typing.get_type_hints`` works on every export."""

from __future__ import annotations

import inspect
import logging
import re
import subprocess
import sys
import typing
from pathlib import Path

import copilot_sdk

CASE = Path(__file__).parent / "typing_cases" / "user_script.py"


def test_mypy_strict_reports_exactly_the_deliberate_errors(tmp_path: Path) -> None:
    script = tmp_path / "user_script.py"  # outside the repository: found through the install
    script.write_text(CASE.read_text(encoding="utf-8"), encoding="utf-8")
    expected = {
        (number, match.group(1))
        for number, line in enumerate(script.read_text(encoding="utf-8").splitlines(), 1)
        if (match := re.search(r"# error: ([a-z-]+)", line))
    }
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", str(tmp_path / "cache"),
         str(script)],
        cwd=tmp_path, capture_output=True, text=True, timeout=240,
    )
    reported = {
        (int(match.group(1)), match.group(2))
        for match in re.finditer(r"user_script\.py:(\d+): error: .*\[([a-z-]+)\]$", done.stdout, re.M)
    }
    assert reported == expected, done.stdout
    assert len(expected) == 7


def test_get_type_hints_on_every_export() -> None:
    for name in copilot_sdk.__all__:
        obj = getattr(copilot_sdk, name)
        if isinstance(obj, type) or callable(obj):
            typing.get_type_hints(obj)  # raises NameError if an annotation cannot resolve
    hints = typing.get_type_hints(copilot_sdk.SessionConfig)
    assert hints["model"] == typing.Optional[str]
    assert typing.get_args(typing.get_type_hints(copilot_sdk.ProviderConfig)["type"]) == (
        "copilot", "openai", "azure", "anthropic",
    )


def test_get_type_hints_on_the_public_methods_of_every_exported_class() -> None:
    """Their annotations name nothing that is imported for type checkers only (the
    lazily loaded engine), so run-time introspection (docs, CLIs) works too."""
    checked = 0
    for name in copilot_sdk.__all__:
        obj = getattr(copilot_sdk, name)
        if isinstance(obj, type):
            for attr, fn in vars(obj).items():
                if inspect.isfunction(fn) and not attr.startswith("_"):
                    typing.get_type_hints(fn)  # NameError if an annotation cannot resolve
                    checked += 1
    assert checked > 20
    assert "store" in typing.get_type_hints(copilot_sdk.CopilotClient.__init__)


def test_the_package_logger_has_a_null_handler() -> None:
    handlers = logging.getLogger("copilot_sdk").handlers
    assert any(isinstance(h, logging.NullHandler) for h in handlers)


def test_the_pytest_plugin_fixture_needs_no_import(mock_model_server: typing.Any) -> None:
    # this module imports nothing from copilot_sdk.testing: the pytest11 entry point provides it
    assert mock_model_server.openai_base_url.startswith("http://127.0.0.1:")


def test_the_typed_keywords_are_the_config_fields() -> None:
    import attrs

    from copilot_sdk._engine.options import ResumeOptions, SessionOptions

    fields = {f.name for f in attrs.fields(copilot_sdk.SessionConfig)}
    assert set(SessionOptions.__annotations__) == fields
    assert set(ResumeOptions.__annotations__) == fields - {"session_id"}
