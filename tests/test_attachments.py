"""Attachments and the wire formats side by side: an image and a file reaching chat
completions, Responses and the Anthropic messages format (directly and through the
Copilot API), one tool loop per wire format with the same events, vision checks,
the official dict shapes and the limits. Real HTTP against MockModelServer."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any, Dict, List

import pytest

from copilot_sdk import Attachment, CopilotClient, MessageOptions, ProviderConfig, define_tool
from copilot_sdk._engine.attachments import MAX_TEXT_BYTES
from copilot_sdk.testing import MockModelServer, MockReply, MockToolCall

from ._spec import validate_request, validate_responses_request

TOKEN = "gho_testAttachments0123456789abcdef0"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(40))
WIRES = ["completions", "responses", "messages", "copilot messages"]


@define_tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def provider(server: MockModelServer, wire: str) -> ProviderConfig:
    if wire == "messages":
        return ProviderConfig(type="anthropic", base_url=server.anthropic_base_url, api_key="k")
    if wire == "copilot messages":
        return ProviderConfig(type="copilot", github_api_url=server.url)
    api = "responses" if wire == "responses" else None
    return ProviderConfig(type="openai", base_url=server.openai_base_url, api_key="k", wire_api=api)


def model_for(wire: str) -> str:
    return {"messages": "claude-sonnet-4.5", "copilot messages": "claude-opus-4.5"}.get(wire, "gpt-5")


def client_for(server: MockModelServer, wire: str) -> CopilotClient:
    return CopilotClient(provider=provider(server, wire), github_token=TOKEN, store=":memory:").start()


def image_and_text(body: Dict[str, Any], wire: str) -> tuple[Any, List[str]]:
    """The image part and the texts of the request's first user message."""
    if wire == "responses":
        parts = body["input"][0]["content"]
        image = next(p for p in parts if p["type"] == "input_image")
        return image, [p["text"] for p in parts if p["type"] == "input_text"]
    parts = body["messages"][0]["content"]
    kind = "image_url" if wire == "completions" else "image"
    image = next(p for p in parts if p["type"] == kind)
    return image, [p["text"] for p in parts if p["type"] == "text"]


