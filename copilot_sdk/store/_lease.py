"""Turn leases: cross-process exclusion per session in an SQLite store.

A lease is a row ``(session_id, owner, expires_at)`` in the ``leases`` table. A free
one is taken with one ``INSERT ... ON CONFLICT DO NOTHING`` (atomic on its own); an
expired one in a ``BEGIN IMMEDIATE`` transaction (so two processes cannot both see
it free and take it over). It is renewed
by a heartbeat while held, and deleted on release. A holder that dies (SIGKILL,
power loss) stops renewing, so its lease expires after the TTL and another process
takes it over.

The functions here run SQL on a connection the caller has locked; the
:class:`Heartbeat` thread (shared with the fenced leases of ``_fencing``) calls
back into its store to renew.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from typing import Optional

from ._fencing import Heartbeat, new_owner

logger = logging.getLogger("copilot_sdk.store")

__all__ = ["Heartbeat", "new_owner", "release", "renew", "try_acquire"]


def try_acquire(conn: sqlite3.Connection, session_id: str, owner: str, ttl: float) -> Optional[bool]:
    """Take the lease if it is free or expired.

    Returns:
        True if taken, False if another owner holds it, None if the session does
        not exist (no lease is taken then).
    """
    row = conn.execute(
        "SELECT expires_at FROM leases WHERE session_id = ?", (session_id,)
    ).fetchone()
    if row is not None and row[0] > time.time():
        return False  # cheap read first: no write lock while someone holds it
    if row is None and conn.execute(
        "INSERT INTO leases (session_id, owner, expires_at) SELECT ?, ?, ?"
        " WHERE EXISTS (SELECT 1 FROM sessions WHERE id = ?) ON CONFLICT (session_id) DO NOTHING",
        (session_id, owner, time.time() + ttl, session_id),
    ).rowcount == 1:
        return True  # no lease was there: one statement (atomic on its own) takes it
    conn.execute("BEGIN IMMEDIATE")
    try:
        if conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone() is None:
            conn.execute("ROLLBACK")
            return None
        now = time.time()
        row = conn.execute(
            "SELECT owner, expires_at FROM leases WHERE session_id = ?", (session_id,)
        ).fetchone()
        if row is not None and row[1] > now:
            conn.execute("ROLLBACK")
            return False
        if row is not None:
            logger.warning(
                "session %r: taking over the expired turn lease of %s", session_id, row[0]
            )
        conn.execute(
            "INSERT OR REPLACE INTO leases (session_id, owner, expires_at) VALUES (?, ?, ?)",
            (session_id, owner, now + ttl),
        )
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return True


def renew(conn: sqlite3.Connection, session_id: str, owner: str, ttl: float) -> bool:
    """Extend a held lease; False if it is no longer ours (deleted or taken over).
    Runs in the caller's transaction, if any."""
    cursor = conn.execute(
        "UPDATE leases SET expires_at = ? WHERE session_id = ? AND owner = ?",
        (time.time() + ttl, session_id, owner),
    )
    return cursor.rowcount == 1


def release(conn: sqlite3.Connection, session_id: str, owner: str) -> bool:
    """Give the lease up; False (and nothing done) if it is no longer ours."""
    cursor = conn.execute("DELETE FROM leases WHERE session_id = ? AND owner = ?", (session_id, owner))
    return cursor.rowcount == 1
