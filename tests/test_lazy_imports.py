"""`import copilot_sdk` stays light: the HTTP stack loads with the first client that
starts, tenacity with the first retry, the web_fetch tool's urllib on its first fetch."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ["requests", "urllib3", "tenacity", "http.cookiejar", "urllib.request"]


def _loaded(code: str) -> dict[str, bool]:
    script = f"import sys, json\n{code}\nprint(json.dumps({{m: m in sys.modules for m in {HEAVY!r}}}))"
    out = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True, timeout=60
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def test_import_loads_no_http_stack_and_no_tenacity() -> None:
    assert _loaded("import copilot_sdk") == dict.fromkeys(HEAVY, False)


def test_a_started_client_loads_the_http_stack() -> None:
    loaded = _loaded(
        "from copilot_sdk import CopilotClient, ProviderConfig\n"
        "c = CopilotClient(provider=ProviderConfig(type='openai', base_url='http://127.0.0.1:9/v1'),"
        " store=':memory:').start()\n"
        "c.stop()"
    )
    assert loaded["requests"] and loaded["urllib3"]
    assert not loaded["tenacity"]  # nothing was retried
