"""A throw-away PostgreSQL cluster for the test suite and the load test.

`TemporaryCluster` runs Debian's `initdb` and `pg_ctl` into a temporary directory, listens on a free
port on 127.0.0.1 (and a unix socket inside that directory only) and is removed on `stop()`.
PostgreSQL refuses to run as root: when we are root, the server runs as the `postgres` system user
(created by the Debian package), or `nobody` when that user does not exist, through subprocess's
`user=`/`group=` switches, so no `sudo`/`runuser` is needed.
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
import time
from dataclasses import dataclass, field
from pathlib import Path

SUPERUSER = "postgres"


def find_bindir() -> Path | None:
    """The directory with initdb/pg_ctl/postgres, or None when PostgreSQL is not installed."""
    explicit = os.environ.get("PG_BINDIR")
    candidates = [explicit] if explicit else []
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    which = shutil.which("pg_ctl")
    if which:
        candidates.append(str(Path(os.path.realpath(which)).parent))
    for candidate in candidates:
        if candidate and all((Path(candidate) / tool).exists() for tool in ("initdb", "pg_ctl")):
            return Path(candidate)
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run_as() -> pwd.struct_passwd | None:
    """The unprivileged account to run the server as, or None when we are not root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise RuntimeError("running as root and neither a 'postgres' nor a 'nobody' user exists")


@dataclass
class TemporaryCluster:
    bindir: Path
    port: int = 0
    directory: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="overleg-pg-")))
    _account: pwd.struct_passwd | None = None

    @property
    def datadir(self) -> Path:
        return self.directory / "data"

    @property
    def logfile(self) -> Path:
        return self.directory / "server.log"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        kwargs: dict = {}
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8", "TZ": "UTC"}
        if self._account is not None:
            kwargs = {"user": self._account.pw_uid, "group": self._account.pw_gid}
            env["HOME"] = str(self.directory)
        return subprocess.run(
            [str(self.bindir / args[0]), *args[1:]],
            check=True,
            capture_output=True,
            text=True,
            env=env,
            cwd=self.directory,
            **kwargs,
        )

    def start(self) -> TemporaryCluster:
        self._account = _run_as()
        self.directory.chmod(0o700)
        if self._account is not None:
            os.chown(self.directory, self._account.pw_uid, self._account.pw_gid)
        self._run(
            "initdb",
            "-D",
            str(self.datadir),
            f"--username={SUPERUSER}",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        options = " ".join(
            [
                "-h 127.0.0.1",
                f"-k {self.directory}",
                # A test database: durability does not matter, speed does.
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c max_connections=300",
                "-c timezone=UTC",
            ]
        )
        for _attempt in range(5):
            self.port = self.port or free_port()
            try:
                self._run(
                    "pg_ctl",
                    "start",
                    "-D",
                    str(self.datadir),
                    "-w",
                    "-t",
                    "60",
                    "-l",
                    str(self.logfile),
                    "-o",
                    f"{options} -p {self.port}",
                )
                return self
            except subprocess.CalledProcessError:
                self.port = 0  # the port was taken meanwhile: try another one
        raise RuntimeError(f"PostgreSQL did not start; see {self.logfile}")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create (or recreate) an empty database and return its SQLAlchemy URL."""
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=SUPERUSER, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        try:
            if (self.datadir / "postmaster.pid").exists():
                self._run("pg_ctl", "stop", "-D", str(self.datadir), "-m", "immediate", "-w")
        finally:
            # Give the postmaster a moment to release the directory before removing it.
            for _attempt in range(20):
                try:
                    shutil.rmtree(self.directory)
                    break
                except OSError:
                    time.sleep(0.1)
