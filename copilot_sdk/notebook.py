"""Jupyter helpers: watch an answer arrive in an output cell, updating in place.

IPython is optional: it is imported only when these helpers run inside it. Outside
IPython, :func:`display_stream` writes the deltas to a text stream instead.

    from copilot_sdk.notebook import display_stream
    reply = display_stream(session, "Explain Python's GIL in three sentences")
"""

from __future__ import annotations

import importlib
import sys
import time
from typing import Any, Optional, TextIO, Union, cast

import attrs

from .events import AssistantMessageData, AssistantMessageDeltaData, SessionEvent
from .session import Session
from .types import MessageOptions

__all__ = ["display_stream", "in_notebook"]


def in_notebook() -> bool:
    """True when running in an IPython kernel with rich display."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def display_stream(
    session: Session,
    prompt: Union[str, MessageOptions],
    *,
    refresh_interval: float = 0.1,
    out: Optional[TextIO] = None,
) -> SessionEvent[AssistantMessageData]:
    """Stream the answer to ``prompt``, rendering it as Markdown in the current
    output cell and updating it in place (at most every ``refresh_interval``
    seconds); return the final ``assistant.message`` event.

    Interrupting the cell (or any exception) aborts the turn. Outside a notebook
    the text is written to ``out`` (default ``sys.stdout``) as it arrives.
    """
    if not in_notebook():
        stream = out if out is not None else sys.stdout
        return _write_stream(session, prompt, stream)
    ipd: Any = importlib.import_module("IPython.display")
    Markdown, display = ipd.Markdown, ipd.display

    handle: Any = display(Markdown("…"), display_id=True)
    text = ""
    shown_at = 0.0
    final: Optional[SessionEvent[AssistantMessageData]] = None
    with session.stream(prompt) as events:
        for event in events:
            if isinstance(event.data, AssistantMessageDeltaData):
                text += event.data.delta_content
                now = time.monotonic()
                if now - shown_at >= refresh_interval:
                    handle.update(Markdown(text))
                    shown_at = now
            elif isinstance(event.data, AssistantMessageData) and not event.data.tool_requests:
                final = cast("SessionEvent[AssistantMessageData]", event)
    assert final is not None
    handle.update(Markdown(final.data.content))
    return _Shown(id=final.id, timestamp=final.timestamp, type=final.type, data=final.data,
                  parent_id=final.parent_id)


@attrs.frozen(kw_only=True)
class _Shown(SessionEvent[AssistantMessageData]):
    """The reply :func:`display_stream` returns in a notebook: already rendered in its
    output, so as a cell's last line it is not rendered a second time."""

    def _ipython_display_(self) -> None:
        return None


def _write_stream(
    session: Session, prompt: Union[str, MessageOptions], out: TextIO
) -> SessionEvent[AssistantMessageData]:
    final: Optional[SessionEvent[AssistantMessageData]] = None
    with session.stream(prompt) as events:
        for event in events:
            if isinstance(event.data, AssistantMessageDeltaData):
                out.write(event.data.delta_content)
                out.flush()
            elif isinstance(event.data, AssistantMessageData) and not event.data.tool_requests:
                final = cast("SessionEvent[AssistantMessageData]", event)
    out.write("\n")
    assert final is not None
    return final
