"""Properties that hold for any input (hypothesis): the SSE decoder is a pure function
of the bytes whatever the chunking and raises only our errors; the wire parsers and
stream accumulators, fed arbitrary JSON, return a reply or raise a CopilotError;
session ids and prompts are accepted or refused with ValueError/TypeError, never
anything else. Example counts are kept small so the suite stays fast."""

from __future__ import annotations

import json
from typing import Any, List

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from copilot_sdk import CopilotError, MessageOptions, SessionConfig
from copilot_sdk._transport.sse import ServerSentEvent, SSEDecoder, iter_sse
from copilot_sdk._transport.wirejson import loads
from copilot_sdk.providers import anthropic_wire, openai_wire, responses_wire

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)
# Shapes close to the real ones, so the parsers get past their first check.
openai_like = st.fixed_dictionaries(
    {
        "id": json_values,
        "choices": st.lists(
            st.dictionaries(
                st.sampled_from(["index", "message", "delta", "finish_reason"]), json_values, max_size=4
            ),
            max_size=3,
        ),
    },
    optional={"usage": json_values, "model": json_values},
)
anthropic_like = st.fixed_dictionaries(
    {"type": st.sampled_from(["message", "message_start", "content_block_start", "content_block_delta",
                              "content_block_stop", "message_delta", "message_stop", "error", "ping"])},
    optional={"index": json_values, "delta": json_values, "content_block": json_values,
              "message": json_values, "content": json_values, "usage": json_values, "error": json_values},
)


def _chunked(data: bytes, cuts: List[int]) -> List[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    pieces, last = [], 0
    for point in points:
        pieces.append(data[last:point])
        last = point
    return pieces + [data[last:]]


sse_lines = st.lists(
    st.sampled_from([b"data: a", b"data:b", b"event: x", b"id: 1", b"retry: 10", b"retry: \xc2\xb2",
                     b": c", b"", b"\xef\xbb\xbfdata: bom", b"data: caf\xc3\xa9", b"\xff\xfe", b"field"]),
    max_size=20,
)
line_ends = st.sampled_from([b"\n", b"\r", b"\r\n"])


@FAST
@given(
    lines=sse_lines,
    ends=st.lists(line_ends, min_size=20, max_size=20),
    cuts=st.lists(st.integers(0, 500), max_size=8),
)
def test_sse_decoding_does_not_depend_on_the_chunking(
    lines: List[bytes], ends: List[bytes], cuts: List[int]
) -> None:
    stream = b"".join(line + end for line, end in zip(lines, ends, strict=False))
    whole = list(iter_sse([stream]))
    assert list(iter_sse(_chunked(stream, cuts))) == whole
    assert list(iter_sse([bytes([b]) for b in stream])) == whole


@FAST
@given(data=st.binary(max_size=300), cuts=st.lists(st.integers(0, 300), max_size=6))
def test_sse_decoder_raises_only_our_errors_on_any_bytes(data: bytes, cuts: List[int]) -> None:
    decoder = SSEDecoder(max_size=64)
    try:
        for chunk in _chunked(data, cuts):
            for event in decoder.feed(chunk):
                assert isinstance(event, ServerSentEvent)
    except CopilotError:
        pass


def _parses_or_our_error(parse: Any, value: Any) -> None:
    try:
        parse(value)
    except CopilotError:
        pass


@FAST
@given(body=json_values | openai_like)
def test_openai_response_parser_on_arbitrary_json(body: Any) -> None:
    _parses_or_our_error(openai_wire.parse_response, body)


@FAST
@given(body=json_values | anthropic_like)
def test_anthropic_response_parser_on_arbitrary_json(body: Any) -> None:
    _parses_or_our_error(anthropic_wire.parse_response, body)
    _parses_or_our_error(anthropic_wire.parse_models, body)


@FAST
@given(body=json_values)
def test_responses_parser_on_arbitrary_json(body: Any) -> None:
    _parses_or_our_error(responses_wire.parse_response, body)


def _event(value: Any) -> ServerSentEvent:
    return ServerSentEvent(data=json.dumps(value))


def _fed_or_our_error(acc: Any, events: List[Any], *, complete: bool = True) -> None:
    """Every event fed gives text (maybe empty) and the reply is built, or one of our
    errors is raised; nothing else."""
    try:
        for event in events:
            assert isinstance(acc.feed(_event(event), "http://x"), str)
        if complete:
            acc.complete()
        acc.result()
    except CopilotError:
        pass


@FAST
@given(chunks=st.lists(json_values | openai_like, max_size=6))
def test_openai_stream_accumulator_on_arbitrary_json(chunks: List[Any]) -> None:
    _fed_or_our_error(openai_wire.StreamAccumulator(), chunks, complete=False)


@FAST
@given(events=st.lists(json_values | anthropic_like, max_size=6))
def test_anthropic_stream_accumulator_on_arbitrary_json(events: List[Any]) -> None:
    _fed_or_our_error(anthropic_wire.StreamAccumulator(), events)


@FAST
@given(events=st.lists(json_values, max_size=6))
def test_responses_stream_accumulator_on_arbitrary_json(events: List[Any]) -> None:
    _fed_or_our_error(responses_wire.StreamAccumulator(), events)


@FAST
@given(text=st.text(max_size=60))
def test_wire_json_raises_only_validation_errors(text: str) -> None:
    try:
        value = loads(text, what="a reply")
    except CopilotError:
        return
    json.dumps(value, allow_nan=False).encode("utf-8")  # storable and sendable as it is


@FAST
@given(session_id=st.text(max_size=140) | st.integers() | st.none())
def test_session_ids_are_accepted_or_refused_clearly(session_id: Any) -> None:
    try:
        config = SessionConfig(model="m", session_id=session_id)
    except (ValueError, TypeError) as exc:
        assert "session_id" in str(exc)
        return
    assert config.session_id == session_id


@FAST
@given(prompt=st.text(max_size=80))
def test_prompts_are_accepted_or_refused_clearly(prompt: str) -> None:
    try:
        options = MessageOptions(prompt=prompt)
    except ValueError as exc:
        assert "prompt" in str(exc)
        return
    options.prompt.encode("utf-8")  # whatever is accepted can be sent and stored


@pytest.mark.parametrize("surrogate", ["\ud800", "a\udfffb"])
def test_prompts_with_lone_surrogates_are_refused(surrogate: str) -> None:
    with pytest.raises(ValueError, match="prompt"):
        MessageOptions(prompt=surrogate)
