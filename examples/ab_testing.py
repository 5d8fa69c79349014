"""A/B testing models: the same prompts, sent concurrently to several models.

Each model gets its own session per prompt, all turns in flight at once on one
client; the answers come back side by side with the latency and token usage of
each. The default models span the three wire formats the Copilot API serves: a
chat-completions model (gpt-4.1), a Responses-only model (gpt-5.1-codex) and a
Claude model (claude-sonnet-4.5); the provider routes each by its models list.

In a terminal the results print as a text table; in a notebook the object that
:func:`compare` returns renders as an HTML table::

    from ab_testing import compare
    compare(client, ["gpt-4.1", "gpt-5.1-codex", "claude-sonnet-4.5"], ["What is a monad?"])

    python examples/ab_testing.py --offline    # against the built-in MockModelServer
    python examples/ab_testing.py              # against GitHub Copilot (your login)
"""

from __future__ import annotations

import argparse
import html
import sys
import tempfile
import textwrap
import time
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import attrs

from copilot_sdk import ConfigurationError, CopilotClient, ProviderConfig, SessionEvent

MODELS = ("gpt-4.1", "gpt-5.1-codex", "claude-sonnet-4.5")
PROMPTS = (
    "Explain Python's GIL in two sentences.",
    "Write a one-line shell command that counts the lines of every .py file.",
)
NO_CREDENTIALS = """\
No GitHub credentials were found for the Copilot API: run `python -m copilot_sdk login`
(or set GH_TOKEN), or run this example offline: python examples/ab_testing.py --offline
"""


@attrs.frozen
class Result:
    """One model's answer to one prompt."""

    model: str
    prompt: str
    answer: str
    seconds: float
    input_tokens: Optional[int]
    output_tokens: Optional[int]
    error: Optional[str] = None


@attrs.frozen
class Comparison:
    """The results of :func:`compare`: a text table, or HTML in a notebook."""

    results: Tuple[Result, ...]

    def rows(self) -> List[Tuple[str, ...]]:
        return [
            (r.prompt, r.model, f"{r.seconds:.2f} s", str(r.input_tokens), str(r.output_tokens),
             r.error or r.answer)
            for r in self.results
        ]

    def __str__(self) -> str:
        head = ("prompt", "model", "latency", "in", "out", "answer")
        widths = [24, 18, 8, 6, 6, 60]
        lines = [" | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True))]
        lines.append("-+-".join("-" * w for w in widths))
        for row in self.rows():
            cut = zip(row, widths, strict=True)
            cells = [textwrap.shorten(c, w, placeholder="...").ljust(w) for c, w in cut]
            lines.append(" | ".join(cells))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{h}</th>" for h in ("prompt", "model", "latency", "in", "out", "answer"))
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in self.rows()
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _ask(client: CopilotClient, model: str, prompt: str) -> Tuple[Future[Any], Dict[str, Any]]:
    """Start one turn; return its future and where its usage and timing land."""
    session = client.create_session(model=model)
    seen: Dict[str, Any] = {"began": time.perf_counter(), "in": 0, "out": 0}

    def on_usage(event: SessionEvent) -> None:
        seen["in"] += event.data.input_tokens or 0
        seen["out"] += event.data.output_tokens or 0

    session.on("assistant.usage", on_usage)
    seen["session"] = session
    return session.send_async(prompt), seen


def compare(client: CopilotClient, models: Sequence[str], prompts: Sequence[str]) -> Comparison:
    """Send every prompt to every model at once; collect the answers side by side."""
    pending = [(model, prompt, *_ask(client, model, prompt)) for prompt in prompts for model in models]
    results = []
    for model, prompt, future, seen in pending:
        try:
            answer, error = future.result(timeout=600).data.content, None
        except Exception as exc:  # one failing model does not spoil the comparison
            answer, error = "", f"{type(exc).__name__}: {exc}"
        results.append(
            Result(model=model, prompt=prompt, answer=answer, seconds=time.perf_counter() - seen["began"],
                   input_tokens=seen["in"], output_tokens=seen["out"], error=error)
        )
        seen["session"].destroy()
    return Comparison(results=tuple(results))


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offline", action="store_true", help="use the built-in MockModelServer")
    parser.add_argument("--model", action="append", help="a model to compare (repeatable)")
    args = parser.parse_args(argv)
    models = args.model or list(MODELS)

    if not args.offline:
        try:
            with CopilotClient() as client:
                print(compare(client, models, PROMPTS))
        except ConfigurationError as exc:
            print(f"{exc}\n\n{NO_CREDENTIALS}", file=sys.stderr)
            return 2
        return 0

    from copilot_sdk.testing import MockModelServer

    print("offline: the mock Copilot API echoes each request, in the wire format of each model")
    with MockModelServer(latency=0.1) as server, tempfile.TemporaryDirectory() as home:
        provider = ProviderConfig(type="copilot", github_api_url=server.url)
        token = "gho_offlineExampleToken000000000000000000"
        with CopilotClient(provider=provider, github_token=token, base_directory=Path(home)) as client:
            began = time.perf_counter()
            # offline also a Claude model served on /v1/messages only
            comparison = compare(client, args.model or [*MODELS, "claude-opus-4.5"], PROMPTS)
            print(comparison)
            paths = sorted({r.path.rsplit("/copilot-api", 1)[-1] for r in server.chat_requests})
            took = time.perf_counter() - began
            print(f"{len(comparison.results)} turns in {took:.2f} s, via {', '.join(paths)}")
            if any(r.error for r in comparison.results):
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
