"""Session stores: the SessionStore protocol and its implementations."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Tuple, Union

from .base import SessionRecord, SessionStore
from .memory import MemoryStore

__all__ = ["MemoryStore", "SessionRecord", "SessionStore", "open_store"]

StoreArg = Union[None, str, "os.PathLike[str]", SessionStore]


def open_store(store: StoreArg, base_directory: Path) -> Tuple[SessionStore, bool]:
    """The store a client was given: returns (store, whether the client owns it).

    None: SQLite at ``<base_directory>/sessions.db``; ":memory:": a MemoryStore; a
    path: SQLite there; a SessionStore: used as is (the caller closes it).
    """
    if store is None:
        return _sqlite(base_directory / "sessions.db"), True
    if isinstance(store, str) and store == ":memory:":
        return MemoryStore(), True
    if isinstance(store, (str, os.PathLike)):
        return _sqlite(Path(store)), True
    for method in ("create", "load", "append", "list", "delete"):
        if not callable(getattr(store, method, None)):
            raise TypeError(
                f"store must be a SessionStore, a path or ':memory:', not {type(store).__name__}"
            )
    return store, False


def _sqlite(path: Path) -> SessionStore:
    try:
        from .sqlite import SQLiteStore
    except ImportError:  # until the SQLite store lands, keep sessions in memory
        return MemoryStore()
    return SQLiteStore(path)
