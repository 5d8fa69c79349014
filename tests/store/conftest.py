"""Fixtures of the store conformance suite: real servers and one namespace per test.

``backend`` runs a test against every store (memory, SQLite, PostgreSQL, Redis, and a
third-party store named by ``COPILOT_SDK_TEST_STORE=module:factory``);
``shared_backend`` against the stores shared between processes. Each test gets its own
SQLite file, PostgreSQL schema or Redis key prefix, removed at its end.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any, Iterator, List

import pytest

from . import _servers
from ._backends import Backend, load_factory

# Read at import: the suite-wide autouse fixture clears COPILOT_* inside each test.
ENV_POSTGRES = os.environ.get("COPILOT_SDK_TEST_POSTGRES_URL")
ENV_REDIS = os.environ.get("COPILOT_SDK_TEST_REDIS_URL")
ENV_STORE = os.environ.get("COPILOT_SDK_TEST_STORE")
RUN = uuid.uuid4().hex[:8]

ALL = ["memory", "sqlite", "postgres", "redis"] + (["custom"] if ENV_STORE else [])
SHARED = ["sqlite", "postgres", "redis"] + (
    ["custom"] if ENV_STORE and getattr(load_factory(ENV_STORE), "shared", True) else []
)
SERVERS = ["postgres", "redis"]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL server URL for this run (see ``_servers``); fails if none."""
    try:
        url, server = _servers.resolve_postgres(ENV_POSTGRES)
    except _servers.NoServer as exc:
        pytest.fail(str(exc), pytrace=False)
    yield url
    if server is not None:
        server.remove()


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A Redis server URL for this run (see ``_servers``); fails if none."""
    try:
        url, server = _servers.resolve_redis(ENV_REDIS)
    except _servers.NoServer as exc:
        pytest.fail(str(exc), pytrace=False)
    yield url
    if server is not None:
        server.remove()


_counter = iter(range(1_000_000))


def _drop_schema(url: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _drop_prefix(url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    try:
        keys: List[Any] = list(client.scan_iter(match=prefix + "*", count=1000))
        for i in range(0, len(keys), 500):
            client.delete(*keys[i : i + 500])
    finally:
        client.close()


def make_backend(name: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """A fresh namespace on the named store; removed after the test."""
    tag = f"{RUN}_{next(_counter)}"
    cleanup = None
    if name == "memory":
        backend = Backend(name, "tests.store._backends:shared_memory", {"name": tag}, False)
    elif name == "sqlite":
        path = str(tmp_path / "stores" / "sessions.db")
        backend = Backend(name, "copilot_sdk.store.sqlite:SQLiteStore", {"path": path}, True)
    elif name == "postgres":
        url = request.getfixturevalue("postgres_url")
        schema = f"copilot_sdk_test_{tag}"
        backend = Backend(name, "copilot_sdk.store.postgres:PostgresStore",
                          {"url": url, "schema": schema}, True)
        cleanup = lambda: _drop_schema(url, schema)  # noqa: E731
    elif name == "redis":
        url = request.getfixturevalue("redis_url")
        prefix = f"copilot_sdk_test:{tag}:"
        backend = Backend(name, "copilot_sdk.store.redis:RedisStore",
                          {"url": url, "prefix": prefix}, True)
        cleanup = lambda: _drop_prefix(url, prefix)  # noqa: E731
    else:  # a third-party store: factory(namespace=..., **options)
        assert ENV_STORE is not None
        shared = bool(getattr(load_factory(ENV_STORE), "shared", True))
        backend = Backend(name, ENV_STORE, {"namespace": tag}, shared)
    try:
        yield backend
    finally:
        backend.close()
        if cleanup is not None:
            cleanup()


@pytest.fixture(params=ALL)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """Every store, one namespace per test."""
    yield from make_backend(request.param, request, tmp_path)


@pytest.fixture(params=SHARED)
def shared_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """The stores shared by processes, one namespace per test."""
    yield from make_backend(request.param, request, tmp_path)


@pytest.fixture(params=SERVERS)
def server_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """The stores on a network server (PostgreSQL, Redis), one namespace per test."""
    yield from make_backend(request.param, request, tmp_path)

