"""Intake stores a fetched batch in one transaction, a savepoint a mail (spocmail/intake/poll.py): a mail that
fails costs only itself, nothing of a batch is committed before its end (SQLite's savepoints included), and
what the batch read once is not trusted after another process stored the same mail meanwhile."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from spocmail import config as config_mod
from spocmail import db as dbmod
from spocmail.clock import Clock
from spocmail.db import Database
from spocmail.db.mail import MailboxState, MailLocation, Message
from spocmail.intake import FetchedMail, poll, store
from spocmail.intake.poll import intake, open_mailbox
from tests.helpers import deliver, make_project

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc)
SOURCE = "imap://spoc@127.0.0.1:1/INBOX"


def sample(n: int, msgid: str | None = None) -> bytes:
    return (f"From: Jordan Example <jordan@example.org>\r\nTo: spoc@council.example\r\n"
            f"Subject: Question {n}\r\nDate: Mon, 30 Nov 2026 08:{n:02d}:00 +0000\r\n"
            f"Message-ID: {msgid or f'<intake-batch{n}@example.org>'}\r\n\r\nQuestion number {n}.\r\n").encode()


@pytest.fixture
def project(tmp_path, db_url):
    """Five mails in the Maildir (oldest first, as fetched), intake not yet run."""
    project = make_project(tmp_path / "p", db_url)
    for n in range(5):
        deliver(project.maildir, sample(n))
    config = config_mod.load(project.config)
    db = Database(config.database.url)
    yield project, config, db
    db.dispose()


def _subjects(db: Database) -> list[str]:
    with db.session() as s:
        return sorted(s.scalars(select(Message.subject).where(Message.direction == "in")))


def _waiting(project) -> int:
    return len(list((project.maildir / "new").iterdir()))


def test_a_mail_that_fails_to_store_costs_only_itself_and_is_stored_on_the_next_pass(project, monkeypatch):
    project, config, db = project
    real = poll.store_fetched

    def fails_after_its_writes(session, mail, now, **kw):
        result = real(session, mail, now, **kw)
        if b"Subject: Question 2\r\n" in mail.raw:
            raise RuntimeError("disk full")
        return result

    monkeypatch.setattr(poll, "store_fetched", fails_after_its_writes)
    with pytest.raises(RuntimeError, match="disk full"):
        intake(db, open_mailbox(config), Clock(NOW))
    # the two before it committed and acknowledged; its own rows rolled back with its savepoint; the two
    # after it not tried: all three still in the mailbox
    assert _subjects(db) == ["Question 0", "Question 1"]
    assert _waiting(project) == 3 and len(list((project.maildir / "cur").iterdir())) == 2
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(MailLocation).where(
            MailLocation.acknowledged_at.is_not(None))) == 2
    monkeypatch.undo()
    counts = intake(db, open_mailbox(config), Clock(NOW))
    assert (counts.fetched, counts.stored, counts.duplicates) == (3, 3, 0)  # Question 2 new, not a duplicate
    assert _subjects(db) == [f"Question {n}" for n in range(5)] and _waiting(project) == 0


def test_nothing_of_a_batch_is_committed_before_its_end(project, monkeypatch):
    """On SQLite a savepoint outside a transaction is a transaction of its own, committed by its RELEASE:
    the batch's first write must have begun one, or each mail would be committed on its own, before the
    batch's end, and a fault there would leave stored mail that the mailbox is never told about."""
    project, config, db = project

    def fails_before_the_commit(self):
        raise RuntimeError("power cut")

    monkeypatch.setattr(store.Batch, "finish", fails_before_the_commit)
    with pytest.raises(RuntimeError, match="power cut"):
        intake(db, open_mailbox(config), Clock(NOW))
    assert _subjects(db) == [] and _waiting(project) == 5
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(MailLocation)) == 0
    monkeypatch.undo()
    assert intake(db, open_mailbox(config), Clock(NOW)).stored == 5
    assert _waiting(project) == 0


