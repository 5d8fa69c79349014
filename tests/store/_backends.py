"""The stores the conformance suite runs against, as data a subprocess can rebuild.

A :class:`Backend` names a store factory by import path (``module:callable``) plus
the JSON-able arguments that give this test its own namespace (a file, a schema, a
key prefix). ``make(**options)`` builds a store on it; every store built on one
backend shares the same data, as workers on many hosts would.
"""

from __future__ import annotations

import importlib
import json
import sqlite3
import threading
from typing import Any, Callable, Dict, List, Optional

import attrs

from copilot_sdk.store import MemoryStore, SessionStore

__all__ = ["Backend", "shared_memory"]

_MEMORY: Dict[str, MemoryStore] = {}
_MEMORY_LOCK = threading.Lock()


def shared_memory(name: str, **_options: Any) -> MemoryStore:
    """One MemoryStore per name in this process (leases and TTLs do not apply)."""
    with _MEMORY_LOCK:
        return _MEMORY.setdefault(name, MemoryStore())


def load_factory(path: str) -> Callable[..., SessionStore]:
    module, _, name = path.partition(":")
    factory: Callable[..., SessionStore] = getattr(importlib.import_module(module), name)
    return factory


@attrs.define
class Backend:
    """A store under test. ``shared``: its stores share data across processes."""

    name: str
    factory: str
    args: Dict[str, Any]
    shared: bool
    stores: List[SessionStore] = attrs.field(factory=list)

    def make(self, **options: Any) -> SessionStore:
        """A new store on this backend (closed at the test's end)."""
        store = load_factory(self.factory)(**self.args, **options)
        self.stores.append(store)
        return store

    def spec(self, **options: Any) -> str:
        """This backend as JSON, for a worker process."""
        return json.dumps({"factory": self.factory, "args": self.args, "options": options})

    def with_url(self, url: str) -> Backend:
        """The same namespace reached through another URL (e.g. a proxy)."""
        return Backend(self.name, self.factory, {**self.args, "url": url}, self.shared)

    def close(self) -> None:
        for store in self.stores:
            store.close()
        self.stores.clear()

    def dump(self) -> Optional[str]:
        """Everything this backend stored, as text (None for the in-process store)."""
        if self.name == "sqlite":
            conn = sqlite3.connect(self.args["path"])
            try:
                rows = [
                    repr(row)
                    for table in ("sessions", "events", "leases")
                    for row in conn.execute(f"SELECT * FROM {table}")
                ]
            finally:
                conn.close()
            return "\n".join(rows)
        if self.name == "postgres":
            import psycopg

            with psycopg.connect(self.args["url"]) as conn:
                rows = [
                    repr(row)
                    for table in ("sessions", "events")
                    for row in conn.execute(f'SELECT * FROM "{self.args["schema"]}".{table}')
                ]
            return "\n".join(rows)
        if self.name == "redis":
            import redis

            client = redis.Redis.from_url(self.args["url"], decode_responses=True)
            try:
                lines = []
                for key in client.scan_iter(match=self.args["prefix"] + "*"):
                    kind = client.type(key)
                    value: Any = {
                        "hash": client.hgetall, "list": lambda k: client.lrange(k, 0, -1),
                        "zset": lambda k: client.zrange(k, 0, -1, withscores=True),
                        "string": client.get,
                    }[kind](key)
                    lines.append(f"{key} {value!r}")
            finally:
                client.close()
            return "\n".join(lines)
        return None

    def traces(self, session_id: str) -> Optional[int]:
        """How many stored things still mention ``session_id`` (None: not inspectable)."""
        text = self.dump()
        return None if text is None else sum(session_id in line for line in text.splitlines())
