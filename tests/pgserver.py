"""A real, throwaway PostgreSQL for tests: ``start_postgres(base)`` creates a cluster in a fresh
temporary folder and runs Debian's ``postgres`` on 127.0.0.1 (free port, unix socket in that
folder, trust auth, fsync off); ``Postgres.stop()`` stops it and deletes the cluster.

PostgreSQL refuses to run as root: when we are root its binaries run as the ``postgres`` system
user (created by Debian's ``postgresql`` package), otherwise as the current user."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

HOST = "127.0.0.1"
SUPERUSER = "postgres"  # the cluster's superuser, whatever OS user runs it
_BINARIES = ("initdb", "pg_ctl", "postgres")
# Settings for a disposable test server: no durability, little memory, nothing in the background.
_SETTINGS = {
    "listen_addresses": HOST,
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "shared_buffers": "32MB",
    "max_connections": "100",
    "autovacuum": "off",
    "jit": "off",
    "max_parallel_workers_per_gather": "0",
}


class PostgresMissing(RuntimeError):
    """The PostgreSQL server binaries (initdb, pg_ctl, postgres) are not installed."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _tail(log: Path, lines: int = 40) -> str:
    if not log.exists():
        return ""
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def _version_key(bin_dir: str) -> tuple[int, ...]:
    """``/usr/lib/postgresql/15/bin`` -> ``(15,)``, for picking the newest version."""
    return tuple(int(part) for part in re.findall(r"\d+", Path(bin_dir).parent.name))


def find_bin_dir() -> Path:
    """The folder holding matching initdb, pg_ctl and postgres: that of ``initdb`` on PATH (its
    symlinks resolved) if the other two sit beside it, else the newest
    ``/usr/lib/postgresql/<version>/bin`` (Debian's place, not on PATH).

    Raises:
        PostgresMissing: No such folder.
    """
    candidates = []
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(str(Path(on_path).resolve().parent))
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)
    for folder in candidates:
        if all(os.access(Path(folder, name), os.X_OK) for name in _BINARIES):
            return Path(folder)
    raise PostgresMissing(
        "PostgreSQL is not installed (no initdb, pg_ctl and postgres on PATH or in"
        " /usr/lib/postgresql/*/bin): run `make postgres`"
    )


