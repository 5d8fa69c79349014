"""The main example runs offline and shows what it promises: separate contexts."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_multiple_sessions_example_offline_keeps_contexts_apart() -> None:
    run = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "multiple_sessions.py"), "--offline"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert run.returncode == 0, run.stderr
    out = " ".join(run.stdout.split())  # answers are wrapped
    assert run.stdout.splitlines()[0].startswith("offline: the built-in mock model echoes")
    for context, follow_up in [
        ("Python", "How do I create a virtual environment?"),
        ("TypeScript", "How do I set up tsconfig?"),
        ("Go", "How do I initialize a module?"),
    ]:
        # Each follow-up is answered from its own session's context, never another's.
        first = f"first_user='You are helping with a {context} project'"
        pattern = re.escape(f"{first}; last_user='{follow_up}'")
        assert len(re.findall(pattern, out)) == 2, (context, out)
    assert "user-123-chat" in out and "Deleted user-123-chat; 3 sessions left" in out
    assert out.count("messages=3;") == 3 and out.count("messages=5;") == 3
    assert out.endswith("All sessions destroyed successfully")
