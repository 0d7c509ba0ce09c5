"""A throwaway PostgreSQL cluster for the tests: `initdb` into a temporary directory, a server
listening on a Unix socket only (no TCP port), stopped and removed at the end.

The server binaries come from Debian's `postgresql` package (`.ci/run` installs it). initdb
refuses to run as root, so as root the cluster belongs to the `postgres` account the package
creates. Each test gets a database of its own, copied from a template the schema was made in
once: CREATE DATABASE ... TEMPLATE takes tens of milliseconds, migrating takes longer.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import count
from pathlib import Path

BIN_GLOB = "/usr/lib/postgresql/*/bin"
TEMPLATE = "beatwatch_template"
START_TIMEOUT = 60


def server_binaries() -> Path | None:
    """The newest installed PostgreSQL's bin directory, or None."""
    found = sorted(glob.glob(BIN_GLOB), key=lambda p: int(Path(p).parent.name), reverse=True)
    for directory in found:
        if (Path(directory) / "initdb").exists() and (Path(directory) / "pg_ctl").exists():
            return Path(directory)
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path and shutil.which("initdb") else None


@dataclass
class Cluster:
    bin_dir: Path
    data_dir: Path
    socket_dir: Path
    user: str | None  # the account the server runs as, when the tests run as root

    def url(self, database: str = "postgres") -> str:
        # The socket directory as the host: libpq takes a path there.
        return f"postgresql://{self.role}@/{database}?host={self.socket_dir}"

    @property
    def role(self) -> str:
        return self.user or pwd.getpwuid(os.getuid()).pw_name

    def run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        argv = [str(self.bin_dir / tool), *args]
        if self.user is not None:
            argv = ["runuser", "-u", self.user, "--", *argv]
        return subprocess.run(argv, capture_output=True, text=True, check=check, timeout=120)

    def start(self) -> None:
        options = f"-c listen_addresses='' -c unix_socket_directories='{self.socket_dir}'"
        options += " -c fsync=on -c synchronous_commit=on -c max_connections=200"
        self.run(
            "pg_ctl",
            "-D",
            str(self.data_dir),
            "-w",
            "-t",
            str(START_TIMEOUT),
            "-o",
            options,
            "-l",
            str(self.data_dir / "server.log"),
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self.run("pg_ctl", "-D", str(self.data_dir), "-w", "-m", mode, "stop", check=False)

    def sql(self, statement: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as conn:
            conn.execute(statement)


@contextlib.contextmanager
def throwaway_cluster() -> Iterator[Cluster]:
    bin_dir = server_binaries()
    if bin_dir is None:
        raise FileNotFoundError("no PostgreSQL server binaries (initdb, pg_ctl)")
    user = "postgres" if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="beatwatch-pg-"))
    try:
        if user is not None:
            shutil.chown(root, user)
        cluster = Cluster(bin_dir, root / "data", root, user)
        cluster.run(
            "initdb",
            "-D",
            str(cluster.data_dir),
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
            "--locale=C",
        )
        cluster.start()
        try:
            yield cluster
        finally:
            cluster.stop("immediate")
    finally:
        shutil.rmtree(root, ignore_errors=True)


_numbers = count()


def fresh_database(cluster: Cluster, template: str = "template1") -> str:
    """A new, empty database (a copy of `template`); its URL."""
    name = f"beatwatch_{os.getpid()}_{next(_numbers)}"
    cluster.sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return cluster.url(name)
