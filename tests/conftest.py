"""Shared fixtures: real servers on loopback (Dovecot, an SMTP sink, PostgreSQL) and a database URL per backend.

Servers are session-scoped and start only when a test asks for them; a server that cannot be
installed or started fails the test with its log (nothing is skipped).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Callable, Iterator, TypeVar

import pytest

from spocmail.clock import REQUIRE_NOW_ENV

# The rules and templates found good at start are remembered (spocmail/ruleset.py): in the test run's
# own file, not the user's ~/.cache, and shared by every command the run starts.
os.environ.setdefault("SPOCMAIL_CHECK_CACHE", os.path.join(tempfile.mkdtemp(prefix="spocmail-check-"), "checked"))

try:  # tests/ is a package: one copy of the server modules, as tests.servers
    from .servers import DovecotServer, PostgresServer, ServerStartError, SmtpSink
except ImportError:  # tests/ run as loose files: make tests/servers importable by itself
    _HERE = str(Path(__file__).resolve().parent)
    if _HERE not in sys.path:
        sys.path.insert(0, _HERE)
    from servers import DovecotServer, PostgresServer, ServerStartError, SmtpSink  # type: ignore[no-redef]

T = TypeVar("T")


def _started(start: Callable[[], T]) -> T:
    try:
        return start()
    except ServerStartError as exc:
        pytest.fail(str(exc), pytrace=False)


# -- the clock ------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def no_machine_date(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Guard: spocmail refuses to read the system clock in every test ($SPOCMAIL_REQUIRE_NOW), so a test
    whose outcome would depend on the day it runs fails at once, asking for --now. Mail reaches the
    servers with its own Date header as its arrival time (tests/servers/dovecot.py, tests/helpers.py).
    Only tests marked `wall_clock` (the real daemon waking by real time) may read it."""
    if request.node.get_closest_marker("wall_clock") is None:
        monkeypatch.setenv(REQUIRE_NOW_ENV, "1")
    else:
        monkeypatch.delenv(REQUIRE_NOW_ENV, raising=False)


# -- IMAP -----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    """Dovecot on 127.0.0.1, plaintext login allowed on loopback; user `spoc`, all capabilities."""
    server = _started(lambda: DovecotServer(name="dovecot").start())
    yield server
    server.stop()


@pytest.fixture(scope="session")
def dovecot_tls() -> Iterator[DovecotServer]:
    """Dovecot with STARTTLS on `.port` and implicit TLS on `.tls_port`; trust `.client_ssl_context()`."""
    server = _started(lambda: DovecotServer(tls=True, name="dovecot-tls").start())
    yield server
    server.stop()


@pytest.fixture(scope="session")
def dovecot_nomove() -> Iterator[DovecotServer]:
    """Dovecot that does not offer MOVE, so processed mail is flagged rather than moved."""
    server = _started(lambda: DovecotServer(drop_capabilities=["MOVE"], name="dovecot-nomove").start())
    yield server
    server.stop()


@pytest.fixture(scope="session")
def dovecot_noidle() -> Iterator[DovecotServer]:
    """Dovecot that does not offer IDLE, so waiting for mail falls back to polling."""
    server = _started(lambda: DovecotServer(drop_capabilities=["IDLE"], name="dovecot-noidle").start())
    yield server
    server.stop()


@pytest.fixture
def fresh_dovecot() -> Iterator[DovecotServer]:
    """A Dovecot of this test's own (starts in ~0.1s), for tests that leave state the server remembers,
    such as refused logins, which make Dovecot delay every later login from 127.0.0.1 by seconds."""
    server = _started(lambda: DovecotServer(name="dovecot-fresh").start())
    yield server
    server.stop()


@pytest.fixture
def imap(dovecot: DovecotServer) -> DovecotServer:
    """The session Dovecot with an empty mailbox: only INBOX, and nothing in it."""
    dovecot.reset()
    return dovecot


@pytest.fixture
def imap_tls(dovecot_tls: DovecotServer) -> DovecotServer:
    dovecot_tls.reset()
    return dovecot_tls


@pytest.fixture
def imap_nomove(dovecot_nomove: DovecotServer) -> DovecotServer:
    dovecot_nomove.reset()
    return dovecot_nomove


@pytest.fixture
def imap_noidle(dovecot_noidle: DovecotServer) -> DovecotServer:
    dovecot_noidle.reset()
    return dovecot_noidle


# -- SMTP -----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def smtp_sink() -> Iterator[SmtpSink]:
    """aiosmtpd on 127.0.0.1 keeping every envelope; no TLS, no AUTH. Cleared before each test that uses it."""
    sink = _started(lambda: SmtpSink().start())
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def smtp_sink_tls() -> Iterator[SmtpSink]:
    """aiosmtpd requiring STARTTLS (trustme CA: `.client_ssl_context()`) and AUTH as `.user`/`.password`."""
    sink = _started(lambda: SmtpSink(tls=True).start())
    yield sink
    sink.stop()


@pytest.fixture
def smtp(smtp_sink: SmtpSink) -> SmtpSink:
    """The session SMTP sink with nothing captured and no failure pending."""
    smtp_sink.clear()
    return smtp_sink


@pytest.fixture
def smtp_tls(smtp_sink_tls: SmtpSink) -> SmtpSink:
    smtp_sink_tls.clear()
    return smtp_sink_tls


# -- databases ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The session PostgreSQL cluster (create_database, drop_database, url_for, conninfo)."""
    server = _started(lambda: PostgresServer().start())
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres(postgres_server: PostgresServer) -> str:
    """A PostgreSQL cluster on 127.0.0.1 (trust auth): the URL of its `postgres` database."""
    return postgres_server.url


@pytest.fixture(params=["sqlite", "postgresql"], ids=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file in tmp_path, or a fresh database on the session PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/spocmail.db"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = server.create_database()
    try:
        yield server.url_for(name)
    finally:
        server.drop_database(name)
