"""Rows <-> values for every persistent store: times, configs and event payloads.

Times are stored as integer microseconds since the Unix epoch (UTC), so ordering is
an integer comparison; configs and events as compact JSON. Decoding failures become
ConfigurationError naming the store (``where``: a file path or a secret-free URL).
"""

from __future__ import annotations

import datetime as _dt
import json
import time
from typing import Any, List, Mapping, Sequence, Tuple

from ..errors import ConfigurationError
from ..events import SessionEvent, event_from_dict, event_to_dict
from .base import SessionRecord

__all__ = [
    "EPOCH",
    "MICROSECOND",
    "decode_events",
    "decode_record",
    "encode_config",
    "encode_event",
    "from_us",
    "now_us",
    "to_us",
]

EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
MICROSECOND = _dt.timedelta(microseconds=1)
#: Config keys never written to the database, whatever a caller passes.
_SECRET_KEYS = frozenset({"api_key", "bearer_token", "github_token", "token", "headers"})


def to_us(moment: _dt.datetime) -> int:
    """Microseconds since the epoch (a naive datetime is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.timezone.utc)
    return (moment - EPOCH) // MICROSECOND


def from_us(us: int) -> _dt.datetime:
    """The timezone-aware UTC datetime of :func:`to_us` output."""
    return EPOCH + us * MICROSECOND


def now_us() -> int:
    """Now, in microseconds since the epoch."""
    return time.time_ns() // 1000


def _scrub(value: Any) -> Any:
    """``value`` without any mapping entry whose key names a secret."""
    if isinstance(value, Mapping):
        return {k: _scrub(v) for k, v in value.items() if k not in _SECRET_KEYS}
    if isinstance(value, (list, tuple)):
        return [_scrub(v) for v in value]
    return value


def encode_config(config: Mapping[str, Any]) -> str:
    """A session's public config as JSON, with any secret-named key dropped (the
    client passes ``SessionConfig.to_public_dict()``, which has none: belt and braces)."""
    return json.dumps(_scrub(config), ensure_ascii=False, sort_keys=True)


_EVENT_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # stateless: shared


def encode_event(event: SessionEvent) -> str:
    """The row payload: the JSON of :func:`copilot_sdk.events.event_to_dict`."""
    return _EVENT_ENCODER.encode(event_to_dict(event))


def decode_events(where: object, session_id: str, payloads: Sequence[str]) -> List[SessionEvent]:
    """Events from their row payloads, in order (one JSON parse for the lot).

    Raises:
        ConfigurationError: a payload is not a stored event.
    """
    if not payloads:
        return []
    try:
        raws = json.loads("[" + ",".join(payloads) + "]")
        return [event_from_dict(raw) for raw in raws]
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        raise ConfigurationError(
            f"the session store {where} holds an unreadable event of session {session_id!r}: "
            f"{type(exc).__name__}: {exc}"
        ) from exc


def decode_record(where: object, row: Tuple[Any, ...]) -> SessionRecord:
    """A SessionRecord from ``(id, start_time, modified_time, summary, model, config)``.

    Raises:
        ConfigurationError: a field is damaged (a time that is not an integer, a
            config that is not a JSON object, ...), naming the session and the field.
    """
    session_id, start, modified, summary, model, config = row

    def damaged(field: str, problem: str) -> ConfigurationError:
        return ConfigurationError(
            f"the session store {where} holds a damaged row of session {session_id!r}: "
            f"{field} {problem}"
        )

    try:
        parsed = json.loads(config)
    except (ValueError, TypeError, RecursionError) as exc:
        raise damaged("config", f"is not JSON ({exc})") from exc
    times = []
    for field, value in (("start_time", start), ("modified_time", modified)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise damaged(field, f"is {type(value).__name__} {str(value)[:40]!r}, not a time")
        try:
            times.append(from_us(value))
        except OverflowError:
            raise damaged(field, f"is {value}, out of range for a time") from None
    for field, value in (("summary", summary), ("model", model)):
        if value is not None and not isinstance(value, str):
            raise damaged(field, f"is {type(value).__name__}, not text")
    if not isinstance(parsed, dict):
        raise damaged("config", f"is a JSON {type(parsed).__name__}, not an object")
    return SessionRecord(
        session_id=session_id,
        start_time=times[0],
        modified_time=times[1],
        summary=summary,
        model=model,
        config=parsed,
    )
