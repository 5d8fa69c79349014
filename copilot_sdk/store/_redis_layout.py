"""Redis session stores: the driver import, connection URLs and the key layout's
version and migrations (see ``_redis_scripts`` for the layout itself).

The version lives in ``<prefix>version``. :data:`MIGRATIONS` holds one function per
step (``MIGRATIONS[n - 1]`` takes a layout from version ``n`` to ``n + 1``); each is
idempotent, so workers opening an old store at once may all run it.
"""

from __future__ import annotations

import logging
import urllib.parse
from typing import TYPE_CHECKING, Any, Callable, List, Sequence, Tuple

from ..errors import ConfigurationError
from ._redis_scripts import LAYOUT_VERSION

if TYPE_CHECKING:
    import redis

logger = logging.getLogger("copilot_sdk.store")

__all__ = ["MIGRATIONS", "describe_url", "driver", "open_layout"]


def driver() -> Any:
    """The ``redis`` module, imported on first use.

    Raises:
        ConfigurationError: the ``redis`` extra is not installed.
    """
    try:
        import redis
    except ImportError as exc:
        raise ConfigurationError(
            "a redis:// store needs redis-py: pip install 'copilot_sdk[redis]'"
        ) from exc
    return redis


def describe_url(url: str) -> Tuple[str, str]:
    """(a secret-free ``redis://host:port/db``, the password or '')."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("redis", "rediss", "unix"):
        raise ConfigurationError(
            f"a Redis store URL starts with redis://, rediss:// or unix://, not {parts.scheme!r}"
        )
    host = parts.hostname or ""
    try:
        port = parts.port
    except ValueError:
        raise ConfigurationError("the Redis store URL has a malformed port") from None
    netloc = (f"{parts.username}@" if parts.username else "") + host + (f":{port}" if port else "")
    query = urllib.parse.parse_qs(parts.query)
    password = parts.password or (query.get("password") or [""])[0]
    return f"{parts.scheme}://{netloc}{parts.path}", urllib.parse.unquote(password)


def _v1_to_v2(r: redis.Redis, prefix: str) -> None:
    """Build the listing hashes (starts, models, summaries) from the sessions' hashes."""
    ids: List[str] = [str(sid) for sid in r.zrange(f"{prefix}index", 0, -1)]
    for i in range(0, len(ids), 1000):
        chunk = ids[i : i + 1000]
        pipe = r.pipeline(transaction=False)
        for sid in chunk:
            pipe.hmget(f"{prefix}s:{sid}", "start_time", "model", "summary")
        for sid, values in zip(chunk, pipe.execute(), strict=True):
            if values[0] is None:
                continue  # expired meanwhile
            for key, value in zip(("starts", "models", "summaries"), values, strict=True):
                if value is not None:
                    r.hset(f"{prefix}{key}", sid, value)


#: ``MIGRATIONS[n - 1]`` upgrades a key layout from version ``n`` to ``n + 1``.
MIGRATIONS: Sequence[Callable[[Any, str], None]] = (_v1_to_v2,)


def open_layout(r: redis.Redis, prefix: str, where: str) -> None:
    """Stamp a new prefix with the current version, or migrate an older one.

    Raises:
        ConfigurationError: the layout is from a newer copilot_sdk.
        redis.RedisError: the server failed (the caller translates it).
    """
    r.set(f"{prefix}version", LAYOUT_VERSION, nx=True)
    version = r.get(f"{prefix}version")
    if not str(version).isdigit() or int(str(version)) > LAYOUT_VERSION:
        raise ConfigurationError(
            f"the session store {where} (prefix {prefix!r}) has key layout version "
            f"{version!r}, newer than this copilot_sdk understands ({LAYOUT_VERSION}); "
            "upgrade copilot_sdk or pass another prefix="
        )
    for step in range(int(str(version)), LAYOUT_VERSION):
        MIGRATIONS[step - 1](r, prefix)
        r.set(f"{prefix}version", step + 1)
        logger.info("%s: migrated prefix %r to key layout version %d", where, prefix, step + 1)