@pytest.mark.parametrize("wire", WIRES)
def test_an_image_and_a_file_reach_each_wire_format(
    wire: str, server: MockModelServer, tmp_path: Path
) -> None:
    (tmp_path / "plot.png").write_bytes(PNG)
    (tmp_path / "data.csv").write_text("t,v\n0,1\n1,4\n", encoding="utf-8")
    with client_for(server, wire) as client:
        reply = client.create_session(model=model_for(wire)).send(
            "Describe the plot.",
            attachments=[
                Attachment.image(tmp_path / "plot.png"),
                {"type": "file", "path": str(tmp_path / "data.csv")},
            ],
        )
    assert "images=['image/png 48 bytes']" in reply.data.content  # the mock saw the image
    request = server.chat_requests[-1]
    image, texts = image_and_text(request.body, wire)
    data = base64.b64encode(PNG).decode()
    if wire == "completions":
        validate_request(request.body)
        assert image == {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{data}"}}
    elif wire == "responses":
        validate_responses_request(request.body)
        assert image == {
            "type": "input_image",
            "image_url": f"data:image/png;base64,{data}",
            "detail": "auto",
        }
    else:
        assert image == {
            "type": "image",
            "source": {"type": "base64", "media_type": "image/png", "data": data},
        }
    assert texts[0] == "Describe the plot."
    assert str(tmp_path / "data.csv") in texts[1] and "1,4" in texts[1]
    if wire == "copilot messages":
        assert request.path == "/copilot-api/v1/messages"
        assert request.get_header("Copilot-Vision-Request") == "true"


@pytest.mark.parametrize("stream", [False, True])
def test_one_tool_loop_per_wire_format_with_the_same_events(stream: bool, server: MockModelServer) -> None:
    seen: Dict[str, List[str]] = {}
    for wire in ("completions", "responses", "messages"):
        with client_for(server, wire) as client:
            session = client.create_session(model=model_for(wire), tools=[add], streaming=stream)
            server.enqueue(
                MockReply(
                    content="Adding.", tool_calls=[MockToolCall(name="add", arguments={"a": 2, "b": 2})]
                ),
                MockReply(content="4"),
            )
            events = list(session.stream("2+2?")) if stream else []
            if not stream:
                session.on(events.append)
                assert session.send("2+2?").data.content == "4"
            seen[wire] = [e.type.value for e in events if e.type != "assistant.message_delta"]
            done = [e.data for e in events if e.type == "tool.execution_complete"]
            assert [(d.success, d.result) for d in done] == [(True, "4")], wire
    assert seen["completions"] == seen["responses"] == seen["messages"]
    assert seen["completions"][:2] == ["user.message", "assistant.turn_start"]
    assert seen["completions"][-2:] == ["assistant.turn_end", "session.idle"]


def test_images_for_a_model_without_vision_are_refused_before_sending(server: MockModelServer) -> None:
    with client_for(server, "copilot messages") as client:
        session = client.create_session(model="o3-mini")
        with pytest.raises(ValueError, match="'o3-mini' does not take images"):
            session.send("look", attachments=[Attachment.image(PNG)])
        assert server.chat_requests == [] and session.get_messages() == []
        session.send("no image this time")
        assert server.chat_requests[-1].get_header("Copilot-Vision-Request") is None


def test_dict_shapes_factories_and_the_stored_log(server: MockModelServer, tmp_path: Path) -> None:
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "main.py").write_text("print(1)\n", encoding="utf-8")
    (folder / "pkg").mkdir()
    attachments = [
        {"type": "directory", "path": str(folder), "displayName": "src"},
        {
            "type": "selection",
            "filePath": str(folder / "main.py"),
            "text": "print(1)",
            "selection": {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 8}},
        },
        {
            "type": "blob",
            "data": base64.b64encode(b"hello notes").decode(),
            "mimeType": "text/plain",
            "displayName": "notes",
        },
        Attachment.blob(PNG, "image/png", display_name="shot"),
        Attachment.file(folder / "main.py", display_name="entry point"),
    ]
    with client_for(server, "completions") as client:
        session = client.create_session(model="gpt-5")
        session.send(MessageOptions(prompt="Review this.", attachments=attachments))
        stored = [e for e in session.get_messages() if e.type == "user.message"][0].data
    texts = [
        p["text"] for p in server.chat_requests[-1].body["messages"][0]["content"] if p["type"] == "text"
    ]
    assert texts[1] == "Directory src contains:\nmain.py\npkg/"
    assert texts[2].startswith(f"Selection from {folder / 'main.py'}:") and "print(1)" in texts[2]
    assert "hello notes" in texts[3]
    assert texts[4].startswith(f"File entry point ({folder / 'main.py'}):")
    assert [a["type"] for a in stored.attachments] == ["directory", "selection", "blob", "blob", "file"]
    assert stored.attachments[0]["listing"] == ["main.py", "pkg/"]
    assert stored.attachments[4]["text"] == "print(1)\n"
    assert Attachment.from_value(attachments[1]).to_dict() == attachments[1]


def test_bad_attachments_are_named(tmp_path: Path, server: MockModelServer) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * (MAX_TEXT_BYTES + 1))
    binary = tmp_path / "blob.bin"
    binary.write_bytes(b"\x00\xff" * 10)
    with client_for(server, "completions") as client:
        session = client.create_session(model="gpt-5")
        cases = [
            ([str(tmp_path / "missing.txt")], ValueError, "missing.txt.*cannot be read"),
            ([big], ValueError, "big.txt.*over the limit"),
            ([binary], ValueError, "blob.bin.*neither UTF-8 text nor"),
        ]
        for paths, error, message in cases:
            with pytest.raises(error, match=message):
                session.send("x", attachments=[Attachment.file(p) for p in paths])
        with pytest.raises(TypeError, match="unknown key"):
            session.send("x", attachments=[{"type": "file", "path": "a", "size": 3}])
        with pytest.raises(ValueError, match="attachment type"):
            session.send("x", attachments=[{"type": "url", "path": "a"}])
        with pytest.raises(ValueError, match="not valid base64"):
            session.send("x", attachments=[{"type": "blob", "data": "***", "mimeType": "image/png"}])
        with pytest.raises(ValueError, match="only images"):
            session.send("x", attachments=[Attachment.blob(b"%PDF", "application/pdf")])
        with pytest.raises(ValueError, match="not a PNG"):
            Attachment.image(b"not an image")
        with pytest.raises(TypeError, match="list of Attachment"):
            MessageOptions(prompt="x", attachments="a.txt")  # type: ignore[arg-type]
        assert server.chat_requests == [] and session.get_messages() == []
