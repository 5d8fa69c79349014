"""Validate chat-completions payloads against OpenAI's published schemas.

The schemas are vendored in ``tests/specs/`` (refs under ``$defs``; provenance and
licence in ``tests/specs/README.md``). Each ``validate_*`` raises
``jsonschema.ValidationError`` with the best-matching error when a payload does not
conform, so a test fails with the exact field at fault.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import jsonschema

__all__ = ["SPEC_DIR", "SPEC_PATH", "validate_chunk", "validate_request", "validate_response"]

SPEC_DIR = Path(__file__).resolve().parent / "specs"
SPEC_PATH = SPEC_DIR / "openai-chat-completions.schema.json"


@functools.cache
def _spec_defs() -> dict[str, Any]:
    if not SPEC_PATH.is_file():
        raise FileNotFoundError(
            f"OpenAI chat-completions schema not found at {SPEC_PATH}; "
            "it is vendored in tests/specs/ (see the README there)"
        )
    defs: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))["$defs"]
    return defs


@functools.cache
def _validator(name: str) -> jsonschema.Draft202012Validator:
    defs = _spec_defs()
    if name not in defs:
        raise KeyError(f"{name} is not in {SPEC_PATH}")
    schema = {"$ref": f"#/$defs/{name}", "$defs": defs}
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _validate(name: str, payload: Any) -> None:
    error = jsonschema.exceptions.best_match(_validator(name).iter_errors(payload))
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
