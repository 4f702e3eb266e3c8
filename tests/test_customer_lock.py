"""The customer's row lock (spocmail/filing.py lock_customer) is taken once per transaction on PostgreSQL, and
taken again after anything that may have released it: a savepoint rolled back, or the transaction's end.

A batch of fifty mails for one customer costs one lock, not fifty; but a lock a rolled-back savepoint took
is gone, and a transaction that believed it still held it would let another daemon file the same request
at the same time (tests/test_two_daemons.py shows what that costs)."""

from __future__ import annotations

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from spocmail.db import Database
from spocmail.filing import lock_customer
from tests.helpers import make_project

CUSTOMER = "jordan"  # examples/register.toml


@pytest.fixture
def dbs(tmp_path, postgres_server):
    name = postgres_server.create_database()
    url = postgres_server.url_for(name)
    make_project(tmp_path / "p", url)
    ours, theirs = Database(url), Database(url)
    try:
        yield ours, theirs
    finally:
        ours.dispose()
        theirs.dispose()
        postgres_server.drop_database(name)


def locked_elsewhere(other: Database) -> bool:
    """Whether another connection finds the customer's row locked (NOWAIT: it does not wait to find out)."""
    with other.engine.connect() as conn:
        try:
            conn.execute(text("SELECT id FROM customers WHERE id = :c FOR NO KEY UPDATE NOWAIT"), {"c": CUSTOMER})
        except OperationalError as exc:
            assert "could not obtain lock" in str(exc)
            return True
        finally:
            conn.rollback()
    return False


def lock_statements(db: Database) -> list[str]:
    seen: list[str] = []

    @event.listens_for(db.engine, "before_cursor_execute")
    def _seen(_conn, _cursor, statement, *_a) -> None:
        if "FOR NO KEY UPDATE" in statement:
            seen.append(statement)

    return seen


def test_the_lock_is_taken_once_a_transaction_and_holds(dbs):
    ours, theirs = dbs
    seen = lock_statements(ours)
    with ours.session() as session:
        for _ in range(5):  # five mails of one batch, each in its savepoint
            with session.begin_nested():
                lock_customer(session, CUSTOMER)
        assert len(seen) == 1
        assert locked_elsewhere(theirs)
    assert not locked_elsewhere(theirs)  # committed: released


def test_a_lock_a_rolled_back_savepoint_took_is_taken_again(dbs):
    ours, theirs = dbs
    seen = lock_statements(ours)
    with ours.session() as session:
        session.execute(text("SELECT 1"))  # the transaction begins before the savepoint
        nested = session.begin_nested()
        lock_customer(session, CUSTOMER)
        nested.rollback()  # the mail failed: its savepoint and the lock taken inside it are gone
        assert not locked_elsewhere(theirs)
        with session.begin_nested():
            lock_customer(session, CUSTOMER)
        assert len(seen) == 2
        assert locked_elsewhere(theirs)


def test_the_next_transaction_takes_the_lock_again(dbs):
    ours, theirs = dbs
    seen = lock_statements(ours)
    session = ours.sessions()  # one session, two transactions (as the web app's and the CLI's are)
    try:
        lock_customer(session, CUSTOMER)
        session.commit()  # released
        lock_customer(session, CUSTOMER)
        assert locked_elsewhere(theirs)
        assert len(seen) == 2
    finally:
        session.rollback()
        session.close()
