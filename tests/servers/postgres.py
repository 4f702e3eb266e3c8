"""A throwaway PostgreSQL cluster on loopback, run as the `postgres` user, removed after the tests."""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from .install import ServerStartError, ensure_installed, find_binary, free_port, log_tail, stop_pidfile_processes

HOST = "127.0.0.1"
SUPERUSER = "postgres"
PG_BIN_DIRS = ("/usr/lib/postgresql/*/bin",)


def find_initdb() -> str | None:
    return find_binary("initdb", PG_BIN_DIRS)


def ensure_initdb() -> str:
    """The initdb binary; apt-installs Debian's `postgresql` (without starting its cluster) when missing."""
    return ensure_installed(
        find_initdb,
        ["postgresql"],
        "PostgreSQL (initdb)",
        after_install=lambda: stop_pidfile_processes(["/run/postgresql/*.pid", "/var/run/postgresql/*.pid"]),
    )


class PostgresServer:
    """One `initdb`'d cluster in a temporary directory, trust auth, listening on 127.0.0.1 only."""

    def __init__(self, durable: bool = False) -> None:
        """durable: fsync as a real server does (benchmarks); a test cluster skips it."""
        self.durable = durable
        self.host = HOST
        self.port = 0
        self.user = SUPERUSER
        self.root = Path()
        self._pg_ctl = ""
        self._running = False

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_path(self) -> Path:
        return self.root / "postgres.log"

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the `postgres` database."""
        return self.url_for("postgres")

    def url_for(self, database: str) -> str:
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{database}"

    def conninfo(self, database: str = "postgres") -> str:
        """A libpq connection string for psycopg."""
        return f"host={self.host} port={self.port} user={self.user} dbname={database}"

    def start(self) -> "PostgresServer":
        initdb = ensure_initdb()
        self._pg_ctl = str(Path(initdb).with_name("pg_ctl"))
        if not os.path.exists(self._pg_ctl):
            self._pg_ctl = find_binary("pg_ctl", PG_BIN_DIRS) or "pg_ctl"
        self.root = Path(tempfile.mkdtemp(prefix="spocmail-postgres-"))
        owner = self._owner()
        if owner is not None:
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
        atexit.register(self.stop)
        try:
            self._run(
                [initdb, "-D", str(self.data_dir), "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"],
                "initdb",
            )
            options = " ".join(
                [
                    f"-c listen_addresses={HOST}",
                    f"-c unix_socket_directories={self.root}",
                    # A test cluster: durability buys nothing and costs seconds. A benchmark's is durable, as
                    # a council's server is: there every commit waits for its WAL to reach the disk.
                    "" if self.durable else "-c fsync=off -c synchronous_commit=off -c full_page_writes=off",
                ]
            )
            last = ""
            for _ in range(5):  # the free port may be snatched between choosing and binding it
                self.port = free_port(HOST)
                proc = self._run(
                    [self._pg_ctl, "-D", str(self.data_dir), "-l", str(self.log_path), "-w", "-t", "60",
                     "-o", f"-p {self.port} {options}", "start"],
                    "pg_ctl start",
                    check=False,
                )
                if proc.returncode == 0:
                    self._running = True
                    break
                last = proc.stdout + proc.stderr
                if "already in use" not in log_tail(self.log_path):
                    break
            if not self._running:
                raise ServerStartError(f"PostgreSQL did not start: {last}\nits log:\n{log_tail(self.log_path)}")
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self, timeout: float = 30.0) -> None:
        import psycopg

        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(self.conninfo(), connect_timeout=5) as conn:
                    conn.execute("select 1")
                return
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise ServerStartError(f"PostgreSQL on {HOST}:{self.port} never answered: {exc}\n{log_tail(self.log_path)}")
                time.sleep(0.1)

    def stop(self) -> None:
        if self._running:
            self._running = False
            proc = self._run([self._pg_ctl, "-D", str(self.data_dir), "stop", "-m", "immediate", "-w", "-t", "30"], "pg_ctl stop", check=False)
            if proc.returncode != 0:
                self._kill_postmaster()
        if self.root != Path() and self.root.exists():
            shutil.rmtree(self.root, ignore_errors=True)

    def _kill_postmaster(self) -> None:
        with contextlib.suppress(OSError, ValueError, IndexError):
            pid = int((self.data_dir / "postmaster.pid").read_text().split()[0])
            os.kill(pid, signal.SIGKILL)

    @staticmethod
    def _owner() -> pwd.struct_passwd | None:
        """The account the server runs as: `postgres` when we are root (initdb refuses root), else ourselves."""
        if os.geteuid() != 0:
            return None
        try:
            return pwd.getpwnam(SUPERUSER)
        except KeyError:
            raise ServerStartError("running as root but there is no `postgres` user to run PostgreSQL as") from None

    def _run(self, cmd: list[str], what: str, check: bool = True) -> subprocess.CompletedProcess:
        if self._owner() is not None:
            cmd = ["runuser", "-u", SUPERUSER, "--", *cmd]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "LC_"))}
        env["LANG"] = "C"
        proc = subprocess.run(
            cmd, cwd=self.root, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120
        )
        if check and proc.returncode != 0:
            raise ServerStartError(
                f"{what} failed ({proc.returncode}): {proc.stdout}{proc.stderr}\nlog:\n{log_tail(self.log_path)}"
            )
        return proc

    # -- databases for tests ----------------------------------------------------------------------

    def create_database(self, prefix: str = "spocmail_test") -> str:
        """Create a uniquely named empty database; return its name."""
        import psycopg

        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        # template0 is never connected to, so a stray session on template1 cannot make CREATE fail;
        # a few tries cover a cluster that is still busy finishing the previous test's DROP.
        for attempt in range(3):
            try:
                with psycopg.connect(self.conninfo(), autocommit=True) as conn:
                    conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\'')
                return name
            except psycopg.OperationalError:
                if attempt == 2:
                    raise
                time.sleep(0.5)
        return name

    def drop_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.conninfo(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
