"""A real PostgreSQL server for tests: Debian's binaries, a temporary cluster, a free port.

`initdb` and `pg_ctl` refuse to run as root, so as root they run as the `postgres` user
(`runuser`), in a temporary directory that user owns; as anyone else, as that user. The server
listens on 127.0.0.1 only, with durability switched off (a test cluster is thrown away).
Each test gets a database of its own (`create_database`).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

__all__ = ["PostgresServer", "find_bindir", "unavailable_reason"]

_DEBIAN_ROOT = Path("/usr/lib/postgresql")
_PREFERRED_VERSION = "15"


def find_bindir() -> Path | None:
    """The directory with initdb and pg_ctl: $PG_BINDIR, Debian's (15 first), or $PATH."""
    if os.environ.get("PG_BINDIR"):
        return Path(os.environ["PG_BINDIR"])
    candidates = sorted(_DEBIAN_ROOT.glob("*/bin"), key=lambda p: p.parent.name != "15")
    for candidate in candidates:
        if (candidate / "initdb").exists():
            return candidate
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def unavailable_reason() -> str | None:
    """Why no test server can be started here, or None when one can."""
    bindir = find_bindir()
    if bindir is None or not (bindir / "pg_ctl").exists():
        return (
            "no PostgreSQL server binaries (initdb, pg_ctl) in /usr/lib/postgresql/*/bin or on"
            " PATH; install Debian's `postgresql` package (scripts/bootstrap.sh does as root)"
            " or set PG_BINDIR"
        )
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root, and there is no `postgres` user to run initdb/pg_ctl as"
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresServer:
    """One throwaway cluster; `with PostgresServer() as server:` starts and stops it."""

    def __init__(self) -> None:
        bindir = find_bindir()
        if bindir is None:
            raise RuntimeError(unavailable_reason())
        self._bindir = bindir
        self._root = Path(tempfile.mkdtemp(prefix="airplane-bot-pg-"))
        self._data = self._root / "data"
        self.port = _free_port()
        self._names = itertools.count(1)
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            shutil.chown(self._root, user="postgres")

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self._bindir / tool), *args]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{tool} failed ({done.returncode}):\n{done.stdout}{done.stderr}")

    def url(self, database: str = "postgres") -> str:
        """A connection URL for `database` on this server."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        """initdb, then start the server and wait until it accepts connections."""
        self._run(
            "initdb", "-D", str(self._data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
            "--locale=C.UTF-8",
        )  # fmt: skip
        options = " ".join(
            (
                f"-p {self.port}",
                f"-k {self._root}",
                "-c listen_addresses=127.0.0.1",
                "-c max_connections=300",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
            )
        )
        log = str(self._root / "server.log")
        self._run("pg_ctl", "-D", str(self._data), "-o", options, "-l", log, "-w", "start")

    def stop(self) -> None:
        """Stop the server and delete its files."""
        with contextlib.suppress(RuntimeError):
            self._run("pg_ctl", "-D", str(self._data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self._root, ignore_errors=True)

    def create_database(self) -> str:
        """A new, empty database; returns its URL."""
        name = f"test_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def __enter__(self) -> PostgresServer:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
