"""A real PostgreSQL server for the tests, started from the machine's own binaries.

The server lives in a temporary directory, listens on 127.0.0.1 only (no Unix socket) on a
free port, and trusts local connections: it exists for one test session and holds nothing
but test data. ``fsync=off`` because a test server's durability against power loss does not
matter; what the store's tests check (a commit survives a killed client or a restarted
server) does not depend on it.

Run as root (CI and these machines), initdb and postgres refuse to start. The server then
runs as the unprivileged ``nobody`` user: subprocess drops to it in the child, between fork
and exec (``Popen(user=..., group=...)``), so no ``su``/``runuser`` or sudo configuration is
needed and nothing else runs as that user. Its directory is made by us and given to it; a
pytest temporary directory cannot be used, as pytest makes those readable by root alone.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import psycopg

REQUIRE_VARIABLE = "FAQBOT_REQUIRE_POSTGRES"
SERVER_USER = "nobody"
USER = "faqbot"
_TOOLS = ("initdb", "pg_ctl", "postgres")


def find_bindir() -> Path | None:
    """Where initdb, pg_ctl and postgres are: pg_config's answer, PATH, or Debian's place."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.CalledProcessError):
            answer = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, check=True
            )
            candidates.append(Path(answer.stdout.strip()))
    initdb = shutil.which("initdb")
    if initdb:
        # Resolved: a symlink in /usr/local/bin is not where postgres itself is.
        candidates.append(Path(initdb).resolve().parent)
    # Debian installs each major version beside the others, off PATH; newest first.
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
        reverse=True,
    )
    candidates += [Path(p) for p in versions]
    for candidate in candidates:
        if all((candidate / tool).is_file() for tool in _TOOLS):
            return candidate
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


class PostgresServer:
    """One server: ``start()``, ``stop()``, ``url(database)``, ``create_database()``."""

    def __init__(self, bindir: Path, *, durable: bool = False) -> None:
        self.bindir = bindir
        # durable: PostgreSQL's own defaults (fsync, synchronous commit), for measuring.
        self.durable = durable
        self.root = Path(tempfile.mkdtemp(prefix="faqbot-postgres-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = 0
        self._as_server_user: dict[str, Any] = {}
        if os.geteuid() == 0:
            account = pwd.getpwnam(SERVER_USER)
            os.chown(self.root, account.pw_uid, account.pw_gid)
            self._as_server_user = {"user": account.pw_uid, "group": account.pw_gid}
        self._databases = 0

    def _run(self, *command: str) -> None:
        result = subprocess.run(
            [str(self.bindir / command[0]), *command[1:]],
            cwd=self.root,
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "LC_ALL": "C"},
            **self._as_server_user,
        )
        if result.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(
                f"{command[0]} failed ({result.returncode}): {result.stderr.strip()}\n{log}"
            )

    def initialise(self) -> None:
        self._run(
            "initdb", "--pgdata", str(self.data), "--username", USER, "--auth", "trust",
            "--encoding", "UTF8", "--locale", "C", "--no-sync",
        )  # fmt: skip

    def start(self) -> None:
        """Start on a free port; another process may take a port between probe and bind."""
        if not self.data.exists():
            self.initialise()
        for _attempt in range(5):
            self.port = self.port or _free_port()
            options = (
                f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories='' "
                "-c max_connections=200"
            )
            if not self.durable:
                options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            try:
                self._run(
                    "pg_ctl", "start", "--pgdata", str(self.data), "--log", str(self.log),
                    "--wait", "--timeout", "60", "-o", options,
                )  # fmt: skip
                return
            except RuntimeError:
                if "could not bind" not in self.log.read_text(errors="replace"):
                    raise
                self.port = 0
        raise RuntimeError(f"no free port for PostgreSQL after 5 tries; see {self.log}")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "stop", "--pgdata", str(self.data), "--mode", mode, "--wait")

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new, empty database; its URL."""
        self._databases += 1
        name = f"test_{os.getpid()}_{self._databases}"
        with psycopg.connect(self.url(), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.url(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