def _run_as() -> pwd.struct_passwd | None:
    """The account to run PostgreSQL as: ``postgres`` when we are root, None (ourselves) else."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        raise PostgresMissing(
            "PostgreSQL refuses to run as root and there is no `postgres` system user:"
            " run `make postgres` (Debian's package creates it)"
        ) from None


@dataclass
class Postgres:
    """A running throwaway PostgreSQL server and how to reach it (superuser ``postgres``, no
    password, over TCP on 127.0.0.1)."""

    bin_dir: Path
    data_dir: Path
    port: int
    log: Path
    process: subprocess.Popen[bytes]
    account: pwd.struct_passwd | None

    def url(self, dbname: str = "postgres", driver: str = "psycopg") -> str:
        """The SQLAlchemy URL of ``dbname``: ``postgresql+psycopg://postgres@127.0.0.1:PORT/db``
        (``driver=""`` gives a plain libpq ``postgresql://`` URL)."""
        scheme = f"postgresql+{driver}" if driver else "postgresql"
        return f"{scheme}://{SUPERUSER}@{HOST}:{self.port}/{dbname}"

    def asyncpg_url(self, dbname: str = "postgres") -> str:
        """The SQLAlchemy URL of ``dbname`` for asyncpg (what Prefect's server wants)."""
        return self.url(dbname, driver="asyncpg")

    def log_tail(self, lines: int = 40) -> str:
        """The last ``lines`` lines of the server's log (initdb's output, then the server's)."""
        return _tail(self.log, lines)

    def _admin(self, statement: sql.Composed) -> None:
        """Run one statement in the ``postgres`` database, outside a transaction."""
        if self.process.poll() is not None:
            raise RuntimeError(
                f"PostgreSQL on port {self.port} has exited ({self.process.returncode});"
                f" the end of its log ({self.log}):\n{self.log_tail()}"
            )
        with psycopg.connect(self.url(driver=""), autocommit=True, connect_timeout=10) as conn:
            conn.execute(statement)

    def create_database(self, name: str) -> str:
        """Create the empty database ``name`` (any name; quoted) and return its SQLAlchemy URL."""
        self._admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop ``name`` if it exists, ending any session still connected to it."""
        self._admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    @contextlib.contextmanager
    def temporary_database(self, hint: str = "test") -> Iterator[str]:
        """A fresh empty database named after ``hint`` (plus a unique suffix), dropped on exit;
        yields its SQLAlchemy URL."""
        name = re.sub(r"[^a-z0-9]+", "_", hint.lower())[:40].strip("_")
        name = f"{name or 'test'}_{uuid.uuid4().hex[:8]}"
        url = self.create_database(name)
        try:
            yield url
        finally:
            if self.process.poll() is None:
                self.drop_database(name)

    def stop(self) -> None:
        """``pg_ctl stop -m fast``, kill the server if still there after 30 s, then delete the
        cluster folder (the log, in ``base``, stays). Safe to call twice."""
        if self.process.poll() is None:
            pg_ctl: list[str | Path] = [self.bin_dir / "pg_ctl", "stop", "-D", self.data_dir]
            _run(
                [*pg_ctl, "-m", "fast", "-t", "20"],
                self.account,
                self.data_dir,
                capture_output=True,
            )
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        shutil.rmtree(self.data_dir, ignore_errors=True)


def _as(account: pwd.struct_passwd | None) -> dict[str, Any]:
    """subprocess arguments that run a child as ``account`` (None: as ourselves)."""
    if account is None:
        return {}
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


def _run(
    command: list[str | Path], account: pwd.struct_passwd | None, cwd: Path, **kwargs: Any
) -> subprocess.CompletedProcess[bytes]:
    """Run a PostgreSQL binary as ``account``, to its end, without raising on failure."""
    return subprocess.run([str(part) for part in command], cwd=cwd, **_as(account), **kwargs)


def start_postgres(base: Path, timeout: float = 60) -> Postgres:
    """Create a cluster and start PostgreSQL on 127.0.0.1 at a free port; return when it
    accepts connections. Its log is ``base/postgres.log``; the cluster (with the unix socket)
    lives in a fresh folder in ``base``, or, when we are root, in the system temp folder (owned
    by ``postgres``, which cannot enter pytest's root-only folders). Call ``stop()`` when done.

    Raises:
        PostgresMissing: The binaries (or, as root, the ``postgres`` user) are missing.
        RuntimeError: initdb failed or the server did not accept connections in time (with the
            log tail); nothing is left running.
    """
    bin_dir, account = find_bin_dir(), _run_as()
    base.mkdir(parents=True, exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix="pg-", dir=None if account else base))
    if account:
        os.chown(data_dir, account.pw_uid, account.pw_gid)
    log = base / "postgres.log"
    port = _free_port()
    with log.open("wb") as out:  # opened by us: the server writes through the inherited fd
        initdb: list[str | Path] = [
            bin_dir / "initdb",
            "-D",
            data_dir,
            "-U",
            SUPERUSER,
            "--auth=trust",
        ]
        initdb += ["--no-sync", "--no-locale", "--encoding=UTF8"]
        done = _run(initdb, account, data_dir, stdout=out, stderr=subprocess.STDOUT)
        if done.returncode != 0:
            shutil.rmtree(data_dir, ignore_errors=True)
            raise RuntimeError(f"initdb failed ({done.returncode}):\n{_tail(log)}")
        settings = {**_SETTINGS, "port": str(port), "unix_socket_directories": str(data_dir)}
        command = [str(bin_dir / "postgres"), "-D", str(data_dir)]
        for key, value in settings.items():
            command += ["-c", f"{key}={value}"]
        process = subprocess.Popen(
            command, cwd=data_dir, stdout=out, stderr=subprocess.STDOUT, **_as(account)
        )
    server = Postgres(bin_dir, data_dir, port, log, process, account)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with psycopg.connect(server.url(driver=""), connect_timeout=2):
                return server
        except psycopg.OperationalError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"PostgreSQL did not start on {HOST}:{port}:\n{server.log_tail()}")
