"""The checks of settings: the one check for durations and other non-negative
numbers, and the validators and converters of the configuration objects
(``copilot_sdk.types``): session ids, credentials, URLs, header maps.

Frozen settings objects (:class:`~.http.Timeouts`, :class:`~.retry.RetryPolicy`,
the attrs classes of ``copilot_sdk.types``) validate themselves with these, so a
bad value fails where it is built, naming the option, whoever builds it.
"""

from __future__ import annotations

import re
import urllib.parse
from typing import Any, Callable, Iterator, Mapping, Optional

import attrs

__all__ = ["FrozenDict", "check_number", "number", "validate_session_id"]

_SESSION_ID_RE = re.compile(r"[A-Za-z0-9_.:@-]{1,128}")


def check_number(name: str, value: Any, *, allow_zero: bool = False) -> float:
    """``value`` as a float, or TypeError/ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, not {type(value).__name__}")
    if value != value or value < 0 or (value == 0 and not allow_zero):  # NaN fails too
        raise ValueError(f"{name} must be {'>= 0' if allow_zero else '> 0'}, got {value!r}")
    return float(value)


def number(name: str, *, allow_zero: bool = False) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    """An attrs validator running :func:`check_number` for the option ``name``."""

    def validate(_instance: Any, _attribute: attrs.Attribute[Any], value: Any) -> None:
        check_number(name, value, allow_zero=allow_zero)

    return validate


class FrozenDict(Mapping[str, Any]):
    """An immutable, hashable mapping used for header and capability maps."""

    __slots__ = ("_data", "_hash")

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        self._data = dict(data or {})
        self._hash: int | None = None

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(tuple(sorted((k, repr(v)) for k, v in self._data.items())))
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return self._data == dict(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"FrozenDict({self._data!r})"


def _frozen_headers(value: Mapping[str, str] | None) -> FrozenDict:
    if value is None:
        return FrozenDict()
    if not isinstance(value, Mapping):
        raise TypeError(f"headers must be a mapping of str to str, not {type(value).__name__}")
    for k, v in value.items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise TypeError("headers must be a mapping of str to str")
    return FrozenDict(value)


def _headers_repr(value: FrozenDict) -> str:
    # Header values are often credentials: show the names only.
    return "{" + ", ".join(f"{k!r}: '***'" for k in value) + "}"


def validate_session_id(session_id: object) -> str:
    """Return ``session_id`` if valid, else raise ValueError/TypeError naming the problem."""
    if not isinstance(session_id, str):
        raise TypeError(f"session_id must be a str, not {type(session_id).__name__}")
    if not _SESSION_ID_RE.fullmatch(session_id):
        raise ValueError(
            f"session_id {session_id[:140]!r} is invalid: use 1-128 ASCII letters, digits "
            "and '-', '_', '.', ':', '@'"
        )
    return session_id


def _check_session_id(_inst: object, _attr: object, value: Optional[str]) -> None:
    if value is not None:
        validate_session_id(value)


def _check_optional_str(inst: object, attr: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{attr.name} must be a str or None, not {type(value).__name__}")


def _check_secret(inst: object, attr: attrs.Attribute[Any], value: object) -> None:
    """A credential: a str without whitespace or control characters (the value is
    never quoted in the error)."""
    _check_optional_str(inst, attr, value)
    if isinstance(value, str) and any(c.isspace() or ord(c) < 32 for c in value):
        raise ValueError(
            f"{attr.name} contains whitespace or a control character "
            "(a trailing newline from a file?); the value is not shown"
        )


def _check_base_url(inst: object, attr: attrs.Attribute[Any], value: Optional[str]) -> None:
    _check_optional_str(inst, attr, value)
    if value is None:
        return
    if "@" in urllib.parse.urlsplit(value).netloc:
        # Never quoted: the part before "@" is a password.
        raise ValueError(
            f"{attr.name} must not carry credentials (user:password@host): they would show up "
            "in logs, errors and the store; pass them as api_key=, bearer_token= or headers="
        )
    if not re.match(r"https?://[^/\s]+", value):
        raise ValueError(f"{attr.name} must be an http:// or https:// URL, got {value[:200]!r}")


def _strip_slash(value: Optional[str]) -> Optional[str]:
    return value.rstrip("/") if isinstance(value, str) else value
