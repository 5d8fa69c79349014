"""Google-style docstrings: the description and the ``Args:``/``Attributes:`` entries
that become a tool's description and its parameters' descriptions."""

from __future__ import annotations

import inspect
import re
from typing import Dict, List, Mapping, Optional

import attrs

__all__ = ["Docstring", "parse_docstring"]


@attrs.frozen
class Docstring:
    """The parts of a Google-style docstring a tool uses."""

    description: str = ""
    args: Mapping[str, str] = attrs.field(factory=dict)
    attributes: Mapping[str, str] = attrs.field(factory=dict)


_SECTION = re.compile(
    r"(Args|Arguments|Parameters|Params|Keyword Args|Keyword Arguments|Attributes|Returns?|"
    r"Raises|Yields?|Examples?|Notes?|Warnings?|See Also|References|Todo|Methods)\s*:\s*$"
)
_ENTRY = re.compile(r"\*{0,2}(\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")


def parse_docstring(doc: Optional[str]) -> Docstring:
    """Split a Google-style docstring into its description (the text before the
    first section), its ``Args:`` and its ``Attributes:`` entries."""
    if not doc:
        return Docstring()
    lines = inspect.cleandoc(doc).splitlines()
    description: List[str] = []
    sections: Dict[str, Dict[str, str]] = {"args": {}, "attributes": {}}
    target: Optional[Dict[str, str]] = None
    in_sections = False
    header_indent = entry_indent = 0
    current: Optional[str] = None
    for line in lines:
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if _SECTION.fullmatch(stripped) and (not in_sections or indent <= header_indent):
            in_sections, header_indent, current, entry_indent = True, indent, None, -1
            kind = stripped.rstrip(": ").lower()
            target = sections["attributes"] if kind == "attributes" else (
                sections["args"] if kind in ("args", "arguments", "parameters", "params",
                                             "keyword args", "keyword arguments") else None)
            continue
        if not in_sections:
            description.append(line)
            continue
        if target is None or not stripped:
            continue
        if entry_indent < 0:
            entry_indent = indent
        match = _ENTRY.match(stripped)
        if indent <= entry_indent and match:
            current = match.group(1)
            target[current] = match.group(2).strip()
        elif current is not None and indent > entry_indent:
            target[current] = (target[current] + " " + stripped).strip()
    return Docstring(
        description="\n".join(description).strip(),
        args=sections["args"],
        attributes=sections["attributes"],
    )
