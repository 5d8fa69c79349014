"""PR visualisation: the model fetches pull requests from a GitHub MCP server and
draws a PNG chart of their ages with its file and shell tools.

The official cookbook's "PR Visualization" recipe, synchronous. The session gets
the tools of a GitHub MCP server (``mcp_servers``) and the built-in tools
(``available_tools=["builtin:*", "mcp:*"]``), working in a folder where the chart
``pr-age-chart.png`` is saved (drawn with matplotlib: ``pip install matplotlib``).

    python examples/pr_visualization.py --offline        # MockModelServer + a local GitHub-like MCP server
    python examples/pr_visualization.py --repo owner/repo  # GitHub Copilot + GitHub's MCP server

Online, the session uses GitHub's remote MCP server
(``https://api.githubcopilot.com/mcp/``, a GitHub token in ``GH_TOKEN`` or
``GITHUB_TOKEN``). Offline, ``examples/mcp_servers/github_like.py`` stands in for it
with made-up pull requests, and a scripted model makes the calls a model would make
(list the PRs, write a plotting script, run it), answering from the real results.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
from typing import Any, Dict, List, Optional

from support.offline import MockReply, Results, ScriptedModel, example_client, json_values, tool_calls

from copilot_sdk import PermissionHandler, SessionEvent

HERE = pathlib.Path(__file__).resolve().parent
BUCKETS = [("<1 day", 1), ("1-3 days", 3), ("3-7 days", 7), (">7 days", 10**6)]
CHART_SCRIPT = """\
import json, sys
try:
    import matplotlib
except ImportError:
    sys.exit("matplotlib is not installed: pip install matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt
counts = json.loads({counts!r})
plt.figure(figsize=(6, 4))
plt.bar(list(counts), list(counts.values()), color="#2f81f7")
plt.title("Open PRs by age ({repo})")
plt.ylabel("pull requests")
plt.tight_layout()
plt.savefig("pr-age-chart.png", dpi=100)
print("saved pr-age-chart.png")
"""


def detect_repo() -> Optional[str]:
    """owner/repo from the origin remote of the git repository here, if any."""
    try:
        url = subprocess.run(
            ["git", "remote", "get-url", "origin"], check=True, capture_output=True, text=True
        ).stdout.strip()
    except (subprocess.CalledProcessError, FileNotFoundError):
        return None
    match = re.search(r"github\.com[:/](.+/.+?)(?:\.git)?$", url)
    return match.group(1) if match else None


def github_mcp(offline: bool) -> Dict[str, Any]:
    if offline:
        return {
            "type": "stdio",
            "command": sys.executable,
            "args": [str(HERE / "mcp_servers" / "github_like.py")],
        }
    token = os.environ.get("GH_TOKEN") or os.environ.get("GITHUB_TOKEN") or ""
    return {
        "type": "http",
        "url": "https://api.githubcopilot.com/mcp/",
        "headers": {"Authorization": f"Bearer {token}"},
    }


def ages(results: Results) -> List[float]:
    """PR ages in days from a list_pull_requests result."""
    now = dt.datetime.now(dt.timezone.utc)
    values = json_values(results[0][2])
    pulls = values[0] if len(values) == 1 and isinstance(values[0], list) else values
    return [(now - dt.datetime.fromisoformat(p["created_at"])).total_seconds() / 86400 for p in pulls]


def offline_model(repo: str) -> List[Any]:
    """The steps of the scripted model (each answers from the previous round's results)."""
    owner, name = repo.split("/", 1)
    found: Dict[str, List[float]] = {}

    def chart(results: Results) -> MockReply:
        found["ages"] = ages(results)
        counts = {label: 0 for label, _ in BUCKETS}
        for age in found["ages"]:
            counts[next(label for label, top in BUCKETS if age < top)] += 1
        script = CHART_SCRIPT.format(counts=json.dumps(counts), repo=repo)
        return tool_calls(
            ("create", {"path": "chart.py", "file_text": script}),
            ("bash", {"command": f"{sys.executable} chart.py", "description": "Draw the chart"}),
        )

    def summary(results: Results) -> MockReply:
        days = found["ages"]
        stale = sum(1 for d in days if d > 7)
        return MockReply(
            content=(
                f"{len(days)} open PRs. Average age {sum(days) / len(days):.1f} days, the oldest "
                f"{max(days):.1f} days; {stale} older than a week might be stale. "
                f"Chart: {results[-1][2].splitlines()[0]}"
            )
        )

    return [
        tool_calls(("github-list_pull_requests", {"owner": owner, "repo": name, "state": "open"})),
        chart,
        summary,
    ]


def handle_event(event: SessionEvent) -> None:
    if event.type == "assistant.message" and event.data.content:
        print(f"\n{event.data.content}\n")
    elif event.type == "tool.execution_start":
        print(f"  -> {event.data.tool_name}")
    elif event.type == "session.mcp_server_status_changed":
        print(f"  MCP server {event.data.server_name}: {event.data.status} {event.data.error or ''}")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offline", action="store_true", help="use MockModelServer and the local MCP server")
    parser.add_argument("--repo", help="owner/repo (default: this git repository's GitHub remote)")
    args = parser.parse_args(argv)
    repo = args.repo or (
        "octo-org/octo-repo" if args.offline else detect_repo() or input("GitHub repo (owner/repo): ")
    )
    if "/" not in repo:
        print("Expected owner/repo", file=sys.stderr)
        return 1
    print(f"PR Age Chart Generator: {repo}")
    with tempfile.TemporaryDirectory() as scratch, example_client(args.offline) as (client, server):
        folder = pathlib.Path(scratch) if args.offline else pathlib.Path.cwd()
        session = client.create_session(
            model="gpt-5",
            system_message={"mode": "append", "content": f"""
<context>
You are analyzing pull requests for the GitHub repository: {repo}
The current working directory is: {folder}
</context>

<instructions>
- Use the GitHub MCP Server tools to fetch PR data
- Use your file and code execution tools to generate charts
- Save any generated images to the current working directory
- Be concise in your responses
</instructions>
"""},
            mcp_servers={"github": github_mcp(args.offline)},
            available_tools=["builtin:*", "mcp:*"],
            working_directory=str(folder),
            on_permission_request=PermissionHandler.approve_all,
        )
        session.on(handle_event)
        model = ScriptedModel(server)
        model.attach(session)
        model.then(*offline_model(repo))
        session.send(f"""
      Fetch the open pull requests for {repo} from the last week.
      Calculate the age of each PR in days.
      Then generate a bar chart image showing the distribution of PR ages
      (group them into sensible buckets like <1 day, 1-3 days, etc.).
      Save the chart as "pr-age-chart.png" in the current directory.
      Finally, summarize the PR health - average age, oldest PR, and how many might be considered stale.
    """)
        chart = folder / "pr-age-chart.png"
        if chart.exists():
            is_png = chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
            print(f"chart saved: {chart.name} ({chart.stat().st_size} bytes, PNG: {is_png})")
        else:
            print("no chart was saved")
        model.check()
        while not args.offline and sys.stdin.isatty():
            follow_up = input("You (or 'exit'): ").strip()
            if follow_up.lower() in ("exit", "quit", ""):
                break
            session.send(follow_up)
        session.destroy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
