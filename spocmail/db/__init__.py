"""The database: engine and sessions, and Alembic migrations shipped inside the package.

Importing this package loads SQLAlchemy Core only: the ORM and the models (about a third of a read command's
start-up) are loaded by the first `Database.session()`, by `Base`, or by importing a model module, so a
command that reads one table through Core (`issues list`) starts without them.
"""

from __future__ import annotations

import importlib
import re
from contextlib import contextmanager
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from spocmail.errors import ConfigError, SpocmailError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from spocmail.db.base import Base

# Every module that maps a table on Base.metadata: all of them are loaded before the ORM is first used.
MODELS = ("audit", "decisions", "digest", "drafts", "issues", "lifecycle", "mail", "outbox", "register", "retained",
          "web")


def load_models() -> None:
    """Map every table on Base.metadata (relationships name classes in other modules; Alembic compares all)."""
    for name in MODELS:
        importlib.import_module(f"spocmail.db.{name}")


def __getattr__(name: str):
    # `from spocmail.db import Base` and `db.issues` as before, loading the ORM only when asked for
    if name == "Base":
        load_models()
        from spocmail.db.base import Base

        return Base
    if name in MODELS:
        return importlib.import_module(f"spocmail.db.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:"):
        path = url.split("///", 1)[-1]
        if path and not path.startswith(":memory:"):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # WAL lets readers go on while intake writes
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            # FULL: a commit is on disk when it returns. The mailbox is told, and a mail sent, only after the
            # commit that records it; with NORMAL a power cut could undo that commit after the fact (a mail
            # moved out of the inbox but never stored, a sending forgotten and made again).
            cur.execute("PRAGMA synchronous=FULL")
            cur.close()

        return engine
    if url.startswith("postgresql"):
        from spocmail.db import rawformat

        engine = create_engine(url, pool_pre_ping=True)
        rawformat.install(engine)  # stored mail read back as bytes, not hex (memory)

        @event.listens_for(engine, "connect")
        def _durable_commits(dbapi_conn, _record):
            # The same order as SQLite's synchronous=FULL above: a server set to synchronous_commit = off
            # (a throwaway or tuned cluster) may lose the last commits in a crash after the mailbox was told.
            # Only "off" is raised, to "on"; a stricter setting (remote_apply, say) is the DBA's and stays.
            cur = dbapi_conn.cursor()
            cur.execute("SELECT current_setting('synchronous_commit')")
            if cur.fetchone()[0] == "off":
                cur.execute("SET synchronous_commit TO on")
            cur.close()
            dbapi_conn.commit()  # a SET in a transaction rolled back would be undone
        return engine
    raise ConfigError(f"[database] url = {url!r}: expected a sqlite:/// or postgresql+psycopg:// URL")


def alembic_config(url: str):
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


_REVISION = re.compile(r"^(down_)?revision\s*(?::[^=]*)?=\s*['\"]?([\w.-]+|None)['\"]?\s*$", re.MULTILINE)


@lru_cache(maxsize=1)
def shipped_head() -> str | None:
    """The newest migration shipped, read from the version files' `revision = ...` lines without importing
    Alembic (about 0.4 s of every command); None unless they form one plain chain with one head."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found = dict((bool(down), rev) for down, rev in _REVISION.findall(path.read_text(encoding="utf-8")))
        if False not in found or True not in found:
            return None
        revisions.add(found[False])
        parents.add(found[True])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 and parents - revisions <= {"None"} else None


def _at_head_cheaply(engine: Engine) -> bool:
    """True when the database's alembic_version row is the shipped head: the check every command makes."""
    head = shipped_head()
    if head is None:
        return False
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except DBAPIError:
        return False  # no such table (an empty database): the full check below says what to do
    return rows == [head]


def require_head(engine: Engine) -> None:
    """Refuse to work on a database that is not at the newest migration, and say how to fix it."""
    if _at_head_cheaply(engine):
        return
    current = current_revision(engine)
    head = head_revision()
    if current != head:
        state = "empty" if current is None and not inspect(engine).get_table_names() else f"at {current}"
        raise SpocmailError(f"the database is {state}, not at migration {head}: run `spocmail db upgrade`")


class Database:
    """An engine and its session factory."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        load_models()
        from sqlalchemy.orm import sessionmaker

        return sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self, keep: bool = False) -> Iterator[Session]:
        """A unit of work: commit on success, roll back on any error.

        keep: hold every object the session loads until it closes. The identity map holds loaded objects
        weakly, so an officer or customer that no caller still references is gone by the next `get()` and
        is read again: in a batch of mails that is the same few rows read once a mail, each read flushing
        first. For units of work that touch a bounded number of rows (a batch of mail), not for exports."""
        session = self.sessions()
        if keep:
            held: list = []
            session.info["held"] = held
            event.listen(session, "loaded_as_persistent", lambda _s, obj: held.append(obj))
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


__all__ = ["Base", "Database", "upgrade", "downgrade", "require_head", "make_engine"]
