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


def test_cookbook_examples_offline() -> None:
    """The cookbook recipes, run at once (each in its own process), show what they promise."""
    names = ["managing_local_files.py", "pr_visualization.py", "accessibility_report.py", "ralph_loop.py",
             "error_handling.py", "error_recovery_hooks.py"]
    runs = {
        name: subprocess.Popen(
            [sys.executable, str(ROOT / "examples" / name), "--offline"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for name in names
    }
    out = {}
    for name, process in runs.items():
        stdout, stderr = process.communicate(timeout=240)
        assert process.returncode == 0, (name, stdout, stderr)
        out[name] = stdout

    files = out["managing_local_files.py"]
    assert "[permission] shell: mkdir -p documents images videos" in files
    assert "Shall I create these folders" in files
    for moved in ("documents/report.pdf", "images/cat.png", "videos/clip.mp4"):
        assert f"  {moved}" in files
    prs = out["pr_visualization.py"]
    assert "MCP server github: connected" in prs and "-> github-list_pull_requests" in prs
    assert "8 open PRs." in prs and "PNG: True" in prs
    report = out["accessibility_report.py"]
    assert "-> playwright-browser_snapshot" in report
    assert "Accessibility Report: Acme Widgets" in report and "1 of 2 images lack alt text" in report
    ralph = out["ralph_loop.py"]
    assert ralph.count("complete.") == 3 and "- [ ]" not in ralph.split("now reads:")[1]
    assert "Files: IMPLEMENTATION_PLAN.md, NOTES.md, greet.py, test_greet.py" in ralph
    errors = out["error_handling.py"]
    assert "Answer after a retry" in errors and "AuthenticationError (status 401)" in errors
    assert "TurnTimeoutError" in errors and "Back on track" in errors
    hooks = out["error_recovery_hooks.py"]
    assert "transient error, sending again" in hooks and hooks.rstrip().endswith("Recovered.")
