"""Session stores: the SessionStore protocol and its implementations.

``MemoryStore`` keeps sessions in this process; ``SQLiteStore`` (the default, in
:mod:`copilot_sdk.store.sqlite`) keeps them in one SQLite file shared by threads and
processes of one machine; ``PostgresStore`` and ``RedisStore`` (optional extras
``copilot_sdk[postgres]`` and ``copilot_sdk[redis]``) share them between processes
on many hosts. The last three are imported on first use, so ``import copilot_sdk``
never loads sqlite3, psycopg or redis.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Tuple, Union

from ..errors import ConfigurationError
from .base import SessionRecord, SessionStore
from .memory import MemoryStore

if TYPE_CHECKING:
    from .postgres import PostgresStore
    from .redis import RedisStore
    from .sqlite import SQLiteStore

__all__ = [
    "MemoryStore",
    "PostgresStore",
    "RedisStore",
    "SQLiteStore",
    "SessionRecord",
    "SessionStore",
    "open_store",
]

_POSTGRES_SCHEMES = ("postgresql://", "postgres://")
_REDIS_SCHEMES = ("redis://", "rediss://")

StoreArg = Union[None, str, "os.PathLike[str]", SessionStore]


def open_store(store: StoreArg, base_directory: Path) -> Tuple[SessionStore, bool]:
    """The store a client was given: returns (store, whether the client owns it).

    None: SQLite at ``<base_directory>/sessions.db``; ":memory:": a MemoryStore; a
    ``postgresql://`` (or ``postgres://``) URL: a PostgresStore; a ``redis://`` or
    ``rediss://`` URL: a RedisStore; a path: SQLite there; a SessionStore: used as is
    (the caller closes it).

    Raises:
        ConfigurationError: the SQLite database cannot be opened (see SQLiteStore),
            or the extra a URL needs is not installed.
        StoreError: the server a URL names cannot be reached.
        TypeError: ``store`` is none of the above.
    """
    if store is None:
        return _sqlite(base_directory / "sessions.db"), True
    if isinstance(store, str) and store == ":memory:":
        return MemoryStore(), True
    if isinstance(store, str) and store.lower().startswith(_POSTGRES_SCHEMES):
        from .postgres import PostgresStore

        return PostgresStore(store), True
    if isinstance(store, str) and store.lower().startswith(_REDIS_SCHEMES):
        from .redis import RedisStore

        return RedisStore(store), True
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
    except ImportError as exc:  # a Python built without the sqlite3 module
        raise ConfigurationError(
            f"cannot open the session database {path}: this Python has no sqlite3 module; "
            "pass store=':memory:' or a SessionStore"
        ) from exc
    return SQLiteStore(path)


def __getattr__(name: str) -> Any:
    if name == "SQLiteStore":  # imported on first use: sqlite3 is optional in some builds
        from .sqlite import SQLiteStore

        return SQLiteStore
    if name == "PostgresStore":  # the driver is imported when a store is made
        from .postgres import PostgresStore

        return PostgresStore
    if name == "RedisStore":
        from .redis import RedisStore

        return RedisStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
