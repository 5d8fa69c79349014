"""The ``infinite_sessions`` setting: whether and when a session compacts itself.

Exposed as :class:`copilot_sdk.types.InfiniteSessions`; ``SessionConfig`` converts
the official forms (a bool, or a dict with ``enabled``,
``background_compaction_threshold`` and ``buffer_exhaustion_threshold``) into it.
"""

from __future__ import annotations

from typing import Any, Mapping

import attrs

__all__ = ["InfiniteSessions", "infinite_sessions"]


def _check_fraction(inst: object, attr: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"infinite_sessions: {attr.name} must be a number, not {type(value).__name__}")
    if not 0 < value <= 1:
        raise ValueError(f"infinite_sessions: {attr.name} must be in (0, 1], got {value!r}")


@attrs.frozen(kw_only=True)
class InfiniteSessions:
    """How a session keeps under its model's context window (``infinite_sessions``).

    Attributes:
        enabled: compact automatically (default True). When False, a request that
            would not fit the window fails with ContextWindowExceededError.
        background_compaction_threshold: share of the window (0-1] past which a
            compaction is queued after the turn (default 0.80).
        buffer_exhaustion_threshold: share of the window past which the next turn
            compacts first, before its request (default 0.95).
    """

    enabled: bool = attrs.field(default=True)
    background_compaction_threshold: float = attrs.field(default=0.80, validator=_check_fraction)
    buffer_exhaustion_threshold: float = attrs.field(default=0.95, validator=_check_fraction)

    @enabled.validator
    def _check_enabled(self, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, bool):
            raise TypeError(f"infinite_sessions: enabled must be a bool, not {type(value).__name__}")

    def __attrs_post_init__(self) -> None:
        if self.background_compaction_threshold > self.buffer_exhaustion_threshold:
            raise ValueError(
                "infinite_sessions: background_compaction_threshold "
                f"({self.background_compaction_threshold}) must not exceed "
                f"buffer_exhaustion_threshold ({self.buffer_exhaustion_threshold})"
            )

    def to_dict(self) -> dict[str, Any]:
        """The official dict form (``{"enabled", "background_compaction_threshold", ...}``)."""
        return {
            "enabled": self.enabled,
            "background_compaction_threshold": self.background_compaction_threshold,
            "buffer_exhaustion_threshold": self.buffer_exhaustion_threshold,
        }


_ON = InfiniteSessions()  # frozen, so every session's config shares these two
_OFF = InfiniteSessions(enabled=False)


def infinite_sessions(value: object) -> InfiniteSessions:
    """``infinite_sessions``: None/True (on, defaults), False (off), an InfiniteSessions,
    or the official dict with ``enabled`` and the two thresholds."""
    if value is None or value is True:
        return _ON
    if value is False:
        return _OFF
    if isinstance(value, InfiniteSessions):
        return value
    if isinstance(value, Mapping):
        known = {f.name for f in attrs.fields(InfiniteSessions)}
        unknown = sorted(str(k) for k in set(value) - known)
        if unknown:
            raise TypeError(
                f"infinite_sessions: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        return InfiniteSessions(**value)
    raise TypeError(
        f"infinite_sessions must be a bool, a mapping or InfiniteSessions, not {type(value).__name__}"
    )
