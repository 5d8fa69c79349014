"""SessionConfig's infinite_sessions and max_prompt_tokens: forms, checks, persistence."""

from __future__ import annotations

from typing import Any

import pytest

from copilot_sdk import SessionConfig
from copilot_sdk.types import InfiniteSessions


def test_on_by_default_with_the_official_thresholds() -> None:
    config = SessionConfig()
    assert config.infinite_sessions == InfiniteSessions(
        enabled=True, background_compaction_threshold=0.80, buffer_exhaustion_threshold=0.95
    )
    assert config.max_prompt_tokens is None


@pytest.mark.parametrize("off", [False, {"enabled": False}, InfiniteSessions(enabled=False)])
def test_turned_off(off: Any) -> None:
    assert SessionConfig(infinite_sessions=off).infinite_sessions.enabled is False


def test_official_dict_form() -> None:
    config = SessionConfig(
        infinite_sessions={"background_compaction_threshold": 0.5, "buffer_exhaustion_threshold": 0.7}
    )
    assert config.infinite_sessions.enabled is True
    assert config.infinite_sessions.background_compaction_threshold == 0.5
    assert config.infinite_sessions.buffer_exhaustion_threshold == 0.7


@pytest.mark.parametrize(
    ("value", "error", "match"),
    [
        ({"enabld": False}, TypeError, "unknown key.*enabld"),
        ({"enabled": "no"}, TypeError, "enabled must be a bool"),
        ({"background_compaction_threshold": 0}, ValueError, "background_compaction_threshold"),
        ({"buffer_exhaustion_threshold": 1.5}, ValueError, "buffer_exhaustion_threshold"),
        ({"background_compaction_threshold": "high"}, TypeError, "must be a number"),
        ({"background_compaction_threshold": 0.9, "buffer_exhaustion_threshold": 0.8}, ValueError,
         "must not exceed"),
        ("yes", TypeError, "infinite_sessions must be"),
    ],
)
def test_bad_values_are_named(value: Any, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        SessionConfig(infinite_sessions=value)


@pytest.mark.parametrize("bad", [0, -5, True, 1.5, "big"])
def test_bad_max_prompt_tokens(bad: Any) -> None:
    with pytest.raises((TypeError, ValueError), match="max_prompt_tokens"):
        SessionConfig(max_prompt_tokens=bad)


def test_persisted_and_restored() -> None:
    config = SessionConfig(
        session_id="s",
        max_prompt_tokens=5000,
        infinite_sessions={"enabled": False, "background_compaction_threshold": 0.6},
    )
    back = SessionConfig.from_public_dict(config.to_public_dict(), "s")
    assert back.infinite_sessions == config.infinite_sessions
    assert back.max_prompt_tokens == 5000
    # a log written before these settings existed restores the defaults
    assert SessionConfig.from_public_dict({"model": "m"}, "s").infinite_sessions == InfiniteSessions()
