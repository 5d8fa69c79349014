"""Opening a SQLite session database: file checks and modes, pragmas, migrations.

The schema version lives in ``PRAGMA user_version``; :data:`MIGRATIONS` holds one
function per version step (``MIGRATIONS[n]`` takes a database from version ``n`` to
``n + 1``), all run in one ``BEGIN IMMEDIATE`` transaction, so concurrent processes
opening a new file migrate it exactly once. A file that is not an SQLite database,
is corrupt, or belongs to something else is refused with ConfigurationError and left
untouched.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path
from typing import Callable, Sequence

from ..errors import ConfigurationError

logger = logging.getLogger("copilot_sdk.store")

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "connect", "prepare_path"]

_HEADER = b"SQLite format 3\x00"
_TABLES = frozenset({"sessions", "events", "leases"})


def _v1(conn: sqlite3.Connection) -> None:
    """The first schema: sessions, their event logs, and turn leases."""
    conn.execute(
        "CREATE TABLE sessions ("
        " id TEXT PRIMARY KEY NOT NULL,"
        " start_time INTEGER NOT NULL,"  # microseconds since the Unix epoch, UTC
        " modified_time INTEGER NOT NULL,"
        " summary TEXT,"
        " model TEXT,"
        " config TEXT NOT NULL)"  # JSON, secret-free (SessionConfig.to_public_dict)
    )
    conn.execute("CREATE INDEX sessions_by_modified_time ON sessions (modified_time)")
    conn.execute(
        "CREATE TABLE events ("
        " session_id TEXT NOT NULL,"
        " seq INTEGER NOT NULL,"  # 0-based index into the session's log
        " payload TEXT NOT NULL,"  # JSON, events.event_to_dict
        " PRIMARY KEY (session_id, seq)) WITHOUT ROWID"
    )
    conn.execute(
        "CREATE TABLE leases ("
        " session_id TEXT PRIMARY KEY NOT NULL,"
        " owner TEXT NOT NULL,"  # hostname:pid:uuid of the holder
        " expires_at REAL NOT NULL)"  # time.time() seconds
    )


#: ``MIGRATIONS[n]`` upgrades a database from schema version ``n`` to ``n + 1``.
MIGRATIONS: Sequence[Callable[[sqlite3.Connection], None]] = (_v1,)
SCHEMA_VERSION = len(MIGRATIONS)


def prepare_path(path: Path) -> None:
    """Create the directory (0700) and an empty database file (0600) if missing,
    and refuse an existing file that is not an SQLite database.

    Raises:
        ConfigurationError: the directory or file cannot be created or read, or
            the file is not an SQLite database (it is not modified).
    """
    parent = path.parent
    if not parent.is_dir():
        try:
            parent.mkdir(mode=0o700, parents=True)
            os.chmod(parent, 0o700)  # whatever the umask says
        except FileExistsError as exc:
            if not parent.is_dir():
                raise ConfigurationError(
                    f"cannot create the session store directory {parent}: "
                    "a file of that name is in the way"
                ) from exc
        except OSError as exc:
            raise ConfigurationError(
                f"cannot create the session store directory {parent}: {exc.strerror or exc}"
            ) from exc
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        _check_header(path)
    except OSError as exc:
        raise ConfigurationError(
            f"cannot create the session database {path}: {exc.strerror or exc}"
        ) from exc
    else:
        os.close(fd)
        logger.debug("created session database %s", path)


def _check_header(path: Path) -> None:
    try:
        with open(path, "rb") as file:
            header = file.read(len(_HEADER))
    except OSError as exc:
        raise ConfigurationError(
            f"cannot read the session database {path}: {exc.strerror or exc}"
        ) from exc
    if header and header != _HEADER:
        raise ConfigurationError(
            f"{path} is not an SQLite database (it was left untouched); "
            "move it away or pass another store path"
        )


def connect(path: Path, *, busy_timeout: float) -> sqlite3.Connection:
    """Open, check and migrate the database at ``path`` (see :func:`prepare_path`).

    Returns:
        An autocommit connection (``isolation_level=None``: transactions are
        explicit) usable from any thread under the caller's lock.

    Raises:
        ConfigurationError: the file is corrupt, not ours, from a newer version, or
            cannot be opened or written.
    """
    try:
        conn = sqlite3.connect(
            str(path), timeout=busy_timeout, isolation_level=None, check_same_thread=False
        )
    except sqlite3.Error as exc:
        raise ConfigurationError(f"cannot open the session database {path}: {exc}") from exc
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        _check_contents(conn, path)  # read-only: a bad file is refused before any write
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            logger.warning("%s: WAL mode unavailable, using journal_mode=%s", path, mode)
        conn.execute("PRAGMA synchronous = NORMAL")  # WAL: durable across process crashes
        _migrate(conn, path)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise ConfigurationError(
            f"the session database {path} is corrupt or cannot be written: {exc}"
        ) from exc
    except BaseException:
        conn.close()
        raise
    for suffix in ("-wal", "-shm"):
        _chmod_if_present(Path(f"{path}{suffix}"))
    return conn


def _check_contents(conn: sqlite3.Connection, path: Path) -> None:
    conn.execute("BEGIN")  # one snapshot: another process may be migrating right now
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        if conn.in_transaction:
            conn.execute("COMMIT")
    if version > SCHEMA_VERSION:
        raise ConfigurationError(
            f"the session database {path} has schema version {version}, newer than this "
            f"copilot_sdk understands ({SCHEMA_VERSION}); upgrade copilot_sdk"
        )
    if version == 0 and tables:
        raise ConfigurationError(
            f"{path} is an SQLite database but not a copilot_sdk session store "
            "(it was left untouched); pass another store path"
        )
    if version > 0 and not _TABLES <= tables:
        raise ConfigurationError(
            f"the session database {path} is damaged: tables {sorted(_TABLES - tables)} are missing"
        )


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    if conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]  # another process may have
        for step in range(version, SCHEMA_VERSION):
            MIGRATIONS[step](conn)
            logger.info("%s: migrated the session store to schema version %d", path, step + 1)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION:d}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _chmod_if_present(path: Path) -> None:
    try:
        os.chmod(path, 0o600)
    except FileNotFoundError:
        pass
    except OSError as exc:
        logger.warning("cannot set mode 0600 on %s: %s", path, exc)
