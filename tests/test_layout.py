"""The package's layout stays what the architecture says: small modules in their
rooms, the public faces at the top, and no import cycles."""

from __future__ import annotations

import ast
import statistics
from pathlib import Path
from typing import Dict, List, Set

PACKAGE = Path(__file__).resolve().parents[1] / "copilot_sdk"
FACES = {"__init__.py", "__main__.py", "client.py", "session.py", "types.py",
         "errors.py", "notebook.py", "py.typed"}
FACE_PACKAGES = {"events"}  # a face whose data classes fill several modules
ROOMS = {"_engine", "_transport", "_github", "providers", "tools", "store", "testing"}


def modules() -> Dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def test_top_level_holds_the_faces_and_the_rooms_only() -> None:
    entries = {p.name for p in PACKAGE.iterdir() if p.name != "__pycache__"}
    files = {name for name in entries if (PACKAGE / name).is_file()}
    folders = entries - files
    assert files == FACES
    assert folders <= ROOMS | FACE_PACKAGES, folders - ROOMS - FACE_PACKAGES
    assert ROOMS | FACE_PACKAGES <= folders


def test_modules_are_small() -> None:
    sizes = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in modules().items()}
    too_big = {name: n for name, n in sizes.items() if n > 400}
    assert not too_big, too_big
    assert statistics.median(sizes.values()) < 200


def _imports(name: str, path: Path, known: Set[str]) -> Set[str]:
    """The package modules ``name`` imports when it is loaded (module level only,
    not under ``if TYPE_CHECKING:``)."""
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    targets: Set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod == "copilot_sdk" and [a.name for a in node.names] == ["__version__"]:
                continue  # set first thing in copilot_sdk/__init__.py, before it imports anything
            for alias in node.names:
                if f"{mod}.{alias.name}" in known:
                    targets.add(f"{mod}.{alias.name}")
            if mod in known:
                targets.add(mod)
        elif isinstance(node, ast.Import):
            targets |= {alias.name for alias in node.names if alias.name in known}
    targets.discard(name)
    return targets


def test_no_import_cycles() -> None:
    found = modules()
    graph = {name: _imports(name, path, set(found)) for name, path in found.items()}
    cycles: List[List[str]] = []
    state: Dict[str, int] = {}
    stack: List[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    # A package's __init__ re-exporting its modules is not a cycle with them unless a
    # module imports the package's face back.
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)


# The sibling folder a clone does not have, spelled in parts so this file does not name it.
OUTSIDE = ("/".join(["..", "shared"]), 'parents[2] / "' + "shared" + '"')


def test_nothing_reads_outside_the_repository() -> None:
    root = PACKAGE.parent
    for path in [*root.glob("tests/**/*.py"), *root.glob("copilot_sdk/**/*.py"), root / ".ci" / "run"]:
        text = path.read_text(encoding="utf-8")
        assert not any(needle in text for needle in OUTSIDE), path
