"""A user's script with deliberate type errors, each marked ``# error: <code>``;
tests/test_typing.py checks that ``mypy --strict`` reports exactly those."""

from __future__ import annotations

from copilot_sdk import CopilotClient, ProviderConfig, SessionEvent, SessionEventType, define_tool
from copilot_sdk.events import AssistantMessageData


@define_tool
def add(a: int, b: int) -> int:
    """Add."""
    return a + b


def main() -> None:
    client = CopilotClient(provider={"type": "openai", "base_url": "http://localhost:1/v1"})
    session = client.create_session(model="gpt-5", tools=[add], streaming=True)
    reply = session.send("hi")
    text: str = reply.data.content
    print(text, reply.data.contnet)  # error: attr-defined
    client.create_session(model=5)  # error: call-overload
    client.create_session(reasoning_effort="extreme")  # error: call-overload
    client.create_session(modle="gpt-5")  # error: call-overload
    session.set_model("gpt-4.1", reasoning_effort="high")
    ProviderConfig(type="openia")  # error: arg-type

    def on_event(event: SessionEvent) -> None:
        if event.type is SessionEventType.ASSISTANT_MESSAGE and isinstance(event.data, AssistantMessageData):
            print(event.data.content)
        print(event.data.content)  # error: union-attr

    session.on(on_event)
    future = session.send_async("later")
    print(future.result().data.content)
    client.resume_session("id", model="gpt-5", session_id="x")  # error: call-arg
