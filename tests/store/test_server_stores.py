"""What PostgresStore and RedisStore add to the protocol: store URLs, secrets kept out
of reprs, logs and errors, versioned schemas and key layouts, namespaces, Redis's
session TTL, bad arguments, and the optional extras."""

from __future__ import annotations

import logging
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest

from copilot_sdk import ConfigurationError, CopilotClient, ProviderConfig, StoreError
from copilot_sdk.store import open_store
from copilot_sdk.store.postgres import PostgresStore
from copilot_sdk.store.redis import RedisStore

from . import _servers
from ._backends import Backend
from ._helpers import record, turn

SECRET = "hunter2-not-logged"


def _with_password(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    user = parts.username or ""
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{user}:{SECRET}@{parts.hostname}:{parts.port}"))


def test_secrets_stay_out_of_repr_and_logs(
    server_backend: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    backend = server_backend.with_url(_with_password(server_backend.args["url"]))
    store = backend.make(lease_ttl=1.0)
    store.create(record("s"))
    with store.turn_lock("s"):
        store.append("s", turn("hello"))
    store.delete("s")
    store.close()
    assert SECRET not in repr(store) and "127.0.0.1" in repr(store)
    assert SECRET not in caplog.text


@pytest.mark.parametrize("scheme", ["postgresql", "postgres", "redis", "rediss"])
def test_store_urls_select_the_shared_stores_and_errors_hide_the_password(
    scheme: str, tmp_path: Path
) -> None:
    url = f"{scheme}://user:{SECRET}@127.0.0.1:{_servers.free_port()}/0"
    with pytest.raises(StoreError) as caught:
        open_store(url, tmp_path)
    kind = "postgresql" if scheme.startswith("postgres") else scheme
    assert f"{kind}://user@127.0.0.1" in str(caught.value)
    assert SECRET not in str(caught.value)
    client = CopilotClient(
        store=url, provider=ProviderConfig(type="openai", base_url="http://127.0.0.1:9/v1", api_key="k")
    )
    with pytest.raises(StoreError) as caught:
        client.start()
    assert SECRET not in str(caught.value)


def test_postgres_schema_is_versioned_and_foreign_schemas_are_refused(postgres_url: str) -> None:
    import psycopg

    schema = f"copilot_sdk_test_version_{_servers.free_port()}"
    try:
        PostgresStore(postgres_url, schema=schema).close()
        PostgresStore(postgres_url, schema=schema).close()  # opening again migrates nothing
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            assert conn.execute(f'SELECT version FROM "{schema}".schema_version').fetchall() == [(1,)]
            conn.execute(f'UPDATE "{schema}".schema_version SET version = 99')
        with pytest.raises(ConfigurationError, match="newer than this copilot_sdk"):
            PostgresStore(postgres_url, schema=schema)
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
            conn.execute(f'CREATE SCHEMA "{schema}"')
            conn.execute(f'CREATE TABLE "{schema}".invoices (id int)')
        with pytest.raises(ConfigurationError, match="not a copilot_sdk session store"):
            PostgresStore(postgres_url, schema=schema)
        with psycopg.connect(postgres_url, autocommit=True) as conn:  # left untouched
            assert conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s"
                " ORDER BY 1", (schema,)
            ).fetchall() == [("invoices",)]
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_redis_layout_is_versioned(redis_url: str) -> None:
    import redis

    prefix = f"copilot_sdk_test_version_{_servers.free_port()}:"
    client = redis.Redis.from_url(redis_url)
    try:
        store = RedisStore(redis_url, prefix=prefix)
        assert client.get(prefix + "version") == b"2"
        store.create(record("old"))
        store.append("old", turn("made before the listing hashes"))
        store.close()
        # a version-1 layout: no listing hashes yet; opening it migrates them in
        client.delete(prefix + "starts", prefix + "models", prefix + "summaries")
        client.set(prefix + "version", 1)
        store = RedisStore(redis_url, prefix=prefix)
        assert client.get(prefix + "version") == b"2"
        listed = store.list()
        assert [(m.session_id, m.summary, m.model) for m in listed] == [
            ("old", "made before the listing hashes", "gpt-5")
        ]
        store.close()
        client.set(prefix + "version", 99)
        with pytest.raises(ConfigurationError, match="newer than this copilot_sdk"):
            RedisStore(redis_url, prefix=prefix)
    finally:
        for key in list(client.scan_iter(match=prefix + "*")):
            client.delete(key)
        client.close()


def test_namespaces_keep_applications_apart(server_backend: Backend) -> None:
    ours = server_backend.make()
    key = "schema" if server_backend.name == "postgres" else "prefix"
    theirs = Backend(server_backend.name, server_backend.factory,
                     {**server_backend.args, key: server_backend.args[key] + "b"}, True)
    try:
        other = theirs.make()
        ours.create(record("same-id"))
        other.create(record("same-id"))  # no clash
        ours.append("same-id", turn("ours"))
        assert other.load("same-id")[1] == [] and len(ours.load("same-id")[1]) == 4
    finally:
        theirs.close()
        if server_backend.name == "postgres":
            import psycopg

            with psycopg.connect(server_backend.args["url"], autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{theirs.args["schema"]}" CASCADE')
        else:
            import redis

            client = redis.Redis.from_url(server_backend.args["url"])
            for k in list(client.scan_iter(match=theirs.args["prefix"] + "*")):
                client.delete(k)
            client.close()


def test_redis_session_ttl_expires_idle_sessions(redis_url: str, tmp_path: Path) -> None:
    backend = Backend("redis", "copilot_sdk.store.redis:RedisStore",
                      {"url": redis_url, "prefix": f"copilot_sdk_test_ttl_{_servers.free_port()}:"}, True)
    try:
        store = backend.make(session_ttl=0.5)
        store.create(record("idle"))
        store.append("idle", turn("hello"))
        store.create(record("kept"))
        deadline = time.monotonic() + 10
        while store.exists("idle"):
            store.append("kept", turn("still here"))  # changes keep it alive
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert [m.session_id for m in store.list()] == ["kept"]
        assert store.last_session_id() == "kept"
        assert backend.traces("idle") == 0  # every key of it expired, its index entry pruned
    finally:
        backend.close()
        import redis

        client = redis.Redis.from_url(redis_url)
        for k in list(client.scan_iter(match=backend.args["prefix"] + "*")):
            client.delete(k)
        client.close()


def test_bad_arguments(postgres_url: str, redis_url: str) -> None:
    with pytest.raises(ValueError, match="schema"):
        PostgresStore(postgres_url, schema="bad-name; DROP")
    with pytest.raises(ValueError, match="lease_ttl"):
        PostgresStore(postgres_url, lease_ttl=0)
    with pytest.raises(ValueError, match="lease_wait"):
        RedisStore(redis_url, lease_wait=-1)
    with pytest.raises(ValueError, match="session_ttl"):
        RedisStore(redis_url, session_ttl=0)
    with pytest.raises(TypeError, match="url"):
        RedisStore(6379)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="prefix"):
        RedisStore(redis_url, prefix=None)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="redis://"):
        RedisStore("http://127.0.0.1:6379")


@pytest.mark.parametrize(
    ("module", "url", "extra"),
    [("psycopg", "postgresql://127.0.0.1/x", "postgres"), ("redis", "redis://127.0.0.1", "redis")],
)
def test_a_missing_extra_says_what_to_install(module: str, url: str, extra: str) -> None:
    code = (
        "import sys\n"
        "import copilot_sdk\n"
        "assert not any(m.split('.')[0] in ('psycopg', 'psycopg_pool', 'redis') for m in sys.modules)\n"
        f"sys.modules[{module!r}] = None  # as if the extra were not installed\n"
        "from pathlib import Path\n"
        "from copilot_sdk import ConfigurationError\n"
        "from copilot_sdk.store import open_store\n"
        "try:\n"
        f"    open_store({url!r}, Path('.'))\n"
        "except ConfigurationError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert f"pip install 'copilot_sdk[{extra}]'" in out.stdout
