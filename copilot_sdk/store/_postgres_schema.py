"""PostgreSQL session stores: the driver import, connection URLs and the schema.

The schema version lives in ``<schema>.schema_version``; :data:`MIGRATIONS` holds one
list of statements per version step (``MIGRATIONS[n]`` takes a schema from version
``n`` to ``n + 1``). They run in one transaction under an advisory lock, so workers
starting together migrate exactly once.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Dict, Sequence

from ..errors import ConfigurationError

if TYPE_CHECKING:
    import psycopg

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "describe_url", "driver", "migrate", "valid_schema"]

_SCHEMA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")

#: ``MIGRATIONS[n]`` upgrades a schema from version ``n`` to ``n + 1``; ``{s}`` is the
#: quoted schema name.
MIGRATIONS: Sequence[Sequence[str]] = (
    (
        # One row per session: its metadata, its log length and its turn lease.
        "CREATE TABLE {s}.sessions ("
        " id text PRIMARY KEY,"
        " start_time bigint NOT NULL,"  # microseconds since the Unix epoch, UTC
        " modified_time bigint NOT NULL,"
        " summary text,"
        " model text,"
        " config text NOT NULL,"  # JSON, secret-free (SessionConfig.to_public_dict)
        " length integer NOT NULL DEFAULT 0,"  # events stored
        " lease_holder text,"  # hostname:pid:uuid, NULL when free
        " lease_token bigint NOT NULL DEFAULT 0,"  # the fencing token last granted
        " lease_expires timestamptz)",  # the server's clock
        "CREATE INDEX sessions_by_modified_time ON {s}.sessions (modified_time)",
        "CREATE TABLE {s}.events ("
        " session_id text NOT NULL REFERENCES {s}.sessions (id) ON DELETE CASCADE,"
        " seq integer NOT NULL,"  # 0-based index into the session's log
        " payload text NOT NULL,"  # JSON, events.event_to_dict
        " PRIMARY KEY (session_id, seq))",
        "CREATE SEQUENCE {s}.lease_tokens",  # fencing tokens only grow
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


def driver() -> Any:
    """The ``psycopg`` and ``psycopg_pool`` modules, imported on first use.

    Raises:
        ConfigurationError: the ``postgres`` extra is not installed.
    """
    try:
        import psycopg
        import psycopg_pool
    except ImportError as exc:
        raise ConfigurationError(
            "a postgresql:// store needs psycopg 3 and psycopg_pool: "
            "pip install 'copilot_sdk[postgres]'"
        ) from exc
    return psycopg, psycopg_pool


def valid_schema(schema: object) -> str:
    """``schema`` if it is a plain SQL identifier, else ValueError/TypeError naming it."""
    if not isinstance(schema, str):
        raise TypeError(f"schema must be a str, not {type(schema).__name__}")
    if not _SCHEMA_NAME.fullmatch(schema):
        raise ValueError(
            f"schema must be a plain identifier (letters, digits, _; at most 63), got {schema!r}"
        )
    return schema


def describe_url(params: Dict[str, Any]) -> str:
    """A secret-free ``postgresql://user@host:port/dbname`` from parsed conninfo."""
    user = params.get("user")
    host = params.get("host") or "localhost"
    port = params.get("port")
    dbname = params.get("dbname")
    text = "postgresql://" + (f"{user}@" if user else "") + str(host)
    if port:
        text += f":{port}"
    return text + (f"/{dbname}" if dbname else "")


def migrate(conn: psycopg.Connection[Any], schema: str, where: str) -> None:
    """Create or upgrade the schema on an autocommit connection.

    Raises:
        ConfigurationError: the schema is from a newer copilot_sdk, or holds tables
            that are not a copilot_sdk store.
    """
    s = f'"{schema}"'
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"copilot_sdk:{schema}",))
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {s}")
        conn.execute(f"CREATE TABLE IF NOT EXISTS {s}.schema_version (version integer NOT NULL)")
        row = conn.execute(f"SELECT version FROM {s}.schema_version").fetchone()
        version = 0 if row is None else int(row[0])
        if row is None:
            conn.execute(f"INSERT INTO {s}.schema_version (version) VALUES (0)")
        if version > SCHEMA_VERSION:
            raise ConfigurationError(
                f"the session store {where} (schema {schema}) has schema version {version}, "
                f"newer than this copilot_sdk understands ({SCHEMA_VERSION}); upgrade copilot_sdk"
            )
        if version == 0:
            foreign = conn.execute(
                "SELECT count(*) FROM information_schema.tables"
                " WHERE table_schema = %s AND table_name <> 'schema_version'",
                (schema,),
            ).fetchone()
            if foreign is not None and foreign[0]:
                raise ConfigurationError(
                    f"schema {schema} of {where} holds tables that are not a copilot_sdk "
                    "session store (they were left untouched); pass another schema="
                )
        for step in range(version, SCHEMA_VERSION):
            for statement in MIGRATIONS[step]:
                conn.execute(statement.format(s=s))
        if version != SCHEMA_VERSION:
            conn.execute(f"UPDATE {s}.schema_version SET version = %s", (SCHEMA_VERSION,))
