"""The fault matrix of docs/reliability.md, cell by cell: the table is read from the
document, so a change of behaviour or of the document fails here."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import pytest

import copilot_sdk
from copilot_sdk import CopilotClient, ProviderConfig
from copilot_sdk.testing import MockFault, MockModelServer, MockReply

DOC = Path(__file__).resolve().parent.parent / "docs" / "reliability.md"
COLUMNS = [("openai", False), ("openai", True), ("anthropic", False), ("anthropic", True)]
LONG = "a reply long enough to arrive in several pieces"


def _table() -> List[Tuple[str, List[str]]]:
    rows = []
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## The fault matrix", 1)[1].split("\n## ", 1)[0]
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0] not in ("Fault",) and not set(cells[0]) <= {"-"}:
            rows.append((cells[0], cells[1:]))
    return rows


# What each fault of the table is, as scripted replies (and client settings).
FAULTS: Dict[str, Tuple[Callable[[], List[object]], Dict[str, object]]] = {
    "500 once": (lambda: [MockFault(status=500)], {}),
    "503 always": (lambda: [MockFault(status=503)] * 3, {}),
    "529 once": (lambda: [MockFault(status=529)], {}),
    "429 once, Retry-After: 0": (lambda: [MockFault(status=429, headers={"Retry-After": "0"})], {}),
    "429, Retry-After: 3600": (lambda: [MockFault(status=429, headers={"Retry-After": "3600"})], {}),
    "400": (lambda: [MockFault(status=400)], {}),
    "401": (lambda: [MockFault(status=401)], {}),
    "404": (lambda: [MockFault(status=404)], {}),
    "connection dropped before the reply": (lambda: [MockFault(drop=True)], {}),
    "200 that is not JSON": (lambda: [MockFault(malformed=True)], {}),
    "200 of the wrong shape": (lambda: [MockFault(wrong_shape=True)], {}),
    "stream cut after the first delta": (
        lambda: [MockReply(content=LONG, chunk_size=4, truncate_after=5)], {}
    ),
    "reply slower than the read timeout, once": (
        lambda: [MockReply(content="slow", latency=3.0)], {"timeout": (5.0, 1.0)}
    ),
    "stream silent past the idle timeout": (
        lambda: [MockReply(content=LONG, chunk_size=4, stall_after=1)], {"stream_idle_timeout": 1.0}
    ),
}

CASES = [
    pytest.param(fault, wire, streamed, expected, id=f"{re.sub(r'[^a-z0-9]+', '-', fault.lower())}-{wire}-"
                 f"{'streamed' if streamed else 'plain'}")
    for fault, cells in _table()
    for (wire, streamed), expected in zip(COLUMNS, cells, strict=True)
    if expected != "-"
]


def test_the_table_covers_every_scripted_fault() -> None:
    assert [fault for fault, _ in _table()] == list(FAULTS)


@pytest.mark.parametrize(("fault", "wire", "streamed", "expected"), CASES)
def test_fault_matrix(
    fault: str, wire: str, streamed: bool, expected: str,
    server: MockModelServer, make_client: Callable[..., CopilotClient],
) -> None:
    replies, settings = FAULTS[fault]
    if wire == "openai":
        provider = ProviderConfig(type="openai", base_url=server.openai_base_url, api_key="k")
    else:
        provider = ProviderConfig(type="anthropic", base_url=server.anthropic_base_url, api_key="k")
    client = make_client(provider=provider, max_retries=2, **settings)
    model = "gpt-5" if wire == "openai" else "claude-sonnet-4.5"
    session = client.create_session(model=model, streaming=streamed)
    server.enqueue(*replies())  # type: ignore[arg-type]
    if expected == "retried":
        assert session.send("hello").type == "assistant.message"
        assert len(server.chat_requests) == 2
        kinds = [e.type for e in session.get_messages() if e.type in ("user.message", "assistant.message")]
        assert kinds == ["user.message", "assistant.message"]
        return
    error = getattr(copilot_sdk, expected)
    with pytest.raises(error) as info:
        session.send("hello")
    assert type(info.value) is error
    assert session.get_messages() == []
