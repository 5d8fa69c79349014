"""The pytest plugin of copilot_sdk, registered by the ``pytest11`` entry point: a
test that names the ``mock_model_server`` fixture gets a started
:class:`~copilot_sdk.testing.MockModelServer`, stopped after the test; no import
or ``pytest_plugins`` line is needed."""

from __future__ import annotations

from typing import Iterator

import pytest

from . import MockModelServer

__all__ = ["mock_model_server"]


@pytest.fixture
def mock_model_server() -> Iterator[MockModelServer]:
    """A started :class:`MockModelServer`, stopped after the test."""
    with MockModelServer() as server:
        yield server
