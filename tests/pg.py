"""A throwaway PostgreSQL cluster for tests: ``from tests.pg import postgres_url`` in a test module.

Each test session that asks for ``postgres_url`` gets its own cluster (initdb in a
temp dir, a free TCP port on 127.0.0.1 and its unix socket in the same dir, trust
auth), so tests never touch a system database and can run side by side. It is
stopped and deleted at the end. Without the server binaries (install them with
``scripts/install-postgres.sh``) or the ``psycopg`` driver the tests skip, saying why.

PostgreSQL refuses to run as root, so under root the cluster runs as the
``postgres`` system user (created by Debian's package) via ``runuser``.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_BIN_ENV = "FRAMING_PG_BIN"  # a directory with initdb/pg_ctl, to override the search
SUPERUSER = "postgres"
DATABASE = "framing_test"


def find_pg_bin() -> Path | None:
    """The directory holding ``initdb`` and ``pg_ctl``: $FRAMING_PG_BIN, Debian's newest, or PATH."""
    override = os.environ.get(PG_BIN_ENV)
    if override:
        directory = Path(override)
        return directory if (directory / "initdb").is_file() and (directory / "pg_ctl").is_file() else None
    candidates = []
    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name)
                    if Path(p).parent.name.isdigit() else 0)
    candidates += [Path(p) for p in reversed(debian)]
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for directory in candidates:
        if (directory / "initdb").is_file() and (directory / "pg_ctl").is_file():
            return directory
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresCluster:
    """initdb + pg_ctl around one temp directory; ``url(db)`` gives a SQLAlchemy URL."""

    def __init__(self, bin_dir: Path, *, run_as: str | None = None):
        self.bin_dir = bin_dir
        self.run_as = run_as
        self.root = Path(tempfile.mkdtemp(prefix="framing-pg-"))  # short: unix socket paths max ~100 chars
        self.data = self.root / "data"
        self.port = free_port()
        self.running = False
        if run_as:
            entry = pwd.getpwnam(run_as)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)

    def _run(self, tool: str, *args: str) -> subprocess.CompletedProcess:
        command = [str(self.bin_dir / tool), *args]
        if self.run_as:
            command = ["runuser", "-u", self.run_as, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=self.root)
        if result.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{tool} failed ({result.returncode}): {result.stderr.strip()}\n{tail}")
        return result

    def start(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8",
                  "--locale=C", "--no-sync")
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-o", options, "-w",
                  "-t", "60", "start")
        self.running = True

    def create_database(self, name: str) -> str:
        """A new empty database (e.g. one per test module for isolation); returns its URL."""
        self._run("createdb", "-h", str(self.root), "-p", str(self.port), "-U", SUPERUSER, name)
        return self.url(name)

    def url(self, database: str = DATABASE) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def socket_url(self, database: str = DATABASE) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@/{database}?host={self.root}&port={self.port}"

    def stop(self) -> None:
        if self.running:
            self.running = False
            try:
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
            except (RuntimeError, subprocess.TimeoutExpired):
                pass
        shutil.rmtree(self.root, ignore_errors=True)


def start_cluster() -> PostgresCluster:
    """Start a cluster with the default database, or skip the calling test saying what is missing."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg is not installed (pip install 'psycopg[binary]')")
    bin_dir = find_pg_bin()
    if bin_dir is None:
        pytest.skip(f"PostgreSQL server binaries not found (run scripts/install-postgres.sh or set {PG_BIN_ENV})")
    run_as = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SUPERUSER)
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' user to run the server as")
        if shutil.which("runuser") is None:
            pytest.skip("running as root and runuser is not available")
        run_as = SUPERUSER
    cluster = PostgresCluster(bin_dir, run_as=run_as)
    atexit.register(cluster.stop)  # also after a crash in the session
    try:
        cluster.start()
        cluster.create_database(DATABASE)
    except Exception:
        cluster.stop()
        raise
    return cluster


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    cluster = start_cluster()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_cluster: PostgresCluster) -> str:
    """SQLAlchemy URL (psycopg 3 driver, TCP on 127.0.0.1) of an empty database in a throwaway cluster."""
    return postgres_cluster.url()
