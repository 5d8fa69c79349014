"""Validate OpenAI-format payloads (chat completions and Responses) against OpenAI's
published schemas.

The schemas are vendored in ``tests/specs/`` (refs under ``$defs``; provenance and
licence in ``tests/specs/README.md``). Each ``validate_*`` raises
``jsonschema.ValidationError`` with the best-matching error when a payload does not
conform, so a test fails with the exact field at fault. :func:`sse_events` decodes a
recorded SSE body so that every event of a stream can be checked.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any, List

import jsonschema

__all__ = [
    "RESPONSES_SPEC_PATH", "SPEC_DIR", "SPEC_PATH", "sse_events", "validate_chunk", "validate_request",
    "validate_response", "validate_responses_event", "validate_responses_reply",
    "validate_responses_request",
]

SPEC_DIR = Path(__file__).resolve().parent / "specs"
SPEC_PATH = SPEC_DIR / "openai-chat-completions.schema.json"
RESPONSES_SPEC_PATH = SPEC_DIR / "openai-responses.schema.json"


def _draft_2020_12(node: Any) -> Any:
    """The schema with its one Draft 2019-09 construct in 2020-12 terms: the Responses
    file's ``CompoundFilter`` (file-search filters) refers to itself with
    ``$recursiveAnchor``/``$recursiveRef``, which 2020-12 replaced (its meta-schema
    refuses the boolean anchor); the self-reference becomes a plain ``$ref``."""
    if isinstance(node, dict):
        if node.get("$recursiveRef") == "#":
            return {"$ref": "#/$defs/CompoundFilter"}
        return {k: _draft_2020_12(v) for k, v in node.items() if k != "$recursiveAnchor"}
    if isinstance(node, list):
        return [_draft_2020_12(v) for v in node]
    return node


@functools.cache
def _spec_defs(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise FileNotFoundError(
            f"OpenAI schema not found at {path}; it is vendored in tests/specs/ (see the README there)"
        )
    defs: dict[str, Any] = _draft_2020_12(json.loads(path.read_text(encoding="utf-8"))["$defs"])
    return defs


@functools.cache
def _validator(path: Path, name: str) -> jsonschema.Draft202012Validator:
    defs = _spec_defs(path)
    if name not in defs:
        raise KeyError(f"{name} is not in {path}")
    schema = {"$ref": f"#/$defs/{name}", "$defs": defs}
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _validate(name: str, payload: Any, path: Path = SPEC_PATH) -> None:
    error = jsonschema.exceptions.best_match(_validator(path, name).iter_errors(payload))
    if error is not None:
        raise error


def validate_request(body: Any) -> None:
    """Check a request body against ``CreateChatCompletionRequest``."""
    _validate("CreateChatCompletionRequest", body)


def validate_response(body: Any) -> None:
    """Check a non-streamed reply against ``CreateChatCompletionResponse``."""
    _validate("CreateChatCompletionResponse", body)


def validate_chunk(chunk: Any) -> None:
    """Check one streamed chunk against ``CreateChatCompletionStreamResponse``."""
    _validate("CreateChatCompletionStreamResponse", chunk)


def validate_responses_request(body: Any) -> None:
    """Check a Responses request body against ``CreateResponse``."""
    _validate("CreateResponse", body, RESPONSES_SPEC_PATH)


def validate_responses_reply(body: Any) -> None:
    """Check a non-streamed Responses reply against ``Response``."""
    _validate("Response", body, RESPONSES_SPEC_PATH)


def validate_responses_event(event: Any) -> None:
    """Check one Responses stream event against ``ResponseStreamEvent``."""
    _validate("ResponseStreamEvent", event, RESPONSES_SPEC_PATH)


def sse_events(raw: bytes) -> List[Any]:
    """The JSON ``data`` of every event in an SSE body (``[DONE]`` left out)."""
    events = []
    for block in raw.decode("utf-8").replace("\r\n", "\n").split("\n\n"):
        data = [line[5:].lstrip() for line in block.split("\n") if line.startswith("data:")]
        if data and data != ["[DONE]"]:
            events.append(json.loads("\n".join(data)))
    return events
