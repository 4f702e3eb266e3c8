"""Stored mail is worked in batches, one transaction a batch and a savepoint a mail (spocmail/pipeline.py):
a mail that fails is rolled back alone, and a batch cut short by a crash leaves none of its work behind."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from spocmail import config as config_mod
from spocmail import pipeline
from spocmail.clock import Clock
from spocmail.db import Database
from spocmail.db.issues import Issue, IssueMessage
from spocmail.db.mail import Message
from spocmail.intake.poll import intake, open_mailbox
from tests.helpers import deliver, make_project

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc)


def request(n: int) -> bytes:
    return (f"From: Jordan Example <jordan@example.org>\r\nTo: spoc@council.example\r\n"
            f"Subject: Bins, question {n}\r\nDate: Mon, 30 Nov 2026 08:{n:02d}:00 +0000\r\n"
            f"Message-ID: <batch{n}@example.org>\r\n\r\n"
            f"Please can you tell me when the bins in Street {n} will next be collected?\r\n").encode()


@pytest.fixture
def stored(tmp_path, db_url):
    """Five requests stored and not yet worked, in batches of three."""
    project = make_project(tmp_path / "p", db_url, extra="[limits]\nbatch_mails = 3\n")
    for n in range(5):
        deliver(project.maildir, request(n))
    config = config_mod.load(project.config)
    db = Database(config.database.url)
    intake(db, open_mailbox(config), Clock(NOW))
    yield config, db
    db.dispose()


def _state(db: Database) -> dict[str, str]:
    with db.session() as s:
        return {m.message_id: m.state for m in s.scalars(select(Message).where(Message.direction == "in"))}


def _filed(db: Database) -> dict[int, int]:
    """Inbound mail -> how many issues it was filed into."""
    with db.session() as s:
        return dict(s.execute(select(IssueMessage.message_pk, func.count())
                              .join(Message, Message.id == IssueMessage.message_pk).where(Message.direction == "in")
                              .group_by(IssueMessage.message_pk)).all())


def test_a_mail_that_fails_is_rolled_back_alone_and_the_rest_of_its_batch_commits(stored, monkeypatch):
    config, db = stored
    real = pipeline.handle

    def fails_after_its_work(session, message, *args):
        outcome = real(session, message, *args)  # the mail's issue, officer request and audit entries...
        if message.message_id == "<batch1@example.org>":
            raise RuntimeError("a fault after the work was done")  # ...then a fault: none of them may stay
        return outcome

    monkeypatch.setattr(pipeline, "handle", fails_after_its_work)
    counts = pipeline.process_stored(config, db, Clock(NOW))
    assert (counts.filed, counts.failed) == (4, 1)
    states = _state(db)
    assert states.pop("<batch1@example.org>") == "stored"  # back for another attempt, its error kept
    assert set(states.values()) == {"done"}
    with db.session() as s:
        failed = s.scalar(select(Message).where(Message.message_id == "<batch1@example.org>"))
        assert "a fault after the work was done" in failed.last_error and failed.attempts == 1
        assert _filed(db).get(failed.id) is None  # its issue went with its savepoint
        assert s.scalar(select(func.count()).select_from(Issue)) == 4

    monkeypatch.setattr(pipeline, "handle", real)  # the next pass files it, once
    assert pipeline.process_stored(config, db, Clock(NOW)).filed == 1
    assert set(_state(db).values()) == {"done"}
    assert sorted(_filed(db).values()) == [1] * 5


def test_a_batch_cut_short_leaves_none_of_its_work_and_its_mail_is_worked_again(stored, monkeypatch):
    config, db = stored
    real = pipeline.handle

    def dies_on_the_second(session, message, *args):
        if message.message_id == "<batch1@example.org>":
            raise KeyboardInterrupt  # as a kill would: the first mail of the batch is worked, not committed
        return real(session, message, *args)

    monkeypatch.setattr(pipeline, "handle", dies_on_the_second)
    with pytest.raises(KeyboardInterrupt):
        pipeline.process_stored(config, db, Clock(NOW))
    assert _filed(db) == {}  # the first mail's savepoint was released, but its batch never committed
    assert set(_state(db).values()) == {"working", "stored"}
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Issue)) == 0

    monkeypatch.setattr(pipeline, "handle", real)
    with db.session() as s:  # the claims of a process that is gone are given back (here: our own, made stale)
        s.execute(Message.__table__.update().where(Message.state == "working").values(state="stored"))
    assert pipeline.process_stored(config, db, Clock(NOW)).filed == 5
    assert sorted(_filed(db).values()) == [1] * 5
