"""Event ids and the JSON form of events."""

from __future__ import annotations

import uuid

from copilot_sdk.events import (
    AssistantMessageData,
    ToolRequest,
    event_from_dict,
    event_to_dict,
    new_event,
    new_id,
)


def test_ids_are_unique_version_4_uuids() -> None:
    ids = [new_id() for _ in range(10_000)]
    assert len(set(ids)) == len(ids)
    for value in ids[:1000]:
        parsed = uuid.UUID(value)
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122 and str(parsed) == value


def test_event_json_round_trip() -> None:
    event = new_event(
        "assistant.message",
        AssistantMessageData(
            content="hi",
            message_id=new_id(),
            tool_requests=[ToolRequest(tool_call_id="c1", name="t", arguments={"a": [1, {"b": None}]})],
            model="gpt-5",
        ),
        parent_id=new_id(),
    )
    raw = event_to_dict(event)
    expected = [{"tool_call_id": "c1", "name": "t", "arguments": {"a": [1, {"b": None}]}}]
    assert raw["data"]["tool_requests"] == expected
    assert event_from_dict(raw) == event


def test_event_type_is_a_str_enum() -> None:
    from copilot_sdk import SessionEventType

    event = new_event("assistant.message", AssistantMessageData(content="the answer", message_id="m"))
    assert event.type == "assistant.message"
    assert event.type.value == "assistant.message"
    assert event.type is SessionEventType.ASSISTANT_MESSAGE
    assert f"{event.type}" == str(event.type) == "assistant.message"
    assert event.type in {"assistant.message"} and {"assistant.message": 1}[event.type] == 1
    assert event_to_dict(event)["type"] == "assistant.message"
    assert type(event_from_dict(event_to_dict(event)).type) is SessionEventType
    assert str(event) == "the answer"  # print(reply) prints the answer


def test_unknown_event_type_is_refused() -> None:
    import pytest

    with pytest.raises(ValueError, match="unknown event type 'assistant.mesage'"):
        new_event("assistant.mesage", None)


def test_timestamp_is_an_aware_datetime_stable_across_reads_and_the_store_form() -> None:
    import datetime as dt
    import time

    import attrs
    import pytest

    from copilot_sdk.events import SessionEvent, UserMessageData

    before = time.time()
    event = new_event("user.message", UserMessageData(content="hi"))
    first = event.timestamp
    assert first.tzinfo is not None and first.utcoffset() == dt.timedelta(0)
    assert before - 1 <= first.timestamp() <= time.time() + 1
    assert event.timestamp is first  # made once, then kept
    loaded = event_from_dict(event_to_dict(new := new_event("user.message", UserMessageData(content="x"))))
    assert loaded == new and hash(loaded) == hash(new) and loaded.timestamp == new.timestamp
    assert f"timestamp={new.timestamp!r}" in repr(new)
    later = attrs.evolve(new, parent_id="p")
    assert later.timestamp == new.timestamp and later.parent_id == "p"
    given = dt.datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=dt.timezone.utc)
    made = SessionEvent(id="e", timestamp=given, type="user.message", data=UserMessageData(content=""))
    assert made.timestamp == given
    with pytest.raises(TypeError, match="timestamp must be a datetime"):
        SessionEvent(id="e", timestamp="2026-01-02", type="user.message",  # type: ignore[arg-type]
                     data=UserMessageData(content=""))


def test_a_stored_event_of_the_wrong_shape_is_refused_by_name() -> None:
    import pytest

    from copilot_sdk.events import UserMessageData

    good = event_to_dict(new_event("user.message", UserMessageData(content="hi"), parent_id="p"))
    assert event_from_dict(good).parent_id == "p"
    for damage in ({"id": 7}, {"parent_id": ["p"]}, {"timestamp": 1}, {"timestamp": "yesterday"},
                   {"type": "user.mesage"}, {"data": {"content": "hi", "bogus": 1}}, {"data": {}}):
        with pytest.raises(ValueError, match="not a valid stored event"):
            event_from_dict({**good, **damage})