def test_a_stop_request_ends_the_batch_with_what_is_stored_committed_and_acknowledged(project, monkeypatch):
    project, config, db = project
    from spocmail import stopping

    real = poll.store_fetched

    def stop_after_the_second(session, mail, now, **kw):
        result = real(session, mail, now, **kw)
        if b"Subject: Question 1\r\n" in mail.raw:
            stopping.request()
        return result

    monkeypatch.setattr(poll, "store_fetched", stop_after_the_second)
    try:
        counts = intake(db, open_mailbox(config), Clock(NOW))
    finally:
        stopping.reset()
    assert (counts.fetched, counts.stored) == (2, 2)
    assert _subjects(db) == ["Question 0", "Question 1"] and _waiting(project) == 3


def fetched(n: int, uid: int, raw: bytes | None = None, uidvalidity: int = 7) -> FetchedMail:
    return FetchedMail(SOURCE, uidvalidity, str(uid), NOW, raw or sample(n))


def test_one_batch_finds_its_own_duplicates_and_reused_message_ids(db_url):
    """What the batch read once is brought up to date by what it stores: the same bytes twice in one batch
    are one mail, a different mail reusing a Message-ID stored earlier in the batch is flagged."""
    dbmod.upgrade(db_url)
    db = Database(db_url)
    try:
        with db.session() as s:
            store.store_fetched(s, fetched(0, 1), NOW)  # an earlier batch, UIDVALIDITY 7 up to UID 1
        mails = [fetched(1, 2), fetched(1, 3), fetched(2, 4, sample(2, msgid="<intake-batch1@example.org>")),
                 fetched(0, 5), fetched(1, 2)]
        with db.session() as s:
            batch = store.Batch(s, mails, NOW)
            got = [poll._store_once(s, batch, m, NOW) for m in mails]
            batch.finish()
        assert [r.via for r in got] == ["new", "sha256", "new", "sha256", "location"]
        assert got[1].message_pk == got[0].message_pk == got[4].message_pk
        with db.session() as s:
            reused = {subject: flag for subject, flag in s.execute(select(Message.subject, Message.message_id_reused))}
            assert reused == {"Question 0": False, "Question 1": False, "Question 2": True}
            assert s.scalar(select(func.count()).select_from(MailLocation)) == 5
            state = s.get(MailboxState, SOURCE)
            assert (state.uidvalidity, state.last_uid) == (7, 5)
    finally:
        db.dispose()


def test_a_changed_uidvalidity_in_a_batch_is_recorded_once(db_url):
    dbmod.upgrade(db_url)
    db = Database(db_url)
    try:
        with db.session() as s:
            store.store_fetched(s, fetched(0, 40), NOW)
        mails = [fetched(0, 1, uidvalidity=99), fetched(1, 2, uidvalidity=99)]
        with db.session() as s:
            batch = store.Batch(s, mails, NOW)
            got = [poll._store_once(s, batch, m, NOW) for m in mails]
            batch.finish()
        assert [r.via for r in got] == ["sha256", "new"]
        with db.session() as s:
            state = s.get(MailboxState, SOURCE)
            assert (state.uidvalidity, state.last_uid) == (99, 2)
    finally:
        db.dispose()


def test_a_mail_stored_meanwhile_by_another_daemon_is_found_on_a_second_look(db_url):
    """PostgreSQL: another daemon commits the same mail after the batch read what was stored. Its insert is
    refused by the unique constraint; only its savepoint is rolled back, and the second look finds it."""
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite: the batch holds the write lock from its start, so nothing is stored meanwhile")
    dbmod.upgrade(db_url)
    db = Database(db_url)
    try:
        mails = [fetched(n, n + 1) for n in range(3)]
        with db.session() as s:
            batch = store.Batch(s, mails, NOW)
            with db.session() as other:
                store.store_fetched(other, mails[1], NOW)
            got = [poll._store_once(s, batch, m, NOW) for m in mails]
            batch.finish()
        assert [r.via for r in got] == ["new", "location", "new"]
        with db.session() as s:
            assert s.scalar(select(func.count()).select_from(Message)) == 3
            assert s.scalar(select(func.count()).select_from(MailLocation)) == 3
            state = s.get(MailboxState, SOURCE)
            assert (state.uidvalidity, state.last_uid) == (7, 3)
    finally:
        db.dispose()
