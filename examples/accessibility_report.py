"""Accessibility report: the model opens a web page through a browser MCP server,
reads its accessibility snapshot and writes a report.

The official cookbook's "Accessibility Report" recipe, synchronous, streaming the
report as it is written. Online it uses Playwright's MCP server
(``npx @playwright/mcp@latest``, needs Node.js) and offers to generate Playwright
tests afterwards. Offline, ``examples/mcp_servers/browser_like.py`` stands in for
Playwright's server (same tool names), the page is a sample served on 127.0.0.1,
and a scripted model writes the report from the snapshot it really received.

    python examples/accessibility_report.py --offline
    python examples/accessibility_report.py https://example.com
"""

from __future__ import annotations

import argparse
import contextlib
import http.server
import pathlib
import re
import sys
import threading
from typing import Any, Dict, Iterator, List, Optional

from support.offline import MockReply, Results, ScriptedModel, example_client, tool_calls

from copilot_sdk import PermissionHandler, SessionEvent

HERE = pathlib.Path(__file__).resolve().parent
SAMPLE_PAGE = b"""<!doctype html><html lang="en"><head><title>Acme Widgets</title></head><body>
<header><a href="/">Acme</a><nav><a href="/shop">Shop</a><a href="/about">About us</a>
<a href="/more">click here</a></nav></header>
<h1>Widgets for everyone</h1><img src="hero.png" alt="A blue widget"><img src="deco.png">
<h2>Popular</h2><h3>Gadget</h3><button>Add to cart</button>
<footer><a href="/contact">Contact</a></footer></body></html>"""
PROMPT = """
Use the Playwright MCP server to analyze the accessibility of this webpage: {url}

Please:
1. Navigate to the URL using playwright-browser_navigate
2. Take an accessibility snapshot using playwright-browser_snapshot
3. Analyze the snapshot and provide a detailed accessibility report

Format the report with emoji indicators: a title line, "What's Working Well" and
"Issues Found" tables, a stats summary and priority recommendations. Use ✅ for pass,
🔴 for high severity issues, 🟡 for medium severity, ❌ for missing items.
Include actual findings from the page analysis - don't just copy the example.
"""


@contextlib.contextmanager
def sample_site() -> Iterator[str]:
    """Serve the sample page on 127.0.0.1; its URL."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(SAMPLE_PAGE)))
            self.end_headers()
            self.wfile.write(SAMPLE_PAGE)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(10)


def report(results: Results) -> MockReply:
    """The report a model would write from the snapshot."""
    snapshot = results[0][2]
    title = re.search(r"Page Title: (.*)", snapshot)
    lang = re.search(r"Language: (.*)", snapshot)
    landmarks = {name: f"- {name}" in snapshot for name in ("banner", "navigation", "main", "contentinfo")}
    headings = re.findall(r"\[level=(\d)\]", snapshot)
    images, unlabelled = snapshot.count("- img"), snapshot.count("(no alt text)")
    vague = [
        link for link in re.findall(r'link "([^"]*)"', snapshot) if link.lower() in ("click here", "more")
    ]
    good = [
        ("Language", f'lang="{lang.group(1)}"' if lang else "missing"),
        ("Page Title", title.group(1) if title else ""),
    ]
    if headings.count("1") == 1:
        good.append(("Heading Hierarchy", "Single H1"))
    issues = []
    if not landmarks["main"]:
        issues.append(("🔴 High", "No <main> landmark", "1.3.1, 2.4.1", "Wrap main content in <main>"))
    if unlabelled:
        issues.append(("🔴 High", f"{unlabelled} of {images} images lack alt text", "1.1.1", "Add alt text"))
    if vague:
        issues.append(("🟡 Medium", f'Ambiguous link text "{vague[0]}"', "2.4.4", "Describe the link target"))
    lines = [
        f"📊 Accessibility Report: {title.group(1) if title else '?'}",
        "",
        "✅ What's Working Well",
        "| Category | Status | Details |",
        "|---|---|---|",
    ]
    lines += [f"| {name} | ✅ Pass | {detail} |" for name, detail in good]
    lines += [
        "",
        "⚠️ Issues Found",
        "| Severity | Issue | WCAG Criterion | Recommendation |",
        "|---|---|---|---|",
    ]
    lines += [f"| {s} | {i} | {w} | {r} |" for s, i, w, r in issues]
    marks = ", ".join(f"{name} {'✅' if ok else '❌'}" for name, ok in landmarks.items())
    lines += [
        "",
        "📋 Stats Summary",
        f"- Total Links: {snapshot.count('- link')}",
        f"- Total Headings: {len(headings)}",
        f"- Landmarks Found: {marks}",
    ]
    return MockReply(content="\n".join(lines))


def handle_event(event: SessionEvent) -> None:
    if event.type == "assistant.message_delta":
        print(event.data.delta_content or "", end="", flush=True)
    elif event.type == "tool.execution_start":
        print(f"  -> {event.data.tool_name}")
    elif event.type == "session.error":
        print(f"\nError: {event.data.message}")


def playwright(offline: bool) -> Dict[str, Any]:
    if offline:
        script = str(HERE / "mcp_servers" / "browser_like.py")
        return {"type": "local", "command": sys.executable, "args": [script], "tools": ["*"]}
    return {"type": "local", "command": "npx", "args": ["@playwright/mcp@latest"], "tools": ["*"]}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", nargs="?", help="the page to analyse")
    parser.add_argument("--offline", action="store_true", help="MockModelServer, a local stand-in MCP server")
    args = parser.parse_args(argv)
    print("=== Accessibility Report Generator ===\n")
    with contextlib.ExitStack() as stack:
        url = (
            stack.enter_context(sample_site())
            if args.offline
            else args.url or input("Enter URL to analyze: ")
        )
        if not url.startswith(("http://", "https://")):
            url = "https://" + url
        print(f"Analyzing: {url}\nPlease wait...\n")
        client, server = stack.enter_context(example_client(args.offline))
        session = client.create_session(
            model="claude-opus-4.6",
            streaming=True,
            mcp_servers={"playwright": playwright(args.offline)},
            on_permission_request=PermissionHandler.approve_all,
        )
        session.on(handle_event)
        model = ScriptedModel(server)
        model.attach(session)
        model.then(
            tool_calls(("playwright-browser_navigate", {"url": url})),
            tool_calls(("playwright-browser_snapshot", {})),
            report,
        )
        session.send(PROMPT.format(url=url))
        model.check()
        print("\n\n=== Report Complete ===\n")
        if not args.offline and sys.stdin.isatty():
            if input("Generate Playwright accessibility tests? (y/n): ").strip().lower() in ("y", "yes"):
                language = input("Language for the tests (default TypeScript): ").strip() or "TypeScript"
                session.send(
                    f"Based on the accessibility report you just generated for {url}, create Playwright "
                    f"accessibility tests in {language} that verify each check of the report and the "
                    "issues found. Output the complete test file."
                )
        session.destroy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
