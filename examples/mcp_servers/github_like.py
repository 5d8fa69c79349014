"""A stand-in for the GitHub MCP server, for running the PR example offline.

An MCP server (stdio, the ``mcp`` package's FastMCP) with GitHub-like tools over a
fixed, made-up set of pull requests whose dates are relative to now:

    python examples/mcp_servers/github_like.py      # speaks MCP on stdin/stdout
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Dict, List

from mcp.server.fastmcp import FastMCP

server = FastMCP("github-like")

# (number, title, author, age in hours)
_PULLS = [
    (101, "Fix flaky retry test", "mona", 5),
    (102, "Add SSE transport", "hubot", 30),
    (103, "Docs: quick start", "octocat", 50),
    (104, "Bump dependencies", "dependabot", 70),
    (105, "Refactor the store", "mona", 100),
    (106, "Streaming for Anthropic", "hubot", 130),
    (107, "New CLI command", "octocat", 160),
    (108, "Speed up resume", "mona", 220),
]


def _pull(owner: str, repo: str, number: int, title: str, author: str, hours: int) -> Dict[str, Any]:
    created = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=hours)
    return {
        "number": number,
        "title": title,
        "state": "open",
        "user": {"login": author},
        "created_at": created.isoformat(timespec="seconds"),
        "html_url": f"https://github.com/{owner}/{repo}/pull/{number}",
    }


@server.tool()
def list_pull_requests(owner: str, repo: str, state: str = "open", perPage: int = 30) -> List[Dict[str, Any]]:
    """List pull requests in a GitHub repository (newest first)."""
    if state not in ("open", "all"):
        return []
    return [_pull(owner, repo, *pr) for pr in _PULLS][:perPage]


@server.tool()
def get_pull_request(owner: str, repo: str, pullNumber: int) -> Dict[str, Any]:
    """Get the details of one pull request."""
    for pr in _PULLS:
        if pr[0] == pullNumber:
            return _pull(owner, repo, *pr)
    raise ValueError(f"no pull request #{pullNumber} in {owner}/{repo}")


if __name__ == "__main__":
    server.run(transport="stdio")
