"""The one check for durations and other non-negative numbers in settings.

Frozen settings objects (:class:`~.http.Timeouts`, :class:`~.retry.RetryPolicy`)
validate themselves with it, so a bad value fails where it is built, naming the
option, whoever builds it.
"""

from __future__ import annotations

from typing import Any, Callable

import attrs

__all__ = ["check_number", "number"]


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
